//! The structured sections, as rkyv 0.8 archives: the Rust types written, the
//! validated access at open, and the unchecked access afterwards. This is the only
//! module that knows rkyv.
//!
//! rkyv's format is pinned in the workspace manifest (little-endian, aligned
//! primitives, 32-bit relative pointers), so the bytes do not depend on the machine.

use crate::error::Error;
use crate::layout::Kind;
use rkyv::api::high::HighValidator;
use rkyv::bytecheck::CheckBytes;
use rkyv::rancor;
use rkyv::{Archive, Portable, Serialize};

/// `meta`: counts of everything, for cross-checks, and how rules were parsed.
#[derive(Archive, Serialize, Debug)]
pub(crate) struct Meta {
    pub(crate) principals: u32,
    pub(crate) tenancies: u32,
    pub(crate) groups: u32,
    pub(crate) terms: u32,
    pub(crate) strings: u32,
    /// `ParseOptions::max_depth` the rules were parsed with.
    pub(crate) max_depth: u32,
    /// The program that wrote the file (`dyngroup-snapshot 0.1.0`), for humans.
    pub(crate) writer: String,
    /// `ParseOptions::strict` the rules were parsed with.
    pub(crate) strict: bool,
}

/// `strings`: every interned string, back to back.
#[derive(Archive, Serialize, Debug)]
pub(crate) struct Strings {
    /// One past the last byte of each string in `bytes`, ascending.
    pub(crate) ends: Vec<u32>,
    /// UTF-8, checked at open (not an rkyv `String`: those stop at 1 GiB).
    pub(crate) bytes: Vec<u8>,
}

/// One element of `principals`.
#[derive(Archive, Serialize, Debug, Clone, Copy)]
pub(crate) struct PrincipalRow {
    pub(crate) id: u32,
    pub(crate) compartment: u32,
    pub(crate) resource_type: u32,
    pub(crate) tenancy: u32,
}

/// One element of `terms`.
#[derive(Archive, Serialize, Debug, Clone, Copy)]
pub(crate) struct TermRow {
    /// 0 compartment (a), 1 resource type (a), 2 tag key (a.b), 3 tag value (a.b = c).
    pub(crate) kind: u32,
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) c: u32,
}

/// One element of `groups`.
#[derive(Archive, Serialize, Debug)]
pub(crate) struct GroupRow {
    pub(crate) tenancy: u32,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) matching_rule: String,
}

/// `principal-groups`: principal → groups in compressed-row form.
#[derive(Archive, Serialize, Debug)]
pub(crate) struct PrincipalGroups {
    /// `groups[offsets[p]..offsets[p + 1]]` are principal `p`'s groups.
    pub(crate) offsets: Vec<u32>,
    pub(crate) groups: Vec<u32>,
}

/// `policies` (version 2): the compartment tree and the policies the snapshot was
/// computed with.
#[derive(Archive, Serialize, Debug, Default)]
pub(crate) struct PoliciesRow {
    /// Whether the snapshot was written with policies (else every list is empty).
    pub(crate) present: bool,
    /// The files statements were read from; [`StatementRow::file`] indexes them.
    pub(crate) files: Vec<String>,
    pub(crate) compartments: Vec<CompartmentRow>,
    pub(crate) policies: Vec<PolicyRow>,
}

/// One compartment of `policies`.
#[derive(Archive, Serialize, Debug)]
pub(crate) struct CompartmentRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) parent: Option<String>,
}

/// One policy of `policies`.
#[derive(Archive, Serialize, Debug)]
pub(crate) struct PolicyRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) compartment_id: String,
    pub(crate) statements: Vec<StatementRow>,
}

/// One statement of a policy, with where it was read.
#[derive(Archive, Serialize, Debug)]
pub(crate) struct StatementRow {
    pub(crate) text: String,
    /// Index into [`PoliciesRow::files`], or `u32::MAX` when not read from a file.
    pub(crate) file: u32,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) position: u32,
}

/// `domains` (version 3): the identity domains of the groups read from
/// identity-domain exports, each with the scope its compartment tree gave it, and
/// which group is in which.
#[derive(Archive, Serialize, Debug, Default)]
pub(crate) struct DomainsRow {
    pub(crate) domains: Vec<DomainRow>,
    /// One per group that has a domain, ascending by group.
    pub(crate) groups: Vec<GroupDomainRow>,
}

/// One domain of `domains`.
#[derive(Archive, Serialize, Debug)]
pub(crate) struct DomainRow {
    pub(crate) id: String,
    pub(crate) compartment_id: Option<String>,
    /// The tenancy's compartments outside the domain compartment's subtree; absent
    /// when the scope was not applied.
    pub(crate) outside: Option<Vec<String>>,
}

/// A group's domain: an index into [`DomainsRow::domains`].
#[derive(Archive, Serialize, Debug, Clone, Copy)]
pub(crate) struct GroupDomainRow {
    pub(crate) group: u32,
    pub(crate) domain: u32,
}

/// A section stored as an rkyv archive: ties its [`Kind`] to its archived type, so
/// that the type validated at open is the type accessed later.
pub(crate) trait Section {
    const KIND: Kind;
    type Archived: Portable + for<'a> CheckBytes<HighValidator<'a, rancor::Error>>;
}

macro_rules! sections {
    ($($marker:ident: $kind:ident => $archived:ty;)*) => {$(
        pub(crate) struct $marker;
        impl Section for $marker {
            const KIND: Kind = Kind::$kind;
            type Archived = $archived;
        }
    )*};
}

sections! {
    MetaSection: Meta => ArchivedMeta;
    StringsSection: Strings => ArchivedStrings;
    PrincipalsSection: Principals => rkyv::vec::ArchivedVec<ArchivedPrincipalRow>;
    PrincipalIndexSection: PrincipalIndex => rkyv::vec::ArchivedVec<rkyv::rend::u32_le>;
    TenanciesSection: Tenancies => rkyv::vec::ArchivedVec<rkyv::rend::u32_le>;
    TermsSection: Terms => rkyv::vec::ArchivedVec<ArchivedTermRow>;
    GroupsSection: Groups => rkyv::vec::ArchivedVec<ArchivedGroupRow>;
    PrincipalGroupsSection: PrincipalGroups => ArchivedPrincipalGroups;
    PoliciesSection: Policies => ArchivedPoliciesRow;
    DomainsSection: Domains => ArchivedDomainsRow;
}

/// Serializes a value as an rkyv archive.
pub(crate) fn to_bytes<T>(kind: Kind, value: &T) -> Result<rkyv::util::AlignedVec, Error>
where
    T: for<'a> Serialize<
        rkyv::api::high::HighSerializer<
            rkyv::util::AlignedVec,
            rkyv::ser::allocator::ArenaHandle<'a>,
            rancor::Error,
        >,
    >,
{
    rkyv::to_bytes::<rancor::Error>(value).map_err(|e| {
        Error::Unwritable(format!(
            "section \"{}\" cannot be archived: {e}",
            kind.name()
        ))
    })
}

/// Validates a section's bytes as `S` (bytecheck: every pointer in bounds and
/// aligned, every string UTF-8, every bool 0 or 1).
pub(crate) fn validate<S: Section>(bytes: &[u8]) -> Result<&S::Archived, Error> {
    rkyv::access::<S::Archived, rancor::Error>(bytes)
        .map_err(|e| Error::section(S::KIND.name(), format!("is not valid: {e}")))
}

/// Accesses a section's bytes as `S` without validating them again.
///
/// # Safety
///
/// `bytes` must be exactly the bytes that [`validate::<S>`](validate) accepted, unchanged
/// since.
#[allow(unsafe_code)]
pub(crate) unsafe fn view<S: Section>(bytes: &[u8]) -> &S::Archived {
    // SAFETY: the caller guarantees that `validate::<S>` accepted these very bytes,
    // so a valid `S::Archived` is at the root position.
    unsafe { rkyv::access_unchecked::<S::Archived>(bytes) }
}
