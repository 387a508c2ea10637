//! `dyngroup check` through the real binary: the diagnostics of issue 11 item 10.

mod common;

use common::{dyngroup, jsonl, path, scratch, stderr, stdout};

use std::fs;

const TENANCY: &str = "ocid1.tenancy.oc1..t";

/// A groups JSON Lines file with one group per rule, named `g0`, `g1`, …
fn groups_file(dir: &std::path::Path, rules: &[&str]) -> String {
    let lines: Vec<String> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            serde_json::json!({"name": format!("g{i}"), "compartment-id": TENANCY, "matching-rule": rule})
                .to_string()
        })
        .collect();
    let file = path(dir, "groups.jsonl");
    fs::write(&file, lines.join("\n") + "\n").expect("write groups");
    file
}

/// Runs `dyngroup check` with a rule given as raw bytes (Unix: arguments are bytes).
#[cfg(unix)]
fn check_bytes(rule: &[u8]) -> std::process::Output {
    use std::os::unix::ffi::OsStrExt;
    std::process::Command::new(env!("CARGO_BIN_EXE_dyngroup"))
        .arg("check")
        .arg(std::ffi::OsStr::from_bytes(rule))
        .output()
        .expect("the binary runs")
}

#[test]
fn a_huge_rule_gets_a_short_diagnostic() {
    let dir = scratch("huge");
    let items = "instance.id = 'ocid1.instance.oc1..aaaa', ".repeat(25_000);
    let rule = format!("ANY {{{items}instnce.id = 'x', {items}}}");
    assert!(rule.len() > 1_000_000);
    let groups = groups_file(&dir, &[&rule]);
    let out = dyngroup(&["check", "--groups", &groups]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.len() < 2_000, "{} bytes of stderr", err.len());
    assert!(err.contains("unknown variable `instnce.id`"), "{err}");
    assert!(err.contains("--> 1:1050006"), "{err}");
    assert!(
        err.contains(
            "    1 | …stance.id = 'ocid1.instance.oc1..aaaa', instnce.id = 'x', instance.id"
        ),
        "{err}"
    );

    // A long rule on the command line (an argument is at most 128 KiB on Linux), with
    // the fault on its third line: that line is the one shown, cut around the fault.
    let long = "resource.type = 'fnfunc', ".repeat(4_000);
    let rule = format!("ALL {{\n  instance.id = 'a',\n  ANY {{{long}resource.tpye = 'x'}}\n}}");
    let out = dyngroup(&["check", &rule]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.len() < 1_000, "{} bytes of stderr", err.len());
    assert!(err.contains(" --> 3:104008\n"), "{err}");
    assert!(err.contains("3 | …"), "{err}");
    assert!(err.contains("help: did you mean `resource.type`?"), "{err}");
}

#[test]
fn misspelled_keywords_and_instance_type_get_suggestions() {
    let out = dyngroup(&[
        "check",
        "ALLL {instance.id = 'a', AYN {instance.type = 'fnfunc'}}",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: unknown group keyword `ALLL`
 --> 1:1
  |
1 | ALLL {instance.id = 'a', AYN {instance.type = 'fnfunc'}}
  | ^^^^
  = help: did you mean `ALL`?

error: unknown group keyword `AYN`
 --> 1:26
  |
1 | ALLL {instance.id = 'a', AYN {instance.type = 'fnfunc'}}
  |                          ^^^
  = help: did you mean `ANY`?

error: unknown variable `instance.type`
 --> 1:31
  |
1 | ALLL {instance.id = 'a', AYN {instance.type = 'fnfunc'}}
  |                               ^^^^^^^^^^^^^
  = help: did you mean `resource.type`?
"
    );
}

#[test]
fn a_non_ascii_character_in_a_tag_name_is_named() {
    let out = dyngroup(&["check", "ALL {tag.opé.role.value = 'x'}"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: non-ASCII character `é` (U+00E9) in tag namespace `opé`
 --> 1:12
  |
1 | ALL {tag.opé.role.value = 'x'}
  |            ^
  = help: names in a rule are ASCII; look for a character copied from elsewhere
"
    );
}

#[test]
fn two_operators_are_called_two_operators() {
    for (rule, first, second) in [
        ("instance.id != != 'a'", "!=", "!="),
        ("instance.id = = 'a'", "=", "="),
        ("instance.id = != 'a'", "=", "!="),
    ] {
        let out = dyngroup(&["check", rule]);
        assert_eq!(out.status.code(), Some(1), "{rule}");
        assert!(
            stderr(&out).starts_with(&format!(
                "error: two operators, `{first}` and `{second}`, before one value\n --> 1:13\n"
            )),
            "{rule}: {}",
            stderr(&out)
        );
    }
}

#[cfg(unix)]
#[test]
fn an_invalid_utf8_rule_argument_is_named_by_its_byte() {
    let out = check_bytes(b"ANY {instance.id = 'a\xff'}");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: invalid UTF-8 at byte 21 (0xff)\n --> 1:22\n  |\n1 | ANY {instance.id = 'a\u{fffd}'}\n  |                      ^\n"
    );
}

#[test]
fn invalid_utf8_in_files_is_named_by_its_byte() {
    // Groups files, JSON Lines and a JSON document: the valid records are still read.
    let dir = scratch("utf8");
    let record = |name: &str, rule: &[u8]| {
        let mut line = format!(
            "{{\"name\": \"{name}\", \"compartment-id\": \"{TENANCY}\", \"matching-rule\": \""
        )
        .into_bytes();
        line.extend_from_slice(rule);
        line.extend_from_slice(b"\"}");
        line
    };
    let mut lines = record("bad", b"tag.a.b.value = 'caf\xe9'");
    lines.push(b'\n');
    lines.extend(record("good", b"resource.type = 'fnfunc'"));
    lines.push(b'\n');
    let file = path(&dir, "groups.jsonl");
    fs::write(&file, &lines).expect("write");
    let out = dyngroup(&["check", "--canonical", "--groups", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!("{TENANCY}\tgood\tresource.type = 'fnfunc'\n")
    );
    assert!(
        stderr(&out).starts_with(&format!(
            "{file}:1:97: error: invalid UTF-8 at byte 96 of line 1 (0xe9)\n"
        )),
        "{}",
        stderr(&out)
    );

    let mut doc = b"[\n  ".to_vec();
    doc.extend(record("bad", b"tag.a.b.value = 'caf\xe9'"));
    doc.extend_from_slice(b"\n]\n");
    let file = path(&dir, "groups.json");
    fs::write(&file, &doc).expect("write");
    let out = dyngroup(&["check", "--groups", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!(
            "{file}:2:99: error: invalid UTF-8 at byte 98 of line 2 (0xe9) (from line 1 to the end left out: no document follows)\n"
        )),
        "{}",
        stderr(&out)
    );

    // An inventory read by `compute`.
    let inventory = path(&dir, "inventory.jsonl");
    fs::write(
        &inventory,
        b"{\"id\": \"ocid1.instance.oc1..a\", \"tenancy-id\": \"t\", \"compartment-id\": \"c\xc3(\"}\n",
    )
    .expect("write");
    let groups = groups_file(&dir, &["resource.type = 'instance'"]);
    let out = dyngroup(&["compute", "--inventory", &inventory, "--groups", &groups]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "{inventory}:1:72: error: invalid UTF-8 at byte 71 of line 1 (0xc3)\n"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn strict_rejects_a_trailing_comma_after_the_rule_only() {
    let rule = "ANY {instance.id = 'a', instance.id = 'b',},";
    let out = dyngroup(&["check", "--canonical", rule]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "ANY {instance.id = 'a', instance.id = 'b'}\n");
    assert!(stderr(&out).starts_with("warning: a comma after the whole rule is a legacy form\n"));

    let out = dyngroup(&["check", "--strict", rule]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with(
        "error: a comma after the whole rule is a legacy form (rejected in strict mode)\n --> 1:44\n"
    ));

    // The comma before a group's `}` is in the grammar: strict accepts it, silently.
    let out = dyngroup(&[
        "check",
        "--strict",
        "ANY {instance.id = 'a', ALL {resource.type = 'x',},}",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}

#[test]
fn canonical_rows_cannot_be_broken_by_a_tab_or_line_break() {
    let dir = scratch("canonical");
    let groups = groups_file(
        &dir,
        &[
            "tag.ops.note.value = 'a\tb'",
            "resource.type = 'fnfunc'",
            "tag.ops.note.value = 'line\nbreak'",
        ],
    );
    let out = dyngroup(&["check", "--canonical", "--groups", &groups]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!("{TENANCY}\tg1\tresource.type = 'fnfunc'\n")
    );
    let err = stderr(&out);
    for name in ["g0", "g2"] {
        assert!(
            err.contains(&format!("dyngroup: error: group `{name}` of tenancy `{TENANCY}`: its canonical row would hold a tab or line break; not printed (use --json)\n")),
            "{err}"
        );
    }
    assert!(err.contains("warning: matching rule of group `g0`: 1:24: quoted value holds the control character U+0009 (a tab)"), "{err}");

    // --json carries every rule exactly, one record per line.
    let out = dyngroup(&["check", "--json", "--groups", &groups]);
    assert_eq!(out.status.code(), Some(0));
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["name"], "g0");
    assert_eq!(records[0]["tenancy-id"], TENANCY);
    assert_eq!(records[0]["valid"], true);
    assert_eq!(records[0]["canonical"], "tag.ops.note.value = 'a\tb'");
    let warning = &records[0]["diagnostics"][0];
    assert_eq!(warning["severity"], "warning");
    assert_eq!(
        (warning["line"].as_u64(), warning["column"].as_u64()),
        (Some(1), Some(24))
    );
    assert_eq!(
        records[2]["canonical"],
        "tag.ops.note.value = 'line\nbreak'"
    );
    assert_eq!(records[1]["diagnostics"], serde_json::json!([]));

    // Strict mode rejects such values.
    let out = dyngroup(&["check", "--strict", "--json", "--groups", &groups]);
    assert_eq!(out.status.code(), Some(1));
    let records = jsonl(&stdout(&out));
    assert_eq!(records[0]["valid"], false);
    assert_eq!(records[0]["canonical"], serde_json::Value::Null);
    assert_eq!(records[0]["diagnostics"][0]["severity"], "error");
    assert_eq!(records[1]["valid"], true);
}

#[test]
fn json_for_one_rule() {
    let out = dyngroup(&["check", "--json", "ANY {instnce.id = 'a'}"]);
    assert_eq!(out.status.code(), Some(1));
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record["valid"], false);
    assert_eq!(record["canonical"], serde_json::Value::Null);
    let diag = &record["diagnostics"][0];
    assert_eq!(diag["message"], "unknown variable `instnce.id`");
    assert_eq!(diag["kind"], "unknown-variable");
    assert_eq!(
        (
            diag["line"].as_u64(),
            diag["column"].as_u64(),
            diag["offset"].as_u64()
        ),
        (Some(1), Some(6), Some(5))
    );
    assert_eq!(diag["help"], "did you mean `instance.id`?");
    assert_eq!(
        diag["rendered"],
        "error: unknown variable `instnce.id`\n --> 1:6\n  |\n1 | ANY {instnce.id = 'a'}\n  |      ^^^^^^^^^^\n  = help: did you mean `instance.id`?\n"
    );

    let out = dyngroup(&["check", "--json", "all {Instance.Id = \"a\"}"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        jsonl(&stdout(&out)),
        vec![
            serde_json::json!({"valid": true, "canonical": "ALL {instance.id = 'a'}", "diagnostics": []})
        ]
    );

    // --json and --canonical are two answers to one question.
    let out = dyngroup(&["check", "--json", "--canonical", "instance.id = 'a'"]);
    assert_eq!(out.status.code(), Some(2));
}
