//! The JSON `--report` of `dyngroup compute`.

use dyngroup_index::{GroupId, Index, Limits, LimitsReport};
use serde_json::{Value, json};

use crate::compute::Totals;
use crate::input::Loaded;
use crate::progress::Timings;

fn group_names(index: &Index, groups: &[GroupId]) -> Vec<String> {
    groups
        .iter()
        .map(|g| index.group(*g).name.clone())
        .collect()
}

/// The groups of identity domains whose domain scope is not applied (see
/// [`DynamicGroup::has_domain_scope`](dyngroup_index::DynamicGroup::has_domain_scope)):
/// evaluated over their whole tenancy until the compartment tree is an input.
pub(crate) fn domain_scope_not_applied(index: &Index) -> Vec<GroupId> {
    index
        .group_ids()
        .filter(|&g| index.group(g).has_domain_scope())
        .collect()
}

/// Says once on stderr how many groups have a domain scope that is not applied.
pub(crate) fn print_domain_scope_note(index: &Index) {
    let count = domain_scope_not_applied(index).len();
    if count > 0 {
        eprintln!(
            "dyngroup: note: {count} groups of identity domains outside the root compartment \
             are evaluated over their whole tenancy: their domain scope needs the compartment \
             tree, not an input yet (see --report)"
        );
    }
}

/// `{"totals", "limits", "rejected", "warnings", "invalid-groups", "tenancies-over-limit",
/// "principals-over-limit", "unknown-references", "domain-scope-not-applied", "timings"}`.
pub(crate) fn report_json(
    index: &Index,
    loaded: &Loaded,
    report: &LimitsReport,
    limits: &Limits,
    totals: &Totals,
    timings: &Timings,
) -> Value {
    let (rejected, warnings): (Vec<_>, Vec<_>) = loaded
        .problems
        .iter()
        .filter(|p| p.rejects_record() || p.severity == dyngroup_io::Severity::Warning)
        .partition(|p| p.rejects_record());
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
    json!({
        "totals": {
            "principals-read": totals.principals_read,
            "principals-indexed": totals.principals_indexed,
            "groups": totals.groups,
            "tenancies": totals.tenancies,
            "memberships": totals.memberships,
            "rejected-records": totals.rejected_records,
            "invalid-groups": totals.invalid_groups,
            "warnings": totals.warnings,
        },
        "limits": {
            "max-groups-per-tenancy": limits.max_groups_per_tenancy,
            "max-groups-per-principal": limits.max_groups_per_principal,
        },
        "rejected": rejected,
        "warnings": warnings,
        "invalid-groups": invalid,
        "tenancies-over-limit": tenancies,
        "principals-over-limit": principals,
        "unknown-references": unknown,
        "domain-scope-not-applied": unscoped,
        "timings": timings.to_json(),
    })
}
