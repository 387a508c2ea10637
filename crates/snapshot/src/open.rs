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
    /// The bytes of each section, indexed like [`Kind::ALL`].
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
    /// that is how [`write`](crate::write) replaces snapshots). The bytes are validated
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
        layout::check_names(&sections)?;
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
        let in_range = |kind: Kind, what: &str, value: u32, len: usize| {
            if (value as usize) < len {
                Ok(())
            } else {
                Err(bad(
                    kind,
                    format!("{what} refers to {value}, past the {len} there are"),
                ))
            }
        };

        let strings = archive::validate::<StringsSection>(self.section_bytes(Kind::Strings))?;
        count(Kind::Strings, strings.ends.len(), n_strings)?;
        let text = std::str::from_utf8(&strings.bytes)
            .map_err(|e| bad(Kind::Strings, format!("is not UTF-8: {e}")))?;
        let mut start = 0usize;
        for (i, end) in strings.ends.iter().enumerate() {
            let end = end.to_native() as usize;
            if end < start || end > text.len() || !text.is_char_boundary(end) {
                return Err(bad(Kind::Strings, format!("string {i} has invalid bounds")));
            }
            start = end;
        }

        let principals =
            archive::validate::<PrincipalsSection>(self.section_bytes(Kind::Principals))?;
        count(Kind::Principals, principals.len(), n_principals)?;
        for (p, row) in principals.iter().enumerate() {
            let what = |field: &str| format!("principal {p}'s {field}");
            in_range(Kind::Principals, &what("id"), row.id.to_native(), n_strings)?;
            in_range(
                Kind::Principals,
                &what("compartment"),
                row.compartment.to_native(),
                n_strings,
            )?;
            in_range(
                Kind::Principals,
                &what("resource type"),
                row.resource_type.to_native(),
                n_strings,
            )?;
            in_range(
                Kind::Principals,
                &what("tenancy"),
                row.tenancy.to_native(),
                n_tenancies,
            )?;
        }

        let by_ocid =
            archive::validate::<PrincipalIndexSection>(self.section_bytes(Kind::PrincipalIndex))?;
        count(Kind::PrincipalIndex, by_ocid.len(), n_principals)?;
        for (i, p) in by_ocid.iter().enumerate() {
            in_range(
                Kind::PrincipalIndex,
                &format!("entry {i}"),
                p.to_native(),
                n_principals,
            )?;
        }

        let tenancies = archive::validate::<TenanciesSection>(self.section_bytes(Kind::Tenancies))?;
        count(Kind::Tenancies, tenancies.len(), n_tenancies)?;
        for (t, s) in tenancies.iter().enumerate() {
            in_range(
                Kind::Tenancies,
                &format!("tenancy {t}"),
                s.to_native(),
                n_strings,
            )?;
        }

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
                    in_range(Kind::Terms, &format!("term {i}"), value, n_strings)?;
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
                &format!("group {g}'s tenancy"),
                row.tenancy.to_native(),
                n_tenancies,
            )?;
        }
        BitmapList::parse(Kind::Members, self.section_bytes(Kind::Members), n_groups)?;

        let csr =
            archive::validate::<PrincipalGroupsSection>(self.section_bytes(Kind::PrincipalGroups))?;
        count(Kind::PrincipalGroups, csr.offsets.len(), n_principals + 1)?;
        let mut previous = 0u32;
        for (p, offset) in csr.offsets.iter().enumerate() {
            let offset = offset.to_native();
            let ok = if p == 0 {
                offset == 0
            } else {
                offset >= previous && offset as usize <= csr.groups.len()
            };
            if !ok {
                return Err(bad(
                    Kind::PrincipalGroups,
                    format!("offset {p} is out of order or bounds"),
                ));
            }
            previous = offset;
        }
        if previous as usize != csr.groups.len() {
            return Err(bad(
                Kind::PrincipalGroups,
                "the last offset is not the end of the groups".into(),
            ));
        }
        for (i, g) in csr.groups.iter().enumerate() {
            in_range(
                Kind::PrincipalGroups,
                &format!("entry {i}"),
                g.to_native(),
                n_groups,
            )?;
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
