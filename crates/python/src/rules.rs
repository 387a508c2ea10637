//! `check` and `canonical`: the rule language of `dyngroup-rules`.

use dyngroup_rules::{Diagnostic, ParseOptions, Severity, parse_with, print};
use pyo3::prelude::*;

use crate::errors::RuleError;

/// One diagnostic as `(severity, message, line, column, rendered, help)`.
type DiagnosticTuple = (&'static str, String, usize, usize, String, Option<String>);

fn diagnostic_tuple(d: &Diagnostic, rule: &str) -> DiagnosticTuple {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    (
        severity,
        d.message.clone(),
        d.span.start.line,
        d.span.start.column,
        d.render(rule),
        d.help.clone(),
    )
}

fn options(strict: bool) -> ParseOptions {
    ParseOptions {
        strict,
        ..ParseOptions::default()
    }
}

/// Parses `rule`: `(canonical text or None, diagnostics)`; errors and warnings in text order.
#[pyfunction]
#[pyo3(signature = (rule, strict=false))]
pub(crate) fn check(rule: &str, strict: bool) -> (Option<String>, Vec<DiagnosticTuple>) {
    match parse_with(rule, &options(strict)) {
        Ok(parsed) => (
            Some(print(&parsed.ast)),
            parsed
                .warnings
                .iter()
                .map(|d| diagnostic_tuple(d, rule))
                .collect(),
        ),
        Err(err) => (
            None,
            err.diagnostics()
                .iter()
                .map(|d| diagnostic_tuple(d, rule))
                .collect(),
        ),
    }
}

/// The canonical text of `rule`; `RuleError` with the rendered diagnostics if it does not parse.
#[pyfunction]
#[pyo3(signature = (rule, strict=false))]
pub(crate) fn canonical(rule: &str, strict: bool) -> PyResult<String> {
    parse_with(rule, &options(strict))
        .map(|parsed| print(&parsed.ast))
        .map_err(|err| RuleError::new_err(err.render(rule)))
}
