//! The one error type of the crate.

use crate::layout::{FORMAT_VERSION, OLDEST_READABLE_VERSION};
use dyngroup_index::parts::PartsError;
use std::path::PathBuf;

/// Why a snapshot could not be written, opened or used. Every message starts with
/// `snapshot:` and names the section at fault when there is one:
/// `snapshot: section "postings" checksum mismatch`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing the file failed.
    #[error("snapshot: {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with the snapshot magic number.
    #[error("snapshot: not a dyngroup snapshot (bad magic number)")]
    NotASnapshot,
    /// The file is a snapshot of a format version this build does not read.
    #[error(
        "snapshot: format version {found} is not supported (this build reads versions {oldest} to {newest})",
        oldest = OLDEST_READABLE_VERSION,
        newest = FORMAT_VERSION
    )]
    UnsupportedVersion {
        /// The version the file declares.
        found: u32,
    },
    /// The fixed header or the section table is damaged.
    #[error("snapshot: header: {0}")]
    Header(String),
    /// A section is missing, misplaced, damaged or inconsistent.
    #[error("snapshot: section \"{section}\" {problem}")]
    Section {
        /// The section's name.
        section: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Something outside any section is wrong (bytes after the last section).
    #[error("snapshot: {0}")]
    Layout(String),
    /// The sections are each valid but do not make an index together.
    #[error("snapshot: cannot rebuild the index: {0}")]
    Rebuild(#[from] PartsError),
    /// The index cannot be written as a snapshot (too large for the format, or the
    /// memberships are not the index's).
    #[error("snapshot: cannot write: {0}")]
    Unwritable(String),
}

impl Error {
    pub(crate) fn section(section: &str, problem: impl Into<String>) -> Error {
        Error::Section {
            section: section.to_owned(),
            problem: problem.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
