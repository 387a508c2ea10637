//! `dyngroup explain`: why a principal is or is not in each group of its tenancy.

use dyngroup_index::{ExplainKind, ExplainNode, Explanation};
use serde_json::{Value, json};

use crate::args::ExplainArgs;
use crate::input::{build_index, check_distinct_paths, configure_threads, load, print_problems};
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &ExplainArgs) -> Result<Outcome, Fatal> {
    check_distinct_paths(&args.input, &[])?;
    configure_threads(&args.input)?;
    let loaded = load(&args.input)?;
    print_problems(&loaded.problems);
    let (index, _) = build_index(&loaded, args.input.strict);

    let Some(p) = index.principal_id(&args.principal) else {
        let known = loaded.principals.iter().find(|p| p.id == args.principal);
        let why = match known {
            Some(p) => format!(
                "principal {} is {}: it is not indexed and is a member of no group",
                args.principal,
                p.lifecycle_state.as_deref().unwrap_or("not indexed")
            ),
            None => format!("no principal has id {}", args.principal),
        };
        return Err(Fatal(why));
    };
    let tenancy = index.tenancy_of(p);
    let groups = match &args.group {
        Some(name) => match index.group_id(index.tenancy_ocid(tenancy), name) {
            Some(g) => vec![g],
            None => {
                return Err(Fatal(format!(
                    "no group named {name} in tenancy {}",
                    index.tenancy_ocid(tenancy)
                )));
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
            "tenancy-id": index.tenancy_ocid(tenancy),
            "groups": records,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if explanations.is_empty() {
        println!(
            "principal {} (tenancy {}): the tenancy has no groups",
            args.principal,
            index.tenancy_ocid(tenancy)
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

fn explanation_json(e: &Explanation, group_ocid: &str) -> Value {
    json!({
        "group-id": group_ocid,
        "name": e.group_name,
        "member": e.member,
        "rule": e.rule,
        "tree": e.tree.as_ref().map(node_json),
        "rule-error": e.rule_error,
    })
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
    value
}
