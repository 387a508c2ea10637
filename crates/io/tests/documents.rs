//! Streams of JSON documents: `jq '.data[]'` output (pretty records one after another),
//! several `{"data": …}` pages, arrays; a broken document is reported where it breaks
//! and reading resumes at the next document.

use dyngroup_io::{Inventory, ProblemKind, ReadOptions, read_groups_from, read_inventory_from};

fn read(text: &str) -> Inventory {
    let options = ReadOptions {
        tenancy: Some("ocid1.tenancy.oc1..t".to_owned()),
        // Small chunks, so JSON Lines detection is exercised across chunk boundaries.
        chunk_bytes: 64,
        ..ReadOptions::default()
    };
    read_inventory_from(text.as_bytes(), "in.json", &options).expect("read")
}

fn ids(inventory: &Inventory) -> Vec<&str> {
    inventory
        .principals()
        .iter()
        .map(|p| p.id.as_str())
        .collect()
}

fn problems(inventory: &Inventory) -> Vec<String> {
    inventory.problems().iter().map(|p| p.to_string()).collect()
}

/// A record as `jq '.data[]'` prints it.
fn pretty(id: &str) -> String {
    format!(
        "{{\n  \"compartment-id\": \"c\",\n  \"defined-tags\": {{\n    \"ops\": {{\n      \"role\": \"web\"\n    }}\n  }},\n  \"id\": \"{id}\"\n}}\n"
    )
}

#[test]
fn pretty_records_one_after_another_are_all_read() {
    let text = pretty("a") + &pretty("b") + &pretty("c");
    let inventory = read(&text);
    assert_eq!(problems(&inventory), Vec::<String>::new());
    assert_eq!(ids(&inventory), ["a", "b", "c"]);
    assert_eq!(inventory.principals()[2].defined_tags[0].value, "web");
}

#[test]
fn problems_in_a_stream_point_at_their_record() {
    let text = pretty("a") + "{\n  \"id\": \"b\"\n}\n" + &pretty("a");
    let inventory = read(&text);
    assert_eq!(
        problems(&inventory),
        [
            "in.json:10:1: missing `compartment-id`",
            "in.json:20:9: duplicate principal id `a` (first at line 8)",
        ]
    );
}

#[test]
fn several_pages_and_arrays_pretty_or_on_one_line_give_all_their_records() {
    let one_line_pages = concat!(
        "{\"data\": [{\"id\": \"a\", \"compartment-id\": \"c\"}], \"opc-next-page\": \"x\"}\n",
        "{\"data\": [{\"id\": \"b\", \"compartment-id\": \"c\"}, {\"id\": \"c\", \"compartment-id\": \"c\"}]}\n",
    );
    assert_eq!(ids(&read(one_line_pages)), ["a", "b", "c"]);

    let pretty_pages = "{\n  \"data\": [\n    {\"id\": \"a\", \"compartment-id\": \"c\"}\n  ]\n}\n{\n  \"data\": [\n    {\"id\": \"b\", \"compartment-id\": \"c\"}\n  ]\n}\n";
    assert_eq!(ids(&read(pretty_pages)), ["a", "b"]);

    let arrays = "[{\"id\": \"a\", \"compartment-id\": \"c\"}]\n[]\n[\n  {\"id\": \"b\", \"compartment-id\": \"c\"}\n]\n";
    assert_eq!(ids(&read(arrays)), ["a", "b"]);

    let mixed = pretty("a")
        + "[{\"id\": \"b\", \"compartment-id\": \"c\"}]\n{\"data\": [{\"id\": \"c\", \"compartment-id\": \"c\"}]}\n";
    let inventory = read(&mixed);
    assert_eq!(problems(&inventory), Vec::<String>::new());
    assert_eq!(ids(&inventory), ["a", "b", "c"]);
}

#[test]
fn problems_on_one_long_line_point_at_their_exact_column() {
    // `jq -c` output: hundreds of records on one line, with two- and three-byte
    // characters before the bad ones, so columns (in characters) differ from offsets
    // and fall far past the line's start.
    let mut text = String::from("{\"data\": [");
    let mut expected = Vec::new();
    for i in 0..400 {
        if i > 0 {
            text += ", ";
        }
        let column = text.chars().count() + 1;
        if i % 97 == 50 {
            expected.push(format!("in.json:1:{column}: missing `compartment-id`"));
            text += &format!("{{\"id\": \"p{i}\"}}");
        } else if i % 131 == 70 {
            // A repeated id is reported at the id, 7 characters into the record.
            let id_column = column + 7;
            expected.push(format!(
                "in.json:1:{id_column}: duplicate principal id `p0` (first at line 1)"
            ));
            text += "{\"id\": \"p0\", \"compartment-id\": \"c\"}";
        } else {
            text += &format!(
                "{{\"id\": \"p{i}\", \"compartment-id\": \"c\", \"freeform-tags\": {{\"rôle\": \"wéb€\"}}}}"
            );
        }
    }
    text += "]}\n";
    let inventory = read(&text);
    assert_eq!(problems(&inventory), expected);
    assert_eq!(inventory.principals().len(), 393);
}

#[test]
fn several_documents_on_one_line_give_all_their_records() {
    let record = |id: &str| format!("{{\"id\": \"{id}\", \"compartment-id\": \"c\"}}");
    let page = |id: &str| format!("{{\"data\": [{}]}}", record(id));
    for (text, what) in [
        (format!("{}  {}\n", page("a"), page("b")), "two pages"),
        (
            format!("{}{}\n", page("a"), page("b")),
            "two pages, no space",
        ),
        (format!("{} {}\n", record("a"), record("b")), "two records"),
        (
            format!("{}{}\n", record("a"), page("b")),
            "a record, then a page",
        ),
        (
            format!("{} [{}]\n", page("a"), record("b")),
            "a page, then an array",
        ),
        (
            format!("{} {}\n{}\n", page("a"), page("b"), pretty("c")),
            "then a pretty record",
        ),
    ] {
        let inventory = read(&text);
        assert_eq!(problems(&inventory), Vec::<String>::new(), "{what}");
        let mut expected = vec!["a", "b"];
        if what.ends_with("pretty record") {
            expected.push("c");
        }
        assert_eq!(ids(&inventory), expected, "{what}");
    }
}

#[test]
fn a_broken_second_document_on_the_first_line_keeps_the_first() {
    let text = concat!(
        "{\"data\": [{\"id\": \"a\", \"compartment-id\": \"c\"}]} ",
        "{\"data\": [{\"id\": \"b\" \"compartment-id\": \"c\"}]}\n",
        "{\"data\": [{\"id\": \"c\", \"compartment-id\": \"c\"}]}\n",
    );
    let inventory = read(text);
    assert_eq!(ids(&inventory), ["a", "c"]);
    assert_eq!(
        problems(&inventory),
        [
            "in.json:1:69: invalid JSON: expected `,` or `}` (from 1:48 to line 1 left out; reading resumes at line 2)"
        ]
    );
}

#[test]
fn junk_after_a_record_on_the_first_line_is_json_lines_trailing_characters() {
    let text = "{\"id\": \"a\", \"compartment-id\": \"c\"} x\n{\"id\": \"b\", \"compartment-id\": \"c\"}\n";
    let inventory = read(text);
    assert_eq!(ids(&inventory), ["b"]);
    assert_eq!(
        problems(&inventory),
        ["in.json:1:36: invalid JSON: trailing characters"]
    );
}

#[test]
fn a_broken_document_is_reported_where_it_breaks_and_the_rest_is_read() {
    // The second record has a comma missing at the end of its line 3 (line 12 of the file).
    let broken = "{\n  \"compartment-id\": \"c\",\n  \"id\": \"b\"\n  \"display-name\": \"x\"\n}\n";
    let text = pretty("a") + broken + &pretty("c");
    let inventory = read(&text);
    assert_eq!(ids(&inventory), ["a", "c"]);
    assert_eq!(
        problems(&inventory),
        [
            "in.json:13:3: invalid JSON: expected `,` or `}` (from line 10 to line 14 left out; reading resumes at line 15)"
        ]
    );
    assert_eq!(inventory.problems()[0].kind, ProblemKind::InvalidJson);
    assert!(inventory.problems()[0].rejects_record());
}

#[test]
fn an_array_resumed_inside_gives_its_later_elements_and_one_problem() {
    // Elements in the first column, invalid UTF-8 in the first one: reading resumes
    // at line 2, inside the array; its closing `]` is not a second problem.
    let mut text =
        b"[{\"id\": \"a\", \"compartment-id\": \"c\", \"display-name\": \"w\xffb\"},\n".to_vec();
    text.extend_from_slice(b"{\"id\": \"b\", \"compartment-id\": \"c\"}]\n");
    let options = ReadOptions {
        tenancy: Some("ocid1.tenancy.oc1..t".to_owned()),
        ..ReadOptions::default()
    };
    let inventory = read_inventory_from(&text[..], "in.json", &options).expect("read");
    assert_eq!(ids(&inventory), ["b"]);
    assert_eq!(
        problems(&inventory),
        [
            "in.json:1:55: invalid UTF-8 at byte 54 of line 1 (0xff) (line 1 left out; reading resumes at line 2)"
        ]
    );

    // Its `,` between the later elements is not a problem either, and what follows
    // the array is read.
    let text = concat!(
        "[{\"id\": \"a\" \"compartment-id\": \"c\"},\n",
        "{\"id\": \"b\", \"compartment-id\": \"c\"}\n",
        ", {\"id\": \"c\", \"compartment-id\": \"c\"}\n",
        "]\n",
        "{\"data\": [{\"id\": \"d\", \"compartment-id\": \"c\"}]}\n",
    );
    let inventory = read(text);
    assert_eq!(
        ids(&inventory),
        ["b", "c", "d"],
        "{:?}",
        problems(&inventory)
    );
    assert_eq!(
        problems(&inventory),
        [
            "in.json:1:13: invalid JSON: expected `,` or `}` (line 1 left out; reading resumes at line 2)"
        ]
    );
}

#[test]
fn a_document_cut_short_is_reported_at_its_end_not_inside_the_next() {
    // A truncated record (as when a pipe broke) followed by whole ones.
    let cut = "{\n  \"compartment-id\": \"c\",\n  \"id\": \"b\",\n";
    let text = pretty("a") + cut + &pretty("c") + &pretty("d");
    let inventory = read(&text);
    assert_eq!(ids(&inventory), ["a", "c", "d"]);
    assert_eq!(
        problems(&inventory),
        [
            "in.json:12:12: invalid JSON: EOF while parsing an object (from line 10 to line 12 left out; reading resumes at line 13)"
        ]
    );
}

#[test]
fn junk_between_documents_is_one_problem_each_and_records_around_it_are_read() {
    let text = pretty("a") + "oops\n" + &pretty("b") + "42\n" + &pretty("c");
    let inventory = read(&text);
    assert_eq!(ids(&inventory), ["a", "b", "c"]);
    assert_eq!(
        problems(&inventory),
        [
            "in.json:10:1: invalid JSON: expected value (line 10 left out; reading resumes at line 11)",
            "in.json:20:1: expected a JSON array or object, found a number",
        ]
    );
}

#[test]
fn a_broken_page_loses_its_records_only() {
    let text = concat!(
        "{\"data\": [{\"id\": \"a\", \"compartment-id\": \"c\"}]}\n",
        "{\"data\": [{\"id\": \"b\", \"compartment-id\": \"c\"}, {\"id\": \"x\" \"compartment-id\": \"c\"}]}\n",
        "{\"data\": [{\"id\": \"c\", \"compartment-id\": \"c\"}]}\n",
    );
    let inventory = read(text);
    assert_eq!(ids(&inventory), ["a", "c"]);
    assert_eq!(
        problems(&inventory),
        [
            "in.json:2:58: invalid JSON: expected `,` or `}` (line 2 left out; reading resumes at line 3)"
        ]
    );
}

#[test]
fn groups_are_read_from_streams_too() {
    let text = "{\n  \"name\": \"web\",\n  \"matching-rule\": \"tag.ops.role.value = 'web'\"\n}\n{\n  \"name\": \"db\",\n  \"matching-rule\": \"tag.ops.role.value = 'db'\"\n}\n";
    let options = ReadOptions {
        tenancy: Some("ocid1.tenancy.oc1..t".to_owned()),
        ..ReadOptions::default()
    };
    let groups = read_groups_from(text.as_bytes(), "groups.json", &options).expect("read");
    assert!(groups.problems().is_empty(), "{:?}", groups.problems());
    let names: Vec<&str> = groups.groups().iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["web", "db"]);
}

/// How a document of the property below is written.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Pretty,
    OneLine,
    Page,
    /// A comma missing inside the record.
    MissingComma,
    /// The record cut short, as when a pipe broke.
    Truncated,
    /// A line that is no JSON at all.
    Junk,
}

impl Shape {
    fn is_broken(self) -> bool {
        matches!(self, Shape::MissingComma | Shape::Truncated | Shape::Junk)
    }

    fn write(self, id: &str) -> String {
        match self {
            Shape::Pretty => pretty(id),
            Shape::OneLine => format!("{{\"id\": \"{id}\", \"compartment-id\": \"c\"}}\n"),
            Shape::Page => format!(
                "{{\n  \"data\": [\n    {{\n      \"id\": \"{id}\",\n      \"compartment-id\": \"c\"\n    }}\n  ]\n}}\n"
            ),
            Shape::MissingComma => pretty(id).replacen("\"c\",", "\"c\"", 1),
            Shape::Truncated => pretty(id)[..20].to_owned() + "\n",
            Shape::Junk => "not json {\n".to_owned(),
        }
    }
}

proptest::proptest! {
    /// Whatever breaks between documents, every intact document's record is read and
    /// each broken document is exactly one problem (with the junk lines after it).
    #[test]
    fn every_intact_document_is_read_and_each_broken_one_is_one_problem(
        shapes in proptest::collection::vec(
            proptest::sample::select(vec![
                Shape::Pretty, Shape::OneLine, Shape::Page,
                Shape::MissingComma, Shape::Truncated, Shape::Junk,
            ]),
            1..12,
        )
    ) {
        // Start with a pretty record so the file is read as a stream.
        let mut text = pretty("first");
        let mut expected = vec!["first".to_owned()];
        for (i, shape) in shapes.iter().enumerate() {
            let id = format!("p{i}");
            text.push_str(&shape.write(&id));
            if !shape.is_broken() {
                expected.push(id);
            }
        }
        let inventory = read(&text);
        let read_ids: Vec<String> = ids(&inventory).into_iter().map(str::to_owned).collect();
        proptest::prop_assert_eq!(read_ids, expected);
        // Reading resumes at a line starting with `{` or `[`, so junk right after a
        // broken document is skipped with it: one problem for both.
        let broken = shapes
            .iter()
            .enumerate()
            .filter(|&(i, s)| {
                s.is_broken()
                    && !(matches!(s, Shape::Junk) && i > 0 && shapes[i - 1].is_broken())
            })
            .count();
        proptest::prop_assert_eq!(inventory.problems().len(), broken, "{:?}", problems(&inventory));
    }
}
