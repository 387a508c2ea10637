//! The `domains` section (format version 3): the identity domains of the groups read
//! from identity-domain exports, each once with the scope its compartment tree gave it
//! (the compartments outside the domain's subtree), and each group's domain — so that
//! a snapshot's index, the engine opened from it and its checkpoints narrow those
//! groups as the run that wrote it did. Files of versions 1 and 2 hold no domains:
//! their groups range over their whole tenancy.

use crate::archive::{DomainRow, DomainsRow, DomainsSection, GroupDomainRow};
use crate::error::Error;
use crate::layout::Kind;
use crate::open::Snapshot;
use dyngroup_index::IdentityDomain;
use dyngroup_index::parts::GroupPart;
use std::collections::HashMap;

/// The section's value: each distinct domain once (groups sharing one scope share a
/// row), and one row per group that has a domain, ascending by group.
pub(crate) fn domains_row(groups: &[GroupPart]) -> DomainsRow {
    let mut row = DomainsRow::default();
    let mut seen: HashMap<&IdentityDomain, u32> = HashMap::new();
    for (g, part) in groups.iter().enumerate() {
        let Some(d) = part.domain.as_ref() else {
            continue;
        };
        let next = row.domains.len() as u32;
        let domain = *seen.entry(d).or_insert_with(|| {
            row.domains.push(DomainRow {
                id: d.id.clone(),
                compartment_id: d.compartment_id.clone(),
                outside: d.outside.as_deref().map(<[String]>::to_vec),
            });
            next
        });
        row.groups.push(GroupDomainRow {
            group: g as u32,
            domain,
        });
    }
    row
}

/// Validates the section (called at open for version 3 files): group rows ascending
/// by group, each group and domain in range.
pub(crate) fn check(snapshot: &Snapshot, groups: usize) -> Result<(), Error> {
    let row = crate::archive::validate::<DomainsSection>(snapshot.section_bytes(Kind::Domains))?;
    let domains = row.domains.len() as u64;
    let mut next = 0u64;
    for (i, r) in row.groups.iter().enumerate() {
        let (g, d) = (
            u64::from(r.group.to_native()),
            u64::from(r.domain.to_native()),
        );
        if g < next || g >= groups as u64 || d >= domains {
            return Err(Error::section(
                Kind::Domains.name(),
                format!(
                    "group row {i} names group {g} and domain {d}: not ascending, or past \
                     the {groups} groups or the {domains} domains there are"
                ),
            ));
        }
        next = g + 1;
    }
    Ok(())
}

impl Snapshot {
    /// Each group's identity domain, by group ordinal (`None` for a classic group and
    /// for every group of a version 1 or 2 file); groups of one stored domain share
    /// its scope.
    pub(crate) fn group_domains(&self) -> Vec<Option<IdentityDomain>> {
        let mut out = vec![None; self.group_count()];
        if self.format_version() < 3 {
            return out;
        }
        let row = self.get::<DomainsSection>();
        let domains: Vec<IdentityDomain> = row
            .domains
            .iter()
            .map(|d| IdentityDomain {
                id: d.id.as_str().to_owned(),
                compartment_id: d.compartment_id.as_ref().map(|c| c.as_str().to_owned()),
                outside: d.outside.as_ref().map(|o| {
                    o.iter()
                        .map(|c| c.as_str().to_owned())
                        .collect::<Vec<_>>()
                        .into()
                }),
            })
            .collect();
        for r in row.groups.iter() {
            // Group and domain numbers were checked at open.
            out[r.group.to_native() as usize] =
                Some(domains[r.domain.to_native() as usize].clone());
        }
        out
    }
}
