//! Three-valued conditions: what can be decided offline, and what cannot.

use crate::ast::{ClauseTest, ConditionKind, Value, WhereCondition};

/// The truth of a condition offline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Truth {
    /// It fails for this principal and target.
    False,
    /// It depends on the request (time, operation, tags of the target, …).
    Unknown,
    /// It holds for this principal and target.
    True,
}

/// What is known offline about one request: the principal, and the target
/// compartment when there is one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Facts<'a> {
    /// The principal's OCID.
    pub principal_id: &'a str,
    /// Its resource type, lower-case (`instance`, `fnfunc`).
    pub principal_type: &'a str,
    /// The compartment that holds it.
    pub principal_compartment: &'a str,
    /// The target compartment's OCID and name, when the question names one.
    pub target: Option<(&'a str, &'a str)>,
}

/// Whether a condition's truth can depend on the principal.
pub(crate) fn depends_on_principal(condition: &WhereCondition) -> bool {
    match condition {
        WhereCondition::Group(_, items, _) => items.iter().any(depends_on_principal),
        WhereCondition::Clause(c) => c.variable.starts_with("request.principal."),
    }
}

/// The truth of `condition` for these facts (Kleene logic: `all` is false if any item
/// is false, `any` true if any item is true, otherwise unknown wins).
pub fn evaluate(condition: &WhereCondition, facts: &Facts<'_>) -> Truth {
    match condition {
        WhereCondition::Group(kind, items, _) => {
            let truths = items.iter().map(|c| evaluate(c, facts));
            match kind {
                ConditionKind::All => truths.min().unwrap_or(Truth::True),
                ConditionKind::Any => truths.max().unwrap_or(Truth::False),
            }
        }
        WhereCondition::Clause(clause) => {
            let Some(actual) = known_value(&clause.variable, facts) else {
                return Truth::Unknown;
            };
            let decided = match &clause.test {
                ClauseTest::Eq(v) => matches(v, actual),
                ClauseTest::Ne(v) => !matches(v, actual),
                ClauseTest::In(vs) => vs.iter().any(|v| matches(v, actual)),
                ClauseTest::NotIn(vs) => !vs.iter().any(|v| matches(v, actual)),
                ClauseTest::Present(present) => *present,
                ClauseTest::Time(..) => return Truth::Unknown,
            };
            if decided { Truth::True } else { Truth::False }
        }
    }
}

/// The value of a decided variable, or `None` when it is unknown offline.
fn known_value<'a>(variable: &str, facts: &Facts<'a>) -> Option<&'a str> {
    match variable {
        "request.principal.type" => Some(facts.principal_type),
        "request.principal.id" => Some(facts.principal_id),
        "request.principal.compartment.id" => Some(facts.principal_compartment),
        "target.compartment.id" => facts.target.map(|(id, _)| id),
        "target.compartment.name" => facts.target.map(|(_, name)| name),
        _ => None,
    }
}

/// OCI: "condition matching ignores case"; a pattern's `*` matches any run.
fn matches(value: &Value, actual: &str) -> bool {
    match value {
        Value::Text(text) => text.eq_ignore_ascii_case(actual),
        Value::Pattern(pattern) => {
            glob(&pattern.to_ascii_lowercase(), &actual.to_ascii_lowercase())
        }
    }
}

/// `*`-only glob matching, iterative (no backtracking blow-up).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Statement;
    use crate::parse_statement;

    fn truth(condition: &str, facts: &Facts<'_>) -> Truth {
        let text = format!("Allow any-user to read buckets in tenancy where {condition}");
        let Statement::Grant(g) = parse_statement(&text).unwrap().statement else {
            panic!("a grant")
        };
        evaluate(g.condition.as_ref().unwrap(), facts)
    }

    #[test]
    fn decided_and_unknown_variables() {
        let facts = Facts {
            principal_id: "ocid1.instance.oc1..a",
            principal_type: "instance",
            principal_compartment: "ocid1.compartment.oc1..c",
            target: Some(("ocid1.compartment.oc1..p", "Prod")),
        };
        assert_eq!(
            truth("request.principal.type = 'Instance'", &facts),
            Truth::True
        );
        assert_eq!(
            truth("request.principal.type != 'instance'", &facts),
            Truth::False
        );
        assert_eq!(
            truth("target.compartment.name = /pr*/", &facts),
            Truth::True
        );
        assert_eq!(
            truth("request.operation = 'GetObject'", &facts),
            Truth::Unknown
        );
        assert_eq!(
            truth(
                "all {request.operation = 'x', request.principal.type = 'fnfunc'}",
                &facts
            ),
            Truth::False
        );
        assert_eq!(
            truth(
                "any {request.operation = 'x', request.principal.type = 'fnfunc'}",
                &facts
            ),
            Truth::Unknown
        );
        let no_target = Facts {
            target: None,
            ..facts
        };
        assert_eq!(
            truth("target.compartment.id = 'x'", &no_target),
            Truth::Unknown
        );
    }

    #[test]
    fn globs() {
        assert!(glob("hr*", "hr-prod"));
        assert!(glob("*hr", "prod-hr"));
        assert!(glob("*hr*", "a-hr-b"));
        assert!(!glob("hr*", "xhr"));
        assert!(glob("a*b*c", "aXXbYYc"));
    }
}
