//! Verbs and resource types: the cumulative verbs, and the family table read from the
//! versioned data file `data/resource-types.txt`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use dyngroup_rules::edit_distance;

/// A policy verb. Verbs are cumulative: `Inspect < Read < Use < Manage`, and a grant
/// of one verb includes every smaller one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    /// List resources.
    Inspect,
    /// Inspect, plus get metadata and the resource itself.
    Read,
    /// Read, plus work with existing resources.
    Use,
    /// Every permission.
    Manage,
}

impl Verb {
    /// Every verb, smallest first.
    pub const ALL: [Verb; 4] = [Verb::Inspect, Verb::Read, Verb::Use, Verb::Manage];

    /// The verb as written in statements.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Inspect => "inspect",
            Verb::Read => "read",
            Verb::Use => "use",
            Verb::Manage => "manage",
        }
    }

    /// The verb a word names, ASCII case-insensitively.
    pub fn from_word(word: &str) -> Option<Verb> {
        Verb::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(word))
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The individual resource types a resource word stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ResourceSet {
    /// `all-resources`: every type, known or not.
    All,
    /// These individual types (sorted, lower-case).
    Types(BTreeSet<String>),
}

impl ResourceSet {
    /// Whether a grant on `self` holds every type of `query`.
    pub fn covers(&self, query: &ResourceSet) -> bool {
        match (self, query) {
            (ResourceSet::All, _) => true,
            (ResourceSet::Types(_), ResourceSet::All) => false,
            (ResourceSet::Types(have), ResourceSet::Types(want)) => want.is_subset(have),
        }
    }

    /// Whether `self` and `other` share a type (a deny on `self` takes something
    /// away from a request on `other`).
    pub fn overlaps(&self, other: &ResourceSet) -> bool {
        match (self, other) {
            (ResourceSet::All, _) | (_, ResourceSet::All) => true,
            (ResourceSet::Types(a), ResourceSet::Types(b)) => !a.is_disjoint(b),
        }
    }
}

/// What a resource word resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// The canonical name: the family or type, aliases replaced, lower case.
    pub name: String,
    /// The individual types it covers.
    pub set: ResourceSet,
    /// Whether the table knows the word (an unknown word covers only itself).
    pub known: bool,
}

/// The table of resource families, types and aliases.
#[derive(Clone, Debug, Default)]
pub struct ResourceTable {
    version: String,
    families: BTreeMap<String, BTreeSet<String>>,
    types: BTreeSet<String>,
    aliases: BTreeMap<String, String>,
}

/// The name that covers every resource type.
pub const ALL_RESOURCES: &str = "all-resources";

const BUILTIN: &str = include_str!("../data/resource-types.txt");

impl ResourceTable {
    /// The table shipped in `data/resource-types.txt`.
    pub fn builtin() -> &'static ResourceTable {
        static TABLE: OnceLock<ResourceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            // The file is part of the crate and tested to parse; an empty table would
            // only make every type "unknown" (a warning), never a wrong grant.
            ResourceTable::parse(BUILTIN).unwrap_or_default()
        })
    }

    /// Parses a table in the data file's format; an error names the line.
    pub fn parse(text: &str) -> Result<ResourceTable, String> {
        let mut table = ResourceTable::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || format!("line {}: cannot read `{line}`", i + 1);
            let (keyword, rest) = line.split_once(' ').ok_or_else(bad)?;
            match keyword {
                "version" => table.version = rest.trim().to_owned(),
                "family" => {
                    let (name, members) = rest.split_once(':').ok_or_else(bad)?;
                    let members: BTreeSet<String> =
                        members.split_whitespace().map(str::to_owned).collect();
                    table.types.extend(members.iter().cloned());
                    table.families.insert(name.trim().to_owned(), members);
                }
                "type" => table
                    .types
                    .extend(rest.split_whitespace().map(str::to_owned)),
                "alias" => {
                    let (word, target) = rest.split_once(':').ok_or_else(bad)?;
                    table
                        .aliases
                        .insert(word.trim().to_owned(), target.trim().to_owned());
                }
                _ => return Err(bad()),
            }
        }
        for (word, target) in &table.aliases {
            if !table.types.contains(target) && !table.families.contains_key(target) {
                return Err(format!("alias `{word}` names unknown type `{target}`"));
            }
        }
        if table.version.is_empty() {
            return Err("no `version` line".into());
        }
        Ok(table)
    }

    /// The table's version line, such as `2 (2026-12-01)`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The family names.
    pub fn families(&self) -> impl Iterator<Item = &str> {
        self.families.keys().map(String::as_str)
    }

    /// Every known individual type.
    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.types.iter().map(String::as_str)
    }

    /// Resolves a resource word (ASCII case-insensitively, aliases followed).
    pub fn resolve(&self, word: &str) -> Resource {
        let lower = word.to_ascii_lowercase();
        let name = self.aliases.get(&lower).cloned().unwrap_or(lower);
        if name == ALL_RESOURCES {
            return Resource {
                name,
                set: ResourceSet::All,
                known: true,
            };
        }
        if let Some(members) = self.families.get(&name) {
            return Resource {
                set: ResourceSet::Types(members.clone()),
                name,
                known: true,
            };
        }
        let known = self.types.contains(&name);
        Resource {
            set: ResourceSet::Types(BTreeSet::from([name.clone()])),
            name,
            known,
        }
    }

    /// The known names closest to an unknown word, as a help sentence.
    pub fn suggest(&self, word: &str) -> Option<String> {
        let word = word.to_ascii_lowercase();
        let names = std::iter::once(ALL_RESOURCES)
            .chain(self.families.keys().map(String::as_str))
            .chain(self.types.iter().map(String::as_str))
            .chain(self.aliases.keys().map(String::as_str));
        let mut best: Option<(usize, &str)> = None;
        for name in names {
            let d = edit_distance(&word, name);
            if best.is_none_or(|(b, _)| d < b) {
                best = Some((d, name));
            }
        }
        let (d, name) = best?;
        (d <= (word.len() / 4).max(2)).then(|| format!("did you mean `{name}`?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_with_every_documented_family() {
        let table = ResourceTable::parse(BUILTIN).expect("the data file parses");
        for family in [
            "instance-family",
            "object-family",
            "virtual-network-family",
            "volume-family",
            "database-family",
            "cluster-family",
            "functions-family",
            "secret-family",
            "dns",
            "file-family",
            "stream-family",
        ] {
            assert!(table.families.contains_key(family), "{family}");
        }
        assert_eq!(table.version(), "2 (2026-12-01)");
    }

    #[test]
    fn families_cover_members_and_aliases_resolve() {
        let t = ResourceTable::builtin();
        let family = t.resolve("Instance-Family");
        let one = t.resolve("instance");
        assert_eq!(one.name, "instances");
        assert!(family.set.covers(&one.set));
        assert!(!one.set.covers(&family.set));
        assert!(t.resolve("all-resources").set.covers(&family.set));
        assert!(t.resolve("volume-family").set.overlaps(&family.set));
        assert!(!t.resolve("buckets").set.overlaps(&family.set));
        let unknown = t.resolve("widgets");
        assert!(!unknown.known);
        assert!(t.resolve("all-resources").set.covers(&unknown.set));
    }

    #[test]
    fn stream_family_covers_the_streaming_types() {
        let t = ResourceTable::builtin();
        let family = t.resolve("stream-family");
        assert!(family.known);
        for member in [
            "streams",
            "stream",
            "stream-pull",
            "stream-push",
            "stream-pools",
            "connect-harness",
        ] {
            let one = t.resolve(member);
            assert!(one.known, "{member}");
            assert!(family.set.covers(&one.set), "{member}");
        }
        assert_eq!(t.resolve("stream").name, "streams");
        assert!(!family.set.overlaps(&t.resolve("object-family").set));
    }

    #[test]
    fn typos_get_suggestions() {
        let t = ResourceTable::builtin();
        assert_eq!(
            t.suggest("instances-family").as_deref(),
            Some("did you mean `instance-family`?")
        );
        assert_eq!(t.suggest("zzzzzzzzzzzz"), None);
    }
}
