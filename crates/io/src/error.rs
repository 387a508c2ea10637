//! Failures to read or write a file at all (as opposed to [`Problem`](crate::Problem)s
//! with its content).

use std::io;
use std::path::PathBuf;

/// An input or output file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening or reading an input failed (not found, permission denied, …).
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The input, as it was named.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Creating, writing, syncing or renaming an output failed.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The output, as it was named.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub(crate) fn read(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Read {
            path: path.into(),
            source,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Error::Read { path, .. } | Error::Write { path, .. } => path,
        }
    }

    /// The underlying I/O error.
    pub fn io_error(&self) -> &io::Error {
        match self {
            Error::Read { source, .. } | Error::Write { source, .. } => source,
        }
    }
}

impl From<dyngroup_atomic::Error> for Error {
    fn from(e: dyngroup_atomic::Error) -> Error {
        Error::Write {
            path: e.path,
            source: e.source,
        }
    }
}
