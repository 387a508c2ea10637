//! Errors and warnings about rule text, and their rendering.

use crate::excerpt::excerpt;
use crate::span::Span;

/// Most diagnostics [`render_diagnostics`] shows; a count stands for the rest.
pub const MAX_RENDERED: usize = 20;

/// Diagnostics rendered over `source`, separated by blank lines: the first
/// [`MAX_RENDERED`], then a line counting the others, so that a rule with thousands of
/// faults still gives a short report.
pub fn render_diagnostics(diagnostics: &[Diagnostic], source: &str) -> String {
    let mut rendered: Vec<String> = diagnostics
        .iter()
        .take(MAX_RENDERED)
        .map(|d| d.render(source))
        .collect();
    let more = diagnostics.len().saturating_sub(MAX_RENDERED);
    if more > 0 {
        rendered.push(format!("note: {more} more diagnostics not shown\n"));
    }
    rendered.join("\n")
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The rule is rejected.
    Error,
    /// The rule is accepted (a legacy form); strict mode turns this into an error.
    Warning,
}

/// What kind of problem a diagnostic reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The rule is empty or only whitespace.
    EmptyRule,
    /// A character that cannot start any token.
    UnexpectedCharacter,
    /// A token that does not fit where it stands.
    UnexpectedToken,
    /// The text ended where more was needed.
    UnexpectedEnd,
    /// Text after a complete rule.
    TrailingInput,
    /// A quoted value with no closing quote.
    UnterminatedValue,
    /// A `{` with no matching `}` or a `}` with no `{`.
    UnbalancedBrace,
    /// `ANY {}` / `ALL {}`.
    EmptyGroup,
    /// Groups nested deeper than the limit.
    NestingTooDeep,
    /// A variable that is not one of the documented ones.
    UnknownVariable,
    /// A variable other than a tag used without `=`/`!=`.
    MissingOperator,
    /// An operator with no value after it.
    MissingValue,
    /// `AND`, `OR`, `&&`, `||` where ALL/ANY is meant.
    LogicalOperatorWord,
    /// An unquoted value that is an unexpanded template (`${…}`) or contains spaces.
    UnquotedTemplate,
    /// Legacy: an unquoted one-token value.
    UnquotedValue,
    /// Legacy: a top-level comma-separated list without `ANY {…}`.
    BareList,
    /// Legacy: a comma after the whole rule (`ANY {…},`); commas before a group's `}`
    /// are part of the grammar.
    TrailingComma,
    /// A word before `{` that is not `ANY` or `ALL`.
    UnknownKeyword,
    /// A non-ASCII character inside a keyword or variable name.
    NonAsciiCharacter,
    /// Two operators in a row (`!= !=`, `= =`, `= !=`).
    TwoOperators,
    /// A quoted value holding a control character (a tab, a line break): accepted with
    /// a warning, rejected in strict mode.
    ControlCharacterInValue,
    /// Rule text that is not valid UTF-8.
    InvalidUtf8,
}

impl DiagnosticKind {
    /// A stable kebab-case name for machine-readable output (`unknown-variable`).
    pub fn name(self) -> &'static str {
        match self {
            DiagnosticKind::EmptyRule => "empty-rule",
            DiagnosticKind::UnexpectedCharacter => "unexpected-character",
            DiagnosticKind::UnexpectedToken => "unexpected-token",
            DiagnosticKind::UnexpectedEnd => "unexpected-end",
            DiagnosticKind::TrailingInput => "trailing-input",
            DiagnosticKind::UnterminatedValue => "unterminated-value",
            DiagnosticKind::UnbalancedBrace => "unbalanced-brace",
            DiagnosticKind::EmptyGroup => "empty-group",
            DiagnosticKind::NestingTooDeep => "nesting-too-deep",
            DiagnosticKind::UnknownVariable => "unknown-variable",
            DiagnosticKind::MissingOperator => "missing-operator",
            DiagnosticKind::MissingValue => "missing-value",
            DiagnosticKind::LogicalOperatorWord => "logical-operator-word",
            DiagnosticKind::UnquotedTemplate => "unquoted-template",
            DiagnosticKind::UnquotedValue => "unquoted-value",
            DiagnosticKind::BareList => "bare-list",
            DiagnosticKind::TrailingComma => "trailing-comma",
            DiagnosticKind::UnknownKeyword => "unknown-keyword",
            DiagnosticKind::NonAsciiCharacter => "non-ascii-character",
            DiagnosticKind::TwoOperators => "two-operators",
            DiagnosticKind::ControlCharacterInValue => "control-character-in-value",
            DiagnosticKind::InvalidUtf8 => "invalid-utf8",
        }
    }
}

/// An error or warning with the span of the offending text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The kind of problem.
    pub kind: DiagnosticKind,
    /// Lower-case message without a final period.
    pub message: String,
    /// Where in the rule.
    pub span: Span,
    /// An optional hint, such as a suggested variable.
    pub help: Option<String>,
}

impl Diagnostic {
    pub(crate) fn error(kind: DiagnosticKind, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            kind,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub(crate) fn warning(kind: DiagnosticKind, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(kind, span, message)
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic over the rule `source` it was found in:
    ///
    /// ```text
    /// error: unknown variable `compartment.id`
    ///  --> 1:6
    ///   |
    /// 1 | ALL {compartment.id = 'x'}
    ///   |      ^^^^^^^^^^^^^^
    ///   = help: did you mean `instance.compartment.id` or `resource.compartment.id`?
    /// ```
    ///
    /// The caret line marks the span's first line; an empty span gets one caret. A line
    /// longer than 120 characters is cut to a window around the span, the cuts marked
    /// with `…` (the `-->` line still gives the exact line and column).
    pub fn render(&self, source: &str) -> String {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let start = self.span.start;
        let line_text = source
            .split('\n')
            .nth(start.line.saturating_sub(1))
            .unwrap_or("");
        let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
        let line_no = start.line.to_string();
        let pad = " ".repeat(line_no.len());
        let from = start.column.saturating_sub(1);
        let to = if self.span.end.line == start.line {
            self.span.end.column.saturating_sub(1)
        } else {
            usize::MAX
        };
        let shown = excerpt(line_text, from, to);
        let mut out = format!("{label}: {}\n{pad}--> {start}\n{pad} |\n", self.message);
        out.push_str(&format!("{line_no} | {}\n", shown.text));
        out.push_str(&format!("{pad} | {}\n", shown.carets));
        if let Some(help) = &self.help {
            out.push_str(&format!("{pad} = help: {help}\n"));
        }
        out
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.span.start, self.message)
    }
}

/// The errors (at least one) and warnings found in a rule that was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Every diagnostic, errors and warnings, in text order; holds at least one error.
    diagnostics: Vec<Diagnostic>,
}

impl ParseError {
    /// Wraps diagnostics that hold at least one error.
    pub(crate) fn new(diagnostics: Vec<Diagnostic>) -> ParseError {
        debug_assert!(diagnostics.iter().any(Diagnostic::is_error));
        ParseError { diagnostics }
    }

    /// Every diagnostic, errors and warnings, in text order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The first error, which is always present.
    pub fn first(&self) -> &Diagnostic {
        self.diagnostics
            .iter()
            .find(|d| d.is_error())
            .or(self.diagnostics.first())
            .expect("a parse error holds at least one diagnostic")
    }

    /// The diagnostics rendered over `source` as [`render_diagnostics`] does.
    pub fn render(&self, source: &str) -> String {
        render_diagnostics(&self.diagnostics, source)
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first = self.first();
        write!(f, "{first}")?;
        let more = self
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count()
            .saturating_sub(1);
        if more > 0 {
            write!(f, " (and {more} more)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}
