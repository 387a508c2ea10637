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
//! [`AtomicFile`] is dropped. On Linux the temporary file has no name until the commit
//! (`O_TMPFILE`), so even a process killed while writing leaves nothing behind; it is
//! linked under a temporary name only for the rename. Where that is not available (other
//! systems, file systems without it, no `/proc`), it is a named file from the start. `-` is standard output. A path that exists but is not a
//! regular file (a pipe, `/dev/null`, a terminal) is written in place, never replaced.
//! A symbolic link to a regular file replaces the file it points to, not the link.
//!
//! Several outputs of one run are replaced together: each is [`finish`](AtomicFile::finish)ed
//! (written and synced to its temporary file) and only when every one of them was, all
//! are renamed into place by [`commit_all`]. A failure before that leaves every old
//! output as it was and no temporary file behind. [`same_file`] tells whether two
//! output or input paths name one file, however they are spelled.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A failure to write an output: which one, and what went wrong.
#[derive(Debug)]
pub struct Error {
    /// The output, as it was named.
    pub path: PathBuf,
    /// The underlying error.
    pub source: io::Error,
}

impl Error {
    fn write(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error {
            path: path.into(),
            source,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

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
    /// The path as given, for errors.
    path: PathBuf,
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
        /// The temporary file's name; `None` while it has none (`O_TMPFILE`).
        guard: Option<TempGuard>,
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
    /// Starts writing `path` (`-` is standard output).
    pub fn create(path: impl AsRef<Path>) -> Result<AtomicFile, Error> {
        let path = path.as_ref();
        let failed = |e| Error::write(path, e);
        let target = if path.as_os_str() == "-" {
            Target::Stdout(BufWriter::with_capacity(BUFFER, io::stdout().lock()))
        } else {
            match fs::metadata(path) {
                Ok(meta) if meta.is_file() => {
                    // Through a symbolic link, replace the file, not the link.
                    let dest = fs::canonicalize(path).map_err(failed)?;
                    temp_target(dest, Some(meta.permissions())).map_err(failed)?
                }
                Ok(_) => {
                    let file = OpenOptions::new().write(true).open(path).map_err(failed)?;
                    Target::Direct(BufWriter::with_capacity(BUFFER, file))
                }
                // Not there (or a dangling link, which is replaced by the file).
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    temp_target(path.to_owned(), None).map_err(failed)?
                }
                Err(e) => return Err(failed(e)),
            }
        };
        Ok(AtomicFile {
            path: path.to_owned(),
            target,
        })
    }

    /// Whether the output goes to a temporary file renamed into place on commit.
    pub fn is_atomic(&self) -> bool {
        matches!(self.target, Target::Temp { .. })
    }

    /// Finishes the output: flushes it and, for a regular file, syncs the temporary
    /// file, renames it over the target and syncs the directory. On error the target is
    /// left as it was and the temporary file is removed.
    pub fn commit(self) -> Result<(), Error> {
        commit_all(vec![self.finish()?])
    }

    /// Writes the output out without replacing anything yet: flushes it and syncs the
    /// temporary file. The [`Finished`] output is renamed into place by
    /// [`commit_all`]; dropping it removes the temporary file.
    pub fn finish(self) -> Result<Finished, Error> {
        let path = self.path;
        let failed = |e| Error::write(&path, e);
        let target = match self.target {
            Target::Stdout(mut out) => {
                out.flush().map_err(failed)?;
                None
            }
            Target::Direct(mut out) => {
                out.flush().map_err(failed)?;
                None
            }
            Target::Temp { file, guard, dest } => {
                let file = file.into_inner().map_err(|e| failed(e.into_error()))?;
                file.sync_all().map_err(failed)?;
                let waiting = match guard {
                    Some(guard) => Waiting::Named(guard),
                    None => Waiting::Unnamed(file),
                };
                Some((waiting, dest))
            }
        };
        Ok(Finished { path, target })
    }
}

/// An output written to its temporary file (and synced), not yet renamed into place:
/// see [`commit_all`]. Dropping it removes the temporary file.
#[derive(Debug)]
pub struct Finished {
    path: PathBuf,
    /// The temporary file and where it goes; `None` for an output written in place.
    target: Option<(Waiting, PathBuf)>,
}

/// A finished output's temporary file.
#[derive(Debug)]
enum Waiting {
    Named(TempGuard),
    /// Without a name yet: kept open, to be linked at the commit.
    Unnamed(File),
}

impl Finished {
    /// The output's path, as it was given.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Replaces every output by its temporary file, then syncs their directories.
///
/// Call it only once every output of a run was [finished](AtomicFile::finish): an error
/// before that drops them all, and every old output stays as it was. A rename that
/// fails here (rare: each temporary file is beside its target) leaves the outputs
/// renamed before it replaced, and removes the temporary files of the others.
///
/// ```
/// use std::io::Write;
///
/// let dir = std::env::temp_dir().join(format!("dyngroup-atomic-doc3-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let (a, b) = (dir.join("a.jsonl"), dir.join("b.json"));
///
/// let mut out = dyngroup_atomic::AtomicFile::create(&a).unwrap();
/// out.write_all(b"{}\n").unwrap();
/// let mut report = dyngroup_atomic::AtomicFile::create(&b).unwrap();
/// report.write_all(b"[]\n").unwrap();
/// let finished = vec![out.finish().unwrap(), report.finish().unwrap()];
/// assert!(!a.exists() && !b.exists()); // nothing replaced before all are written
/// dyngroup_atomic::commit_all(finished).unwrap();
/// assert_eq!(std::fs::read_to_string(&b).unwrap(), "[]\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn commit_all(outputs: Vec<Finished>) -> Result<(), Error> {
    let mut renamed = Vec::new();
    for Finished { path, target } in outputs {
        if let Some((waiting, dest)) = target {
            let mut guard = match waiting {
                Waiting::Named(guard) => guard,
                Waiting::Unnamed(file) => {
                    link_unnamed(&file, &dest).map_err(|e| Error::write(&path, e))?
                }
            };
            fs::rename(&guard.path, &dest).map_err(|e| Error::write(&path, e))?;
            guard.armed = false;
            renamed.push((path, dest));
        }
    }
    for (path, dest) in renamed {
        sync_dir(&dest).map_err(|e| Error::write(&path, e))?;
    }
    Ok(())
}

/// Whether two paths name one file: the same spelling, two spellings of one path
/// (`./a`, `dir/../a` when `dir` exists), a symbolic or hard link to it, or `-` twice. A path that does
/// not exist yet is compared by its directory's real path and its name.
///
/// ```
/// let dir = std::env::temp_dir();
/// assert!(dyngroup_atomic::same_file("-".as_ref(), "-".as_ref()));
/// assert!(dyngroup_atomic::same_file(&dir.join("./new.json"), &dir.join("new.json")));
/// assert!(!dyngroup_atomic::same_file(&dir.join("a.json"), &dir.join("b.json")));
/// ```
pub fn same_file(a: &Path, b: &Path) -> bool {
    let stdin_or_stdout = |p: &Path| p.as_os_str() == "-";
    if stdin_or_stdout(a) || stdin_or_stdout(b) {
        return stdin_or_stdout(a) && stdin_or_stdout(b);
    }
    if let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
        #[cfg(not(unix))]
        {
            let _ = (ma, mb);
        }
    }
    match (real_path(a), real_path(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// The real path of `path`, or of its directory joined with its name when it does not
/// exist (yet); `None` when neither resolves. A dangling symbolic link is followed to
/// the file writing through it would create, so two links to one missing file are one
/// output.
fn real_path(path: &Path) -> Option<PathBuf> {
    let mut path = path.to_owned();
    // Links to links: followed a bounded number of times (a loop is not a file).
    for _ in 0..40 {
        if let Ok(real) = fs::canonicalize(&path) {
            return Some(real);
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        match fs::read_link(&path) {
            // Relative targets are relative to the link's directory.
            Ok(target) => path = dir.join(target),
            Err(_) => return Some(fs::canonicalize(dir).ok()?.join(path.file_name()?)),
        }
    }
    None
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
) -> Result<T, Error> {
    let path = path.as_ref();
    let mut out = AtomicFile::create(path)?;
    let value = write(&mut out).map_err(|e| Error::write(path, e))?;
    out.commit()?;
    Ok(value)
}

/// The directory of `dest`, where its temporary file goes.
fn dir_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Creates a file under a fresh temporary name beside `dest` with `create`, which
/// reports `AlreadyExists` for a name that is taken (another process's, or a stale one).
fn create_temp<T>(
    dest: &Path,
    create: impl Fn(&Path) -> io::Result<T>,
) -> io::Result<(T, TempGuard)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = dest
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let dir = dir_of(dest);
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match create(&temp) {
            Ok(made) => {
                let guard = TempGuard {
                    path: temp,
                    armed: true,
                };
                return Ok((made, guard));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// An unnamed file in `dir` (Linux `O_TMPFILE`), if the system and the file system
/// have them and `/proc` can name it later.
#[cfg(target_os = "linux")]
fn unnamed_file(dir: &Path) -> Option<File> {
    use rustix::fs::{CWD, Mode, OFlags, openat};
    if !Path::new("/proc/self/fd").is_dir() {
        return None;
    }
    let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
    let fd = openat(CWD, dir, flags, Mode::from_raw_mode(0o666)).ok()?;
    Some(File::from(fd))
}

#[cfg(not(target_os = "linux"))]
fn unnamed_file(_dir: &Path) -> Option<File> {
    None
}

/// Gives an unnamed file a temporary name beside `dest`, for the rename.
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, dest: &Path) -> io::Result<TempGuard> {
    use rustix::fs::{AtFlags, CWD, linkat};
    use std::os::unix::io::AsRawFd;
    let source = format!("/proc/self/fd/{}", file.as_raw_fd());
    let ((), guard) = create_temp(dest, |temp| {
        linkat(CWD, source.as_str(), CWD, temp, AtFlags::SYMLINK_FOLLOW).map_err(io::Error::from)
    })?;
    Ok(guard)
}

#[cfg(not(target_os = "linux"))]
fn link_unnamed(_file: &File, _dest: &Path) -> io::Result<TempGuard> {
    unreachable!("unnamed files are made only on Linux")
}

/// Creates a temporary file beside `dest`, with `permissions` if given.
fn temp_target(dest: PathBuf, permissions: Option<fs::Permissions>) -> io::Result<Target> {
    let (file, guard) = match unnamed_file(&dir_of(&dest)) {
        Some(file) => (file, None),
        None => {
            let (file, guard) = create_temp(&dest, |temp| {
                OpenOptions::new().write(true).create_new(true).open(temp)
            })?;
            (file, Some(guard))
        }
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
