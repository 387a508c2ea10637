//! The changes an [`Engine`](super::Engine) applies.

use crate::model::{DynamicGroup, Principal};

/// One change to the inventory or the groups.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A principal launched, retagged, moved (compartment or tenancy) or changed
    /// lifecycle state. A `TERMINATED`/`TERMINATING` record removes it from every
    /// group (and from the engine); for an unknown principal it does nothing.
    UpsertPrincipal(Principal),
    /// A principal is gone. For a principal the engine does not hold (never seen,
    /// already removed, terminated) it does nothing: change feeds deliver at least
    /// once.
    RemovePrincipal {
        /// Its OCID.
        id: String,
    },
    /// A new group. An empty `id` gets a fresh OCID (see
    /// [`Engine::apply_one`](super::Engine::apply_one)). Refused for an invalid,
    /// taken or over-the-limit name, a taken OCID, a long description, or a rule that
    /// does not parse.
    CreateGroup(DynamicGroup),
    /// A new rule and/or description for an existing group.
    UpdateGroup(GroupUpdate),
    /// Creates or updates, as a changes file says it: a known `id` updates that group
    /// (same tenancy and name, compared case-insensitively); an empty `id` updates
    /// the tenancy's group of that name if there is one; anything else creates.
    UpsertGroup(DynamicGroup),
    /// Deletes a group. Refused while it has members, unless `force`.
    DeleteGroup {
        /// Its OCID.
        id: String,
        /// Delete even with members (they all leave).
        force: bool,
    },
}

/// What [`Change::UpdateGroup`] changes; `None` keeps the current value. Names and
/// tenancies cannot change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupUpdate {
    /// The group's OCID.
    pub id: String,
    /// The new description.
    pub description: Option<String>,
    /// The new matching rule. A rule that does not parse is refused (the group keeps
    /// its rule and members), as the OCI API refuses it.
    pub matching_rule: Option<String>,
}
