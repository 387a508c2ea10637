//! Reading policies as `oci iam policy list --all` prints them, and reporting each
//! statement's findings at the file position of its string.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use dyngroup_policy::{Finding, FindingKind, Origin, Policy, PolicySet, PolicyStatement};
use serde_json::value::RawValue;

use crate::container::read_records;
use crate::error::Error;
use crate::fields::{Field, JsonType, RawRecord, decode_string};
use crate::input::{Input, Seen, first_of_id};
use crate::options::ReadOptions;
use crate::position::RecordCtx;
use crate::problem::{Location, Problem, ProblemKind, Severity};

/// The policies read from one or more files, and the problems found.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    policies: Vec<Policy>,
    problems: Vec<Problem>,
}

impl Policies {
    /// The accepted policies, in input order (deleted ones left out); each statement
    /// carries the `file:line:column` of its string.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// Every problem with the records (not with the statements' text: compile the
    /// policies and see [`statement_problem`]).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The policies and the problems, by value.
    pub fn into_parts(self) -> (Vec<Policy>, Vec<Problem>) {
        (self.policies, self.problems)
    }
}

/// Reads policy files into one [`Policies`]; a policy id seen twice is rejected
/// naming where it was first seen.
#[derive(Debug)]
pub struct PoliciesReader {
    options: ReadOptions,
    files: Vec<String>,
    by_id: HashMap<String, Seen>,
    out: Policies,
}

enum Outcome {
    /// A policy, where its id is, and the problems of statements left out of it.
    Found(Policy, Location, Vec<Problem>),
    Skipped(Problem),
}

impl PoliciesReader {
    /// A reader with nothing read yet.
    pub fn new(options: ReadOptions) -> PoliciesReader {
        PoliciesReader {
            options,
            files: Vec::new(),
            by_id: HashMap::new(),
            out: Policies::default(),
        }
    }

    /// Reads one file (`-` is standard input).
    pub fn read_path(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let input = Input::open(path.as_ref())?;
        self.read_input(input)
    }

    /// Reads one input from `reader`, naming it `name` in problems and errors.
    pub fn read_from(&mut self, reader: impl Read, name: &str) -> Result<(), Error> {
        self.read_input(Input::from_reader(reader, name))
    }

    fn read_input(&mut self, input: Input<'_>) -> Result<(), Error> {
        let file = self.files.len();
        self.files.push(input.name.clone());
        let chunk_bytes = self.options.chunk_bytes;
        let name = input.name.clone();
        let build = |record: &RawRecord<'_>, ctx: &RecordCtx<'_>| policy(record, ctx, &name);
        read_records(
            input.reader,
            &input.name,
            chunk_bytes,
            &build,
            &mut |result| match result {
                Ok(Outcome::Found(p, at, problems)) => {
                    self.out.problems.extend(problems);
                    self.accept(file, p, at);
                }
                Ok(Outcome::Skipped(note)) => self.out.problems.push(note),
                Err(problem) => self.out.problems.push(problem),
            },
        )
        .map_err(|e| Error::read(&input.path, e))
    }

    fn accept(&mut self, file: usize, p: Policy, at: Location) {
        match first_of_id(&mut self.by_id, &self.files, file, ("policy", &p.id), at) {
            Ok(()) => self.out.policies.push(p),
            Err(problem) => self.out.problems.push(problem),
        }
    }

    /// The policies and problems read so far.
    pub fn finish(self) -> Policies {
        self.out
    }
}

fn policy(record: &RawRecord<'_>, ctx: &RecordCtx<'_>, file: &str) -> Result<Outcome, Problem> {
    record.check_repeats(ctx)?;
    let id_at = record
        .raw(Field::Id)
        .map_or(ctx.at(), |raw| ctx.at_raw(raw));
    let id = record.required(Field::Id, ctx)?;
    let name = record.string(Field::Name, ctx)?.unwrap_or_default();
    if let Some(state) = record.string(Field::LifecycleState, ctx)? {
        let state = state.to_ascii_uppercase();
        if state == "DELETED" || state == "DELETING" {
            let note = ctx
                .problem(
                    ProblemKind::Deleted,
                    format!("skipped policy `{name}` ({id}): it is {state}"),
                )
                .with_severity(Severity::Note);
            return Ok(Outcome::Skipped(note));
        }
    }
    let compartment_id = record.required(Field::CompartmentId, ctx)?;
    let Some(raw) = record.raw(Field::Statements) else {
        return Err(ctx.problem(ProblemKind::MissingField, "missing `statements`"));
    };
    let items: Vec<&RawValue> = match JsonType::of(raw) {
        JsonType::Array => serde_json::from_str(raw.get())
            .map_err(|e| ctx.json_problem_in(raw.get().as_bytes(), &e))?,
        JsonType::Null => {
            return Err(ctx.problem(ProblemKind::MissingField, "missing `statements`"));
        }
        other => {
            return Err(ctx.problem_at(
                ctx.at_raw(raw),
                ProblemKind::BadField,
                format!(
                    "`statements` must be a list of strings, found {}",
                    other.described()
                ),
            ));
        }
    };
    // A statement that is not a string is left out on its own, like a statement that
    // does not parse: the rest of the policy is kept.
    let mut statements = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (n, item) in items.into_iter().enumerate() {
        let at = ctx.at_raw(item);
        let text = if JsonType::of(item) == JsonType::String {
            decode_string(item, ctx)
        } else {
            Err(ctx.problem_at(
                at,
                ProblemKind::BadStatement,
                format!(
                    "policy `{}`, statement {}: a statement must be a string, found {}; \
                     left out",
                    if name.is_empty() { &id } else { &name },
                    n + 1,
                    JsonType::of(item).described()
                ),
            ))
        };
        match text {
            Ok(text) => statements.push(PolicyStatement {
                text,
                origin: Some(Origin {
                    file: file.to_owned(),
                    line: at.line,
                    column: at.column,
                    position: n + 1,
                }),
            }),
            Err(mut problem) => {
                problem.kind = ProblemKind::BadStatement;
                problems.push(problem);
            }
        }
    }
    Ok(Outcome::Found(
        Policy {
            id,
            name,
            compartment_id,
            statements,
        },
        id_at,
        problems,
    ))
}

/// A statement finding as a [`Problem`] at the statement's string in its file,
/// with the statement rendered and `^^^` under the span inside it.
///
/// Errors (the statement, or a part of it, is not evaluated) are
/// [`ProblemKind::BadStatement`]; warnings and notes are
/// [`ProblemKind::StatementNote`].
pub fn statement_problem(set: &PolicySet, finding: &Finding) -> Problem {
    let policy = set.policy(finding.at);
    let statement = set.statement(finding.at);
    let (file, at, position) = match &statement.origin {
        Some(o) => (
            o.file.as_str(),
            Location {
                line: o.line,
                column: o.column,
            },
            o.position,
        ),
        None => (
            "<policies>",
            Location { line: 1, column: 1 },
            finding.at.statement as usize + 1,
        ),
    };
    let severity = match (finding.diagnostic.is_error(), finding.kind) {
        (true, _) => Severity::Error,
        (false, FindingKind::CrossTenancy | FindingKind::NotEvaluatedSubject) => Severity::Note,
        (false, _) => Severity::Warning,
    };
    let kind = if severity == Severity::Error {
        ProblemKind::BadStatement
    } else {
        ProblemKind::StatementNote
    };
    let name = if policy.name.is_empty() {
        policy.id.as_str()
    } else {
        policy.name.as_str()
    };
    Problem::error(
        file,
        at,
        kind,
        format!(
            "policy `{name}`, statement {position}: {}",
            finding.diagnostic.message
        ),
    )
    .with_severity(severity)
    .with_rendered(finding.diagnostic.render(&statement.text))
}

/// Reads policy files (`-` is standard input) into one [`Policies`].
pub fn read_policies<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    options: &ReadOptions,
) -> Result<Policies, Error> {
    let mut reader = PoliciesReader::new(options.clone());
    for path in paths {
        reader.read_path(path)?;
    }
    Ok(reader.finish())
}

/// Reads one policies input from `reader`, naming it `name` in problems.
///
/// ```
/// use dyngroup_io::{read_policies_from, ReadOptions};
///
/// let json = r#"{"data": [{
///   "id": "ocid1.policy.oc1..p", "name": "web", "compartment-id": "ocid1.tenancy.oc1..t",
///   "statements": ["Allow dynamic-group web to read buckets in tenancy"]
/// }]}"#;
/// let read = read_policies_from(json.as_bytes(), "policies.json", &ReadOptions::default())?;
/// let statement = &read.policies()[0].statements[0];
/// assert_eq!(statement.origin.as_ref().unwrap().to_string(), "policies.json:3:18");
/// # Ok::<(), dyngroup_io::Error>(())
/// ```
pub fn read_policies_from(
    reader: impl Read,
    name: &str,
    options: &ReadOptions,
) -> Result<Policies, Error> {
    let mut policies = PoliciesReader::new(options.clone());
    policies.read_from(reader, name)?;
    Ok(policies.finish())
}
