//! The compartment tree: names, parents, subtrees, and the locations of statements.

use hashbrown::HashMap;
use std::sync::Arc;

/// A compartment as `oci iam compartment list` prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compartment {
    /// Its OCID (the tenancy's OCID for the root).
    pub id: String,
    /// Its name, unique among its siblings.
    pub name: String,
    /// Its parent's OCID (`compartment-id`); `None` for the root.
    pub parent_id: Option<String>,
}

/// A compartment's position in a [`CompartmentTree`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompartmentId(pub u32);

impl CompartmentId {
    /// As an index into vectors.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Debug)]
struct Node {
    id: String,
    name: String,
    parent: Option<CompartmentId>,
    children: Vec<CompartmentId>,
    root: CompartmentId,
    /// Pre-order number; the subtree of `n` is `enter[n]..exit[n]`.
    enter: u32,
    exit: u32,
}

/// The compartments of one or more tenancies as a forest of trees, one per tenancy.
#[derive(Clone, Debug, Default)]
pub struct CompartmentTree {
    nodes: Vec<Node>,
    by_id: HashMap<String, CompartmentId>,
    problems: Vec<String>,
}

impl CompartmentTree {
    /// Builds the forest. A compartment without a parent (or its own parent) is a
    /// root; a parent that is not listed but is a tenancy OCID becomes a root with an
    /// empty name (the listing left out `--include-root`). A compartment listed twice
    /// (the first kept), under an unknown parent or in a cycle is left out and
    /// reported.
    pub fn new(compartments: &[Compartment]) -> CompartmentTree {
        let mut tree = CompartmentTree::default();
        let mut parents: Vec<Option<String>> = Vec::new();
        for c in compartments {
            if tree.by_id.contains_key(&c.id) {
                tree.problems.push(format!(
                    "compartment `{}` is listed twice; the first is kept",
                    c.id
                ));
                continue;
            }
            // Only a tenancy (the root) may name itself as its parent; any other
            // compartment that does is a cycle of one.
            if c.parent_id.as_deref() == Some(c.id.as_str()) && !c.id.starts_with("ocid1.tenancy.")
            {
                tree.problems.push(format!(
                    "compartment `{}` is its own parent; it is left out",
                    c.id
                ));
                continue;
            }
            let parent = c.parent_id.clone().filter(|p| !p.is_empty() && *p != c.id);
            tree.push(&c.id, &c.name);
            parents.push(parent);
        }
        let missing: Vec<String> = parents
            .iter()
            .flatten()
            .filter(|p| p.starts_with("ocid1.tenancy."))
            .cloned()
            .collect();
        for parent in missing {
            if !tree.by_id.contains_key(&parent) {
                tree.push(&parent, "");
                parents.push(None);
            }
        }
        // Link every node whose chain of parents reaches a root.
        let count = tree.nodes.len();
        let parent_of: Vec<Option<Option<CompartmentId>>> = parents
            .iter()
            .map(|p| match p {
                None => Some(None),
                Some(p) => tree.by_id.get(p).map(|&c| Some(c)),
            })
            .collect();
        // 0 = unknown, 1 = connected to a root, 2 = not.
        let mut state = vec![0u8; count];
        for start in 0..count {
            let mut chain = Vec::new();
            let mut at = start;
            let verdict = loop {
                if state[at] != 0 {
                    break state[at];
                }
                if chain.contains(&at) {
                    break 2; // a cycle
                }
                chain.push(at);
                match parent_of[at] {
                    Some(None) => {
                        state[at] = 1;
                        chain.pop();
                        break 1;
                    }
                    Some(Some(p)) => at = p.index(),
                    None => break 2,
                }
            };
            for n in chain {
                state[n] = verdict;
            }
        }
        for (n, s) in state.iter().enumerate() {
            if *s == 1 {
                if let Some(Some(p)) = parent_of[n] {
                    tree.nodes[n].parent = Some(p);
                    tree.nodes[p.index()].children.push(CompartmentId(n as u32));
                }
            } else {
                let why = match parents[n].as_deref() {
                    Some(p) if !tree.by_id.contains_key(p) => {
                        format!("its parent `{p}` is not in the compartment list")
                    }
                    _ => left_out_ancestor(&parent_of, n).map_or_else(
                        || "its parents form a cycle".to_owned(),
                        |a| {
                            format!(
                                "it is under `{}`, whose parent is not in the compartment list",
                                tree.nodes[a].id
                            )
                        },
                    ),
                };
                tree.problems.push(format!(
                    "compartment `{}` ({}) is left out: {why}",
                    tree.nodes[n].id, tree.nodes[n].name
                ));
            }
        }
        // Number the subtrees; nodes left out stay unreachable (empty intervals).
        let mut next = 0u32;
        for (r, s) in state.iter().enumerate() {
            if *s == 1 && tree.nodes[r].parent.is_none() {
                let root = CompartmentId(r as u32);
                let mut stack = vec![(root, false)];
                while let Some((n, done)) = stack.pop() {
                    if done {
                        tree.nodes[n.index()].exit = next;
                        continue;
                    }
                    tree.nodes[n.index()].enter = next;
                    tree.nodes[n.index()].root = root;
                    next += 1;
                    stack.push((n, true));
                    for &child in tree.nodes[n.index()].children.iter().rev() {
                        stack.push((child, false));
                    }
                }
            }
        }
        for (n, s) in state.iter().enumerate() {
            if *s != 1 {
                tree.by_id.remove(&tree.nodes[n].id);
            }
        }
        tree
    }

    fn push(&mut self, id: &str, name: &str) {
        let c = CompartmentId(self.nodes.len() as u32);
        self.by_id.insert(id.to_owned(), c);
        self.nodes.push(Node {
            id: id.to_owned(),
            name: name.to_owned(),
            parent: None,
            children: Vec::new(),
            root: c,
            enter: 0,
            exit: 0,
        });
    }

    /// What was wrong with the listing.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// How many compartments the forest holds (left-out ones included).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the forest is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The compartment with this OCID, if it is in a tree.
    pub fn get(&self, ocid: &str) -> Option<CompartmentId> {
        self.by_id.get(ocid).copied()
    }

    /// A compartment's OCID.
    pub fn ocid(&self, c: CompartmentId) -> &str {
        &self.nodes[c.index()].id
    }

    /// A compartment's name.
    pub fn name(&self, c: CompartmentId) -> &str {
        &self.nodes[c.index()].name
    }

    /// A compartment's parent (`None` for a root).
    pub fn parent(&self, c: CompartmentId) -> Option<CompartmentId> {
        self.nodes[c.index()].parent
    }

    /// The root (tenancy) of a compartment's tree.
    pub fn root(&self, c: CompartmentId) -> CompartmentId {
        self.nodes[c.index()].root
    }

    /// Every root, in input order.
    pub fn roots(&self) -> impl Iterator<Item = CompartmentId> + '_ {
        self.by_id
            .values()
            .copied()
            .filter(|&c| self.nodes[c.index()].parent.is_none())
    }

    /// Whether `ancestor` is `c` or one of its ancestors (a grant in `ancestor`
    /// covers `c`).
    pub fn covers(&self, ancestor: CompartmentId, c: CompartmentId) -> bool {
        let (a, n) = (&self.nodes[ancestor.index()], &self.nodes[c.index()]);
        a.enter <= n.enter && n.enter < a.exit && a.root == n.root
    }

    /// `c` and all its descendants, in pre-order.
    pub fn subtree(&self, c: CompartmentId) -> Vec<CompartmentId> {
        let mut out = Vec::new();
        let mut stack = vec![c];
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.nodes[n.index()].children.iter().rev());
        }
        out
    }

    /// Gives every identity-domain group whose domain does not live in its tenancy's
    /// root compartment its scope
    /// ([`IdentityDomain::outside`](dyngroup_index::IdentityDomain::outside)): the
    /// OCIDs of the tenancy's compartments that lie outside the domain compartment's
    /// subtree, shared by the domain's groups. A compartment the tree leaves out (an
    /// unknown parent, a cycle) is in no list, so its principals are admitted: a gap
    /// in the listing gives too many members, never too few. A group whose domain's
    /// compartment is not in the tree under its tenancy (or was not exported) keeps
    /// no scope: it is evaluated over its whole tenancy and reported.
    pub fn apply_domain_scopes(&self, groups: &mut [dyngroup_index::DynamicGroup]) {
        let mut scopes: HashMap<CompartmentId, Arc<[String]>> = HashMap::new();
        for group in groups {
            let tenancy = group.tenancy_id.as_str();
            let Some(domain) = group.domain.as_mut() else {
                continue;
            };
            domain.outside = None;
            if !domain.narrows(tenancy) {
                continue;
            }
            let Some(compartment) = domain.compartment_id.as_deref() else {
                continue;
            };
            // A compartment of another tenancy's tree is inconsistent input: no scope.
            let Some(c) = self
                .get(compartment)
                .filter(|&c| self.ocid(self.root(c)) == tenancy)
            else {
                continue;
            };
            let outside = scopes.entry(c).or_insert_with(|| {
                let root = self.root(c);
                self.subtree(root)
                    .into_iter()
                    .filter(|&n| !self.covers(c, n))
                    .map(|n| self.ocid(n).to_owned())
                    .collect()
            });
            domain.outside = Some(outside.clone());
        }
    }

    /// The children of `parent` whose name is `name` (exactly; several only when
    /// the listing is inconsistent).
    pub fn children_named(&self, parent: CompartmentId, name: &str) -> Vec<CompartmentId> {
        self.nodes[parent.index()]
            .children
            .iter()
            .copied()
            .filter(|&c| self.nodes[c.index()].name == name)
            .collect()
    }

    /// The path of names from the root to `c`, `:`-separated (empty for a root).
    pub fn path(&self, c: CompartmentId) -> String {
        let mut names = Vec::new();
        let mut at = c;
        while let Some(parent) = self.parent(at) {
            names.push(self.name(at));
            at = parent;
        }
        names.reverse();
        names.join(":")
    }

    /// Resolves a `:`-separated path below `base` (`Prod:App`), exactly.
    pub fn resolve_path(
        &self,
        base: CompartmentId,
        path: &[String],
    ) -> Result<CompartmentId, String> {
        let mut at = base;
        for name in path {
            match self.children_named(at, name).as_slice() {
                [one] => at = *one,
                [] => {
                    let near: Vec<&str> = self.nodes[at.index()]
                        .children
                        .iter()
                        .map(|&c| self.name(c))
                        .filter(|n| n.eq_ignore_ascii_case(name))
                        .collect();
                    let hint = match near.first() {
                        Some(n) => format!(" (there is `{n}`: names are compared exactly)"),
                        None => String::new(),
                    };
                    return Err(format!(
                        "no compartment `{name}` under `{}`{hint}",
                        self.describe(at)
                    ));
                }
                _ => {
                    return Err(format!(
                        "several compartments named `{name}` under `{}`",
                        self.describe(at)
                    ));
                }
            }
        }
        Ok(at)
    }

    /// `name (ocid)`, or the OCID alone for a root without a name.
    pub fn describe(&self, c: CompartmentId) -> String {
        let node = &self.nodes[c.index()];
        if node.name.is_empty() {
            node.id.clone()
        } else {
            format!("{} ({})", node.name, node.id)
        }
    }
}

/// The ancestor of `n` whose parent is not listed, walking up from `n`; `None` when the
/// walk comes back on itself (a cycle).
fn left_out_ancestor(parent_of: &[Option<Option<CompartmentId>>], n: usize) -> Option<usize> {
    let mut seen = vec![false; parent_of.len()];
    let mut at = n;
    loop {
        if std::mem::replace(&mut seen[at], true) {
            return None;
        }
        match parent_of[at] {
            Some(Some(p)) => at = p.index(),
            None => return Some(at),
            Some(None) => return None, // reaches a root: not left out for this reason
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, name: &str, parent: Option<&str>) -> Compartment {
        Compartment {
            id: id.into(),
            name: name.into(),
            parent_id: parent.map(Into::into),
        }
    }

    #[test]
    fn subtrees_paths_and_problems() {
        let tree = CompartmentTree::new(&[
            c("a", "A", Some("ocid1.tenancy.t")),
            c("b", "B", Some("a")),
            c("x", "X", Some("y")),
            c("y", "Y", Some("x")),
            c("z", "Z", Some("nowhere")),
            c("a", "again", None),
        ]);
        let (t, a, b) = (
            tree.get("ocid1.tenancy.t").unwrap(),
            tree.get("a").unwrap(),
            tree.get("b").unwrap(),
        );
        assert!(tree.covers(t, b) && tree.covers(a, b) && tree.covers(b, b));
        assert!(!tree.covers(b, a));
        assert_eq!(tree.path(b), "A:B");
        assert_eq!(tree.resolve_path(t, &["A".into(), "B".into()]), Ok(b));
        assert!(
            tree.resolve_path(t, &["a".into()])
                .unwrap_err()
                .contains("there is `A`")
        );
        assert_eq!(tree.get("x"), None);
        assert_eq!(tree.get("z"), None);
        assert_eq!(tree.problems().len(), 4, "{:?}", tree.problems());
        // A compartment under a left-out one says where the gap is, not "a cycle".
        let gap = CompartmentTree::new(&[
            c("ocid1.tenancy.t", "root", None),
            c("w", "Web", Some("deleted")),
            c("w2", "Web2", Some("w")),
        ]);
        assert_eq!(
            gap.problems(),
            [
                "compartment `w` (Web) is left out: its parent `deleted` is not in the compartment list",
                "compartment `w2` (Web2) is left out: it is under `w`, whose parent is not in the compartment list",
            ]
        );
    }

    #[test]
    fn only_a_tenancy_may_be_its_own_parent() {
        let tree = CompartmentTree::new(&[
            c("ocid1.tenancy.t", "root", Some("ocid1.tenancy.t")),
            c("ocid1.compartment.s", "S", Some("ocid1.compartment.s")),
            c("ocid1.compartment.u", "U", Some("ocid1.compartment.s")),
        ]);
        assert!(tree.get("ocid1.tenancy.t").is_some());
        assert_eq!(tree.get("ocid1.compartment.s"), None);
        assert_eq!(tree.get("ocid1.compartment.u"), None);
        assert!(
            tree.problems()
                .iter()
                .any(|p| p.contains("`ocid1.compartment.s` is its own parent")),
            "{:?}",
            tree.problems()
        );
    }

    #[test]
    fn domain_groups_get_their_compartments_subtree() {
        use dyngroup_index::{DynamicGroup, IdentityDomain};
        let t = "ocid1.tenancy.t";
        let tree = CompartmentTree::new(&[
            c(t, "root", None),
            c("a", "A", Some(t)),
            c("b", "B", Some("a")),
            c("d", "D", Some("b")),
            c("e", "E", Some(t)),
            // Under a parent the listing lacks: left out, so in no list (admitted).
            c("g", "G", Some("gone")),
            c("ocid1.tenancy.u", "other", None),
            c("f", "F", Some("ocid1.tenancy.u")),
        ]);
        let group = |compartment: Option<&str>| DynamicGroup {
            tenancy_id: t.into(),
            domain: Some(IdentityDomain {
                id: "ocid1.domain.x".into(),
                compartment_id: compartment.map(Into::into),
                outside: Some(vec!["stale".to_owned()].into()),
            }),
            ..DynamicGroup::default()
        };
        let mut groups = vec![
            group(Some("a")),
            group(Some(t)),
            group(None),
            group(Some("missing")),
            group(Some("f")),
            DynamicGroup::default(),
        ];
        tree.apply_domain_scopes(&mut groups);
        let scopes: Vec<Option<Vec<String>>> = groups
            .iter()
            .map(|g| {
                g.domain
                    .as_ref()
                    .and_then(|d| d.outside.as_deref().map(<[String]>::to_vec))
            })
            .collect();
        let mut outside = scopes[0].clone().unwrap();
        outside.sort();
        assert_eq!(outside, ["e".to_owned(), t.to_owned()]);
        assert_eq!(scopes[1..], [None, None, None, None, None]);
        assert_eq!(groups[0].domain_outside().map(<[String]>::len), Some(2));
        assert!(groups[3].domain_scope_not_applied() && groups[4].domain_scope_not_applied());
        assert!(!groups[1].has_domain_scope());
    }
}
