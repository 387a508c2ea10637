//! Snapshot files: `open` answers queries through `dyngroup-snapshot`'s query API;
//! `diff` lists what changed between two.

use std::path::PathBuf;

use dyngroup_snapshot::GroupDiff;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::snapshot_error;

/// An opened, validated snapshot file.
#[pyclass(module = "dyngroup._native", frozen)]
#[derive(Debug)]
pub(crate) struct Snapshot {
    inner: dyngroup_snapshot::Snapshot,
    path: PathBuf,
    mmap: bool,
}

fn load(
    path: &PathBuf,
    mmap: bool,
) -> Result<dyngroup_snapshot::Snapshot, dyngroup_snapshot::Error> {
    if mmap {
        dyngroup_snapshot::Snapshot::open(path)
    } else {
        dyngroup_snapshot::Snapshot::read(path)
    }
}

/// Opens and validates a snapshot. `mmap=True` maps the file instead of reading it:
/// faster to open, but the file must then not change in place while it is open.
#[pyfunction]
#[pyo3(signature = (path, *, mmap=false))]
pub(crate) fn open(py: Python<'_>, path: PathBuf, mmap: bool) -> PyResult<Snapshot> {
    let inner = py.detach(|| load(&path, mmap)).map_err(snapshot_error)?;
    Ok(Snapshot { inner, path, mmap })
}

type GroupTuple = (String, String, String);

#[pymethods]
impl Snapshot {
    /// The file it was opened from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// How many principals are indexed.
    #[getter]
    fn principal_count(&self) -> usize {
        self.inner.principal_count()
    }

    /// How many groups it holds.
    #[getter]
    fn group_count(&self) -> usize {
        self.inner.group_count()
    }

    /// The groups of a principal as `(tenancy_id, group_id, group_name)`, or None for a
    /// principal that is not indexed (unknown or terminated).
    fn groups_of(&self, principal_id: &str) -> Option<Vec<GroupTuple>> {
        let p = self.inner.principal_id(principal_id)?;
        Some(
            self.inner
                .groups_of(p)
                .map(|g| {
                    let group = self.inner.group(g);
                    (
                        group.tenancy_id.to_owned(),
                        group.id.to_owned(),
                        group.name.to_owned(),
                    )
                })
                .collect(),
        )
    }

    /// Every group as `(tenancy_id, group_id, group_name)`, in the snapshot's order.
    fn groups(&self) -> Vec<GroupTuple> {
        self.inner
            .group_ids()
            .map(|g| {
                let group = self.inner.group(g);
                (
                    group.tenancy_id.to_owned(),
                    group.id.to_owned(),
                    group.name.to_owned(),
                )
            })
            .collect()
    }

    /// The member OCIDs of the group `name` of `tenancy_id` (case-insensitive name), or
    /// None when there is no such group.
    fn members(&self, tenancy_id: &str, name: &str) -> PyResult<Option<Vec<String>>> {
        let Some(g) = self.inner.group_id(tenancy_id, name) else {
            return Ok(None);
        };
        let members = self.inner.member_ocids(g).map_err(snapshot_error)?;
        Ok(Some(members.into_iter().map(str::to_owned).collect()))
    }

    /// The tenancies that have a group named `name` (case-insensitive).
    fn tenancies_with_group(&self, name: &str) -> Vec<String> {
        self.inner
            .groups_named(name)
            .into_iter()
            .map(|g| self.inner.group(g).tenancy_id.to_owned())
            .collect()
    }

    /// Pickled as its path: the unpickled snapshot opens the file again.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (PathBuf,))> {
        let py = slf.py();
        let open = py.import("dyngroup._native")?.getattr("open")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("mmap", slf.get().mmap)?;
        // `open(path, mmap=...)` through `functools.partial`, since reduce takes positional args.
        let partial = py
            .import("functools")?
            .getattr("partial")?
            .call((open,), Some(&kwargs))?;
        Ok((partial, (slf.get().path.clone(),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "Snapshot({:?}: {} principals, {} groups)",
            self.path,
            self.inner.principal_count(),
            self.inner.group_count()
        )
    }
}

fn diff_dict<'py>(py: Python<'py>, d: &GroupDiff) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("tenancy_id", &d.tenancy_id)?;
    dict.set_item("group_id", &d.group_id)?;
    dict.set_item("name", &d.name)?;
    dict.set_item("change", d.change.as_str())?;
    dict.set_item("rule_changed", d.rule_changed)?;
    dict.set_item("joined", &d.joined)?;
    dict.set_item("left", &d.left)?;
    Ok(dict)
}

/// What changed from snapshot `old` to `new`, one dict per changed group.
#[pyfunction]
pub(crate) fn diff<'py>(
    py: Python<'py>,
    old: &Snapshot,
    new: &Snapshot,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let diffs = py
        .detach(|| dyngroup_snapshot::diff(&old.inner, &new.inner))
        .map_err(snapshot_error)?;
    diffs.iter().map(|d| diff_dict(py, d)).collect()
}
