//! Readers: a cheap handle, and immutable snapshots of one published version.
//!
//! A [`Version`] holds an `Arc` of the state it was taken from; later writes build
//! new states beside it (sharing what they do not change) and never touch it.

use super::errors::LookupError;
use super::state::{GroupView, Held, State, TenancyView};
use crate::explain::{Explanation, ScopeCheck, explain_tree};
use crate::holds::leaf_holds;
use crate::ids::{GroupId, PrincipalId};
use arc_swap::ArcSwap;
use dyngroup_rules::{Ast, ParseError, Rule};
use roaring::RoaringBitmap;
use std::fmt;
use std::sync::Arc;

/// A handle on an [`Engine`](super::Engine)'s published versions. Cheap to clone,
/// `Send + Sync`; it stays valid (and keeps the last version) if the engine is
/// dropped.
#[derive(Clone)]
pub struct Reader {
    shared: Arc<ArcSwap<State>>,
}

impl fmt::Debug for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("version", &self.shared.load().version)
            .finish()
    }
}

impl Reader {
    pub(crate) fn new(shared: Arc<ArcSwap<State>>) -> Reader {
        Reader { shared }
    }

    /// The latest published version: an atomic load, no lock, no copy.
    pub fn snapshot(&self) -> Version {
        Version {
            state: self.shared.load_full(),
        }
    }
}

/// One published version of the engine: consistent, immutable, `Send + Sync`.
#[derive(Clone)]
pub struct Version {
    pub(super) state: Arc<State>,
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Version")
            .field("version", &self.state.version)
            .field("principals", &self.principal_count())
            .field("groups", &self.group_count())
            .finish()
    }
}

impl Version {
    /// The version: each publication of the engine adds one.
    pub fn version(&self) -> u64 {
        self.state.version
    }

    /// How many principals are held.
    pub fn principal_count(&self) -> usize {
        self.state.principal_count
    }

    /// How many groups there are.
    pub fn group_count(&self) -> usize {
        self.state.groups.size()
    }

    /// The OCIDs of the tenancies with principals or groups, sorted.
    pub fn tenancy_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.state.tenancies.values().map(|t| &*t.id).collect();
        ids.sort_unstable();
        ids
    }

    /// The principal with this OCID.
    pub fn principal(&self, id: &str) -> Option<PrincipalInfo<'_>> {
        let loc = self.state.locate(id)?;
        let tenancy = self.state.tenancies.get(&loc.tenancy)?;
        Some(PrincipalInfo {
            held: tenancy.principal(loc.ordinal)?,
        })
    }

    /// The group with this OCID.
    pub fn group(&self, id: &str) -> Option<GroupInfo<'_>> {
        let loc = self.state.groups.get(id)?;
        let tenancy = self.state.tenancies.get(&loc.tenancy)?;
        let group = &tenancy.groups[tenancy.group_index(loc.id)?];
        Some(GroupInfo { tenancy, group })
    }

    /// The group of a tenancy with this name, compared ASCII case-insensitively.
    pub fn group_by_name(&self, tenancy_id: &str, name: &str) -> Option<GroupInfo<'_>> {
        self.tenancy_groups(tenancy_id)
            .find(|g| g.name().eq_ignore_ascii_case(name))
    }

    /// The groups of a tenancy, ascending by [`GroupInfo::engine_id`].
    pub fn tenancy_groups(&self, tenancy_id: &str) -> impl Iterator<Item = GroupInfo<'_>> + '_ {
        self.state
            .tenancies
            .get(tenancy_id)
            .into_iter()
            .flat_map(|tenancy| {
                tenancy
                    .groups
                    .iter()
                    .map(move |group| GroupInfo { tenancy, group })
            })
    }

    /// Every group, sorted by OCID.
    pub fn groups(&self) -> Vec<GroupInfo<'_>> {
        let mut all: Vec<GroupInfo<'_>> = self
            .state
            .tenancies
            .values()
            .flat_map(|tenancy| {
                tenancy
                    .groups
                    .iter()
                    .map(move |group| GroupInfo { tenancy, group })
            })
            .collect();
        all.sort_unstable_by(|a, b| a.id().cmp(b.id()));
        all
    }

    /// The groups of the principal with this OCID, ascending by engine id; `None` if
    /// it is not held. Each of its tenancy's groups is probed (at most 50 by default):
    /// keeping a per-principal list for readers would make a rule change rewrite
    /// every member's record.
    pub fn groups_of(&self, principal_id: &str) -> Option<Vec<GroupInfo<'_>>> {
        let loc = self.state.locate(principal_id)?;
        let tenancy = self.state.tenancies.get(&loc.tenancy)?;
        Some(
            tenancy
                .groups
                .iter()
                .filter(|g| g.members.contains(loc.ordinal))
                .map(|group| GroupInfo { tenancy, group })
                .collect(),
        )
    }

    /// Whether the principal is a member of the group (false if either is unknown).
    pub fn is_member(&self, principal_id: &str, group_id: &str) -> bool {
        match (self.state.locate(principal_id), self.group(group_id)) {
            (Some(loc), Some(g)) => {
                loc.tenancy == g.group.tenancy && g.group.members.contains(loc.ordinal)
            }
            _ => false,
        }
    }

    /// Why the principal is or is not a member of the group, condition by condition
    /// (evaluated on the attributes this snapshot holds). `group` is the engine id
    /// and `principal` the principal's ordinal within its tenancy.
    pub fn explain(&self, principal_id: &str, group_id: &str) -> Result<Explanation, LookupError> {
        let p = self
            .principal(principal_id)
            .ok_or_else(|| LookupError::UnknownPrincipal(principal_id.to_owned()))?
            .held;
        let g = self
            .group(group_id)
            .ok_or_else(|| LookupError::UnknownGroup(group_id.to_owned()))?
            .group;
        let same_tenancy = *p.tenancy() == g.tenancy;
        let (tree, rule_error) = match &*g.rule {
            Ok(parsed) => (
                Some(explain_tree(&parsed.ast.root, &|leaf| leaf_holds(leaf, &p))),
                None,
            ),
            Err(e) => (None, Some(e.render(&g.matching_rule))),
        };
        let scope = g
            .domain
            .as_ref()
            .and_then(|d| ScopeCheck::of(d, &g.tenancy, p.compartment()));
        let member = same_tenancy
            && tree.as_ref().is_some_and(|t| t.holds)
            && scope.as_ref().is_none_or(ScopeCheck::admits);
        debug_assert_eq!(
            member,
            same_tenancy && g.members.contains(p.ordinal()),
            "explain agrees with the member bitmap"
        );
        Ok(Explanation {
            group: g.id,
            group_name: g.name.to_string(),
            group_tenancy_id: g.tenancy.to_string(),
            rule: g.matching_rule.to_string(),
            principal: PrincipalId(p.ordinal()),
            principal_id: p.id().to_owned(),
            principal_tenancy_id: p.tenancy().to_string(),
            same_tenancy,
            tree,
            rule_error,
            scope,
            member,
        })
    }
}

/// A group in a [`Version`].
#[derive(Clone, Copy)]
pub struct GroupInfo<'a> {
    tenancy: &'a TenancyView,
    group: &'a GroupView,
}

impl fmt::Debug for GroupInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupInfo")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("tenancy_id", &self.tenancy_id())
            .field("members", &self.member_count())
            .finish()
    }
}

impl<'a> GroupInfo<'a> {
    /// Its OCID.
    pub fn id(&self) -> &'a str {
        &self.group.ocid
    }

    /// The engine's id for it: unique among live groups; a deleted group's id may be
    /// given to a later group (its OCID never is, unless the caller supplies it).
    pub fn engine_id(&self) -> GroupId {
        self.group.id
    }

    /// Its name.
    pub fn name(&self) -> &'a str {
        &self.group.name
    }

    /// Its tenancy.
    pub fn tenancy_id(&self) -> &'a str {
        &self.group.tenancy
    }

    /// Its description.
    pub fn description(&self) -> &'a str {
        &self.group.description
    }

    /// Its matching rule, as written.
    pub fn matching_rule(&self) -> &'a str {
        &self.group.matching_rule
    }

    /// Its normalised rule, or why the text did not parse (then it has no members).
    pub fn rule(&self) -> Result<&'a Rule, &'a ParseError> {
        self.group.rule.as_ref().as_ref().map(|p| &p.rule)
    }

    /// Its syntax tree, if the rule parsed.
    pub fn ast(&self) -> Option<&'a Ast> {
        self.group.rule.as_ref().as_ref().ok().map(|p| &p.ast)
    }

    /// How many members it has.
    pub fn member_count(&self) -> u64 {
        self.group.members.len()
    }

    /// Its members as ordinals of its tenancy (see [`PrincipalInfo::ordinal`]).
    pub fn member_ordinals(&self) -> &'a RoaringBitmap {
        &self.group.members
    }

    /// The OCIDs of its members, in ordinal order.
    pub fn members(&self) -> impl Iterator<Item = &'a str> + 'a {
        let tenancy = self.tenancy;
        self.group
            .members
            .iter()
            .filter_map(move |o| tenancy.principal(o).map(|p| p.id()))
    }
}

/// A principal in a [`Version`].
#[derive(Clone, Copy)]
pub struct PrincipalInfo<'a> {
    held: Held<'a>,
}

impl fmt::Debug for PrincipalInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrincipalInfo")
            .field("id", &self.id())
            .field("compartment_id", &self.compartment_id())
            .field("tenancy_id", &self.tenancy_id())
            .field("resource_type", &self.resource_type())
            .field("tags", &self.held.tags())
            .field("ordinal", &self.ordinal())
            .finish()
    }
}

impl<'a> PrincipalInfo<'a> {
    /// Its OCID.
    pub fn id(&self) -> &'a str {
        self.held.id()
    }

    /// The compartment that directly holds it.
    pub fn compartment_id(&self) -> &'a str {
        self.held.compartment()
    }

    /// Its tenancy.
    pub fn tenancy_id(&self) -> &'a str {
        self.held.tenancy()
    }

    /// Its resource type, ASCII lower-cased.
    pub fn resource_type(&self) -> &'a str {
        self.held.resource_type()
    }

    /// Whether it is an instance.
    pub fn is_instance(&self) -> bool {
        self.held.is_instance()
    }

    /// Its defined tags as `(namespace, key, value)`, names lower-cased, sorted.
    pub fn tags(&self) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> + 'a {
        self.held.tags().into_iter()
    }

    /// Its ordinal within its tenancy (what member bitmaps hold); freed ordinals are
    /// reused, so an ordinal names a principal only within one snapshot.
    pub fn ordinal(&self) -> u32 {
        self.held.ordinal()
    }
}
