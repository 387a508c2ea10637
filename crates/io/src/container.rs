//! The containers records come in: JSON Lines, or a stream of JSON documents (arrays,
//! `{"data": …}` pages, or records on their own, one after another).
//!
//! **Detection.** Leading blank lines and a UTF-8 byte-order mark are skipped; then the
//! first non-blank line decides:
//! - it starts with `{` and is a complete object without a `data` member: JSON Lines;
//! - it starts with `{` and is cut short at the end of the line (a pretty-printed
//!   document: `oci … list` or `jq '.data[]'` output), or is a complete object with a
//!   `data` member (one-line pages), or a complete object followed on the line by
//!   another document (`{…} {…}`, `{…}{…}`), or it starts with `[`: a stream of
//!   documents ([`crate::documents`]);
//! - anything else: JSON Lines (its bad lines are reported one by one).
//!
//! **JSON Lines** are read in chunks of whole lines (`chunk_bytes` at a time), each chunk
//! parsed in parallel with rayon while the next one is read and the previous one's
//! records are handed on, in line order: at most three chunks of text and records are
//! held at once, whatever the size of the input. A chunk ends at a line break, so
//! never inside a record or a UTF-8 character, and each line's number is counted as
//! it is read, so every problem keeps its exact `line:column`.
//!
//! **A stream of documents** (pretty-printed records, arrays, `{"data": …}` pages) is
//! read whole and its records parsed in parallel, each located by its byte offset.
//! Documents are not cut into chunks: no line can be told to start a document without
//! parsing what comes before it (an array's elements may start in the first column
//! too), and `oci … list` prints one document per page anyway. So the bounded memory
//! and the overlap with the build are JSON Lines' (what datagen writes and what large
//! fleets are exported as); a stream of documents costs its size in memory.

use std::io::{self, BufRead, Read};

use rayon::prelude::*;

use crate::documents::{HasData, read_documents};
use crate::fields::{RawRecord, TopLevel};
use crate::position::{RecordCtx, Source};
use crate::problem::{Problem, ProblemKind};

/// Builds a value from one object record; runs on rayon's threads.
pub(crate) trait Build<T>: Sync {
    /// The value of a record that is well formed and plain, straight from its text in
    /// one pass, or `None` to have it read field by field by [`build`](Build::build),
    /// which finds every problem and where it is. When it answers, it answers as
    /// `build` would.
    fn quick(&self, _record: &[u8], _ctx: &RecordCtx<'_>) -> Option<T> {
        None
    }

    /// The value of a record from its known fields, or the problem with it.
    fn build(&self, record: &RawRecord<'_>, ctx: &RecordCtx<'_>) -> Result<T, Problem>;
}

impl<T, F> Build<T> for F
where
    F: Fn(&RawRecord<'_>, &RecordCtx<'_>) -> Result<T, Problem> + Sync,
{
    fn build(&self, record: &RawRecord<'_>, ctx: &RecordCtx<'_>) -> Result<T, Problem> {
        self(record, ctx)
    }
}

/// Reads every record of one input, calling `sink` with each record's result in input
/// order.
pub(crate) fn read_records<R: BufRead, T: Send>(
    mut reader: R,
    file: &str,
    chunk_bytes: usize,
    build: &impl Build<T>,
    sink: &mut dyn FnMut(Result<T, Problem>),
) -> io::Result<()> {
    skip_bom(&mut reader)?;
    let mut head = Vec::new();
    let first_start = loop {
        let start = head.len();
        if reader.read_until(b'\n', &mut head)? == 0 {
            return Ok(()); // empty, or only blank lines
        }
        if head[start..].iter().any(|b| !b.is_ascii_whitespace()) {
            break start;
        }
    };
    let documents = starts_documents(&head[first_start..]);
    let ctx = Reading {
        file,
        chunk_bytes: chunk_bytes.max(1),
    };
    if documents {
        reader.read_to_end(&mut head)?;
        read_documents(&head, file, build, sink);
        Ok(())
    } else {
        ctx.lines(io::Cursor::new(head).chain(reader), build, sink)
    }
}

/// Whether a file whose first non-blank line is `first_line` is a stream of documents
/// (else JSON Lines).
fn starts_documents(first_line: &[u8]) -> bool {
    let line = trim(first_line);
    match line.first() {
        Some(b'[') => true,
        Some(b'{') => match probe(line) {
            Probe::Complete { has_data } => has_data,
            Probe::Incomplete | Probe::Followed => true,
            Probe::Invalid => false,
        },
        _ => false,
    }
}

/// What the first line of a `{`-file is.
enum Probe {
    /// One complete object, alone on the line.
    Complete {
        has_data: bool,
    },
    /// A complete object, then the start of another document on the same line.
    Followed,
    /// An object that goes on past the line.
    Incomplete,
    Invalid,
}

fn probe(line: &[u8]) -> Probe {
    let mut values = serde_json::Deserializer::from_slice(line).into_iter::<HasData>();
    match values.next() {
        Some(Ok(HasData(has_data))) => match line[values.byte_offset()..].trim_ascii_start() {
            [] => Probe::Complete { has_data },
            [b'{' | b'[', ..] => Probe::Followed,
            // Anything else after the object is JSON Lines' "trailing characters".
            _ => Probe::Invalid,
        },
        Some(Err(e)) if e.classify() == serde_json::error::Category::Eof => Probe::Incomplete,
        Some(Err(_)) | None => Probe::Invalid,
    }
}

fn skip_bom(reader: &mut impl BufRead) -> io::Result<()> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if reader.fill_buf()?.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    Ok(())
}

fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// How one input is being read.
struct Reading<'f> {
    file: &'f str,
    chunk_bytes: usize,
}

impl Reading<'_> {
    /// JSON Lines, in chunks of whole lines, pipelined: while the pool parses chunk
    /// `k` (each line on its own), this thread hands on chunk `k - 1`'s results and
    /// reads chunk `k + 1`. So reading and what `sink` does (building the index)
    /// overlap parsing, and at most three chunks are held at once: one read, one
    /// parsed, one handed on.
    ///
    /// The parse is a job spawned into the current rayon pool
    /// ([`rayon::in_place_scope`]): reading and `sink` stay on this thread (neither
    /// needs to be `Send`), and a caller inside a pool of one thread cannot deadlock
    /// (it runs the job itself when it waits).
    fn lines<T: Send>(
        &self,
        mut reader: impl BufRead,
        build: &impl Build<T>,
        sink: &mut dyn FnMut(Result<T, Problem>),
    ) -> io::Result<()> {
        let mut next_line = 1;
        let mut chunk = Chunk::read(&mut reader, self.chunk_bytes, &mut next_line, None)?;
        let mut parsed: Vec<Option<Result<T, Problem>>> = Vec::new();
        // The buffers of the chunk parsed last time, and of the results handed on:
        // reused, so the kernel does not zero fresh pages for every chunk.
        let (mut spare_chunk, mut spare_results) = (None, Vec::new());
        loop {
            let mut results = std::mem::take(&mut spare_results);
            let next = rayon::in_place_scope(|scope| {
                scope.spawn(|_| self.parse(&chunk, build, &mut results));
                parsed.drain(..).flatten().for_each(&mut *sink);
                if chunk.at_end {
                    Ok(None)
                } else {
                    let recycled = spare_chunk.take();
                    Chunk::read(&mut reader, self.chunk_bytes, &mut next_line, recycled).map(Some)
                }
            });
            spare_results = std::mem::replace(&mut parsed, results);
            match next {
                Ok(Some(read)) => spare_chunk = Some(std::mem::replace(&mut chunk, read)),
                Ok(None) => break,
                Err(e) => {
                    // What was read whole before the failure is kept.
                    parsed.drain(..).flatten().for_each(&mut *sink);
                    return Err(e);
                }
            }
        }
        parsed.drain(..).flatten().for_each(&mut *sink);
        Ok(())
    }

    /// Parses every line of a chunk on the pool into `results` (emptied first);
    /// `None` for a blank line.
    fn parse<T: Send>(
        &self,
        chunk: &Chunk,
        build: &impl Build<T>,
        results: &mut Vec<Option<Result<T, Problem>>>,
    ) {
        let source = Source::new(&chunk.text, &chunk.starts, chunk.first_line);
        results.clear();
        results.par_extend((0..chunk.starts.len()).into_par_iter().map(|i| {
            let end = chunk.starts.get(i + 1).copied().unwrap_or(chunk.text.len());
            let record = trim(&chunk.text[chunk.starts[i]..end]);
            if record.is_empty() {
                return None;
            }
            // `record` is inside the chunk, so it has an offset.
            let start = source.offset_of(record)?;
            let ctx = RecordCtx::new(self.file, &source, start);
            Some(parse_record(record, &ctx, build))
        }));
    }
}

/// Whole lines of JSON Lines text, read together.
struct Chunk {
    text: Vec<u8>,
    /// Where each line starts in `text`.
    starts: Vec<usize>,
    /// The line number of the first line.
    first_line: usize,
    /// Whether the input ended in (or right after) this chunk.
    at_end: bool,
}

impl Chunk {
    /// Reads whole lines until at least `bytes` are read or the input ends, into the
    /// buffers of `recycled` if given; `next_line` is the number of the first line,
    /// and is moved past the last.
    fn read(
        reader: &mut impl BufRead,
        bytes: usize,
        next_line: &mut usize,
        recycled: Option<Chunk>,
    ) -> io::Result<Chunk> {
        let mut chunk = recycled.unwrap_or_else(|| Chunk {
            text: Vec::with_capacity(bytes.saturating_add(1 << 10).min(64 << 20)),
            starts: Vec::new(),
            first_line: 0,
            at_end: false,
        });
        chunk.text.clear();
        chunk.starts.clear();
        chunk.first_line = *next_line;
        chunk.at_end = false;
        while chunk.text.len() < bytes {
            let start = chunk.text.len();
            if reader.read_until(b'\n', &mut chunk.text)? == 0 {
                chunk.at_end = true;
                break;
            }
            chunk.starts.push(start);
            *next_line += 1;
        }
        Ok(chunk)
    }
}

/// Parses one record's text and builds its value.
pub(crate) fn parse_record<T>(
    record: &[u8],
    ctx: &RecordCtx<'_>,
    build: &impl Build<T>,
) -> Result<T, Problem> {
    if let Some(value) = build.quick(record, ctx) {
        return Ok(value);
    }
    match serde_json::from_slice::<TopLevel<'_>>(record) {
        Err(e) => Err(ctx.json_problem_in(record, &e)),
        Ok(TopLevel::Other(other)) => Err(ctx.problem(
            ProblemKind::NotAnObject,
            format!("expected a JSON object, found {}", other.described()),
        )),
        Ok(TopLevel::Object(fields)) => build.build(&fields, ctx),
    }
}

#[cfg(test)]
mod tests;
