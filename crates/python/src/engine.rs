//! The live engine: a snapshot opened as `dyngroup_index::engine::Engine` (through
//! `dyngroup-snapshot`'s `EngineFile`), changes read by `dyngroup-io`'s changes reader,
//! the delta built by `dyngroup-io`'s `delta_records` (what `dyngroup apply` prints).
//!
//! One writer at a time (a mutex, taken with the GIL released); reads go through the
//! engine's `Reader` (an atomic load of the latest published version), so other threads
//! read while a batch is applied, and see either the version before it or after it.

use std::path::PathBuf;
use std::sync::Mutex;

use dyngroup_index::Limits;
use dyngroup_index::engine::{Engine, EngineOptions, Reader};
use dyngroup_io::{ReadOptions, delta_records, read_changes_from, version_groups};
use dyngroup_snapshot::EngineFile;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use serde_json::{Value, json};

use crate::errors::{input_error, snapshot_error};

type GroupTuple = (String, String, String);

/// A snapshot opened as a live engine.
#[pyclass(module = "dyngroup._native", name = "Engine", frozen)]
pub(crate) struct LiveEngine {
    writer: Mutex<Engine>,
    reader: Reader,
    read_options: ReadOptions,
    path: PathBuf,
}

#[pymethods]
impl LiveEngine {
    /// Opens `path` (deep-verified, no inventory replayed) as `dyngroup apply` does: its
    /// rules keep the options they were written under; `strict` applies to changes;
    /// `max_groups_per_tenancy` is each tenancy's group limit for new groups.
    #[staticmethod]
    #[pyo3(signature = (path, *, tenancy=None, strict=false, max_groups_per_tenancy=50))]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        tenancy: Option<String>,
        strict: bool,
        max_groups_per_tenancy: usize,
    ) -> PyResult<LiveEngine> {
        let engine = py
            .detach(|| {
                let mut parse = dyngroup_snapshot::Snapshot::open(&path)?.parse_options();
                parse.strict |= strict;
                let options = EngineOptions {
                    limits: Limits {
                        max_groups_per_tenancy,
                        ..Limits::default()
                    },
                    parse,
                };
                Engine::open(&path, options)
            })
            .map_err(snapshot_error)?;
        let parse = engine.options().parse;
        let read_options = ReadOptions {
            tenancy,
            strict: parse.strict,
            max_rule_depth: parse.max_depth,
            ..ReadOptions::default()
        };
        Ok(LiveEngine {
            reader: engine.reader(),
            writer: Mutex::new(engine),
            read_options,
            path,
        })
    }

    /// Applies changes given as JSON Lines (one change per line, as a changes file);
    /// returns `{"delta": [...], "problems": [...], "refused": [...], "version": n}` as
    /// JSON text: the delta as `dyngroup apply` prints it, the lines that could not be
    /// read (`problems`, each with its `text`), the changes the engine refused
    /// (`refused`: `{"line", "text"}`).
    fn apply(&self, py: Python<'_>, jsonl: &[u8], name: &str) -> PyResult<String> {
        py.detach(|| {
            let mut changes =
                read_changes_from(jsonl, name, &self.read_options).map_err(input_error)?;
            let mut engine = self
                .writer
                .lock()
                .map_err(|_| PyRuntimeError::new_err("the engine's writer panicked"))?;
            let before = version_groups(&engine.snapshot());
            let applied = engine.apply(changes.changes.iter().map(|c| c.change.clone()));
            let delta = delta_records(&before, &engine.snapshot(), &applied.delta);
            drop(engine);
            // Each refusal once, as the CLI reports them.
            let refused: Vec<Value> = changes
                .merge_refusals(&applied.refused)
                .into_iter()
                .map(|(line, message)| json!({"line": line, "text": format!("{name}:{line}: {message}")}))
                .collect();
            let problems: Vec<Value> = changes
                .problems
                .iter()
                .map(|p| {
                    let mut value = json!(p);
                    value["text"] = json!(p.to_string());
                    value
                })
                .collect();
            let out = json!({
                "delta": delta.records,
                "problems": problems,
                "refused": refused,
                "version": applied.version,
            });
            Ok(out.to_string())
        })
    }

    /// Writes the latest version as a snapshot, atomically; returns the file's size.
    /// Reads only that immutable version: changes may be applied meanwhile.
    fn checkpoint(&self, py: Python<'_>, path: PathBuf) -> PyResult<u64> {
        let version = self.reader.snapshot();
        py.detach(|| dyngroup_snapshot::checkpoint(&version, &path))
            .map_err(snapshot_error)
    }

    /// The snapshot file it was opened from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The latest published version's number.
    #[getter]
    fn version(&self) -> u64 {
        self.reader.snapshot().version()
    }

    /// How many principals are indexed.
    #[getter]
    fn principal_count(&self) -> usize {
        self.reader.snapshot().principal_count()
    }

    /// How many groups there are.
    #[getter]
    fn group_count(&self) -> usize {
        self.reader.snapshot().group_count()
    }

    /// The groups of a principal as `(tenancy_id, group_id, group_name)`, or None for a
    /// principal that is not indexed.
    fn groups_of(&self, principal_id: &str) -> Option<Vec<GroupTuple>> {
        let version = self.reader.snapshot();
        let groups = version.groups_of(principal_id)?;
        Some(
            groups
                .iter()
                .map(|g| {
                    (
                        g.tenancy_id().to_owned(),
                        g.id().to_owned(),
                        g.name().to_owned(),
                    )
                })
                .collect(),
        )
    }

    /// The member OCIDs of the group `name` of `tenancy_id` (case-insensitive name), or
    /// None when there is no such group.
    fn members(&self, tenancy_id: &str, name: &str) -> Option<Vec<String>> {
        let version = self.reader.snapshot();
        let group = version.group_by_name(tenancy_id, name)?;
        Some(group.members().map(str::to_owned).collect())
    }

    /// Whether the principal is a member of the group (by OCIDs).
    fn is_member(&self, principal_id: &str, group_id: &str) -> bool {
        self.reader.snapshot().is_member(principal_id, group_id)
    }

    fn __repr__(&self) -> String {
        let version = self.reader.snapshot();
        format!(
            "Engine({:?}, version {}: {} principals, {} groups)",
            self.path,
            version.version(),
            version.principal_count(),
            version.group_count()
        )
    }
}
