//! The containers records come in: JSON Lines, or a stream of JSON documents (arrays,
//! `{"data": …}` pages, or records on their own, one after another).
//!
//! **Detection.** Leading blank lines and a UTF-8 byte-order mark are skipped; then the
//! first non-blank line decides:
//! - it starts with `{` and is a complete object without a `data` member: JSON Lines;
//! - it starts with `{` and is cut short at the end of the line (a pretty-printed
//!   document: `oci … list` or `jq '.data[]'` output), or is a complete object with a
//!   `data` member (one-line pages), or it starts with `[`: a stream of documents
//!   ([`crate::documents`]);
//! - anything else: JSON Lines (its bad lines are reported one by one).
//!
//! **JSON Lines** are read in chunks of whole lines (`chunk_bytes` at a time), each chunk
//! parsed in parallel with rayon and handed on in line order, so only one chunk of text
//! is held at a time. **A stream of documents** is read whole; its records are parsed
//! in parallel, each located by its byte offset.

use std::io::{self, BufRead, Read};

use rayon::prelude::*;

use crate::documents::{HasData, read_documents};
use crate::fields::{RawRecord, TopLevel};
use crate::position::{RecordCtx, Source};
use crate::problem::{Problem, ProblemKind};

/// Builds a value from one object record; runs on rayon's threads.
pub(crate) trait Build<T>:
    Fn(&RawRecord<'_>, &RecordCtx<'_>) -> Result<T, Problem> + Sync
{
}

impl<T, F> Build<T> for F where F: Fn(&RawRecord<'_>, &RecordCtx<'_>) -> Result<T, Problem> + Sync {}

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
    let (first_start, first_byte) = loop {
        let start = head.len();
        if reader.read_until(b'\n', &mut head)? == 0 {
            return Ok(()); // empty, or only blank lines
        }
        if let Some(&b) = head[start..].iter().find(|b| !b.is_ascii_whitespace()) {
            break (start, b);
        }
    };
    let documents = match first_byte {
        b'[' => true,
        b'{' => match probe(trim(&head[first_start..])) {
            Probe::Complete { has_data } => has_data,
            Probe::Incomplete => true,
            Probe::Invalid => false,
        },
        _ => false,
    };
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

/// What the first line of a `{`-file is.
enum Probe {
    Complete { has_data: bool },
    Incomplete,
    Invalid,
}

fn probe(line: &[u8]) -> Probe {
    match serde_json::from_slice::<HasData>(line) {
        Ok(HasData(has_data)) => Probe::Complete { has_data },
        Err(e) if e.classify() == serde_json::error::Category::Eof => Probe::Incomplete,
        Err(_) => Probe::Invalid,
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
    /// JSON Lines, in chunks of whole lines; each chunk parsed in parallel.
    fn lines<T: Send>(
        &self,
        mut reader: impl BufRead,
        build: &impl Build<T>,
        sink: &mut dyn FnMut(Result<T, Problem>),
    ) -> io::Result<()> {
        let mut chunk = Vec::new();
        let mut starts = Vec::new();
        let mut next_line = 1;
        loop {
            chunk.clear();
            starts.clear();
            let first_line = next_line;
            let mut at_end = false;
            while chunk.len() < self.chunk_bytes {
                let start = chunk.len();
                if reader.read_until(b'\n', &mut chunk)? == 0 {
                    at_end = true;
                    break;
                }
                starts.push(start);
                next_line += 1;
            }
            let source = Source::new(&chunk, &starts, first_line);
            let results: Vec<Option<Result<T, Problem>>> = (0..starts.len())
                .into_par_iter()
                .map(|i| {
                    let end = starts.get(i + 1).copied().unwrap_or(chunk.len());
                    let line = &chunk[starts[i]..end];
                    let record = trim(line);
                    if record.is_empty() {
                        return None;
                    }
                    let Some(start) = source.offset_of(record) else {
                        return None; // unreachable: `record` is inside `chunk`
                    };
                    let ctx = RecordCtx::new(self.file, &source, start);
                    Some(parse_record(record, &ctx, build))
                })
                .collect();
            results.into_iter().flatten().for_each(&mut *sink);
            if at_end {
                return Ok(());
            }
        }
    }
}

/// Parses one record's text and builds its value.
pub(crate) fn parse_record<T>(
    record: &[u8],
    ctx: &RecordCtx<'_>,
    build: &impl Build<T>,
) -> Result<T, Problem> {
    match serde_json::from_slice::<TopLevel<'_>>(record) {
        Err(e) => Err(ctx.json_problem_in(record, &e)),
        Ok(TopLevel::Other(other)) => Err(ctx.problem(
            ProblemKind::NotAnObject,
            format!("expected a JSON object, found {}", other.described()),
        )),
        Ok(TopLevel::Object(fields)) => build(&fields, ctx),
    }
}
