//! Dynamic groups as the index holds them: the definition, its parsed rule, and the
//! case-insensitive name table.

use crate::ids::{GroupId, TenancyId};
use crate::intern::Sym;
use crate::model::DynamicGroup;
use dyngroup_rules::{Ast, Diagnostic, Leaf, ParseError, ParseOptions, Rule, Test, parse_with};
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::{BuildHasher, Hash, Hasher};

/// Longest group name OCI accepts.
pub const MAX_GROUP_NAME_LEN: usize = 100;

/// Longest group description OCI accepts, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 400;

/// Why a group was refused by [`IndexBuilder::add_group`](crate::IndexBuilder::add_group).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// The name is empty, longer than 100 characters, or has a character outside
    /// `[A-Za-z0-9._-]`.
    #[error("invalid group name `{name}`: use 1 to 100 of A-Z a-z 0-9 . _ -")]
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// Another group of the tenancy has the same name, compared case-insensitively.
    #[error("a group named `{name}` already exists in tenancy {tenancy_id}")]
    DuplicateName {
        /// The name as given.
        name: String,
        /// The tenancy.
        tenancy_id: String,
    },
    /// The description is longer than [`MAX_DESCRIPTION_LEN`] characters.
    #[error("the description of group `{name}` has {len} characters; at most 400 are allowed")]
    DescriptionTooLong {
        /// The group's name.
        name: String,
        /// Its length in characters.
        len: usize,
    },
}

/// The one check of a group's own definition, shared by the
/// [`IndexBuilder`](crate::IndexBuilder), the [`engine`](crate::engine) and
/// the index rebuilt from a snapshot's parts: a valid name
/// ([`is_valid_group_name`]) and a description of at most [`MAX_DESCRIPTION_LEN`]
/// characters. (Uniqueness of the name is the tenancy's business.)
pub fn check_group_definition(name: &str, description: &str) -> Result<(), GroupError> {
    if !is_valid_group_name(name) {
        return Err(GroupError::InvalidName {
            name: name.to_owned(),
        });
    }
    check_description(name, description)
}

/// The description half of [`check_group_definition`].
pub(crate) fn check_description(name: &str, description: &str) -> Result<(), GroupError> {
    // Bytes bound characters from above: count only when it could matter.
    if description.len() <= MAX_DESCRIPTION_LEN {
        return Ok(());
    }
    let len = description.chars().count();
    if len > MAX_DESCRIPTION_LEN {
        return Err(GroupError::DescriptionTooLong {
            name: name.to_owned(),
            len,
        });
    }
    Ok(())
}

/// Whether `name` is a valid group name: 1–100 characters of `[A-Za-z0-9._-]`.
pub fn is_valid_group_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_GROUP_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A rule that parsed: the tree as written (for explain), the normalised IR (for the
/// planner), and any legacy-form warnings. The incremental engine keeps these.
#[derive(Clone, Debug)]
pub(crate) struct ParsedRule {
    pub(crate) ast: Ast,
    pub(crate) rule: Rule,
    // The engine fills it; nothing reads it (the index keeps warnings of its own).
    #[allow(dead_code)]
    pub(crate) warnings: Vec<Diagnostic>,
}

/// Parses and lowers a rule: the normalised IR (for the planner) and any legacy-form
/// warnings. The [`Index`](crate::Index) keeps only the warnings once its plans are
/// compiled: the IR holds every string of the rule again (lists of hundreds of OCIDs),
/// and [`Index::group_rule`](crate::Index::group_rule) parses the text again.
pub(crate) fn lower_rule(
    text: &str,
    options: &ParseOptions,
) -> Result<(Rule, Vec<Diagnostic>), ParseError> {
    parse_with(text, options).map(|parsed| (Rule::lower(&parsed.ast), parsed.warnings))
}

/// What a group's plan evaluates: its rule, narrowed to its domain scope when it has
/// one (`outside`, from [`DynamicGroup::domain_outside`]) — `ALL {rule,
/// resource.compartment.id != o, …}` over the compartments outside the domain's
/// subtree, so that every evaluator (the bitmap plans, the per-principal evaluator,
/// the live engine) applies the scope without knowing of it. Explain shows the scope
/// beside the rule as written.
pub(crate) fn scoped_rule(rule: Rule, outside: Option<&[String]>) -> Rule {
    let excluded = outside.unwrap_or_default().iter().map(|c| {
        Rule::Leaf(Leaf {
            test: Test::ResourceCompartment(c.clone()),
            negated: true,
        })
    });
    Rule::all_of(std::iter::once(rule).chain(excluded)).expect("the rule itself")
}

/// A group's rule as the live engine keeps it: parsed (the tree, for explain), then
/// lowered and narrowed to the group's domain scope ([`scoped_rule`]).
pub(crate) fn parse_group_rule(
    text: &str,
    outside: Option<&[String]>,
    options: &ParseOptions,
) -> Result<ParsedRule, ParseError> {
    parse_with(text, options).map(|parsed| ParsedRule {
        rule: scoped_rule(Rule::lower(&parsed.ast), outside),
        ast: parsed.ast,
        warnings: parsed.warnings,
    })
}

/// A group inside the index.
#[derive(Clone, Debug)]
pub(crate) struct GroupEntry {
    pub(crate) def: DynamicGroup,
    pub(crate) tenancy_sym: Sym,
    /// Set when the index is built.
    pub(crate) tenancy: TenancyId,
    /// The rule's legacy-form warnings when it parsed, or why it did not parse (then
    /// the group has no members).
    pub(crate) rule: Result<Vec<Diagnostic>, ParseError>,
}

/// Group name → group, per tenancy, ASCII case-insensitively; the names themselves
/// live in the group definitions (no second copy).
#[derive(Clone, Default)]
pub(crate) struct GroupNames {
    table: HashTable<GroupId>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for GroupNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupNames")
            .field("len", &self.table.len())
            .finish()
    }
}

/// Hashes a name as if lower-cased, without allocating.
struct Folded<'a>(&'a str);

impl Hash for Folded<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl GroupNames {
    fn hash(&self, tenancy: Sym, name: &str) -> u64 {
        self.hasher.hash_one((tenancy, Folded(name)))
    }

    /// The group of `tenancy` named `name` (any case).
    pub(crate) fn get(&self, groups: &[GroupEntry], tenancy: Sym, name: &str) -> Option<GroupId> {
        let hash = self.hash(tenancy, name);
        self.table
            .find(hash, |&g| {
                let e = &groups[g.index()];
                e.tenancy_sym == tenancy && e.def.name.eq_ignore_ascii_case(name)
            })
            .copied()
    }

    /// Records `groups[id]`'s name; the caller checked it is not taken.
    pub(crate) fn insert(&mut self, groups: &[GroupEntry], id: GroupId) {
        let e = &groups[id.index()];
        let hash = self.hash(e.tenancy_sym, &e.def.name);
        let hasher = &self.hasher;
        self.table.insert_unique(hash, id, |&g| {
            let e = &groups[g.index()];
            hasher.hash_one((e.tenancy_sym, Folded(&e.def.name)))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_group_name("web-servers_1.prod"));
        assert!(!is_valid_group_name(""));
        assert!(!is_valid_group_name("with space"));
        assert!(!is_valid_group_name(&"a".repeat(101)));
        assert!(is_valid_group_name(&"a".repeat(100)));
    }
}
