//! The `policies` section (format version 2): the compartment tree and the policies
//! a snapshot was computed with, so that `can` and `who-can` answer from the file.
//! Stored as given (statements as text, with where each was read), and compiled again
//! when read: the compiled form is cheap to rebuild and free to change.

use crate::archive::{CompartmentRow, PoliciesRow, PoliciesSection, PolicyRow, StatementRow};
use crate::error::Error;
use crate::layout::Kind;
use crate::open::Snapshot;
use dyngroup_policy::{Compartment, Origin, Policy, PolicyStatement};
use std::collections::HashMap;

/// The policy inputs a snapshot holds: the compartment records (as
/// [`CompartmentTree::new`](dyngroup_policy::CompartmentTree::new) takes them) and
/// the policies (as [`PolicySet::compile`](dyngroup_policy::PolicySet::compile) takes
/// them), each statement with the `file:line:column` it was read at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyInputs {
    /// The compartments, in input order.
    pub compartments: Vec<Compartment>,
    /// The policies, in input order.
    pub policies: Vec<Policy>,
}

fn u32_of(n: usize, what: &str) -> Result<u32, Error> {
    u32::try_from(n)
        .map_err(|_| Error::Unwritable(format!("{what} exceed the format's 32-bit counts")))
}

/// The section's value for `inputs` (none: `present` false, every list empty).
pub(crate) fn policies_row(inputs: Option<&PolicyInputs>) -> Result<PoliciesRow, Error> {
    let Some(inputs) = inputs else {
        return Ok(PoliciesRow::default());
    };
    let mut files: Vec<String> = Vec::new();
    let mut file_index: HashMap<&str, u32> = HashMap::new();
    let mut policies = Vec::with_capacity(inputs.policies.len());
    for policy in &inputs.policies {
        let mut statements = Vec::with_capacity(policy.statements.len());
        for (n, statement) in policy.statements.iter().enumerate() {
            let (file, line, column, position) = match &statement.origin {
                Some(o) => {
                    let next = u32_of(files.len(), "statement files")?;
                    let file = *file_index.entry(o.file.as_str()).or_insert_with(|| {
                        files.push(o.file.clone());
                        next
                    });
                    (
                        file,
                        u32_of(o.line, "line numbers")?,
                        u32_of(o.column, "column numbers")?,
                        u32_of(o.position, "statement positions")?,
                    )
                }
                None => (u32::MAX, 0, 0, u32_of(n + 1, "statement positions")?),
            };
            statements.push(StatementRow {
                text: statement.text.clone(),
                file,
                line,
                column,
                position,
            });
        }
        policies.push(PolicyRow {
            id: policy.id.clone(),
            name: policy.name.clone(),
            compartment_id: policy.compartment_id.clone(),
            statements,
        });
    }
    Ok(PoliciesRow {
        present: true,
        files,
        compartments: inputs
            .compartments
            .iter()
            .map(|c| CompartmentRow {
                id: c.id.clone(),
                name: c.name.clone(),
                parent: c.parent_id.clone(),
            })
            .collect(),
        policies,
    })
}

/// Validates the section (called at open for version 2 files): the archive's
/// structure, and every statement's file number in range.
pub(crate) fn check(snapshot: &Snapshot) -> Result<(), Error> {
    let row = crate::archive::validate::<PoliciesSection>(snapshot.section_bytes(Kind::Policies))?;
    let files = row.files.len();
    for (p, policy) in row.policies.iter().enumerate() {
        for (s, statement) in policy.statements.iter().enumerate() {
            let file = statement.file.to_native();
            if file != u32::MAX && file as usize >= files {
                return Err(Error::section(
                    Kind::Policies.name(),
                    format!(
                        "policy {p}'s statement {s} refers to file {file}, past the {files} there are"
                    ),
                ));
            }
        }
    }
    if !row.present && (files > 0 || !row.compartments.is_empty() || !row.policies.is_empty()) {
        return Err(Error::section(
            Kind::Policies.name(),
            "holds policies but says it has none",
        ));
    }
    Ok(())
}

impl Snapshot {
    /// The compartment tree and policies the snapshot was written with
    /// ([`write_with_policies`](crate::write_with_policies)); `None` for a file
    /// written without them, and for every format version 1 file.
    pub fn policy_inputs(&self) -> Option<PolicyInputs> {
        if self.format_version() < 2 {
            return None;
        }
        let row = self.get::<PoliciesSection>();
        if !row.present {
            return None;
        }
        let compartments = row
            .compartments
            .iter()
            .map(|c| Compartment {
                id: c.id.as_str().to_owned(),
                name: c.name.as_str().to_owned(),
                parent_id: c.parent.as_ref().map(|p| p.as_str().to_owned()),
            })
            .collect();
        let policies = row
            .policies
            .iter()
            .map(|p| Policy {
                id: p.id.as_str().to_owned(),
                name: p.name.as_str().to_owned(),
                compartment_id: p.compartment_id.as_str().to_owned(),
                statements: p
                    .statements
                    .iter()
                    .map(|s| PolicyStatement {
                        text: s.text.as_str().to_owned(),
                        // The file number was checked at open.
                        origin: row
                            .files
                            .get(s.file.to_native() as usize)
                            .map(|file| Origin {
                                file: file.as_str().to_owned(),
                                line: s.line.to_native() as usize,
                                column: s.column.to_native() as usize,
                                position: s.position.to_native() as usize,
                            }),
                    })
                    .collect(),
            })
            .collect();
        Some(PolicyInputs {
            compartments,
            policies,
        })
    }
}
