//! Why the engine refused a change. A refused change changes nothing.

use crate::groups::GroupError;
use dyngroup_rules::ParseError;

/// Why [`Engine::apply_one`](super::Engine::apply_one) refused a change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeError {
    /// The name is empty, longer than 100 characters, or has a character outside
    /// `[A-Za-z0-9._-]`.
    #[error("invalid group name `{name}`: use 1 to 100 of A-Z a-z 0-9 . _ -")]
    InvalidGroupName {
        /// The name as given.
        name: String,
    },
    /// Another group of the tenancy has this name, compared case-insensitively.
    #[error("a group named `{name}` already exists in tenancy {tenancy_id}")]
    DuplicateGroupName {
        /// The name as given.
        name: String,
        /// The tenancy.
        tenancy_id: String,
    },
    /// A group with this OCID already exists.
    #[error("a group with id {id} already exists")]
    DuplicateGroupId {
        /// The OCID as given.
        id: String,
    },
    /// The description is longer than [`MAX_DESCRIPTION_LEN`](crate::MAX_DESCRIPTION_LEN) characters.
    #[error("the description of group `{name}` has {len} characters; at most 400 are allowed")]
    DescriptionTooLong {
        /// The group's name.
        name: String,
        /// Its length in characters.
        len: usize,
    },
    /// The tenancy already has as many groups as its limit allows.
    #[error("tenancy {tenancy_id} already has {limit} groups, its limit")]
    TenancyGroupLimit {
        /// The tenancy.
        tenancy_id: String,
        /// The limit ([`Limits::max_groups_per_tenancy`](crate::Limits)).
        limit: usize,
    },
    /// A create or update whose rule does not parse (as the OCI API refuses it): the
    /// group keeps its rule and members, or is not created.
    #[error("the rule of group `{name}` does not parse: {error}")]
    InvalidRule {
        /// The group's name.
        name: String,
        /// Why the rule does not parse.
        error: ParseError,
    },
    /// No group has this OCID (or, for an upsert without an OCID, this name).
    #[error("no group has id {id}")]
    UnknownGroup {
        /// The OCID as given.
        id: String,
    },
    /// An update named the group differently: group names are immutable.
    #[error("group {id} is named `{name}`; names cannot change (asked for `{requested}`)")]
    GroupRename {
        /// The group's OCID.
        id: String,
        /// Its name.
        name: String,
        /// The name the update gave.
        requested: String,
    },
    /// An update put the group in another tenancy: a group stays in its tenancy.
    #[error("group {id} belongs to tenancy {tenancy_id}, not {requested}")]
    GroupTenancyChange {
        /// The group's OCID.
        id: String,
        /// Its tenancy.
        tenancy_id: String,
        /// The tenancy the update gave.
        requested: String,
    },
    /// A delete without `force` of a group that still has members.
    #[error("group {id} has {members} members; delete it with force, or empty it first")]
    GroupHasMembers {
        /// The group's OCID.
        id: String,
        /// How many members it has.
        members: u64,
    },
}

impl From<GroupError> for ChangeError {
    fn from(e: GroupError) -> ChangeError {
        match e {
            GroupError::InvalidName { name } => ChangeError::InvalidGroupName { name },
            GroupError::DuplicateName { name, tenancy_id } => {
                ChangeError::DuplicateGroupName { name, tenancy_id }
            }
            GroupError::DescriptionTooLong { name, len } => {
                ChangeError::DescriptionTooLong { name, len }
            }
        }
    }
}

/// Why a [`Version`](super::Version) lookup found nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// No principal held has this OCID (unknown, or terminated).
    #[error("no indexed principal has id {0}")]
    UnknownPrincipal(String),
    /// No group has this OCID.
    #[error("no group has id {0}")]
    UnknownGroup(String),
}
