//! OCI IAM policies over dynamic-group memberships: what each principal can do, and
//! who can do it, for every compartment (the semantics are in the crate README).
//!
//! - [`parse_statement`] turns one statement (`Allow dynamic-group web to read buckets
//!   in compartment Prod:App where request.principal.type = 'instance'`) into a
//!   [`Statement`] with spans; errors and warnings are [`Diagnostic`]s rendered with
//!   `^^^` like rule errors; [`print_statement`] gives the canonical text.
//! - [`ResourceTable`] holds the resource families and aliases, read from the
//!   versioned data file `data/resource-types.txt`; [`Verb`]s are cumulative.
//! - [`CompartmentTree`] is the forest of compartments; [`PolicySet::compile`]
//!   parses every [`Policy`] and resolves each location (relative paths start at the
//!   compartment the policy is attached to) into a [`CompiledGrant`], and reports
//!   everything it cannot evaluate as a [`Finding`].
//! - [`Evaluator`] answers with bitmaps over an index's [`Memberships`]:
//!   [`Evaluator::who_can`] for a [`Request`], [`Evaluator::decide`] and
//!   [`Evaluator::holdings`] for one principal, each with the chain of statements.
//! - [`Reference`] is the simple oracle the tests compare it with.
//!
//! Decisions are three-valued ([`Decision`]): allowed, conditional (an undecidable
//! condition), denied; a deny overrides every allow. This crate does no file IO.
//!
//! ```
//! use dyngroup_index::{DynamicGroup, IndexBuilder, Principal};
//! use dyngroup_policy::{
//!     Compartment, CompartmentTree, Decision, Evaluator, Policy, PolicySet, PolicyStatement,
//!     Request, ResourceTable, Verb,
//! };
//!
//! let tenancy = "ocid1.tenancy.oc1..t";
//! let tree = CompartmentTree::new(&[
//!     Compartment { id: tenancy.into(), name: "acme".into(), parent_id: None },
//!     Compartment { id: "ocid1.compartment.oc1..prod".into(), name: "Prod".into(), parent_id: Some(tenancy.into()) },
//! ]);
//! let mut builder = IndexBuilder::new();
//! builder.add_principal(&Principal {
//!     id: "ocid1.instance.oc1..web1".into(),
//!     compartment_id: "ocid1.compartment.oc1..prod".into(),
//!     tenancy_id: tenancy.into(),
//!     ..Principal::default()
//! });
//! builder
//!     .add_group(DynamicGroup {
//!         id: "ocid1.dynamicgroup.oc1..web".into(),
//!         name: "web".into(),
//!         matching_rule: "resource.compartment.id = 'ocid1.compartment.oc1..prod'".into(),
//!         tenancy_id: tenancy.into(),
//!         ..DynamicGroup::default()
//!     })
//!     .unwrap();
//! let index = builder.build();
//! let memberships = index.evaluate();
//! let policies = PolicySet::compile(
//!     vec![Policy {
//!         id: "ocid1.policy.oc1..p".into(),
//!         name: "web-reads".into(),
//!         compartment_id: tenancy.into(),
//!         statements: vec![PolicyStatement {
//!             text: "Allow dynamic-group web to read object-family in compartment Prod".into(),
//!             origin: None,
//!         }],
//!     }],
//!     &tree,
//! );
//! let evaluator = Evaluator::new(&index, &memberships, &tree, &policies);
//! let request = Request {
//!     verb: Verb::Read,
//!     resource: ResourceTable::builtin().resolve("buckets").set,
//!     compartment: tree.get("ocid1.compartment.oc1..prod").unwrap(),
//! };
//! let who = evaluator.who_can(&request);
//! assert_eq!(who.len(), 1);
//! assert_eq!(who[0].decision, Decision::Allowed);
//! assert_eq!(index.principal_ocid(who[0].principal), "ocid1.instance.oc1..web1");
//! ```
#![deny(missing_docs)]

pub use ast::{
    Action, Clause, ClauseTest, ConditionKind, CrossTenancy, Effect, Grant, Location, Statement,
    Subject, SubjectItem, SubjectKind, SubjectTarget, Value, WhereCondition,
};
pub use compile::{
    CompiledGrant, Finding, FindingKind, Grants, Origin, Policy, PolicySet, PolicyStatement,
    STATEMENTS_PER_PATH, StatementRef, SubjectGroup, Subjects,
};
pub use condition::{Facts, Truth, evaluate};
pub use decision::{Bearing, Decision, Request, bearing};
pub use dyngroup_index::Memberships;
pub use dyngroup_rules::Diagnostic;
pub use eval::{Answer, Evaluator, Holding, Via, WhoCan};
pub use parse::{
    DECIDED_VARIABLES, MAX_CONDITION_DEPTH, ParsedStatement, StatementError, parse_statement,
};
pub use print::print_statement;
pub use reference::Reference;
pub use resources::{ALL_RESOURCES, Resource, ResourceSet, ResourceTable, Verb};
pub use tree::{Compartment, CompartmentId, CompartmentTree};

mod ast;
mod compile;
mod condition;
mod decision;
mod eval;
mod lex;
mod parse;
mod print;
mod reference;
mod resources;
mod tree;
