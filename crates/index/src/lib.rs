//! The membership index of dyngroup: from principals and dynamic groups to exact
//! memberships, through roaring-bitmap postings, in parallel.
//!
//! - [`IndexBuilder`] collects [`Principal`]s and [`DynamicGroup`]s and builds an
//!   immutable [`Index`]: every string interned once, principals numbered
//!   ([`PrincipalId`]) clustered by tenancy then compartment, postings (compartment,
//!   resource type, tag key, tag key=value, per-tenancy universes) as compressed
//!   roaring bitmaps, and each tenancy's rules compiled into one plan with equal
//!   sub-rules shared. Principals are added in batches prepared on all threads; a
//!   reader that parses while it builds hands them over
//!   [`IndexBuilder::STREAM_BATCH`] at a time.
//! - [`Index::evaluate`] (rayon) and [`Index::evaluate_sequential`] give identical
//!   [`Memberships`]: group → members bitmap and principal → groups.
//! - [`Index::limits_report`] lists tenancies and principals over OCI's limits, rules
//!   that did not parse (those groups have no members: fail closed) and rule references
//!   to compartments, instances or tags the inventory does not have.
//! - [`Index::explain`] shows, for one principal and one group, the rule tree with
//!   each condition's truth value.
//! - [`reference`](mod@reference) is a deliberately naive evaluator over the syntax tree, the oracle
//!   of the tests and the baseline of the benches.
//! - [`engine`] keeps memberships current under a stream of changes (principals
//!   launched, retagged, moved, terminated; groups created, edited, deleted), returns
//!   each change's membership delta ([`engine::MembershipDelta`], per group a
//!   [`engine::GroupChange`]), and serves consistent versions
//!   ([`engine::Version`]) to readers on other threads while it writes. An engine is
//!   made from a built index without replay ([`engine::Engine::from_index`]) and a
//!   version turns back into an index ([`engine::Version::to_index`]); the snapshot
//!   crate uses the two to open an engine from a file and checkpoint it.
//! - [`check_group_definition`] is the one check of a group's name and description
//!   (the builder, the engine and the snapshot's rebuild use it).
//! - `parts` (hidden from these docs) takes an index apart into plain data and back,
//!   checking everything it relies on: the snapshot crate's way in, not an API.
//!
//! The semantics are docs/semantics.md §2: `instance.*` conditions only hold for instances,
//! `!=` is the complement within the variable's domain (a missing tag satisfies
//! `!=`), tag names and resource types compare ASCII case-insensitively, values and
//! OCIDs exactly, and members always belong to the group's own tenancy. Principals
//! whose lifecycle has ended (`TERMINATED`, `TERMINATING`, `DELETED`, `DELETING`, any
//! case) are not indexed.
//!
//! **A principal OCID given twice: the later record wins, in every layer.** The
//! builder keeps the last record of an OCID (a later `TERMINATED` one removes it), the
//! engine's upsert replaces the principal it holds, the readers (CLI, Python, Arrow
//! rows) hand records on in input order for the builder to decide, and a snapshot
//! holds each OCID once (`Index::from_parts` refuses a file that repeats one).
//!
//! This crate does no file IO.
//!
//! ```
//! use dyngroup_index::{DefinedTag, DynamicGroup, IndexBuilder, Principal};
//!
//! let tenancy = "ocid1.tenancy.oc1..t";
//! let web = Principal {
//!     id: "ocid1.instance.oc1..web1".into(),
//!     compartment_id: "ocid1.compartment.oc1..prod".into(),
//!     tenancy_id: tenancy.into(),
//!     defined_tags: vec![DefinedTag {
//!         namespace: "Ops".into(),
//!         key: "Role".into(),
//!         value: "web".into(),
//!     }],
//!     ..Principal::default()
//! };
//! let func = Principal {
//!     id: "ocid1.fnfunc.oc1..f1".into(),
//!     compartment_id: "ocid1.compartment.oc1..prod".into(),
//!     tenancy_id: tenancy.into(),
//!     ..Principal::default()
//! };
//!
//! let mut builder = IndexBuilder::new();
//! builder.add_principals([&web, &func]);
//! let group = builder
//!     .add_group(DynamicGroup {
//!         name: "web-servers".into(),
//!         matching_rule: "ALL {instance.compartment.id = 'ocid1.compartment.oc1..prod', \
//!                         tag.ops.role.value = 'web'}"
//!             .into(),
//!         tenancy_id: tenancy.into(),
//!         ..DynamicGroup::default()
//!     })
//!     .expect("a valid, new name");
//! let index = builder.build();
//!
//! let memberships = index.evaluate();
//! let members: Vec<&str> = memberships.member_ocids(&index, group).collect();
//! assert_eq!(members, ["ocid1.instance.oc1..web1"]);
//! assert_eq!(memberships.groups_of_ocid(&index, "ocid1.fnfunc.oc1..f1"), Some(&[][..]));
//! assert_eq!(index.group_id(tenancy, "WEB-SERVERS"), Some(group));
//!
//! // The sequential path gives the same answer, and so does the reference evaluator.
//! assert_eq!(index.evaluate_sequential(), memberships);
//! let oracle = dyngroup_index::reference::evaluate(&[web, func], &[index.group(group).clone()]);
//! assert_eq!(oracle.members, vec![vec![0]]);
//!
//! // Why is the function not a member?
//! let why = index.explain_ocid("ocid1.fnfunc.oc1..f1", group).unwrap();
//! assert!(!why.member);
//! assert!(why.to_string().contains("false    instance.compartment.id"));
//! ```
#![deny(missing_docs)]

pub use builder::IndexBuilder;
pub use eval::EvalOptions;
pub use explain::{
    ExplainError, ExplainKind, ExplainNode, Explanation, ScopeCheck, TENANCY_ISOLATION,
};
pub use groups::{
    GroupError, MAX_DESCRIPTION_LEN, MAX_GROUP_NAME_LEN, check_group_definition,
    is_valid_group_name,
};
pub use ids::{GroupId, PrincipalId, TenancyId, TermId};
pub use index::{Index, IndexStats, PrincipalRef};
pub use limits::{
    InvalidGroup, Limits, LimitsReport, PrincipalOverLimit, ReferenceKind, TenancyOverLimit,
    UnknownReference,
};
pub use member_order::MemberOrder;
pub use memberships::{GroupList, Memberships};
pub use model::{DefinedTag, DynamicGroup, IdentityDomain, Principal, resource_type_of};

mod builder;
mod eval;
mod explain;
mod frozen;
mod groups;
mod holds;
mod ids;
mod index;
mod intern;
mod limits;
mod member_order;
mod memberships;
mod model;
mod plan;
mod postings;
mod records;
pub mod reference;

pub mod engine;
// The snapshot crate's way in and out; not part of the documented API.
#[doc(hidden)]
pub mod parts;
