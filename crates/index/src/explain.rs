//! Explain: why a principal is or is not a member of a group, condition by condition.
//!
//! The tree is the rule as written (the AST, with spans), each condition's truth value
//! read from the index's postings. The verdict also comes from the compiled plan, and
//! the two are checked against each other in debug builds.

use crate::groups::scoped_rule;
use crate::holds::{leaf_holds, rule_holds};
use crate::ids::{GroupId, PrincipalId};
use crate::index::{Index, Indexed};
use crate::model::IdentityDomain;
use dyngroup_rules::{Ast, Expr, GroupKind, Leaf, Rule, print};
use std::fmt;

/// Why [`Index::explain_ocid`] could not explain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// No indexed principal has this OCID (unknown, or terminated).
    #[error("no indexed principal has id {0}")]
    UnknownPrincipal(String),
}

/// What a node of an explained rule is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExplainKind {
    /// `ANY {…}`
    Any,
    /// `ALL {…}`
    All,
    /// A condition.
    Condition,
}

/// One node of an explained rule: plain data, ready for a JSON printer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainNode {
    /// Group or condition.
    pub kind: ExplainKind,
    /// `ANY` / `ALL`, or the condition in canonical form.
    pub text: String,
    /// Byte offsets of the node in the rule text.
    pub start: usize,
    /// One past the node's last byte in the rule text.
    pub end: usize,
    /// Whether the node holds for the principal.
    pub holds: bool,
    /// A group's members, in written order; empty for a condition.
    pub children: Vec<ExplainNode>,
    /// Why a condition is false when its text does not show it (an `instance.*`
    /// condition on a principal that is not an instance).
    pub note: Option<String>,
}

/// A group's identity-domain scope, as explain reports it beside the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeCheck {
    /// The domain's OCID.
    pub domain_id: String,
    /// The compartment the domain lives in, when the export gave it.
    pub compartment_id: Option<String>,
    /// Whether the scope admits the principal (its compartment is not one the tree
    /// places outside the domain's subtree); `None` when the scope is not applied
    /// (the compartment tree was not an input or does not hold the domain's
    /// compartment, or the export gave no compartment), and the group ranges over its
    /// whole tenancy.
    pub holds: Option<bool>,
    /// The principal's compartment.
    pub principal_compartment_id: String,
    /// Why the scope is not applied (when `holds` is `None`).
    pub not_applied_reason: Option<&'static str>,
}

impl ScopeCheck {
    /// The check of a group of `domain` in tenancy `tenancy_id` for a principal
    /// directly in `compartment`; `None` when the domain does not narrow the group.
    pub(crate) fn of(domain: &IdentityDomain, tenancy_id: &str, compartment: &str) -> Option<Self> {
        domain.narrows(tenancy_id).then(|| ScopeCheck {
            domain_id: domain.id.clone(),
            compartment_id: domain.compartment_id.clone(),
            holds: domain
                .outside
                .as_ref()
                .map(|outside| !outside.iter().any(|c| c == compartment)),
            principal_compartment_id: compartment.to_owned(),
            not_applied_reason: domain
                .outside
                .is_none()
                .then(|| domain.not_applied_reason()),
        })
    }

    /// One line saying what the scope is and what it decides.
    pub fn describe(&self) -> String {
        let (domain, mine) = (&self.domain_id, &self.principal_compartment_id);
        let home = self.compartment_id.as_deref().unwrap_or("?");
        if let Some(reason) = self.not_applied_reason {
            return format!(
                "       identity domain {domain}: scope not applied ({reason}); the whole \
                 tenancy is considered"
            );
        }
        if self.holds == Some(false) {
            format!(
                "false  identity domain {domain}: the group matches only principals in the \
                 subtree of compartment {home}, and this principal's compartment {mine} is \
                 outside it"
            )
        } else {
            format!(
                "true   identity domain {domain}: the principal's compartment {mine} is not \
                 outside the subtree of compartment {home} (in it, or not placed by the \
                 compartment tree)"
            )
        }
    }

    /// Whether the scope lets the principal in (an unapplied scope does).
    pub fn admits(&self) -> bool {
        self.holds != Some(false)
    }
}

/// Why one principal is or is not a member of one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The group.
    pub group: GroupId,
    /// Its name.
    pub group_name: String,
    /// Its tenancy.
    pub group_tenancy_id: String,
    /// The rule text as written.
    pub rule: String,
    /// The principal.
    pub principal: PrincipalId,
    /// Its OCID.
    pub principal_id: String,
    /// Its tenancy.
    pub principal_tenancy_id: String,
    /// Whether the principal is in the group's tenancy (members never cross tenancies).
    pub same_tenancy: bool,
    /// The rule tree with truth values; `None` when the rule did not parse.
    pub tree: Option<ExplainNode>,
    /// The parse error rendered over the rule, when it did not parse.
    pub rule_error: Option<String>,
    /// The group's identity-domain scope, when its domain narrows it.
    pub scope: Option<ScopeCheck>,
    /// The verdict: same tenancy, valid rule, the tree holds, and the scope admits
    /// the principal.
    pub member: bool,
}

impl Index {
    /// Explains principal `p`'s membership of group `g`.
    pub fn explain(&self, p: PrincipalId, g: GroupId) -> Explanation {
        let entry = &self.groups[g.index()];
        let principal = self.principal(p);
        let same_tenancy = self.tenancy_of(p) == entry.tenancy;
        let (tree, rule_error) = match &entry.rule {
            Ok(_) => (
                self.group_ast(g).map(|ast| self.explain_expr(&ast.root, p)),
                None,
            ),
            Err(e) => (None, Some(e.render(&entry.def.matching_rule))),
        };
        let scope = entry
            .def
            .domain
            .as_ref()
            .and_then(|d| ScopeCheck::of(d, &entry.def.tenancy_id, principal.compartment_id));
        let member = same_tenancy
            && tree.as_ref().is_some_and(|t| t.holds)
            && scope.as_ref().is_none_or(ScopeCheck::admits);
        debug_assert_eq!(
            member,
            same_tenancy
                && self.group_rule(g).is_ok_and(|rule| {
                    let at = Indexed {
                        index: self,
                        principal: p,
                    };
                    rule_holds(&scoped_rule(rule, entry.def.domain_outside()), &at)
                }),
            "the tree as written, its scope and the normalised rule agree"
        );
        Explanation {
            group: g,
            group_name: entry.def.name.clone(),
            group_tenancy_id: self.tenancy_ocid(entry.tenancy).to_owned(),
            rule: entry.def.matching_rule.clone(),
            principal: p,
            principal_id: principal.id.to_owned(),
            principal_tenancy_id: principal.tenancy_id.to_owned(),
            same_tenancy,
            tree,
            rule_error,
            scope,
            member,
        }
    }

    /// Explains the membership of the principal with this OCID.
    pub fn explain_ocid(&self, ocid: &str, g: GroupId) -> Result<Explanation, ExplainError> {
        let p = self
            .principal_id(ocid)
            .ok_or_else(|| ExplainError::UnknownPrincipal(ocid.to_owned()))?;
        Ok(self.explain(p, g))
    }

    fn explain_expr(&self, expr: &Expr, p: PrincipalId) -> ExplainNode {
        let note = |leaf: &Leaf| {
            (leaf.test.is_instance_only() && !self.is_instance(p)).then(|| {
                let negated = if leaf.negated { ", `!=` included" } else { "" };
                format!(
                    "`instance.*` conditions{negated}, hold only for instances; this principal \
                     is a {}",
                    self.principal(p).resource_type
                )
            })
        };
        let at = Indexed {
            index: self,
            principal: p,
        };
        explain_tree_with(expr, &|leaf| leaf_holds(leaf, &at), &note)
    }
}

/// The rule tree as written, each condition's truth given by `leaf_holds` on its
/// lowered form (shared with the engine's snapshots, which hold no `Index`).
pub(crate) fn explain_tree(expr: &Expr, leaf_holds: &dyn Fn(&Leaf) -> bool) -> ExplainNode {
    explain_tree_with(expr, leaf_holds, &|_| None)
}

/// [`explain_tree`], with `leaf_note` saying why a false condition is false.
fn explain_tree_with(
    expr: &Expr,
    leaf_holds: &dyn Fn(&Leaf) -> bool,
    leaf_note: &dyn Fn(&Leaf) -> Option<String>,
) -> ExplainNode {
    let span = expr.span();
    match expr {
        Expr::Group(group) => {
            let children: Vec<ExplainNode> = group
                .items
                .iter()
                .map(|e| explain_tree_with(e, leaf_holds, leaf_note))
                .collect();
            let (kind, holds) = match group.kind {
                GroupKind::Any => (ExplainKind::Any, children.iter().any(|c| c.holds)),
                GroupKind::All => (ExplainKind::All, children.iter().all(|c| c.holds)),
            };
            ExplainNode {
                kind,
                text: group.kind.keyword().to_owned(),
                start: span.start.offset,
                end: span.end.offset,
                holds,
                children,
                note: None,
            }
        }
        Expr::Condition(_) => {
            let alone = Ast { root: expr.clone() };
            let (holds, note) = match Rule::lower(&alone) {
                Rule::Leaf(leaf) => {
                    let holds = leaf_holds(&leaf);
                    (holds, if holds { None } else { leaf_note(&leaf) })
                }
                _ => (false, None),
            };
            ExplainNode {
                kind: ExplainKind::Condition,
                text: print(&alone),
                start: span.start.offset,
                end: span.end.offset,
                holds,
                children: Vec::new(),
                note,
            }
        }
    }
}

/// Why a principal is never a member of another tenancy's group.
pub const TENANCY_ISOLATION: &str = "the principal is not in the group's tenancy: tenancy \
     isolation (a group's members always belong to its own tenancy) means it can never match, \
     whatever the rule says";

impl fmt::Display for Explanation {
    /// ```text
    /// principal ocid1.instance.oc1..a (tenancy ocid1.tenancy.oc1..t)
    /// group web (tenancy ocid1.tenancy.oc1..t): member
    ///   true   ALL {
    ///   true     instance.compartment.id = 'ocid1.compartment.oc1..c'
    ///   true     tag.ops.role.value = 'web'
    ///          }
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "principal {} (tenancy {})",
            self.principal_id, self.principal_tenancy_id
        )?;
        let verdict = if self.member {
            "member"
        } else {
            "not a member"
        };
        writeln!(
            f,
            "group {} (tenancy {}): {verdict}",
            self.group_name, self.group_tenancy_id
        )?;
        if !self.same_tenancy {
            writeln!(f, "  {TENANCY_ISOLATION}")?;
        }
        if let Some(scope) = &self.scope {
            writeln!(f, "  {}", scope.describe())?;
        }
        match (&self.tree, &self.rule_error) {
            (Some(tree), _) => write_node(f, tree, 0),
            (None, Some(error)) => {
                writeln!(f, "  the rule does not parse:")?;
                for line in error.lines() {
                    writeln!(f, "  {line}")?;
                }
                Ok(())
            }
            (None, None) => Ok(()),
        }
    }
}

fn write_node(f: &mut fmt::Formatter<'_>, node: &ExplainNode, depth: usize) -> fmt::Result {
    let mark = if node.holds { "true " } else { "false" };
    let indent = "  ".repeat(depth);
    match node.kind {
        ExplainKind::Condition => match &node.note {
            Some(note) => writeln!(f, "  {mark}  {indent}{}  ({note})", node.text),
            None => writeln!(f, "  {mark}  {indent}{}", node.text),
        },
        ExplainKind::Any | ExplainKind::All => {
            writeln!(f, "  {mark}  {indent}{} {{", node.text)?;
            for child in &node.children {
                write_node(f, child, depth + 1)?;
            }
            writeln!(f, "         {indent}}}")
        }
    }
}
