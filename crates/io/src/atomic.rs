//! Writing an output so that a failed run never leaves it half-written: the one
//! implementation is `dyngroup-atomic` (shared with the snapshot crate); this module
//! names the path in its errors, as every error of this crate does.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// An output being written: replaced only when the whole output was written.
///
/// A regular file (or a path that does not exist yet) is written to a temporary file
/// in the same directory, renamed over the target by [`commit`](Self::commit); dropping
/// it uncommitted removes the temporary file. `-` is standard output; an existing path
/// that is not a regular file (a pipe, `/dev/null`) is written in place, never replaced.
/// (See [`dyngroup_atomic::AtomicFile`], which this wraps.)
///
/// ```
/// use std::io::Write;
///
/// let dir = std::env::temp_dir().join(format!("dyngroup-io-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("out.jsonl");
///
/// let mut out = dyngroup_io::AtomicFile::create(&path).unwrap();
/// out.write_all(b"{}\n").unwrap();
/// assert!(!path.exists()); // not there until committed
/// out.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    /// The path as given, for errors.
    path: PathBuf,
    inner: dyngroup_atomic::AtomicFile,
}

impl AtomicFile {
    /// Starts writing `path` (`-` is standard output).
    pub fn create(path: impl AsRef<Path>) -> Result<AtomicFile, Error> {
        let path = path.as_ref();
        let inner = dyngroup_atomic::AtomicFile::create(path).map_err(|e| Error::write(path, e))?;
        Ok(AtomicFile {
            path: path.to_owned(),
            inner,
        })
    }

    /// Whether the output goes to a temporary file renamed into place on commit.
    pub fn is_atomic(&self) -> bool {
        self.inner.is_atomic()
    }

    /// Finishes the output: flushes it and, for a regular file, syncs the temporary
    /// file, renames it over the target and syncs the directory. On error the target is
    /// left as it was and the temporary file is removed.
    pub fn commit(self) -> Result<(), Error> {
        let path = self.path;
        self.inner.commit().map_err(|e| Error::write(path, e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `path` with `write`, atomically as [`AtomicFile`] does: the output is replaced
/// only if `write` succeeds, and a failed write leaves no temporary file behind.
///
/// ```
/// use std::io::Write;
///
/// let dir = std::env::temp_dir().join(format!("dyngroup-io-doc2-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("out.csv");
/// std::fs::write(&path, "old\n").unwrap();
///
/// let failed = dyngroup_io::write_atomically(&path, |out| {
///     out.write_all(b"half a")?;
///     Err::<(), _>(std::io::Error::other("the run failed"))
/// });
/// assert!(failed.is_err());
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
/// assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1); // no temporary file left
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_atomically<T>(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut AtomicFile) -> io::Result<T>,
) -> Result<T, Error> {
    let path = path.as_ref();
    let mut out = AtomicFile::create(path)?;
    let value = write(&mut out).map_err(|e| Error::write(path, e))?;
    out.commit()?;
    Ok(value)
}
