//! Opening inputs, and remembering where a record was first seen.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;
use crate::problem::{Location, Problem, ProblemKind};

/// The read buffer for files: large enough that reads are few.
const BUFFER: usize = 256 << 10;

/// One input being read.
pub(crate) struct Input<'a> {
    pub(crate) reader: Box<dyn BufRead + 'a>,
    /// The name problems carry.
    pub(crate) name: String,
    /// The path errors carry.
    pub(crate) path: PathBuf,
    /// Its size, when it is a file.
    pub(crate) size: Option<u64>,
}

impl<'a> Input<'a> {
    /// Opens a file; `-` is standard input, named `<stdin>`.
    pub(crate) fn open(path: &Path) -> Result<Input<'static>, Error> {
        if path.as_os_str() == "-" {
            return Ok(Input {
                reader: Box::new(io::stdin().lock()),
                name: "<stdin>".to_owned(),
                path: path.to_owned(),
                size: None,
            });
        }
        let file = File::open(path).map_err(|e| Error::read(path, e))?;
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        Ok(Input {
            reader: Box::new(BufReader::with_capacity(BUFFER, file)),
            name: path.display().to_string(),
            path: path.to_owned(),
            size,
        })
    }

    /// Counts every byte read from this input into `count`.
    pub(crate) fn counted(self, count: &BytesRead) -> Input<'a> {
        Input {
            reader: Box::new(Counted {
                inner: self.reader,
                count: count.clone(),
            }),
            ..self
        }
    }

    /// Wraps a reader, named `name`.
    pub(crate) fn from_reader(reader: impl Read + 'a, name: &str) -> Input<'a> {
        Input {
            reader: Box::new(BufReader::with_capacity(BUFFER, reader)),
            name: name.to_owned(),
            path: PathBuf::from(name),
            size: None,
        }
    }
}

/// How many bytes a reader has read: a handle that can be read from any thread (a
/// progress bar) while the reader runs. Clones share one count.
#[derive(Clone, Debug, Default)]
pub struct BytesRead(Arc<AtomicU64>);

impl BytesRead {
    /// The bytes read so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, bytes: usize) {
        self.0.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// A reader that counts what is consumed from it.
struct Counted<R> {
    inner: R,
    count: BytesRead,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count.add(read);
        Ok(read)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        self.count.add(amount);
    }
}

/// Where a record was first seen: which input (an index into the inputs read) and line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) file: usize,
    pub(crate) line: usize,
}

impl Seen {
    /// `line 3` when seen in input `current`, else `other.jsonl:3`.
    pub(crate) fn describe(self, current: usize, files: &[String]) -> String {
        if self.file == current {
            format!("line {}", self.line)
        } else {
            let name = files.get(self.file).map_or("?", String::as_str);
            format!("{name}:{}", self.line)
        }
    }
}

/// Keeps the first record of each id across the inputs of one reader: a later record
/// with an id already seen is the problem returned, naming where the first one was.
pub(crate) fn first_of_id(
    by_id: &mut HashMap<String, Seen>,
    files: &[String],
    file: usize,
    (what, id): (&str, &str),
    at: Location,
) -> Result<(), Problem> {
    if let Some(first) = by_id.get(id) {
        let message = format!(
            "duplicate {what} id `{id}` (first at {})",
            first.describe(file, files)
        );
        return Err(Problem::error(
            &files[file],
            at,
            ProblemKind::DuplicateId,
            message,
        ));
    }
    by_id.insert(
        id.to_owned(),
        Seen {
            file,
            line: at.line,
        },
    );
    Ok(())
}
