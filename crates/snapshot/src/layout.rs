//! The frame of a `.dgs` file: the fixed header, the section table, and where each
//! section lies. Hand-written little-endian fields, so that a reader of any version can
//! read them before knowing what the sections hold. See FORMAT.md.

use crate::error::Error;
use std::ops::Range;
use xxhash_rust::xxh3::xxh3_64;

/// The first eight bytes of every snapshot: a non-ASCII byte, `DGS`, then CR LF, EOF
/// (^Z) and LF, so that a text-mode transfer or a truncated download is caught at once.
pub const MAGIC: [u8; 8] = *b"\x89DGS\r\n\x1a\n";

/// The format version this build writes (it reads every version from
/// [`OLDEST_READABLE_VERSION`] to this one).
pub const FORMAT_VERSION: u32 = 3;

/// The oldest format version this build reads.
pub const OLDEST_READABLE_VERSION: u32 = 1;

/// Bytes of the fixed header.
pub(crate) const HEADER_LEN: usize = 32;
/// Bytes of one section-table entry.
pub(crate) const ENTRY_LEN: usize = 40;
/// Bytes of a section name in the table (ASCII, NUL-padded).
pub(crate) const NAME_LEN: usize = 16;
/// Sections start at multiples of this (rkyv archives need aligned bytes).
pub(crate) const ALIGN: usize = 16;
/// A table longer than this is refused before anything is allocated for it.
const MAX_SECTIONS: u32 = 64;

/// The sections, in file order: version 1 has the first ten, version 2 adds
/// `policies`, version 3 `domains`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Meta,
    Strings,
    Principals,
    PrincipalIndex,
    Tenancies,
    Terms,
    Postings,
    Groups,
    Members,
    PrincipalGroups,
    Policies,
    Domains,
}

impl Kind {
    /// Every section of the newest version, in the order they appear.
    pub(crate) const ALL: [Kind; 12] = [
        Kind::Meta,
        Kind::Strings,
        Kind::Principals,
        Kind::PrincipalIndex,
        Kind::Tenancies,
        Kind::Terms,
        Kind::Postings,
        Kind::Groups,
        Kind::Members,
        Kind::PrincipalGroups,
        Kind::Policies,
        Kind::Domains,
    ];

    /// The sections of format `version` (one [`read_header`] accepted), in order.
    pub(crate) fn of_version(version: u32) -> &'static [Kind] {
        match version {
            1 => &Kind::ALL[..10],
            2 => &Kind::ALL[..11],
            _ => &Kind::ALL,
        }
    }

    /// The name in the section table.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Meta => "meta",
            Kind::Strings => "strings",
            Kind::Principals => "principals",
            Kind::PrincipalIndex => "principal-index",
            Kind::Tenancies => "tenancies",
            Kind::Terms => "terms",
            Kind::Postings => "postings",
            Kind::Groups => "groups",
            Kind::Members => "members",
            Kind::PrincipalGroups => "principal-groups",
            Kind::Policies => "policies",
            Kind::Domains => "domains",
        }
    }
}

/// One entry of the section table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionInfo {
    /// The section's name (`"postings"`).
    pub name: String,
    /// Byte offset of its first byte in the file.
    pub offset: u64,
    /// Its length in bytes (padding excluded).
    pub len: u64,
    /// The xxh3-64 of its bytes, as the table records it.
    pub checksum: u64,
}

impl SectionInfo {
    /// Its bytes' position in the file. Only for entries [`read_table`] accepted, which
    /// lie inside the file.
    pub(crate) fn range(&self) -> Range<usize> {
        self.offset as usize..(self.offset + self.len) as usize
    }
}

/// The fixed header, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) version: u32,
    pub(crate) flags: u32,
    pub(crate) sections: u32,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

pub(crate) fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// `n` rounded up to a multiple of [`ALIGN`].
pub(crate) fn align_up(n: u64) -> Option<u64> {
    Some(n.checked_add(ALIGN as u64 - 1)? & !(ALIGN as u64 - 1))
}

fn table_end(sections: u32) -> usize {
    HEADER_LEN + sections as usize * ENTRY_LEN
}

/// Decodes and checks the header and the table's checksum (not the entries).
pub(crate) fn read_header(bytes: &[u8]) -> Result<Header, Error> {
    let seen = bytes.len().min(MAGIC.len());
    if bytes[..seen] != MAGIC[..seen] {
        return Err(Error::NotASnapshot);
    }
    if bytes.len() < HEADER_LEN {
        return Err(Error::Header(format!(
            "truncated: the file has {} bytes, a header needs {HEADER_LEN}",
            bytes.len()
        )));
    }
    let version = u32_at(bytes, 8);
    if !(OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(Error::UnsupportedVersion { found: version });
    }
    let header = Header {
        version,
        flags: u32_at(bytes, 12),
        sections: u32_at(bytes, 16),
    };
    if header.sections > MAX_SECTIONS {
        return Err(Error::Header(format!(
            "{} sections is more than any version has ({MAX_SECTIONS} at most)",
            header.sections
        )));
    }
    let end = table_end(header.sections);
    if bytes.len() < end {
        return Err(Error::Header(format!(
            "truncated: the section table ends at byte {end}, the file has {} bytes",
            bytes.len()
        )));
    }
    if table_checksum(&bytes[..end]) != u64_at(bytes, 24) {
        return Err(Error::Header("checksum mismatch".into()));
    }
    if header.flags != 0 {
        return Err(Error::Header(format!(
            "unknown flags {:#x} (version {} defines none)",
            header.flags, header.version
        )));
    }
    if u32_at(bytes, 20) != 0 {
        return Err(Error::Header("reserved field is not zero".into()));
    }
    Ok(header)
}

/// The checksum stored at bytes 24..32: xxh3-64 of the header's first 24 bytes
/// followed by the section table.
fn table_checksum(header_and_table: &[u8]) -> u64 {
    let mut covered = Vec::with_capacity(header_and_table.len() - 8);
    covered.extend_from_slice(&header_and_table[..24]);
    covered.extend_from_slice(&header_and_table[HEADER_LEN..]);
    xxh3_64(&covered)
}

fn name_of(raw: &[u8]) -> Option<String> {
    let len = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let (name, padding) = raw.split_at(len);
    let valid = !name.is_empty()
        && name
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && padding.iter().all(|&b| b == 0);
    valid.then(|| String::from_utf8_lossy(name).into_owned())
}

/// Decodes the section table of a file whose header [`read_header`] accepted, and
/// checks the frame: sections back to back at aligned offsets, zero padding between
/// them, nothing after the last. Section contents are not looked at.
pub(crate) fn read_table(bytes: &[u8], header: &Header) -> Result<Vec<SectionInfo>, Error> {
    let file_len = bytes.len() as u64;
    let mut sections = Vec::with_capacity(header.sections as usize);
    let mut end = table_end(header.sections) as u64;
    for i in 0..header.sections as usize {
        let at = HEADER_LEN + i * ENTRY_LEN;
        let entry = &bytes[at..at + ENTRY_LEN];
        let name = name_of(&entry[..NAME_LEN])
            .ok_or_else(|| Error::Header(format!("section {i} has an invalid name")))?;
        let info = SectionInfo {
            name,
            offset: u64_at(entry, 16),
            len: u64_at(entry, 24),
            checksum: u64_at(entry, 32),
        };
        let expected = align_up(end).filter(|&o| o == info.offset).ok_or_else(|| {
            Error::section(
                &info.name,
                format!(
                    "starts at byte {}, where byte {} was expected",
                    info.offset,
                    align_up(end).unwrap_or(u64::MAX)
                ),
            )
        })?;
        let section_end = expected
            .checked_add(info.len)
            .filter(|&e| e <= file_len)
            .ok_or_else(|| {
                Error::section(
                    &info.name,
                    format!(
                        "truncated: it needs bytes {}..{}, the file has {file_len}",
                        info.offset,
                        info.offset.saturating_add(info.len)
                    ),
                )
            })?;
        if bytes[end as usize..expected as usize]
            .iter()
            .any(|&b| b != 0)
        {
            return Err(Error::section(
                &info.name,
                "is preceded by padding that is not zero",
            ));
        }
        end = section_end;
        sections.push(info);
    }
    if end != file_len {
        return Err(Error::Layout(format!(
            "{} bytes after the last section",
            file_len - end
        )));
    }
    Ok(sections)
}

/// Checks that the table names exactly the sections of `version`, in order.
pub(crate) fn check_names(sections: &[SectionInfo], version: u32) -> Result<(), Error> {
    let kinds = Kind::of_version(version);
    for (i, kind) in kinds.iter().enumerate() {
        match sections.get(i) {
            Some(s) if s.name == kind.name() => {}
            Some(s) if kinds.iter().any(|k| k.name() == s.name) => {
                return Err(Error::section(
                    &s.name,
                    format!("is at position {i}, where \"{}\" belongs", kind.name()),
                ));
            }
            Some(s) => {
                return Err(Error::section(
                    &s.name,
                    format!("is not a section of format version {version}"),
                ));
            }
            None => return Err(Error::section(kind.name(), "is missing")),
        }
    }
    if let Some(extra) = sections.get(kinds.len()) {
        return Err(Error::section(
            &extra.name,
            format!("is not a section of format version {version}"),
        ));
    }
    Ok(())
}

/// Checks a section's bytes against the table's checksum.
pub(crate) fn check_checksum(bytes: &[u8], section: &SectionInfo) -> Result<(), Error> {
    if xxh3_64(&bytes[section.range()]) == section.checksum {
        Ok(())
    } else {
        Err(Error::section(&section.name, "checksum mismatch"))
    }
}

/// Writes a complete file: header, table, then each section at its aligned offset.
pub(crate) fn write_file<W: std::io::Write>(
    out: &mut W,
    sections: &[(Kind, &[u8])],
) -> std::io::Result<u64> {
    let count = sections.len() as u32;
    let mut head = Vec::with_capacity(table_end(count));
    head.extend_from_slice(&MAGIC);
    head.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    head.extend_from_slice(&0u32.to_le_bytes()); // flags
    head.extend_from_slice(&count.to_le_bytes());
    head.extend_from_slice(&0u32.to_le_bytes()); // reserved
    head.extend_from_slice(&0u64.to_le_bytes()); // checksum, filled below
    let mut offsets = Vec::with_capacity(sections.len());
    let mut end = table_end(count) as u64;
    for (kind, data) in sections {
        let offset = align_up(end).expect("a file smaller than 2^64 bytes");
        let mut name = [0u8; NAME_LEN];
        name[..kind.name().len()].copy_from_slice(kind.name().as_bytes());
        head.extend_from_slice(&name);
        head.extend_from_slice(&offset.to_le_bytes());
        head.extend_from_slice(&(data.len() as u64).to_le_bytes());
        head.extend_from_slice(&xxh3_64(data).to_le_bytes());
        offsets.push(offset);
        end = offset + data.len() as u64;
    }
    let checksum = table_checksum(&head);
    head[24..32].copy_from_slice(&checksum.to_le_bytes());
    out.write_all(&head)?;
    let mut at = head.len() as u64;
    for ((_, data), offset) in sections.iter().zip(offsets) {
        out.write_all(&[0u8; ALIGN][..(offset - at) as usize])?;
        out.write_all(data)?;
        at = offset + data.len() as u64;
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            name_of(b"postings\0\0\0\0\0\0\0\0").as_deref(),
            Some("postings")
        );
        assert_eq!(
            name_of(b"principal-groups").as_deref(),
            Some("principal-groups")
        );
        assert_eq!(name_of(b"\0postings\0\0\0\0\0\0\0"), None);
        assert_eq!(name_of(b"post\0ings\0\0\0\0\0\0\0"), None);
        assert_eq!(name_of(b"Postings\0\0\0\0\0\0\0\0"), None);
        assert_eq!(name_of(&[0; 16]), None);
    }

    #[test]
    fn frame_round_trip() {
        let a = [1u8, 2, 3];
        let b = [9u8; 20];
        let mut file = Vec::new();
        let len = write_file(&mut file, &[(Kind::Meta, &a), (Kind::Strings, &b)]).unwrap();
        assert_eq!(len, file.len() as u64);
        let header = read_header(&file).unwrap();
        assert_eq!(header.sections, 2);
        let table = read_table(&file, &header).unwrap();
        assert_eq!(table[0].offset, 112);
        assert_eq!(table[1].offset, 128);
        assert_eq!(&file[table[1].range()], &b);
        for s in &table {
            check_checksum(&file, s).unwrap();
        }
        assert_eq!(
            check_names(&table, 2).unwrap_err().to_string(),
            "snapshot: section \"principals\" is missing"
        );
    }
}
