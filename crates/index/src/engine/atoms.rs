//! Shared strings: each distinct attribute string (compartment, tenancy, resource type,
//! tag namespace, key and value) is held once, as an `Arc<str>` that the writer's
//! postings, the principal records and every reader's snapshot all point at.
//!
//! Why not the index's [`Interner`](crate::intern)? Its symbols only mean something
//! with the interner beside them, and readers on other threads cannot share a table
//! the writer keeps growing. An `Arc<str>` carries its own text, and its reference
//! count tells the writer when nothing uses a string any more, so a long-running
//! engine does not keep every string it ever saw.

use hashbrown::HashSet;
use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// A shared string. Equality and hashing are by content (with a pointer fast path),
/// so an atom can be looked up by `&str`.
#[derive(Clone, PartialOrd, Ord)]
pub(crate) struct Atom(Arc<str>);

impl Atom {
    /// A fresh atom, not interned (principal OCIDs: unique, so sharing buys nothing).
    pub(crate) fn new(s: &str) -> Atom {
        Atom(Arc::from(s))
    }

    /// Wraps a shared string as it is (not interned).
    pub(crate) fn from_arc(s: Arc<str>) -> Atom {
        Atom(s)
    }

    /// The shared allocation, for handing out in deltas.
    pub(crate) fn arc(&self) -> &Arc<str> {
        &self.0
    }

    /// The shared allocation, without touching its reference count.
    pub(crate) fn into_arc(self) -> Arc<str> {
        self.0
    }
}

impl PartialEq for Atom {
    fn eq(&self, other: &Atom) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for Atom {}

impl Hash for Atom {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Must hash exactly as `str` does: lookups go through `Borrow<str>`.
        (*self.0).hash(state)
    }
}

impl Borrow<str> for Atom {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Deref for Atom {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// The writer's table of attribute strings.
///
/// Entries are dropped by a sweep that keeps only atoms something else still holds
/// (a principal record, a posting key, a snapshot a reader kept). The sweep runs when
/// the table has doubled since the last one, so its cost is amortised O(1) per string
/// and the table holds at most about twice the strings in use.
#[derive(Default)]
pub(crate) struct AtomTable {
    set: HashSet<Atom>,
    /// Size after the last sweep.
    kept: usize,
}

impl fmt::Debug for AtomTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomTable")
            .field("len", &self.set.len())
            .finish()
    }
}

/// Below this many entries the table is never swept.
const SWEEP_FLOOR: usize = 1 << 12;

impl AtomTable {
    /// The atom of `s`, interning it if new.
    pub(crate) fn intern(&mut self, s: &str) -> Atom {
        if let Some(a) = self.set.get(s) {
            return a.clone();
        }
        let a = Atom::new(s);
        self.set.insert(a.clone());
        a
    }

    /// The atom of `s` ASCII lower-cased, interning it if new.
    pub(crate) fn intern_folded(&mut self, s: &str) -> Atom {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            self.intern(&s.to_ascii_lowercase())
        } else {
            self.intern(s)
        }
    }

    /// The atom of `s`, if interned. A string that is not interned is held by no
    /// principal, so no posting has it.
    pub(crate) fn get(&self, s: &str) -> Option<&Atom> {
        self.set.get(s)
    }

    /// Drops the strings only the table holds, if the table has doubled since the
    /// last sweep.
    pub(crate) fn maybe_sweep(&mut self) {
        if self.set.len() < SWEEP_FLOOR.max(2 * self.kept) {
            return;
        }
        // Counts only fall while we look: nobody can clone an atom only we hold.
        self.set.retain(|a| Arc::strong_count(&a.0) > 1);
        self.kept = self.set.len();
    }

    /// How many strings the table holds.
    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_once_and_sweeps_what_nobody_holds() {
        let mut t = AtomTable::default();
        let a = t.intern("ocid1.compartment.oc1..a");
        assert!(Arc::ptr_eq(
            a.arc(),
            t.intern("ocid1.compartment.oc1..a").arc()
        ));
        assert_eq!(t.intern_folded("Ops"), t.intern("ops"));
        assert_eq!(t.get("ops").map(|a| &**a), Some("ops"));
        for i in 0..SWEEP_FLOOR {
            t.intern(&format!("s{i}"));
        }
        t.maybe_sweep();
        // `a` is still held; `ops` and the `s…` strings were not.
        assert_eq!(t.len(), 1);
        assert!(t.get("ocid1.compartment.oc1..a").is_some());
        assert_eq!(Atom::new("x"), Atom::new("x"));
    }
}
