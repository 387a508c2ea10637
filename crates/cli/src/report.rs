//! The JSON `--report` of `dyngroup compute`.

use dyngroup_index::{Index, Limits, LimitsReport};
use dyngroup_io::{Loaded, Totals};
use serde_json::Value;

use crate::progress::Timings;

/// Says once on stderr how many groups have a domain scope that is not applied.
pub(crate) fn print_domain_scope_note(index: &Index) {
    let count = dyngroup_io::domain_scope_not_applied(index).len();
    let (groups, are) = if count == 1 {
        ("group", "is")
    } else {
        ("groups", "are")
    };
    if count > 0 {
        stderrln!(
            "dyngroup: note: {count} {groups} of identity domains outside the root compartment \
             {are} evaluated over the whole tenancy: the domain scope could not be applied (no \
             compartment tree given, a tree without the domain's compartment, or an export \
             without it; --report gives each reason)"
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
    let mut json = dyngroup_io::report_json(index, loaded, report, limits, totals);
    json.insert("timings".into(), timings.to_json());
    Value::Object(json)
}
