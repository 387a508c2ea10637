//! The in-process engines: dyngroup's index (build, evaluate, transpose, end to end
//! from files) and the naive reference evaluator, each returning per-group member
//! counts so the engines can be checked against each other.

use std::path::Path;

use dyngroup_index::{
    DynamicGroup, EvalOptions, GroupId, Index, IndexBuilder, MemberOrder, Memberships, Principal,
    reference,
};
use dyngroup_io::{
    AtomicFile, Format, GroupMembersRecord, InventoryReader, ReadOptions, read_groups,
    read_inventory, write_group_members_parallel,
};
use roaring::RoaringBitmap;

use crate::data::DataFiles;

/// Principals and groups in memory, the same for every engine.
///
/// `groups` holds only the groups the index accepts (a group refused for an invalid
/// or duplicate name is in no engine's list), so group `i` of every engine is
/// [`GroupId`] `i` of the index.
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    /// Every principal read, terminated ones included (the engines skip those).
    pub principals: Vec<Principal>,
    /// The groups, in input order.
    pub groups: Vec<DynamicGroup>,
}

impl Fleet {
    /// A fleet of these principals and of the groups the index would accept.
    pub fn new(principals: Vec<Principal>, groups: Vec<DynamicGroup>) -> Fleet {
        Fleet {
            principals,
            groups: accepted_groups(groups),
        }
    }

    /// Reads a fleet from JSONL files as the `dyngroup` CLI does (default options).
    pub fn read(files: &DataFiles) -> Result<Fleet, String> {
        let options = ReadOptions::default();
        let inventory = read_inventory([&files.inventory], &options).map_err(|e| e.to_string())?;
        let groups = read_groups([&files.groups], &options).map_err(|e| e.to_string())?;
        report_rejected("inventory", inventory.rejected());
        report_rejected("groups", groups.rejected());
        Ok(Fleet::new(inventory.into_parts().0, groups.into_parts().0))
    }
}

fn report_rejected(what: &str, rejected: usize) {
    if rejected > 0 {
        eprintln!("compare: note: {rejected} {what} records rejected by the reader");
    }
}

/// The groups an [`IndexBuilder`] accepts, in order.
fn accepted_groups(groups: Vec<DynamicGroup>) -> Vec<DynamicGroup> {
    let mut builder = IndexBuilder::new();
    let mut accepted = Vec::with_capacity(groups.len());
    for group in groups {
        if builder.add_group(group.clone()).is_ok() {
            accepted.push(group);
        }
    }
    accepted
}

/// Builds the index over the whole fleet.
pub fn build(fleet: &Fleet) -> Index {
    let mut builder = IndexBuilder::new();
    builder.add_principals(&fleet.principals);
    for group in &fleet.groups {
        builder
            .add_group(group.clone())
            .expect("the fleet holds only accepted groups");
    }
    builder.build()
}

/// Every group's members, with rayon (`parallel`) or on the calling thread.
pub fn evaluate(index: &Index, parallel: bool) -> Vec<RoaringBitmap> {
    let options = if parallel {
        EvalOptions::parallel()
    } else {
        EvalOptions::sequential()
    };
    index.evaluate_groups(&options)
}

/// Group bitmaps → principal → groups (the reverse map).
pub fn transpose(index: &Index, groups: Vec<RoaringBitmap>, parallel: bool) -> Memberships {
    Memberships::from_group_bitmaps(index, groups, parallel)
}

/// The naive reference evaluator, on one thread or with rayon.
pub fn naive(fleet: &Fleet, parallel: bool) -> reference::ReferenceMemberships {
    if parallel {
        reference::evaluate_parallel(&fleet.principals, &fleet.groups)
    } else {
        reference::evaluate(&fleet.principals, &fleet.groups)
    }
}

/// Member counts per group from bitmaps.
pub fn bitmap_counts(groups: &[RoaringBitmap]) -> Vec<u64> {
    groups.iter().map(RoaringBitmap::len).collect()
}

/// Member counts per group from the reference evaluator.
pub fn reference_counts(memberships: &reference::ReferenceMemberships) -> Vec<u64> {
    memberships.members.iter().map(|m| m.len() as u64).collect()
}

/// Whether the reverse map holds exactly as many (principal, group) pairs as the
/// group bitmaps.
pub fn transpose_consistent(memberships: &Memberships) -> bool {
    let by_group: u64 = memberships.group_bitmaps().iter().map(|b| b.len()).sum();
    let by_principal: u64 = memberships
        .principal_groups()
        .iter()
        .map(|g| g.len() as u64)
        .sum();
    by_group == by_principal
}

/// What one end-to-end run produced; dropped by the caller outside the timed region.
#[derive(Debug)]
pub struct EndToEnd {
    /// Member counts per accepted group, in input order.
    pub counts: Vec<u64>,
    /// Kept only so that freeing it is not timed.
    pub index: Index,
    /// Kept only so that freeing it is not timed.
    pub memberships: Memberships,
}

/// What `dyngroup compute --inventory I --groups G --out OUT` does, in process: read
/// the inventory streaming each chunk's principals into the index builder while the
/// next chunk is parsed, read the groups, build the index, evaluate every group
/// (parallel, with the reverse map), and write one JSON line per group with its
/// members (in the CLI's member order, formatted in parallel) to `out` atomically
/// (temp file, fsync, rename). The limits report and progress lines of the CLI are
/// left out.
pub fn end_to_end(files: &DataFiles, out: &Path) -> Result<EndToEnd, String> {
    let options = ReadOptions::default();
    let mut builder = IndexBuilder::new().parse_options(options.rule_options());
    // Sized from the input, as the CLI does.
    if let Ok(meta) = std::fs::metadata(&files.inventory) {
        builder.reserve(dyngroup_io::records_in(meta.len()));
    }
    let mut inventory = InventoryReader::new(options.clone());
    inventory
        .stream_path(&files.inventory, &mut |batch| builder.add_principals(batch))
        .map_err(|e| e.to_string())?;
    let groups = read_groups([&files.groups], &options).map_err(|e| e.to_string())?;
    for group in groups.into_parts().0 {
        // A refused group (invalid or duplicate name) is left out, as the CLI does.
        let _ = builder.add_group(group);
    }
    let index = builder.build();
    let memberships = index.evaluate();

    let failed = |e: std::io::Error| format!("{}: {e}", out.display());
    let file = AtomicFile::create(out).map_err(|e| e.to_string())?;
    let order = MemberOrder::new(&index);
    let groups: Vec<GroupId> = index.group_ids().collect();
    write_group_members_parallel(file, Format::Jsonl, groups.len(), |i| {
        let group = index.group(groups[i]);
        GroupMembersRecord {
            tenancy_id: &group.tenancy_id,
            group_id: &group.id,
            name: &group.name,
            members: order.members(&index, &memberships, groups[i]),
        }
    })
    .map_err(failed)?
    .commit()
    .map_err(|e| e.to_string())?;
    Ok(EndToEnd {
        counts: bitmap_counts(memberships.group_bitmaps()),
        index,
        memberships,
    })
}
