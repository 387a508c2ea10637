//! Property tests: the printer and parser agree, and no input makes the parser panic.

use dyngroup_rules::{
    Ast, Comparison, Condition, Expr, Group, GroupKind, Op, ParseOptions, Rule, Span, Variable,
    parse, parse_with, print,
};
use proptest::prelude::*;

fn segment() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_:/@+-]{1,8}"
}

fn variable() -> impl Strategy<Value = Variable> {
    prop_oneof![
        Just(Variable::InstanceId),
        Just(Variable::InstanceCompartmentId),
        Just(Variable::ResourceId),
        Just(Variable::ResourceCompartmentId),
        Just(Variable::ResourceType),
        (segment(), segment()).prop_map(|(namespace, key)| Variable::Tag { namespace, key }),
    ]
}

/// Values may hold one kind of quote (never both: the language has no escapes).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._:/'é-]{0,12}",
        "[a-zA-Z0-9 ._:\"-]{0,12}",
        "ocid1\\.[a-z]{3,8}\\.oc1\\.\\.[a-z0-9]{4,10}",
    ]
}

fn condition() -> impl Strategy<Value = Expr> {
    (variable(), any::<bool>(), any::<bool>(), value()).prop_map(|(variable, ne, exists, value)| {
        let is_tag = matches!(variable, Variable::Tag { .. });
        let comparison = (!(is_tag && exists)).then(|| Comparison {
            op: if ne { Op::Ne } else { Op::Eq },
            value,
            value_span: Span::default(),
        });
        Expr::Condition(Condition {
            variable,
            comparison,
            span: Span::default(),
        })
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    condition().prop_recursive(5, 48, 4, |inner| {
        (any::<bool>(), prop::collection::vec(inner, 1..4)).prop_map(|(any, items)| {
            Expr::Group(Group {
                kind: if any { GroupKind::Any } else { GroupKind::All },
                items,
                span: Span::default(),
            })
        })
    })
}

/// A valid rule text to mutate: a printed random tree.
fn valid_text() -> impl Strategy<Value = String> {
    expr().prop_map(|root| print(&Ast { root }))
}

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let ch = prop_oneof![
        prop::sample::select(vec![
            '{', '}', ',', '=', '!', '\'', '"', ' ', '.', '$', '\n', 'é'
        ]),
        any::<char>(),
    ];
    prop_oneof![
        (any::<usize>(), ch.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), ch).prop_map(|(i, c)| Edit::Replace(i, c)),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    match *edit {
        Edit::Insert(i, c) => chars.insert(i % (n + 1), c),
        Edit::Delete(i) if n > 0 => {
            chars.remove(i % n);
        }
        Edit::Replace(i, c) if n > 0 => chars[i % n] = c,
        _ => {}
    }
    chars.into_iter().collect()
}

/// Parses and, when accepted, checks that the canonical form is stable.
fn parse_checked(text: &str, options: &ParseOptions) {
    match parse_with(text, options) {
        Ok(parsed) => {
            let canonical = print(&parsed.ast);
            let again = parse(&canonical).expect("canonical form of an accepted rule parses");
            assert!(again.ast.same_tree(&parsed.ast));
        }
        Err(err) => {
            assert!(err.diagnostics().iter().any(|d| d.is_error()));
            for diag in err.diagnostics() {
                assert!(diag.span.start.offset <= diag.span.end.offset);
                assert!(diag.span.end.offset <= text.len());
                let rendered = diag.render(text);
                assert!(
                    rendered.lines().all(|l| l.chars().count() <= 200),
                    "a rendered line is too long: {rendered}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn print_then_parse_gives_back_the_tree(root in expr()) {
        let ast = Ast { root };
        let text = print(&ast);
        let parsed = parse(&text).map_err(|e| TestCaseError::fail(e.render(&text)))?;
        prop_assert!(parsed.warnings.is_empty());
        prop_assert!(parsed.ast.same_tree(&ast), "{text}");
        prop_assert_eq!(print(&parsed.ast), text);
        prop_assert_eq!(Rule::lower(&parsed.ast), Rule::lower(&ast));
    }

    #[test]
    fn lowering_is_order_insensitive(items in prop::collection::vec(condition(), 1..6)) {
        let forward = Ast { root: Expr::Group(Group { kind: GroupKind::All, items: items.clone(), span: Span::default() }) };
        let mut reversed_items = items;
        reversed_items.reverse();
        let reversed = Ast { root: Expr::Group(Group { kind: GroupKind::All, items: reversed_items, span: Span::default() }) };
        prop_assert_eq!(Rule::lower(&forward), Rule::lower(&reversed));
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        parse_checked(&text, &ParseOptions::default());
    }

    #[test]
    fn rule_like_text_never_panics(text in "[ \n{},=!'\"a-zA-Z.$&|]{0,60}") {
        parse_checked(&text, &ParseOptions::default());
        parse_checked(&text, &ParseOptions { strict: true, max_depth: 3 });
    }

    #[test]
    fn mutated_rules_never_panic(text in valid_text(), edits in prop::collection::vec(edit(), 1..4)) {
        let mutated = edits.iter().fold(text, |t, e| apply(&t, e));
        parse_checked(&mutated, &ParseOptions::default());
    }
}

#[test]
fn nesting_far_past_the_limit_is_an_error_not_a_crash() {
    let depth = 100_000;
    let text = format!(
        "{}instance.id = 'a'{}",
        "ANY {".repeat(depth),
        "}".repeat(depth)
    );
    let err = parse(&text).unwrap_err();
    assert!(
        err.first()
            .message
            .contains("nested deeper than the limit of 64")
    );
    let huge = ParseOptions {
        strict: false,
        max_depth: usize::MAX,
    };
    let err = parse_with(&text, &huge).unwrap_err();
    assert!(err.first().message.contains("limit of 256"));
}

#[test]
fn a_diagnostic_on_a_huge_rule_stays_small() {
    let items = "instance.id = 'ocid1.instance.oc1..aaaa', ".repeat(25_000);
    for text in [
        format!("ANY {{{items}instnce.id = 'x', {items}}}"),
        format!("ANY {{{items}{}}}", "x".repeat(500_000)),
        format!("ALL {{\n{items}\n  tag.a.b.value = 'v\n{items}}}"),
    ] {
        assert!(text.len() > 1_000_000);
        let err = parse(&text).unwrap_err();
        let rendered = err.render(&text);
        assert!(rendered.len() < 2_000, "{} bytes", rendered.len());
        assert!(err.to_string().len() < 200);
    }
}
