//! A tenancy's dynamic groups: names, descriptions, rules, written as
//! `oci iam dynamic-group list` records.

use std::collections::HashSet;

use crate::fleet::{Observed, Tenancy};
use crate::json::Obj;
use crate::ocid;
use crate::plan;
use crate::rng::Rng;
use crate::rules::{self, Style};
use crate::shapes::{Picker, RefCounts, Shape, World};
use crate::vocab::{self, title};

/// Longest group name OCI accepts.
pub const NAME_MAX: usize = 100;
/// Longest description OCI accepts.
pub const DESCRIPTION_MAX: usize = 400;

/// Counters over the groups written.
#[derive(Clone, Copy, Debug, Default)]
pub struct GroupCounts {
    /// Groups written.
    pub groups: u64,
    /// Rules with a legacy unquoted value.
    pub legacy: u64,
    /// Rules listing hundreds of instance ids.
    pub long_lists: u64,
    /// Stale and foreign OCIDs named by rules.
    pub refs: RefCounts,
}

/// Writes `count` groups of tenancy `t` as JSON lines to `out`, and their (OCID,
/// name) to `written`.
pub fn write_groups(
    world: &World<'_>,
    t: &Tenancy,
    obs: &Observed,
    count: u32,
    out: &mut Vec<u8>,
    counts: &mut GroupCounts,
    written: &mut Vec<(String, String)>,
) {
    let rng = Rng::stream(world.seed, &[0x6772_7073, u64::from(t.index)]);
    let mut p = Picker::new(world, t, obs, rng);

    // Hundreds-of-ids lists: the largest tenancy always has one (so even the sample
    // does), other big tenancies sometimes.
    let instances = obs.instance_ids.len();
    let mut long_lists = match instances {
        0..100 => 0,
        _ if t.index == 0 => 1,
        100..300 => 0,
        _ => u32::from(p.rng.per_mille(350)) + u32::from(t.size >= 5000 && p.rng.per_mille(300)),
    };
    // Tenancies past the limit got there by not cleaning up: most of their extra
    // groups name compartments and instances deleted long ago.
    let mut abandoned = count.saturating_sub(plan::natural_group_count(t.size)) * 7 / 10;
    long_lists = long_lists.min(count - abandoned);

    let mut names: HashSet<String> = HashSet::new();
    for g in 0..count {
        // Choosing k of the n remaining slots with probability k/n each time spreads
        // the special groups uniformly over the tenancy's list.
        let left = u64::from(count - g);
        let r = p.rng.below(left);
        p.abandoned = r < u64::from(abandoned);
        let shape = if p.abandoned {
            abandoned -= 1;
            p.abandoned_shape()
        } else if r < u64::from(abandoned + long_lists) {
            long_lists -= 1;
            Shape::LongList
        } else if p.rng.per_mille(5) {
            Shape::Legacy
        } else {
            p.shape()
        };
        let rule = match p.rule(shape) {
            Some(rule) => rule,
            None => {
                let fallback = p.shape();
                p.rule(fallback)
                    .expect("ordinary shapes always produce a rule")
            }
        };
        counts.legacy += u64::from(rule.is_legacy());
        counts.long_lists += u64::from(shape == Shape::LongList);
        let text = rules::print(&rule, Style::random(&mut p.rng));

        let name = unique_name(&mut p.rng, t, &mut names);
        let description = description(&mut p.rng, t);
        let id = ocid::dynamic_group(world.seed, t.index, g);
        let mut o = Obj::new(out);
        o.string("id", &id);
        o.string("name", &name);
        o.string("description", &description);
        o.string("matching-rule", &text);
        o.string("compartment-id", &t.ocid);
        o.string("lifecycle-state", "ACTIVE");
        o.end();
        out.push(b'\n');
        counts.groups += 1;
        written.push((id, name));
    }
    counts.refs.stale += p.refs.stale;
    counts.refs.foreign += p.refs.foreign;
}

/// A name unique in the tenancy case-insensitively (OCI's rule), `[A-Za-z0-9._-]`.
fn unique_name(rng: &mut Rng, t: &Tenancy, taken: &mut HashSet<String>) -> String {
    let base = name(rng, t);
    let mut candidate = base.clone();
    let mut n = 2;
    while !taken.insert(candidate.to_ascii_lowercase()) {
        let suffix = format!("-{n}");
        let keep = base.len().min(NAME_MAX - suffix.len());
        candidate = format!("{}{suffix}", &base[..keep]);
        n += 1;
    }
    candidate
}

fn name(rng: &mut Rng, t: &Tenancy) -> String {
    let app = *rng.pick(&t.apps);
    let env = *rng.pick(&vocab::ENVS[..6]);
    let tier = *rng.pick(vocab::TIERS);
    let name = match rng.below(13) {
        0 => format!("{app}-{env}-instances"),
        1 => format!("{app}_{tier}_dg"),
        2 => format!("DG-{}-{}", title(app), title(env)),
        3 => format!("{app}-functions"),
        4 => format!("oke-{app}-nodes"),
        5 => format!("{}.{app}.{env}", t.org),
        6 => format!("InstancePrincipal{}{}", title(app), title(tier)),
        7 => format!("ds-{}-notebooks", rng.pick(&t.people).replace('.', "-")),
        8 => format!("vault-readers-{env}"),
        // Terraform modules often add a random suffix.
        9 => format!("tf-{app}-{:06x}", rng.below(1 << 24)),
        10 => format!("{app}-devops-pipelines"),
        11 => format!("{}ApiGateways", title(app)),
        _ => format!("{}-{app}-{env}-{tier}", t.org),
    };
    if rng.per_mille(5) {
        // Now and then a name at OCI's length limit.
        let mut long = format!("{name}-dynamic-group-for-the-{app}-{env}-{tier}-workloads-");
        while long.len() < NAME_MAX {
            long.push_str(app);
            long.push('.');
        }
        long.truncate(NAME_MAX);
        return long;
    }
    name
}

fn description(rng: &mut Rng, t: &Tenancy) -> String {
    let app = *rng.pick(&t.apps);
    let env = *rng.pick(&vocab::ENVS[..6]);
    let text = match rng.weighted(&[5, 15, 10, 15, 8, 8, 8, 10, 10, 2]) {
        0 => String::new(),
        1 => format!("Instances in the {app} {env} compartment"),
        2 => format!("{} functions that read secrets from the vault", title(app)),
        3 => "Managed by Terraform".to_owned(),
        4 => format!("Nodes of the OKE cluster for {app}"),
        5 => format!("Data science notebook sessions of the {app} team"),
        6 => format!("DevOps build and deploy pipelines for {app}"),
        7 => format!("Allows {app} hosts to call Object Storage in {env}"),
        8 => format!(
            "Created by {} for OPS-{}",
            rng.pick(&t.people),
            rng.range(100, 9999)
        ),
        _ => {
            // A long one, up to OCI's 400-character limit.
            let mut long = String::new();
            while long.len() < DESCRIPTION_MAX - 100 {
                long.push_str(&format!(
                    "Grants the {app} {env} workloads access to buckets, secrets and streams. "
                ));
            }
            long.trim_end().to_owned()
        }
    };
    debug_assert!(text.len() <= DESCRIPTION_MAX);
    text
}
