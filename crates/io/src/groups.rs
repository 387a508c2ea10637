//! Reading dynamic groups as `oci iam dynamic-group list` prints them.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use dyngroup_index::{DynamicGroup, IdentityDomain};
use dyngroup_rules::{ParseOptions, parse_with};

use crate::container::read_records;
use crate::error::Error;
use crate::fields::{Field, RawRecord};
use crate::input::{Input, Seen};
use crate::options::ReadOptions;
use crate::position::RecordCtx;
use crate::problem::{Location, Problem, ProblemKind, Severity};

// One limit for every layer: the index's (its builder and engine check it too).
pub use dyngroup_index::{
    MAX_DESCRIPTION_LEN, MAX_GROUP_NAME_LEN as MAX_NAME_LEN, is_valid_group_name,
};

/// The groups read from one or more files, and the problems found.
#[derive(Clone, Debug, Default)]
pub struct Groups {
    groups: Vec<DynamicGroup>,
    problems: Vec<Problem>,
}

impl Groups {
    /// The accepted groups, in input order. A group whose rule does not parse is here
    /// too (the engine gives it no members) and has a [`ProblemKind::BadRule`] problem.
    pub fn groups(&self) -> &[DynamicGroup] {
        &self.groups
    }

    /// Every problem, in input order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// How many records were rejected (bad rules are kept, so not counted).
    pub fn rejected(&self) -> usize {
        self.problems.iter().filter(|p| p.rejects_record()).count()
    }

    /// The groups and the problems, by value.
    pub fn into_parts(self) -> (Vec<DynamicGroup>, Vec<Problem>) {
        (self.groups, self.problems)
    }
}

/// Reads several group files into one [`Groups`]: ids are unique, and names unique per
/// tenancy case-insensitively, across all of them (the first is kept).
#[derive(Debug)]
pub struct GroupsReader {
    options: ReadOptions,
    files: Vec<String>,
    groups: Vec<DynamicGroup>,
    by_id: HashMap<String, Seen>,
    /// (tenancy, lower-cased name) → where first seen.
    by_name: HashMap<(String, String), Seen>,
    problems: Vec<Problem>,
}

impl GroupsReader {
    /// A reader with nothing read yet.
    pub fn new(options: ReadOptions) -> GroupsReader {
        GroupsReader {
            options,
            files: Vec::new(),
            groups: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            problems: Vec::new(),
        }
    }

    /// Reads one file (`-` is standard input).
    ///
    /// On an I/O error, the records read before it are kept.
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
        let tenancy = self.options.default_tenancy().map(str::to_owned);
        let rule_options = self.options.rule_options();
        let chunk_bytes = self.options.chunk_bytes;
        let build = |record: &RawRecord<'_>, ctx: &RecordCtx<'_>| {
            let of_record = || {
                let fields = [Field::CompartmentId, Field::TenancyId, Field::TenancyOcid];
                record.tenancy(&fields, ctx, tenancy.as_deref())
            };
            match group(record, ctx, tenancy.as_deref(), &rule_options) {
                Ok(Outcome::Skipped(note)) => Ok(Outcome::Skipped(note.in_tenancy(of_record()))),
                Ok(found) => Ok(found),
                Err(problem) => Err(problem.in_tenancy(of_record())),
            }
        };
        read_records(
            input.reader,
            &input.name,
            chunk_bytes,
            &build,
            &mut |result| match result {
                Ok(outcome) => self.accept(file, outcome),
                Err(problem) => self.problems.push(problem),
            },
        )
        .map_err(|e| Error::read(&input.path, e))
    }

    /// The groups and problems read so far.
    pub fn finish(self) -> Groups {
        Groups {
            groups: self.groups,
            problems: self.problems,
        }
    }

    fn accept(&mut self, file: usize, outcome: Outcome) {
        let found = match outcome {
            Outcome::Group(found) => found,
            Outcome::Skipped(note) => {
                self.problems.push(note);
                return;
            }
        };
        let Found {
            group,
            name_at,
            id_at,
            notes,
            ..
        } = *found;
        let name_key = (group.tenancy_id.clone(), group.name.to_ascii_lowercase());
        let first = if let Some(first) = self.by_name.get(&name_key) {
            Some((
                name_at,
                ProblemKind::DuplicateName,
                format!(
                    "duplicate group name `{}` in tenancy `{}`",
                    group.name, group.tenancy_id
                ),
                *first,
            ))
        } else {
            self.by_id.get(&group.id).map(|first| {
                (
                    id_at,
                    ProblemKind::DuplicateId,
                    format!("duplicate group id `{}`", group.id),
                    *first,
                )
            })
        };
        if let Some((at, kind, message, first)) = first {
            let message = format!("{message} (first at {})", first.describe(file, &self.files));
            self.problems.push(
                Problem::error(&self.files[file], at, kind, message)
                    .in_tenancy(Some(group.tenancy_id)),
            );
            return;
        }
        self.by_name.insert(
            name_key,
            Seen {
                file,
                line: name_at.line,
            },
        );
        self.by_id.insert(
            group.id.clone(),
            Seen {
                file,
                line: id_at.line,
            },
        );
        let tenancy = &group.tenancy_id;
        self.problems.extend(
            notes
                .into_iter()
                .map(|note| note.in_tenancy(Some(tenancy.clone()))),
        );
        self.groups.push(group);
    }
}

/// Reads group files (`-` is standard input) into one [`Groups`].
pub fn read_groups<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    options: &ReadOptions,
) -> Result<Groups, Error> {
    let mut reader = GroupsReader::new(options.clone());
    for path in paths {
        reader.read_path(path)?;
    }
    Ok(reader.finish())
}

/// Reads one groups input from `reader`, naming it `name` in problems.
pub fn read_groups_from(
    reader: impl Read,
    name: &str,
    options: &ReadOptions,
) -> Result<Groups, Error> {
    let mut groups = GroupsReader::new(options.clone());
    groups.read_from(reader, name)?;
    Ok(groups.finish())
}

/// The OCID given to a group read without an `id`: derived from its tenancy and name
/// only, so the same input always gets the same ids.
///
/// ```
/// let id = dyngroup_io::assigned_group_id("ocid1.tenancy.oc1..aaaa", "web");
/// assert!(id.starts_with("ocid1.dynamicgroup.oc1..aaaaaaaa"));
/// assert_eq!(id, dyngroup_io::assigned_group_id("ocid1.tenancy.oc1..aaaa", "web"));
/// assert_ne!(id, dyngroup_io::assigned_group_id("ocid1.tenancy.oc1..aaaa", "web2"));
/// ```
pub fn assigned_group_id(tenancy: &str, name: &str) -> String {
    // FNV-1a over `tenancy NUL name`, in two lanes, each finished with splitmix64's mixer:
    // 128 bits, written as 26 base32 characters like the rest of an OCID.
    let fnv = |seed: u64| {
        let bytes = tenancy.bytes().chain([0]).chain(name.bytes());
        let h = bytes.fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    };
    let bits =
        (u128::from(fnv(0xcbf2_9ce4_8422_2325)) << 64) | u128::from(fnv(0x6c62_272e_07bb_0142));
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut id = String::from("ocid1.dynamicgroup.oc1..aaaaaaaa");
    for i in 0..26 {
        let index = ((bits >> (i * 5)) & 31) as usize;
        id.push(char::from(ALPHABET[index]));
    }
    id
}

/// What one group record gives.
pub(crate) enum Outcome {
    Group(Box<Found>),
    /// A deleted group, skipped with a note.
    Skipped(Problem),
}

pub(crate) struct Found {
    pub(crate) group: DynamicGroup,
    name_at: Location,
    id_at: Location,
    /// Whether the record gave the group's OCID (`id`, or `ocid` for a domain group).
    pub(crate) id_given: bool,
    /// Rule problems, reported only if the group is accepted.
    pub(crate) notes: Vec<Problem>,
}

pub(crate) fn group(
    record: &RawRecord<'_>,
    ctx: &RecordCtx<'_>,
    default_tenancy: Option<&str>,
    rule_options: &ParseOptions,
) -> Result<Outcome, Problem> {
    record.check_repeats(ctx)?;
    let at = |field| record.raw(field).map_or(ctx.at(), |raw| ctx.at_raw(raw));
    // An identity-domain group (SCIM DynamicResourceGroup): `display-name`, `ocid`,
    // `domain-ocid`, … instead of `name` and an OCID in `id`.
    let from_domain = [Field::DomainOcid, Field::Ocid, Field::DisplayName]
        .into_iter()
        .any(|field| record.raw(field).is_some());
    let name_field = match record.raw(Field::Name) {
        None if from_domain => Field::DisplayName,
        _ => Field::Name,
    };
    let state = record
        .string(Field::LifecycleState, ctx)?
        .map(|state| state.to_ascii_uppercase())
        .filter(|state| state == "DELETED" || state == "DELETING");
    let state = match state {
        None if record.boolean(Field::DeleteInProgress, ctx)? => {
            Some("being deleted (`delete-in-progress`)".to_owned())
        }
        state => state,
    };
    if let Some(state) = state {
        let name = record
            .string(name_field, ctx)
            .ok()
            .flatten()
            .unwrap_or_default();
        let note = ctx
            .problem(
                ProblemKind::Deleted,
                format!("skipped group `{}`: it is {state}", shown(&name)),
            )
            .with_severity(Severity::Note);
        return Ok(Outcome::Skipped(note));
    }
    let name = record.required(name_field, ctx)?;
    if !is_valid_group_name(&name) {
        return Err(ctx.problem_at(
            at(name_field),
            ProblemKind::BadName,
            format!(
                "group name `{}` breaks the name rules: 1 to {MAX_NAME_LEN} characters of A-Z, a-z, 0-9, `.`, `_`, `-`",
                shown(&name)
            ),
        ));
    }
    let description = record.string(Field::Description, ctx)?.unwrap_or_default();
    let description_len = description.chars().count();
    if description_len > MAX_DESCRIPTION_LEN {
        return Err(ctx.problem_at(
            at(Field::Description),
            ProblemKind::DescriptionTooLong,
            format!(
                "description of group `{name}` is {description_len} characters long, more than {MAX_DESCRIPTION_LEN}"
            ),
        ));
    }
    let Some(matching_rule) = record.string(Field::MatchingRule, ctx)? else {
        let rule = Field::MatchingRule.kebab();
        return Err(
            if from_domain || record.raw(Field::MatchingRule).is_some() {
                // SCIM returns `matchingRule` only on request: the export left it out.
                ctx.problem_at(
                at(Field::MatchingRule),
                ProblemKind::MissingField,
                format!(
                    "no `{rule}` for group `{name}`: identity-domain exports leave it out unless asked; re-export with `oci identity-domains dynamic-resource-groups list --attribute-sets all`"
                ),
            )
            } else {
                ctx.problem(ProblemKind::MissingField, format!("missing `{rule}`"))
            },
        );
    };
    let non_empty = |field| -> Result<Option<String>, Problem> {
        Ok(record.string(field, ctx)?.filter(|s| !s.is_empty()))
    };
    let tenancy_id = match non_empty(Field::CompartmentId)? {
        Some(tenancy) => tenancy,
        None => match non_empty(Field::TenancyId)?.or(non_empty(Field::TenancyOcid)?) {
            Some(tenancy) => tenancy,
            None => match default_tenancy {
                Some(tenancy) => tenancy.to_owned(),
                None => {
                    return Err(ctx.problem(
                        ProblemKind::MissingField,
                        "missing `compartment-id` (the group's tenancy) and no --tenancy given",
                    ));
                }
            },
        },
    };
    // A domain group's OCID is `ocid`; its `id` is a SCIM id, not an OCID.
    let id_field = if from_domain { Field::Ocid } else { Field::Id };
    let given_id = record.string(id_field, ctx)?;
    let id_given = given_id.is_some();
    let id = match given_id {
        None => assigned_group_id(&tenancy_id, &name),
        Some(id) if id.is_empty() => {
            return Err(ctx.problem_at(
                at(id_field),
                ProblemKind::EmptyField,
                format!("empty `{}`", id_field.kebab()),
            ));
        }
        Some(id) => id,
    };
    let domain = match non_empty(Field::DomainOcid)? {
        Some(id) => Some(IdentityDomain {
            id,
            compartment_id: non_empty(Field::CompartmentOcid)?,
            // Known once the compartment tree is read (`dyngroup_policy::apply_domain_scopes`).
            outside: None,
        }),
        None => None,
    };
    let rule_at = at(Field::MatchingRule);
    let mut notes: Vec<Problem> = Vec::new();
    // A domain's compartment without the domain: the group is read as a classic one,
    // over its whole tenancy; say so rather than drop the field in silence.
    if domain.is_none()
        && let Some(compartment) = non_empty(Field::CompartmentOcid)?
    {
        notes.push(
            ctx.problem_at(
                at(Field::CompartmentOcid),
                ProblemKind::MissingField,
                format!(
                    "group `{name}` gives its domain's compartment `{compartment}` but no \
                     `domain-ocid`: read as a group of the whole tenancy, with no domain scope"
                ),
            )
            .with_severity(Severity::Warning),
        );
    }
    notes.extend(match parse_with(&matching_rule, rule_options) {
        Ok(parsed) => parsed
            .warnings
            .iter()
            .map(|warning| {
                ctx.problem_at(
                    rule_at,
                    ProblemKind::LegacyRule,
                    format!("matching rule of group `{name}`: {warning}"),
                )
                .with_severity(Severity::Warning)
                .with_rendered(warning.render(&matching_rule))
            })
            .collect(),
        Err(error) => vec![
            ctx.problem_at(
                rule_at,
                ProblemKind::BadRule,
                format!("invalid matching rule of group `{name}`: {error}"),
            )
            .with_rendered(error.render(&matching_rule)),
        ],
    });
    Ok(Outcome::Group(Box::new(Found {
        name_at: at(name_field),
        id_at: at(id_field),
        id_given,
        group: DynamicGroup {
            id,
            name,
            description,
            matching_rule,
            tenancy_id,
            domain,
        },
        notes,
    })))
}

/// A name for a message: control characters escaped, cut at 100 characters.
fn shown(name: &str) -> String {
    let cut: String = name.chars().take(MAX_NAME_LEN).collect();
    let mut shown = cut.escape_debug().to_string();
    if name.chars().count() > MAX_NAME_LEN {
        shown.push('…');
    }
    shown
}
