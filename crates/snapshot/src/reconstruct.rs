//! The inventory and groups a snapshot was written from, taken back out of it
//! ([`Snapshot::principals`], [`Snapshot::groups`]): for tools that change a snapshot
//! (`dyngroup apply`) without the original input files.

use crate::error::Error;
use crate::layout::Kind;
use crate::open::Snapshot;
use dyngroup_index::parts::{StrId, StringsPart, TermPart};
use dyngroup_index::{DefinedTag, DynamicGroup, Principal};

impl Snapshot {
    /// The principals the snapshot holds, in ordinal order, as
    /// [`Principal`]s that index exactly as the originals did.
    ///
    /// Each principal's defined tags are recovered by inverting the tag-value posting
    /// lists, so they come back as the index holds them: namespaces and keys ASCII
    /// lower-cased (matching rules compare them case-insensitively, so the principal
    /// is the same to every rule), values exact, sorted. `resource_type` is always
    /// `Some` (the lower-cased type the index used), and `lifecycle_state` is `None`:
    /// a snapshot holds only principals that take part in memberships (terminated ones
    /// were never indexed).
    ///
    /// Feeding these principals and [`groups`](Snapshot::groups) to an
    /// [`IndexBuilder`](dyngroup_index::IndexBuilder) gives the same memberships.
    pub fn principals(&self) -> Result<Vec<Principal>, Error> {
        let parts = self.to_parts()?;
        let text = |s: StrId| string(&parts.strings, s);
        let mut principals = parts
            .principals
            .iter()
            .map(|p| {
                let tenancy = *parts.tenancies.get(p.tenancy.index()).ok_or_else(|| {
                    Error::section(Kind::Principals.name(), "names a tenancy past the last")
                })?;
                Ok(Principal {
                    id: text(p.id)?.to_owned(),
                    compartment_id: text(p.compartment)?.to_owned(),
                    tenancy_id: text(tenancy)?.to_owned(),
                    resource_type: Some(text(p.resource_type)?.to_owned()),
                    defined_tags: Vec::new(),
                    lifecycle_state: None,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        for (term, list) in parts.terms.iter().zip(&parts.postings) {
            let TermPart::TagValue {
                namespace,
                key,
                value,
            } = *term
            else {
                continue;
            };
            let tag = DefinedTag {
                namespace: text(namespace)?.to_owned(),
                key: text(key)?.to_owned(),
                value: text(value)?.to_owned(),
            };
            for p in list {
                let principal = principals.get_mut(p as usize).ok_or_else(|| {
                    Error::section(
                        Kind::Postings.name(),
                        "has a principal past the last".to_owned(),
                    )
                })?;
                principal.defined_tags.push(tag.clone());
            }
        }
        for p in &mut principals {
            p.defined_tags.sort_unstable();
        }
        Ok(principals)
    }

    /// The groups, in group ordinal order, as [`DynamicGroup`]s (OCIDs, names,
    /// descriptions and rule texts exactly as written).
    pub fn groups(&self) -> Vec<DynamicGroup> {
        self.group_ids()
            .zip(self.group_domains())
            .map(|(g, domain)| {
                let group = self.group(g);
                DynamicGroup {
                    domain,
                    id: group.id.to_owned(),
                    name: group.name.to_owned(),
                    description: group.description.to_owned(),
                    matching_rule: group.matching_rule.to_owned(),
                    tenancy_id: group.tenancy_id.to_owned(),
                }
            })
            .collect()
    }
}

fn string(strings: &StringsPart, s: StrId) -> Result<&str, Error> {
    strings.get(s).ok_or_else(|| {
        Error::section(
            Kind::Strings.name(),
            format!("string {} is out of range", s.0),
        )
    })
}
