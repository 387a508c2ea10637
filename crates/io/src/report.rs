//! The findings of a run as JSON, shared by the CLI's `--report` and the Python
//! package's report: groups with invalid rules, limits exceeded, rule references to
//! nothing in the group's tenancy, identity-domain groups whose scope is not applied.

use dyngroup_index::{GroupId, Index, LimitsReport};
use serde_json::{Map, Value, json};

fn group_names(index: &Index, groups: &[GroupId]) -> Vec<String> {
    groups
        .iter()
        .map(|g| index.group(*g).name.clone())
        .collect()
}

/// The groups of identity domains whose domain scope is not applied (see
/// [`DynamicGroup::has_domain_scope`](dyngroup_index::DynamicGroup::has_domain_scope)):
/// evaluated over their whole tenancy until the compartment tree is an input.
pub fn domain_scope_not_applied(index: &Index) -> Vec<GroupId> {
    index
        .group_ids()
        .filter(|&g| index.group(g).has_domain_scope())
        .collect()
}

/// `{"invalid-groups", "tenancies-over-limit", "principals-over-limit",
/// "unknown-references", "domain-scope-not-applied"}` of a run.
pub fn findings_json(index: &Index, report: &LimitsReport) -> Map<String, Value> {
    let invalid: Vec<Value> = report
        .invalid_groups
        .iter()
        .map(|invalid| {
            let group = index.group(invalid.group);
            json!({
                "tenancy-id": group.tenancy_id,
                "group-id": group.id,
                "name": group.name,
                "error": invalid.error.to_string(),
                "rendered": invalid.error.render(&group.matching_rule),
            })
        })
        .collect();
    let tenancies: Vec<Value> = report
        .tenancies_over_limit
        .iter()
        .map(|t| {
            json!({
                "tenancy-id": t.tenancy_id,
                "count": t.groups.len(),
                "groups": group_names(index, &t.groups),
            })
        })
        .collect();
    let principals: Vec<Value> = report
        .principals_over_limit
        .iter()
        .map(|p| {
            json!({
                "id": p.principal_id,
                "tenancy-id": index.tenancy_ocid(index.tenancy_of(p.principal)),
                "count": p.groups.len(),
                "groups": group_names(index, &p.groups),
            })
        })
        .collect();
    let unknown: Vec<Value> = report
        .unknown_references
        .iter()
        .map(|u| {
            let group = index.group(u.group);
            json!({
                "tenancy-id": group.tenancy_id,
                "group-id": group.id,
                "name": group.name,
                "kind": u.kind.as_str(),
                "value": u.value,
            })
        })
        .collect();
    let unscoped: Vec<Value> = domain_scope_not_applied(index)
        .into_iter()
        .map(|g| {
            let group = index.group(g);
            let domain = group.domain.as_ref();
            json!({
                "tenancy-id": group.tenancy_id,
                "group-id": group.id,
                "name": group.name,
                "domain-id": domain.map(|d| &d.id),
                "domain-compartment-id": domain.and_then(|d| d.compartment_id.as_ref()),
            })
        })
        .collect();
    let mut findings = Map::new();
    findings.insert("invalid-groups".into(), invalid.into());
    findings.insert("tenancies-over-limit".into(), tenancies.into());
    findings.insert("principals-over-limit".into(), principals.into());
    findings.insert("unknown-references".into(), unknown.into());
    findings.insert("domain-scope-not-applied".into(), unscoped.into());
    findings
}
