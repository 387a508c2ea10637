//! Outputs through the real binary: `--out`, `--report` and `--snapshot` are replaced
//! together and only when the whole run succeeded; paths that collide are usage errors
//! (in every command: standard input twice, an output naming an input);
//! a directory given as a snapshot gets one message in every command.

mod common;

use std::fs;
use std::path::Path;

use common::{dyngroup, path, sample_snapshot, scratch, stderr};

const OLD: &str = "the previous run's output\n";

/// The names in `dir`, sorted (temporary files start with a dot).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `compute` on the built-in sample with `extra` flags; expects exit code 2 and
/// the old `--out` untouched, no temporary file left. Returns stderr.
fn fails_keeping_out(name: &str, extra: &[&str]) -> String {
    let dir = scratch(name);
    let out = path(&dir, "out.jsonl");
    fs::write(&out, OLD).unwrap();
    let mut args = vec!["compute", "--out", &out];
    args.extend_from_slice(extra);
    let run = dyngroup(&args);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert_eq!(fs::read_to_string(&out).unwrap(), OLD, "{err}");
    assert_eq!(listing(&dir), ["out.jsonl"], "{err}");
    err
}

#[test]
fn a_report_that_cannot_be_created_leaves_out_unchanged() {
    let err = fails_keeping_out(
        "report-missing-dir",
        &["--report", "/nonexistent-dir/r.json"],
    );
    assert!(
        err.contains("cannot write /nonexistent-dir/r.json: No such file or directory"),
        "{err}"
    );
    // The run stopped before reading anything: no summary line.
    assert!(!err.contains("memberships;"), "{err}");
}

#[test]
fn a_report_that_fails_while_written_leaves_out_unchanged() {
    // /dev/full accepts the open and fails the write: --out was already written to its
    // temporary file by then, which must not replace the old output.
    let err = fails_keeping_out("report-full", &["--report", "/dev/full"]);
    assert!(err.contains("/dev/full"), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
}

#[test]
fn a_snapshot_that_fails_leaves_out_and_report_unchanged() {
    let dir = scratch("snapshot-full");
    let (out, report) = (path(&dir, "out.jsonl"), path(&dir, "report.json"));
    fs::write(&out, OLD).unwrap();
    fs::write(&report, OLD).unwrap();
    let run = dyngroup(&[
        "compute",
        "--out",
        &out,
        "--report",
        &report,
        "--snapshot",
        "/dev/full",
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("/dev/full"), "{}", stderr(&run));
    assert_eq!(fs::read_to_string(&out).unwrap(), OLD);
    assert_eq!(fs::read_to_string(&report).unwrap(), OLD);
    assert_eq!(listing(&dir), ["out.jsonl", "report.json"]);
}

#[test]
fn a_failing_snapshot_stops_the_run_before_memberships_go_to_stdout() {
    let run = dyngroup(&["compute", "--snapshot", "/dev/full"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(run.stdout.is_empty(), "nothing printed for a failed run");
}

#[test]
fn a_snapshot_in_a_missing_directory_leaves_out_unchanged() {
    let err = fails_keeping_out(
        "snapshot-missing-dir",
        &["--snapshot", "/nonexistent-dir/s.dgs"],
    );
    assert!(err.contains("/nonexistent-dir/s.dgs"), "{err}");
}

#[test]
fn a_successful_run_replaces_every_output_and_leaves_no_temporary_file() {
    let dir = scratch("all-written");
    let (out, report, snapshot) = (
        path(&dir, "out.jsonl"),
        path(&dir, "report.json"),
        path(&dir, "fleet.dgs"),
    );
    for file in [&out, &report, &snapshot] {
        fs::write(file, OLD).unwrap();
    }
    let run = dyngroup(&[
        "compute",
        "--out",
        &out,
        "--report",
        &report,
        "--snapshot",
        &snapshot,
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        fs::read_to_string(&out)
            .unwrap()
            .starts_with("{\"tenancy-id\"")
    );
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert!(report["totals"]["groups"].as_u64().unwrap() > 0);
    let inspect = dyngroup(&["inspect", &snapshot]);
    assert_eq!(inspect.status.code(), Some(0), "{}", stderr(&inspect));
    assert_eq!(listing(&dir), ["fleet.dgs", "out.jsonl", "report.json"]);
}

#[test]
fn two_outputs_naming_one_file_are_a_usage_error() {
    let dir = scratch("same-file");
    let out = path(&dir, "out.jsonl");
    fs::write(&out, OLD).unwrap();
    let dotted = format!("{}/./out.jsonl", dir.display());
    let link = path(&dir, "link.jsonl");
    std::os::unix::fs::symlink(&out, &link).unwrap();
    let hard = path(&dir, "hard.jsonl");
    fs::hard_link(&out, &hard).unwrap();
    let new = path(&dir, "new.json");
    let new_dotted = format!("{}/./new.json", dir.display());
    let cases: [&[&str]; 6] = [
        &["--out", &out, "--report", &out],
        &["--out", &out, "--report", &dotted],
        &["--out", &link, "--snapshot", &out],
        &["--out", &out, "--report", &hard],
        &["--out", "-", "--report", "-"],
        &["--out", &new, "--report", &new_dotted],
    ];
    for extra in cases {
        let mut args = vec!["compute"];
        args.extend_from_slice(extra);
        let run = dyngroup(&args);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains("name one file"), "{extra:?}: {err}");
        assert!(run.stdout.is_empty(), "{extra:?}");
        assert_eq!(fs::read_to_string(&out).unwrap(), OLD);
    }
    assert_eq!(
        listing(&dir),
        ["hard.jsonl", "link.jsonl", "out.jsonl"],
        "nothing created"
    );
    // A device written in place may be named twice.
    let run = dyngroup(&["compute", "--out", "/dev/null", "--report", "/dev/null"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

#[test]
fn standard_input_for_two_inputs_is_a_usage_error_in_every_command() {
    let principal = ["--principal", "ocid1.instance.oc1..x"];
    let request = [
        "--verb",
        "read",
        "--resource-type",
        "all-resources",
        "--compartment",
        "ocid1.tenancy.oc1..x",
    ];
    let cases: Vec<Vec<&str>> = vec![
        vec!["compute", "--inventory", "-", "--groups", "-"],
        vec![
            "compute",
            "--groups",
            "-",
            "--policies",
            "-",
            "--compartments",
            "c.json",
        ],
        [
            &["explain", "--inventory", "-", "--inventory", "-"][..],
            &principal,
        ]
        .concat(),
        vec!["check", "--groups", "-", "--groups", "-"],
        vec!["policy", "check", "--policies", "-", "--compartments", "-"],
        vec![
            "policy",
            "check",
            "--policies",
            "p.json",
            "--groups",
            "-",
            "--compartments",
            "-",
        ],
        [
            &["can", "--policies", "-", "--compartments", "-"][..],
            &principal,
        ]
        .concat(),
        [
            &[
                "can",
                "--inventory",
                "-",
                "--policies",
                "-",
                "--compartments",
                "c.json",
            ][..],
            &principal,
        ]
        .concat(),
        [
            &["who-can", "--policies", "-", "--compartments", "-"][..],
            &request,
        ]
        .concat(),
        [
            &[
                "who-can",
                "--groups",
                "-",
                "--policies",
                "p.json",
                "--compartments",
                "-",
            ][..],
            &request,
        ]
        .concat(),
    ];
    for args in cases {
        let run = dyngroup(&args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", stderr(&run));
        assert_eq!(
            stderr(&run),
            "dyngroup: standard input (`-`) is given for two inputs: it can be read only once\n",
            "{args:?}"
        );
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn an_output_naming_an_input_is_a_usage_error() {
    let dir = scratch("out-is-input");
    let groups = path(&dir, "groups.jsonl");
    let original = fs::read_to_string("../../datasets/sample/groups.jsonl").unwrap();
    fs::write(&groups, &original).unwrap();
    let run = dyngroup(&[
        "compute",
        "--inventory",
        "../../datasets/sample/inventory.jsonl",
        "--groups",
        &groups,
        "--report",
        &groups,
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("--report names the --groups file"),
        "{}",
        stderr(&run)
    );
    assert_eq!(fs::read_to_string(&groups).unwrap(), original);
}

#[test]
fn a_directory_as_snapshot_gets_one_message_in_every_command() {
    let dir = scratch("snapshot-dir");
    let d = dir.to_string_lossy().into_owned();
    let good = path(&dir, "good.dgs");
    let made = dyngroup(&["compute", "--out", "/dev/null", "--snapshot", &good]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let changes = path(&dir, "changes.jsonl");
    fs::write(&changes, "").unwrap();
    let expected = format!("dyngroup: snapshot: {d}: is a directory, not a snapshot file\n");
    let commands: [&[&str]; 7] = [
        &["query", "--snapshot", &d, "--group", "web"],
        &[
            "query",
            "--snapshot",
            &d,
            "--principal",
            "ocid1.instance.oc1..x",
        ],
        &["inspect", &d],
        &["diff", &d, &good],
        &["diff", &good, &d],
        &["apply", "--snapshot", &d, "--changes", &changes],
        &["compute", "--out", "/dev/null", "--snapshot", &d],
    ];
    for args in commands {
        let run = dyngroup(args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&run), expected, "{args:?}");
        assert!(run.stdout.is_empty(), "{args:?}");
    }
    let run = dyngroup(&[
        "apply",
        "--snapshot",
        &good,
        "--changes",
        &changes,
        "--out",
        &d,
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(stderr(&run), expected);
}

#[test]
fn apply_out_naming_an_input_is_a_usage_error_under_any_spelling() {
    let dir = scratch("apply-out-is-input");
    let snapshot = sample_snapshot(&dir, "s.dgs");
    let changes = path(&dir, "changes.jsonl");
    let text = r#"{"op": "remove-principal", "id": "ocid1.instance.oc1..x"}"#.to_owned() + "\n";
    fs::write(&changes, &text).unwrap();
    let link = path(&dir, "link.jsonl");
    std::os::unix::fs::symlink(&changes, &link).unwrap();
    let dotted = format!("{}/./changes.jsonl", dir.display());
    let snapshot_link = path(&dir, "link.dgs");
    std::os::unix::fs::symlink(&snapshot, &snapshot_link).unwrap();
    let before = fs::read(&snapshot).unwrap();
    let cases = [
        (&changes, "--changes"),
        (&dotted, "--changes"),
        (&link, "--changes"),
        (&snapshot, "--snapshot"),
        (&snapshot_link, "--snapshot"),
    ];
    for (out, input) in cases {
        let run = dyngroup(&[
            "apply",
            "--snapshot",
            &snapshot,
            "--changes",
            &changes,
            "--out",
            out,
        ]);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{out}: {err}");
        assert!(
            err.contains(&format!("--out names the {input} file"))
                && err.contains("an output never replaces an input"),
            "{out}: {err}"
        );
        assert!(run.stdout.is_empty(), "{out}");
        assert_eq!(fs::read_to_string(&changes).unwrap(), text, "{out}");
        assert_eq!(fs::read(&snapshot).unwrap(), before, "{out}");
    }
    assert_eq!(
        listing(&dir),
        ["changes.jsonl", "link.dgs", "link.jsonl", "s.dgs"],
        "nothing created"
    );
    // Without --out the new snapshot replaces --snapshot, as documented.
    let run = dyngroup(&["apply", "--snapshot", &snapshot, "--changes", &changes]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}
