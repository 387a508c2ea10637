//! The statement parser: canonical forms, rendered errors with carets and
//! suggestions, and no panic on any text.

use dyngroup_policy::{
    Action, Effect, Location, Statement, Subject, SubjectKind, SubjectTarget, parse_statement,
    print_statement,
};
use proptest::prelude::*;

fn canonical(text: &str) -> String {
    let parsed = parse_statement(text).unwrap_or_else(|e| panic!("{}", e.render(text)));
    print_statement(&parsed.statement, text)
}

fn rendered(text: &str) -> String {
    parse_statement(text).unwrap_err().render(text)
}

#[test]
fn canonical_forms() {
    let cases = [
        (
            "allow dynamic-group web to READ bucket in compartment Prod",
            "Allow dynamic-group web to read buckets in compartment Prod",
        ),
        (
            "ALLOW Dynamic-Group A, B, id ocid1.dynamicgroup.oc1..x TO manage Instance-Family IN TENANCY",
            "Allow dynamic-group A, B, id ocid1.dynamicgroup.oc1..x to manage instance-family in tenancy",
        ),
        (
            "Allow dynamic-group 'Default'/'web servers' to use volume-family in compartment Eng:'Dev Team':Compute",
            "Allow dynamic-group 'Default'/'web servers' to use volume-family in compartment Eng:'Dev Team':Compute",
        ),
        (
            "Deny any-user to {INSTANCE_DELETE, instance_update} in compartment id ocid1.compartment.oc1..c",
            "Deny any-user to {INSTANCE_DELETE, INSTANCE_UPDATE} in compartment id ocid1.compartment.oc1..c",
        ),
        (
            "Allow any-group to inspect all-resources in tenancy where ANY {request.principal.type = 'instance',\n  target.compartment.name = /dev*/, request.utc-timestamp before '2030-01-01T00:00:00Z', not request.region in ('phx')}",
            "Allow any-group to inspect all-resources in tenancy where any {request.principal.type = 'instance', target.compartment.name = /dev*/, request.utc-timestamp before '2030-01-01T00:00:00Z', request.region not in ('phx')}",
        ),
        (
            "allow dynamic-group \"it's\"/web to read buckets in tenancy where request.principal.id = \"a'b\"",
            "Allow dynamic-group \"it's\"/'web' to read buckets in tenancy where request.principal.id = \"a'b\"",
        ),
        (
            "Allow dynamic-group web, group admins to read objects in tenancy",
            "Allow dynamic-group web, group admins to read objects in tenancy",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(canonical(input), expected, "{input}");
        // The canonical form is a fixed point.
        assert_eq!(canonical(expected), expected, "{expected}");
    }
}

#[test]
fn the_tree_keeps_what_was_written() {
    let parsed = parse_statement(
        "Deny dynamic-group id ocid1.dynamicgroup.oc1..x, group 'D'/'ops' to manage buckets in compartment A:B",
    )
    .unwrap();
    let Statement::Grant(grant) = parsed.statement else {
        panic!("a grant")
    };
    assert_eq!(grant.effect, Effect::Deny);
    let Subject::Items(items) = &grant.subject else {
        panic!("items")
    };
    assert_eq!(items[0].kind, SubjectKind::DynamicGroup);
    assert_eq!(
        items[0].target,
        SubjectTarget::Id("ocid1.dynamicgroup.oc1..x".into())
    );
    assert_eq!(items[1].kind, SubjectKind::Group);
    assert_eq!(
        items[1].target,
        SubjectTarget::Name {
            domain: Some("D".into()),
            name: "ops".into()
        }
    );
    assert!(matches!(grant.action, Action::Verb(..)));
    assert!(matches!(&grant.location, Location::Path(p, _) if p == &["A", "B"]));
}

#[test]
fn cross_tenancy_statements_parse_and_are_kept_as_text() {
    for text in [
        "Define tenancy Acme as ocid1.tenancy.oc1..a",
        "Endorse dynamic-group web to read buckets in tenancy Acme",
        "Admit group ops of tenancy Acme to read buckets in tenancy",
        "Deny admit group ops of tenancy Acme to manage buckets in tenancy",
    ] {
        let parsed = parse_statement(text).unwrap();
        assert!(
            matches!(parsed.statement, Statement::CrossTenancy(_)),
            "{text}"
        );
    }
}

#[test]
fn errors_render_with_carets_and_suggestions() {
    assert_eq!(
        rendered("Alow dynamic-group web to read buckets in tenancy"),
        "error: expected `Allow`, `Deny`, `Define`, `Endorse` or `Admit`, found `Alow`\n --> 1:1\n  |\n1 | Alow dynamic-group web to read buckets in tenancy\n  | ^^^^\n  = help: did you mean `Allow`?\n"
    );
    assert_eq!(
        rendered("Allow dynamic-group web to mange buckets in tenancy"),
        "error: unknown verb `mange`: expected inspect, read, use or manage\n --> 1:28\n  |\n1 | Allow dynamic-group web to mange buckets in tenancy\n  |                            ^^^^^\n  = help: did you mean `manage`?\n"
    );
    assert_eq!(
        rendered("Allow dynamic-group web to read buckets compartment Prod"),
        "error: expected `in`, found `compartment`\n --> 1:41\n  |\n1 | Allow dynamic-group web to read buckets compartment Prod\n  |                                         ^^^^^^^^^^^\n"
    );
    assert_eq!(
        rendered("Allow dynamic-group \u{2018}web\u{2019} to read buckets in tenancy"),
        "error: typographic quote `\u{2018}` (U+2018)\n --> 1:21\n  |\n1 | Allow dynamic-group \u{2018}web\u{2019} to read buckets in tenancy\n  |                     ^\n  = help: use a straight quote `'` (word processors replace them)\n"
    );
    assert!(
        rendered("Allow dynamic-group web to read\u{200B} buckets in tenancy")
            .contains("invisible character U+200B (zero-width)")
    );
    assert!(
        rendered("Allow dynamic-groop web to read buckets in tenancy")
            .contains("did you mean `dynamic-group`?")
    );
    assert!(
        rendered("Allow dynamic-group web to read buckets in tenancy where all {")
            .contains("never closed")
    );
    assert!(
        rendered("Allow dynamic-group web to read buckets in tenancy where all {}")
            .contains("empty condition group")
    );
    assert!(
        rendered("Allow dynamic-group web to read buckets in tenancy # comment")
            .contains("unexpected character `#`")
    );
    assert!(rendered("").contains("empty statement"));
}

#[test]
fn unknown_resource_types_are_warnings_with_suggestions() {
    let text = "Allow dynamic-group web to manage instances-family in tenancy";
    let parsed = parse_statement(text).unwrap();
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(
        parsed.warnings[0].render(text),
        "warning: unknown resource type `instances-family` (resource table version 2 (2026-12-01))\n --> 1:35\n  |\n1 | Allow dynamic-group web to manage instances-family in tenancy\n  |                                   ^^^^^^^^^^^^^^^^\n  = help: did you mean `instance-family`?\n"
    );
}

#[test]
fn nesting_is_limited_without_overflowing_the_stack() {
    let deep = format!(
        "Allow any-user to read buckets in tenancy where {}request.principal.type = 'x'{}",
        "all {".repeat(10_000),
        "}".repeat(10_000)
    );
    assert!(rendered(&deep).contains("nested deeper than 64"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse_statement(&text).map(|p| print_statement(&p.statement, &text));
    }

    #[test]
    fn statement_shaped_text_never_panics(
        words in proptest::collection::vec(
            prop_oneof![
                Just("Allow"), Just("Deny"), Just("dynamic-group"), Just("to"), Just("read"),
                Just("in"), Just("compartment"), Just("tenancy"), Just("where"), Just("all"),
                Just("{"), Just("}"), Just(","), Just("'x'"), Just("/p*/"), Just("="), Just("!="),
                Just(":"), Just("id"), Just("ocid1.x"), Just("any-user"), Just("request.principal.id"),
                Just("not"), Just("("), Just(")"), Just("buckets"), Just("\u{2019}"),
            ],
            0..24,
        )
    ) {
        let text = words.join(" ");
        if let Ok(parsed) = parse_statement(&text) {
            // Whatever parses prints to a fixed point.
            let printed = print_statement(&parsed.statement, &text);
            let again = parse_statement(&printed).expect("the canonical form parses");
            prop_assert_eq!(print_statement(&again.statement, &printed), printed);
        }
    }
}
