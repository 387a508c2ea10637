//! dyngroup's one implementation of an atomic file write, shared by `dyngroup-io`
//! (memberships, reports) and `dyngroup-snapshot` (snapshot files, checkpoints).
//! It is a crate of its own because neither may depend on the other and `index` does
//! no IO: the lowest place both can use.
//!
//! Writing an output so that a failed run never leaves it half-written.
//!
//! A regular file (or a path that does not exist yet) is written to a temporary file
//! in the same directory, which is flushed, synced, and renamed over the target only on
//! [`AtomicFile::commit`]; the directory is synced after the rename. A temporary file
//! that is not committed (an error, a panic, an early return) is removed when the
//! [`AtomicFile`] is dropped. `-` is standard output. A path that exists but is not a
//! regular file (a pipe, `/dev/null`, a terminal) is written in place, never replaced.
//! A symbolic link to a regular file replaces the file it points to, not the link.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// An output being written: replaced only when the whole output was written.
///
/// A regular file (or a path that does not exist yet) is written to a temporary file
/// in the same directory, renamed over the target by [`commit`](Self::commit); dropping
/// it uncommitted removes the temporary file. `-` is standard output; an existing path
/// that is not a regular file (a pipe, `/dev/null`) is written in place, never replaced.
///
/// ```
/// use std::io::Write;
///
/// let dir = std::env::temp_dir().join(format!("dyngroup-atomic-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("out.jsonl");
///
/// let mut out = dyngroup_atomic::AtomicFile::create(&path).unwrap();
/// out.write_all(b"{}\n").unwrap();
/// assert!(!path.exists()); // not there until committed
/// out.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    target: Target,
}

#[derive(Debug)]
enum Target {
    Stdout(BufWriter<StdoutLock<'static>>),
    /// An existing file that is not a regular file, written in place.
    Direct(BufWriter<File>),
    /// A temporary file renamed over `dest` on commit. Fields drop in order: the file is
    /// closed before the guard removes it.
    Temp {
        file: BufWriter<File>,
        guard: TempGuard,
        dest: PathBuf,
    },
}

/// Removes a temporary file when dropped, unless disarmed.
#[derive(Debug)]
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

const BUFFER: usize = 256 << 10;

impl AtomicFile {
    /// Starts writing `path` (`-` is standard output). Errors are the operating
    /// system's; the caller names the path.
    pub fn create(path: impl AsRef<Path>) -> io::Result<AtomicFile> {
        let path = path.as_ref();
        let target = if path.as_os_str() == "-" {
            Target::Stdout(BufWriter::with_capacity(BUFFER, io::stdout().lock()))
        } else {
            match fs::metadata(path) {
                Ok(meta) if meta.is_file() => {
                    // Through a symbolic link, replace the file, not the link.
                    let dest = fs::canonicalize(path)?;
                    temp_target(dest, Some(meta.permissions()))?
                }
                Ok(_) => {
                    let file = OpenOptions::new().write(true).open(path)?;
                    Target::Direct(BufWriter::with_capacity(BUFFER, file))
                }
                // Not there (or a dangling link, which is replaced by the file).
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    temp_target(path.to_owned(), None)?
                }
                Err(e) => return Err(e),
            }
        };
        Ok(AtomicFile { target })
    }

    /// Whether the output goes to a temporary file renamed into place on commit.
    pub fn is_atomic(&self) -> bool {
        matches!(self.target, Target::Temp { .. })
    }

    /// Finishes the output: flushes it and, for a regular file, syncs the temporary
    /// file, renames it over the target and syncs the directory. On error the target is
    /// left as it was and the temporary file is removed.
    pub fn commit(self) -> io::Result<()> {
        match self.target {
            Target::Stdout(mut out) => out.flush(),
            Target::Direct(mut out) => out.flush(),
            Target::Temp {
                file,
                mut guard,
                dest,
            } => {
                let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.sync_all()?;
                drop(file);
                fs::rename(&guard.path, &dest)?;
                guard.armed = false;
                sync_dir(&dest)
            }
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Stdout(out) => out.write(buf),
            Target::Direct(out) | Target::Temp { file: out, .. } => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Stdout(out) => out.write_all(buf),
            Target::Direct(out) | Target::Temp { file: out, .. } => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Stdout(out) => out.flush(),
            Target::Direct(out) | Target::Temp { file: out, .. } => out.flush(),
        }
    }
}

/// Writes `path` with `write`, atomically as [`AtomicFile`] does: the output is replaced
/// only if `write` succeeds, and a failed write leaves no temporary file behind.
///
/// ```
/// use std::io::Write;
///
/// let dir = std::env::temp_dir().join(format!("dyngroup-atomic-doc2-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("out.csv");
/// std::fs::write(&path, "old\n").unwrap();
///
/// let failed = dyngroup_atomic::write_atomically(&path, |out| {
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
) -> io::Result<T> {
    let mut out = AtomicFile::create(path)?;
    let value = write(&mut out)?;
    out.commit()?;
    Ok(value)
}

/// Creates a temporary file beside `dest`, with `permissions` if given.
fn temp_target(dest: PathBuf, permissions: Option<fs::Permissions>) -> io::Result<Target> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match dest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = dest
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let mut attempts = 0;
    let (file, temp) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => break (file, temp),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let guard = TempGuard {
        path: temp,
        armed: true,
    };
    if let Some(permissions) = permissions {
        // Keep the replaced file's mode; failing to is not worth failing the run.
        let _ = file.set_permissions(permissions);
    }
    Ok(Target::Temp {
        file: BufWriter::with_capacity(BUFFER, file),
        guard,
        dest,
    })
}

/// Syncs the directory holding `path`, so the rename itself is durable.
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some platforms and file systems cannot sync a directory; the rename is done.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("dyngroup-atomic-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.dgs");
        fs::write(&path, b"old").unwrap();
        let failed = write_atomically(&path, |out| {
            out.write_all(b"half")?;
            Err::<(), _>(io::Error::other("disk on fire"))
        });
        assert_eq!(failed.unwrap_err().to_string(), "disk on fire");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        let len = write_atomically(&path, |out| out.write_all(b"new!").map(|()| 4)).unwrap();
        assert_eq!(len, 4);
        assert_eq!(fs::read(&path).unwrap(), b"new!");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.dgs"], "no temporary file is left");
        fs::remove_dir_all(&dir).unwrap();
    }
}
