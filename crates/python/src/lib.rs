//! The native module `dyngroup._native` of the `dyngroup` Python package.
//!
//! This crate converts between Python and the dyngroup crates and holds no logic of
//! its own: rules come from `dyngroup-rules`, inputs from `dyngroup-io`'s readers,
//! memberships and reports from `dyngroup-index`, snapshots from `dyngroup-snapshot`,
//! the live engine from `dyngroup-index`'s `engine` and `dyngroup-snapshot`'s file ends.
//! Every computation runs with the GIL released (`py.detach`); `threads=` runs it in a
//! local rayon pool, never the global one, so a host process keeps its own setting.
//! The Python layer (`crates/python/python/dyngroup`) adds the rule builder, typed
//! result classes and the Dask helper.

use pyo3::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod arrow;
mod compute;
mod engine;
mod errors;
mod rows;
mod rules;
mod snapshot;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(rules::check, m)?)?;
    m.add_function(wrap_pyfunction!(rules::canonical, m)?)?;
    m.add_function(wrap_pyfunction!(compute::compute, m)?)?;
    m.add_function(wrap_pyfunction!(compute::owns_tenancy, m)?)?;
    m.add_function(wrap_pyfunction!(compute::explain, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot::open, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot::diff, m)?)?;
    m.add_class::<arrow::MembershipTable>()?;
    m.add_class::<compute::Computed>()?;
    m.add_class::<snapshot::Snapshot>()?;
    m.add_class::<engine::LiveEngine>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
