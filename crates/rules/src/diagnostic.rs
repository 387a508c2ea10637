//! Errors and warnings about rule text, and their rendering.

use crate::span::Span;

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
    /// The caret line marks the span's first line; an empty span gets one caret.
    pub fn render(&self, source: &str) -> String {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let start = self.span.start;
        let line_text = source
            .lines()
            .nth(start.line.saturating_sub(1))
            .unwrap_or("");
        let line_no = start.line.to_string();
        let pad = " ".repeat(line_no.len());
        let line_chars = line_text.chars().count();
        let width = if self.span.end.line == start.line {
            self.span.end.column.saturating_sub(start.column)
        } else {
            (line_chars + 1).saturating_sub(start.column)
        }
        .max(1);
        let mut out = format!("{label}: {}\n{pad}--> {start}\n{pad} |\n", self.message);
        out.push_str(&format!("{line_no} | {line_text}\n"));
        out.push_str(&format!(
            "{pad} | {}{}\n",
            " ".repeat(start.column.saturating_sub(1)),
            "^".repeat(width)
        ));
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

    /// Every diagnostic rendered over `source`, separated by blank lines.
    pub fn render(&self, source: &str) -> String {
        let rendered: Vec<String> = self.diagnostics.iter().map(|d| d.render(source)).collect();
        rendered.join("\n")
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
