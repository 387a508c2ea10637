//! The report of a run as JSON, shared by the CLI's `--report` and the Python
//! package's report: totals, rejected records and warnings, groups with invalid
//! rules, limits exceeded, rule references to nothing in the group's tenancy,
//! identity-domain groups whose scope is not applied.

use dyngroup_index::{GroupId, Index, Limits, LimitsReport, Memberships};
use serde_json::{Map, Value, json};

use crate::load::Loaded;

/// The counts of a run: the report's `totals` and the CLI's summary line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    /// Principals accepted by the readers (indexed or not).
    pub principals_read: usize,
    /// Principals in the index (not terminated).
    pub principals_indexed: usize,
    /// Groups in the index.
    pub groups: usize,
    /// Tenancies in the index.
    pub tenancies: usize,
    /// (principal, group) pairs.
    pub memberships: u64,
    /// Records rejected by the readers, and groups refused by the index builder.
    pub rejected_records: usize,
    /// Groups whose rule does not parse (kept, with no members).
    pub invalid_groups: usize,
    /// Warnings (legacy rule forms).
    pub warnings: usize,
}

impl Totals {
    /// The counts of a run that read `loaded`, built `index` (refusing
    /// `refused_groups` groups) and evaluated `memberships`.
    pub fn new(
        loaded: &Loaded,
        index: &Index,
        memberships: &Memberships,
        report: &LimitsReport,
        refused_groups: usize,
    ) -> Totals {
        Totals {
            principals_read: loaded.principals.len(),
            principals_indexed: index.principal_count(),
            groups: index.group_count(),
            tenancies: index.tenancy_count(),
            memberships: memberships.group_bitmaps().iter().map(|b| b.len()).sum(),
            rejected_records: loaded.rejected() + refused_groups,
            invalid_groups: report.invalid_groups.len(),
            warnings: loaded.warnings(),
        }
    }
}

/// `{"totals", "limits", "rejected", "warnings", "invalid-groups",
/// "tenancies-over-limit", "principals-over-limit", "unknown-references",
/// "domain-scope-not-applied"}`: the CLI's `--report` but for its `timings`.
pub fn report_json(
    index: &Index,
    loaded: &Loaded,
    report: &LimitsReport,
    limits: &Limits,
    totals: &Totals,
) -> Map<String, Value> {
    let (rejected, warnings): (Vec<_>, Vec<_>) = loaded
        .problems
        .iter()
        .filter(|p| p.rejects_record() || p.severity == crate::Severity::Warning)
        .partition(|p| p.rejects_record());
    let mut object = Map::new();
    object.insert(
        "totals".into(),
        json!({
            "principals-read": totals.principals_read,
            "principals-indexed": totals.principals_indexed,
            "groups": totals.groups,
            "tenancies": totals.tenancies,
            "memberships": totals.memberships,
            "rejected-records": totals.rejected_records,
            "invalid-groups": totals.invalid_groups,
            "warnings": totals.warnings,
        }),
    );
    object.insert(
        "limits".into(),
        json!({
            "max-groups-per-tenancy": limits.max_groups_per_tenancy,
            "max-groups-per-principal": limits.max_groups_per_principal,
        }),
    );
    object.insert("rejected".into(), json!(rejected));
    object.insert("warnings".into(), json!(warnings));
    object.extend(findings_json(index, report));
    object
}

fn group_names(index: &Index, groups: &[GroupId]) -> Vec<String> {
    groups
        .iter()
        .map(|g| index.group(*g).name.clone())
        .collect()
}

/// The groups of identity domains whose domain scope is not applied (see
/// [`DynamicGroup::domain_scope_not_applied`](dyngroup_index::DynamicGroup::domain_scope_not_applied)):
/// evaluated over their whole tenancy, because the compartment tree was not an input
/// or does not hold the domain's compartment.
pub fn domain_scope_not_applied(index: &Index) -> Vec<GroupId> {
    index
        .group_ids()
        .filter(|&g| index.group(g).domain_scope_not_applied())
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
                "reason": domain.map(|d| d.not_applied_reason()),
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
