//! The JSON `--report` of `dyngroup compute`.

use dyngroup_index::{Index, Limits, LimitsReport};
use serde_json::{Value, json};

use crate::compute::Totals;
use crate::input::Loaded;
use crate::progress::Timings;

/// Says once on stderr how many groups have a domain scope that is not applied.
pub(crate) fn print_domain_scope_note(index: &Index) {
    let count = dyngroup_io::domain_scope_not_applied(index).len();
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
    let mut json = json!({
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
        "timings": timings.to_json(),
    });
    let object = json.as_object_mut().expect("an object");
    object.extend(dyngroup_io::findings_json(index, report));
    json
}
