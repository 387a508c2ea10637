//! The peer comparison behind `compare` (and helpers for the criterion benches).
//!
//! `compare --profile S` loads a generated fleet once and times, with medians over
//! several runs: dyngroup's build, evaluation (rayon and one thread), transpose and
//! end-to-end run from the JSONL files; the naive reference evaluator (one thread and
//! rayon); and DuckDB over tables loaded from the same files (`tools/peers/`). It checks
//! that every engine gives every group the same member count, then prints a table of
//! medians and ratios to dyngroup, with the index's memory and the machine's memory
//! bandwidth. See `benches/README.md`.
//!
//! - [`sql`]: matching rules → SQL predicates for the DuckDB peer;
//! - [`engines`]: the in-process engines, returning per-group member counts;
//! - [`compare`]: the run itself; [`report`]: the table and the JSON;
//! - [`duckdb`]: the venv and the Python runner; [`heap`]: the index's heap, measured
//!   by the `index-heap` binary; [`data`]: finding or generating the
//!   data; [`machine`]: bandwidth and peak RSS; [`timing`]: runs and medians;
//! - [`rng`]: the seeded generator of the criterion benches' fleets.
#![deny(missing_docs)]

pub mod compare;
pub mod data;
pub mod duckdb;
pub mod engines;
pub mod heap;
pub mod machine;
pub mod report;
pub mod rng;
pub mod sql;
pub mod timing;
