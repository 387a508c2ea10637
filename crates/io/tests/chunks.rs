//! A fleet many chunks long, with errors in every chunk: each error is reported once,
//! in file order, at its line and column, whatever the chunk size; streaming the
//! principals out gives what reading them into an `Inventory` gives.

mod common;

use common::TempDir;
use dyngroup_io::{Inventory, InventoryReader, ReadOptions, read_inventory};

const LINES: usize = 3000;

fn options(chunk_bytes: usize) -> ReadOptions {
    ReadOptions {
        tenancy: Some("ocid1.tenancy.oc1..t".to_owned()),
        chunk_bytes,
        ..ReadOptions::default()
    }
}

/// Line `n` (1-based) of the fleet, and the problem expected there, if any: every
/// seventh line is broken in one of four ways, one line in 50 repeats an earlier id.
fn line(n: usize) -> (String, Option<String>) {
    let ok = format!(
        r#"{{"id": "ocid1.instance.oc1..{n}", "compartment-id": "ocid1.compartment.oc1..é{}", "defined-tags": {{"ops": {{"role": "日本{n}"}}}}}}"#,
        n % 13
    );
    match n % 7 {
        0 => match n % 4 {
            0 => {
                let cut = format!(r#"{{"id": "ocid1.instance.oc1..{n}", "compartment-id": "#);
                let at = cut.trim_end().len(); // serde_json names the last byte read
                let problem = format!("f.jsonl:{n}:{at}: invalid JSON: EOF while parsing a value");
                (cut, Some(problem))
            }
            1 => (
                format!(r#"{{"id": "ocid1.instance.oc1..{n}"}}"#),
                Some(format!("f.jsonl:{n}:1: missing `compartment-id`")),
            ),
            2 => {
                let twice = format!(
                    r#"{{"id": "x{n}", "compartment-id": "c", "defined-tags": {{"a": {{"k": "1", "K": "2"}}}}}}"#
                );
                let at = twice.find(r#""2""#).unwrap() + 1;
                let problem = format!(
                    "f.jsonl:{n}:{at}: defined tag `a.K` is given twice (first as `a.k`): a tag has one value"
                );
                (twice, Some(problem))
            }
            _ => (
                "[1]".to_owned(),
                Some(format!(
                    "f.jsonl:{n}:1: expected a JSON object, found an array"
                )),
            ),
        },
        _ if n % 50 == 1 && n > 1 => (
            r#"{"id": "ocid1.instance.oc1..1", "compartment-id": "c"}"#.to_owned(),
            Some(format!(
                "f.jsonl:{n}:8: duplicate principal id `ocid1.instance.oc1..1` (first at line 1)"
            )),
        ),
        _ => (ok, None),
    }
}

fn fleet() -> (String, Vec<String>) {
    let mut text = String::new();
    let mut expected = Vec::new();
    for n in 1..=LINES {
        let (line, problem) = line(n);
        text.push_str(&line);
        text.push_str(if n % 2 == 0 { "\r\n" } else { "\n" });
        expected.extend(problem);
    }
    (text, expected)
}

fn read(text: &str, chunk_bytes: usize) -> Inventory {
    let mut reader = InventoryReader::new(options(chunk_bytes));
    reader.read_from(text.as_bytes(), "f.jsonl").unwrap();
    reader.finish()
}

/// The problems as printed, compared one by one (a long list is not printed whole).
fn assert_problems(inventory: &Inventory, expected: &[String], what: &str) {
    let shown: Vec<String> = inventory.problems().iter().map(|p| p.to_string()).collect();
    for (i, (shown, expected)) in shown.iter().zip(expected).enumerate() {
        assert_eq!(shown, expected, "{what}: problem {i}");
    }
    assert_eq!(shown.len(), expected.len(), "{what}: how many problems");
}

#[test]
fn every_error_of_a_fleet_many_chunks_long_is_reported_once_in_file_order() {
    let (text, expected) = fleet();
    assert!(expected.len() > 400);
    let whole = read(&text, usize::MAX);
    assert_problems(&whole, &expected, "one chunk");
    assert_eq!(whole.principals().len(), LINES - expected.len());
    // 4 KiB chunks: about 40 lines each, so errors in every chunk.
    for chunk_bytes in [1, 100, 4096, 65536] {
        let chunked = read(&text, chunk_bytes);
        assert_problems(&chunked, &expected, &format!("chunk_bytes {chunk_bytes}"));
        assert!(
            chunked.principals() == whole.principals(),
            "chunk_bytes {chunk_bytes}"
        );
    }
}

#[test]
fn streaming_hands_on_what_reading_keeps_in_the_same_order() {
    let dir = TempDir::new("stream");
    let (text, _) = fleet();
    let path = dir.file("f.jsonl", &text);
    let kept = read_inventory([&path], &options(4096)).unwrap();
    let path_name = path.display();

    let mut reader = InventoryReader::new(options(4096));
    let bytes = reader.bytes_read();
    let mut streamed = Vec::new();
    reader
        .stream_path(&path, &mut |batch| streamed.extend_from_slice(batch))
        .unwrap();
    assert_eq!(bytes.get(), text.len() as u64);
    // A second input's duplicates are caught against the first's streamed ids.
    let again = r#"{"id": "ocid1.instance.oc1..2", "compartment-id": "c"}"#;
    reader
        .stream_from(again.as_bytes(), "g.jsonl", &mut |batch| {
            streamed.extend_from_slice(batch)
        })
        .unwrap();
    let streamed_inventory = reader.finish();
    assert!(streamed_inventory.principals().is_empty());
    assert!(streamed == kept.principals());
    let last = streamed_inventory.problems().last().unwrap().to_string();
    assert_eq!(
        last,
        format!(
            "g.jsonl:1:8: duplicate principal id `ocid1.instance.oc1..2` (first at {path_name}:2)"
        )
    );
    assert_eq!(
        &streamed_inventory.problems()[..kept.problems().len()],
        kept.problems()
    );
}
