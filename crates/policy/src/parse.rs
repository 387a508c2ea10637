//! The recursive-descent parser of policy statements.

use dyngroup_rules::{Diagnostic, DiagnosticKind, Span, edit_distance};

use crate::ast::{
    Action, Clause, ClauseTest, ConditionKind, CrossTenancy, Effect, Grant, Location, Statement,
    Subject, SubjectItem, SubjectKind, SubjectTarget, Value, WhereCondition,
};
use crate::lex::{Tok, Token, WithHelp, error, lex, warning};
use crate::resources::{ResourceTable, Verb};

/// The deepest `any {…}` / `all {…}` nesting accepted in a `where` clause.
pub const MAX_CONDITION_DEPTH: usize = 64;

/// The variables decided offline (the crate README's "Decisions"); every other variable is unknown.
pub const DECIDED_VARIABLES: [&str; 5] = [
    "request.principal.type",
    "request.principal.id",
    "request.principal.compartment.id",
    "target.compartment.id",
    "target.compartment.name",
];

/// A statement that parsed, with its warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedStatement {
    /// The syntax tree.
    pub statement: Statement,
    /// Warnings: an unknown resource type, an unquoted value, a near-miss variable.
    pub warnings: Vec<Diagnostic>,
}

/// Why a statement was rejected: at least one error, rendered like rule errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementError {
    /// The errors and the warnings found before them.
    pub diagnostics: Vec<Diagnostic>,
}

impl StatementError {
    /// The first error.
    pub fn first(&self) -> Option<&Diagnostic> {
        self.diagnostics.iter().find(|d| d.is_error())
    }

    /// Every diagnostic rendered over `source`, separated by blank lines.
    pub fn render(&self, source: &str) -> String {
        let parts: Vec<String> = self.diagnostics.iter().map(|d| d.render(source)).collect();
        parts.join("\n")
    }
}

impl std::fmt::Display for StatementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.first() {
            Some(d) => write!(f, "{d}"),
            None => f.write_str("invalid statement"),
        }
    }
}

impl std::error::Error for StatementError {}

/// Parses one statement. Never panics; every problem is a diagnostic with a span.
///
/// ```
/// use dyngroup_policy::{Statement, parse_statement};
///
/// let parsed = parse_statement("allow Dynamic-Group web to READ buckets in compartment Prod:App")
///     .unwrap();
/// assert!(matches!(parsed.statement, Statement::Grant(_)));
///
/// let err = parse_statement("Alow dynamic-group web to read buckets in tenancy").unwrap_err();
/// assert!(err.render("Alow dynamic-group web to read buckets in tenancy").contains("did you mean `Allow`?"));
/// ```
pub fn parse_statement(text: &str) -> std::result::Result<ParsedStatement, StatementError> {
    let tokens = match lex(text) {
        Ok(tokens) => tokens,
        Err(d) => {
            return Err(StatementError {
                diagnostics: vec![d],
            });
        }
    };
    let mut parser = Parser {
        tokens,
        at: 0,
        warnings: Vec::new(),
        table: ResourceTable::builtin(),
    };
    match parser.statement() {
        Ok(statement) => Ok(ParsedStatement {
            statement,
            warnings: parser.warnings,
        }),
        Err(e) => {
            let mut diagnostics = parser.warnings;
            diagnostics.push(e);
            Err(StatementError { diagnostics })
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    warnings: Vec<Diagnostic>,
    table: &'static ResourceTable,
}

type Result<T> = std::result::Result<T, Diagnostic>;

const STATEMENT_KEYWORDS: [&str; 5] = ["Allow", "Deny", "Define", "Endorse", "Admit"];
const SUBJECT_KEYWORDS: [&str; 5] = ["dynamic-group", "group", "any-user", "any-group", "service"];

impl Parser {
    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        // The lexer always ends with `End`, so `tokens` is never empty.
        &self.tokens[self.at.saturating_add(ahead).min(last)]
    }

    /// The span of the last token consumed.
    fn prev_span(&self) -> Span {
        self.tokens
            .get(self.at.saturating_sub(1))
            .map_or_else(Span::default, |t| t.span)
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    fn peek_word(&self) -> Option<&str> {
        match &self.peek().tok {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }

    fn word_is(&self, ahead: usize, keyword: &str) -> bool {
        matches!(&self.peek_at(ahead).tok, Tok::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn expected(&self, what: &str) -> Diagnostic {
        let token = self.peek();
        match &token.tok {
            Tok::End => error(
                DiagnosticKind::UnexpectedEnd,
                token.span,
                format!("the statement ends where {what} was expected"),
            ),
            _ => error(
                DiagnosticKind::UnexpectedToken,
                token.span,
                format!("expected {what}, found {}", describe(&token.tok)),
            ),
        }
    }

    fn keyword(&mut self, keyword: &str) -> Result<Span> {
        if self.word_is(0, keyword) {
            Ok(self.bump().span)
        } else {
            let mut d = self.expected(&format!("`{keyword}`"));
            if let Some(w) = self.peek_word()
                && edit_distance(&w.to_ascii_lowercase(), keyword) <= 1
            {
                d = d.with_help_text(format!("did you mean `{keyword}`?"));
            }
            Err(d)
        }
    }

    fn statement(&mut self) -> Result<Statement> {
        let first = self.peek().clone();
        let Tok::Word(word) = &first.tok else {
            if first.tok == Tok::End {
                return Err(error(
                    DiagnosticKind::EmptyRule,
                    first.span,
                    "empty statement",
                ));
            }
            return Err(self.expected("`Allow`, `Deny`, `Define`, `Endorse` or `Admit`"));
        };
        let lower = word.to_ascii_lowercase();
        match lower.as_str() {
            "allow" | "deny" => {
                self.bump();
                if lower == "deny" && (self.word_is(0, "admit") || self.word_is(0, "endorse")) {
                    let keyword = format!("deny {}", self.bump_word().to_ascii_lowercase());
                    return self.cross_tenancy(keyword, first.span);
                }
                let effect = if lower == "allow" {
                    Effect::Allow
                } else {
                    Effect::Deny
                };
                self.grant(effect).map(|g| Statement::Grant(Box::new(g)))
            }
            "define" | "endorse" | "admit" => {
                self.bump();
                self.cross_tenancy(lower, first.span)
            }
            _ => {
                let d = self.expected("`Allow`, `Deny`, `Define`, `Endorse` or `Admit`");
                Err(match suggest(word, &STATEMENT_KEYWORDS) {
                    Some(help) => d.with_help_text(help),
                    None => d,
                })
            }
        }
    }

    fn bump_word(&mut self) -> String {
        match self.bump().tok {
            Tok::Word(w) => w,
            _ => String::new(),
        }
    }

    /// Cross-tenancy statements: every token must lex; the words are not evaluated.
    fn cross_tenancy(&mut self, keyword: String, start: Span) -> Result<Statement> {
        let mut end = start;
        while self.peek().tok != Tok::End {
            end = self.bump().span;
        }
        if end == start {
            return Err(self.expected("the rest of the statement"));
        }
        Ok(Statement::CrossTenancy(CrossTenancy {
            keyword,
            span: start.cover(end),
        }))
    }

    fn grant(&mut self, effect: Effect) -> Result<Grant> {
        let subject = self.subject()?;
        self.keyword("to")?;
        let action = self.action()?;
        let resource = match &action {
            Action::Verb(..) => Some(self.resource()?),
            Action::Permissions(..) if !self.word_is(0, "in") => Some(self.resource()?),
            Action::Permissions(..) => None,
        };
        self.keyword("in")?;
        let location = self.location()?;
        let condition = if self.word_is(0, "where") {
            self.bump();
            Some(self.condition(1)?)
        } else {
            None
        };
        if self.peek().tok != Tok::End {
            let token = self.peek();
            return Err(error(
                DiagnosticKind::TrailingInput,
                token.span,
                format!(
                    "unexpected {} after the location; conditions start with `where`",
                    describe(&token.tok)
                ),
            ));
        }
        Ok(Grant {
            effect,
            subject,
            action,
            resource,
            location,
            condition,
        })
    }

    fn subject(&mut self) -> Result<Subject> {
        let token = self.peek().clone();
        if self.word_is(0, "any-user") {
            self.bump();
            return Ok(Subject::AnyUser(token.span));
        }
        if self.word_is(0, "any-group") {
            self.bump();
            return Ok(Subject::AnyGroup(token.span));
        }
        let mut kind = self.subject_kind().ok_or_else(|| {
            let d = self.expected("a subject (`dynamic-group`, `group`, `any-user`, `any-group`)");
            match self.peek_word().and_then(|w| suggest(w, &SUBJECT_KEYWORDS)) {
                Some(help) => d.with_help_text(help),
                None => d,
            }
        })?;
        self.bump();
        let mut items = Vec::new();
        loop {
            items.push(self.subject_item(kind)?);
            if self.peek().tok != Tok::Comma {
                break;
            }
            self.bump();
            if let Some(next) = self.subject_kind() {
                kind = next;
                self.bump();
            }
        }
        Ok(Subject::Items(items))
    }

    fn subject_kind(&self) -> Option<SubjectKind> {
        [
            SubjectKind::DynamicGroup,
            SubjectKind::Group,
            SubjectKind::Service,
        ]
        .into_iter()
        .find(|k| self.word_is(0, k.as_str()))
    }

    fn subject_item(&mut self, kind: SubjectKind) -> Result<SubjectItem> {
        let start = self.peek().span;
        let is_id = self.word_is(0, "id")
            && matches!(&self.peek_at(1).tok, Tok::Word(w) if w.starts_with("ocid1."));
        if is_id {
            self.bump();
            let ocid = self.bump_word();
            return Ok(SubjectItem {
                kind,
                target: SubjectTarget::Id(ocid),
                span: start.cover(self.prev_span()),
            });
        }
        let first = self.name("a group name")?;
        let target = if self.peek().tok == Tok::Slash {
            self.bump();
            let name = self.name("a group name after the domain")?;
            SubjectTarget::Name {
                domain: Some(first),
                name,
            }
        } else {
            SubjectTarget::Name {
                domain: None,
                name: first,
            }
        };
        Ok(SubjectItem {
            kind,
            target,
            span: start.cover(self.prev_span()),
        })
    }

    /// A name: a word or quoted text.
    fn name(&mut self, what: &str) -> Result<String> {
        match &self.peek().tok {
            Tok::Word(w) if !w.eq_ignore_ascii_case("to") => {
                let w = w.clone();
                self.bump();
                Ok(w)
            }
            Tok::Quoted(q) if !q.is_empty() => {
                let q = q.clone();
                self.bump();
                Ok(q)
            }
            _ => Err(self.expected(what)),
        }
    }

    fn action(&mut self) -> Result<Action> {
        let token = self.peek().clone();
        match &token.tok {
            Tok::LBrace => {
                self.bump();
                let mut permissions = Vec::new();
                loop {
                    match &self.peek().tok {
                        Tok::Word(w) => {
                            permissions.push(w.to_ascii_uppercase());
                            self.bump();
                        }
                        _ => return Err(self.expected("a permission name")),
                    }
                    match self.peek().tok {
                        Tok::Comma => {
                            self.bump();
                        }
                        Tok::RBrace => break,
                        _ => return Err(self.expected("`,` or `}`")),
                    }
                }
                let end = self.bump().span;
                Ok(Action::Permissions(permissions, token.span.cover(end)))
            }
            Tok::Word(w) => match Verb::from_word(w) {
                Some(verb) => {
                    self.bump();
                    Ok(Action::Verb(verb, token.span))
                }
                None => {
                    let d = error(
                        DiagnosticKind::UnknownVariable,
                        token.span,
                        format!("unknown verb `{w}`: expected inspect, read, use or manage"),
                    );
                    let verbs = Verb::ALL.map(Verb::as_str);
                    Err(match suggest(w, &verbs) {
                        Some(help) => d.with_help_text(help),
                        None => d,
                    })
                }
            },
            _ => Err(self.expected("a verb (inspect, read, use, manage) or `{PERMISSION, …}`")),
        }
    }

    fn resource(&mut self) -> Result<(crate::resources::Resource, Span)> {
        let token = self.peek().clone();
        let Tok::Word(word) = &token.tok else {
            return Err(self.expected("a resource type"));
        };
        if word.eq_ignore_ascii_case("in") {
            return Err(self.expected("a resource type"));
        }
        self.bump();
        let resource = self.table.resolve(word);
        if !resource.known {
            let mut d = warning(
                DiagnosticKind::UnknownVariable,
                token.span,
                format!(
                    "unknown resource type `{word}` (resource table version {})",
                    self.table.version()
                ),
            );
            if let Some(help) = self.table.suggest(word) {
                d = d.with_help_text(help);
            }
            self.warnings.push(d);
        }
        Ok((resource, token.span))
    }

    fn location(&mut self) -> Result<Location> {
        let start = self.peek().span;
        if self.word_is(0, "tenancy") {
            self.bump();
            return Ok(Location::Tenancy(start));
        }
        if !self.word_is(0, "compartment") {
            let d = self.expected("`tenancy` or `compartment`");
            return Err(
                match self
                    .peek_word()
                    .and_then(|w| suggest(w, &["tenancy", "compartment"]))
                {
                    Some(help) => d.with_help_text(help),
                    None => d,
                },
            );
        }
        self.bump();
        let is_id = self.word_is(0, "id")
            && matches!(&self.peek_at(1).tok, Tok::Word(w) if w.starts_with("ocid1."));
        if is_id {
            self.bump();
            let ocid = self.bump_word();
            return Ok(Location::Id(ocid, start.cover(self.prev_span())));
        }
        let mut path = vec![self.name("a compartment name or `id <OCID>`")?];
        while self.peek().tok == Tok::Colon {
            self.bump();
            path.push(self.name("a compartment name after `:`")?);
        }
        Ok(Location::Path(path, start.cover(self.prev_span())))
    }

    fn condition(&mut self, depth: usize) -> Result<WhereCondition> {
        let start = self.peek().span;
        let kind = if self.word_is(0, "any") {
            Some(ConditionKind::Any)
        } else if self.word_is(0, "all") {
            Some(ConditionKind::All)
        } else {
            None
        };
        if let (Some(kind), Tok::LBrace) = (kind, &self.peek_at(1).tok) {
            if depth > MAX_CONDITION_DEPTH {
                return Err(error(
                    DiagnosticKind::NestingTooDeep,
                    start,
                    format!("conditions nested deeper than {MAX_CONDITION_DEPTH}"),
                ));
            }
            self.bump();
            let open = self.bump().span;
            if self.peek().tok == Tok::RBrace {
                return Err(error(
                    DiagnosticKind::EmptyGroup,
                    start.cover(self.peek().span),
                    "empty condition group",
                ));
            }
            let mut items = Vec::new();
            loop {
                if self.peek().tok == Tok::End {
                    return Err(error(
                        DiagnosticKind::UnbalancedBrace,
                        open,
                        "this `{` is never closed",
                    ));
                }
                items.push(self.condition(depth + 1)?);
                match self.peek().tok {
                    Tok::Comma => {
                        self.bump();
                    }
                    Tok::RBrace => break,
                    Tok::End => {
                        return Err(error(
                            DiagnosticKind::UnbalancedBrace,
                            open,
                            "this `{` is never closed",
                        ));
                    }
                    _ => return Err(self.expected("`,` or `}`")),
                }
            }
            let end = self.bump().span;
            return Ok(WhereCondition::Group(kind, items, start.cover(end)));
        }
        self.clause().map(WhereCondition::Clause)
    }

    fn clause(&mut self) -> Result<Clause> {
        let start = self.peek().span;
        let negated = self.word_is(0, "not") && matches!(self.peek_at(1).tok, Tok::Word(_));
        if negated {
            self.bump();
        }
        let token = self.peek().clone();
        let variable = match &token.tok {
            Tok::Word(w) if w.contains('.') => w.to_ascii_lowercase(),
            _ => return Err(self.expected("a condition variable such as `request.principal.type`")),
        };
        self.bump();
        self.check_variable(&variable, token.span);
        let test = if negated {
            if self.word_is(0, "in") {
                self.bump();
                ClauseTest::NotIn(self.value_list()?)
            } else {
                ClauseTest::Present(false)
            }
        } else {
            match &self.peek().tok {
                Tok::Eq => {
                    self.bump();
                    ClauseTest::Eq(self.value()?)
                }
                Tok::Ne => {
                    self.bump();
                    ClauseTest::Ne(self.value()?)
                }
                Tok::Word(w) if w.eq_ignore_ascii_case("in") => {
                    self.bump();
                    ClauseTest::In(self.value_list()?)
                }
                Tok::Word(w) if w.eq_ignore_ascii_case("not") && self.word_is(1, "in") => {
                    self.bump();
                    self.bump();
                    ClauseTest::NotIn(self.value_list()?)
                }
                Tok::Word(w)
                    if w.eq_ignore_ascii_case("before") || w.eq_ignore_ascii_case("after") =>
                {
                    let op = w.to_ascii_lowercase();
                    self.bump();
                    ClauseTest::Time(op, vec![self.value()?])
                }
                Tok::Word(w) if w.eq_ignore_ascii_case("between") => {
                    self.bump();
                    let from = self.value()?;
                    self.keyword("and")?;
                    ClauseTest::Time("between".into(), vec![from, self.value()?])
                }
                _ => ClauseTest::Present(true),
            }
        };
        Ok(Clause {
            variable,
            test,
            span: start.cover(self.prev_span()),
        })
    }

    /// Warns about a variable one or two edits away from a decided one.
    fn check_variable(&mut self, variable: &str, span: Span) {
        if DECIDED_VARIABLES.contains(&variable) {
            return;
        }
        if let Some(near) = DECIDED_VARIABLES
            .iter()
            .find(|v| edit_distance(variable, v) <= 2)
        {
            self.warnings.push(
                warning(
                    DiagnosticKind::UnknownVariable,
                    span,
                    format!(
                        "variable `{variable}` is not one dyngroup knows; it is treated as unknown"
                    ),
                )
                .with_help_text(format!("did you mean `{near}`?")),
            );
        }
    }

    fn value(&mut self) -> Result<Value> {
        let token = self.peek().clone();
        match token.tok {
            Tok::Quoted(q) => {
                self.bump();
                Ok(Value::Text(q))
            }
            Tok::Pattern(p) => {
                self.bump();
                Ok(Value::Pattern(p))
            }
            Tok::Word(w) => {
                self.bump();
                self.warnings.push(warning(
                    DiagnosticKind::UnquotedValue,
                    token.span,
                    format!("unquoted value `{w}`; OCI documents values in single quotes"),
                ));
                Ok(Value::Text(w))
            }
            _ => Err(self.expected("a value in single quotes or a `/pattern/`")),
        }
    }

    fn value_list(&mut self) -> Result<Vec<Value>> {
        if self.peek().tok != Tok::LParen {
            return Err(self.expected("`(`"));
        }
        self.bump();
        let mut values = vec![self.value()?];
        while self.peek().tok == Tok::Comma {
            self.bump();
            values.push(self.value()?);
        }
        if self.peek().tok != Tok::RParen {
            return Err(self.expected("`,` or `)`"));
        }
        self.bump();
        Ok(values)
    }
}

/// "did you mean" among keywords, when a word is close to one.
fn suggest(word: &str, keywords: &[&str]) -> Option<String> {
    let lower = word.to_ascii_lowercase();
    let (d, best) = keywords
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .min()?;
    (d <= (lower.len() / 3).max(2) && d < lower.len()).then(|| format!("did you mean `{best}`?"))
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Quoted(q) => format!("'{q}'"),
        Tok::Pattern(p) => format!("/{p}/"),
        Tok::LBrace => "`{`".into(),
        Tok::RBrace => "`}`".into(),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Colon => "`:`".into(),
        Tok::Slash => "`/`".into(),
        Tok::Eq => "`=`".into(),
        Tok::Ne => "`!=`".into(),
        Tok::End => "the end".into(),
    }
}
