//! Writing each principal's groups and effective grants (`compute --by principal`
//! with policies), in the formats of [`crate::PrincipalGroupsWriter`].

use std::io::{self, Write};

use serde::Serialize;

use crate::write::{Core, Format, Record, csv_row};

/// One statement that applies to a principal: its subject includes the principal and
/// its condition is not false for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct GrantRecord<'a> {
    /// `allow` or `deny`.
    pub effect: &'a str,
    /// `inspect`, `read`, `use`, `manage`, or `permissions` for a permission list.
    pub verb: &'a str,
    /// The statement's resource type or family, canonical.
    pub resource_type: &'a str,
    /// The compartment the statement names; it covers that compartment's subtree.
    pub compartment_id: &'a str,
    /// That compartment's `:` path from its tenancy (empty for the tenancy).
    pub compartment_path: &'a str,
    /// Whether the statement's condition cannot be decided offline for this
    /// principal (a conditional grant, never counted as allowed).
    pub conditional: bool,
    /// The dynamic groups through which the statement reaches the principal, or
    /// `any-user` for `any-user`/`any-group`.
    pub via: Vec<&'a str>,
    /// The policy's OCID.
    pub policy_id: &'a str,
    /// The statement's text.
    pub statement: &'a str,
}

/// One principal, its groups and its effective grants.
///
/// JSON: `{"id", "tenancy-id", "groups": [names], "grants": [GrantRecord]}`.
/// CSV: the columns of [`PrincipalGrantsRecord::CSV_HEADER`]: one row per group
/// (grant columns empty), then one row per grant (`group_name` empty, `via` the
/// groups joined by `;`); a principal with neither gets one row with only its ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrincipalGrantsRecord<'a> {
    /// The principal's OCID.
    pub id: &'a str,
    /// Its tenancy.
    #[serde(rename = "tenancy-id")]
    pub tenancy_id: &'a str,
    /// The names of its groups.
    pub groups: Vec<&'a str>,
    /// The statements that apply to it, in policy and statement order.
    pub grants: Vec<GrantRecord<'a>>,
}

impl PrincipalGrantsRecord<'_> {
    /// The CSV header: the membership columns of `--by principal`, then the grant's.
    pub const CSV_HEADER: &'static str = "principal_id,tenancy_id,group_name,effect,verb,\
         resource_type,compartment_id,compartment_path,conditional,via,policy_id,statement";
}

impl Record for PrincipalGrantsRecord<'_> {
    const CSV_HEADER: &'static str = PrincipalGrantsRecord::CSV_HEADER;

    fn csv_rows(&self, out: &mut dyn Write) -> io::Result<()> {
        let blank = ["", "", "", "", "", "", "", "", ""];
        if self.groups.is_empty() && self.grants.is_empty() {
            let mut row = vec![self.id, self.tenancy_id, ""];
            row.extend(blank);
            return csv_row(out, &row);
        }
        for group in &self.groups {
            let mut row = vec![self.id, self.tenancy_id, group];
            row.extend(blank);
            csv_row(out, &row)?;
        }
        for grant in &self.grants {
            let via = grant.via.join(";");
            csv_row(
                out,
                &[
                    self.id,
                    self.tenancy_id,
                    "",
                    grant.effect,
                    grant.verb,
                    grant.resource_type,
                    grant.compartment_id,
                    grant.compartment_path,
                    if grant.conditional { "true" } else { "false" },
                    &via,
                    grant.policy_id,
                    grant.statement,
                ],
            )?;
        }
        Ok(())
    }
}

/// Writes [`PrincipalGrantsRecord`]s one by one; call [`finish`](Self::finish) at
/// the end (it closes the JSON array, writes the CSV header of an empty output, and
/// flushes).
///
/// ```
/// use dyngroup_io::{Format, GrantRecord, PrincipalGrantsRecord, PrincipalGrantsWriter};
///
/// let mut writer = PrincipalGrantsWriter::new(Vec::new(), Format::Csv);
/// writer.write(&PrincipalGrantsRecord {
///     id: "p",
///     tenancy_id: "t",
///     groups: vec!["web"],
///     grants: vec![GrantRecord {
///         effect: "allow",
///         verb: "read",
///         resource_type: "buckets",
///         compartment_id: "c",
///         compartment_path: "Prod",
///         conditional: false,
///         via: vec!["web"],
///         policy_id: "pol",
///         statement: "Allow dynamic-group web to read buckets in compartment Prod",
///     }],
/// })?;
/// let out = String::from_utf8(writer.finish()?).unwrap();
/// assert_eq!(
///     out.lines().skip(1).collect::<Vec<_>>(),
///     [
///         "p,t,web,,,,,,,,,",
///         "p,t,,allow,read,buckets,c,Prod,false,web,pol,Allow dynamic-group web to read buckets in compartment Prod",
///     ]
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct PrincipalGrantsWriter<W> {
    core: Core<W>,
}

impl<W: Write> PrincipalGrantsWriter<W> {
    /// A writer to `out` (buffer it: records are written in small pieces).
    pub fn new(out: W, format: Format) -> Self {
        PrincipalGrantsWriter {
            core: Core {
                out,
                format,
                written: 0,
            },
        }
    }

    /// Writes one record.
    pub fn write(&mut self, record: &PrincipalGrantsRecord<'_>) -> io::Result<()> {
        self.core.write(record)
    }

    /// Ends the output, flushes, and gives the writer back.
    pub fn finish(self) -> io::Result<W> {
        self.core.finish::<PrincipalGrantsRecord<'_>>()
    }
}
