//! The shapes real matching rules take, filled with a tenancy's own OCIDs and tags.
//!
//! Each shape is one way people write dynamic groups (one compartment; many
//! compartments; functions of a compartment; a compartment minus a few instances;
//! hand-maintained `instance.id` lists; …). The [`Picker`] draws the OCIDs and tag
//! values from what the tenancy really has — popular compartments and values more
//! often, so groups overlap as they do in practice — with a share of stale OCIDs
//! (that exist nowhere) and of OCIDs from another tenancy (which must never match).

use crate::fleet::{Observed, TYPES, Tenancy};
use crate::ocid;
use crate::plan;
use crate::rng::Rng;
use crate::rules::{Rule, Value, Var};
use crate::tags::TagValue;
use crate::zipf::Zipf;

/// Resource types as people sometimes capitalise them (`resource.type` compares
/// case-insensitively).
const TYPES_MIXED_CASE: &[&str] = &[
    "Instance",
    "FnFunc",
    "ComputeContainerInstance",
    "ApiGateway",
    "DataScienceNotebookSession",
    "DataScienceModelDeployment",
    "DataScienceJobRun",
    "DevOpsBuildPipeline",
    "DevOpsDeployPipeline",
    "Cluster",
];

/// What every tenancy's rules may refer to beyond the tenancy itself.
#[derive(Debug)]
pub struct World<'a> {
    /// The generator seed (other tenancies' compartment OCIDs derive from it).
    pub seed: u64,
    /// Every tenancy's size, by index.
    pub sizes: &'a [u64],
    /// Instance ids seen in other tenancies, with their tenancy index.
    pub foreign_instances: &'a [(u32, String)],
}

/// Counters of what the rules refer to.
#[derive(Clone, Copy, Debug, Default)]
pub struct RefCounts {
    /// OCIDs that exist nowhere.
    pub stale: u64,
    /// OCIDs of another tenancy.
    pub foreign: u64,
}

/// A tag condition's parts.
#[derive(Clone, Debug)]
pub struct TagPick {
    /// Namespace as the rule spells it.
    pub ns: String,
    /// Key as the rule spells it.
    pub key: String,
    /// A value of that key (usually a popular one).
    pub value: TagValue,
}

impl TagPick {
    fn var(&self) -> Var {
        Var::Tag(self.ns.clone(), self.key.clone())
    }

    fn exists(&self) -> Rule {
        Rule::exists(&self.ns, &self.key)
    }
}

/// Draws the parts of one tenancy's rules.
#[derive(Debug)]
pub struct Picker<'a> {
    /// Beyond-the-tenancy data.
    pub world: &'a World<'a>,
    /// The tenancy the groups belong to.
    pub t: &'a Tenancy,
    /// What its principals turned out to be.
    pub obs: &'a Observed,
    /// The tenancy's group stream.
    pub rng: Rng,
    /// Stale and foreign references made so far.
    pub refs: RefCounts,
    /// Which compartments rules name: flatter than where principals live (teams
    /// write groups for their own compartments, not all for the biggest one), so
    /// that few principals end up in more than five groups, as in real tenancies.
    rule_compartments: Zipf,
    /// While set, every compartment and instance OCID drawn is stale: the rule of a
    /// group left behind after its compartment or instances were deleted.
    pub abandoned: bool,
    /// Relative weight of tenancy-wide rules (a tag value or a creator alone). Big
    /// tenancies scope their groups by compartment much more than small ones; without
    /// this, their principals would pile up in more than five groups each.
    broad: u32,
}

/// The ordinary rule shapes with their relative frequency.
const SHAPES: &[(Shape, u32)] = &[
    (Shape::OneCompartment, 250),
    (Shape::AnyCompartments, 110),
    (Shape::TypeInCompartment, 110),
    (Shape::CompartmentAndTag, 110),
    (Shape::AnyOfAlls, 70),
    (Shape::Exclusion, 60),
    (Shape::TagExists, 50),
    (Shape::TagValues, 80),
    (Shape::InstanceList, 60),
    (Shape::ResourceIdList, 30),
    (Shape::Types, 30),
    (Shape::Nested, 20),
    (Shape::CreatedBy, 20),
];

/// A way rules are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `instance.compartment.id = 'c'` (bare, or in ALL/ANY).
    OneCompartment,
    /// `ANY {instance.compartment.id = 'a', … 'b', …}`.
    AnyCompartments,
    /// `ALL {resource.type = 'fnfunc', resource.compartment.id = 'c'}`.
    TypeInCompartment,
    /// `ALL {instance.compartment.id = 'c', tag.ns.key.value = 'v'}`.
    CompartmentAndTag,
    /// `ANY {ALL {…}, ALL {…}}`.
    AnyOfAlls,
    /// `ALL {instance.compartment.id = 'c', instance.id != 'x', …}`.
    Exclusion,
    /// `tag.ns.key.value` (alone or with a compartment or type).
    TagExists,
    /// Tag values: `=`, ANY of several, or `!=` within a compartment.
    TagValues,
    /// A short `ANY {instance.id = …}` list.
    InstanceList,
    /// `ANY {resource.id = …}`.
    ResourceIdList,
    /// `resource.type = 't'` or ANY of types.
    Types,
    /// Three or four levels of ANY/ALL.
    Nested,
    /// `tag.Oracle-Tags.CreatedBy.value = '…'`.
    CreatedBy,
    /// `ANY {instance.id = …}` with hundreds of ids.
    LongList,
    /// A tag value in the legacy unquoted form.
    Legacy,
}

impl<'a> Picker<'a> {
    /// A picker for tenancy `t`'s groups, drawing from `rng`.
    pub fn new(world: &'a World<'a>, t: &'a Tenancy, obs: &'a Observed, rng: Rng) -> Self {
        let rule_compartments = Zipf::new(t.compartments.len(), 2);
        Picker {
            world,
            t,
            obs,
            rng,
            refs: RefCounts::default(),
            rule_compartments,
            abandoned: false,
            broad: match t.size {
                0..=1_000 => 30,
                1_001..=10_000 => 15,
                _ => 5,
            },
        }
    }

    /// An ordinary shape, by frequency.
    pub fn shape(&mut self) -> Shape {
        let weights: Vec<u32> = SHAPES.iter().map(|&(_, w)| w).collect();
        SHAPES[self.rng.weighted(&weights)].0
    }

    /// A shape for an abandoned group: one whose OCIDs are all that can make it match.
    pub fn abandoned_shape(&mut self) -> Shape {
        *self.rng.pick(&[
            Shape::OneCompartment,
            Shape::AnyCompartments,
            Shape::InstanceList,
            Shape::CompartmentAndTag,
        ])
    }

    /// A rule of `shape`; `None` when the tenancy lacks what the shape needs
    /// (e.g. no tag value a legacy rule could carry unquoted).
    pub fn rule(&mut self, shape: Shape) -> Option<Rule> {
        Some(match shape {
            Shape::OneCompartment => self.one_compartment(),
            Shape::AnyCompartments => self.any_compartments(),
            Shape::TypeInCompartment => self.type_in_compartment(),
            Shape::CompartmentAndTag => self.compartment_and_tag(),
            Shape::AnyOfAlls => {
                let n = self.rng.range(2, 4);
                Rule::Any(
                    (0..n)
                        .map(|_| match self.rng.below(3) {
                            0 => self.type_in_compartment(),
                            1 => self.compartment_and_tag(),
                            _ => Rule::All(vec![
                                Rule::eq(Var::InstanceCompartment, self.compartment()),
                                self.tag().exists(),
                            ]),
                        })
                        .collect(),
                )
            }
            Shape::Exclusion => self.exclusion(),
            Shape::TagExists => self.tag_exists(),
            Shape::TagValues => self.tag_values(),
            Shape::InstanceList => self.instance_list(),
            Shape::ResourceIdList => self.resource_id_list(),
            Shape::Types => self.types(),
            Shape::Nested => self.nested(),
            Shape::CreatedBy => self.created_by(),
            Shape::LongList => self.long_list(),
            Shape::Legacy => return self.legacy(),
        })
    }

    // ---- parts -------------------------------------------------------------------

    /// A compartment of the tenancy (popular ones more often), or now and then a
    /// stale one or another tenancy's.
    pub fn compartment(&mut self) -> String {
        let r = self.rng.below(1000);
        if r < 40 || self.abandoned {
            self.refs.stale += 1;
            ocid::global("compartment", &mut self.rng)
        } else if r < 60 && self.world.sizes.len() > 1 {
            self.refs.foreign += 1;
            let u = self.other_tenancy();
            let c = self.rng.below(u64::from(plan::compartment_count(
                self.world.sizes[u as usize],
            )));
            ocid::compartment(self.world.seed, u, c as u32)
        } else {
            let c = self.rule_compartments.sample(&mut self.rng);
            self.t.compartments[c].clone()
        }
    }

    fn other_tenancy(&mut self) -> u32 {
        let n = self.world.sizes.len() as u64;
        let u = self.rng.below(n - 1) as u32;
        if u >= self.t.index { u + 1 } else { u }
    }

    /// A compartment index for which `wanted` holds, trying popular ones first.
    fn compartment_where(&mut self, wanted: impl Fn(usize) -> bool) -> Option<usize> {
        (0..24)
            .map(|_| self.rule_compartments.sample(&mut self.rng))
            .find(|&c| wanted(c))
    }

    /// An instance id of the tenancy, or now and then a stale or foreign one.
    pub fn instance_id(&mut self) -> String {
        let r = self.rng.below(1000);
        if r < 50 || self.abandoned || self.obs.instance_ids.is_empty() {
            self.stale_instance()
        } else if r < 70 {
            self.foreign_instance()
        } else {
            self.rng.pick(&self.obs.instance_ids).clone()
        }
    }

    fn stale_instance(&mut self) -> String {
        self.refs.stale += 1;
        ocid::regional("instance", self.t.home_region(), &mut self.rng)
    }

    fn foreign_instance(&mut self) -> String {
        for _ in 0..8 {
            if self.world.foreign_instances.is_empty() {
                break;
            }
            let (u, id) = self.rng.pick(self.world.foreign_instances);
            if *u != self.t.index {
                self.refs.foreign += 1;
                return id.clone();
            }
        }
        self.stale_instance()
    }

    /// A resource type present in the tenancy (weighted by count), else any.
    fn resource_type(&mut self) -> usize {
        let weights: Vec<u32> = self.obs.per_type[1..]
            .iter()
            .map(|&n| n.min(u64::from(u32::MAX)) as u32)
            .collect();
        if weights.iter().all(|&w| w == 0) {
            1 + self.rng.index(TYPES.len() - 1)
        } else {
            1 + self.rng.weighted(&weights)
        }
    }

    fn type_cond(&mut self, ty: usize) -> Rule {
        let name = if self.rng.per_mille(80) {
            TYPES_MIXED_CASE[ty]
        } else {
            TYPES[ty]
        };
        Rule::eq(Var::ResourceType, name)
    }

    /// A tag namespace, key and a (usually popular) value of the tenancy.
    pub fn tag(&mut self) -> TagPick {
        let t = self.t;
        let mut pick = if t.namespaces.is_empty() || self.rng.per_mille(100) {
            let creator = &t.creators[t.creator_zipf.sample(&mut self.rng)];
            TagPick {
                ns: "Oracle-Tags".into(),
                key: "CreatedBy".into(),
                value: TagValue::Str(creator.clone()),
            }
        } else {
            let ns = self.rng.pick(&t.namespaces);
            let key = self.rng.pick(&ns.keys);
            let value = key.values[key.zipf.sample(&mut self.rng)].clone();
            TagPick {
                ns: ns.name.clone(),
                key: key.name.clone(),
                value,
            }
        };
        // Namespaces and keys compare case-insensitively; rules are not always
        // spelled like the tag definitions.
        if self.rng.per_mille(50) {
            pick.ns = pick.ns.to_ascii_lowercase();
            pick.key = pick.key.to_ascii_lowercase();
        }
        pick
    }

    // ---- shapes ------------------------------------------------------------------

    fn wrap(&mut self, cond: Rule) -> Rule {
        match self.rng.weighted(&[45, 45, 10]) {
            0 => cond,
            1 => Rule::All(vec![cond]),
            _ => Rule::Any(vec![cond]),
        }
    }

    fn compartment_var(&mut self) -> Var {
        if self.rng.per_mille(750) {
            Var::InstanceCompartment
        } else {
            Var::ResourceCompartment
        }
    }

    fn one_compartment(&mut self) -> Rule {
        let var = self.compartment_var();
        let cond = Rule::eq(var, self.compartment());
        self.wrap(cond)
    }

    fn any_compartments(&mut self) -> Rule {
        let available = self.t.compartments.len() as u64;
        let n = if available >= 15 && self.rng.per_mille(100) {
            self.rng.range(15, 40)
        } else {
            self.rng.range(2, available.clamp(2, 12))
        };
        let shared = self.compartment_var();
        let mixed = self.rng.per_mille(100);
        let seen = self.distinct(n, Self::compartment);
        let conds = seen.into_iter().map(|c| {
            let var = if mixed {
                self.compartment_var()
            } else {
                shared.clone()
            };
            Rule::eq(var, c)
        });
        Rule::Any(conds.collect())
    }

    fn type_in_compartment(&mut self) -> Rule {
        let ty = self.resource_type();
        let types = &self.obs.types_in_compartment;
        let compartment = match self.compartment_where(|c| types[c] & (1 << ty) != 0) {
            Some(c) if self.rng.per_mille(900) => self.t.compartments[c].clone(),
            _ => self.compartment(),
        };
        let mut parts = vec![
            self.type_cond(ty),
            Rule::eq(Var::ResourceCompartment, compartment),
        ];
        if self.rng.per_mille(300) {
            parts.reverse();
        }
        Rule::All(parts)
    }

    fn compartment_and_tag(&mut self) -> Rule {
        let var = self.compartment_var();
        let c = Rule::eq(var, self.compartment());
        let tag = self.tag();
        Rule::All(vec![c, Rule::eq(tag.var(), tag.value.text())])
    }

    fn exclusion(&mut self) -> Rule {
        let inst = &self.obs.instances_in_compartment;
        let Some(c) = self.compartment_where(|c| inst[c].len() >= 2) else {
            let c = Rule::eq(Var::InstanceCompartment, self.compartment());
            return Rule::All(vec![c, Rule::ne(Var::InstanceId, self.instance_id())]);
        };
        let ids = &self.obs.instances_in_compartment[c];
        let k = self.rng.range(1, ids.len().min(5) as u64) as usize;
        let mut parts = vec![Rule::eq(
            Var::InstanceCompartment,
            self.t.compartments[c].clone(),
        )];
        parts.extend(
            ids[..k]
                .iter()
                .map(|id| Rule::ne(Var::InstanceId, id.clone())),
        );
        if self.rng.per_mille(100) {
            // An instance long gone, left in the rule.
            parts.push(Rule::ne(Var::InstanceId, self.stale_instance()));
        }
        Rule::All(parts)
    }

    fn tag_exists(&mut self) -> Rule {
        let tag = self.tag();
        let exists = tag.exists();
        match self.rng.weighted(&[self.broad, 45, 25]) {
            0 => exists,
            1 => Rule::All(vec![
                Rule::eq(Var::InstanceCompartment, self.compartment()),
                exists,
            ]),
            _ => {
                let ty = self.resource_type();
                Rule::All(vec![self.type_cond(ty), exists])
            }
        }
    }

    fn tag_values(&mut self) -> Rule {
        let tag = self.tag();
        match self.rng.weighted(&[self.broad, self.broad + 5, 35]) {
            0 => {
                let cond = Rule::eq(tag.var(), tag.value.text());
                self.wrap(cond)
            }
            1 => {
                let mut conds = vec![Rule::eq(tag.var(), tag.value.text())];
                for _ in 0..self.rng.range(1, 2) {
                    let other = self.tag_value_of(&tag);
                    conds.push(Rule::eq(tag.var(), other));
                }
                Rule::Any(conds)
            }
            _ => {
                let var = self.compartment_var();
                let c = Rule::eq(var, self.compartment());
                Rule::All(vec![c, Rule::ne(tag.var(), tag.value.text())])
            }
        }
    }

    /// Another value of the same key.
    fn tag_value_of(&mut self, tag: &TagPick) -> String {
        let t = self.t;
        let key = t
            .namespaces
            .iter()
            .filter(|ns| ns.name.eq_ignore_ascii_case(&tag.ns))
            .flat_map(|ns| &ns.keys)
            .find(|k| k.name.eq_ignore_ascii_case(&tag.key));
        match key {
            Some(k) => k.values[self.rng.index(k.values.len())].text(),
            // Oracle-Tags.CreatedBy: another person of the tenancy.
            None => self.rng.pick(&t.creators).clone(),
        }
    }

    /// Up to `n` distinct values of `draw` (fewer when the tenancy has fewer).
    fn distinct(&mut self, n: u64, draw: impl Fn(&mut Self) -> String) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for _ in 0..n * 2 {
            let v = draw(self);
            if !out.contains(&v) {
                out.push(v);
            }
            if out.len() as u64 == n {
                break;
            }
        }
        out
    }

    fn instance_list(&mut self) -> Rule {
        let n = self.rng.range(1, 12);
        if n == 1 {
            let cond = Rule::eq(Var::InstanceId, self.instance_id());
            return self.wrap(cond);
        }
        let ids = self.distinct(n, Self::instance_id);
        Rule::Any(
            ids.into_iter()
                .map(|id| Rule::eq(Var::InstanceId, id))
                .collect(),
        )
    }

    fn resource_id_list(&mut self) -> Rule {
        let n = self.rng.range(1, 6);
        let ids = self.distinct(n, |p| {
            if p.obs.other_ids.is_empty() || p.rng.per_mille(50) {
                p.instance_id()
            } else {
                p.rng.pick(&p.obs.other_ids).clone()
            }
        });
        Rule::Any(
            ids.into_iter()
                .map(|id| Rule::eq(Var::ResourceId, id))
                .collect(),
        )
    }

    fn types(&mut self) -> Rule {
        match self.rng.weighted(&[50, 30, 20]) {
            0 => {
                let ty = self.resource_type();
                let cond = self.type_cond(ty);
                self.wrap(cond)
            }
            1 => {
                let n = self.rng.range(2, 3);
                Rule::Any(
                    (0..n)
                        .map(|_| {
                            let ty = self.resource_type();
                            self.type_cond(ty)
                        })
                        .collect(),
                )
            }
            _ => {
                let ty = self.resource_type();
                let tag = self.tag();
                Rule::All(vec![
                    self.type_cond(ty),
                    Rule::eq(tag.var(), tag.value.text()),
                ])
            }
        }
    }

    fn nested(&mut self) -> Rule {
        match self.rng.below(3) {
            0 => {
                let tag = self.tag();
                let other = self.tag_value_of(&tag);
                let c = Rule::eq(Var::InstanceCompartment, self.compartment());
                let tags = Rule::Any(vec![
                    Rule::eq(tag.var(), tag.value.text()),
                    Rule::eq(tag.var(), other),
                ]);
                Rule::Any(vec![Rule::All(vec![c, tags]), self.type_in_compartment()])
            }
            1 => {
                let a = Rule::eq(Var::InstanceCompartment, self.compartment());
                let b = Rule::eq(Var::InstanceCompartment, self.compartment());
                let exists = self.tag().exists();
                let ty = self.resource_type();
                let either = Rule::Any(vec![exists, self.type_cond(ty)]);
                Rule::All(vec![Rule::Any(vec![a, b]), either])
            }
            _ => {
                let inner = Rule::All(vec![
                    Rule::eq(Var::ResourceCompartment, self.compartment()),
                    self.tag().exists(),
                ]);
                let mid = Rule::Any(vec![inner, Rule::eq(Var::InstanceId, self.instance_id())]);
                let tag = self.tag();
                let outer = Rule::All(vec![mid, Rule::ne(tag.var(), tag.value.text())]);
                Rule::Any(vec![
                    outer,
                    Rule::eq(Var::InstanceCompartment, self.compartment()),
                ])
            }
        }
    }

    fn created_by(&mut self) -> Rule {
        let creator = self.t.creators[self.t.creator_zipf.sample(&mut self.rng)].clone();
        let cond = Rule::eq(Var::Tag("Oracle-Tags".into(), "CreatedBy".into()), creator);
        if self.rng.per_mille(self.broad * 16) {
            self.wrap(cond)
        } else {
            Rule::All(vec![
                Rule::eq(Var::InstanceCompartment, self.compartment()),
                cond,
            ])
        }
    }

    /// `ANY {instance.id = …}` over 100–400 of the tenancy's instances (as many as it
    /// has), a few of them stale or foreign.
    fn long_list(&mut self) -> Rule {
        let mut ids = self.obs.instance_ids.clone();
        self.rng.shuffle(&mut ids);
        ids.truncate(self.rng.range(100, 400) as usize);
        for id in &mut ids {
            match self.rng.below(1000) {
                0..30 => *id = self.stale_instance(),
                30..40 => *id = self.foreign_instance(),
                _ => {}
            }
        }
        let var = if self.rng.per_mille(100) {
            Var::ResourceId
        } else {
            Var::InstanceId
        };
        Rule::Any(
            ids.into_iter()
                .map(|id| Rule::eq(var.clone(), id))
                .collect(),
        )
    }

    /// `tag.ns.key.value = abc123`: the legacy unquoted value OCI still accepts.
    fn legacy(&mut self) -> Option<Rule> {
        let tag = (0..10)
            .map(|_| self.tag())
            .find(|t| t.value.is_bare_token())?;
        let cond = Rule::Cond {
            var: tag.var(),
            test: Some((false, Value::Bare(tag.value.text()))),
        };
        Some(if self.rng.per_mille(600) {
            cond
        } else {
            Rule::All(vec![
                Rule::eq(Var::InstanceCompartment, self.compartment()),
                cond,
            ])
        })
    }
}
