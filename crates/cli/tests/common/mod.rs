//! Helpers shared by the CLI tests: run the real binary, read its output, make scratch
//! directories. Each test file uses only some of them.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Runs the `dyngroup` binary cargo built for these tests.
pub fn dyngroup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dyngroup"))
        .args(args)
        .output()
        .expect("the binary runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

/// A fresh directory for one test, named after the test file and the process so that
/// test binaries running at once never share one.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dyngroup-{}-{}-{name}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `dir/name` as a string, for command-line arguments.
pub fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

/// `compute --snapshot dir/name` on the built-in sample (memberships to /dev/null);
/// returns the snapshot's path.
pub fn sample_snapshot(dir: &Path, name: &str) -> String {
    let snapshot = path(dir, name);
    let out = dyngroup(&["compute", "--snapshot", &snapshot, "--out", "/dev/null"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("snapshot "),
        "a snapshot phase is timed"
    );
    snapshot
}

/// Parses JSON Lines output.
pub fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}
