//! Evaluated memberships: group → members and principal → groups.

use crate::ids::{GroupId, PrincipalId};
use crate::index::Index;
use rayon::prelude::*;
use roaring::RoaringBitmap;
use smallvec::SmallVec;

/// The groups of one principal, ascending. Five inline slots: OCI allows at most five
/// groups per principal, so the common case never allocates.
pub type GroupList = SmallVec<[GroupId; 5]>;

/// Principals per transpose task: one roaring container's worth, so each task reads
/// about one container of each group bitmap it touches.
const TRANSPOSE_CHUNK: usize = 1 << 16;

/// Every group's members and every principal's groups, for one [`Index`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memberships {
    groups: Vec<RoaringBitmap>,
    principals: Vec<GroupList>,
}

impl Memberships {
    /// Wraps group bitmaps (indexed by [`GroupId`]) and fills the principal → groups
    /// map by transposing them, in parallel over chunks of principals when `parallel`.
    ///
    /// Because a tenancy is a contiguous range of ordinals, a chunk of principals only
    /// needs the groups of the few tenancies it overlaps.
    ///
    /// # Panics
    ///
    /// If `groups` does not hold exactly one bitmap per group of `index`.
    pub fn from_group_bitmaps(
        index: &Index,
        groups: Vec<RoaringBitmap>,
        parallel: bool,
    ) -> Memberships {
        assert_eq!(groups.len(), index.group_count(), "one bitmap per group");
        let mut principals = vec![GroupList::new(); index.principal_count()];
        let fill = |(chunk_no, chunk): (usize, &mut [GroupList])| {
            let lo = (chunk_no * TRANSPOSE_CHUNK) as u32;
            let hi = lo + chunk.len() as u32;
            let first = index.tenancy_of(PrincipalId(lo));
            let last = index.tenancy_of(PrincipalId(hi - 1));
            // Tenancy ordinals ascend with principal ordinals; tenancies in between with
            // no principals have only empty groups.
            for t in first.0..=last.0 {
                for &g in index.tenancy_groups(crate::TenancyId(t)) {
                    for p in groups[g.index()].range(lo..hi) {
                        chunk[(p - lo) as usize].push(g);
                    }
                }
            }
        };
        if parallel {
            principals
                .par_chunks_mut(TRANSPOSE_CHUNK)
                .enumerate()
                .for_each(fill);
        } else {
            principals
                .chunks_mut(TRANSPOSE_CHUNK)
                .enumerate()
                .for_each(fill);
        }
        Memberships { groups, principals }
    }

    /// The members of a group.
    pub fn members(&self, g: GroupId) -> &RoaringBitmap {
        &self.groups[g.index()]
    }

    /// The groups of a principal, ascending.
    pub fn groups_of(&self, p: PrincipalId) -> &[GroupId] {
        &self.principals[p.index()]
    }

    /// Every group's members, indexed by [`GroupId`].
    pub fn group_bitmaps(&self) -> &[RoaringBitmap] {
        &self.groups
    }

    /// Every principal's groups, indexed by [`PrincipalId`].
    pub fn principal_groups(&self) -> &[GroupList] {
        &self.principals
    }

    /// The groups of the principal with this OCID; `None` if it is not indexed
    /// (unknown, terminated).
    pub fn groups_of_ocid(&self, index: &Index, ocid: &str) -> Option<&[GroupId]> {
        Some(self.groups_of(index.principal_id(ocid)?))
    }

    /// The members of the group of `tenancy_ocid` named `name` (any case).
    pub fn members_of_named(
        &self,
        index: &Index,
        tenancy_ocid: &str,
        name: &str,
    ) -> Option<&RoaringBitmap> {
        Some(self.members(index.group_id(tenancy_ocid, name)?))
    }

    /// The OCIDs of a group's members, in ordinal order.
    pub fn member_ocids<'a>(
        &'a self,
        index: &'a Index,
        g: GroupId,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.members(g)
            .iter()
            .map(|p| index.principal_ocid(PrincipalId(p)))
    }
}
