//! Reading changes files: JSON Lines of principal and group changes for
//! `dyngroup apply` and services that embed the
//! [`Engine`](dyngroup_index::engine::Engine).
//!
//! One change per line:
//!
//! ```text
//! {"op": "upsert-principal", "principal": {…an inventory record…}}
//! {"op": "remove-principal", "id": "ocid1.instance.oc1..x"}
//! {"op": "upsert-group", "group": {…a groups-file record…}}
//! {"op": "delete-group", "id": "ocid1.dynamicgroup.oc1..g", "force": false}
//! ```
//!
//! The nested `principal` and `group` records are read exactly as inventory and
//! groups-file records are (same key spellings, tag-value rules, name and description
//! checks, `--tenancy` fallback), and their problems point into the changes file. A
//! `group` without an `id` becomes a [`Change::UpsertGroup`] with an empty id: it
//! updates the tenancy's group of that name if there is one, else creates a group the
//! engine names. A `lifecycle-state` of `TERMINATED` in a principal removes it from
//! every group when applied.
//!
//! A line that is wrong (invalid JSON, not an object, unknown `op`, a missing or
//! mistyped field, a bad nested record) is a [`Problem`] and is skipped; the other
//! lines are kept. A group whose rule does not parse is kept (it will have no members)
//! with a [`ProblemKind::BadRule`] problem, as in groups files. Blank lines are
//! ignored.
//!
//! ```
//! use dyngroup_index::engine::Change;
//! use dyngroup_io::{read_changes_from, ReadOptions};
//!
//! let text = r#"{"op": "remove-principal", "id": "ocid1.instance.oc1..a"}
//! {"op": "delete-group", "id": 7}
//! "#;
//! let changes = read_changes_from(text.as_bytes(), "changes.jsonl", &ReadOptions::default())?;
//! assert_eq!(changes.changes.len(), 1);
//! assert_eq!(changes.changes[0].line, 1);
//! assert!(matches!(&changes.changes[0].change, Change::RemovePrincipal { id } if id == "ocid1.instance.oc1..a"));
//! assert_eq!(
//!     changes.problems[0].to_string(),
//!     "changes.jsonl:2:30: `id` must be a string, found a number"
//! );
//! # Ok::<(), dyngroup_io::Error>(())
//! ```

use std::io::Read;
use std::path::Path;

use dyngroup_index::engine::Change;
use dyngroup_rules::ParseOptions;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::fields::{JsonType, TopLevel};
use crate::groups::{Outcome, group};
use crate::input::Input;
use crate::inventory::principal;
use crate::options::ReadOptions;
use crate::position::{RecordCtx, Source, line_starts};
use crate::problem::{Problem, ProblemKind, Severity};

/// The ops a change line may have.
const OPS: &str = "upsert-principal, remove-principal, upsert-group or delete-group";

/// The changes read from one file, and the problems found.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Changes {
    /// The file, as it was named to the reader.
    pub file: String,
    /// The accepted changes, in file order.
    pub changes: Vec<LocatedChange>,
    /// Every problem, in file order (the lines they reject are not in `changes`).
    pub problems: Vec<Problem>,
}

impl Changes {
    /// Pairs the engine's refusals of these changes with the reader's problems, so
    /// that each is reported once: a rule that does not parse was already reported by
    /// the reader (at its column, rendered), and that report gains "(the change is
    /// refused)". Returns the other refusals as (line, message), in order.
    pub fn merge_refusals(
        &mut self,
        refused: &[dyngroup_index::engine::Refused],
    ) -> Vec<(usize, String)> {
        let mut others = Vec::new();
        for r in refused {
            let line = self.changes[r.index].line;
            let reported = self.problems.iter_mut().find(|p| {
                p.line == line
                    && p.severity == crate::Severity::Error
                    && matches!(p.kind, ProblemKind::BadRule | ProblemKind::LegacyRule)
            });
            match (&r.error, reported) {
                (dyngroup_index::engine::ChangeError::InvalidRule { .. }, Some(problem)) => {
                    problem.message.push_str(" (the change is refused)");
                }
                _ => others.push((line, r.error.to_string())),
            }
        }
        others
    }

    /// How many lines were rejected (a group with a bad rule is kept, so not counted).
    pub fn rejected(&self) -> usize {
        self.problems.iter().filter(|p| p.rejects_record()).count()
    }
}

/// One change and the line it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocatedChange {
    /// 1-based line in the file.
    pub line: usize,
    /// The change.
    pub change: Change,
}

/// Reads a changes file (`-` is standard input).
pub fn read_changes(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Changes, Error> {
    read_input(Input::open(path.as_ref())?, options)
}

/// Reads changes from `reader`, naming it `name` in problems.
pub fn read_changes_from(
    reader: impl Read,
    name: &str,
    options: &ReadOptions,
) -> Result<Changes, Error> {
    read_input(Input::from_reader(reader, name), options)
}

fn read_input(mut input: Input<'_>, options: &ReadOptions) -> Result<Changes, Error> {
    let mut text = Vec::new();
    input
        .reader
        .read_to_end(&mut text)
        .map_err(|e| Error::read(&input.path, e))?;
    // A byte-order mark is not a column, as in the inventory and groups readers.
    if text.starts_with(b"\xEF\xBB\xBF") {
        text.drain(..3);
    }
    let starts = line_starts(&text);
    let source = Source::new(&text, &starts, 1);
    let reading = Reading {
        file: &input.name,
        source: &source,
        tenancy: options.default_tenancy(),
        rules: options.rule_options(),
    };
    let mut changes = Changes {
        file: input.name.clone(),
        ..Changes::default()
    };
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |&next| next);
        let line = &text[start..end];
        let Some(first) = line.iter().position(|b| !b.is_ascii_whitespace()) else {
            continue;
        };
        let last = line
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .unwrap_or(first);
        let ctx = RecordCtx::new(&input.name, &source, start + first);
        match reading.line(&line[first..=last], &ctx, &mut changes.problems) {
            Ok(change) => changes.changes.push(LocatedChange {
                line: i + 1,
                change,
            }),
            Err(problem) => changes.problems.push(problem),
        }
    }
    Ok(changes)
}

/// The top-level fields of a change line, kept raw.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    op: Option<&'a RawValue>,
    #[serde(borrow, default)]
    principal: Option<&'a RawValue>,
    #[serde(borrow, default)]
    group: Option<&'a RawValue>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    force: Option<&'a RawValue>,
}

struct Reading<'s> {
    file: &'s str,
    source: &'s Source<'s>,
    tenancy: Option<&'s str>,
    rules: ParseOptions,
}

impl Reading<'_> {
    /// One change line (`line` starts at its first non-blank byte); rule warnings and
    /// bad rules of a kept group go to `notes`.
    fn line(
        &self,
        line: &[u8],
        ctx: &RecordCtx<'_>,
        notes: &mut Vec<Problem>,
    ) -> Result<Change, Problem> {
        let raw: &RawValue =
            serde_json::from_slice(line).map_err(|e| ctx.json_problem_in(line, &e))?;
        let kind = JsonType::of(raw);
        if kind != JsonType::Object {
            return Err(ctx.problem(
                ProblemKind::NotAnObject,
                format!("a change must be a JSON object, found {}", kind.described()),
            ));
        }
        let text = raw.get();
        let head: Head<'_> =
            serde_json::from_str(text).map_err(|e| ctx.json_problem_in(text.as_bytes(), &e))?;
        let op = string(head.op, "op", ctx)?;
        match op.as_str() {
            "upsert-principal" => {
                let (record, inner) = self.nested(head.principal, "principal", ctx)?;
                let (principal, _) = principal(&record, &inner, self.tenancy)?;
                Ok(Change::UpsertPrincipal(principal))
            }
            "remove-principal" => Ok(Change::RemovePrincipal {
                id: string(head.id, "id", ctx)?,
            }),
            "upsert-group" => {
                let (record, inner) = self.nested(head.group, "group", ctx)?;
                match group(&record, &inner, self.tenancy, &self.rules)? {
                    Outcome::Group(found) => {
                        let mut found = *found;
                        // No id: update the group of that name, or let the engine name
                        // a new one (not the id a groups file would assign).
                        if !found.id_given {
                            found.group.id.clear();
                        }
                        notes.append(&mut found.notes);
                        Ok(Change::UpsertGroup(found.group))
                    }
                    Outcome::Skipped(mut note) => {
                        note.severity = Severity::Error;
                        note.message.push_str(" (use a `delete-group` change)");
                        Err(note)
                    }
                }
            }
            "delete-group" => {
                let id = string(head.id, "id", ctx)?;
                let force = match head.force {
                    None => false,
                    Some(raw) => match JsonType::of(raw) {
                        JsonType::Null => false,
                        JsonType::Boolean => raw.get().trim() == "true",
                        other => {
                            return Err(ctx.problem_at(
                                ctx.at_raw(raw),
                                ProblemKind::BadField,
                                format!("`force` must be a boolean, found {}", other.described()),
                            ));
                        }
                    },
                };
                Ok(Change::DeleteGroup { id, force })
            }
            _ => {
                let at = head.op.map_or(ctx.at(), |raw| ctx.at_raw(raw));
                Err(ctx.problem_at(
                    at,
                    ProblemKind::BadField,
                    format!("unknown op `{}`: expected {OPS}", op.escape_debug()),
                ))
            }
        }
    }

    /// The nested record `name` (a principal or a group) and the context it is read
    /// in: its problems are placed in the file, a missing field at the record's `{`.
    fn nested<'a>(
        &'a self,
        raw: Option<&'a RawValue>,
        name: &str,
        ctx: &RecordCtx<'_>,
    ) -> Result<(crate::fields::RawRecord<'a>, RecordCtx<'a>), Problem> {
        let Some(raw) = raw.filter(|r| JsonType::of(r) != JsonType::Null) else {
            return Err(ctx.problem(ProblemKind::MissingField, format!("missing `{name}`")));
        };
        let text = raw.get();
        let start = self
            .source
            .offset_of(text.as_bytes())
            .expect("a raw value borrowed from the line");
        let inner = RecordCtx::new(self.file, self.source, start);
        match serde_json::from_str::<TopLevel<'a>>(text) {
            Ok(TopLevel::Object(record)) => Ok((record, inner)),
            Ok(TopLevel::Other(kind)) => Err(inner.problem(
                ProblemKind::NotAnObject,
                format!("`{name}` must be an object, found {}", kind.described()),
            )),
            Err(e) => Err(inner.json_problem_in(text.as_bytes(), &e)),
        }
    }
}

/// A required, non-empty string field of the change line.
fn string(raw: Option<&RawValue>, name: &str, ctx: &RecordCtx<'_>) -> Result<String, Problem> {
    let raw = match raw {
        Some(raw) if JsonType::of(raw) != JsonType::Null => raw,
        _ => return Err(ctx.problem(ProblemKind::MissingField, format!("missing `{name}`"))),
    };
    let kind = JsonType::of(raw);
    if kind != JsonType::String {
        return Err(ctx.problem_at(
            ctx.at_raw(raw),
            ProblemKind::BadField,
            format!("`{name}` must be a string, found {}", kind.described()),
        ));
    }
    let value: String = serde_json::from_str(raw.get())
        .map_err(|e| ctx.json_problem_in(raw.get().as_bytes(), &e))?;
    if value.is_empty() {
        return Err(ctx.problem_at(
            ctx.at_raw(raw),
            ProblemKind::EmptyField,
            format!("empty `{name}`"),
        ));
    }
    Ok(value)
}
