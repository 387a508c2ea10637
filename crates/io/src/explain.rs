//! Why a principal is or is not in each group of its tenancy: the answer of `dyngroup
//! explain` and of the Python package's `explain`, and its JSON (`explain --json`).
//!
//! Every principal the inputs name gets an answer: an indexed one condition by
//! condition; one that is not indexed (TERMINATED, …) or that belongs to another shard
//! with the reason it is in no group here. A group of another tenancy (a group name
//! none of the principal's tenancy has) is explained with tenancy isolation as the
//! reason it can never match.

use dyngroup_index::{
    ExplainKind, ExplainNode, Explanation, GroupId, Index, Principal, TENANCY_ISOLATION,
};
use serde_json::{Value, json};

use dyngroup_rules::ParseOptions;

use crate::load::{Loaded, Shard};

/// The answer about one principal.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Answer {
    /// The principal is indexed: each group explained, with the group's OCID.
    Explained {
        /// The principal's OCID.
        principal: String,
        /// Its tenancy.
        tenancy_id: String,
        /// The groups asked about (all of its tenancy's, or the named one), in order.
        groups: Vec<(String, Explanation)>,
    },
    /// The principal is read but in no group here, and why.
    Unexplained {
        /// The principal's record.
        record: Principal,
        /// Why it is in no group.
        why: String,
        /// The run's shard and the principal's, when it belongs to another shard.
        shards: Option<(Shard, u64)>,
    },
}

/// What [`Answer::of_run`] found: the answer (or why there is none: no principal has
/// that id, no group that name) and the groups the index builder refused.
#[derive(Debug)]
pub struct ExplainRun {
    /// The answer, or the error to report.
    pub answer: Result<Answer, String>,
    /// The groups the index builder refused (`group NAME (OCID): why`).
    pub refused: Vec<String>,
}

impl Answer {
    /// `dyngroup explain` on what a run read: `loaded` holds every input (no shard
    /// kept yet); it is left holding only `shard`'s tenancies, whose problems the
    /// caller reports. The index is built only when the principal is in `shard`.
    pub fn of_run(
        loaded: &mut Loaded,
        principal: &str,
        group: Option<&str>,
        shard: Option<Shard>,
        options: ParseOptions,
    ) -> ExplainRun {
        let record = loaded
            .principals
            .iter()
            .find(|p| p.id == principal)
            .cloned();
        if record.is_none()
            && let Some(answer) = Answer::rejected(loaded, principal, shard)
        {
            return ExplainRun {
                answer: Ok(answer),
                refused: Vec::new(),
            };
        }
        if let Some(shard) = shard {
            loaded.keep_shard(shard);
        }
        if let (Some(shard), Some(record)) = (shard, &record)
            && let Some(answer) = Answer::other_shard(record, shard)
        {
            return ExplainRun {
                answer: Ok(answer),
                refused: Vec::new(),
            };
        }
        let (index, refused) = loaded.build_index(options);
        ExplainRun {
            answer: Answer::new(&index, principal, record.as_ref(), group),
            refused,
        }
    }

    /// The answer for a principal whose record the reader rejected (the last such
    /// record of that OCID), if one was: in no group, and the line that says why.
    fn rejected(loaded: &Loaded, principal: &str, shard: Option<Shard>) -> Option<Answer> {
        let problem = loaded
            .problems
            .iter()
            .rev()
            .find(|p| p.rejects_record() && p.record_id.as_deref() == Some(principal))?;
        let record = Principal {
            id: principal.to_owned(),
            tenancy_id: problem.tenancy.as_deref().unwrap_or_default().to_owned(),
            ..Principal::default()
        };
        if let Some(shard) = shard
            && let Some(answer) = Answer::other_shard(&record, shard)
        {
            return Some(answer);
        }
        Some(Answer::Unexplained {
            why: format!("its record was rejected, so it is not indexed: {problem}"),
            record,
            shards: None,
        })
    }

    /// The answer for a principal whose tenancy belongs to another shard than `shard`,
    /// if it does (asked before the index is built: nothing of it is needed).
    pub fn other_shard(record: &Principal, shard: Shard) -> Option<Answer> {
        if shard.owns(&record.tenancy_id) {
            return None;
        }
        let theirs = shard.of(&record.tenancy_id);
        let why = format!(
            "its tenancy {} belongs to shard {theirs}/{n}, not to this one ({shard}): run \
             explain with --shard {theirs}/{n}, or without --shard",
            record.tenancy_id,
            n = shard.count(),
        );
        Some(Answer::Unexplained {
            record: record.clone(),
            why,
            shards: Some((shard, theirs)),
        })
    }

    /// The answer about `principal` in `index`: its record (`record`, as read) is
    /// needed when it is not indexed. `group` asks about one group by name: of the
    /// principal's tenancy, or else every group of that name in any tenancy. An error
    /// when no principal has that id, or no group that name.
    pub fn new(
        index: &Index,
        principal: &str,
        record: Option<&Principal>,
        group: Option<&str>,
    ) -> Result<Answer, String> {
        let Some(p) = index.principal_id(principal) else {
            let Some(record) = record else {
                return Err(format!("no principal has id {principal}"));
            };
            let why = match &record.lifecycle_state {
                Some(state) => format!(
                    "its lifecycle state is {state}: a principal that is TERMINATED, \
                     TERMINATING, DELETED or DELETING is not indexed, so no rule matches it"
                ),
                None => "it is not indexed, so no rule matches it".to_owned(),
            };
            return Ok(Answer::Unexplained {
                record: record.clone(),
                why,
                shards: None,
            });
        };
        let tenancy = index.tenancy_of(p);
        let tenancy_ocid = index.tenancy_ocid(tenancy);
        let groups = match group {
            Some(name) => match index.group_id(tenancy_ocid, name) {
                Some(g) => vec![g],
                None => {
                    let elsewhere = groups_named(index, name);
                    if elsewhere.is_empty() {
                        return Err(format!("no group named {name} in any tenancy"));
                    }
                    elsewhere
                }
            },
            None => index.tenancy_groups(tenancy).to_vec(),
        };
        Ok(Answer::Explained {
            principal: principal.to_owned(),
            tenancy_id: tenancy_ocid.to_owned(),
            groups: groups
                .iter()
                .map(|&g| (index.group(g).id.clone(), index.explain(p, g)))
                .collect(),
        })
    }

    /// The answer as `dyngroup explain --json` prints it.
    pub fn to_json(&self) -> Value {
        match self {
            Answer::Explained {
                principal,
                tenancy_id,
                groups,
            } => {
                let records: Vec<Value> = groups
                    .iter()
                    .map(|(id, e)| explanation_json(e, id))
                    .collect();
                json!({
                    "principal": principal,
                    "tenancy-id": tenancy_id,
                    "indexed": true,
                    "groups": records,
                })
            }
            Answer::Unexplained {
                record,
                why,
                shards,
            } => {
                let mut out = json!({
                    "principal": record.id,
                    "tenancy-id": record.tenancy_id,
                    "indexed": false,
                    "lifecycle-state": record.lifecycle_state,
                    "why": why,
                    "groups": [],
                });
                if let Some((shard, theirs)) = shards {
                    out["shard"] = json!(shard.to_string());
                    out["principal-shard"] = json!(format!("{theirs}/{}", shard.count()));
                }
                out
            }
        }
    }
}

/// Every group named `name` (any case), in every tenancy.
fn groups_named(index: &Index, name: &str) -> Vec<GroupId> {
    index
        .group_ids()
        .filter(|&g| index.group(g).name.eq_ignore_ascii_case(name))
        .collect()
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
        "domain-scope": e.scope.as_ref().map(|s| json!({
            "domain-id": s.domain_id,
            "domain-compartment-id": s.compartment_id,
            "applied": s.holds.is_some(),
            "holds": s.holds,
            "principal-compartment-id": s.principal_compartment_id,
            "not-applied-reason": s.not_applied_reason,
        })),
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
