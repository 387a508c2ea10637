//! Defined tags: one value per tag (a namespace.key given twice rejects the record)
//! and at most `MAX_DEFINED_TAGS` per record, so that one record cannot stall a batch.

use dyngroup_index::{Index, IndexBuilder};
use dyngroup_io::{Inventory, MAX_DEFINED_TAGS, ProblemKind, ReadOptions, read_inventory_from};

fn read(text: &str) -> Inventory {
    let options = ReadOptions {
        tenancy: Some("ocid1.tenancy.oc1..t".to_owned()),
        ..ReadOptions::default()
    };
    read_inventory_from(text.as_bytes(), "fleet.jsonl", &options).expect("read")
}

fn problems(inventory: &Inventory) -> Vec<String> {
    inventory.problems().iter().map(|p| p.to_string()).collect()
}

fn line(id: &str, tags: &str) -> String {
    format!(r#"{{"id": "{id}", "compartment-id": "c", "defined-tags": {tags}}}"#)
}

#[test]
fn a_tag_given_twice_rejects_the_record_where_the_second_one_is() {
    let text = [
        line("a", r#"{"ops": {"role": "web", "ROLE": "db"}}"#),
        line("b", r#"{"ops": {"role": "web"}, "OPS": {"ROLE": "db"}}"#),
        line("c", r#"{"ops": {"role": "web", "role": "db"}}"#),
        line("d", r#"{"ops": {"role": "web"}, "dev": {"role": "web"}}"#),
        line("e", r#"{"ops": {"role": "web"}, "Ops": {"tier": "1"}}"#),
    ]
    .join("\n");
    let inventory = read(&text);
    assert_eq!(
        problems(&inventory),
        [
            "fleet.jsonl:1:84: defined tag `ops.ROLE` is given twice (first as `ops.role`): a tag has one value",
            "fleet.jsonl:2:93: defined tag `OPS.ROLE` is given twice (first as `ops.role`): a tag has one value",
            "fleet.jsonl:3:84: defined tag `ops.role` is given twice (first as `ops.role`): a tag has one value",
        ]
    );
    assert!(
        inventory
            .problems()
            .iter()
            .all(|p| p.kind == ProblemKind::BadTagValue && p.rejects_record())
    );
    // The same key in two namespaces is two tags; one namespace under two spellings
    // with different keys gives each tag once.
    let ids: Vec<&str> = inventory
        .principals()
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["d", "e"]);
}

#[test]
fn a_repeat_is_found_among_many_tags_in_a_pretty_document() {
    let mut keys: Vec<String> = (0..MAX_DEFINED_TAGS - 1)
        .map(|i| format!("      \"k{i}\": \"v\""))
        .collect();
    keys.push("      \"K7\": \"w\"".to_owned());
    let text = format!(
        "[\n  {{\n    \"id\": \"a\",\n    \"compartment-id\": \"c\",\n    \"defined-tags\": {{\"ns\": {{\n{}\n    }}}}\n  }}\n]\n",
        keys.join(",\n")
    );
    let inventory = read(&text);
    assert_eq!(
        problems(&inventory),
        [format!(
            "fleet.jsonl:{}:13: defined tag `ns.K7` is given twice (first as `ns.k7`): a tag has one value",
            5 + MAX_DEFINED_TAGS
        )]
    );
}

fn tags(count: usize) -> String {
    let keys: Vec<String> = (0..count).map(|i| format!(r#""k{i}": "v{i}""#)).collect();
    format!(r#"{{"ops": {{{}}}}}"#, keys.join(", "))
}

#[test]
fn the_tag_cap_is_exact_and_counts_across_namespaces() {
    let half = MAX_DEFINED_TAGS / 2;
    let two_namespaces = |extra: usize| {
        let a: Vec<String> = (0..half).map(|i| format!(r#""a{i}": 1"#)).collect();
        let b: Vec<String> = (0..MAX_DEFINED_TAGS - half + extra)
            .map(|i| format!(r#""b{i}": 1"#))
            .collect();
        format!(r#"{{"x": {{{}}}, "y": {{{}}}}}"#, a.join(","), b.join(","))
    };
    let text = [
        line("at-cap", &tags(MAX_DEFINED_TAGS)),
        line("over-cap", &tags(MAX_DEFINED_TAGS + 1)),
        line("split-at-cap", &two_namespaces(0)),
        line("split-over-cap", &two_namespaces(1)),
    ]
    .join("\n");
    let inventory = read(&text);
    let ids: Vec<&str> = inventory
        .principals()
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["at-cap", "split-at-cap"]);
    assert_eq!(
        inventory.principals()[0].defined_tags.len(),
        MAX_DEFINED_TAGS
    );
    assert_eq!(
        problems(&inventory),
        [
            format!("fleet.jsonl:2:59: more than {MAX_DEFINED_TAGS} defined tags in one record"),
            format!("fleet.jsonl:4:65: more than {MAX_DEFINED_TAGS} defined tags in one record"),
        ]
    );
    assert!(
        inventory
            .problems()
            .iter()
            .all(|p| p.kind == ProblemKind::TooManyTags)
    );
}

/// The issue's stall: 200,000 tags on one principal took 48 s to index (work per
/// principal was quadratic in its tags). The reader rejects such a record, so
/// everything downstream sees at most `MAX_DEFINED_TAGS` tags per principal; if the
/// cap went away, this test would fail on the record being accepted (not on time).
#[test]
fn two_hundred_thousand_tags_on_one_principal_are_rejected_and_the_rest_is_indexed() {
    let text = [
        line("huge", &tags(200_000)),
        line("small", r#"{"ops": {"role": "web"}}"#),
    ]
    .join("\n");
    let inventory = read(&text);
    assert_eq!(
        problems(&inventory),
        [format!(
            "fleet.jsonl:1:55: more than {MAX_DEFINED_TAGS} defined tags in one record"
        )]
    );
    let mut builder = IndexBuilder::new();
    builder.add_principals(inventory.principals());
    let index: Index = builder.build();
    assert_eq!(index.principal_count(), 1);
    assert!(index.principal_id("small").is_some());
}
