//! The inputs: principals and dynamic groups, as plain owned values.

use std::sync::Arc;

/// A defined tag on a principal: `namespace.key = value`, names as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefinedTag {
    /// Tag namespace, as written (compared case-insensitively).
    pub namespace: String,
    /// Tag key, as written (compared case-insensitively).
    pub key: String,
    /// Tag value, exact (a JSON number or boolean is kept as its JSON text).
    pub value: String,
}

/// A principal: a compute instance or another resource that can be a group member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principal {
    /// The principal's OCID.
    pub id: String,
    /// The OCID of the compartment that directly holds it.
    pub compartment_id: String,
    /// The OCID of its tenancy.
    pub tenancy_id: String,
    /// The resource type when given explicitly; otherwise derived from the OCID.
    pub resource_type: Option<String>,
    /// Defined tags.
    pub defined_tags: Vec<DefinedTag>,
    /// Lifecycle state as OCI prints it (`RUNNING`, `TERMINATED`, …), if known.
    pub lifecycle_state: Option<String>,
}

impl Principal {
    /// The resource type, ASCII lower-cased: the explicit one, or the second
    /// dot-separated segment of the OCID (`ocid1.fnfunc.oc1..x` → `fnfunc`).
    pub fn resource_type(&self) -> String {
        match &self.resource_type {
            Some(t) => t.to_ascii_lowercase(),
            None => resource_type_of(&self.id).to_ascii_lowercase(),
        }
    }

    /// Whether the principal is an instance.
    pub fn is_instance(&self) -> bool {
        self.resource_type() == "instance"
    }

    /// Whether the principal takes part in memberships: its lifecycle state is none of
    /// `TERMINATED`, `TERMINATING`, `DELETED`, `DELETING` (any case). The batch index
    /// and the engine both decide with this one predicate.
    pub fn is_indexed(&self) -> bool {
        !self.lifecycle_state.as_deref().is_some_and(is_ended_state)
    }
}

/// Whether a lifecycle state means the principal is gone or going: `TERMINATED`,
/// `TERMINATING` (instances), `DELETED`, `DELETING` (functions and most other
/// resources), ASCII case-insensitively.
fn is_ended_state(state: &str) -> bool {
    ["TERMINATED", "TERMINATING", "DELETED", "DELETING"]
        .iter()
        .any(|ended| state.eq_ignore_ascii_case(ended))
}

/// The second dot-separated segment of an OCID, or `""` if it has none.
pub fn resource_type_of(ocid: &str) -> &str {
    ocid.split('.').nth(1).unwrap_or("")
}

/// A dynamic group: a named matching rule in a tenancy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DynamicGroup {
    /// The group's OCID.
    pub id: String,
    /// Its name (unique per tenancy, case-insensitively).
    pub name: String,
    /// Free text.
    pub description: String,
    /// The matching rule, as text.
    pub matching_rule: String,
    /// The OCID of its tenancy (OCI's `compartment-id` of a dynamic group).
    pub tenancy_id: String,
    /// The identity domain it belongs to, when it was read from an identity-domain
    /// export; `None` for a classic (Default domain) group.
    pub domain: Option<IdentityDomain>,
}

impl DynamicGroup {
    /// Whether the group's domain scope would narrow its members below its tenancy:
    /// a group of an identity domain that does not live in the root compartment (or
    /// whose compartment is unknown) matches only resources in the subtree of the
    /// domain's compartment (docs/semantics.md, "Identity domains").
    pub fn has_domain_scope(&self) -> bool {
        self.domain
            .as_ref()
            .is_some_and(|d| d.narrows(&self.tenancy_id))
    }

    /// The compartments its domain scope keeps the group's members out of, when the
    /// scope narrows it and is known ([`IdentityDomain::outside`]); `None` for a group
    /// that ranges over its whole tenancy.
    pub fn domain_outside(&self) -> Option<&[String]> {
        self.domain.as_ref()?.outside_within(&self.tenancy_id)
    }

    /// Whether the group has a domain scope that cannot be applied (the compartment
    /// tree was not an input, or does not hold the domain's compartment): it is then
    /// evaluated over its whole tenancy, and callers report it.
    pub fn domain_scope_not_applied(&self) -> bool {
        self.has_domain_scope() && self.domain_outside().is_none()
    }
}

/// An identity domain, as its dynamic groups' exports name it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdentityDomain {
    /// The domain's OCID (`domain-ocid`).
    pub id: String,
    /// The compartment the domain lives in (`compartment-ocid`), when the export gave
    /// it. The Default domain lives in the root compartment (the tenancy).
    pub compartment_id: Option<String>,
    /// The domain's scope, when the compartment tree was an input and holds the
    /// domain's compartment under the group's tenancy: the compartments of that
    /// tenancy the tree places **outside** the domain compartment's subtree. A group of
    /// the domain admits every principal whose compartment is not one of them — those
    /// of the subtree, and those of compartments the tree does not place (a gap in the
    /// listing, a compartment created since), so that a gap gives too many members,
    /// never too few. Shared by the domain's groups.
    pub outside: Option<Arc<[String]>>,
}

impl IdentityDomain {
    /// Whether the domain's groups in tenancy `tenancy_id` range over less than the
    /// tenancy: the domain does not live in the root compartment, or its compartment
    /// is unknown.
    pub fn narrows(&self, tenancy_id: &str) -> bool {
        self.compartment_id.as_deref() != Some(tenancy_id)
    }

    /// Why a scope that would narrow the domain's groups is not applied (for reports).
    pub fn not_applied_reason(&self) -> &'static str {
        match self.compartment_id {
            None => "the export gave no compartment-ocid for the domain",
            Some(_) => {
                "no compartment tree was given, or it does not hold the domain's compartment \
                 under the group's tenancy"
            }
        }
    }

    /// The compartments its groups in `tenancy_id` keep their members out of, when
    /// they are narrowed and the scope is known.
    pub fn outside_within(&self, tenancy_id: &str) -> Option<&[String]> {
        if self.narrows(tenancy_id) {
            self.outside.as_deref()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_states_are_not_indexed_in_any_case() {
        let with = |state: Option<&str>| Principal {
            lifecycle_state: state.map(str::to_owned),
            ..Principal::default()
        };
        for state in ["TERMINATED", "terminating", "Deleted", "DELETING"] {
            assert!(!with(Some(state)).is_indexed(), "{state}");
        }
        for state in [
            None,
            Some("RUNNING"),
            Some("ACTIVE"),
            Some("STOPPED"),
            Some(""),
        ] {
            assert!(with(state).is_indexed(), "{state:?}");
        }
    }
}
