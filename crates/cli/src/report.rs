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

/// `{"totals", "limits", "rejected", "warnings", "invalid-groups", "tenancies-over-limit",
/// "principals-over-limit", "unknown-references", "timings"}`.
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
        "timings": timings.to_json(),
    })
}
