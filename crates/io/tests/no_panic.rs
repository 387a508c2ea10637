//! Property tests: no input makes the readers panic, every problem has a place in the
//! input, and the chunk size never changes the result.

use dyngroup_io::{ReadOptions, read_groups_from, read_inventory_from};
use proptest::prelude::*;

const VALID_INVENTORY: &str = concat!(
    r#"{"id": "ocid1.instance.oc1..a", "compartment-id": "c", "tenancy-id": "t", "defined-tags": {"Ops": {"Role": "web", "N": 4}}, "lifecycle-state": "RUNNING"}"#,
    "\n",
    r#"{"id": "ocid1.fnfunc.oc1..b", "compartment_id": "c", "definedTags": {"Oracle-Tags": {"CreatedBy": "x"}}, "freeform-tags": {"a": "b"}}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..c", "compartmentId": "c", "resource-type": "instance", "display-name": "é"}"#,
    "\n",
);

const VALID_GROUPS: &str = concat!(
    r#"{"id": "g1", "name": "web", "matching-rule": "ALL {instance.compartment.id = 'c', tag.Ops.Role.value = 'web'}", "compartment-id": "t"}"#,
    "\n",
    r#"{"name": "fn", "matching_rule": "resource.type = 'fnfunc', tag.a.b.value = x", "compartmentId": "t", "lifecycle-state": "ACTIVE"}"#,
    "\n",
    r#"{"name": "old", "matching-rule": "ANY {", "compartment-id": "t", "lifecycle-state": "DELETED"}"#,
    "\n",
);

fn options(chunk_bytes: usize) -> ReadOptions {
    ReadOptions {
        tenancy: Some("ocid1.tenancy.oc1..t".to_owned()),
        chunk_bytes,
        ..ReadOptions::default()
    }
}

/// Reads `bytes` both ways and checks what must hold whatever the input.
fn check(bytes: &[u8], chunk_bytes: usize) {
    let lines = bytes.split(|&b| b == b'\n').count();
    let inventory = read_inventory_from(bytes, "in.jsonl", &options(chunk_bytes)).unwrap();
    let groups = read_groups_from(bytes, "in.jsonl", &options(chunk_bytes)).unwrap();
    for problem in inventory.problems().iter().chain(groups.problems()) {
        assert!(
            (1..=lines).contains(&problem.line),
            "{problem} (of {lines} lines)"
        );
        assert!(problem.column.is_some_and(|c| c >= 1), "{problem}");
        assert!(problem.to_string().starts_with("in.jsonl:"), "{problem}");
        assert!(!problem.message.contains('\n'), "{problem}");
    }
    let whole_inventory = read_inventory_from(bytes, "in.jsonl", &options(1 << 20)).unwrap();
    assert_eq!(inventory.principals(), whole_inventory.principals());
    assert_eq!(inventory.problems(), whole_inventory.problems());
    let whole_groups = read_groups_from(bytes, "in.jsonl", &options(1 << 20)).unwrap();
    assert_eq!(groups.groups(), whole_groups.groups());
    assert_eq!(groups.problems(), whole_groups.problems());
}

/// One edit of a valid input.
#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, u8),
    Delete(usize, usize),
    Replace(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b']'),
        Just(b'"'),
        Just(b','),
        Just(b':'),
        Just(b'\n'),
        Just(b'\\'),
        Just(b'0'),
        Just(0xC3),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1..20usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), byte).prop_map(|(at, b)| Edit::Replace(at, b)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for edit in edits {
        let len = bytes.len().max(1);
        match *edit {
            Edit::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Edit::Delete(at, n) => {
                let start = at % len;
                let end = (start + n).min(bytes.len());
                bytes.drain(start.min(end)..end);
            }
            Edit::Replace(at, b) => {
                if !bytes.is_empty() {
                    bytes[at % len] = b;
                }
            }
        }
    }
    bytes
}

/// Containers around the valid inputs: JSONL, an array, `{"data": [...]}`.
fn container(text: &str, kind: u8) -> String {
    let lines: Vec<&str> = text.lines().collect();
    match kind % 3 {
        0 => text.to_owned(),
        1 => format!("[\n  {}\n]\n", lines.join(",\n  ")),
        _ => format!(
            "{{\n  \"data\": [\n    {}\n  ]\n}}\n",
            lines.join(",\n    ")
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), chunk in 1..64usize) {
        check(&bytes, chunk);
    }

    #[test]
    fn json_like_text_never_panics(text in "[\\[\\]{}\":,0-9a-z \\n\\-_.é]{0,300}", chunk in 1..64usize) {
        check(text.as_bytes(), chunk);
    }

    #[test]
    fn mutated_valid_inputs_never_panic(
        kind in 0..3u8,
        groups in any::<bool>(),
        edits in proptest::collection::vec(edit(), 1..6),
        chunk in 1..200usize,
    ) {
        let valid = container(if groups { VALID_GROUPS } else { VALID_INVENTORY }, kind);
        check(&apply(&valid, &edits), chunk);
    }

    #[test]
    fn each_jsonl_line_gives_a_record_or_a_rejection(
        edits in proptest::collection::vec(edit(), 1..4),
        line in 0..3usize,
    ) {
        // Break one line of a JSONL inventory (kept a JSONL file: the first line stays).
        let mut lines: Vec<String> = VALID_INVENTORY.lines().map(str::to_owned).collect();
        let broken = apply(&lines[line], &edits);
        let Ok(broken) = String::from_utf8(broken) else { return Ok(()) };
        if line == 0 || broken.contains('\n') || broken.trim().is_empty() {
            return Ok(());
        }
        lines[line] = broken;
        let text = lines.join("\n");
        let inventory = read_inventory_from(text.as_bytes(), "in.jsonl", &options(1 << 20)).unwrap();
        prop_assert_eq!(inventory.principals().len() + inventory.rejected(), 3);
    }
}

#[test]
fn valid_inputs_read_cleanly_in_every_container() {
    for kind in 0..3 {
        let inventory = read_inventory_from(
            container(VALID_INVENTORY, kind).as_bytes(),
            "in",
            &options(1 << 20),
        )
        .unwrap();
        assert_eq!(inventory.problems(), [], "{kind}");
        assert_eq!(inventory.principals().len(), 3);
        let groups = read_groups_from(
            container(VALID_GROUPS, kind).as_bytes(),
            "in",
            &options(1 << 20),
        )
        .unwrap();
        assert_eq!(groups.groups().len(), 2, "{kind}");
        // The deleted group's note and the legacy rule's two warnings.
        assert_eq!(
            groups.problems().len(),
            3,
            "{kind}: {:?}",
            groups.problems()
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        "[".repeat(100_000),
        format!("{{\"id\": {}", "[".repeat(100_000)),
        format!("{{\"freeform-tags\": {}}}", "{\"a\":".repeat(50_000)),
        format!("[{}]", "[".repeat(100_000)),
    ] {
        let inventory = read_inventory_from(text.as_bytes(), "deep", &options(1 << 20)).unwrap();
        assert_eq!(inventory.principals(), []);
        assert_eq!(inventory.problems().len(), 1);
    }
}
