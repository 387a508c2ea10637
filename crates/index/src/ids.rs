//! Dense ordinals. Every id is a newtype over `u32` so that a principal ordinal can
//! never be passed where a group ordinal is meant.

/// A principal's dense ordinal in an [`Index`](crate::Index).
///
/// Ordinals are assigned clustered by tenancy, then compartment, so a tenancy is a
/// contiguous range of ordinals and compartment postings compress to runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrincipalId(pub u32);

/// A dynamic group's dense ordinal: the order in which
/// [`IndexBuilder::add_group`](crate::IndexBuilder::add_group) accepted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub u32);

/// An interned posting term (a compartment, a resource type, a tag key or a tag
/// key=value); indexes the posting list that holds the term's principals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TermId(pub u32);

/// A tenancy's dense ordinal inside one [`Index`](crate::Index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenancyId(pub u32);

macro_rules! index_methods {
    ($($t:ty),*) => {$(
        impl $t {
            /// The ordinal as a `usize`, for indexing slices.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}
index_methods!(PrincipalId, GroupId, TermId, TenancyId);
