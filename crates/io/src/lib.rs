//! Reading inventories and dynamic groups as the OCI CLI prints them, and writing
//! memberships.
//!
//! **Inputs** come as JSON Lines (one record per line) or as JSON documents, one or
//! several one after another: arrays of records, `{"data": [...]}` as `oci compute
//! instance list --all` and `oci iam dynamic-group list` print, identity-domain pages
//! `{"data": {"resources": [...]}}`, or records on their own (what `jq '.data[]'`
//! prints). A broken document is one problem and reading resumes at the next line that
//! starts a document (`{` or `[` in its first column). Keys are matched in kebab-case
//! (as the OCI CLI prints them), snake_case or camelCase; unknown keys are ignored.
//!
//! - [`read_inventory`] / [`read_inventory_from`] / [`InventoryReader`] give an
//!   [`Inventory`] of [`Principal`](dyngroup_index::Principal)s: `id`,
//!   `compartment-id`, optional `tenancy-id` (else [`ReadOptions::tenancy`]), optional
//!   `resource-type`, `defined-tags` (number and boolean values kept as their JSON
//!   text; a tag given twice, or more than [`MAX_DEFINED_TAGS`], rejects the record)
//!   and `lifecycle-state`.
//!   [`InventoryReader::stream_path`] hands each accepted principal on as soon as its
//!   chunk is parsed instead of keeping it (to build an index while reading, holding
//!   only the ids); [`BytesRead`] tells a progress bar how far reading is.
//! - [`read_groups`] / [`read_groups_from`] / [`GroupsReader`] give [`Groups`] of
//!   [`DynamicGroup`](dyngroup_index::DynamicGroup)s: `id` (assigned by
//!   [`assigned_group_id`] when absent), `name`, `description`, `matching-rule`,
//!   `compartment-id` (the tenancy); deleted groups are skipped with a note. Groups of
//!   identity domains (SCIM DynamicResourceGroups) read as well: `display-name`,
//!   `ocid` (the group's OCID; `id` is a SCIM id), `tenancy-ocid`, and their
//!   [`IdentityDomain`](dyngroup_index::IdentityDomain) from `domain-ocid` and
//!   `compartment-ocid`; a null `matching-rule` (left out by the export) is a problem
//!   naming `--attribute-sets all`.
//! - [`read_changes`] / [`read_changes_from`] give [`Changes`]: JSON Lines of
//!   principal and group changes (`{"op": "upsert-principal", "principal": {…}}`, …)
//!   for the [`Engine`](dyngroup_index::engine::Engine), the nested records read as
//!   above.
//!
//! Every record that is wrong is reported as a [`Problem`] —
//! `file:line:column: what is wrong` — and left out; the valid rest is returned. A
//! group whose rule does not parse is kept (the engine gives it no members) and
//! reported with the rule rendered under `^^^`. Only failing to read a file at all is an
//! [`Error`]. JSON Lines are read in chunks and parsed in parallel (rayon), in order.
//!
//! - [`read_compartments`] / [`CompartmentsReader`] give the compartment tree's
//!   records as `oci iam compartment list --all --compartment-id-in-subtree true
//!   --include-root` prints them (deleted ones skipped with a note);
//!   [`read_policies`] / [`PoliciesReader`] give policies as `oci iam policy list
//!   --all` prints them, each statement with the `file:line:column` of its string;
//!   [`statement_problem`] reports a statement's finding there, the statement
//!   rendered with `^^^` under the span inside it.
//!
//! **A run**: [`Loaded::read`] reads a run's inventory and groups [`Source`]s (files,
//! or rows held in memory), [`Loaded::keep_shard`] keeps one [`Shard`]'s tenancies,
//! [`Loaded::build_index`] builds the index, and [`report_json`] (with [`Totals`]) is
//! the run's report; [`Answer`] is `explain`'s answer and its JSON: what the CLI and
//! the Python package share, as is [`delta_records`], a live engine's delta as
//! `diff --json` records.
//!
//! **Outputs**: [`GroupMembersWriter`] and [`PrincipalGroupsWriter`] write membership
//! records as JSON Lines, a JSON array or CSV ([`Format`]), [`PrincipalGrantsWriter`]
//! each principal's groups with its effective policy grants; [`AtomicFile`] and
//! [`write_atomically`] replace an output file only when the whole run succeeded;
//! [`AtomicFile::finish`] and [`commit_all`] replace several outputs only when all of
//! them were written.
//!
//! ```
//! use dyngroup_io::{read_inventory_from, ReadOptions};
//!
//! let jsonl = r#"
//! {"id": "ocid1.instance.oc1.phx.a", "compartment-id": "ocid1.compartment.oc1..c", "defined-tags": {"Ops": {"CostCenter": 42}}, "lifecycle-state": "RUNNING"}
//! {"id": "ocid1.instance.oc1.phx.b"}
//! "#;
//! let options = ReadOptions {
//!     tenancy: Some("ocid1.tenancy.oc1..t".to_owned()),
//!     ..ReadOptions::default()
//! };
//! let inventory = read_inventory_from(jsonl.trim_start().as_bytes(), "fleet.jsonl", &options)?;
//!
//! let principal = &inventory.principals()[0];
//! assert_eq!(principal.tenancy_id, "ocid1.tenancy.oc1..t");
//! assert_eq!(principal.defined_tags[0].value, "42");
//!
//! let problems: Vec<String> = inventory.problems().iter().map(|p| p.to_string()).collect();
//! assert_eq!(problems, ["fleet.jsonl:2:1: missing `compartment-id`"]);
//! # Ok::<(), dyngroup_io::Error>(())
//! ```
#![deny(missing_docs)]

pub use atomic::{AtomicFile, Finished, commit_all, same_file, write_atomically};
pub use changes::{Changes, LocatedChange, read_changes, read_changes_from};
pub use compartments::{
    Compartments, CompartmentsReader, read_compartments, read_compartments_from,
};
pub use delta::{DeltaRecords, delta_records, version_groups};
pub use error::Error;
pub use explain::{Answer, ExplainRun};
pub use grants::{GrantRecord, PrincipalGrantsRecord, PrincipalGrantsWriter};
pub use groups::{
    Groups, GroupsReader, MAX_DESCRIPTION_LEN, MAX_NAME_LEN, assigned_group_id,
    is_valid_group_name, read_groups, read_groups_from,
};
pub use input::BytesRead;
pub use inventory::{
    Inventory, InventoryReader, MAX_DEFINED_TAGS, read_inventory, read_inventory_from, records_in,
};
pub use load::{Loaded, Shard, Source};
pub use options::ReadOptions;
pub use policies::{
    Policies, PoliciesReader, read_policies, read_policies_from, statement_problem,
};
pub use problem::{Problem, ProblemKind, Severity};
pub use report::{Totals, domain_scope_not_applied, findings_json, report_json};
pub use write::{
    Format, GroupMembersRecord, GroupMembersWriter, PrincipalGroupsRecord, PrincipalGroupsWriter,
    UnknownFormat, write_csv_field, write_group_members, write_group_members_parallel,
    write_principal_groups, write_principal_groups_parallel,
};

mod atomic;
mod changes;
mod compartments;
mod container;
mod delta;
mod documents;
mod error;
mod explain;
mod fields;
mod grants;
mod groups;
mod input;
mod inventory;
mod load;
mod one_pass;
mod options;
mod policies;
mod position;
mod problem;
mod report;
mod write;
