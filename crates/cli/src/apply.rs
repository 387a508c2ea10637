//! `dyngroup apply`: a changes file applied to a snapshot, incrementally.
//!
//! 1. The snapshot is opened (a damaged one stops the command: exit code 2) and its
//!    principals and groups are taken back out of it
//!    ([`Snapshot::principals`](dyngroup_snapshot::Snapshot::principals): tag
//!    namespaces and keys come back lower-cased, which every rule treats alike).
//! 2. An [`Engine`] is built from them and the changes are applied in file order with
//!    one [`Engine::apply`]: a change the engine refuses (a taken name, the tenancy's
//!    group limit, a delete of a group with members without `force`, an unknown
//!    group…) is reported as `file:line: error: message` and skipped; the others apply.
//!    Lines that could not be read were already reported and skipped.
//! 3. The updated snapshot is written atomically (to `--out`, or over `--snapshot`):
//!    the reconstructed principals and groups with the accepted changes applied,
//!    indexed and evaluated from scratch, groups keeping the OCIDs the engine gave.
//! 4. The engine's delta is printed as JSON Lines in `dyngroup diff --json`'s record
//!    shape and order, so `apply` prints what `diff OLD NEW --json` would.
//!
//! The snapshot is written before the delta is printed: a delta on stdout always
//! describes a snapshot that is on disk.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::sync::Arc;

use dyngroup_index::engine::{Change, Engine, EngineOptions, GroupDelta};
use dyngroup_index::{DynamicGroup, IndexBuilder, Limits, Principal};
use dyngroup_io::{ReadOptions, Severity, read_changes};
use dyngroup_snapshot::WriteOptions;
use serde_json::json;

use crate::args::ApplyArgs;
use crate::input::print_problems;
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &ApplyArgs) -> Result<Outcome, Fatal> {
    let snapshot = crate::snapshot_cmds::open_snapshot(&args.snapshot)?;
    if let Some(out) = &args.out {
        crate::snapshot_cmds::not_a_directory(out)?;
    }
    let mut parse = snapshot.parse_options();
    parse.strict |= args.strict;
    let principals = snapshot.principals()?;
    let groups = snapshot.groups();
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

    // A snapshot may hold a tenancy already past the limit (compute reports it but
    // keeps its groups): the engine must hold them all.
    let mut per_tenancy: HashMap<&str, usize> = HashMap::new();
    for g in &groups {
        *per_tenancy.entry(&g.tenancy_id).or_default() += 1;
    }
    let largest = per_tenancy.values().copied().max().unwrap_or(0);
    let options = EngineOptions {
        limits: Limits {
            max_groups_per_tenancy: args.max_groups_per_tenancy.max(largest),
            ..Limits::default()
        },
        parse,
    };
    let (mut engine, refused) = Engine::build(&principals, groups.clone(), options);
    if let Some(r) = refused.first() {
        return Err(Fatal(format!(
            "{}: group {} cannot be loaded: {}",
            args.snapshot.display(),
            groups[r.index].id,
            r.error
        )));
    }

    let applied = engine.apply(changes.changes.iter().map(|c| c.change.clone()));
    let refused: HashSet<usize> = applied.refused.iter().map(|r| r.index).collect();
    for r in &applied.refused {
        eprintln!(
            "{}:{}: error: {}",
            changes.file, changes.changes[r.index].line, r.error
        );
        rejected = true;
    }

    // The new inventory and groups: the accepted changes applied to the old ones.
    let mut inventory: BTreeMap<String, Principal> =
        principals.into_iter().map(|p| (p.id.clone(), p)).collect();
    for (i, c) in changes.changes.iter().enumerate() {
        if refused.contains(&i) {
            continue;
        }
        match &c.change {
            Change::UpsertPrincipal(p) if p.is_indexed() => {
                inventory.insert(p.id.clone(), p.clone());
            }
            Change::UpsertPrincipal(Principal { id, .. }) | Change::RemovePrincipal { id } => {
                inventory.remove(id);
            }
            _ => {}
        }
    }
    let now = engine.snapshot();
    // Old groups that still exist, in their order, then new ones by first mention.
    let mut new_groups: Vec<DynamicGroup> = Vec::new();
    let mut listed: HashSet<String> = HashSet::new();
    let mut keep = |id: &str, new_groups: &mut Vec<DynamicGroup>| {
        if listed.contains(id) {
            return;
        }
        if let Some(g) = now.group(id) {
            listed.insert(id.to_owned());
            new_groups.push(DynamicGroup {
                domain: None,
                id: g.id().to_owned(),
                name: g.name().to_owned(),
                description: g.description().to_owned(),
                matching_rule: g.matching_rule().to_owned(),
                tenancy_id: g.tenancy_id().to_owned(),
            });
        }
    };
    for g in &groups {
        keep(&g.id, &mut new_groups);
    }
    for d in &applied.delta.groups {
        keep(&d.group_id, &mut new_groups);
    }

    let mut builder = IndexBuilder::new().parse_options(parse);
    builder.add_principals(inventory.values());
    for g in &new_groups {
        builder
            .add_group(g.clone())
            .map_err(|e| Fatal(format!("group {} ({}): {e}", g.name, g.id)))?;
    }
    let index = builder.build();
    let memberships = index.evaluate();
    let out = args.out.as_ref().unwrap_or(&args.snapshot);
    dyngroup_snapshot::write(
        out,
        &index,
        &memberships,
        &WriteOptions {
            parse_options: parse,
        },
    )?;

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
