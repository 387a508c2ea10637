//! Matching rules → SQL predicates for the DuckDB peer (`tools/peers/`).
//!
//! A predicate is a boolean SQL expression over one row `p` of the `principals` table
//! that `tools/peers/schema.sql` loads:
//!
//! ```text
//! principals(tid, pid, id, compartment, rtype, is_instance, tag_keys, tag_values)
//!     indexed principals only (not TERMINATED/TERMINATING, one record per OCID);
//!     rtype ASCII lower-cased; tag_keys = ['ns' || chr(31) || 'key', …] and
//!     tag_values = ['ns' || chr(31) || 'key' || chr(31) || 'value', …] with ns and key
//!     ASCII lower-cased and the value exact
//! ```
//!
//! The query template (`tools/peers/membership.sql`) adds the tenancy restriction
//! (`p.tid = …`), so a group's members always belong to its own tenancy. The
//! translation follows docs/semantics.md §2 ("Conditions") condition by condition:
//!
//! | rule | predicate |
//! |---|---|
//! | `instance.id = 'x'` | `(p.is_instance AND p.id = 'x')` |
//! | `instance.id != 'x'` | `(p.is_instance AND p.id <> 'x')`: the domain is the instances |
//! | `instance.compartment.id` | the same over `p.compartment` |
//! | `resource.id`, `resource.compartment.id` | `p.id`, `p.compartment`, `=` or `<>` |
//! | `resource.type = 'T'` | `p.rtype = 't'` (ASCII lower-cased, as the column) |
//! | `tag.ns.key.value` | `list_contains(p.tag_keys, 'ns' \|\| chr(31) \|\| 'key')` |
//! | `tag.ns.key.value = 'v'` | `list_contains(p.tag_values, 'ns' \|\| chr(31) \|\| 'key' \|\| chr(31) \|\| 'v')` |
//! | `tag.ns.key.value != 'v'` | `NOT` of the `=` form: a missing tag satisfies `!=` |
//! | `ANY {…}`, `ALL {…}` | `(a OR b …)`, `(a AND b …)` |
//!
//! A rule that does not parse gives no predicate: the group has no members.
//!
//! Why list columns and not `EXISTS` over the unnested `tags` table: on the S fleet the
//! `EXISTS` form (one semi-join per tag condition, each scanning every tag row) took
//! about 6× longer in DuckDB than `list_contains` on the principal's own row, and the
//! peer should be measured at its best reasonable form.

use dyngroup_rules::{Condition, Expr, GroupKind, Op, Variable, parse};
use serde::Serialize;

/// The SQL predicate for a matching rule, or `None` when the rule does not parse
/// (the group then has no members: fail closed).
///
/// ```
/// use dyngroup_benches::sql::rule_predicate;
///
/// assert_eq!(
///     rule_predicate("ALL {resource.type = 'FnFunc', tag.Ops.Role.value != 'web'}").unwrap(),
///     "(p.rtype = 'fnfunc' AND \
///      NOT list_contains(p.tag_values, 'ops' || chr(31) || 'role' || chr(31) || 'web'))"
/// );
/// assert_eq!(rule_predicate("ANY {"), None);
/// ```
pub fn rule_predicate(rule: &str) -> Option<String> {
    let parsed = parse(rule).ok()?;
    let mut out = String::with_capacity(rule.len() + 32);
    push_expr(&mut out, &parsed.ast.root);
    Some(out)
}

/// One group for the DuckDB runner: its position in the compared group list, its
/// tenancy, OCID and name (for the output file), and its predicate (`None`: no
/// members).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupPredicate {
    /// The group's position in the list every engine evaluates.
    pub group: usize,
    /// The group's tenancy OCID.
    pub tenancy: String,
    /// The group's OCID.
    pub id: String,
    /// The group's name.
    pub name: String,
    /// The SQL predicate over `p`, or `None` for a rule that does not parse.
    pub predicate: Option<String>,
}

/// The predicates of every group, in order.
pub fn group_predicates(groups: &[dyngroup_index::DynamicGroup]) -> Vec<GroupPredicate> {
    groups
        .iter()
        .enumerate()
        .map(|(group, g)| GroupPredicate {
            group,
            tenancy: g.tenancy_id.clone(),
            id: g.id.clone(),
            name: g.name.clone(),
            predicate: rule_predicate(&g.matching_rule),
        })
        .collect()
}

/// `s` as a SQL string literal: single quotes, inner single quotes doubled.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
}

fn push_expr(out: &mut String, expr: &Expr) {
    match expr {
        Expr::Condition(c) => push_condition(out, c),
        Expr::Group(g) if g.items.len() == 1 => push_expr(out, &g.items[0]),
        Expr::Group(g) => {
            let joiner = match g.kind {
                GroupKind::Any => " OR ",
                GroupKind::All => " AND ",
            };
            out.push('(');
            for (i, item) in g.items.iter().enumerate() {
                if i > 0 {
                    out.push_str(joiner);
                }
                push_expr(out, item);
            }
            out.push(')');
        }
    }
}

fn push_condition(out: &mut String, c: &Condition) {
    let Some(cmp) = &c.comparison else {
        // Only tag existence stands without a comparison; the parser allows no other.
        match &c.variable {
            Variable::Tag { namespace, key } => push_tag_exists(out, namespace, key, None),
            _ => out.push_str("FALSE"),
        }
        return;
    };
    let op = match cmp.op {
        Op::Eq => " = ",
        Op::Ne => " <> ",
    };
    let column = |out: &mut String, column: &str, value: &str| {
        out.push_str(column);
        out.push_str(op);
        push_quoted(out, value);
    };
    match &c.variable {
        Variable::InstanceId | Variable::InstanceCompartmentId => {
            out.push_str("(p.is_instance AND ");
            let name = if c.variable == Variable::InstanceId {
                "p.id"
            } else {
                "p.compartment"
            };
            column(out, name, &cmp.value);
            out.push(')');
        }
        Variable::ResourceId => column(out, "p.id", &cmp.value),
        Variable::ResourceCompartmentId => column(out, "p.compartment", &cmp.value),
        Variable::ResourceType => column(out, "p.rtype", &cmp.value.to_ascii_lowercase()),
        Variable::Tag { namespace, key } => {
            if cmp.op == Op::Ne {
                out.push_str("NOT ");
            }
            push_tag_exists(out, namespace, key, Some(&cmp.value));
        }
    }
}

fn push_tag_exists(out: &mut String, namespace: &str, key: &str, value: Option<&str>) {
    out.push_str(if value.is_some() {
        "list_contains(p.tag_values, "
    } else {
        "list_contains(p.tag_keys, "
    });
    push_quoted(out, &namespace.to_ascii_lowercase());
    out.push_str(" || chr(31) || ");
    push_quoted(out, &key.to_ascii_lowercase());
    if let Some(value) = value {
        out.push_str(" || chr(31) || ");
        push_quoted(out, value);
    }
    out.push(')');
}

#[cfg(test)]
mod tests;
