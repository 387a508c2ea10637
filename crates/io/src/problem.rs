//! Problems found in input files, reported as values: `file:line:column: what is wrong`.

use serde::Serialize;

/// How serious a [`Problem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something is wrong: the record was rejected, or (a bad matching rule) kept but
    /// unusable.
    Error,
    /// The input is accepted but uses a legacy form that `strict` mode rejects.
    Warning,
    /// Information only, such as a deleted group that was skipped.
    Note,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// What kind of problem a [`Problem`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// The text is not valid JSON (or not valid UTF-8).
    InvalidJson,
    /// A record that is not a JSON object, or a document of the wrong shape.
    NotAnObject,
    /// A required field is absent (or `null`).
    MissingField,
    /// A required field is an empty string.
    EmptyField,
    /// A field has the wrong JSON type, or a field is given twice (under aliases).
    BadField,
    /// A defined tag whose value is not a string, number or boolean, or a tag (or tag
    /// namespace) given twice.
    BadTagValue,
    /// A record with more defined tags than [`MAX_DEFINED_TAGS`](crate::MAX_DEFINED_TAGS).
    TooManyTags,
    /// A principal id seen before (the first one is kept).
    DuplicateId,
    /// A group name breaking the name rules.
    BadName,
    /// A group description longer than 400 characters.
    DescriptionTooLong,
    /// A group name seen before in the same tenancy, case-insensitively.
    DuplicateName,
    /// A matching rule that does not parse; the group is kept (it has no members).
    BadRule,
    /// A matching rule in a legacy form (a warning; an error under `strict`).
    LegacyRule,
    /// A group that was skipped because it is deleted.
    Deleted,
    /// A policy statement that cannot be evaluated (it does not parse, or its
    /// location or group does not resolve); the rest of the policy is kept.
    BadStatement,
    /// A policy statement that is evaluated with a caveat, or reported and not
    /// evaluated by design (cross-tenancy, user groups).
    StatementNote,
}

/// One problem with one record of an input file.
///
/// Its `Display` is `file:line:column: message` (`file:line: message` when the column
/// is unknown); a bad rule also carries the rule rendered with `^^^` under the fault.
///
/// ```
/// use dyngroup_io::{read_inventory_from, ReadOptions};
///
/// let input = "{\"id\": \"ocid1.instance.oc1..a\"}\n";
/// let inventory = read_inventory_from(input.as_bytes(), "fleet.jsonl", &ReadOptions::default())
///     .unwrap();
/// assert_eq!(inventory.problems()[0].to_string(), "fleet.jsonl:1:1: missing `compartment-id`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// The file, as it was named to the reader.
    pub file: Box<str>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters, when known.
    pub column: Option<usize>,
    /// Error, warning or note.
    pub severity: Severity,
    /// What kind of problem.
    pub kind: ProblemKind,
    /// What is wrong: lower case, no final period.
    pub message: String,
    /// For rule problems, the rule rendered with `^^^` under the offending text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<Box<str>>,
    /// The tenancy of the record, when the record names one (or `--tenancy` gives
    /// it): a shard reports only its own tenancies' problems.
    #[serde(rename = "tenancy-id", skip_serializing_if = "Option::is_none")]
    /// (Boxed: a `Problem` is the error of many small functions and stays small.)
    pub tenancy: Option<Box<str>>,
    /// The OCID of the rejected record, when it gave one: `explain` names the line
    /// that left a principal out. Not part of the problem's JSON.
    #[serde(skip)]
    pub record_id: Option<Box<str>>,
}

impl Problem {
    pub(crate) fn error(
        file: &str,
        at: Location,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.into(),
            line: at.line,
            column: Some(at.column),
            severity: Severity::Error,
            kind,
            message: message.into(),
            rendered: None,
            tenancy: None,
            record_id: None,
        }
    }

    /// The problem, about a record of `tenancy`.
    pub(crate) fn in_tenancy(mut self, tenancy: Option<String>) -> Problem {
        self.tenancy = tenancy.map(String::into_boxed_str);
        self
    }

    /// The problem, about the record with this OCID.
    pub(crate) fn of_record(mut self, id: Option<String>) -> Problem {
        self.record_id = id.map(String::into_boxed_str);
        self
    }

    pub(crate) fn with_severity(mut self, severity: Severity) -> Problem {
        self.severity = severity;
        self
    }

    pub(crate) fn with_rendered(mut self, rendered: String) -> Problem {
        self.rendered = Some(rendered.into_boxed_str());
        self
    }

    /// Whether the record this problem is about was left out of the result.
    ///
    /// True for every error except a bad matching rule, whose group is kept (it fails
    /// closed: no members), and a bad policy statement, whose policy is kept; false
    /// for warnings and notes.
    pub fn rejects_record(&self) -> bool {
        self.severity == Severity::Error
            && !matches!(self.kind, ProblemKind::BadRule | ProblemKind::BadStatement)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(column) => write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, column, self.message
            ),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

/// A 1-based line and column (in characters) in an input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Location {
    pub(crate) line: usize,
    pub(crate) column: usize,
}
