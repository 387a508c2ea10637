//! Memberships as an Arrow table, handed over through the Arrow PyCapsule interface.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field, Schema};
use dyngroup_index::{GroupId, Index, MemberOrder, Memberships};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3_arrow::error::PyArrowResult;
use pyo3_arrow::ffi::{ArrayIterator, to_stream_pycapsule};
use rayon::prelude::*;

/// The columns, all `utf8` (string columns only: Spark rejects unsigned integers).
pub(crate) const COLUMNS: [&str; 4] = ["tenancy_id", "group_id", "group_name", "principal_id"];

/// How many rows one record batch holds, about (whole groups per batch): batches are
/// built in parallel and handed over as they are, never concatenated.
const ROWS_PER_BATCH: u64 = 1 << 17;

/// One row per membership: `tenancy_id`, `group_id`, `group_name`, `principal_id`, in the
/// index's order (group by group, members in the CLI's member order), as `dyngroup compute
/// --by group` writes, in one or more record batches.
///
/// Any Arrow consumer reads it through `__arrow_c_stream__` (`pyarrow.table(t)`,
/// `polars.DataFrame(t)`); it pickles as its four columns.
#[pyclass(module = "dyngroup._native", frozen)]
#[derive(Debug)]
pub(crate) struct MembershipTable {
    batches: Vec<RecordBatch>,
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(
        COLUMNS
            .iter()
            .map(|name| Field::new(*name, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ))
}

fn batch_of(columns: Vec<ArrayRef>) -> PyResult<RecordBatch> {
    RecordBatch::try_new(schema(), columns)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// The groups in runs of about [`ROWS_PER_BATCH`] members.
fn chunks(memberships: &Memberships, groups: &[GroupId]) -> Vec<Range<usize>> {
    let bitmaps = memberships.group_bitmaps();
    let mut chunks = Vec::new();
    let (mut start, mut rows) = (0, 0);
    for (i, g) in groups.iter().enumerate() {
        rows += bitmaps[g.index()].len();
        if rows >= ROWS_PER_BATCH {
            chunks.push(start..i + 1);
            (start, rows) = (i + 1, 0);
        }
    }
    if start < groups.len() || chunks.is_empty() {
        chunks.push(start..groups.len());
    }
    chunks
}

/// One record batch: every membership of `groups`.
fn build_batch(
    index: &Index,
    memberships: &Memberships,
    order: &MemberOrder,
    groups: &[GroupId],
) -> PyResult<RecordBatch> {
    let members: Vec<Vec<&str>> = groups
        .iter()
        .map(|&g| order.members(index, memberships, g))
        .collect();
    let rows: usize = members.iter().map(Vec::len).sum();
    let mut bytes = [0usize; 4];
    for (&g, list) in groups.iter().zip(&members) {
        let group = index.group(g);
        bytes[0] += group.tenancy_id.len() * list.len();
        bytes[1] += group.id.len() * list.len();
        bytes[2] += group.name.len() * list.len();
        bytes[3] += list.iter().map(|m| m.len()).sum::<usize>();
    }
    // utf8 offsets are i32: a batch is whole groups, so one group past ~20M members
    // does not fit one (an error, not a panic).
    if bytes.iter().any(|&b| b > i32::MAX as usize) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "a group's memberships need more than 2 GiB in one utf8 column",
        ));
    }
    let mut builders: Vec<StringBuilder> = bytes
        .iter()
        .map(|&b| StringBuilder::with_capacity(rows, b))
        .collect();
    for (&g, list) in groups.iter().zip(&members) {
        let group = index.group(g);
        for member in list {
            builders[0].append_value(&group.tenancy_id);
            builders[1].append_value(&group.id);
            builders[2].append_value(&group.name);
            builders[3].append_value(member);
        }
    }
    batch_of(
        builders
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect(),
    )
}

impl MembershipTable {
    /// Every membership of `memberships`, in `order` within each group; batches of
    /// whole groups built in parallel (rayon).
    pub(crate) fn build(
        index: &Index,
        memberships: &Memberships,
        order: &MemberOrder,
    ) -> PyResult<MembershipTable> {
        let groups: Vec<GroupId> = index.group_ids().collect();
        let batches = chunks(memberships, &groups)
            .into_par_iter()
            .map(|range| build_batch(index, memberships, order, &groups[range]))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(MembershipTable { batches })
    }

    fn column_values(&self, i: usize) -> Vec<String> {
        let mut values = Vec::new();
        for batch in &self.batches {
            let column = batch.column(i).as_string::<i32>();
            values.extend(column.iter().map(|v| v.unwrap_or("").to_owned()));
        }
        values
    }

    fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

#[pymethods]
impl MembershipTable {
    /// A table from its four columns (what pickling stores).
    #[new]
    fn new(
        tenancy_id: Vec<String>,
        group_id: Vec<String>,
        group_name: Vec<String>,
        principal_id: Vec<String>,
    ) -> PyResult<MembershipTable> {
        let batch = batch_of(
            [tenancy_id, group_id, group_name, principal_id]
                .into_iter()
                .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
                .collect(),
        )?;
        Ok(MembershipTable {
            batches: vec![batch],
        })
    }

    fn __getnewargs__(&self) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
        (
            self.column_values(0),
            self.column_values(1),
            self.column_values(2),
            self.column_values(3),
        )
    }

    /// The column names.
    #[getter]
    fn column_names(&self) -> Vec<&'static str> {
        COLUMNS.to_vec()
    }

    /// How many memberships.
    #[getter]
    fn num_rows(&self) -> usize {
        self.rows()
    }

    fn __len__(&self) -> usize {
        self.rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "MembershipTable({} rows: {})",
            self.rows(),
            COLUMNS.join(", ")
        )
    }

    /// The Arrow PyCapsule stream interface: record batches of four utf8 columns.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyArrowResult<Bound<'py, PyCapsule>> {
        let fields = schema().fields().clone();
        let arrays: Vec<ArrayRef> = self
            .batches
            .iter()
            .map(|b| Arc::new(StructArray::from(b.clone())) as ArrayRef)
            .collect();
        let reader = Box::new(ArrayIterator::new(
            arrays.into_iter().map(Ok),
            Field::new_struct("", fields, false).into(),
        ));
        to_stream_pycapsule(py, reader, requested_schema)
    }
}
