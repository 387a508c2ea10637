//! A closed stderr (`dyngroup … 2>&1 | head -1` once `head` has exited) loses the
//! diagnostics but changes nothing else: no panic (exit code 101), the exit code and
//! stdout of a run with an open stderr.

mod common;

use std::fs;
use std::process::{Command, Output, Stdio};

use common::{dyngroup, path, scratch, stderr};

/// Runs the binary with stderr connected to a pipe whose reading end is already
/// closed: every write to stderr fails with EPIPE.
fn with_closed_stderr(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_dyngroup"))
        .args(args)
        .stdin(Stdio::null())
        .stderr(writer)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_closed_stderr_keeps_the_exit_code_and_stdout_of_every_kind_of_run() {
    let dir = scratch("closed-stderr");
    let groups = path(&dir, "groups.jsonl");
    fs::write(
        &groups,
        concat!(
            r#"{"id": "ocid1.dynamicgroup.oc1..bad", "name": "bad", "matching-rule": "ANY {", "compartment-id": "ocid1.tenancy.oc1..t"}"#,
            "\n",
            r#"{"id": "ocid1.dynamicgroup.oc1..good", "name": "good", "matching-rule": "resource.type = 'instance'", "compartment-id": "ocid1.tenancy.oc1..t"}"#,
            "\n",
        ),
    )
    .unwrap();
    let missing = path(&dir, "missing.jsonl");
    let cases: [(&[&str], i32); 6] = [
        // A note and a summary on stderr, exit code 0.
        (&["compute"], 0),
        // An invalid rule, rendered over several lines: exit code 1.
        (
            &[
                "compute",
                "--inventory",
                "../../datasets/sample/inventory.jsonl",
                "--groups",
                &groups,
            ],
            1,
        ),
        (&["check", "--groups", &groups], 1),
        (&["check", "ANY {"], 1),
        // A failure that stops the run, said on stderr: exit code 2.
        (&["compute", "--inventory", &missing], 2),
        // A usage error clap reports.
        (&["compute", "--no-such-flag"], 2),
    ];
    for (args, code) in cases {
        let open = dyngroup(args);
        assert_eq!(
            open.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&open)
        );
        assert!(!open.stderr.is_empty(), "{args:?} writes to stderr");
        let closed = with_closed_stderr(args);
        assert_eq!(closed.status.code(), Some(code), "{args:?}");
        assert_eq!(closed.stdout, open.stdout, "{args:?}");
    }
}
