//! Deep checks ([`Snapshot::verify`]) and rebuilding an [`Index`] from a snapshot
//! ([`Snapshot::to_index`]).

use crate::archive::{
    GroupsSection, PrincipalsSection, StringsSection, TenanciesSection, TermsSection,
};
use crate::error::Error;
use crate::layout::Kind;
use crate::open::Snapshot;
use dyngroup_index::parts::{GroupPart, IndexParts, PrincipalPart, StrId, StringsPart, TermPart};
use dyngroup_index::{GroupId, Index, Memberships, PrincipalId, TenancyId};
use hashbrown::HashMap;
use rayon::prelude::*;
use roaring::RoaringBitmap;

impl Snapshot {
    /// Checks what opening does not, and returns nothing; see
    /// [`verified_index`](Snapshot::verified_index), which it runs.
    pub fn verify(&self) -> Result<(), Error> {
        self.verified_index().map(drop)
    }

    /// The deep check, and the index it rebuilt on the way.
    ///
    /// One set of checks: the structure is what [`Index::from_parts`] and
    /// [`Memberships::from_parts`] check when they rebuild the index (every bitmap
    /// decodes with roaring's checked loader and stays below the principal count;
    /// strings are distinct; principal OCIDs are distinct, grouped by tenancy, tenancies
    /// ascending; group names valid and unique per tenancy, descriptions within the
    /// limit; each group's members inside its tenancy). Then what only the file has:
    /// the `principal-index` sorts the OCIDs and the principal → groups map is exactly
    /// the transpose of the members (the two sections [`query`](Snapshot::groups_of)
    /// reads). Last, the content: every group's stored members are what its rule gives
    /// on the stored principals (the bitmap evaluator, all groups at once).
    ///
    /// A file written by [`write`](crate::write()) and intact always passes; a file
    /// that passes, even one crafted with valid checksums, answers every query as
    /// the index it holds: it may describe another fleet than the one it was written
    /// from, but never a membership its own principals and rules do not give.
    pub fn verified_index(&self) -> Result<(Index, Memberships), Error> {
        let bad = |kind: Kind, problem: String| Error::section(kind.name(), problem);
        let (index, stored) = self.to_index()?;

        // The rebuilt index has the file's ordinals and strings (already checked as
        // text, so not checked again for every OCID here); both checks run on all
        // threads and report the first fault in file order.
        let by_ocid: Vec<u32> = self.ordinals_by_ocid().collect();
        let ocid = |p: u32| index.principal_ocid(PrincipalId::from_raw(p));
        if by_ocid.par_windows(2).any(|w| ocid(w[0]) >= ocid(w[1])) {
            return Err(bad(
                Kind::PrincipalIndex,
                "is not in strictly ascending OCID order".into(),
            ));
        }

        let transposed = |p: u32| {
            let p = PrincipalId::from_raw(p);
            self.groups_of(p).eq(stored.groups_of(p).iter().copied())
        };
        let principals = 0..self.principal_count() as u32;
        if let Some(p) = principals
            .into_par_iter()
            .position_first(|p| !transposed(p))
        {
            return Err(bad(
                Kind::PrincipalGroups,
                format!("principal {p}'s groups are not those whose members it is"),
            ));
        }

        let evaluated = index.evaluate();
        if let Some(g) = index
            .group_ids()
            .find(|&g| evaluated.members(g) != stored.members(g))
        {
            return Err(bad(
                Kind::Members,
                format!("group {} does not hold the members its rule gives", g.raw()),
            ));
        }
        Ok((index, stored))
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
                tenancy: TenancyId::from_raw(r.tenancy.to_native()),
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
        // Decoded on all threads; the first bad list in order is the one reported.
        let list = self.bitmap_list(Kind::Postings);
        let decoded: Vec<Result<RoaringBitmap, Error>> = (0..list.len())
            .into_par_iter()
            .map(|t| list.get(t))
            .collect();
        let postings = decoded.into_iter().collect::<Result<_, _>>()?;
        let groups = self
            .get::<GroupsSection>()
            .iter()
            .zip(self.group_domains())
            .map(|(r, domain)| GroupPart {
                id: r.id.as_str().to_owned(),
                name: r.name.as_str().to_owned(),
                description: r.description.as_str().to_owned(),
                matching_rule: r.matching_rule.as_str().to_owned(),
                tenancy: TenancyId::from_raw(r.tenancy.to_native()),
                domain,
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
