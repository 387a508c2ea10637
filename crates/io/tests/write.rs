//! Writing memberships in every format, and writing files atomically.

mod common;

use std::io::Write;

use common::TempDir;
use dyngroup_io::{
    AtomicFile, Error, Format, GroupMembersRecord, PrincipalGroupsRecord, UnknownFormat,
    commit_all, same_file, write_atomically, write_group_members, write_principal_groups,
};

fn groups() -> Vec<GroupMembersRecord<'static>> {
    vec![
        GroupMembersRecord {
            tenancy_id: "ocid1.tenancy.oc1..t",
            group_id: "ocid1.dynamicgroup.oc1..web",
            name: "web",
            members: vec!["ocid1.instance.oc1..a", "ocid1.instance.oc1..b"],
        },
        GroupMembersRecord {
            tenancy_id: "ocid1.tenancy.oc1..t",
            group_id: "ocid1.dynamicgroup.oc1..none",
            name: "none",
            members: vec![],
        },
    ]
}

fn principals() -> Vec<PrincipalGroupsRecord<'static>> {
    vec![
        PrincipalGroupsRecord {
            id: "ocid1.instance.oc1..a",
            tenancy_id: "ocid1.tenancy.oc1..t",
            groups: vec!["web", "all"],
        },
        PrincipalGroupsRecord {
            id: "ocid1.instance.oc1..z",
            tenancy_id: "ocid1.tenancy.oc1..t",
            groups: vec![],
        },
    ]
}

fn group_text(format: Format, records: Vec<GroupMembersRecord<'_>>) -> String {
    String::from_utf8(write_group_members(Vec::new(), format, records).unwrap()).unwrap()
}

fn principal_text(format: Format, records: Vec<PrincipalGroupsRecord<'_>>) -> String {
    String::from_utf8(write_principal_groups(Vec::new(), format, records).unwrap()).unwrap()
}

#[test]
fn group_records_in_every_format() {
    assert_eq!(
        group_text(Format::Jsonl, groups()),
        concat!(
            r#"{"tenancy-id":"ocid1.tenancy.oc1..t","group-id":"ocid1.dynamicgroup.oc1..web","name":"web","count":2,"members":["ocid1.instance.oc1..a","ocid1.instance.oc1..b"]}"#,
            "\n",
            r#"{"tenancy-id":"ocid1.tenancy.oc1..t","group-id":"ocid1.dynamicgroup.oc1..none","name":"none","count":0,"members":[]}"#,
            "\n",
        )
    );
    assert_eq!(
        group_text(Format::Json, groups()),
        concat!(
            "[\n",
            r#"{"tenancy-id":"ocid1.tenancy.oc1..t","group-id":"ocid1.dynamicgroup.oc1..web","name":"web","count":2,"members":["ocid1.instance.oc1..a","ocid1.instance.oc1..b"]}"#,
            ",\n",
            r#"{"tenancy-id":"ocid1.tenancy.oc1..t","group-id":"ocid1.dynamicgroup.oc1..none","name":"none","count":0,"members":[]}"#,
            "\n]\n",
        )
    );
    assert_eq!(
        group_text(Format::Csv, groups()),
        concat!(
            "tenancy_id,group_id,name,member_id\n",
            "ocid1.tenancy.oc1..t,ocid1.dynamicgroup.oc1..web,web,ocid1.instance.oc1..a\n",
            "ocid1.tenancy.oc1..t,ocid1.dynamicgroup.oc1..web,web,ocid1.instance.oc1..b\n",
            "ocid1.tenancy.oc1..t,ocid1.dynamicgroup.oc1..none,none,\n",
        )
    );
}

#[test]
fn principal_records_in_every_format() {
    assert_eq!(
        principal_text(Format::Jsonl, principals()),
        concat!(
            r#"{"id":"ocid1.instance.oc1..a","tenancy-id":"ocid1.tenancy.oc1..t","groups":["web","all"]}"#,
            "\n",
            r#"{"id":"ocid1.instance.oc1..z","tenancy-id":"ocid1.tenancy.oc1..t","groups":[]}"#,
            "\n",
        )
    );
    assert_eq!(
        principal_text(Format::Json, principals()),
        concat!(
            "[\n",
            r#"{"id":"ocid1.instance.oc1..a","tenancy-id":"ocid1.tenancy.oc1..t","groups":["web","all"]}"#,
            ",\n",
            r#"{"id":"ocid1.instance.oc1..z","tenancy-id":"ocid1.tenancy.oc1..t","groups":[]}"#,
            "\n]\n",
        )
    );
    assert_eq!(
        principal_text(Format::Csv, principals()),
        concat!(
            "principal_id,tenancy_id,group_name\n",
            "ocid1.instance.oc1..a,ocid1.tenancy.oc1..t,web\n",
            "ocid1.instance.oc1..a,ocid1.tenancy.oc1..t,all\n",
            "ocid1.instance.oc1..z,ocid1.tenancy.oc1..t,\n",
        )
    );
}

#[test]
fn empty_outputs_are_still_well_formed() {
    assert_eq!(group_text(Format::Jsonl, vec![]), "");
    assert_eq!(group_text(Format::Json, vec![]), "[]\n");
    assert_eq!(
        group_text(Format::Csv, vec![]),
        "tenancy_id,group_id,name,member_id\n"
    );
    assert_eq!(principal_text(Format::Json, vec![]), "[]\n");
    assert_eq!(
        principal_text(Format::Csv, vec![]),
        "principal_id,tenancy_id,group_name\n"
    );
}

#[test]
fn csv_fields_are_quoted_per_rfc_4180_when_needed() {
    let record = GroupMembersRecord {
        tenancy_id: "plain",
        group_id: "with,comma",
        name: "say \"hi\"",
        members: vec!["line\nbreak", "cr\rhere"],
    };
    assert_eq!(
        group_text(Format::Csv, vec![record]),
        concat!(
            "tenancy_id,group_id,name,member_id\n",
            "plain,\"with,comma\",\"say \"\"hi\"\"\",\"line\nbreak\"\n",
            "plain,\"with,comma\",\"say \"\"hi\"\"\",\"cr\rhere\"\n",
        )
    );
}

#[test]
fn json_output_parses_back() {
    let text = group_text(Format::Json, groups());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 2);
    assert_eq!(value[0]["members"][1], "ocid1.instance.oc1..b");
    assert_eq!(value[1]["count"], 0);
    for line in group_text(Format::Jsonl, groups()).lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

#[test]
fn formats_parse_by_name() {
    assert_eq!("jsonl".parse(), Ok(Format::Jsonl));
    assert_eq!("JSON".parse(), Ok(Format::Json));
    assert_eq!("csv".parse(), Ok(Format::Csv));
    assert_eq!(
        "xml".parse::<Format>(),
        Err(UnknownFormat("xml".to_owned()))
    );
    assert_eq!(
        UnknownFormat("xml".to_owned()).to_string(),
        "unknown format `xml` (expected jsonl, json or csv)"
    );
    assert_eq!(Format::Csv.to_string(), "csv");
}

#[test]
fn atomic_write_creates_a_new_file() {
    let dir = TempDir::new("atomic-new");
    let path = dir.path().join("out.jsonl");
    let n = write_atomically(&path, |out| {
        write_group_members(out, Format::Jsonl, groups())?;
        Ok(2)
    })
    .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        group_text(Format::Jsonl, groups())
    );
    assert_eq!(dir.names(), ["out.jsonl"]);
}

#[test]
fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
    let dir = TempDir::new("atomic-fail");
    let path = dir.file("out.csv", "old contents\n");
    let err = write_atomically(&path, |out| {
        out.write_all(&vec![b'x'; 1 << 20])?;
        Err::<(), _>(std::io::Error::other("evaluation failed"))
    })
    .map_err(Error::from)
    .unwrap_err();
    assert!(matches!(err, Error::Write { .. }));
    assert_eq!(
        err.to_string(),
        format!("cannot write {}: evaluation failed", path.display())
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old contents\n");
    assert_eq!(dir.names(), ["out.csv"]);
}

#[test]
fn dropping_without_commit_leaves_nothing() {
    let dir = TempDir::new("atomic-drop");
    let path = dir.path().join("never.json");
    {
        let mut out = AtomicFile::create(&path).unwrap();
        assert!(out.is_atomic());
        out.write_all(b"partial").unwrap();
        // While writing, the temporary file has no name (Linux `O_TMPFILE`) or a
        // hidden one beside the target; never the target's.
        let names = dir.names();
        assert!(
            names.is_empty() || (names.len() == 1 && names[0].starts_with(".never.json.")),
            "{names:?}"
        );
    }
    assert_eq!(dir.names(), Vec::<String>::new());
}

#[test]
fn a_successful_write_replaces_the_old_file_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new("atomic-replace");
    let path = dir.file("out.csv", "old\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    write_atomically(&path, |out| out.write_all(b"new\n")).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(dir.names(), ["out.csv"]);
}

#[test]
fn dev_null_is_written_in_place_never_replaced() {
    use std::os::unix::fs::FileTypeExt;

    let out = AtomicFile::create("/dev/null").unwrap();
    assert!(!out.is_atomic());
    drop(out);
    write_atomically("/dev/null", |out| out.write_all(b"discarded\n")).unwrap();
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "/dev/null is still a device"
    );
}

#[test]
fn a_symbolic_link_keeps_pointing_at_the_replaced_file() {
    let dir = TempDir::new("atomic-link");
    let real = dir.file("real.jsonl", "old\n");
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    write_atomically(&link, |out| out.write_all(b"new\n")).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new\n");
    assert_eq!(dir.names(), ["link.jsonl", "real.jsonl"]);
}

#[test]
fn unwritable_targets_are_errors_naming_them() {
    let dir = TempDir::new("atomic-bad");
    let missing_dir = dir.path().join("no/such/dir/out.json");
    let err = Error::from(write_atomically(&missing_dir, |out| out.write_all(b"x")).unwrap_err());
    assert_eq!(err.path(), missing_dir);
    assert!(
        err.to_string()
            .starts_with(&format!("cannot write {}: ", missing_dir.display()))
    );

    // A directory is not a regular file: it is opened in place, which fails.
    let err = Error::from(write_atomically(dir.path(), |out| out.write_all(b"x")).unwrap_err());
    assert!(matches!(err, Error::Write { .. }));
    assert!(dir.path().is_dir());
}

#[test]
fn a_named_pipe_is_written_in_place_never_replaced() {
    use std::os::unix::fs::FileTypeExt;

    let dir = TempDir::new("atomic-fifo");
    let fifo = dir.path().join("out.pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    write_atomically(&fifo, |out| {
        write_group_members(out, Format::Csv, groups()).map(drop)
    })
    .unwrap();
    assert_eq!(reader.join().unwrap(), group_text(Format::Csv, groups()));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(dir.names(), ["out.pipe"]);
}

#[test]
fn finished_outputs_replace_nothing_until_all_are_committed() {
    let dir = TempDir::new("atomic-set");
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.json"));
    std::fs::write(&a, "old a\n").unwrap();
    std::fs::write(&b, "old b\n").unwrap();

    // The second output fails after the first was finished: both stay as they were.
    let mut first = AtomicFile::create(&a).unwrap();
    first.write_all(b"new a\n").unwrap();
    let finished = vec![first.finish().unwrap()];
    let second = AtomicFile::create(&b).unwrap();
    drop(second);
    drop(finished);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a\n");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "old b\n");
    assert_eq!(dir.names(), ["a.jsonl", "b.json"]);

    // Both finished: both replaced, no temporary file left.
    let mut first = AtomicFile::create(&a).unwrap();
    first.write_all(b"new a\n").unwrap();
    let mut second = AtomicFile::create(&b).unwrap();
    second.write_all(b"new b\n").unwrap();
    commit_all(vec![first.finish().unwrap(), second.finish().unwrap()]).unwrap();
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a\n");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b\n");
    assert_eq!(dir.names(), ["a.jsonl", "b.json"]);
}

#[test]
fn same_file_sees_through_spellings_and_links() {
    let dir = TempDir::new("same-file");
    let real = dir.path().join("real.json");
    std::fs::write(&real, "x").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let hard = dir.path().join("hard.json");
    std::fs::hard_link(&real, &hard).unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();

    assert!(same_file(&real, &link));
    assert!(same_file(&real, &hard));
    assert!(same_file(&real, &sub.join("../real.json")));
    assert!(same_file(&dir.path().join("new"), &sub.join("../new")));
    assert!(!same_file(&real, &dir.path().join("new")));
    assert!(!same_file("-".as_ref(), &real));
    assert!(same_file("-".as_ref(), "-".as_ref()));

    // Two dangling links to one missing file (absolute and relative, one through the
    // other) are the file writing through either would create.
    let (a, b, c) = (
        dir.path().join("a.json"),
        sub.join("b.json"),
        dir.path().join("c.json"),
    );
    std::os::unix::fs::symlink(dir.path().join("missing.json"), &a).unwrap();
    std::os::unix::fs::symlink("../missing.json", &b).unwrap();
    std::os::unix::fs::symlink(&a, &c).unwrap();
    assert!(same_file(&a, &b));
    assert!(same_file(&b, &c));
    assert!(same_file(&a, &dir.path().join("missing.json")));
    assert!(!same_file(&a, &dir.path().join("other.json")));
    // A loop of links is not a file, and not the same as anything.
    let (x, y) = (dir.path().join("x"), dir.path().join("y"));
    std::os::unix::fs::symlink(&y, &x).unwrap();
    std::os::unix::fs::symlink(&x, &y).unwrap();
    assert!(!same_file(&x, &real));
}
