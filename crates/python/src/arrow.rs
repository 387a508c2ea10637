//! Memberships as an Arrow table, handed over through the Arrow PyCapsule interface.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field, Schema};
use dyngroup_index::{Index, MemberOrder, Memberships};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3_arrow::error::PyArrowResult;
use pyo3_arrow::ffi::{ArrayIterator, to_stream_pycapsule};

/// The columns, all `utf8` (string columns only: Spark rejects unsigned integers).
pub(crate) const COLUMNS: [&str; 4] = ["tenancy_id", "group_id", "group_name", "principal_id"];

/// One row per membership: `tenancy_id`, `group_id`, `group_name`, `principal_id`, in the
/// index's order (group by group, members by ordinal), as `dyngroup compute --by group` writes.
///
/// Any Arrow consumer reads it through `__arrow_c_stream__` (`pyarrow.table(t)`,
/// `polars.DataFrame(t)`); it pickles as its four columns.
#[pyclass(module = "dyngroup._native", frozen)]
#[derive(Debug)]
pub(crate) struct MembershipTable {
    batch: RecordBatch,
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(
        COLUMNS
            .iter()
            .map(|name| Field::new(*name, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ))
}

impl MembershipTable {
    fn from_columns(columns: Vec<ArrayRef>) -> PyResult<MembershipTable> {
        let batch = RecordBatch::try_new(schema(), columns)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok(MembershipTable { batch })
    }

    /// Every membership of `memberships`.
    pub(crate) fn build(index: &Index, memberships: &Memberships) -> PyResult<MembershipTable> {
        let rows: usize = memberships
            .group_bitmaps()
            .iter()
            .map(|b| b.len() as usize)
            .sum();
        let mut builders: Vec<StringBuilder> = (0..COLUMNS.len())
            .map(|_| StringBuilder::with_capacity(rows, rows * 32))
            .collect();
        // The CLI's member order, so that the rows are its `--by group` lines.
        let order = MemberOrder::new(index);
        for g in index.group_ids() {
            let group = index.group(g);
            for member in order.members(index, memberships, g) {
                builders[0].append_value(&group.tenancy_id);
                builders[1].append_value(&group.id);
                builders[2].append_value(&group.name);
                builders[3].append_value(member);
            }
        }
        MembershipTable::from_columns(
            builders
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef)
                .collect(),
        )
    }

    fn column_values(&self, i: usize) -> Vec<String> {
        let column = self
            .batch
            .column(i)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("every column is utf8");
        column.iter().map(|v| v.unwrap_or("").to_owned()).collect()
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
        MembershipTable::from_columns(
            [tenancy_id, group_id, group_name, principal_id]
                .into_iter()
                .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
                .collect(),
        )
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
        self.batch.num_rows()
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "MembershipTable({} rows: {})",
            self.batch.num_rows(),
            COLUMNS.join(", ")
        )
    }

    /// The Arrow PyCapsule stream interface: one record batch of four utf8 columns.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyArrowResult<Bound<'py, PyCapsule>> {
        let fields = self.batch.schema().fields().clone();
        let array: ArrayRef = Arc::new(StructArray::from(self.batch.clone()));
        let reader = Box::new(ArrayIterator::new(
            std::iter::once(Ok(array)),
            Field::new_struct("", fields, false).into(),
        ));
        to_stream_pycapsule(py, reader, requested_schema)
    }
}
