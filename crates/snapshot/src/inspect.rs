//! A report on any file: as much of the header and section table as can be read,
//! each section's checksum, and the verdict of a full validation.

use crate::error::Error;
use crate::layout::{self, SectionInfo};
use crate::open::Snapshot;

/// What [`inspect`] found.
#[derive(Debug)]
pub struct Inspection {
    /// The file's size in bytes.
    pub file_len: u64,
    /// The format version, when the header could be read.
    pub version: Option<u32>,
    /// The header's flags, when the header could be read.
    pub flags: Option<u32>,
    /// The section table, when it could be read, each entry with whether its bytes
    /// match its checksum.
    pub sections: Vec<(SectionInfo, bool)>,
    /// Counts, when the snapshot opened.
    pub counts: Option<Counts>,
    /// `Ok` when the file opened and passed [`Snapshot::verify`]; the first problem
    /// found otherwise.
    pub verdict: Result<(), Error>,
}

/// How much a snapshot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Indexed principals.
    pub principals: usize,
    /// Tenancies.
    pub tenancies: usize,
    /// Groups.
    pub groups: usize,
    /// Posting lists.
    pub terms: usize,
    /// Interned strings.
    pub strings: usize,
    /// Principal → group memberships.
    pub memberships: usize,
    /// Groups of identity domains (format version 3 and later).
    pub domain_groups: usize,
    /// Of those, the ones whose domain scope would narrow them but is not applied.
    pub domain_scopes_not_applied: usize,
}

/// Inspects the bytes of a file that may or may not be a valid snapshot. Never
/// panics.
pub fn inspect(bytes: &[u8]) -> Inspection {
    let mut report = Inspection {
        file_len: bytes.len() as u64,
        version: None,
        flags: None,
        sections: Vec::new(),
        counts: None,
        verdict: Ok(()),
    };
    if let Ok(header) = layout::read_header(bytes) {
        report.version = Some(header.version);
        report.flags = Some(header.flags);
        if let Ok(table) = layout::read_table(bytes, &header) {
            report.sections = table
                .into_iter()
                .map(|s| {
                    let ok = layout::check_checksum(bytes, &s).is_ok();
                    (s, ok)
                })
                .collect();
        }
    }
    report.verdict = Snapshot::from_bytes(bytes).and_then(|snapshot| {
        let domains = snapshot.group_domains();
        report.counts = Some(Counts {
            principals: snapshot.principal_count(),
            tenancies: snapshot.tenancy_count(),
            groups: snapshot.group_count(),
            terms: snapshot.term_count(),
            strings: snapshot.string_count(),
            memberships: snapshot.membership_count(),
            domain_groups: domains.iter().flatten().count(),
            domain_scopes_not_applied: snapshot
                .group_ids()
                .zip(&domains)
                .filter(|(g, d)| {
                    d.as_ref().is_some_and(|d| {
                        let tenancy = snapshot.group(*g).tenancy_id;
                        d.narrows(tenancy) && d.outside_within(tenancy).is_none()
                    })
                })
                .count(),
        });
        snapshot.verify()
    });
    report
}

impl Snapshot {
    /// How many (principal, group) memberships there are.
    pub fn membership_count(&self) -> usize {
        self.get::<crate::archive::PrincipalGroupsSection>()
            .groups
            .len()
    }
}
