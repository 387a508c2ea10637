//! Inputs the fuzz targets (fuzz/, `fuzz/run`) found, each kept as a regression test.

use dyngroup_io::{Problem, ReadOptions, read_changes_from, read_groups_from, read_inventory_from};

const BOM: &str = "\u{feff}";

fn options() -> ReadOptions {
    ReadOptions {
        tenancy: Some("ocid1.tenancy.oc1..t".to_owned()),
        ..ReadOptions::default()
    }
}

fn places(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(Problem::to_string).collect()
}

fn inventory(text: &str) -> Vec<String> {
    places(
        read_inventory_from(text.as_bytes(), "in.jsonl", &options())
            .unwrap()
            .problems(),
    )
}

fn groups(text: &str) -> Vec<String> {
    places(
        read_groups_from(text.as_bytes(), "in.jsonl", &options())
            .unwrap()
            .problems(),
    )
}

fn changes(text: &str) -> Vec<String> {
    places(
        &read_changes_from(text.as_bytes(), "in.jsonl", &options())
            .unwrap()
            .problems,
    )
}

/// A byte-order mark is not a character of the text: the inventory and groups readers
/// skip it, so column 1 of line 1 is the character after it, as editors show it.
#[test]
fn a_byte_order_mark_moves_no_column_of_inventories_and_groups() {
    let text = "{\"id\": 1, \"compartment-id\": \"c\"}\n{\"id\": \"a\"";
    let expected = [
        "in.jsonl:1:8: `id` must be a string, found a number",
        "in.jsonl:2:10: invalid JSON: EOF while parsing an object",
    ];
    assert_eq!(inventory(text), expected);
    assert_eq!(inventory(&format!("{BOM}{text}")), expected);

    let text = "{\"name\": 7, \"matching-rule\": \"ANY {\"}";
    assert_eq!(groups(&format!("{BOM}{text}")), groups(text));
    assert!(
        groups(text)[0].starts_with("in.jsonl:1:10: "),
        "{:?}",
        groups(text)
    );
}

/// fuzz target `read_changes`, crash-ea04d2d0 (a byte-order mark, then a line cut in a
/// string): the changes reader blanked the mark to three spaces, so every column of
/// line 1 was three more than without the mark (`in.jsonl:1:41` for `in.jsonl:1:38`),
/// unlike the inventory and groups readers. It now skips the mark as they do.
#[test]
fn a_byte_order_mark_moves_no_column_of_changes() {
    let text = "{\"op\": \"upsert-principal\", \"principal\"";
    assert_eq!(changes(&format!("{BOM}{text}")), changes(text));
    let text = "{\"op\": 1}";
    assert_eq!(
        changes(&format!("{BOM}{text}")),
        ["in.jsonl:1:8: `op` must be a string, found a number"]
    );
}
