//! The exceptions of the package; each carries the text the CLI prints.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    dyngroup._native,
    DyngroupError,
    PyException,
    "Base class of every dyngroup error."
);
create_exception!(
    dyngroup._native,
    InputError,
    DyngroupError,
    "An input file could not be read at all (`cannot read FILE: reason`)."
);
create_exception!(
    dyngroup._native,
    RuleError,
    DyngroupError,
    "A matching rule does not parse; the message is the rule rendered with `^^^`."
);
create_exception!(
    dyngroup._native,
    SnapshotError,
    DyngroupError,
    "A snapshot file could not be written, opened or used (`snapshot: ...`)."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DyngroupError", py.get_type::<DyngroupError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("RuleError", py.get_type::<RuleError>())?;
    m.add("SnapshotError", py.get_type::<SnapshotError>())?;
    Ok(())
}

pub(crate) fn input_error(err: dyngroup_io::Error) -> PyErr {
    InputError::new_err(err.to_string())
}

pub(crate) fn snapshot_error(err: dyngroup_snapshot::Error) -> PyErr {
    SnapshotError::new_err(err.to_string())
}
