//! `dyngroup explain`: why a principal is or is not in each group of its tenancy.
//!
//! Every principal the inputs name gets an answer (exit code 0): an indexed one
//! condition by condition; one that is not indexed (TERMINATED, …) or that belongs to
//! another `--shard` with the reason it is in no group here. A group of another tenancy
//! (`--group NAME` naming none of the principal's tenancy) is explained with tenancy
//! isolation as the reason it can never match.

use dyngroup_index::{
    ExplainKind, ExplainNode, Explanation, GroupId, Index, Principal, TENANCY_ISOLATION,
};
use serde_json::{Value, json};

use crate::args::ExplainArgs;
use crate::input::{
    build_index, check_distinct_paths, configure_threads, load_all, print_problems,
};
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &ExplainArgs) -> Result<Outcome, Fatal> {
    check_distinct_paths(&args.input, &[])?;
    configure_threads(&args.input)?;
    let mut loaded = load_all(&args.input)?;
    let record = loaded
        .principals
        .iter()
        .find(|p| p.id == args.principal)
        .cloned();
    if let Some(shard) = args.input.shard {
        loaded.keep_shard(shard);
    }
    print_problems(&loaded.problems);
    if let (Some(shard), Some(record)) = (args.input.shard, &record)
        && !shard.owns(&record.tenancy_id)
    {
        let why = format!(
            "its tenancy {} belongs to shard {}/{}, not to this one ({}/{}): run explain \
             with --shard {}/{}, or without --shard",
            record.tenancy_id,
            shard.of(&record.tenancy_id),
            shard.count(),
            shard.index(),
            shard.count(),
            shard.of(&record.tenancy_id),
            shard.count()
        );
        print_unexplained(args, record, &why, true)?;
        return Ok(Outcome::Clean);
    }
    let (index, _) = build_index(&loaded, args.input.strict);

    let Some(p) = index.principal_id(&args.principal) else {
        let Some(record) = &record else {
            return Err(Fatal(format!("no principal has id {}", args.principal)));
        };
        let why = match &record.lifecycle_state {
            Some(state) => format!(
                "its lifecycle state is {state}: a principal that is TERMINATED, TERMINATING, \
                 DELETED or DELETING is not indexed, so no rule matches it"
            ),
            None => "it is not indexed, so no rule matches it".to_owned(),
        };
        print_unexplained(args, record, &why, false)?;
        return Ok(Outcome::Clean);
    };
    let tenancy = index.tenancy_of(p);
    let tenancy_ocid = index.tenancy_ocid(tenancy);
    let groups = match &args.group {
        Some(name) => match index.group_id(tenancy_ocid, name) {
            Some(g) => vec![g],
            None => {
                let elsewhere = groups_named(&index, name);
                if elsewhere.is_empty() {
                    return Err(Fatal(format!("no group named {name} in any tenancy")));
                }
                elsewhere
            }
        },
        None => index.tenancy_groups(tenancy).to_vec(),
    };
    let explanations: Vec<Explanation> = groups.iter().map(|g| index.explain(p, *g)).collect();
    if args.json {
        let records: Vec<Value> = explanations
            .iter()
            .map(|e| explanation_json(e, &index.group(e.group).id))
            .collect();
        let out = json!({
            "principal": args.principal,
            "tenancy-id": tenancy_ocid,
            "indexed": true,
            "groups": records,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if explanations.is_empty() {
        println!(
            "principal {} (tenancy {tenancy_ocid}): the tenancy has no groups",
            args.principal
        );
    } else {
        for (i, explanation) in explanations.iter().enumerate() {
            if i > 0 {
                println!();
            }
            print!("{explanation}");
        }
    }
    Ok(Outcome::Clean)
}

/// Every group named `name` (any case), in every tenancy.
fn groups_named(index: &Index, name: &str) -> Vec<GroupId> {
    index
        .group_ids()
        .filter(|&g| index.group(g).name.eq_ignore_ascii_case(name))
        .collect()
}

/// The answer for a principal this run has no index entry for: in no group, and why.
fn print_unexplained(
    args: &ExplainArgs,
    record: &Principal,
    why: &str,
    other_shard: bool,
) -> Result<(), Fatal> {
    if args.json {
        let mut out = json!({
            "principal": record.id,
            "tenancy-id": record.tenancy_id,
            "indexed": false,
            "lifecycle-state": record.lifecycle_state,
            "why": why,
            "groups": [],
        });
        if let (Some(shard), true) = (args.input.shard, other_shard) {
            out["shard"] = json!(format!("{}/{}", shard.index(), shard.count()));
            out["principal-shard"] = json!(format!(
                "{}/{}",
                shard.of(&record.tenancy_id),
                shard.count()
            ));
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "principal {} (tenancy {}): in no group here: {why}",
            record.id, record.tenancy_id
        );
    }
    Ok(())
}

fn explanation_json(e: &Explanation, group_ocid: &str) -> Value {
    let mut value = json!({
        "group-id": group_ocid,
        "name": e.group_name,
        "tenancy-id": e.group_tenancy_id,
        "member": e.member,
        "same-tenancy": e.same_tenancy,
        "rule": e.rule,
        "tree": e.tree.as_ref().map(node_json),
        "rule-error": e.rule_error,
    });
    if !e.same_tenancy {
        value["why"] = json!(TENANCY_ISOLATION);
    }
    value
}

fn node_json(node: &ExplainNode) -> Value {
    let kind = match node.kind {
        ExplainKind::Any => "any",
        ExplainKind::All => "all",
        ExplainKind::Condition => "condition",
    };
    let mut value = json!({
        "kind": kind,
        "text": node.text,
        "holds": node.holds,
        "start": node.start,
        "end": node.end,
    });
    if node.kind != ExplainKind::Condition {
        value["children"] = node.children.iter().map(node_json).collect();
    }
    if let Some(note) = &node.note {
        value["note"] = json!(note);
    }
    value
}
