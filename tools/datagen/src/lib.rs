//! Seeded synthetic OCI fleets and dynamic groups for dyngroup's tests and benchmarks.
//!
//! [`generate`] writes an inventory (one principal per JSON line, fields as the OCI
//! CLI prints them) and a dynamic-group list (records shaped like
//! `oci iam dynamic-group list`) for a [`Params`]: how many principals over how many
//! tenancies. [`generate_with_policies`] also writes each tenancy's compartment tree
//! and IAM policies ([`policies`]), leaving the other two files byte for byte the same.
//! The same seed gives the same bytes, on any platform.
//!
//! This crate depends on no dyngroup crate, so an engine bug cannot shape its data.
//!
//! ```
//! use datagen::{Params, generate};
//!
//! let params = Params { principals: 300, tenancies: 10, over_limit_tenancies: 1 };
//! let (mut inventory, mut groups) = (Vec::new(), Vec::new());
//! let summary = generate(&params, 42, &mut inventory, &mut groups).unwrap();
//! assert_eq!(summary.principals, 300);
//! assert_eq!(inventory.iter().filter(|&&b| b == b'\n').count(), 300);
//! ```
//!
//! How it works: tenancy sizes come from a Zipf plan ([`plan`]). Each tenancy is set
//! up from its own PRNG stream ([`fleet`]); a window of a few tenancies writes
//! principals interleaved (as a merged export of a region would be, so the engine
//! cannot rely on input order), and when a tenancy is done its groups are written from
//! what it turned out to contain ([`shapes`], [`groups`]). Only the window's
//! tenancies are in memory, so a 10M-principal profile streams.
#![deny(missing_docs)]

pub use plan::{Params, Profile};

pub mod fleet;
pub mod groups;
pub mod json;
pub mod ocid;
pub mod plan;
pub mod policies;
pub mod rng;
pub mod rules;
pub mod shapes;
pub mod tags;
pub mod vocab;
pub mod zipf;

use std::io::{self, Write};

use fleet::{Observed, Tenancy};
use groups::GroupCounts;
use rng::Rng;
use shapes::{RefCounts, World};

/// Tenancies writing principals at the same time.
const WINDOW: usize = 8;
/// Instance ids of each tenancy offered to the others as "foreign" OCIDs.
const FOREIGN_PER_TENANCY: usize = 2;
/// Cap on the foreign pool.
const FOREIGN_MAX: usize = 4096;

/// What was generated.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Principals written.
    pub principals: u64,
    /// Of which TERMINATED or TERMINATING.
    pub terminated: u64,
    /// Tenancies.
    pub tenancies: u32,
    /// Dynamic groups written.
    pub groups: u64,
    /// Tenancies with more than 50 groups.
    pub over_limit_tenancies: u32,
    /// Groups whose rule uses the legacy unquoted value form.
    pub legacy_rules: u64,
    /// Groups listing hundreds of instance ids.
    pub long_lists: u64,
    /// Stale and foreign OCIDs named by rules.
    pub refs: RefCounts,
    /// Principals of the largest tenancy.
    pub largest_tenancy: u64,
    /// Compartments, policies and statements (with [`generate_with_policies`]).
    pub policies: policies::PolicyCounts,
}

struct Active {
    tenancy: Tenancy,
    rng: Rng,
    left: u64,
    obs: Observed,
}

/// Writes the inventory and the groups of `params` under `seed`.
pub fn generate(
    params: &Params,
    seed: u64,
    inventory: impl Write,
    groups_out: impl Write,
) -> io::Result<Summary> {
    generate_inner(
        params,
        seed,
        inventory,
        groups_out,
        None::<(io::Sink, io::Sink)>,
    )
}

/// [`generate`], and each tenancy's compartment tree to `compartments` and its
/// policies to `policies` (one `{"data": [...]}` document per tenancy, as `oci iam
/// compartment list` and `oci iam policy list` print them).
pub fn generate_with_policies(
    params: &Params,
    seed: u64,
    inventory: impl Write,
    groups_out: impl Write,
    compartments: impl Write,
    policies: impl Write,
) -> io::Result<Summary> {
    generate_inner(
        params,
        seed,
        inventory,
        groups_out,
        Some((compartments, policies)),
    )
}

fn generate_inner<C: Write, P: Write>(
    params: &Params,
    seed: u64,
    mut inventory: impl Write,
    mut groups_out: impl Write,
    mut policy_out: Option<(C, P)>,
) -> io::Result<Summary> {
    let mut policy_counts = policies::PolicyCounts::default();
    let (mut compartment_buf, mut policy_buf) = (Vec::new(), Vec::new());
    let mut group_names = Vec::new();
    let mut master = Rng::stream(seed, &[0x6d61_7374]);
    let sizes = plan::tenancy_sizes(params.principals, params.tenancies, &mut master);
    let group_counts = plan::group_counts(&sizes, params.over_limit_tenancies, &mut master);
    // Tenancies start in random order, so the largest is not always first.
    let mut order: Vec<u32> = (0..params.tenancies).collect();
    master.shuffle(&mut order);
    let mut next = order.into_iter();

    let mut summary = Summary {
        tenancies: params.tenancies,
        over_limit_tenancies: group_counts
            .iter()
            .filter(|&&c| c > plan::GROUP_LIMIT)
            .count() as u32,
        largest_tenancy: sizes.iter().copied().max().unwrap_or(0),
        ..Summary::default()
    };
    let mut counts = GroupCounts::default();
    let mut foreign: Vec<(u32, String)> = Vec::new();
    let mut active: Vec<Active> = Vec::with_capacity(WINDOW);
    let mut left_in_window = 0u64;
    let mut line = Vec::with_capacity(1024);
    let mut group_buf = Vec::new();

    loop {
        while active.len() < WINDOW {
            let Some(t) = next.next() else { break };
            let size = sizes[t as usize];
            let tenancy = Tenancy::new(seed, t, size);
            let obs = tenancy.observed();
            let rng = Rng::stream(seed, &[0x7072_696e, u64::from(t)]);
            active.push(Active {
                tenancy,
                rng,
                left: size,
                obs,
            });
            left_in_window += size;
        }
        if active.is_empty() {
            break;
        }
        // Pick the tenancy of the next line in proportion to what each has left, so
        // the window's tenancies are spread evenly over their stretch of the file.
        let mut r = master.below(left_in_window);
        let i = active
            .iter()
            .position(|a| {
                if r < a.left {
                    true
                } else {
                    r -= a.left;
                    false
                }
            })
            .expect("r < left_in_window");
        let a = &mut active[i];
        line.clear();
        let instances_before = a.obs.instance_ids.len();
        a.tenancy.write_principal(&mut a.rng, &mut a.obs, &mut line);
        inventory.write_all(&line)?;
        a.left -= 1;
        left_in_window -= 1;
        summary.principals += 1;
        if a.obs.instance_ids.len() > instances_before
            && instances_before < FOREIGN_PER_TENANCY
            && foreign.len() < FOREIGN_MAX
        {
            foreign.push((
                a.tenancy.index,
                a.obs.instance_ids[instances_before].clone(),
            ));
        }

        if a.left == 0 {
            let done = active.remove(i);
            summary.terminated += done.obs.terminated;
            let world = World {
                seed,
                sizes: &sizes,
                foreign_instances: &foreign,
            };
            group_buf.clear();
            group_names.clear();
            let count = group_counts[done.tenancy.index as usize];
            groups::write_groups(
                &world,
                &done.tenancy,
                &done.obs,
                count,
                &mut group_buf,
                &mut counts,
                &mut group_names,
            );
            groups_out.write_all(&group_buf)?;
            if let Some((compartments, policies)) = &mut policy_out {
                compartment_buf.clear();
                policy_buf.clear();
                policies::write_tenancy(
                    seed,
                    &done.tenancy,
                    &group_names,
                    &mut compartment_buf,
                    &mut policy_buf,
                    &mut policy_counts,
                );
                compartments.write_all(&compartment_buf)?;
                policies.write_all(&policy_buf)?;
            }
        }
    }
    inventory.flush()?;
    groups_out.flush()?;
    if let Some((compartments, policies)) = &mut policy_out {
        compartments.flush()?;
        policies.flush()?;
    }
    summary.policies = policy_counts;
    summary.groups = counts.groups;
    summary.legacy_rules = counts.legacy;
    summary.long_lists = counts.long_lists;
    summary.refs = counts.refs;
    Ok(summary)
}
