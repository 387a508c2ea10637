//! The `domains` section (format version 3): each identity-domain group's domain and
//! the scope the compartment tree gave it, so that a snapshot's index, the engine
//! opened from it and its checkpoints narrow those groups as the run that wrote it
//! did. Files of versions 1 and 2 hold no domains: their groups range over their
//! whole tenancy.

use crate::archive::{DomainsSection, GroupDomainRow};
use crate::error::Error;
use crate::layout::Kind;
use crate::open::Snapshot;
use dyngroup_index::IdentityDomain;
use dyngroup_index::parts::GroupPart;

/// The section's rows: one per group that has a domain, ascending by group.
pub(crate) fn domain_rows(groups: &[GroupPart]) -> Vec<GroupDomainRow> {
    groups
        .iter()
        .enumerate()
        .filter_map(|(g, part)| {
            let d = part.domain.as_ref()?;
            Some(GroupDomainRow {
                group: g as u32,
                id: d.id.clone(),
                compartment_id: d.compartment_id.clone(),
                scope: d.scope.clone(),
            })
        })
        .collect()
}

/// Validates the section (called at open for version 3 files): rows ascending by
/// group, each group in range.
pub(crate) fn check(snapshot: &Snapshot, groups: usize) -> Result<(), Error> {
    let rows = crate::archive::validate::<DomainsSection>(snapshot.section_bytes(Kind::Domains))?;
    let mut next = 0u64;
    for (i, row) in rows.iter().enumerate() {
        let g = u64::from(row.group.to_native());
        if g < next || g >= groups as u64 {
            return Err(Error::section(
                Kind::Domains.name(),
                format!(
                    "row {i} names group {g}: not ascending, or past the {groups} groups there are"
                ),
            ));
        }
        next = g + 1;
    }
    Ok(())
}

impl Snapshot {
    /// Each group's identity domain, by group ordinal (`None` for a classic group and
    /// for every group of a version 1 or 2 file).
    pub(crate) fn group_domains(&self) -> Vec<Option<IdentityDomain>> {
        let mut out = vec![None; self.group_count()];
        if self.format_version() < 3 {
            return out;
        }
        for row in self.get::<DomainsSection>().iter() {
            // Rows were checked at open: groups in range.
            out[row.group.to_native() as usize] = Some(IdentityDomain {
                id: row.id.as_str().to_owned(),
                compartment_id: row.compartment_id.as_ref().map(|c| c.as_str().to_owned()),
                scope: row
                    .scope
                    .as_ref()
                    .map(|s| s.iter().map(|c| c.as_str().to_owned()).collect()),
            });
        }
        out
    }
}
