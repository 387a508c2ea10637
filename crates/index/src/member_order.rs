//! The one order in which a group's members are written out.

use rayon::prelude::*;

use crate::ids::{GroupId, PrincipalId, TenancyId};
use crate::index::Index;
use crate::memberships::Memberships;

#[derive(Debug)]
/// The order members are written in: by compartment OCID, and within a compartment in
/// ordinal order, which is input order (the index clusters ordinals by tenancy, then
/// compartment, then input position). Unlike the ordinals themselves, it does not
/// depend on the other tenancies of the run, so the lines of `--shard` runs are the
/// whole run's lines. `query` writes a group's members in the same order.
pub struct MemberOrder {
    /// Per ordinal: its compartment's rank among its tenancy's compartments by OCID.
    compartment_rank: Vec<u32>,
}

impl MemberOrder {
    /// The order of `index`'s principals (computed once per run, in parallel over tenancies).
    pub fn new(index: &Index) -> MemberOrder {
        let per_tenancy: Vec<Vec<u32>> = (0..index.tenancy_count() as u32)
            .into_par_iter()
            .map(|t| {
                let ordinals = index.tenancy_principals(TenancyId(t));
                let compartments: Vec<&str> = ordinals
                    .iter()
                    .map(|p| index.principal(PrincipalId(p)).compartment_id)
                    .collect();
                let mut sorted = compartments.clone();
                sorted.sort_unstable();
                sorted.dedup();
                compartments
                    .iter()
                    .map(|c| sorted.binary_search(c).expect("collected above") as u32)
                    .collect()
            })
            .collect();
        // A tenancy's ordinals are one contiguous range, tenancies in ascending order.
        let mut compartment_rank = vec![0; index.principal_count()];
        for (t, ranks) in per_tenancy.iter().enumerate() {
            let ordinals = index.tenancy_principals(TenancyId(t as u32));
            for (p, &rank) in ordinals.iter().zip(ranks) {
                compartment_rank[p as usize] = rank;
            }
        }
        MemberOrder { compartment_rank }
    }

    /// A group's members, in this order.
    pub fn members<'a>(
        &self,
        index: &'a Index,
        memberships: &Memberships,
        g: GroupId,
    ) -> Vec<&'a str> {
        let mut members: Vec<u32> = memberships.group_bitmaps()[g.index()].iter().collect();
        // Stable, and linear when the compartments already come in order.
        members.sort_by_key(|&p| self.compartment_rank[p as usize]);
        members
            .into_iter()
            .map(|p| index.principal_ocid(PrincipalId(p)))
            .collect()
    }
}
