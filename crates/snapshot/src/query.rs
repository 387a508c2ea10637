//! Queries answered from the snapshot's bytes: principals by OCID, groups by name,
//! a principal's groups, a group's members. Nothing is recomputed.

use crate::archive::{
    ArchivedGroupRow, GroupsSection, MetaSection, PrincipalGroupsSection, PrincipalIndexSection,
    PrincipalsSection, StringsSection, TenanciesSection,
};
use crate::error::Error;
use crate::layout::Kind;
use crate::open::Snapshot;
use dyngroup_index::{GroupId, PrincipalId, PrincipalRef, TenancyId};
use dyngroup_rules::ParseOptions;
use roaring::RoaringBitmap;

/// A group as a snapshot holds it, with borrowed strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupRef<'a> {
    /// Its ordinal, the same as in the index that was written.
    pub ordinal: GroupId,
    /// The group's OCID.
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Free text.
    pub description: &'a str,
    /// The matching rule, as text.
    pub matching_rule: &'a str,
    /// The OCID of its tenancy.
    pub tenancy_id: &'a str,
}

impl Snapshot {
    /// How many principals are indexed.
    pub fn principal_count(&self) -> usize {
        self.get::<PrincipalsSection>().len()
    }

    /// How many groups there are, valid or not.
    pub fn group_count(&self) -> usize {
        self.get::<GroupsSection>().len()
    }

    /// How many tenancies there are.
    pub fn tenancy_count(&self) -> usize {
        self.get::<TenanciesSection>().len()
    }

    /// How many posting lists there are.
    pub fn term_count(&self) -> usize {
        self.get::<MetaSection>().terms.to_native() as usize
    }

    /// How many distinct strings are interned.
    pub fn string_count(&self) -> usize {
        self.get::<StringsSection>().ends.len()
    }

    /// The options the rules were parsed with when the snapshot was written.
    pub fn parse_options(&self) -> ParseOptions {
        let meta = self.get::<MetaSection>();
        ParseOptions {
            strict: meta.strict,
            max_depth: meta.max_depth.to_native() as usize,
        }
    }

    /// The program that wrote the file, as it named itself.
    pub fn writer(&self) -> &str {
        self.get::<MetaSection>().writer.as_str()
    }

    /// Interned string `s`. Its bounds and UTF-8 were checked at open.
    pub(crate) fn string(&self, s: u32) -> &str {
        let strings = self.get::<StringsSection>();
        let i = s as usize;
        let end = strings.ends[i].to_native() as usize;
        let start = match i {
            0 => 0,
            _ => strings.ends[i - 1].to_native() as usize,
        };
        // Checked at open: in bounds, on character boundaries, UTF-8.
        std::str::from_utf8(&strings.bytes[start..end]).unwrap_or_default()
    }

    /// The ordinal of the principal with this OCID, if indexed (binary search in the
    /// `principal-index` section).
    pub fn principal_id(&self, ocid: &str) -> Option<PrincipalId> {
        let principals = self.get::<PrincipalsSection>();
        let by_ocid = self.get::<PrincipalIndexSection>();
        let key = |p: u32| self.string(principals[p as usize].id.to_native());
        by_ocid
            .binary_search_by(|p| key(p.to_native()).cmp(ocid))
            .ok()
            .map(|i| PrincipalId::from_raw(by_ocid[i].to_native()))
    }

    /// Principal ordinals in ascending OCID order.
    pub(crate) fn ordinals_by_ocid(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.get::<PrincipalIndexSection>()
            .iter()
            .map(|p| p.to_native())
    }

    /// A principal's data. Panics if `p` is not an ordinal of this snapshot.
    pub fn principal(&self, p: PrincipalId) -> PrincipalRef<'_> {
        let row = &self.get::<PrincipalsSection>()[p.index()];
        PrincipalRef {
            ordinal: p,
            id: self.string(row.id.to_native()),
            compartment_id: self.string(row.compartment.to_native()),
            tenancy_id: self.tenancy_ocid(TenancyId::from_raw(row.tenancy.to_native())),
            resource_type: self.string(row.resource_type.to_native()),
        }
    }

    /// A principal's OCID. Panics if `p` is not an ordinal of this snapshot.
    pub fn principal_ocid(&self, p: PrincipalId) -> &str {
        self.string(self.get::<PrincipalsSection>()[p.index()].id.to_native())
    }

    /// The tenancy of a principal. Panics if `p` is not an ordinal of this snapshot.
    pub fn tenancy_of(&self, p: PrincipalId) -> TenancyId {
        TenancyId::from_raw(
            self.get::<PrincipalsSection>()[p.index()]
                .tenancy
                .to_native(),
        )
    }

    /// The groups of a principal, ascending (from the stored principal → groups map).
    /// Panics if `p` is not an ordinal of this snapshot.
    pub fn groups_of(&self, p: PrincipalId) -> impl ExactSizeIterator<Item = GroupId> + '_ {
        let csr = self.get::<PrincipalGroupsSection>();
        let start = csr.offsets[p.index()].to_native() as usize;
        let end = csr.offsets[p.index() + 1].to_native() as usize;
        csr.groups[start..end]
            .iter()
            .map(|g| GroupId::from_raw(g.to_native()))
    }

    /// The groups of the principal with this OCID; `None` if it is not indexed.
    pub fn groups_of_ocid(&self, ocid: &str) -> Option<Vec<GroupId>> {
        Some(self.groups_of(self.principal_id(ocid)?).collect())
    }

    /// A tenancy's OCID. Panics if `t` is not a tenancy of this snapshot.
    pub fn tenancy_ocid(&self, t: TenancyId) -> &str {
        self.string(self.get::<TenanciesSection>()[t.index()].to_native())
    }

    /// The ordinal of a tenancy.
    pub fn tenancy_id(&self, ocid: &str) -> Option<TenancyId> {
        let tenancies = self.get::<TenanciesSection>();
        (0..tenancies.len() as u32)
            .map(TenancyId::from_raw)
            .find(|&t| self.tenancy_ocid(t) == ocid)
    }

    fn group_row(&self, g: GroupId) -> &ArchivedGroupRow {
        &self.get::<GroupsSection>()[g.index()]
    }

    /// A group's definition. Panics if `g` is not a group of this snapshot.
    pub fn group(&self, g: GroupId) -> GroupRef<'_> {
        let row = self.group_row(g);
        GroupRef {
            ordinal: g,
            id: row.id.as_str(),
            name: row.name.as_str(),
            description: row.description.as_str(),
            matching_rule: row.matching_rule.as_str(),
            tenancy_id: self.tenancy_ocid(self.group_tenancy(g)),
        }
    }

    /// The tenancy of a group. Panics if `g` is not a group of this snapshot.
    pub fn group_tenancy(&self, g: GroupId) -> TenancyId {
        TenancyId::from_raw(self.group_row(g).tenancy.to_native())
    }

    /// Every group id, ascending.
    pub fn group_ids(&self) -> impl ExactSizeIterator<Item = GroupId> + use<> {
        (0..self.group_count() as u32).map(GroupId::from_raw)
    }

    /// The group of a tenancy with this name, compared ASCII case-insensitively.
    pub fn group_id(&self, tenancy_ocid: &str, name: &str) -> Option<GroupId> {
        let t = self.tenancy_id(tenancy_ocid)?;
        self.group_ids().find(|&g| {
            let row = self.group_row(g);
            row.tenancy.to_native() == t.raw() && row.name.as_str().eq_ignore_ascii_case(name)
        })
    }

    /// Every group with this name (ASCII case-insensitively), in any tenancy.
    pub fn groups_named(&self, name: &str) -> Vec<GroupId> {
        self.group_ids()
            .filter(|&g| self.group_row(g).name.as_str().eq_ignore_ascii_case(name))
            .collect()
    }

    /// A group's members, decoded from the `members` section with roaring's checked
    /// loader. Panics if `g` is not a group of this snapshot.
    pub fn members(&self, g: GroupId) -> Result<RoaringBitmap, Error> {
        assert!(g.index() < self.group_count(), "group {g:?} out of range");
        let members = self.bitmap_list(Kind::Members).get(g.index())?;
        if members
            .max()
            .is_some_and(|p| p as usize >= self.principal_count())
        {
            return Err(Error::section(
                Kind::Members.name(),
                format!("group {} has a member past the last principal", g.raw()),
            ));
        }
        Ok(members)
    }

    /// The OCIDs of a group's members, in ordinal order.
    pub fn member_ocids(&self, g: GroupId) -> Result<Vec<&str>, Error> {
        let n = self.principal_count();
        self.members(g)?
            .iter()
            .map(|p| {
                if (p as usize) < n {
                    Ok(self.principal_ocid(PrincipalId::from_raw(p)))
                } else {
                    Err(Error::section(
                        Kind::Members.name(),
                        format!("group {} has a member past the last principal", g.raw()),
                    ))
                }
            })
            .collect()
    }
}
