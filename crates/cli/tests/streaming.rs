//! `compute` streams JSON Lines into the index builder chunk by chunk (4 MiB at a time);
//! an inventory of several chunks, with duplicates, terminated principals and broken
//! lines spread through it, gives exactly what the same records give read whole as one
//! JSON document, in every output format and by group or by principal.

mod common;

use common::{dyngroup, path, scratch, stderr, stdout};

use std::fmt::Write as _;
use std::fs;

const PRINCIPALS: usize = 14_000;

fn tenancy(i: usize) -> String {
    format!("ocid1.tenancy.oc1..t{}", i % 5)
}

/// Record `i` (about 1.2 KB, most of it a field no one reads): every 97th repeats an
/// earlier id, every 89th is terminated.
fn record(i: usize) -> String {
    let id = if i % 97 == 96 { i - 50 } else { i };
    let state = if i.is_multiple_of(89) {
        "TERMINATED"
    } else {
        "RUNNING"
    };
    format!(
        r#"{{"id": "ocid1.instance.oc1.phx.{id:0>60}", "compartment-id": "ocid1.compartment.oc1..c{}", "tenancy-id": "{}", "lifecycle-state": "{state}", "display-name": "host-é-{i}", "metadata": "{:x>800}", "defined-tags": {{"ops": {{"role": "r{}", "env": "e{}"}}, "cost": {{"center": {}}}}}}}"#,
        i % 7,
        tenancy(i),
        i,
        i % 3,
        i % 4,
        i % 11
    )
}

fn groups() -> String {
    let mut text = String::new();
    for t in 0..5 {
        for (n, rule) in [
            "ALL {tag.ops.role.value = 'r1'}",
            "ANY {tag.ops.env.value = 'e2', tag.cost.center.value = '3'}",
            "ALL {instance.compartment.id = 'ocid1.compartment.oc1..c4', tag.ops.role.value != 'r0'}",
        ]
        .iter()
        .enumerate()
        {
            writeln!(
                text,
                r#"{{"name": "g{n}", "matching-rule": "{rule}", "compartment-id": "ocid1.tenancy.oc1..t{t}"}}"#
            )
            .unwrap();
        }
    }
    text
}

#[test]
fn a_jsonl_inventory_of_several_chunks_computes_what_one_document_computes() {
    let dir = scratch("chunks");
    let mut jsonl = String::new();
    let mut array = String::from("[\n");
    for i in 0..PRINCIPALS {
        let line = if i % 1000 == 500 {
            "{\"id\": \"cut".to_owned() // a broken line in every chunk
        } else {
            record(i)
        };
        jsonl.push_str(&line);
        jsonl.push('\n');
        if i % 1000 != 500 {
            if array.len() > 2 {
                array.push_str(",\n");
            }
            array.push_str(&record(i));
        }
    }
    array.push_str("\n]\n");
    assert!(jsonl.len() > 3 * (4 << 20), "several 4 MiB chunks");
    fs::write(dir.join("fleet.jsonl"), &jsonl).unwrap();
    fs::write(dir.join("fleet.json"), &array).unwrap();
    fs::write(dir.join("groups.jsonl"), groups()).unwrap();
    let groups = path(&dir, "groups.jsonl");

    // A pool of one thread: the pipelined read and the parallel write still finish,
    // with the same bytes.
    let run = |inventory: &str, threads: &str| {
        let out = dyngroup(&[
            "compute",
            "--inventory",
            &path(&dir, inventory),
            "--groups",
            &groups,
            "--threads",
            threads,
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stdout(&out)
    };
    assert!(run("fleet.jsonl", "1") == run("fleet.json", "2"));

    for (by, format) in [
        ("group", "jsonl"),
        ("group", "json"),
        ("group", "csv"),
        ("principal", "csv"),
    ] {
        {
            let run = |inventory: &str| {
                let out = dyngroup(&[
                    "compute",
                    "--inventory",
                    &path(&dir, inventory),
                    "--groups",
                    &groups,
                    "--by",
                    by,
                    "--format",
                    format,
                ]);
                assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
                out
            };
            let (streamed, whole) = (run("fleet.jsonl"), run("fleet.json"));
            assert!(stdout(&streamed).lines().count() > 5);
            assert!(
                stdout(&streamed) == stdout(&whole),
                "--by {by} --format {format}"
            );
            let problems = stderr(&streamed);
            let broken = problems.matches("invalid JSON").count();
            assert_eq!(broken, PRINCIPALS / 1000, "{problems}");
            let duplicates = problems.matches("duplicate principal id").count();
            assert_eq!(
                duplicates,
                stderr(&whole).matches("duplicate principal id").count()
            );
            assert!(duplicates > 100);
            let summary = |out: &std::process::Output| {
                stderr(out)
                    .lines()
                    .last()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .to_owned()
            };
            assert_eq!(summary(&streamed), summary(&whole));
        }
    }
}
