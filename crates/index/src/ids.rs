//! Dense ordinals. Every id is a newtype over `u32` so that a principal ordinal can
//! never be passed where a group ordinal is meant.

/// A principal's dense ordinal in an [`Index`](crate::Index).
///
/// Ordinals are assigned clustered by tenancy, then compartment, so a tenancy is a
/// contiguous range of ordinals and compartment postings compress to runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrincipalId(pub(crate) u32);

/// A dynamic group's dense ordinal: the order in which
/// [`IndexBuilder::add_group`](crate::IndexBuilder::add_group) accepted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub(crate) u32);

/// An interned posting term (a compartment, a resource type, a tag key or a tag
/// key=value); indexes the posting list that holds the term's principals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TermId(pub(crate) u32);

/// A tenancy's dense ordinal inside one [`Index`](crate::Index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenancyId(pub(crate) u32);

// The ordinal inside is private: an id comes from the index that numbered it (its
// iterators and lookups), so a caller cannot make one that is out of range. The
// snapshot crate, which stores ordinals, makes them back with `from_raw`, hidden from
// the documentation like the rest of its way in (`parts`).
macro_rules! index_methods {
    ($($t:ty),*) => {$(
        impl $t {
            /// The ordinal as a `usize`, for indexing slices.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The ordinal.
            pub fn raw(self) -> u32 {
                self.0
            }

            /// The id of an ordinal read back from storage: for the snapshot crate
            /// and tests, not an API.
            #[doc(hidden)]
            pub const fn from_raw(raw: u32) -> Self {
                Self(raw)
            }
        }
    )*};
}
index_methods!(PrincipalId, GroupId, TermId, TenancyId);
