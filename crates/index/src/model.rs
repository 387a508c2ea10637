//! The inputs: principals and dynamic groups, as plain owned values.

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
    /// domain's compartment (DESIGN §2). Applying that needs the compartment tree, which
    /// is not an input yet; until it is, such groups are evaluated over the whole
    /// tenancy and callers report them.
    pub fn has_domain_scope(&self) -> bool {
        self.domain
            .as_ref()
            .is_some_and(|d| d.compartment_id.as_deref() != Some(self.tenancy_id.as_str()))
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
