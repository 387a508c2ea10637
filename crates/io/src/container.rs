//! The containers records come in: JSON Lines, or one JSON document (an array, or an
//! object with a `data` member, as the OCI CLI prints).
//!
//! **Detection.** Leading blank lines and a UTF-8 byte-order mark are skipped; then the
//! first non-blank line decides:
//! - it starts with `[`: a document (JSON Lines of arrays would be all non-objects);
//! - it starts with `{` and is a complete JSON value: JSON Lines, unless it is an object
//!   with a `data` member and nothing follows it (a one-line `{"data": [...]}`);
//! - it starts with `{` and the value is cut short at the end of the line: a document
//!   spread over several lines (`oci … list` output), read whole; if that fails to parse
//!   and the next non-blank line is a complete object on its own, the file is JSON Lines
//!   whose first line is broken;
//! - anything else: JSON Lines (its bad lines are reported one by one).
//!
//! **JSON Lines** are read in chunks of whole lines (`chunk_bytes` at a time), each chunk
//! parsed in parallel with rayon and handed on in line order, so only one chunk of text
//! is held at a time. **A document** is read whole; its records are parsed in parallel,
//! each located by its byte offset.

use std::io::{self, BufRead, Read};

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::fields::{JsonType, RawRecord, TopLevel};
use crate::position::{RecordCtx, Source, line_starts};
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
    let mode = match first_byte {
        b'[' => Mode::Document,
        b'{' => match probe(trim(&head[first_start..])) {
            Probe::Complete { has_data: false } | Probe::Invalid => Mode::Lines,
            Probe::Incomplete => Mode::DocumentOrLines,
            Probe::Complete { has_data: true } => loop {
                let start = head.len();
                if reader.read_until(b'\n', &mut head)? == 0 {
                    break Mode::Document;
                }
                if !is_blank(&head[start..]) {
                    break Mode::Lines;
                }
            },
        },
        _ => Mode::Lines,
    };
    let ctx = Reading {
        file,
        chunk_bytes: chunk_bytes.max(1),
    };
    match mode {
        Mode::Lines => ctx.lines(io::Cursor::new(head).chain(reader), build, sink),
        Mode::Document | Mode::DocumentOrLines => {
            reader.read_to_end(&mut head)?;
            let text = head;
            match parse_document(&text) {
                Ok(doc) => ctx.document(&text, doc, build, sink),
                Err(_) if mode == Mode::DocumentOrLines && second_line_is_object(&text) => {
                    return ctx.lines(io::Cursor::new(&text[..]), build, sink);
                }
                Err(e) => {
                    let lines = line_starts(&text);
                    let source = Source::new(&text, &lines, 1);
                    let record = RecordCtx::new(file, &source, 0);
                    sink(Err(record.json_problem_in(&text, &e)));
                }
            }
            Ok(())
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Lines,
    Document,
    DocumentOrLines,
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

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// Whether the second non-blank line of `text` is a complete JSON object on its own.
fn second_line_is_object(text: &[u8]) -> bool {
    let mut lines = text
        .split(|&b| b == b'\n')
        .map(trim)
        .filter(|l| !l.is_empty());
    lines.next();
    lines.next().is_some_and(|line| {
        line.first() == Some(&b'{')
            && matches!(serde_json::from_slice::<HasData>(line), Ok(HasData(_)))
    })
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

    /// One parsed document: its records, parsed in parallel.
    fn document<T: Send>(
        &self,
        text: &[u8],
        doc: Doc<'_>,
        build: &impl Build<T>,
        sink: &mut dyn FnMut(Result<T, Problem>),
    ) {
        let lines = line_starts(text);
        let source = Source::new(text, &lines, 1);
        let whole = trim(text);
        let whole_at = source.offset_of(whole).unwrap_or(0);
        let one = |record: &[u8], sink: &mut dyn FnMut(Result<T, Problem>)| {
            let at = source.offset_of(record).unwrap_or(whole_at);
            sink(parse_record(
                record,
                &RecordCtx::new(self.file, &source, at),
                build,
            ));
        };
        let items: Vec<&RawValue> = match doc {
            Doc::Array(items) => items,
            Doc::Object(None) => return one(whole, sink),
            Doc::Object(Some(data)) => match JsonType::of(data) {
                JsonType::Array => match serde_json::from_str(data.get()) {
                    Ok(items) => items,
                    Err(e) => {
                        let ctx = RecordCtx::new(self.file, &source, whole_at);
                        return sink(Err(ctx.json_problem_in(data.get().as_bytes(), &e)));
                    }
                },
                JsonType::Object => return one(data.get().as_bytes(), sink),
                other => {
                    let ctx = RecordCtx::new(self.file, &source, whole_at);
                    return sink(Err(ctx.problem_at(
                        ctx.at_raw(data),
                        ProblemKind::NotAnObject,
                        format!(
                            "`data` must be an array of records, found {}",
                            other.described()
                        ),
                    )));
                }
            },
            Doc::Other(other) => {
                let ctx = RecordCtx::new(self.file, &source, whole_at);
                return sink(Err(ctx.problem(
                    ProblemKind::NotAnObject,
                    format!(
                        "expected a JSON array or object, found {}",
                        other.described()
                    ),
                )));
            }
        };
        let results: Vec<Result<T, Problem>> = items
            .par_iter()
            .map(|raw| {
                let record = raw.get().as_bytes();
                let at = source.offset_of(record).unwrap_or(whole_at);
                parse_record(record, &RecordCtx::new(self.file, &source, at), build)
            })
            .collect();
        results.into_iter().for_each(sink);
    }
}

/// Parses one record's text and builds its value.
fn parse_record<T>(
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

/// A whole JSON document, records kept raw.
#[derive(Debug)]
enum Doc<'a> {
    Array(Vec<&'a RawValue>),
    /// An object and its `data` member, if it has one.
    Object(Option<&'a RawValue>),
    Other(JsonType),
}

fn parse_document(text: &[u8]) -> Result<Doc<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let doc = Doc::deserialize(&mut de)?;
    de.end()?;
    Ok(doc)
}

impl<'de: 'a, 'a> Deserialize<'de> for Doc<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocVisitor)
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Doc<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array or object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            items.push(item);
        }
        Ok(Doc::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut data = None;
        while let Some(DataKey(is_data)) = map.next_key()? {
            if is_data {
                data = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Doc::Object(data))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Doc::Other(JsonType::String))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Doc::Other(JsonType::Boolean))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Doc::Other(JsonType::Number))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Doc::Other(JsonType::Number))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Doc::Other(JsonType::Number))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Doc::Other(JsonType::Null))
    }
}

/// Whether an object has a `data` member (values skipped).
struct HasData(bool);

impl<'de> Deserialize<'de> for HasData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HasData;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HasData, A::Error> {
                let mut has_data = false;
                while let Some(DataKey(is_data)) = map.next_key()? {
                    has_data |= is_data;
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(HasData(has_data))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// A map key: whether it is `data`.
struct DataKey(bool);

impl<'de> Deserialize<'de> for DataKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DataKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<DataKey, E> {
                Ok(DataKey(key == "data"))
            }
        }
        deserializer.deserialize_str(V)
    }
}
