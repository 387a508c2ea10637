//! Requests, decisions, and how one statement bears on a request.

use crate::ast::Effect;
use crate::compile::{CompiledGrant, Grants};
use crate::resources::{ResourceSet, Verb};
use crate::tree::CompartmentId;

/// A question: may a principal do `verb` on `resource` in `compartment`?
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The verb asked for.
    pub verb: Verb,
    /// The resource types asked for (a family asks for all its members).
    pub resource: ResourceSet,
    /// The compartment the resources are in.
    pub compartment: CompartmentId,
}

/// The answer for one principal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// No statement allows it, or a deny that holds takes it away.
    Denied,
    /// It depends on a condition that cannot be decided offline (or on a deny of
    /// permissions).
    Conditional,
    /// An allow holds unconditionally and no deny may apply.
    Allowed,
}

impl Decision {
    /// `allowed`, `conditional`, `denied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Conditional => "conditional",
            Decision::Denied => "denied",
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a statement whose subject includes the principal and whose location covers
/// the compartment bears on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bearing {
    /// An allow of at least the verb on every type asked for.
    Allows,
    /// A deny of some verb on some type asked for (every verb includes `inspect`'s
    /// permissions, so any denied verb takes something away).
    Denies,
    /// A deny of permissions on overlapping types: without a permission table the
    /// answer cannot be more than conditional.
    MayDeny,
    /// Nothing to do with the request.
    Irrelevant,
}

/// How `grant` bears on `request`, its subject and location aside.
pub fn bearing(grant: &CompiledGrant, request: &Request) -> Bearing {
    match (&grant.effect, &grant.grants) {
        (Effect::Allow, Grants::Verb(verb, set))
            if *verb >= request.verb && set.covers(&request.resource) =>
        {
            Bearing::Allows
        }
        (Effect::Deny, Grants::Verb(_, set)) if set.overlaps(&request.resource) => Bearing::Denies,
        (Effect::Deny, Grants::Permissions(set)) if set.overlaps(&request.resource) => {
            Bearing::MayDeny
        }
        _ => Bearing::Irrelevant,
    }
}
