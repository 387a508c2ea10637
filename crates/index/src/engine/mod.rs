//! Live changes: an [`Engine`] that keeps memberships current under a stream of
//! principal and group changes, and [`Reader`]s that see consistent snapshots while
//! it writes.
//!
//! - [`Engine::apply_one`] / [`Engine::apply`] take [`Change`]s — upsert or remove a
//!   principal; create, update, upsert or delete a group — and return the
//!   [`MembershipDelta`]: per group, the principals that joined and left.
//! - A **principal change** evaluates only its tenancy's rules, on that one principal's
//!   attributes (the normalised rule IR, no bitmaps), and updates the tenancy's
//!   postings and the member bitmaps of the groups it joined or left.
//! - A **rule change** evaluates that one group as bitmaps over its tenancy's postings
//!   (intersections smallest first, and-not for `!=`), and the delta is the difference
//!   of the old and new member bitmaps.
//! - Group lifecycle follows docs/semantics.md §3 and every refusal is a typed
//!   [`ChangeError`]; a refused change changes nothing. As the OCI API does, a
//!   create or update whose rule does not parse is refused, the group limit is per
//!   tenancy, and removing a principal that is not held is a no-op.
//! - [`Engine::from_index`] makes an engine from a built index without replaying
//!   it: the index stays as the engine's base, its tenancies read in place until a
//!   change first touches one, which then is copied into the engine's own
//!   structures ([`EngineStats::own_tenancies`] counts them). [`Version::to_index`]
//!   turns a version back into an index and its memberships (what a checkpoint
//!   writes).
//! - [`Engine::reader`] is a cheap `Clone + Send + Sync` handle;
//!   [`Reader::snapshot`] is an immutable [`Version`] (members, groups of a principal,
//!   explain) that later writes never change. Getting one is an atomic load
//!   (`arc-swap`), never a lock. Writes copy on write: persistent maps and vectors
//!   share everything a change does not touch.
//! - Principal ordinals are per tenancy and freed ordinals are reused smallest first,
//!   so ordinals never run out and stay below the tenancy's peak size; empty posting
//!   lists are dropped.
//!
//! ```
//! use dyngroup_index::engine::{Change, Engine};
//! use dyngroup_index::{DefinedTag, DynamicGroup, Principal};
//!
//! let tenancy = "ocid1.tenancy.oc1..t";
//! let mut engine = Engine::new();
//! let reader = engine.reader();
//!
//! engine
//!     .apply_one(Change::CreateGroup(DynamicGroup {
//!         id: "ocid1.dynamicgroup.oc1..web".into(),
//!         name: "web".into(),
//!         matching_rule: "tag.ops.role.value = 'web'".into(),
//!         tenancy_id: tenancy.into(),
//!         ..DynamicGroup::default()
//!     }))
//!     .expect("a valid, new group");
//! let before = reader.snapshot();
//!
//! let mut vm = Principal {
//!     id: "ocid1.instance.oc1..vm1".into(),
//!     compartment_id: "ocid1.compartment.oc1..prod".into(),
//!     tenancy_id: tenancy.into(),
//!     defined_tags: vec![DefinedTag {
//!         namespace: "Ops".into(),
//!         key: "Role".into(),
//!         value: "web".into(),
//!     }],
//!     ..Principal::default()
//! };
//! let delta = engine.apply_one(Change::UpsertPrincipal(vm.clone())).unwrap();
//! assert_eq!(&*delta.groups[0].joined[0], "ocid1.instance.oc1..vm1");
//!
//! // A new snapshot sees the join; the one taken before does not.
//! let now = reader.snapshot();
//! let web = now.group("ocid1.dynamicgroup.oc1..web").unwrap();
//! assert_eq!(web.members().collect::<Vec<_>>(), ["ocid1.instance.oc1..vm1"]);
//! assert_eq!(before.group("ocid1.dynamicgroup.oc1..web").unwrap().member_count(), 0);
//!
//! // Retagged: it leaves. Terminated: it is gone.
//! vm.defined_tags[0].value = "db".into();
//! let delta = engine.apply_one(Change::UpsertPrincipal(vm.clone())).unwrap();
//! assert_eq!(delta.groups[0].left.len(), 1);
//! vm.lifecycle_state = Some("TERMINATED".into());
//! engine.apply_one(Change::UpsertPrincipal(vm)).unwrap();
//! assert!(reader.snapshot().groups_of("ocid1.instance.oc1..vm1").is_none());
//!
//! // Why was it a member then? Explain works on what a snapshot holds.
//! assert!(now.explain("ocid1.instance.oc1..vm1", "ocid1.dynamicgroup.oc1..web").unwrap().member);
//! ```

mod atoms;
mod base;
mod change;
mod delta;
mod errors;
mod eval;
mod groups;
mod load;
mod principals;
mod reader;
mod state;
mod tenancy;

pub use change::{Change, GroupUpdate};
pub use delta::{GroupChange, GroupDelta, MembershipDelta};
pub use errors::{ChangeError, LookupError};
pub use reader::{GroupInfo, PrincipalInfo, Reader, Version};

use crate::limits::Limits;
use crate::model::{DynamicGroup, Principal};
use arc_swap::ArcSwap;
use atoms::{Atom, AtomTable};
use delta::DeltaBuilder;
use dyngroup_rules::ParseOptions;
use hashbrown::HashMap;
use state::{State, TenancyView};
use std::sync::Arc;
use tenancy::{IdPool, TenancyIndex};

/// How an [`Engine`] checks and parses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineOptions {
    /// Group creation is refused past `max_groups_per_tenancy` (default 50).
    /// `max_groups_per_principal` is not enforced here (batch reports it).
    pub limits: Limits,
    /// How group rules are parsed.
    pub parse: ParseOptions,
}

/// A change [`Engine::apply`] refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Its position in the batch.
    pub index: usize,
    /// Why.
    pub error: ChangeError,
}

/// What [`Engine::apply`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The net membership change of the whole batch.
    pub delta: MembershipDelta,
    /// The changes refused (each changed nothing; the others applied).
    pub refused: Vec<Refused>,
    /// The version readers now see.
    pub version: u64,
}

/// Sizes of an engine, for tests and benches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Principals held.
    pub principals: usize,
    /// Tenancies with principals or groups.
    pub tenancies: usize,
    /// Of those, the tenancies held in the engine's own structures: every tenancy of
    /// an engine built by changes; those a change has touched in one made from an
    /// index (the others are read from it).
    pub own_tenancies: usize,
    /// Groups.
    pub groups: usize,
    /// Posting lists of the engine's own tenancies.
    pub terms: usize,
    /// The sum over tenancies of one past the highest ordinal in use: equal to
    /// `principals` when no ordinal is free.
    pub ordinal_span: usize,
    /// Shared strings the writer's table holds.
    pub strings: usize,
}

/// The incremental engine: one writer, any number of [`Reader`]s.
///
/// Changes apply in order; each [`apply_one`](Engine::apply_one) or
/// [`apply`](Engine::apply) publishes one new version (if it changed anything), so
/// readers see a batch whole or not at all.
pub struct Engine {
    /// The next version, being written; shares structure with the published one.
    state: State,
    published: Arc<ArcSwap<State>>,
    /// The writer's private side of each tenancy a change has touched (postings,
    /// ordinals, reverse map); the others are read from the base index.
    tenancies: HashMap<Atom, TenancyIndex>,
    atoms: AtomTable,
    group_ids: IdPool,
    options: EngineOptions,
    /// How many group OCIDs this engine has made up.
    generated_ids: u64,
    /// Whether `state` differs from the published version.
    dirty: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("version", &self.state.version)
            .field("stats", &self.stats())
            .field("options", &self.options)
            .finish()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::with_options(EngineOptions::default())
    }
}

impl Engine {
    /// An empty engine with the default options.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// An empty engine.
    pub fn with_options(options: EngineOptions) -> Engine {
        let state = State {
            rules_parse: options.parse,
            ..State::default()
        };
        Engine {
            published: Arc::new(ArcSwap::from_pointee(state.clone())),
            state,
            tenancies: HashMap::new(),
            atoms: AtomTable::default(),
            group_ids: IdPool::default(),
            options,
            generated_ids: 0,
            dirty: false,
        }
    }

    /// An engine holding an inventory and its groups, as one published version.
    ///
    /// Principals go in first, so each group is then evaluated once, as bitmaps.
    /// Duplicate principal OCIDs: the last record wins (as with
    /// [`IndexBuilder`](crate::IndexBuilder)); terminated principals are not held.
    /// Groups are checked as [`Change::CreateGroup`]; the refused ones are returned,
    /// with their position in `groups`.
    pub fn build<'a>(
        principals: impl IntoIterator<Item = &'a Principal>,
        groups: impl IntoIterator<Item = DynamicGroup>,
        options: EngineOptions,
    ) -> (Engine, Vec<Refused>) {
        let mut engine = Engine::with_options(options);
        let mut quiet = DeltaBuilder::off();
        for p in principals {
            engine.upsert_principal(p, &mut quiet);
        }
        let mut refused = Vec::new();
        for (index, g) in groups.into_iter().enumerate() {
            if let Err(error) = engine.create_group(g, groups::Live::Load, &mut quiet) {
                refused.push(Refused { index, error });
            }
        }
        engine.publish();
        (engine, refused)
    }

    /// Applies one change and publishes the result.
    ///
    /// A group created without an `id` gets a fresh `ocid1.dynamicgroup.oc1..` OCID,
    /// derived from its tenancy, name and a counter (deterministic for the same
    /// changes; a name deleted and created again gets a new one): read it from the
    /// delta.
    pub fn apply_one(&mut self, change: Change) -> Result<MembershipDelta, ChangeError> {
        let mut delta = DeltaBuilder::default();
        let result = self.change(change, &mut delta);
        self.publish();
        result.map(|()| delta.finish())
    }

    /// Applies changes in order, skipping (and reporting) the refused ones, and
    /// publishes once: readers see the whole batch or none of it.
    pub fn apply(&mut self, changes: impl IntoIterator<Item = Change>) -> Applied {
        let changes: Vec<Change> = changes.into_iter().collect();
        self.touch_tenancies(&changes);
        let mut delta = DeltaBuilder::default();
        let mut refused = Vec::new();
        for (index, change) in changes.into_iter().enumerate() {
            if let Err(error) = self.change(change, &mut delta) {
                refused.push(Refused { index, error });
            }
        }
        self.publish();
        Applied {
            delta: delta.finish(),
            refused,
            version: self.state.version,
        }
    }

    fn change(&mut self, change: Change, delta: &mut DeltaBuilder) -> Result<(), ChangeError> {
        delta.next_change();
        match change {
            Change::UpsertPrincipal(p) => {
                self.upsert_principal(&p, delta);
                Ok(())
            }
            Change::RemovePrincipal { id } => {
                self.remove_principal(&id, delta);
                Ok(())
            }
            Change::CreateGroup(g) => self.create_group(g, groups::Live::Change, delta),
            Change::UpdateGroup(u) => self.update_group(u, delta),
            Change::UpsertGroup(g) => self.upsert_group(g, delta),
            Change::DeleteGroup { id, force } => self.delete_group(&id, force, delta),
        }
    }

    /// Makes the written state the one readers see, if it changed.
    fn publish(&mut self) {
        if !self.dirty {
            return;
        }
        self.state.version += 1;
        // O(1): the persistent maps are shared, not copied.
        self.published.store(Arc::new(self.state.clone()));
        self.dirty = false;
        self.atoms.maybe_sweep();
    }

    /// A handle for readers (on any thread).
    pub fn reader(&self) -> Reader {
        Reader::new(self.published.clone())
    }

    /// The published state, as a reader would see it now.
    pub fn snapshot(&self) -> Version {
        self.reader().snapshot()
    }

    /// The published version: 0 for a new engine, one more for each publication.
    pub fn version(&self) -> u64 {
        self.state.version
    }

    /// The options.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// Sizes.
    pub fn stats(&self) -> EngineStats {
        EngineStats {
            principals: self.state.principal_count,
            tenancies: self.state.tenancies.size(),
            own_tenancies: self.tenancies.len(),
            groups: self.state.groups.size(),
            terms: self.tenancies.values().map(TenancyIndex::terms).sum(),
            ordinal_span: self.state.tenancies.values().map(|t| t.ordinal_end()).sum(),
            strings: self.atoms.len(),
        }
    }

    /// Forgets a tenancy with no principals and no groups.
    fn drop_tenancy_if_empty(&mut self, t: &Atom) {
        let empty = self.tenancies.get(t).is_some_and(|i| i.len() == 0)
            && self
                .state
                .tenancies
                .get(t)
                .is_some_and(|v| v.groups.is_empty());
        if empty {
            self.tenancies.remove(t);
            self.state.tenancies.remove_mut(t);
        }
    }
}

/// The written copy of a tenancy's view, copied first if readers share it.
fn tenancy_view_mut<'a>(state: &'a mut State, t: &Atom) -> &'a mut TenancyView {
    Arc::make_mut(state.tenancies.get_mut(t).expect("a live tenancy"))
}
