//! The matching-rule language of OCI IAM dynamic groups.
//!
//! A rule such as
//! `ALL {instance.compartment.id = 'ocid1.compartment.oc1..aaa', tag.ops.role.value = 'worker'}`
//! goes through three forms here:
//!
//! 1. text → [`Ast`] with a [`Span`] on every node ([`parse`], [`parse_with`]); problems are
//!    [`Diagnostic`] values that render the rule with `^^^` under the offending text;
//! 2. [`Ast`] → canonical text ([`print()`]), with `parse(print(ast))` giving back the tree;
//! 3. [`Ast`] → normalised [`Rule`] for the engine ([`Rule::lower`]).
//!
//! This crate knows nothing of principals, bitmaps, threads or files.
//!
//! ```
//! use dyngroup_rules::{parse, print, Rule};
//!
//! let parsed = parse("all {Instance.Compartment.Id = \"ocid1.compartment.oc1..aaa\", tag.Ops.Role.value}")
//!     .expect("valid rule");
//! assert!(parsed.warnings.is_empty());
//! assert_eq!(
//!     print(&parsed.ast),
//!     "ALL {instance.compartment.id = 'ocid1.compartment.oc1..aaa', tag.Ops.Role.value}"
//! );
//! let rule = Rule::lower(&parsed.ast);
//! assert_eq!(rule.leaves().len(), 2);
//!
//! let err = parse("ALL {compartment.id = 'x'}").unwrap_err();
//! assert!(err.render("ALL {compartment.id = 'x'}").contains("did you mean"));
//! ```
#![deny(missing_docs)]

pub use ast::{Ast, Comparison, Condition, Expr, Group, GroupKind, Op, Variable};
pub use diagnostic::{
    Diagnostic, DiagnosticKind, MAX_RENDERED, ParseError, Severity, render_diagnostics,
};
pub use ir::{Leaf, Rule, TagKey, Test};
pub use parser::{MAX_DEPTH_CEILING, ParseOptions, Parsed, parse, parse_with};
pub use print::print;
pub use span::{Position, Span};
pub use suggest::edit_distance;
pub use text::rule_text;

mod ast;
mod cursor;
mod diagnostic;
mod excerpt;
mod ir;
mod parser;
mod print;
mod span;
mod suggest;
mod text;
