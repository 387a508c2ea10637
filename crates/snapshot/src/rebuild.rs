//! Deep checks ([`Snapshot::verify`]) and rebuilding an [`Index`] from a snapshot
//! ([`Snapshot::to_index`]).

use crate::archive::{
    GroupsSection, PrincipalGroupsSection, PrincipalsSection, StringsSection, TenanciesSection,
    TermsSection,
};
use crate::error::Error;
use crate::layout::Kind;
use crate::open::Snapshot;
use dyngroup_index::parts::{GroupPart, IndexParts, PrincipalPart, StrId, StringsPart, TermPart};
use dyngroup_index::{GroupId, Index, Memberships, TenancyId, is_valid_group_name};
use hashbrown::{HashMap, HashSet};
use roaring::RoaringBitmap;
use std::ops::Range;

impl Snapshot {
    /// Checks what opening does not: every bitmap decodes with roaring's checked loader
    /// and stays below the principal count; principal OCIDs are distinct and the
    /// `principal-index` sorts them; principals are grouped by tenancy and tenancies
    /// ascend; strings are distinct; group names are valid and unique per tenancy; each
    /// group's members belong to its tenancy; the principal → groups map is exactly
    /// the transpose of the members.
    ///
    /// A file written by [`write`](crate::write()) and intact always passes; a file that
    /// passes answers every query as the index it was written from.
    pub fn verify(&self) -> Result<(), Error> {
        let n = self.principal_count() as u32;
        let bad = |kind: Kind, problem: String| Error::section(kind.name(), problem);

        let strings = self.get::<StringsSection>();
        let mut seen = HashSet::with_capacity(strings.ends.len());
        for s in 0..strings.ends.len() as u32 {
            if !seen.insert(self.string(s)) {
                return Err(bad(Kind::Strings, format!("string {s} occurs twice")));
            }
        }
        drop(seen);

        let mut previous: Option<&str> = None;
        for p in self.ordinals_by_ocid() {
            let ocid = self.principal_ocid(dyngroup_index::PrincipalId(p));
            if previous.is_some_and(|prev| prev >= ocid) {
                return Err(bad(
                    Kind::PrincipalIndex,
                    "is not in strictly ascending OCID order".into(),
                ));
            }
            previous = Some(ocid);
        }

        let ranges = self.tenancy_ranges()?;
        let tenancies = self.get::<TenanciesSection>();
        if tenancies.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad(Kind::Tenancies, "are not in ascending order".into()));
        }

        let postings = self.bitmap_list(Kind::Postings);
        for t in 0..postings.len() {
            let list = postings.get(t)?;
            if list.max().is_some_and(|p| p >= n) {
                return Err(bad(
                    Kind::Postings,
                    format!("list {t} has a principal past the last"),
                ));
            }
        }

        let mut names = HashSet::new();
        for g in self.group_ids() {
            let group = self.group(g);
            if !is_valid_group_name(group.name)
                || !names.insert((self.group_tenancy(g), group.name.to_ascii_lowercase()))
            {
                return Err(bad(
                    Kind::Groups,
                    format!("group {} has an invalid or repeated name", g.0),
                ));
            }
        }

        let members = self.all_members()?;
        let mut transpose: Vec<Vec<u32>> = vec![Vec::new(); n as usize];
        for (g, list) in members.iter().enumerate() {
            let range = &ranges[self.group_tenancy(GroupId(g as u32)).index()];
            let inside = match (list.min(), list.max()) {
                (Some(lo), Some(hi)) => range.contains(&lo) && range.contains(&hi),
                _ => true,
            };
            if !inside {
                return Err(bad(
                    Kind::Members,
                    format!("group {g} has members outside its tenancy"),
                ));
            }
            for p in list {
                transpose[p as usize].push(g as u32);
            }
        }
        let csr = self.get::<PrincipalGroupsSection>();
        for (p, expected) in transpose.iter().enumerate() {
            let start = csr.offsets[p].to_native() as usize;
            let end = csr.offsets[p + 1].to_native() as usize;
            let stored = &csr.groups[start..end];
            if stored.len() != expected.len()
                || stored
                    .iter()
                    .zip(expected)
                    .any(|(s, e)| s.to_native() != *e)
            {
                return Err(bad(
                    Kind::PrincipalGroups,
                    format!("principal {p}'s groups are not those whose members it is"),
                ));
            }
        }
        Ok(())
    }

    /// Each tenancy's range of principal ordinals, checking that principals are grouped
    /// by tenancy in tenancy order.
    fn tenancy_ranges(&self) -> Result<Vec<Range<u32>>, Error> {
        let mut ranges = vec![0..0; self.tenancy_count()];
        let mut last: Option<u32> = None;
        for (p, row) in self.get::<PrincipalsSection>().iter().enumerate() {
            let p = p as u32;
            let t = row.tenancy.to_native();
            let r = &mut ranges[t as usize];
            if r.start == r.end && last.is_none_or(|l| l < t) {
                *r = p..p + 1;
            } else if r.end == p && last == Some(t) {
                r.end += 1;
            } else {
                return Err(Error::section(
                    Kind::Principals.name(),
                    format!("principal {p} breaks the grouping by tenancy"),
                ));
            }
            last = Some(t);
        }
        Ok(ranges)
    }

    /// Every group's members, decoded with roaring's checked loader.
    pub(crate) fn all_members(&self) -> Result<Vec<RoaringBitmap>, Error> {
        let n = self.principal_count() as u32;
        let list = self.bitmap_list(Kind::Members);
        (0..list.len())
            .map(|g| {
                let members = list.get(g)?;
                if members.max().is_some_and(|p| p >= n) {
                    return Err(Error::section(
                        Kind::Members.name(),
                        format!("group {g} has a member past the last principal"),
                    ));
                }
                Ok(members)
            })
            .collect()
    }

    /// The index as plain data, bitmaps decoded with roaring's checked loader.
    pub fn to_parts(&self) -> Result<IndexParts, Error> {
        let strings = self.get::<StringsSection>();
        let text = std::str::from_utf8(&strings.bytes)
            .map_err(|e| Error::section(Kind::Strings.name(), format!("is not UTF-8: {e}")))?;
        let strings = StringsPart {
            bytes: text.to_owned(),
            ends: strings
                .ends
                .iter()
                .map(|e| e.to_native() as usize)
                .collect(),
        };
        let principals = self
            .get::<PrincipalsSection>()
            .iter()
            .map(|r| PrincipalPart {
                id: StrId(r.id.to_native()),
                compartment: StrId(r.compartment.to_native()),
                resource_type: StrId(r.resource_type.to_native()),
                tenancy: TenancyId(r.tenancy.to_native()),
            })
            .collect();
        let tenancies = self
            .get::<TenanciesSection>()
            .iter()
            .map(|s| StrId(s.to_native()))
            .collect();
        let terms = self
            .get::<TermsSection>()
            .iter()
            .map(|r| {
                let (a, b, c) = (
                    StrId(r.a.to_native()),
                    StrId(r.b.to_native()),
                    StrId(r.c.to_native()),
                );
                match r.kind.to_native() {
                    0 => TermPart::Compartment(a),
                    1 => TermPart::Type(a),
                    2 => TermPart::TagKey {
                        namespace: a,
                        key: b,
                    },
                    // Kinds other than 0..=3 were refused at open.
                    _ => TermPart::TagValue {
                        namespace: a,
                        key: b,
                        value: c,
                    },
                }
            })
            .collect();
        let list = self.bitmap_list(Kind::Postings);
        let postings = (0..list.len())
            .map(|t| list.get(t))
            .collect::<Result<_, _>>()?;
        let groups = self
            .get::<GroupsSection>()
            .iter()
            .map(|r| GroupPart {
                id: r.id.as_str().to_owned(),
                name: r.name.as_str().to_owned(),
                description: r.description.as_str().to_owned(),
                matching_rule: r.matching_rule.as_str().to_owned(),
                tenancy: TenancyId(r.tenancy.to_native()),
            })
            .collect();
        Ok(IndexParts {
            strings,
            principals,
            tenancies,
            terms,
            postings,
            groups,
        })
    }

    /// Rebuilds the [`Index`] and its [`Memberships`] the snapshot was written from:
    /// the same ordinals, terms and groups, rules parsed again with the stored
    /// [`parse_options`](Snapshot::parse_options), memberships from the stored
    /// members (not evaluated again).
    pub fn to_index(&self) -> Result<(Index, Memberships), Error> {
        let index = Index::from_parts(self.to_parts()?, &self.parse_options())?;
        let memberships = Memberships::from_parts(&index, self.all_members()?)?;
        Ok((index, memberships))
    }
}

/// Group ordinals keyed by (tenancy OCID, group OCID), for matching two snapshots.
pub(crate) fn groups_by_key(s: &Snapshot) -> HashMap<(&str, &str), GroupId> {
    s.group_ids()
        .map(|g| {
            let group = s.group(g);
            ((group.tenancy_id, group.id), g)
        })
        .collect()
}
