//! Recursive-descent parser from rule text to [`Ast`].
//!
//! Tokens are read on demand from a [`Cursor`] because what a character means depends
//! on where it stands: after `=` an unquoted value is scanned raw (to catch `${…}`
//! templates and values with spaces), elsewhere words end at punctuation.
//! Errors inside a group are recovered from at the next `,` or `}`, so one pass
//! reports every broken condition; running out of text or nesting too deep stops.

use crate::ast::{Ast, Comparison, Condition, Expr, Group, GroupKind, Op, Variable};
use crate::cursor::Cursor;
use crate::diagnostic::{Diagnostic, DiagnosticKind as Kind, ParseError};
use crate::excerpt::{named_char, quoted};
use crate::span::{Position, Span};
use crate::suggest::{suggest_keyword, suggest_variable};

/// The largest nesting limit [`ParseOptions::max_depth`] may raise to; higher values
/// are clamped so that no setting can overflow the stack.
pub const MAX_DEPTH_CEILING: usize = 256;

/// How to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Reject what is otherwise accepted with a warning (a bare top-level list, an
    /// unquoted value, a comma after the whole rule, a control character in a quoted
    /// value).
    pub strict: bool,
    /// Deepest allowed nesting of ANY/ALL groups (clamped to [`MAX_DEPTH_CEILING`]).
    pub max_depth: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            strict: false,
            max_depth: 64,
        }
    }
}

/// A rule that parsed, with the warnings about the legacy or suspicious forms it used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The syntax tree.
    pub ast: Ast,
    /// Warnings (legacy or suspicious forms); empty for a clean modern rule.
    pub warnings: Vec<Diagnostic>,
}

/// Parses a rule with the default options.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    parse_with(text, &ParseOptions::default())
}

/// Parses a rule.
///
/// Returns the tree and its warnings, or every error and warning found. Never panics.
pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Parsed, ParseError> {
    let mut parser = Parser {
        cur: Cursor::new(text),
        strict: options.strict,
        max_depth: options.max_depth.min(MAX_DEPTH_CEILING),
        diags: Vec::new(),
    };
    let root = parser.rule();
    let diags = parser.diags;
    match root {
        Ok(root) if !diags.iter().any(Diagnostic::is_error) => Ok(Parsed {
            ast: Ast { root },
            warnings: diags,
        }),
        _ => Err(ParseError::new(diags)),
    }
}

/// An error was recorded in `diags`; the caller decides whether to recover.
#[derive(Debug)]
struct Failed {
    /// True when parsing cannot go on at all (end of text, nesting limit).
    fatal: bool,
}

type PResult<T> = Result<T, Failed>;

/// A token, read on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    LBrace,
    RBrace,
    Comma,
    Eq,
    Ne,
    Quote(char),
    Word(&'a str),
    Other(char),
    End,
}

/// Characters that may appear in a word (a keyword, a variable, a bare value):
/// printable ASCII except space and the punctuation of the language.
fn is_word_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '{' | '}' | ',' | '=' | '!' | '\'' | '"')
}

/// A character that cannot be part of a word but may have been meant as one: a
/// non-ASCII letter or symbol (`é`, a look-alike `і`, a zero-width space).
fn is_foreign(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace() && !c.is_control()
}

fn is_logical_word(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "and" | "or" | "&&" | "||" | "not"
    )
}

struct Parser<'a> {
    cur: Cursor<'a>,
    strict: bool,
    max_depth: usize,
    diags: Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    // ----- tokens -----

    /// The next token after whitespace, with its span, without consuming it.
    fn peek(&mut self) -> (Token<'a>, Span) {
        self.cur.skip_whitespace();
        let mut probe = self.cur.clone();
        let token = Self::lex(&mut probe);
        (token, Span::new(self.cur.pos(), probe.pos()))
    }

    /// Consumes and returns the next token after whitespace.
    fn next(&mut self) -> (Token<'a>, Span) {
        self.cur.skip_whitespace();
        let start = self.cur.pos();
        let token = Self::lex(&mut self.cur);
        (token, self.cur.span_from(start))
    }

    fn lex(cur: &mut Cursor<'a>) -> Token<'a> {
        let Some(c) = cur.peek() else {
            return Token::End;
        };
        let single = match c {
            '{' => Some(Token::LBrace),
            '}' => Some(Token::RBrace),
            ',' => Some(Token::Comma),
            '=' => Some(Token::Eq),
            '\'' | '"' => Some(Token::Quote(c)),
            '!' if cur.peek_second() == Some('=') => {
                cur.bump();
                Some(Token::Ne)
            }
            _ => None,
        };
        if let Some(token) = single {
            cur.bump();
            return token;
        }
        if is_word_char(c) {
            return Token::Word(cur.eat_while(is_word_char));
        }
        cur.bump();
        Token::Other(c)
    }

    fn fail(&mut self, diag: Diagnostic) -> Failed {
        self.diags.push(diag);
        Failed { fatal: false }
    }

    fn fatal(&mut self, diag: Diagnostic) -> Failed {
        self.diags.push(diag);
        Failed { fatal: true }
    }

    /// A legacy or suspicious form: a warning, or an error in strict mode.
    fn lenient(&mut self, kind: Kind, span: Span, message: String, help: String) {
        let diag = if self.strict {
            Diagnostic::error(kind, span, format!("{message} (rejected in strict mode)"))
        } else {
            Diagnostic::warning(kind, span, message)
        };
        self.diags.push(diag.with_help(help));
    }

    fn describe(token: Token<'_>) -> String {
        match token {
            Token::LBrace => "`{`".into(),
            Token::RBrace => "`}`".into(),
            Token::Comma => "`,`".into(),
            Token::Eq => "`=`".into(),
            Token::Ne => "`!=`".into(),
            Token::Quote(_) => "a quoted value".into(),
            Token::Word(w) => format!("`{}`", quoted(w)),
            Token::Other(c) if c.is_ascii_graphic() => format!("`{c}`"),
            Token::Other(c) => named_char(c),
            Token::End => "the end of the rule".into(),
        }
    }

    fn unexpected(&mut self, token: Token<'_>, span: Span, expected: &str) -> Failed {
        let found = Self::describe(token);
        let diag = match token {
            Token::End => {
                return self.fatal(Diagnostic::error(
                    Kind::UnexpectedEnd,
                    span,
                    format!("expected {expected}, found the end of the rule"),
                ));
            }
            Token::Word(w) if is_logical_word(w) => Diagnostic::error(
                Kind::LogicalOperatorWord,
                span,
                format!("`{w}` is not an operator of the rule language"),
            )
            .with_help(
                "combine conditions with ALL {…} (and) or ANY {…} (or), separated by commas",
            ),
            Token::Other(c) if !c.is_ascii() || c.is_ascii_control() => Diagnostic::error(
                Kind::UnexpectedCharacter,
                span,
                format!("unexpected character {}", named_char(c)),
            ),
            _ => Diagnostic::error(
                Kind::UnexpectedToken,
                span,
                format!("expected {expected}, found {found}"),
            ),
        };
        self.fail(diag)
    }

    // ----- grammar -----

    /// rule = expr | expr ("," expr)+ [","]   (the second form is the legacy bare list)
    fn rule(&mut self) -> PResult<Expr> {
        if let (Token::End, span) = self.peek() {
            return Err(self.fatal(Diagnostic::error(
                Kind::EmptyRule,
                span,
                "the rule is empty",
            )));
        }
        let start = self.cur.pos();
        let first = self.expr_recovering(0);
        if let Err(Failed { fatal: true }) = first {
            return Err(Failed { fatal: true });
        }
        let mut items = vec![first];
        let mut trailing_comma = None;
        loop {
            match self.peek() {
                (Token::End, _) => break,
                (Token::Comma, comma) => {
                    self.next();
                    if let (Token::End, _) = self.peek() {
                        trailing_comma = Some(comma);
                        break;
                    }
                    items.push(self.expr_recovering(0));
                }
                (Token::RBrace, span) => {
                    self.next();
                    return Err(self.fail(Diagnostic::error(
                        Kind::UnbalancedBrace,
                        span,
                        "unmatched `}`",
                    )));
                }
                (token, span) => {
                    let failed = self.unexpected(token, span, "`,` or the end of the rule");
                    self.next();
                    self.skip_to_separator();
                    items.push(Err(failed));
                }
            }
            if items
                .last()
                .is_some_and(|r| r.as_ref().is_err_and(|f| f.fatal))
            {
                break;
            }
        }
        let span = self.cur.span_from(start);
        let items: Vec<Expr> = items.into_iter().collect::<PResult<_>>()?;
        if items.len() == 1 {
            // The grammar allows a trailing comma before a group's `}` only; one after
            // the whole rule is the legacy bare list with one member.
            if let Some(comma) = trailing_comma {
                self.lenient(
                    Kind::TrailingComma,
                    comma,
                    "a comma after the whole rule is a legacy form".into(),
                    "remove the trailing comma".into(),
                );
            }
            return Ok(items.into_iter().next().expect("one item"));
        }
        self.lenient(
            Kind::BareList,
            span,
            "a top-level list of conditions without ANY {…} is a legacy form, read as ANY".into(),
            "write it as ANY {…}".into(),
        );
        Ok(Expr::Group(Group {
            kind: GroupKind::Any,
            items,
            span,
        }))
    }

    /// An expression; on a recoverable error, skips to the next `,` or `}`.
    fn expr_recovering(&mut self, depth: usize) -> PResult<Expr> {
        let result = self.expr(depth);
        if let Err(Failed { fatal: false }) = result {
            self.skip_to_separator();
        }
        result
    }

    /// Skips balanced text up to (not including) the next `,` or `}` at this level.
    fn skip_to_separator(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.peek().0 {
                Token::End => return,
                Token::Comma | Token::RBrace if depth == 0 => return,
                Token::RBrace => depth -= 1,
                Token::LBrace => depth += 1,
                Token::Quote(q) => {
                    self.next();
                    self.cur.eat_while(|c| c != q);
                    self.cur.bump();
                    continue;
                }
                _ => {}
            }
            self.next();
        }
    }

    /// expr = group | condition
    fn expr(&mut self, depth: usize) -> PResult<Expr> {
        let (token, span) = self.next();
        match token {
            Token::Word(_) if self.cur.peek().is_some_and(is_foreign) => {
                Err(self.foreign_in_word(span))
            }
            Token::Word(w) => match w.to_ascii_lowercase().as_str() {
                "any" => self.group(GroupKind::Any, span, depth),
                "all" => self.group(GroupKind::All, span, depth),
                _ if is_logical_word(w) => Err(self.unexpected(token, span, "a condition")),
                _ if !w.contains('.') && self.peek().0 == Token::LBrace => {
                    self.unknown_keyword(w, span, depth)
                }
                _ => self.condition(w, span),
            },
            Token::LBrace => {
                self.skip_to_separator();
                if let (Token::RBrace, _) = self.peek() {
                    self.next();
                }
                Err(self.fail(
                    Diagnostic::error(
                        Kind::UnexpectedToken,
                        span,
                        "a group needs ANY or ALL before `{`",
                    )
                    .with_help("write ANY {…} or ALL {…}"),
                ))
            }
            _ => Err(self.unexpected(token, span, "a condition or an ANY/ALL group")),
        }
    }

    /// A word such as `ALLL` before `{`: an error with the nearest keyword, then the
    /// group is read anyway (as that keyword) to report what is wrong inside it.
    fn unknown_keyword(&mut self, word: &str, span: Span, depth: usize) -> PResult<Expr> {
        let (guess, help) = suggest_keyword(word);
        self.diags.push(
            Diagnostic::error(
                Kind::UnknownKeyword,
                span,
                format!("unknown group keyword `{}`", quoted(word)),
            )
            .with_help(help),
        );
        match self.group(guess, span, depth) {
            Err(failed) if failed.fatal => Err(failed),
            _ => Err(Failed { fatal: false }),
        }
    }

    /// A word that runs into a non-ASCII character (`tag.opé.x.value`): one error naming
    /// the character, where it is, and which name it is in, instead of reading the word
    /// up to the character and complaining about what is left.
    fn foreign_in_word(&mut self, word_span: Span) -> Failed {
        let start = word_span.start;
        self.cur.eat_while(|c| is_word_char(c) || is_foreign(c));
        let word = self.cur.slice(self.cur.span_from(start));
        let (index, c) = word
            .char_indices()
            .find(|(_, c)| is_foreign(*c))
            .unwrap_or((0, ' '));
        let at = Position {
            offset: start.offset + index,
            line: start.line,
            column: start.column + word[..index].chars().count(),
        };
        let after = Position {
            offset: at.offset + c.len_utf8(),
            column: at.column + 1,
            ..at
        };
        let part = word[..index].matches('.').count();
        let name = word.split('.').nth(part).unwrap_or(word);
        let is_tag = word
            .split('.')
            .next()
            .is_some_and(|p| p.eq_ignore_ascii_case("tag"));
        let within = match (is_tag, part) {
            (true, 1) => format!("tag namespace `{}`", quoted(name)),
            (true, 2) => format!("tag key `{}`", quoted(name)),
            _ => format!("`{}`", quoted(word)),
        };
        self.fail(
            Diagnostic::error(
                Kind::NonAsciiCharacter,
                Span::new(at, after),
                format!("non-ASCII character {} in {within}", named_char(c)),
            )
            .with_help("names in a rule are ASCII; look for a character copied from elsewhere"),
        )
    }

    /// group = ("ANY" | "ALL") "{" expr ("," expr)* [","] "}"
    fn group(&mut self, kind: GroupKind, keyword: Span, depth: usize) -> PResult<Expr> {
        let (token, open) = self.peek();
        if token != Token::LBrace {
            let word = self.cur.slice(keyword).to_string();
            return Err(self.unexpected(token, open, &format!("`{{` after `{word}`")));
        }
        if depth + 1 > self.max_depth {
            return Err(self.fatal(Diagnostic::error(
                Kind::NestingTooDeep,
                keyword.cover(open),
                format!(
                    "groups are nested deeper than the limit of {}",
                    self.max_depth
                ),
            )));
        }
        self.next();
        if let (Token::RBrace, close) = self.peek() {
            self.next();
            return Err(self.fail(
                Diagnostic::error(
                    Kind::EmptyGroup,
                    keyword.cover(close),
                    format!("`{}` group is empty", kind.keyword()),
                )
                .with_help("a group needs at least one condition"),
            ));
        }
        let mut items = Vec::new();
        let mut failed = false;
        loop {
            match self.expr_recovering(depth + 1) {
                Ok(expr) => items.push(expr),
                Err(Failed { fatal: true }) => return Err(Failed { fatal: true }),
                Err(_) => failed = true,
            }
            let (token, span) = self.peek();
            match token {
                Token::Comma => {
                    self.next();
                    if let (Token::RBrace, _) = self.peek() {
                        self.next();
                        break;
                    }
                }
                Token::RBrace => {
                    self.next();
                    break;
                }
                Token::End => {
                    return Err(self.fatal(Diagnostic::error(
                        Kind::UnbalancedBrace,
                        keyword.cover(open),
                        "this group is never closed with `}`",
                    )));
                }
                _ => {
                    let f = self.unexpected(token, span, "`,` or `}`");
                    if f.fatal {
                        return Err(f);
                    }
                    failed = true;
                    self.next();
                    self.skip_to_separator();
                    if let (Token::RBrace, _) = self.peek() {
                        self.next();
                        break;
                    }
                    self.next();
                }
            }
        }
        if failed {
            return Err(Failed { fatal: false });
        }
        Ok(Expr::Group(Group {
            kind,
            items,
            span: self.cur.span_from(keyword.start),
        }))
    }

    /// condition = variable [op value]
    fn condition(&mut self, word: &str, word_span: Span) -> PResult<Expr> {
        let variable = self.variable(word, word_span)?;
        let (token, span) = self.peek();
        let op = match token {
            Token::Eq => Op::Eq,
            Token::Ne => Op::Ne,
            _ if matches!(variable, Variable::Tag { .. }) => {
                return Ok(Expr::Condition(Condition {
                    variable,
                    comparison: None,
                    span: word_span,
                }));
            }
            Token::Comma | Token::RBrace | Token::End => {
                return Err(self.fail(
                    Diagnostic::error(
                        Kind::MissingOperator,
                        word_span,
                        format!("`{variable}` needs `=` or `!=` and a value"),
                    )
                    .with_help("only tag variables may stand alone (tag existence)"),
                ));
            }
            _ => return Err(self.unexpected(token, span, "`=` or `!=`")),
        };
        self.next();
        let (value, value_span) = self.value(op, span)?;
        Ok(Expr::Condition(Condition {
            variable,
            comparison: Some(Comparison {
                op,
                value,
                value_span,
            }),
            span: word_span.cover(value_span),
        }))
    }

    fn variable(&mut self, word: &str, span: Span) -> PResult<Variable> {
        if let Some(v) = Variable::fixed(word) {
            return Ok(v);
        }
        let parts: Vec<&str> = word.split('.').collect();
        let is_tag = parts[0].eq_ignore_ascii_case("tag");
        if is_tag
            && parts.len() == 4
            && parts[3].eq_ignore_ascii_case("value")
            && !parts[1].is_empty()
            && !parts[2].is_empty()
        {
            return Ok(Variable::Tag {
                namespace: parts[1].to_string(),
                key: parts[2].to_string(),
            });
        }
        let (message, help) =
            if is_tag && parts.len() == 3 && parts[1..].iter().all(|p| !p.is_empty()) {
                (
                    format!("tag variable `{}` must end with `.value`", quoted(word)),
                    Some(format!("did you mean `{}.value`?", quoted(word))),
                )
            } else if is_tag {
                (
                    format!("malformed tag variable `{}`", quoted(word)),
                    Some("tag variables are written `tag.<namespace>.<key>.value`".to_string()),
                )
            } else if parts.iter().any(|p| p.is_empty()) {
                (
                    format!("empty name segment in variable `{}`", quoted(word)),
                    suggest_variable(word),
                )
            } else {
                (
                    format!("unknown variable `{}`", quoted(word)),
                    suggest_variable(word),
                )
            };
        let mut diag = Diagnostic::error(Kind::UnknownVariable, span, message);
        if let Some(help) = help {
            diag = diag.with_help(help);
        }
        Err(self.fail(diag))
    }

    /// value = quoted string | legacy bare token
    fn value(&mut self, op: Op, op_span: Span) -> PResult<(String, Span)> {
        self.cur.skip_whitespace();
        let start = self.cur.pos();
        let adjacent = start == op_span.end;
        if let Some(second) = ["!=", "="]
            .into_iter()
            .find(|o| self.cur.rest().starts_with(o))
        {
            second.chars().for_each(|_| {
                self.cur.bump();
            });
            let span = op_span.cover(self.cur.span_from(start));
            let op = op.as_str();
            let diag = if adjacent {
                Diagnostic::error(
                    Kind::UnexpectedToken,
                    span,
                    format!("`{op}{second}` is not an operator"),
                )
                .with_help("use `=` or `!=`")
            } else {
                Diagnostic::error(
                    Kind::TwoOperators,
                    span,
                    format!("two operators, `{op}` and `{second}`, before one value"),
                )
                .with_help("keep one operator, `=` or `!=`, then the quoted value")
            };
            return Err(self.fail(diag));
        }
        match self.cur.peek() {
            Some(q @ ('\'' | '"')) => {
                self.cur.bump();
                let text = self.cur.eat_while(|c| c != q);
                if self.cur.bump().is_none() {
                    return Err(self.fatal(Diagnostic::error(
                        Kind::UnterminatedValue,
                        self.cur.span_from(start),
                        format!("value starting here has no closing {q}"),
                    )));
                }
                self.check_control_characters(text, start);
                Ok((text.to_string(), self.cur.span_from(start)))
            }
            None | Some(',' | '}') => Err(self.fail(Diagnostic::error(
                Kind::MissingValue,
                op_span,
                format!("`{}` has no value after it", op.as_str()),
            ))),
            Some(_) => self.bare_value(start),
        }
    }

    /// A quoted value holding a control character (a tab, a line break) is almost
    /// always a paste gone wrong, and breaks line-based outputs: a warning, an error in
    /// strict mode. `open` is the opening quote.
    fn check_control_characters(&mut self, text: &str, open: Position) {
        let Some((index, c)) = text.char_indices().find(|(_, c)| c.is_control()) else {
            return;
        };
        let before = &text[..index];
        let at = match before.rfind('\n') {
            Some(nl) => Position {
                offset: open.offset + 1 + index,
                line: open.line + before.matches('\n').count(),
                column: before[nl + 1..].chars().count() + 1,
            },
            None => Position {
                offset: open.offset + 1 + index,
                line: open.line,
                column: open.column + 1 + before.chars().count(),
            },
        };
        // The span ends after the character: past a line break, on the next line.
        let after = if c == '\n' {
            Position {
                offset: at.offset + 1,
                line: at.line + 1,
                column: 1,
            }
        } else {
            Position {
                offset: at.offset + c.len_utf8(),
                column: at.column + 1,
                ..at
            }
        };
        let what = match c {
            '\t' => " (a tab)",
            '\n' | '\r' => " (a line break)",
            _ => "",
        };
        self.lenient(
            Kind::ControlCharacterInValue,
            Span::new(at, after),
            format!(
                "quoted value holds the control character {}{what}",
                named_char(c)
            ),
            "OCIDs and tag values hold no control characters; check how the value was pasted"
                .into(),
        );
    }

    /// An unquoted value: scanned raw up to `,`, `}` or a line end, treating `${…}` as
    /// one unit, then classified.
    fn bare_value(&mut self, start: Position) -> PResult<(String, Span)> {
        let mut template_depth = 0usize;
        let mut prev = '\0';
        let mut end = start;
        while let Some(c) = self.cur.peek() {
            match c {
                '{' if prev == '$' => template_depth += 1,
                '}' if template_depth > 0 => template_depth -= 1,
                ',' | '}' | '\n' if template_depth == 0 => break,
                _ => {}
            }
            prev = c;
            self.cur.bump();
            if !c.is_whitespace() {
                end = self.cur.pos();
            }
        }
        let span = Span::new(start, end);
        let text = self.cur.slice(span);
        if text.contains("${") {
            return Err(self.fail(
                Diagnostic::error(
                    Kind::UnquotedTemplate,
                    span,
                    format!("unquoted template `{}` was never expanded", quoted(text)),
                )
                .with_help("expand the template and quote the value"),
            ));
        }
        if let Some(quote) = text.chars().find(|&c| is_typographic_quote(c)) {
            // `‘worker’` is a quoted value a word processor mangled: "quote the value"
            // would give `'‘worker’'`, which never matches.
            let straight = if matches!(quote, '\u{201C}' | '\u{201D}' | '\u{201E}') {
                '"'
            } else {
                '\''
            };
            return Err(self.fail(
                Diagnostic::error(
                    Kind::UnexpectedCharacter,
                    span,
                    format!(
                        "unquoted value `{}` contains the typographic quote {}",
                        quoted(text),
                        named_char(quote)
                    ),
                )
                .with_help(format!(
                    "use a straight quote `{straight}` (word processors replace them)"
                )),
            ));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(self.fail(
                Diagnostic::error(
                    Kind::UnquotedTemplate,
                    span,
                    format!("unquoted value `{}` contains spaces", quoted(text)),
                )
                .with_help("quote the value"),
            ));
        }
        if !text.chars().all(is_word_char) {
            let bad = text.chars().find(|c| !is_word_char(*c)).unwrap_or(' ');
            return Err(self.fail(
                Diagnostic::error(
                    Kind::UnexpectedCharacter,
                    span,
                    format!(
                        "unquoted value `{}` contains {}",
                        quoted(text),
                        named_char(bad)
                    ),
                )
                .with_help("quote the value"),
            ));
        }
        self.lenient(
            Kind::UnquotedValue,
            span,
            format!("unquoted value `{}` is a legacy form", quoted(text)),
            format!("quote it: '{}'", quoted(text)),
        );
        Ok((text.to_string(), span))
    }
}

/// Quotes a word processor puts in place of `'` and `"`.
fn is_typographic_quote(c: char) -> bool {
    matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{201C}' | '\u{201D}' | '\u{201E}'
    )
}
