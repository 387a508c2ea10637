//! The syntax tree of a matching rule, as written, with spans.

use crate::span::Span;

/// A parsed matching rule.
///
/// The tree keeps what was written (tag namespace and key case, values) and a span
/// for every node. Two trees that differ only in spans compare equal through
/// [`Ast::same_tree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ast {
    /// The top-level expression. A legacy top-level bare list is an `ANY` group here.
    pub root: Expr,
}

/// An expression: a condition or a group of expressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `ANY {…}` or `ALL {…}`.
    Group(Group),
    /// One condition such as `instance.id = '…'`.
    Condition(Condition),
}

/// Whether a group is a union (`ANY`) or an intersection (`ALL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// True when any member is true.
    Any,
    /// True when every member is true.
    All,
}

impl GroupKind {
    /// The canonical keyword, `ANY` or `ALL`.
    pub fn keyword(self) -> &'static str {
        match self {
            GroupKind::Any => "ANY",
            GroupKind::All => "ALL",
        }
    }
}

/// `ANY {…}` / `ALL {…}` with at least one member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Union or intersection.
    pub kind: GroupKind,
    /// The members, in written order; never empty.
    pub items: Vec<Expr>,
    /// From the keyword to the closing brace (the whole list for a legacy bare list).
    pub span: Span,
}

/// A comparison or a tag-existence test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// What is compared.
    pub variable: Variable,
    /// `=` / `!=` and the value; `None` only for tag existence.
    pub comparison: Option<Comparison>,
    /// The whole condition.
    pub span: Span,
}

/// The variable a condition tests.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Variable {
    /// `instance.id`
    InstanceId,
    /// `instance.compartment.id`
    InstanceCompartmentId,
    /// `resource.id`
    ResourceId,
    /// `resource.compartment.id`
    ResourceCompartmentId,
    /// `resource.type`
    ResourceType,
    /// `tag.<namespace>.<key>.value`, with namespace and key as written.
    Tag {
        /// The tag namespace, as written.
        namespace: String,
        /// The tag key, as written.
        key: String,
    },
}

impl Variable {
    /// The names of the fixed (non-tag) variables, in canonical lower case.
    pub const FIXED_NAMES: [&'static str; 5] = [
        "instance.id",
        "instance.compartment.id",
        "resource.id",
        "resource.compartment.id",
        "resource.type",
    ];

    /// The fixed variable with this (case-insensitive) name.
    pub fn fixed(name: &str) -> Option<Variable> {
        let v = match name.to_ascii_lowercase().as_str() {
            "instance.id" => Variable::InstanceId,
            "instance.compartment.id" => Variable::InstanceCompartmentId,
            "resource.id" => Variable::ResourceId,
            "resource.compartment.id" => Variable::ResourceCompartmentId,
            "resource.type" => Variable::ResourceType,
            _ => return None,
        };
        Some(v)
    }

    /// Whether the variable only applies to instances (its `!=` domain is the
    /// tenancy's instances, not every principal).
    pub fn is_instance_only(&self) -> bool {
        matches!(self, Variable::InstanceId | Variable::InstanceCompartmentId)
    }
}

impl std::fmt::Display for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Variable::InstanceId => f.write_str("instance.id"),
            Variable::InstanceCompartmentId => f.write_str("instance.compartment.id"),
            Variable::ResourceId => f.write_str("resource.id"),
            Variable::ResourceCompartmentId => f.write_str("resource.compartment.id"),
            Variable::ResourceType => f.write_str("resource.type"),
            Variable::Tag { namespace, key } => write!(f, "tag.{namespace}.{key}.value"),
        }
    }
}

/// Comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// The operator as written in canonical form.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
        }
    }
}

/// `= value` or `!= value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The operator.
    pub op: Op,
    /// The value, without quotes.
    pub value: String,
    /// The value as written, quotes included.
    pub value_span: Span,
}

impl Ast {
    /// Whether two trees are equal ignoring spans.
    pub fn same_tree(&self, other: &Ast) -> bool {
        self.without_spans() == other.without_spans()
    }

    /// A copy with every span reset to the default, for span-blind comparison.
    pub fn without_spans(&self) -> Ast {
        Ast {
            root: self.root.without_spans(),
        }
    }
}

impl Expr {
    /// The span of the expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::Group(g) => g.span,
            Expr::Condition(c) => c.span,
        }
    }

    fn without_spans(&self) -> Expr {
        match self {
            Expr::Group(g) => Expr::Group(Group {
                kind: g.kind,
                items: g.items.iter().map(Expr::without_spans).collect(),
                span: Span::default(),
            }),
            Expr::Condition(c) => Expr::Condition(Condition {
                variable: c.variable.clone(),
                comparison: c.comparison.as_ref().map(|cmp| Comparison {
                    op: cmp.op,
                    value: cmp.value.clone(),
                    value_span: Span::default(),
                }),
                span: Span::default(),
            }),
        }
    }
}
