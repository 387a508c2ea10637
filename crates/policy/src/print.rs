//! The canonical text of a statement: keywords in one spelling, names quoted only
//! when they must be, aliases replaced.

use crate::ast::{
    Action, ClauseTest, ConditionKind, Effect, Grant, Location, Statement, Subject, SubjectTarget,
    Value, WhereCondition,
};

/// The canonical text of a parsed statement (cross-tenancy statements are printed as
/// written, from `source`).
///
/// ```
/// use dyngroup_policy::{parse_statement, print_statement};
///
/// let text = "ALLOW dynamic-group 'Default'/'web' to READ bucket IN compartment Prod:App where ALL {request.principal.type='instance'}";
/// let parsed = parse_statement(text).unwrap();
/// assert_eq!(
///     print_statement(&parsed.statement, text),
///     "Allow dynamic-group 'Default'/'web' to read buckets in compartment Prod:App where all {request.principal.type = 'instance'}"
/// );
/// ```
pub fn print_statement(statement: &Statement, source: &str) -> String {
    match statement {
        Statement::Grant(grant) => print_grant(grant),
        Statement::CrossTenancy(c) => c
            .span
            .slice(source)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn print_grant(g: &Grant) -> String {
    let mut out = String::from(match g.effect {
        Effect::Allow => "Allow ",
        Effect::Deny => "Deny ",
    });
    match &g.subject {
        Subject::AnyUser(_) => out.push_str("any-user"),
        Subject::AnyGroup(_) => out.push_str("any-group"),
        Subject::Items(items) => {
            let mut last = None;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if last != Some(item.kind) {
                    out.push_str(item.kind.as_str());
                    out.push(' ');
                    last = Some(item.kind);
                }
                match &item.target {
                    SubjectTarget::Id(ocid) => {
                        out.push_str("id ");
                        out.push_str(ocid);
                    }
                    SubjectTarget::Name { domain, name } => {
                        if let Some(domain) = domain {
                            out.push_str(&format!("{}/{}", quoted(domain), quoted(name)));
                        } else {
                            out.push_str(&name_text(name));
                        }
                    }
                }
            }
        }
    }
    out.push_str(" to ");
    match &g.action {
        Action::Verb(v, _) => out.push_str(v.as_str()),
        Action::Permissions(perms, _) => {
            out.push('{');
            out.push_str(&perms.join(", "));
            out.push('}');
        }
    }
    if let Some((resource, _)) = &g.resource {
        out.push(' ');
        out.push_str(&resource.name);
    }
    out.push_str(" in ");
    match &g.location {
        Location::Tenancy(_) => out.push_str("tenancy"),
        Location::Id(ocid, _) => {
            out.push_str("compartment id ");
            out.push_str(ocid);
        }
        Location::Path(path, _) => {
            out.push_str("compartment ");
            let names: Vec<String> = path.iter().map(|n| name_text(n)).collect();
            out.push_str(&names.join(":"));
        }
    }
    if let Some(condition) = &g.condition {
        out.push_str(" where ");
        print_condition(condition, &mut out);
    }
    out
}

fn print_condition(c: &WhereCondition, out: &mut String) {
    match c {
        WhereCondition::Group(kind, items, _) => {
            out.push_str(match kind {
                ConditionKind::Any => "any {",
                ConditionKind::All => "all {",
            });
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print_condition(item, out);
            }
            out.push('}');
        }
        WhereCondition::Clause(clause) => {
            let v = &clause.variable;
            let list = |values: &[Value]| {
                let parts: Vec<String> = values.iter().map(value_text).collect();
                parts.join(", ")
            };
            let text = match &clause.test {
                ClauseTest::Eq(value) => format!("{v} = {}", value_text(value)),
                ClauseTest::Ne(value) => format!("{v} != {}", value_text(value)),
                ClauseTest::In(values) => format!("{v} in ({})", list(values)),
                ClauseTest::NotIn(values) => format!("{v} not in ({})", list(values)),
                ClauseTest::Present(true) => v.clone(),
                ClauseTest::Present(false) => format!("not {v}"),
                ClauseTest::Time(op, values) => {
                    let parts: Vec<String> = values.iter().map(value_text).collect();
                    format!("{v} {op} {}", parts.join(" and "))
                }
            };
            out.push_str(&text);
        }
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Text(t) => quoted(t),
        Value::Pattern(p) => format!("/{p}/"),
    }
}

/// Single quotes, or double quotes when the text holds a single quote (quoted text
/// never holds both: it was read between one kind of quotes).
fn quoted(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}

/// A name as a word when it lexes as one, else quoted.
fn name_text(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
        && !["to", "in", "id", "where"]
            .iter()
            .any(|k| name.eq_ignore_ascii_case(k));
    if plain { name.to_owned() } else { quoted(name) }
}
