//! `dyngroup apply`: a changes file applied to a snapshot, incrementally.
//!
//! 1. The snapshot is opened and deep-verified (a damaged or crafted one stops the
//!    command: exit code 2), and a live [`Engine`] is made from the index it holds
//!    ([`Engine::from_evaluated`]): no inventory is replayed, no rule evaluated
//!    principal by principal.
//! 2. The changes are applied in file order with one [`Engine::apply`]: a change the
//!    engine refuses (a taken name, the tenancy's group limit, a rule that does not
//!    parse, a delete of a group with members without `force`, an unknown group…) is
//!    reported as `file:line: error: message` and skipped; the others apply. Lines
//!    that could not be read were already reported and skipped.
//! 3. The engine's new version is checkpointed atomically (to `--out`, or over
//!    `--snapshot`), with the compartment tree and policies the snapshot held
//!    ([`dyngroup_snapshot::checkpoint_with_policies`]).
//! 4. The engine's delta is printed as JSON Lines in `dyngroup diff --json`'s record
//!    shape and order, so `apply` prints what `diff OLD NEW --json` would.
//!
//! The snapshot is written before the delta is printed: a delta on stdout always
//! describes a snapshot that is on disk.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::sync::Arc;

use dyngroup_index::engine::{Engine, EngineOptions, GroupDelta};
use dyngroup_index::{DynamicGroup, Limits};
use dyngroup_io::{ReadOptions, Severity, read_changes};
use serde_json::json;

use crate::args::ApplyArgs;
use crate::input::print_problems;
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &ApplyArgs) -> Result<Outcome, Fatal> {
    let snapshot = crate::snapshot_cmds::open_snapshot(&args.snapshot)?;
    if let Some(out) = &args.out {
        crate::snapshot_cmds::not_a_directory(out)?;
    }
    let (index, memberships) = snapshot.verified_index()?;
    // The rules already in the snapshot keep the options they were written under;
    // `--strict` applies to the changes.
    let mut parse = snapshot.parse_options();
    parse.strict |= args.strict;
    let groups = snapshot.groups();
    // The engine holds no policies: the checkpoint carries the file's over.
    let policies = snapshot.policy_inputs();
    drop(snapshot);

    let read_options = ReadOptions {
        tenancy: args.tenancy.clone(),
        strict: parse.strict,
        max_rule_depth: parse.max_depth,
        ..ReadOptions::default()
    };
    let changes = read_changes(&args.changes, &read_options)?;
    print_problems(&changes.problems);
    let mut rejected = changes
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error);

    // The limit is per tenancy: a tenancy already past it (compute reports it but
    // keeps its groups) keeps them all and gets no new one.
    let options = EngineOptions {
        limits: Limits {
            max_groups_per_tenancy: args.max_groups_per_tenancy,
            ..Limits::default()
        },
        parse,
    };
    let mut engine = Engine::from_evaluated(&index, &memberships, options);
    drop((index, memberships));

    let applied = engine.apply(changes.changes.iter().map(|c| c.change.clone()));
    for r in &applied.refused {
        eprintln!(
            "{}:{}: error: {}",
            changes.file, changes.changes[r.index].line, r.error
        );
        rejected = true;
    }

    let out = args.out.as_ref().unwrap_or(&args.snapshot);
    dyngroup_snapshot::checkpoint_with_policies(&engine.snapshot(), out, policies.as_ref())?;

    // The groups of the new snapshot, in its order (the checkpoint's: engine ids).
    let now = engine.snapshot();
    let mut infos = now.groups();
    infos.sort_unstable_by_key(|g| g.engine_id());
    let new_groups: Vec<DynamicGroup> = infos
        .iter()
        .map(|g| DynamicGroup {
            domain: None,
            id: g.id().to_owned(),
            name: g.name().to_owned(),
            description: g.description().to_owned(),
            matching_rule: g.matching_rule().to_owned(),
            tenancy_id: g.tenancy_id().to_owned(),
        })
        .collect();

    // The delta, as `diff OLD NEW --json` prints it: groups of the new snapshot in its
    // order, then the deleted ones in the old order.
    let old_rules: HashMap<&str, &str> = groups
        .iter()
        .map(|g| (g.id.as_str(), g.matching_rule.as_str()))
        .collect();
    let new_rules: HashMap<&str, &str> = new_groups
        .iter()
        .map(|g| (g.id.as_str(), g.matching_rule.as_str()))
        .collect();
    let order: HashMap<&str, usize> = new_groups
        .iter()
        .chain(
            groups
                .iter()
                .filter(|g| !new_rules.contains_key(g.id.as_str())),
        )
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut records: Vec<(usize, serde_json::Value)> = Vec::new();
    let (mut joins, mut leaves) = (0, 0);
    for d in &applied.delta.groups {
        let before = old_rules.get(&*d.group_id);
        let after = new_rules.get(&*d.group_id);
        let (change, rule_changed) = match (before, after) {
            (None, Some(_)) => ("created", false),
            (Some(_), None) => ("deleted", false),
            (Some(old), Some(new)) => ("updated", old != new),
            (None, None) => continue,
        };
        let (joined, left) = (sorted(&d.joined), sorted(&d.left));
        if change == "updated" && joined.is_empty() && left.is_empty() && !rule_changed {
            continue;
        }
        joins += joined.len();
        leaves += left.len();
        records.push((
            order.get(&*d.group_id).copied().unwrap_or(usize::MAX),
            record(d, change, rule_changed, joined, left),
        ));
    }
    records.sort_by_key(|(i, _)| *i);
    let stdout = std::io::stdout();
    let mut stdout = BufWriter::new(stdout.lock());
    for (_, r) in &records {
        writeln!(stdout, "{r}")?;
    }
    stdout.flush()?;
    eprintln!(
        "dyngroup: {} of {} changes applied ({} lines unreadable, {} changes refused); \
         {} groups changed: {joins} joins, {leaves} leaves; wrote {}",
        changes.changes.len() - applied.refused.len(),
        changes.changes.len() + changes.rejected(),
        changes.rejected(),
        applied.refused.len(),
        records.len(),
        out.display()
    );
    Ok(if rejected {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}

fn sorted(ids: &[Arc<str>]) -> Vec<&str> {
    let mut v: Vec<&str> = ids.iter().map(|p| &**p).collect();
    v.sort_unstable();
    v
}

fn record(
    d: &GroupDelta,
    change: &str,
    rule_changed: bool,
    joined: Vec<&str>,
    left: Vec<&str>,
) -> serde_json::Value {
    json!({
        "tenancy-id": &*d.tenancy_id,
        "group-id": &*d.group_id,
        "name": &*d.name,
        "change": change,
        "rule-changed": rule_changed,
        "joined": joined,
        "left": left,
    })
}
