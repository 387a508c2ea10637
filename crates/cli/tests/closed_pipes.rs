//! Closed pipes never make the binary panic (exit code 101). A closed stderr
//! (`dyngroup … 2>&1 | head -1` once `head` has exited) loses the diagnostics but
//! changes nothing else: the exit code and stdout of a run with an open stderr. A
//! closed stdout stops the run with exit code 2, in every command.

mod common;

use std::fs;
use std::process::{Command, Output, Stdio};

use common::{dyngroup, path, sample_snapshot, scratch, stderr};

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    writer.into()
}

fn with_closed_stderr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dyngroup"))
        .args(args)
        .stdin(Stdio::null())
        .stderr(closed_pipe())
        .output()
        .expect("the binary runs")
}

fn with_closed_stdout(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dyngroup"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(closed_pipe())
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

#[test]
fn a_closed_stdout_stops_every_command_with_exit_code_2() {
    let dir = scratch("closed-stdout");
    let snapshot = sample_snapshot(&dir, "s.dgs");
    let web01 = "ocid1.instance.oc1.phx.anyhqljrexampleweb01";
    let changes = path(&dir, "changes.jsonl");
    fs::write(
        &changes,
        format!("{{\"op\": \"remove-principal\", \"id\": \"{web01}\"}}\n"),
    )
    .unwrap();
    let later = path(&dir, "later.dgs");
    let applied = dyngroup(&[
        "apply",
        "--snapshot",
        &snapshot,
        "--changes",
        &changes,
        "--out",
        &later,
    ]);
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let statement = "Allow dynamic-group web to read buckets in tenancy";
    let cases: [&[&str]; 10] = [
        &["compute"],
        &["check", "--canonical", "ANY {resource.type = 'instance'}"],
        &["explain", "--principal", web01],
        &["explain", "--principal", web01, "--json"],
        &["query", "--snapshot", &snapshot, "--principal", web01],
        &["inspect", &snapshot],
        &["inspect", &snapshot, "--json"],
        &["diff", &snapshot, &later, "--json"],
        &["diff", &snapshot, &later],
        &["policy", "check", "--canonical", statement],
    ];
    for args in cases {
        let open = dyngroup(args);
        assert!(!open.stdout.is_empty(), "{args:?} writes to stdout");
        let closed = with_closed_stdout(args);
        let err = stderr(&closed);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(closed.status.code(), Some(2), "{args:?}: {err}");
    }
}
