//! Opening: the frame, the checksums, then each section's structure and references,
//! so that every later read through [`Snapshot`] stays in bounds.

use crate::archive::{
    self, GroupsSection, MetaSection, PrincipalGroupsSection, PrincipalIndexSection,
    PrincipalsSection, Section, StringsSection, TenanciesSection, TermsSection,
};
use crate::bitmaps::BitmapList;
use crate::error::Error;
use crate::layout::{self, Kind, SectionInfo};
use crate::storage::Storage;
use rayon::prelude::*;
use rkyv::rend::u32_le;
use std::ops::Range;
use std::path::Path;

/// Files at least this large have their section checksums computed in parallel.
const PARALLEL_CHECKSUMS_FROM: usize = 8 << 20;

/// An opened, validated snapshot: the whole index and its memberships, answering
/// queries straight from the file's bytes.
///
/// Opening checks the header, the section table, every section's xxh3 checksum, every
/// archived structure (rkyv's bytecheck) and every reference between sections (string,
/// principal, tenancy and group numbers in range, offsets ascending), so that no later
/// read can go out of bounds. [`Snapshot::verify`] goes further (bitmap contents,
/// orders, the principal → groups map against the members).
pub struct Snapshot {
    storage: Storage,
    version: u32,
    sections: Vec<SectionInfo>,
    /// The bytes of each section, indexed like [`Kind::ALL`] (a version 1 file has
    /// the first ten).
    ranges: Vec<Range<usize>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("mapped", &self.storage.is_mapped())
            .field("bytes", &self.storage.bytes().len())
            .field("version", &self.version)
            .field("principals", &self.principal_count())
            .field("groups", &self.group_count())
            .finish()
    }
}

impl Snapshot {
    /// Opens and validates a snapshot file, memory-mapped.
    ///
    /// **The file must not change while the snapshot is open**: no process may write
    /// to it or truncate it (replacing it by renaming another file over it is fine;
    /// that is how [`write`](crate::write()) replaces snapshots). The bytes are validated
    /// once, here, and read without checks afterwards; a file modified in place under
    /// an open snapshot breaks that assumption. Use [`Snapshot::read`] where that
    /// cannot be promised.
    pub fn open(path: impl AsRef<Path>) -> Result<Snapshot, Error> {
        Snapshot::validate(Storage::map(path.as_ref())?)
    }

    /// Reads a snapshot file into memory and validates it (no memory map).
    pub fn read(path: impl AsRef<Path>) -> Result<Snapshot, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Snapshot::from_bytes(&bytes)
    }

    /// Validates a snapshot held in memory (the bytes are copied into an aligned
    /// buffer). Never panics, whatever the bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Snapshot, Error> {
        Snapshot::validate(Storage::copy(bytes))
    }

    fn validate(storage: Storage) -> Result<Snapshot, Error> {
        let bytes = storage.bytes();
        let header = layout::read_header(bytes)?;
        let sections = layout::read_table(bytes, &header)?;
        layout::check_names(&sections, header.version)?;
        let checksums = |s: &SectionInfo| layout::check_checksum(bytes, s);
        if bytes.len() >= PARALLEL_CHECKSUMS_FROM {
            sections.par_iter().try_for_each(checksums)?;
        } else {
            sections.iter().try_for_each(checksums)?;
        }
        let ranges = sections.iter().map(SectionInfo::range).collect();
        let snapshot = Snapshot {
            version: header.version,
            sections,
            ranges,
            storage,
        };
        snapshot.check_structure()?;
        Ok(snapshot)
    }

    /// The bytes of one section.
    pub(crate) fn section_bytes(&self, kind: Kind) -> &[u8] {
        let i = Kind::ALL
            .iter()
            .position(|&k| k == kind)
            .expect("every kind is in ALL");
        &self.storage.bytes()[self.ranges[i].clone()]
    }

    /// An rkyv section, validated at open.
    pub(crate) fn get<S: Section>(&self) -> &S::Archived {
        let bytes = self.section_bytes(S::KIND);
        // SAFETY: `check_structure`, run by every constructor before a `Snapshot` is
        // returned, validated this section with `archive::validate::<S>` over these
        // same bytes; they have not changed since: an owned buffer is never written
        // after that, and a mapped file must not be modified while open (the contract
        // of `Snapshot::open`).
        unsafe { archive::view::<S>(bytes) }
    }

    /// A bitmap-list section, whose frame was checked at open.
    pub(crate) fn bitmap_list(&self, kind: Kind) -> BitmapList<'_> {
        let expected = match kind {
            Kind::Postings => self.term_count(),
            _ => self.group_count(),
        };
        BitmapList::trusted(kind, self.section_bytes(kind), expected)
    }

    /// Every check that makes later reads safe and in bounds (see the type's docs).
    fn check_structure(&self) -> Result<(), Error> {
        let bad = |kind: Kind, problem: String| Error::section(kind.name(), problem);
        let meta = archive::validate::<MetaSection>(self.section_bytes(Kind::Meta))?;
        let n_principals = meta.principals.to_native() as usize;
        let n_tenancies = meta.tenancies.to_native() as usize;
        let n_groups = meta.groups.to_native() as usize;
        let n_terms = meta.terms.to_native() as usize;
        let n_strings = meta.strings.to_native() as usize;
        let count = |kind: Kind, found: usize, expected: usize| {
            if found == expected {
                Ok(())
            } else {
                Err(bad(
                    kind,
                    format!("holds {found} entries where meta says {expected}"),
                ))
            }
        };
        // `what` names the reference; it is only formatted for an error.
        let in_range = |kind: Kind, what: &dyn Fn() -> String, value: u32, len: usize| {
            if (value as usize) < len {
                Ok(())
            } else {
                Err(bad(
                    kind,
                    format!("{} refers to {value}, past the {len} there are", what()),
                ))
            }
        };

        let strings = archive::validate::<StringsSection>(self.section_bytes(Kind::Strings))?;
        count(Kind::Strings, strings.ends.len(), n_strings)?;
        check_strings(&strings.ends, &strings.bytes)?;

        let principals =
            archive::validate::<PrincipalsSection>(self.section_bytes(Kind::Principals))?;
        count(Kind::Principals, principals.len(), n_principals)?;
        // Branch-free maxima first (the common, valid case); the offender only on error.
        let (max_string, max_tenancy) = principals.iter().fold((0, 0), |(s, t), r| {
            let string = r.id.to_native().max(r.compartment.to_native());
            (
                s.max(string.max(r.resource_type.to_native())),
                t.max(r.tenancy.to_native()),
            )
        });
        if !below(max_string, n_strings) || !below(max_tenancy, n_tenancies) {
            for (p, row) in principals.iter().enumerate() {
                let fields = [
                    ("id", row.id.to_native(), n_strings),
                    ("compartment", row.compartment.to_native(), n_strings),
                    ("resource type", row.resource_type.to_native(), n_strings),
                    ("tenancy", row.tenancy.to_native(), n_tenancies),
                ];
                for (field, value, len) in fields {
                    in_range(
                        Kind::Principals,
                        &|| format!("principal {p}'s {field}"),
                        value,
                        len,
                    )?;
                }
            }
        }

        let by_ocid =
            archive::validate::<PrincipalIndexSection>(self.section_bytes(Kind::PrincipalIndex))?;
        count(Kind::PrincipalIndex, by_ocid.len(), n_principals)?;
        all_below(Kind::PrincipalIndex, by_ocid, n_principals)?;

        let tenancies = archive::validate::<TenanciesSection>(self.section_bytes(Kind::Tenancies))?;
        count(Kind::Tenancies, tenancies.len(), n_tenancies)?;
        all_below(Kind::Tenancies, tenancies, n_strings)?;

        let terms = archive::validate::<TermsSection>(self.section_bytes(Kind::Terms))?;
        count(Kind::Terms, terms.len(), n_terms)?;
        for (i, row) in terms.iter().enumerate() {
            let used = match row.kind.to_native() {
                0 | 1 => 1,
                2 => 2,
                3 => 3,
                kind => {
                    return Err(bad(
                        Kind::Terms,
                        format!("term {i} has unknown kind {kind}"),
                    ));
                }
            };
            let fields = [row.a.to_native(), row.b.to_native(), row.c.to_native()];
            for (f, &value) in fields.iter().enumerate() {
                if f < used {
                    in_range(Kind::Terms, &|| format!("term {i}"), value, n_strings)?;
                } else if value != 0 {
                    return Err(bad(
                        Kind::Terms,
                        format!("term {i} has an unused field set"),
                    ));
                }
            }
        }
        BitmapList::parse(Kind::Postings, self.section_bytes(Kind::Postings), n_terms)?;

        let groups = archive::validate::<GroupsSection>(self.section_bytes(Kind::Groups))?;
        count(Kind::Groups, groups.len(), n_groups)?;
        for (g, row) in groups.iter().enumerate() {
            in_range(
                Kind::Groups,
                &|| format!("group {g}'s tenancy"),
                row.tenancy.to_native(),
                n_tenancies,
            )?;
        }
        BitmapList::parse(Kind::Members, self.section_bytes(Kind::Members), n_groups)?;

        let csr =
            archive::validate::<PrincipalGroupsSection>(self.section_bytes(Kind::PrincipalGroups))?;
        count(Kind::PrincipalGroups, csr.offsets.len(), n_principals + 1)?;
        check_offsets(Kind::PrincipalGroups, &csr.offsets, csr.groups.len())?;
        all_below(Kind::PrincipalGroups, &csr.groups, n_groups)?;
        if self.version >= 2 {
            crate::policies::check(self)?;
        }
        if self.version >= 3 {
            crate::domains::check(self, n_groups)?;
        }
        Ok(())
    }

    /// The format version of the file.
    pub fn format_version(&self) -> u32 {
        self.version
    }

    /// The section table.
    pub fn sections(&self) -> &[SectionInfo] {
        &self.sections
    }

    /// The file's size in bytes.
    pub fn file_len(&self) -> u64 {
        self.storage.bytes().len() as u64
    }

    /// Whether the snapshot is memory-mapped (from [`Snapshot::open`]) rather than
    /// copied into memory.
    pub fn is_mapped(&self) -> bool {
        self.storage.is_mapped()
    }
}

fn below(value: u32, len: usize) -> bool {
    (value as usize) < len
}

/// Checks that every value is below `len`: a branch-free maximum, then, only when it
/// fails, the first offender for the message.
fn all_below(kind: Kind, values: &[u32_le], len: usize) -> Result<(), Error> {
    let max = values.iter().fold(0, |m, v| m.max(v.to_native()));
    if values.is_empty() || below(max, len) {
        return Ok(());
    }
    let i = values
        .iter()
        .position(|v| !below(v.to_native(), len))
        .unwrap_or_default();
    Err(Error::section(
        kind.name(),
        format!(
            "entry {i} refers to {}, past the {len} there are",
            values[i].to_native()
        ),
    ))
}

/// Checks compressed-row offsets: from 0, ascending, ending at `len`.
fn check_offsets(kind: Kind, offsets: &[u32_le], len: usize) -> Result<(), Error> {
    let ascending = offsets
        .windows(2)
        .fold(true, |ok, w| ok & (w[0].to_native() <= w[1].to_native()));
    let first = offsets.first().map(|o| o.to_native());
    let last = offsets.last().map(|o| o.to_native() as usize);
    if ascending && first == Some(0) && last == Some(len) {
        Ok(())
    } else {
        Err(Error::section(
            kind.name(),
            "offsets do not ascend from 0 to the end of the entries",
        ))
    }
}

/// Checks the string table: ends ascending and within the bytes, the bytes UTF-8 and
/// every end on a character boundary. All-ASCII bytes (the usual case: OCIDs and tag
/// names) need one pass and no per-string check.
fn check_strings(ends: &[u32_le], bytes: &[u8]) -> Result<(), Error> {
    let bad = |problem: String| Error::section(Kind::Strings.name(), problem);
    let ascending = ends
        .windows(2)
        .fold(true, |ok, w| ok & (w[0].to_native() <= w[1].to_native()));
    let last = ends.last().map_or(0, |e| e.to_native() as usize);
    if !ascending || last > bytes.len() {
        return Err(bad("string ends are out of order or bounds".into()));
    }
    if bytes.is_ascii() {
        return Ok(());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| bad(format!("is not UTF-8: {e}")))?;
    match ends
        .iter()
        .position(|e| !text.is_char_boundary(e.to_native() as usize))
    {
        Some(i) => Err(bad(format!(
            "string {i} does not end on a character boundary"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(e: &[u32]) -> Vec<u32_le> {
        e.iter().map(|&v| u32_le::from_native(v)).collect()
    }

    #[test]
    fn string_tables() {
        let text = "ocidcafé".as_bytes();
        assert!(check_strings(&ends(&[4, 9]), text).is_ok());
        assert!(check_strings(&ends(&[]), b"").is_ok());
        let e = check_strings(&ends(&[4, 8]), text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "snapshot: section \"strings\" string 1 does not end on a character boundary"
        );
        assert!(check_strings(&ends(&[4, 10]), text).is_err());
        assert!(check_strings(&ends(&[5, 4]), text).is_err());
        assert!(check_strings(&ends(&[4]), b"ocid\xff").is_err());
        assert!(check_strings(&ends(&[4]), b"oc\xffd").is_err());
    }

    #[test]
    fn maxima_and_offsets() {
        assert!(all_below(Kind::Groups, &ends(&[0, 3, 2]), 4).is_ok());
        assert!(all_below(Kind::Groups, &ends(&[]), 0).is_ok());
        assert_eq!(
            all_below(Kind::Groups, &ends(&[0, 4, 9]), 4)
                .unwrap_err()
                .to_string(),
            "snapshot: section \"groups\" entry 1 refers to 4, past the 4 there are"
        );
        assert!(check_offsets(Kind::Members, &ends(&[0, 2, 2, 5]), 5).is_ok());
        assert!(check_offsets(Kind::Members, &ends(&[0, 3, 2, 5]), 5).is_err());
        assert!(check_offsets(Kind::Members, &ends(&[1, 5]), 5).is_err());
        assert!(check_offsets(Kind::Members, &ends(&[0, 4]), 5).is_err());
        assert!(check_offsets(Kind::Members, &ends(&[]), 0).is_err());
    }
}
