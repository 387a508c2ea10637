//! Writing: an index and its memberships → the sections → a file, atomically.

use crate::archive::{self, GroupRow, Meta, PrincipalGroups, PrincipalRow, Strings, TermRow};
use crate::bitmaps;
use crate::domains::domains_row;
use crate::error::Error;
use crate::layout::{self, Kind};
use crate::policies::{PolicyInputs, policies_row};
use dyngroup_index::parts::{IndexParts, TermPart};
use dyngroup_index::{Index, Memberships, PrincipalId};
use dyngroup_rules::ParseOptions;
use rayon::prelude::*;
use std::path::Path;

/// How to write a snapshot.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// The options the index's rules were parsed with
    /// ([`IndexBuilder::parse_options`](dyngroup_index::IndexBuilder::parse_options)).
    /// They are stored, so that [`Snapshot::to_index`](crate::Snapshot::to_index)
    /// parses the rules the same way.
    pub parse_options: ParseOptions,
}

/// Encodes an index and its memberships as the bytes of a snapshot file.
///
/// `memberships` must be the index's own (from [`Index::evaluate`] or equal to it).
pub fn to_bytes(
    index: &Index,
    memberships: &Memberships,
    options: &WriteOptions,
) -> Result<Vec<u8>, Error> {
    to_bytes_with_policies(index, memberships, options, None)
}

/// [`to_bytes`], with the compartment tree and policies the memberships were
/// computed with (stored in the `policies` section, for `can` and `who-can`).
pub fn to_bytes_with_policies(
    index: &Index,
    memberships: &Memberships,
    options: &WriteOptions,
    policies: Option<&PolicyInputs>,
) -> Result<Vec<u8>, Error> {
    let sections = sections(index, memberships, options, policies)?;
    let mut out = Vec::new();
    layout::write_file(&mut out, &borrowed(&sections)).expect("writing to a Vec does not fail");
    Ok(out)
}

/// Writes an index and its memberships as a snapshot into `out`, an output the caller
/// makes atomic (as `dyngroup compute` does, with its other outputs); `path` names it
/// in errors. Returns the bytes written.
pub fn write_to(
    out: &mut impl std::io::Write,
    path: &Path,
    index: &Index,
    memberships: &Memberships,
    options: &WriteOptions,
) -> Result<u64, Error> {
    write_to_with_policies(out, path, index, memberships, options, None)
}

/// [`write_to`], with the compartment tree and policies the memberships were computed
/// with (see [`to_bytes_with_policies`]).
pub fn write_to_with_policies(
    out: &mut impl std::io::Write,
    path: &Path,
    index: &Index,
    memberships: &Memberships,
    options: &WriteOptions,
    policies: Option<&PolicyInputs>,
) -> Result<u64, Error> {
    let sections = sections(index, memberships, options, policies)?;
    layout::write_file(out, &borrowed(&sections)).map_err(|e| Error::io(path, e))
}

/// Writes an index and its memberships to `path`, atomically (`dyngroup-atomic`, the
/// workspace's one atomic write): a temporary file in the same directory is written
/// and flushed to disk, then renamed over `path` (keeping its permissions), and the
/// directory is flushed. A crash leaves either the old file or the new one, never a
/// mix; a failed write removes the temporary file. Returns the file's size in bytes.
pub fn write(
    path: impl AsRef<Path>,
    index: &Index,
    memberships: &Memberships,
    options: &WriteOptions,
) -> Result<u64, Error> {
    write_with_policies(path, index, memberships, options, None)
}

/// [`write()`], with the compartment tree and policies the memberships were computed
/// with (see [`to_bytes_with_policies`]).
pub fn write_with_policies(
    path: impl AsRef<Path>,
    index: &Index,
    memberships: &Memberships,
    options: &WriteOptions,
    policies: Option<&PolicyInputs>,
) -> Result<u64, Error> {
    let path = path.as_ref();
    let sections = sections(index, memberships, options, policies)?;
    dyngroup_atomic::write_atomically(path, |out| layout::write_file(out, &borrowed(&sections)))
        .map_err(|e| Error::io(path, e.source))
}

fn borrowed(sections: &[(Kind, Vec<u8>)]) -> Vec<(Kind, &[u8])> {
    sections.iter().map(|(k, v)| (*k, v.as_slice())).collect()
}

fn too_large(what: &str) -> Error {
    Error::Unwritable(format!("{what} exceed the format's 32-bit counts"))
}

fn u32_of(n: usize, what: &str) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| too_large(what))
}

/// Every section's bytes, in file order.
fn sections(
    index: &Index,
    memberships: &Memberships,
    options: &WriteOptions,
    policies: Option<&PolicyInputs>,
) -> Result<Vec<(Kind, Vec<u8>)>, Error> {
    if memberships.group_bitmaps().len() != index.group_count()
        || memberships.principal_groups().len() != index.principal_count()
    {
        return Err(Error::Unwritable(
            "the memberships are not those of this index".into(),
        ));
    }
    let parts = index.to_parts();
    let IndexParts {
        strings,
        principals,
        tenancies,
        terms,
        postings,
        groups,
    } = &parts;

    let meta = Meta {
        principals: u32_of(principals.len(), "principals")?,
        tenancies: u32_of(tenancies.len(), "tenancies")?,
        groups: u32_of(groups.len(), "groups")?,
        terms: u32_of(terms.len(), "terms")?,
        strings: u32_of(strings.len(), "strings")?,
        max_depth: u32_of(options.parse_options.max_depth, "the nesting limit")?,
        writer: concat!("dyngroup-snapshot ", env!("CARGO_PKG_VERSION")).into(),
        strict: options.parse_options.strict,
    };
    let strings_row = Strings {
        ends: strings
            .ends
            .iter()
            .map(|&e| u32_of(e, "string bytes"))
            .collect::<Result<_, _>>()?,
        bytes: strings.bytes.as_bytes().to_vec(),
    };
    let principal_rows: Vec<PrincipalRow> = principals
        .iter()
        .map(|p| PrincipalRow {
            id: p.id.0,
            compartment: p.compartment.0,
            resource_type: p.resource_type.0,
            tenancy: p.tenancy.raw(),
        })
        .collect();
    // Ordinals sorted by OCID: `principal_id` binary-searches them.
    let mut sorted: Vec<(&str, u32)> = (0..meta.principals)
        .map(|p| (index.principal_ocid(PrincipalId::from_raw(p)), p))
        .collect();
    sorted.par_sort_unstable();
    let by_ocid: Vec<u32> = sorted.into_iter().map(|(_, p)| p).collect();
    let tenancy_rows: Vec<u32> = tenancies.iter().map(|t| t.0).collect();
    let term_rows: Vec<TermRow> = terms.iter().map(|&t| term_row(t)).collect();
    let group_rows: Vec<GroupRow> = groups
        .iter()
        .map(|g| GroupRow {
            tenancy: g.tenancy.raw(),
            id: g.id.clone(),
            name: g.name.clone(),
            description: g.description.clone(),
            matching_rule: g.matching_rule.clone(),
        })
        .collect();
    let mut csr = PrincipalGroups {
        offsets: Vec::with_capacity(principals.len() + 1),
        groups: Vec::new(),
    };
    csr.offsets.push(0);
    for list in memberships.principal_groups() {
        csr.groups.extend(list.iter().map(|g| g.raw()));
        csr.offsets
            .push(u32_of(csr.groups.len(), "principal → group entries")?);
    }

    let rkyv = |kind: Kind, bytes: Result<rkyv::util::AlignedVec, Error>| {
        bytes.map(|b| (kind, b.to_vec()))
    };
    let out = vec![
        rkyv(Kind::Meta, archive::to_bytes(Kind::Meta, &meta))?,
        rkyv(
            Kind::Strings,
            archive::to_bytes(Kind::Strings, &strings_row),
        )?,
        rkyv(
            Kind::Principals,
            archive::to_bytes(Kind::Principals, &principal_rows),
        )?,
        rkyv(
            Kind::PrincipalIndex,
            archive::to_bytes(Kind::PrincipalIndex, &by_ocid),
        )?,
        rkyv(
            Kind::Tenancies,
            archive::to_bytes(Kind::Tenancies, &tenancy_rows),
        )?,
        rkyv(Kind::Terms, archive::to_bytes(Kind::Terms, &term_rows))?,
        (
            Kind::Postings,
            bitmaps::encode(Kind::Postings, postings.iter())?,
        ),
        rkyv(Kind::Groups, archive::to_bytes(Kind::Groups, &group_rows))?,
        (
            Kind::Members,
            bitmaps::encode(Kind::Members, memberships.group_bitmaps().iter())?,
        ),
        rkyv(
            Kind::PrincipalGroups,
            archive::to_bytes(Kind::PrincipalGroups, &csr),
        )?,
        rkyv(
            Kind::Policies,
            archive::to_bytes(Kind::Policies, &policies_row(policies)?),
        )?,
        rkyv(
            Kind::Domains,
            archive::to_bytes(Kind::Domains, &domains_row(groups)),
        )?,
    ];
    // rkyv's relative pointers are 32-bit: an archive must stay under 2 GiB.
    for (kind, bytes) in &out {
        if bytes.len() > i32::MAX as usize && !matches!(kind, Kind::Postings | Kind::Members) {
            return Err(too_large(&format!(
                "the bytes of section \"{}\"",
                kind.name()
            )));
        }
    }
    Ok(out)
}

fn term_row(term: TermPart) -> TermRow {
    let (kind, a, b, c) = match term {
        TermPart::Compartment(c) => (0, c.0, 0, 0),
        TermPart::Type(t) => (1, t.0, 0, 0),
        TermPart::TagKey { namespace, key } => (2, namespace.0, key.0, 0),
        TermPart::TagValue {
            namespace,
            key,
            value,
        } => (3, namespace.0, key.0, value.0),
    };
    TermRow { kind, a, b, c }
}
