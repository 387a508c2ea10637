//! `compute`: read inputs with `dyngroup-io`, build and evaluate with `dyngroup-index`.

use dyngroup_index::{Index, Limits, MemberOrder, Memberships};
use dyngroup_io::{
    Answer, Loaded, Problem, ReadOptions, Severity, Shard, Source, Totals, report_json,
};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use pyo3::exceptions::{PyLookupError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::Value;

use pyo3_arrow::PyTable;

use crate::arrow::MembershipTable;
use crate::errors::{input_error, snapshot_error};

/// Whether `tenancy` belongs to shard `index` of `count` (the CLI's `--shard K/N`).
#[pyfunction]
pub(crate) fn owns_tenancy(tenancy: &str, index: u64, count: u64) -> PyResult<bool> {
    let shard = Shard::new(index, count).map_err(PyValueError::new_err)?;
    Ok(shard.owns(tenancy))
}

/// What a computation produced: the index, its memberships and the report as JSON text.
#[pyclass(module = "dyngroup._native", frozen)]
#[derive(Debug)]
pub(crate) struct Computed {
    index: Index,
    memberships: Memberships,
    /// The CLI's member order, made with the index (as the CLI makes it before writing).
    order: MemberOrder,
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

/// One input as given: a path, or an Arrow table's batches (not yet turned into rows).
#[derive(Debug)]
enum Given {
    Path(PathBuf),
    Table {
        name: String,
        batches: Vec<RecordBatch>,
    },
}

/// Converts the inputs given for `what` (`inventory` or `groups`): a path (`str` or
/// `os.PathLike`) or any object with `__arrow_c_stream__`. Tables are named
/// `<inventory table>`, `<inventory table 2>`, … in problems.
fn given(items: Vec<Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<Given>> {
    let mut tables = 0;
    items
        .into_iter()
        .map(|item| {
            if item.hasattr("__arrow_c_stream__")? {
                tables += 1;
                let name = match tables {
                    1 => format!("<{what} table>"),
                    n => format!("<{what} table {n}>"),
                };
                // arrow-rs 59 panics importing some sliced nested structs (a pyarrow
                // table sliced at an offset, with struct-of-struct tags): an error, not
                // a PanicException.
                let table =
                    std::panic::catch_unwind(AssertUnwindSafe(|| item.extract::<PyTable>()))
                        .map_err(|_| {
                            PyValueError::new_err(format!(
                                "{name}: the Arrow stream could not be imported (arrow-rs fails on \
                             this layout of nested structs, as in a sliced table): pass the \
                             table's defined-tags as JSON text or a map, or an unsliced copy"
                            ))
                        })??;
                let (batches, _) = table.into_inner();
                Ok(Given::Table { name, batches })
            } else {
                let path = item.extract::<PathBuf>().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "{what}: expected a path or an Arrow table (an object with \
                         __arrow_c_stream__), found {}",
                        item.get_type()
                    ))
                })?;
                Ok(Given::Path(path))
            }
        })
        .collect()
}

/// The readers' sources: a table's rows as JSON Lines.
fn sources(given: Vec<Given>) -> Result<Vec<Source>, String> {
    given
        .into_iter()
        .map(|g| match g {
            Given::Path(path) => Ok(Source::Path(path)),
            Given::Table { name, batches } => {
                let jsonl = crate::rows::to_jsonl(&batches).map_err(|e| format!("{name}: {e}"))?;
                Ok(Source::Rows { name, jsonl })
            }
        })
        .collect()
}

/// What `compute` was asked for, converted from Python before the GIL is released.
#[derive(Debug)]
struct Request {
    inventory: Vec<Given>,
    groups: Vec<Given>,
    compartments: Vec<Given>,
    options: ReadOptions,
    shard: Option<Shard>,
    limits: Limits,
}

/// Reads, keeps the shard, builds, evaluates and reports, as `dyngroup compute` does.
fn run(request: Request) -> Result<Computed, PyErr> {
    let inventory = sources(request.inventory).map_err(PyValueError::new_err)?;
    let groups = sources(request.groups).map_err(PyValueError::new_err)?;
    let compartments = sources(request.compartments).map_err(PyValueError::new_err)?;
    let mut loaded = Loaded::read(&inventory, &groups, &request.options).map_err(input_error)?;
    let tree_problems = loaded
        .scope_domains(&compartments, &request.options)
        .map_err(input_error)?;
    if let Some(shard) = request.shard {
        loaded.keep_shard(shard);
    }
    let (index, refused) = loaded.build_index(request.options.rule_options());
    let memberships = index.evaluate();
    let limits_report = index.limits_report(&memberships, &request.limits);
    let totals = Totals::new(&loaded, &index, &memberships, &limits_report, refused.len());
    let mut report = report_json(&index, &loaded, &limits_report, &request.limits, &totals);
    // The CLI prints refused groups on stderr; here they are in the report, so that
    // sharded reports can be summed. Each problem also gets its text as the CLI
    // prints it.
    report.insert("refused-groups".into(), refused.into());
    if !compartments.is_empty() {
        report.insert("compartment-tree-problems".into(), tree_problems.into());
    }
    for list in ["rejected", "warnings"] {
        if let Some(Value::Array(problems)) = report.get_mut(list) {
            for (value, problem) in problems
                .iter_mut()
                .zip(loaded.problems.iter().filter(|p| in_list(p, list)))
            {
                value["text"] = Value::String(problem.to_string());
            }
        }
    }
    Ok(Computed {
        order: MemberOrder::new(&index),
        index,
        memberships,
        report: Value::Object(report).to_string(),
        parse_options: request.options.rule_options(),
    })
}

/// Whether `problem` is in the report's list `list` (as `report_json` splits them).
fn in_list(problem: &Problem, list: &str) -> bool {
    match list {
        "rejected" => problem.rejects_record(),
        _ => !problem.rejects_record() && problem.severity == Severity::Warning,
    }
}

/// Computes every membership of `groups` over `inventory` (lists of paths or Arrow
/// tables).
#[pyfunction]
#[pyo3(signature = (inventory, groups, *, tenancy=None, strict=false, threads=None, shard=None,
                    max_groups_per_tenancy=50, max_groups_per_principal=5, compartments=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn compute(
    py: Python<'_>,
    inventory: Vec<Bound<'_, PyAny>>,
    groups: Vec<Bound<'_, PyAny>>,
    tenancy: Option<String>,
    strict: bool,
    threads: Option<usize>,
    shard: Option<(u64, u64)>,
    max_groups_per_tenancy: usize,
    max_groups_per_principal: usize,
    compartments: Option<Vec<Bound<'_, PyAny>>>,
) -> PyResult<Computed> {
    let shard = shard
        .map(|(k, n)| Shard::new(k, n))
        .transpose()
        .map_err(PyValueError::new_err)?;
    let request = Request {
        inventory: given(inventory, "inventory")?,
        groups: given(groups, "groups")?,
        compartments: given(compartments.unwrap_or_default(), "compartments")?,
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
    py.detach(|| run_in_pool(threads, || run(request)))
        .map_err(PyValueError::new_err)?
}

/// Why `principal` is or is not in each group of its tenancy (or in the groups named
/// `group`): `dyngroup explain --json`'s answer, as JSON text.
#[pyfunction]
#[pyo3(signature = (inventory, groups, principal, *, group=None, tenancy=None, strict=false,
                    threads=None, shard=None, compartments=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn explain(
    py: Python<'_>,
    inventory: Vec<Bound<'_, PyAny>>,
    groups: Vec<Bound<'_, PyAny>>,
    principal: String,
    group: Option<String>,
    tenancy: Option<String>,
    strict: bool,
    threads: Option<usize>,
    shard: Option<(u64, u64)>,
    compartments: Option<Vec<Bound<'_, PyAny>>>,
) -> PyResult<String> {
    let shard = shard
        .map(|(k, n)| Shard::new(k, n))
        .transpose()
        .map_err(PyValueError::new_err)?;
    let options = ReadOptions {
        tenancy,
        strict,
        ..ReadOptions::default()
    };
    let inventory = given(inventory, "inventory")?;
    let groups = given(groups, "groups")?;
    let compartments = given(compartments.unwrap_or_default(), "compartments")?;
    let work = move || -> PyResult<String> {
        let inventory = sources(inventory).map_err(PyValueError::new_err)?;
        let groups = sources(groups).map_err(PyValueError::new_err)?;
        let compartments = sources(compartments).map_err(PyValueError::new_err)?;
        let mut loaded = Loaded::read(&inventory, &groups, &options).map_err(input_error)?;
        loaded
            .scope_domains(&compartments, &options)
            .map_err(input_error)?;
        let run = Answer::of_run(
            &mut loaded,
            &principal,
            group.as_deref(),
            shard,
            options.rule_options(),
        );
        let answer = run.answer.map_err(PyLookupError::new_err)?;
        Ok(answer.to_json().to_string())
    };
    py.detach(|| run_in_pool(threads, work))
        .map_err(PyValueError::new_err)?
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
        py.detach(|| MembershipTable::build(&self.index, &self.memberships, &self.order))
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
        py.detach(|| {
            let snapshot = dyngroup_snapshot::Snapshot::from_bytes(bytes)?;
            let (index, memberships) = snapshot.to_index()?;
            Ok(Computed {
                order: MemberOrder::new(&index),
                index,
                memberships,
                report: report_json,
                parse_options: snapshot.parse_options(),
            })
        })
        .map_err(snapshot_error)
    }
}
