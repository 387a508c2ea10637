//! The bitmap evaluator (the crate README's "Decisions"): the principals who may do V on R in C are the
//! union of the member bitmaps of the allows that cover (V, R, C), minus the deny
//! bitmaps. Per-principal answers come from the same structures.

use dyngroup_index::{GroupId, Index, Memberships, PrincipalId};
use dyngroup_rules::Severity;
use hashbrown::HashMap;
use roaring::RoaringBitmap;

use crate::ast::Effect;
use crate::compile::{CompiledGrant, Finding, FindingKind, PolicySet, SubjectGroup, Subjects};
use crate::condition::{Facts, Truth, depends_on_principal, evaluate};
use crate::decision::{Bearing, Decision, Request, bearing};
use crate::resources::ResourceSet;
use crate::tree::{CompartmentId, CompartmentTree};

/// A grant's subject as principals.
#[derive(Clone, Debug, Default)]
struct SubjectBits {
    /// Every principal the subject covers.
    members: RoaringBitmap,
    /// The resolved dynamic groups (empty for `any-user`/`any-group`).
    groups: Vec<GroupId>,
}

/// One step of a chain: a statement, and the groups through which it reaches the
/// principal (none for `any-user`/`any-group`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    /// Index into [`PolicySet::grants`].
    pub grant: usize,
    /// The subject's groups the principal is a member of.
    pub groups: Vec<GroupId>,
    /// The condition's truth for this principal.
    pub truth: Truth,
}

/// A principal's answer to a request, with every statement that bears on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Allowed, conditional or denied.
    pub decision: Decision,
    /// The allows that apply (condition not false).
    pub allows: Vec<Via>,
    /// The denies that apply (condition not false), including denies of permissions.
    pub denies: Vec<Via>,
}

/// One principal in a `who-can` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhoCan {
    /// The principal.
    pub principal: PrincipalId,
    /// Allowed or conditional (denied principals are not listed).
    pub decision: Decision,
    /// The allows that reach it.
    pub via: Vec<Via>,
}

/// Something a principal holds: an allow whose subject includes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    /// The allow, with the groups and its condition's truth (targets unknown).
    pub via: Via,
    /// Denies that include the principal and overlap the allow (resources in common,
    /// locations nested either way).
    pub denied_by: Vec<Via>,
}

/// A subject's members split by a condition: all surely, all maybe, or some of each.
#[derive(Debug)]
enum Split<'a> {
    Sure(&'a RoaringBitmap),
    Maybe(&'a RoaringBitmap),
    Mixed(RoaringBitmap, RoaringBitmap),
}

static EMPTY: std::sync::OnceLock<RoaringBitmap> = std::sync::OnceLock::new();

impl Split<'_> {
    /// (sure, maybe).
    fn parts(&self) -> (&RoaringBitmap, &RoaringBitmap) {
        let empty = EMPTY.get_or_init(RoaringBitmap::new);
        match self {
            Split::Sure(all) => (all, empty),
            Split::Maybe(all) => (empty, all),
            Split::Mixed(yes, maybe) => (yes, maybe),
        }
    }
}

/// What the bitmap pass over a request's statements gives.
#[derive(Debug)]
struct Tally<'a> {
    allowed: RoaringBitmap,
    conditional: RoaringBitmap,
    /// The allows that bear on the request, with their split members.
    allows: Vec<(usize, Split<'a>)>,
}

/// Answers `can` and `who-can` over an index's memberships.
#[derive(Debug)]
pub struct Evaluator<'a> {
    index: &'a Index,
    memberships: &'a Memberships,
    tree: &'a CompartmentTree,
    set: &'a PolicySet,
    subjects: Vec<SubjectBits>,
    principal_dependent: Vec<bool>,
    by_tenancy: HashMap<CompartmentId, Vec<usize>>,
    findings: Vec<Finding>,
}

impl<'a> Evaluator<'a> {
    /// Resolves every grant's subject to a member bitmap. Unknown groups are
    /// findings (and cover nobody).
    pub fn new(
        index: &'a Index,
        memberships: &'a Memberships,
        tree: &'a CompartmentTree,
        set: &'a PolicySet,
    ) -> Evaluator<'a> {
        let mut by_ocid: HashMap<&str, GroupId> = HashMap::new();
        for g in index.group_ids() {
            by_ocid.entry(index.group(g).id.as_str()).or_insert(g);
        }
        let mut findings = Vec::new();
        let mut subjects = Vec::with_capacity(set.grants().len());
        let mut by_tenancy: HashMap<CompartmentId, Vec<usize>> = HashMap::new();
        for (i, grant) in set.grants().iter().enumerate() {
            let tenancy = tree.ocid(grant.tenancy);
            let mut bits = SubjectBits::default();
            match &grant.subjects {
                Subjects::Everyone => {
                    if let Some(t) = index.tenancy_id(tenancy) {
                        bits.members = index.tenancy_principals(t).clone();
                    }
                }
                Subjects::DynamicGroups(refs) => {
                    for r in refs {
                        let found = match r {
                            SubjectGroup::Name(name, _) => index.group_id(tenancy, name),
                            SubjectGroup::Id(ocid, _) => by_ocid
                                .get(ocid.as_str())
                                .copied()
                                .filter(|&g| index.tenancy_ocid(index.group_tenancy(g)) == tenancy),
                        };
                        match found {
                            Some(g) => {
                                if !bits.groups.contains(&g) {
                                    bits.groups.push(g);
                                    bits.members |= memberships.members(g);
                                }
                            }
                            None => findings.push(unknown_group(grant, r, tenancy)),
                        }
                    }
                }
            }
            subjects.push(bits);
            by_tenancy.entry(grant.tenancy).or_default().push(i);
        }
        let principal_dependent = set
            .grants()
            .iter()
            .map(|g| g.condition.as_ref().is_some_and(depends_on_principal))
            .collect();
        Evaluator {
            index,
            memberships,
            tree,
            set,
            subjects,
            principal_dependent,
            by_tenancy,
            findings,
        }
    }

    /// Statements naming dynamic groups the tenancy does not have.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The groups no evaluated statement names (by name or OCID): they grant their
    /// members nothing.
    pub fn groups_without_statements(&self) -> Vec<GroupId> {
        let mut named = vec![false; self.index.group_count()];
        for bits in &self.subjects {
            for g in &bits.groups {
                named[g.index()] = true;
            }
        }
        self.index
            .group_ids()
            .filter(|g| !named[g.index()])
            .collect()
    }

    /// The policies evaluated.
    pub fn policies(&self) -> &'a PolicySet {
        self.set
    }

    /// The groups that make up a grant's subject (empty for `any-user`/`any-group`).
    pub fn subject_groups(&self, grant: usize) -> &[GroupId] {
        &self.subjects[grant].groups
    }

    fn grants_of(&self, tenancy: CompartmentId) -> &[usize] {
        self.by_tenancy.get(&tenancy).map_or(&[], Vec::as_slice)
    }

    fn facts(&self, p: PrincipalId, target: Option<CompartmentId>) -> Facts<'_> {
        let principal = self.index.principal(p);
        Facts {
            principal_id: principal.id,
            principal_type: principal.resource_type,
            principal_compartment: principal.compartment_id,
            target: target.map(|c| (self.tree.ocid(c), self.tree.name(c))),
        }
    }

    /// The members of grant `i`'s subject for which its condition is true, and
    /// those for which it is unknown (borrowed when the condition does not depend on
    /// the principal).
    fn split(&self, i: usize, target: CompartmentId) -> Split<'_> {
        let members = &self.subjects[i].members;
        let Some(condition) = &self.set.grants()[i].condition else {
            return Split::Sure(members);
        };
        if !self.principal_dependent[i] {
            let facts = Facts {
                target: Some((self.tree.ocid(target), self.tree.name(target))),
                ..Facts::default()
            };
            return match evaluate(condition, &facts) {
                Truth::True => Split::Sure(members),
                Truth::Unknown => Split::Maybe(members),
                Truth::False => Split::Mixed(RoaringBitmap::new(), RoaringBitmap::new()),
            };
        }
        let (mut yes, mut maybe) = (RoaringBitmap::new(), RoaringBitmap::new());
        for p in members {
            match evaluate(
                condition,
                &self.facts(PrincipalId::from_raw(p), Some(target)),
            ) {
                Truth::True => yes.insert(p),
                Truth::Unknown => maybe.insert(p),
                Truth::False => false,
            };
        }
        Split::Mixed(yes, maybe)
    }

    /// The allows that bear on `request`, split by their conditions, and the
    /// principals allowed and conditional.
    fn tally(&self, request: &Request) -> Tally<'_> {
        let tenancy = self.tree.root(request.compartment);
        let (mut allow, mut allow_maybe) = (RoaringBitmap::new(), RoaringBitmap::new());
        let (mut deny, mut deny_maybe) = (RoaringBitmap::new(), RoaringBitmap::new());
        let mut allows = Vec::new();
        for &i in self.grants_of(tenancy) {
            let grant = &self.set.grants()[i];
            if !self.tree.covers(grant.location, request.compartment) {
                continue;
            }
            let b = bearing(grant, request);
            if b == Bearing::Irrelevant {
                continue;
            }
            let split = self.split(i, request.compartment);
            let (yes, maybe) = split.parts();
            match b {
                Bearing::Allows => {
                    allow |= yes;
                    allow_maybe |= maybe;
                }
                Bearing::Denies => {
                    deny |= yes;
                    deny_maybe |= maybe;
                }
                Bearing::MayDeny => {
                    deny_maybe |= yes;
                    deny_maybe |= maybe;
                }
                Bearing::Irrelevant => {}
            }
            if b == Bearing::Allows {
                allows.push((i, split));
            }
        }
        // allowed = surely allowed − surely denied − maybe denied; conditional = (surely
        // or maybe allowed) − surely denied − allowed.
        allow -= &deny;
        let allowed = &allow - &deny_maybe;
        let mut conditional = allow & deny_maybe;
        allow_maybe -= &deny;
        allow_maybe -= &allowed;
        conditional |= allow_maybe;
        Tally {
            allowed,
            conditional,
            allows,
        }
    }

    /// The principals allowed and those conditional for `request`, as bitmaps of
    /// ordinals: the whole answer without the chains.
    pub fn who_can_sets(&self, request: &Request) -> (RoaringBitmap, RoaringBitmap) {
        let t = self.tally(request);
        (t.allowed, t.conditional)
    }

    /// Every principal allowed or conditional for `request`, ascending by ordinal,
    /// each with the allows that reach it.
    pub fn who_can(&self, request: &Request) -> Vec<WhoCan> {
        let t = self.tally(request);
        let listed = &t.allowed | &t.conditional;
        listed
            .iter()
            .map(|p| {
                let principal = PrincipalId::from_raw(p);
                let via = t
                    .allows
                    .iter()
                    .filter_map(|(i, split)| {
                        let (yes, maybe) = split.parts();
                        let truth = if yes.contains(p) {
                            Truth::True
                        } else if maybe.contains(p) {
                            Truth::Unknown
                        } else {
                            return None;
                        };
                        Some(self.via(*i, principal, truth))
                    })
                    .collect();
                WhoCan {
                    principal,
                    decision: if t.allowed.contains(p) {
                        Decision::Allowed
                    } else {
                        Decision::Conditional
                    },
                    via,
                }
            })
            .collect()
    }

    fn via(&self, grant: usize, p: PrincipalId, truth: Truth) -> Via {
        let groups = self.subjects[grant]
            .groups
            .iter()
            .copied()
            .filter(|&g| self.memberships.members(g).contains(p.raw()))
            .collect();
        Via {
            grant,
            groups,
            truth,
        }
    }

    /// The root compartment that is the principal's tenancy, if the tree has it.
    fn tenancy_of(&self, p: PrincipalId) -> Option<CompartmentId> {
        self.tree
            .get(self.index.tenancy_ocid(self.index.tenancy_of(p)))
            .filter(|&c| self.tree.parent(c).is_none())
    }

    /// One principal's answer to `request`, with the chain.
    pub fn decide(&self, p: PrincipalId, request: &Request) -> Answer {
        let mut answer = Answer {
            decision: Decision::Denied,
            allows: Vec::new(),
            denies: Vec::new(),
        };
        let tenancy = self.tree.root(request.compartment);
        if self.tenancy_of(p) != Some(tenancy) {
            return answer;
        }
        let facts = self.facts(p, Some(request.compartment));
        let (mut allow, mut allow_maybe, mut deny, mut deny_maybe) = (false, false, false, false);
        for &i in self.grants_of(tenancy) {
            let grant = &self.set.grants()[i];
            if !self.subjects[i].members.contains(p.raw())
                || !self.tree.covers(grant.location, request.compartment)
            {
                continue;
            }
            let b = bearing(grant, request);
            if b == Bearing::Irrelevant {
                continue;
            }
            let truth = grant
                .condition
                .as_ref()
                .map_or(Truth::True, |c| evaluate(c, &facts));
            if truth == Truth::False {
                continue;
            }
            let sure = truth == Truth::True;
            match b {
                Bearing::Allows => {
                    allow |= sure;
                    allow_maybe |= !sure;
                    answer.allows.push(self.via(i, p, truth));
                }
                Bearing::Denies => {
                    deny |= sure;
                    deny_maybe |= !sure;
                    answer.denies.push(self.via(i, p, truth));
                }
                Bearing::MayDeny => {
                    deny_maybe = true;
                    answer.denies.push(self.via(i, p, Truth::Unknown));
                }
                Bearing::Irrelevant => {}
            }
        }
        answer.decision = if deny || !(allow || allow_maybe) {
            Decision::Denied
        } else if allow && !deny_maybe {
            Decision::Allowed
        } else {
            Decision::Conditional
        };
        answer
    }

    /// Every principal's effective grants at once, by ordinal: the statements (allows
    /// and denies, as indices into [`PolicySet::grants`], ascending) whose subject
    /// includes it and whose condition is not false for it (targets unknown), with
    /// that truth. Computed grant by grant over the subject bitmaps.
    pub fn effective_grants(&self) -> Vec<Vec<(u32, Truth)>> {
        let mut out: Vec<Vec<(u32, Truth)>> = vec![Vec::new(); self.index.principal_count()];
        for (i, grant) in self.set.grants().iter().enumerate() {
            let members = &self.subjects[i].members;
            let fixed = match &grant.condition {
                None => Some(Truth::True),
                Some(_) if self.principal_dependent[i] => None,
                Some(c) => Some(evaluate(c, &Facts::default())),
            };
            for p in members {
                let truth = match (fixed, &grant.condition) {
                    (Some(t), _) => t,
                    (None, Some(c)) => evaluate(c, &self.facts(PrincipalId::from_raw(p), None)),
                    (None, None) => Truth::True,
                };
                if truth != Truth::False {
                    out[p as usize].push((i as u32, truth));
                }
            }
        }
        out
    }

    /// Every allow that includes `p` (targets unknown), with the denies that
    /// overlap it.
    pub fn holdings(&self, p: PrincipalId) -> Vec<Holding> {
        let Some(tenancy) = self.tenancy_of(p) else {
            return Vec::new();
        };
        let facts = self.facts(p, None);
        let mut allows = Vec::new();
        let mut denies = Vec::new();
        for &i in self.grants_of(tenancy) {
            let grant = &self.set.grants()[i];
            if !self.subjects[i].members.contains(p.raw()) {
                continue;
            }
            let truth = grant
                .condition
                .as_ref()
                .map_or(Truth::True, |c| evaluate(c, &facts));
            if truth == Truth::False {
                continue;
            }
            let via = self.via(i, p, truth);
            match grant.effect {
                Effect::Allow => allows.push(via),
                Effect::Deny => denies.push(via),
            }
        }
        allows
            .into_iter()
            .map(|via| {
                let allow = &self.set.grants()[via.grant];
                let denied_by = denies
                    .iter()
                    .filter(|d| {
                        let deny = &self.set.grants()[d.grant];
                        let nested = self.tree.covers(deny.location, allow.location)
                            || self.tree.covers(allow.location, deny.location);
                        nested && resources(deny).overlaps(resources(allow))
                    })
                    .cloned()
                    .collect();
                Holding { via, denied_by }
            })
            .collect()
    }
}

fn resources(grant: &CompiledGrant) -> &ResourceSet {
    match &grant.grants {
        crate::compile::Grants::Verb(_, set) | crate::compile::Grants::Permissions(set) => set,
    }
}

fn unknown_group(grant: &CompiledGrant, r: &SubjectGroup, tenancy: &str) -> Finding {
    let what = match r {
        SubjectGroup::Name(name, _) => {
            format!("no dynamic group named `{name}` in tenancy `{tenancy}`")
        }
        SubjectGroup::Id(ocid, _) => {
            format!("no dynamic group has id `{ocid}` in tenancy `{tenancy}`")
        }
    };
    Finding {
        at: grant.at,
        kind: FindingKind::UnknownGroup,
        diagnostic: dyngroup_rules::Diagnostic {
            severity: Severity::Warning,
            kind: dyngroup_rules::DiagnosticKind::UnknownVariable,
            message: format!("{what}: that subject grants nothing"),
            span: match r {
                SubjectGroup::Name(_, span) | SubjectGroup::Id(_, span) => *span,
            },
            help: match r {
                SubjectGroup::Name(..) => Some(
                    "a renamed group keeps its OCID: `dynamic-group id <OCID>` survives renames"
                        .into(),
                ),
                SubjectGroup::Id(..) => None,
            },
        },
    }
}
