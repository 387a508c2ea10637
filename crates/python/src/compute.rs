//! `compute`: read inputs with `dyngroup-io`, build and evaluate with `dyngroup-index`.

use dyngroup_index::{Index, IndexBuilder, Limits, LimitsReport, Memberships};
use dyngroup_io::{GroupsReader, InventoryReader, Problem, ReadOptions, Severity};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::{Value, json};

use crate::arrow::MembershipTable;
use crate::errors::{input_error, snapshot_error};

/// Whether `tenancy` belongs to shard `index` of `count`: `xxh3_64(tenancy) % count ==
/// index`, the split of the CLI's `--shard K/N`.
// Duplicates `Shard::owns` of crates/cli/src/args.rs until it moves into a library.
#[pyfunction]
pub(crate) fn owns_tenancy(tenancy: &str, index: u64, count: u64) -> bool {
    xxhash_rust::xxh3::xxh3_64(tenancy.as_bytes()) % count == index
}

/// What a computation produced: the index, its memberships and the report as JSON text.
#[pyclass(module = "dyngroup._native", frozen)]
#[derive(Debug)]
pub(crate) struct Computed {
    index: Index,
    memberships: Memberships,
    report: String,
    /// How rules were parsed, so that a written snapshot (and a pickle) records it.
    parse_options: dyngroup_rules::ParseOptions,
}

impl Computed {
    fn write_options(&self) -> dyngroup_snapshot::WriteOptions {
        dyngroup_snapshot::WriteOptions {
            parse_options: self.parse_options,
        }
    }
}

/// Runs `work` in a local rayon pool of `threads` threads, or in the global pool.
fn run_in_pool<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T, String> {
    match threads {
        None => Ok(work()),
        Some(0) => Err("threads must be at least 1".to_owned()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(work))
            .map_err(|e| e.to_string()),
    }
}

/// What `compute` was asked for, converted from Python before the GIL is released.
#[derive(Debug)]
struct Request {
    inventory: Vec<String>,
    groups: Vec<String>,
    options: ReadOptions,
    shard: Option<(u64, u64)>,
    limits: Limits,
}

/// Reads, filters to the shard, builds, evaluates and reports, as `dyngroup compute` does.
fn run(request: &Request) -> Result<Computed, dyngroup_io::Error> {
    let mut inventory = InventoryReader::new(request.options.clone());
    let mut groups = GroupsReader::new(request.options.clone());
    for path in &request.inventory {
        inventory.read_path(path)?;
    }
    for path in &request.groups {
        groups.read_path(path)?;
    }
    let (mut principals, mut problems) = inventory.finish().into_parts();
    let (mut groups, group_problems) = groups.finish().into_parts();
    problems.extend(group_problems);
    if let Some((k, n)) = request.shard {
        principals.retain(|p| owns_tenancy(&p.tenancy_id, k, n));
        groups.retain(|g| owns_tenancy(&g.tenancy_id, k, n));
    }
    let mut builder = IndexBuilder::new().parse_options(request.options.rule_options());
    builder.add_principals(&principals);
    let mut refused = Vec::new();
    for group in &groups {
        if let Err(err) = builder.add_group(group.clone()) {
            refused.push(format!("group {} ({}): {err}", group.name, group.id));
        }
    }
    let index = builder.build();
    let memberships = index.evaluate();
    let limits_report = index.limits_report(&memberships, &request.limits);
    let report = report_json(
        &index,
        &memberships,
        &limits_report,
        &request.limits,
        &problems,
        principals.len(),
        &refused,
    );
    Ok(Computed {
        index,
        memberships,
        report: report.to_string(),
        parse_options: request.options.rule_options(),
    })
}

fn problem_json(problem: &Problem) -> Value {
    let mut value = serde_json::to_value(problem).expect("a problem serialises");
    value["text"] = Value::String(problem.to_string());
    value
}

/// The CLI's `--report` without timings, plus `refused-groups` (which the CLI prints to
/// stderr) so that sharded reports can be summed.
fn report_json(
    index: &Index,
    memberships: &Memberships,
    report: &LimitsReport,
    limits: &Limits,
    problems: &[Problem],
    principals_read: usize,
    refused: &[String],
) -> Value {
    let rejected: Vec<Value> = problems
        .iter()
        .filter(|p| p.rejects_record())
        .map(problem_json)
        .collect();
    let warnings: Vec<Value> = problems
        .iter()
        .filter(|p| !p.rejects_record() && p.severity == Severity::Warning)
        .map(problem_json)
        .collect();
    let mut json = json!({
        "totals": {
            "principals-read": principals_read,
            "principals-indexed": index.principal_count(),
            "groups": index.group_count(),
            "tenancies": index.tenancy_count(),
            "memberships": memberships.group_bitmaps().iter().map(|b| b.len()).sum::<u64>(),
            "rejected-records": rejected.len() + refused.len(),
            "invalid-groups": report.invalid_groups.len(),
            "warnings": warnings.len(),
        },
        "limits": {
            "max-groups-per-tenancy": limits.max_groups_per_tenancy,
            "max-groups-per-principal": limits.max_groups_per_principal,
        },
        "rejected": rejected,
        "warnings": warnings,
        "refused-groups": refused,
    });
    let object = json.as_object_mut().expect("an object");
    object.extend(dyngroup_io::findings_json(index, report));
    json
}

/// Computes every membership of `groups` over `inventory` (lists of paths).
#[pyfunction]
#[pyo3(signature = (inventory, groups, *, tenancy=None, strict=false, threads=None, shard=None,
                    max_groups_per_tenancy=50, max_groups_per_principal=5))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn compute(
    py: Python<'_>,
    inventory: Vec<String>,
    groups: Vec<String>,
    tenancy: Option<String>,
    strict: bool,
    threads: Option<usize>,
    shard: Option<(u64, u64)>,
    max_groups_per_tenancy: usize,
    max_groups_per_principal: usize,
) -> PyResult<Computed> {
    if let Some((k, n)) = shard
        && (n == 0 || k >= n)
    {
        return Err(PyValueError::new_err(format!(
            "shard ({k}, {n}): need 0 <= k < n"
        )));
    }
    let request = Request {
        inventory,
        groups,
        options: ReadOptions {
            tenancy,
            strict,
            ..ReadOptions::default()
        },
        shard,
        limits: Limits {
            max_groups_per_tenancy,
            max_groups_per_principal,
        },
    };
    py.detach(|| run_in_pool(threads, || run(&request)))
        .map_err(PyValueError::new_err)?
        .map_err(input_error)
}

#[pymethods]
impl Computed {
    /// The report as JSON text (the Python layer parses it into a dict).
    #[getter]
    fn report_json(&self) -> &str {
        &self.report
    }

    /// Every membership as an Arrow table.
    fn memberships(&self, py: Python<'_>) -> PyResult<MembershipTable> {
        py.detach(|| MembershipTable::build(&self.index, &self.memberships))
    }

    /// The groups of a principal as `(tenancy_id, group_id, group_name)`, or None for a
    /// principal that is not indexed (unknown or terminated).
    fn groups_of(&self, principal_id: &str) -> Option<Vec<(String, String, String)>> {
        let groups = self.memberships.groups_of_ocid(&self.index, principal_id)?;
        Some(
            groups
                .iter()
                .map(|g| {
                    let group = self.index.group(*g);
                    (
                        group.tenancy_id.clone(),
                        group.id.clone(),
                        group.name.clone(),
                    )
                })
                .collect(),
        )
    }

    /// The member OCIDs of the group `name` of `tenancy_id` (names compare
    /// case-insensitively), or None when there is no such group.
    fn members(&self, tenancy_id: &str, name: &str) -> Option<Vec<String>> {
        let g = self.index.group_id(tenancy_id, name)?;
        Some(
            self.memberships
                .member_ocids(&self.index, g)
                .map(str::to_owned)
                .collect(),
        )
    }

    /// The index and memberships as snapshot bytes (how a result is pickled).
    fn to_snapshot_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py
            .detach(|| {
                dyngroup_snapshot::to_bytes(&self.index, &self.memberships, &self.write_options())
            })
            .map_err(snapshot_error)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the index and memberships as a snapshot file (`compute --snapshot`).
    fn write_snapshot(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        py.detach(|| {
            dyngroup_snapshot::write(&path, &self.index, &self.memberships, &self.write_options())
        })
        .map(drop)
        .map_err(snapshot_error)
    }

    /// The inverse of `to_snapshot_bytes`, with the report it was computed with.
    #[staticmethod]
    fn from_snapshot_bytes(
        py: Python<'_>,
        bytes: &[u8],
        report_json: String,
    ) -> PyResult<Computed> {
        let (index, memberships, parse_options) = py
            .detach(|| {
                let snapshot = dyngroup_snapshot::Snapshot::from_bytes(bytes)?;
                let (index, memberships) = snapshot.to_index()?;
                Ok::<_, dyngroup_snapshot::Error>((index, memberships, snapshot.parse_options()))
            })
            .map_err(snapshot_error)?;
        Ok(Computed {
            index,
            memberships,
            report: report_json,
            parse_options,
        })
    }
}
