//! Matching rules as a small tree, and a printer that writes them the ways people do.
//!
//! The tree is deliberately this crate's own (no dyngroup crate is used): it only
//! has to print valid OCI rule text. The printer varies what real rules vary —
//! keyword case (`ANY`, `Any`, `any`), single or double quotes (Terraform writes
//! double), one line or an indented heredoc, spacing around `=`, the odd trailing
//! comma — without ever producing text outside the grammar.

use crate::rng::Rng;

/// A rule variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Var {
    /// `instance.id`
    InstanceId,
    /// `instance.compartment.id`
    InstanceCompartment,
    /// `resource.id`
    ResourceId,
    /// `resource.compartment.id`
    ResourceCompartment,
    /// `resource.type`
    ResourceType,
    /// `tag.<ns>.<key>.value`
    Tag(String, String),
}

/// The value side of a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A quoted value (the printer picks the quote).
    Quoted(String),
    /// The legacy unquoted form: one bare token, accepted by OCI with a warning.
    Bare(String),
}

/// A rule tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `var = value`, `var != value`, or (tags only) `var` alone for existence.
    Cond {
        /// The variable.
        var: Var,
        /// `None` for tag existence; `Some((negated, value))` otherwise.
        test: Option<(bool, Value)>,
    },
    /// `ANY {…}`: at least one child.
    Any(Vec<Rule>),
    /// `ALL {…}`: at least one child.
    All(Vec<Rule>),
}

impl Rule {
    /// `var = 'value'`.
    pub fn eq(var: Var, value: impl Into<String>) -> Rule {
        Rule::Cond {
            var,
            test: Some((false, Value::Quoted(value.into()))),
        }
    }

    /// `var != 'value'`.
    pub fn ne(var: Var, value: impl Into<String>) -> Rule {
        Rule::Cond {
            var,
            test: Some((true, Value::Quoted(value.into()))),
        }
    }

    /// `tag.ns.key.value` (existence).
    pub fn exists(ns: &str, key: &str) -> Rule {
        Rule::Cond {
            var: Var::Tag(ns.to_owned(), key.to_owned()),
            test: None,
        }
    }

    /// Whether any condition uses the legacy unquoted form.
    pub fn is_legacy(&self) -> bool {
        match self {
            Rule::Cond { test, .. } => matches!(test, Some((_, Value::Bare(_)))),
            Rule::Any(c) | Rule::All(c) => c.iter().any(Rule::is_legacy),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    Upper,
    Title,
    Lower,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// `ALL {a = 'x', b = 'y'}` (the console's style).
    Spaced,
    /// `ALL {a='x',b='y'}`
    Tight,
    /// One condition per line, indented (Terraform heredocs).
    Lines,
}

/// How one group's rule is typed.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    case: Case,
    double_quotes: bool,
    layout: Layout,
    trailing_comma: bool,
}

impl Style {
    /// A style drawn the way real rules are written: mostly the console's.
    pub fn random(rng: &mut Rng) -> Style {
        let case = [Case::Upper, Case::Title, Case::Lower][rng.weighted(&[88, 6, 6])];
        let layout = [Layout::Spaced, Layout::Tight, Layout::Lines][rng.weighted(&[78, 8, 14])];
        // Terraform (multi-line heredocs) writes double quotes; others sometimes do.
        let double_quotes = rng.per_mille(if layout == Layout::Lines { 800 } else { 120 });
        let trailing_comma = layout == Layout::Lines && rng.per_mille(150);
        Style {
            case,
            double_quotes,
            layout,
            trailing_comma,
        }
    }
}

/// The rule as text in `style`.
pub fn print(rule: &Rule, style: Style) -> String {
    let mut out = String::new();
    write(&mut out, rule, style, 0);
    out
}

fn write(out: &mut String, rule: &Rule, style: Style, depth: usize) {
    match rule {
        Rule::Cond { var, test } => {
            write_var(out, var);
            if let Some((negated, value)) = test {
                let op = if *negated { "!=" } else { "=" };
                if style.layout == Layout::Tight {
                    out.push_str(op);
                } else {
                    out.push(' ');
                    out.push_str(op);
                    out.push(' ');
                }
                match value {
                    Value::Bare(v) => out.push_str(v),
                    Value::Quoted(v) => {
                        // Use the style's quote unless the value contains it.
                        let double = if style.double_quotes {
                            !v.contains('"')
                        } else {
                            v.contains('\'')
                        };
                        let q = if double { '"' } else { '\'' };
                        out.push(q);
                        out.push_str(v);
                        out.push(q);
                    }
                }
            }
        }
        Rule::Any(children) | Rule::All(children) => {
            assert!(!children.is_empty(), "an empty group is not a rule");
            let kw = match (rule, style.case) {
                (Rule::Any(_), Case::Upper) => "ANY",
                (Rule::Any(_), Case::Title) => "Any",
                (Rule::Any(_), Case::Lower) => "any",
                (_, Case::Upper) => "ALL",
                (_, Case::Title) => "All",
                (_, Case::Lower) => "all",
            };
            out.push_str(kw);
            out.push_str(" {");
            for (i, child) in children.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    if style.layout == Layout::Spaced {
                        out.push(' ');
                    }
                }
                if style.layout == Layout::Lines {
                    newline(out, depth + 1);
                }
                write(out, child, style, depth + 1);
            }
            if style.layout == Layout::Lines {
                if style.trailing_comma {
                    out.push(',');
                }
                newline(out, depth);
            }
            out.push('}');
        }
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_var(out: &mut String, var: &Var) {
    match var {
        Var::InstanceId => out.push_str("instance.id"),
        Var::InstanceCompartment => out.push_str("instance.compartment.id"),
        Var::ResourceId => out.push_str("resource.id"),
        Var::ResourceCompartment => out.push_str("resource.compartment.id"),
        Var::ResourceType => out.push_str("resource.type"),
        Var::Tag(ns, key) => {
            out.push_str("tag.");
            out.push_str(ns);
            out.push('.');
            out.push_str(key);
            out.push_str(".value");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(case: Case, double_quotes: bool, layout: Layout, trailing_comma: bool) -> Style {
        Style {
            case,
            double_quotes,
            layout,
            trailing_comma,
        }
    }

    fn sample() -> Rule {
        Rule::All(vec![
            Rule::eq(Var::InstanceCompartment, "ocid1.compartment.oc1..a"),
            Rule::Any(vec![
                Rule::ne(Var::Tag("Ops".into(), "Team".into()), "O'Brien Lab"),
                Rule::exists("Ops", "Role"),
                Rule::Cond {
                    var: Var::Tag("Ops".into(), "Cost".into()),
                    test: Some((false, Value::Bare("4410".into()))),
                },
            ]),
        ])
    }

    #[test]
    fn prints_the_console_style() {
        assert_eq!(
            print(&sample(), style(Case::Upper, false, Layout::Spaced, false)),
            "ALL {instance.compartment.id = 'ocid1.compartment.oc1..a', ANY {tag.Ops.Team.value != \
             \"O'Brien Lab\", tag.Ops.Role.value, tag.Ops.Cost.value = 4410}}"
        );
        assert!(sample().is_legacy());
    }

    #[test]
    fn prints_terraform_heredocs() {
        assert_eq!(
            print(&sample(), style(Case::Title, true, Layout::Lines, true)),
            "All {\n  instance.compartment.id = \"ocid1.compartment.oc1..a\",\n  Any {\n    \
             tag.Ops.Team.value != \"O'Brien Lab\",\n    tag.Ops.Role.value,\n    \
             tag.Ops.Cost.value = 4410,\n  },\n}"
        );
    }

    #[test]
    fn prints_tight() {
        let r = Rule::Any(vec![Rule::eq(Var::ResourceType, "fnfunc")]);
        assert_eq!(
            print(&r, style(Case::Lower, false, Layout::Tight, false)),
            "any {resource.type='fnfunc'}"
        );
    }
}
