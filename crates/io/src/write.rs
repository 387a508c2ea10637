//! Writing memberships as JSON Lines, one JSON array, or CSV.
//!
//! The records borrow their strings, so the caller builds them from whatever holds the
//! memberships (the index, or anything else) without copying. Records are written as
//! they come: nothing is collected, so any number of groups can be written.
//! [`write_group_members_parallel`] and [`write_principal_groups_parallel`] format
//! records in parallel and write the same bytes.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

pub use parallel::{write_group_members_parallel, write_principal_groups_parallel};

mod parallel;

/// An output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line.
    #[default]
    Jsonl,
    /// One JSON array of the records, one record per line.
    Json,
    /// RFC 4180 CSV with a header line, one row per membership (lines end in `\n`).
    Csv,
}

impl Format {
    /// The format's name: `jsonl`, `json` or `csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not `jsonl`, `json` or `csv`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}` (expected jsonl, json or csv)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        [Format::Jsonl, Format::Json, Format::Csv]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// One group and its members (`--by group`).
///
/// JSON: `{"tenancy-id": …, "group-id": …, "name": …, "count": N, "members": [ids]}`.
/// CSV: `tenancy_id,group_id,name,member_id`, one row per member; a group without
/// members gets one row with an empty `member_id`, so that no group is lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMembersRecord<'a> {
    /// The group's tenancy.
    pub tenancy_id: &'a str,
    /// The group's OCID.
    pub group_id: &'a str,
    /// The group's name.
    pub name: &'a str,
    /// The members' OCIDs.
    pub members: Vec<&'a str>,
}

impl Serialize for GroupMembersRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut record = serializer.serialize_struct("GroupMembersRecord", 5)?;
        record.serialize_field("tenancy-id", self.tenancy_id)?;
        record.serialize_field("group-id", self.group_id)?;
        record.serialize_field("name", self.name)?;
        record.serialize_field("count", &self.members.len())?;
        record.serialize_field("members", &self.members)?;
        record.end()
    }
}

/// One principal and its groups (`--by principal`).
///
/// JSON: `{"id": …, "tenancy-id": …, "groups": [names]}`.
/// CSV: `principal_id,tenancy_id,group_name`, one row per group; a principal in no
/// group gets one row with an empty `group_name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrincipalGroupsRecord<'a> {
    /// The principal's OCID.
    pub id: &'a str,
    /// Its tenancy.
    #[serde(rename = "tenancy-id")]
    pub tenancy_id: &'a str,
    /// The names of its groups.
    pub groups: Vec<&'a str>,
}

/// A record that can be written in every format.
pub(crate) trait Record: Serialize {
    const CSV_HEADER: &'static str;

    /// The CSV rows of the record.
    fn csv_rows(&self, out: &mut dyn Write) -> io::Result<()>;
}

impl Record for GroupMembersRecord<'_> {
    const CSV_HEADER: &'static str = "tenancy_id,group_id,name,member_id";

    fn csv_rows(&self, out: &mut dyn Write) -> io::Result<()> {
        let members: &[&str] = if self.members.is_empty() {
            &[""]
        } else {
            &self.members
        };
        members.iter().try_for_each(|member| {
            csv_row(out, &[self.tenancy_id, self.group_id, self.name, member])
        })
    }
}

impl Record for PrincipalGroupsRecord<'_> {
    const CSV_HEADER: &'static str = "principal_id,tenancy_id,group_name";

    fn csv_rows(&self, out: &mut dyn Write) -> io::Result<()> {
        let groups: &[&str] = if self.groups.is_empty() {
            &[""]
        } else {
            &self.groups
        };
        groups
            .iter()
            .try_for_each(|group| csv_row(out, &[self.id, self.tenancy_id, group]))
    }
}

/// Writes one CSV row, quoting fields per RFC 4180 where needed.
pub(crate) fn csv_row(out: &mut dyn Write, fields: &[&str]) -> io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_csv_field(out, field)?;
    }
    out.write_all(b"\n")
}

/// One CSV field: as is, or in double quotes (with `"` doubled) when it holds a comma,
/// a double quote, or a line break.
pub fn write_csv_field(out: &mut dyn Write, field: &str) -> io::Result<()> {
    if field.contains([',', '"', '\n', '\r']) {
        out.write_all(b"\"")?;
        out.write_all(field.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(field.as_bytes())
    }
}

/// What the record writers share: the format, and how many records were written.
#[derive(Debug)]
pub(crate) struct Core<W> {
    pub(crate) out: W,
    pub(crate) format: Format,
    pub(crate) written: usize,
}

impl<W: Write> Core<W> {
    pub(crate) fn write<R: Record>(&mut self, record: &R) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, record)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, record)?;
            }
            Format::Csv => {
                if self.written == 0 {
                    writeln!(self.out, "{}", R::CSV_HEADER)?;
                }
                record.csv_rows(&mut self.out)?;
            }
        }
        self.written += 1;
        Ok(())
    }

    pub(crate) fn finish<R: Record>(mut self) -> io::Result<W> {
        match self.format {
            Format::Jsonl => {}
            Format::Json if self.written == 0 => self.out.write_all(b"[]\n")?,
            Format::Json => self.out.write_all(b"\n]\n")?,
            Format::Csv if self.written == 0 => writeln!(self.out, "{}", R::CSV_HEADER)?,
            Format::Csv => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes [`GroupMembersRecord`]s one by one; call [`finish`](Self::finish) at the end
/// (it closes the JSON array, writes the CSV header of an empty output, and flushes).
///
/// ```
/// use dyngroup_io::{Format, GroupMembersRecord, GroupMembersWriter};
///
/// let mut writer = GroupMembersWriter::new(Vec::new(), Format::Csv);
/// writer.write(&GroupMembersRecord {
///     tenancy_id: "t",
///     group_id: "g",
///     name: "web, frontend",
///     members: vec!["a", "b"],
/// })?;
/// let out = writer.finish()?;
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "tenancy_id,group_id,name,member_id\nt,g,\"web, frontend\",a\nt,g,\"web, frontend\",b\n"
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct GroupMembersWriter<W> {
    core: Core<W>,
}

impl<W: Write> GroupMembersWriter<W> {
    /// A writer to `out` (buffer it: records are written in small pieces).
    pub fn new(out: W, format: Format) -> Self {
        GroupMembersWriter {
            core: Core {
                out,
                format,
                written: 0,
            },
        }
    }

    /// Writes one record.
    pub fn write(&mut self, record: &GroupMembersRecord<'_>) -> io::Result<()> {
        self.core.write(record)
    }

    /// Ends the output, flushes, and gives the writer back.
    pub fn finish(self) -> io::Result<W> {
        self.core.finish::<GroupMembersRecord<'_>>()
    }
}

/// Writes [`PrincipalGroupsRecord`]s one by one; call [`finish`](Self::finish) at the
/// end.
#[derive(Debug)]
pub struct PrincipalGroupsWriter<W> {
    core: Core<W>,
}

impl<W: Write> PrincipalGroupsWriter<W> {
    /// A writer to `out` (buffer it: records are written in small pieces).
    pub fn new(out: W, format: Format) -> Self {
        PrincipalGroupsWriter {
            core: Core {
                out,
                format,
                written: 0,
            },
        }
    }

    /// Writes one record.
    pub fn write(&mut self, record: &PrincipalGroupsRecord<'_>) -> io::Result<()> {
        self.core.write(record)
    }

    /// Ends the output, flushes, and gives the writer back.
    pub fn finish(self) -> io::Result<W> {
        self.core.finish::<PrincipalGroupsRecord<'_>>()
    }
}

/// Writes every group record to `out` in `format`.
pub fn write_group_members<'a, W: Write>(
    out: W,
    format: Format,
    records: impl IntoIterator<Item = GroupMembersRecord<'a>>,
) -> io::Result<W> {
    let mut writer = GroupMembersWriter::new(out, format);
    for record in records {
        writer.write(&record)?;
    }
    writer.finish()
}

/// Writes every principal record to `out` in `format`.
pub fn write_principal_groups<'a, W: Write>(
    out: W,
    format: Format,
    records: impl IntoIterator<Item = PrincipalGroupsRecord<'a>>,
) -> io::Result<W> {
    let mut writer = PrincipalGroupsWriter::new(out, format);
    for record in records {
        writer.write(&record)?;
    }
    writer.finish()
}
