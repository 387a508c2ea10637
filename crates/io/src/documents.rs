//! A stream of JSON documents, one after another: what `jq '.data[]'` prints (pretty
//! records), several `{"data": …}` pages, arrays, or one document alone.
//!
//! Each document gives records: an array its elements; an object with a `data` member
//! and no `id` the records of `data` (an array, an identity-domain page `{"resources":
//! [...]}`, or one record); any other object is a record itself (a record with an `id`
//! is one even when it has an unknown `data` field: listings never carry an `id`).
//!
//! **A broken document** (invalid JSON) is one problem, at the place it breaks; the
//! lines from its start to where reading resumes are left out (none of a document is
//! used unless all of it parses). Reading resumes at the next line, after the one the
//! broken document starts on, that begins with `{` or `[` in its first column: where
//! `jq`, the OCI CLI and JSON Lines start their documents, while the inside of a pretty
//! document is indented. An array may also start its elements there (`[{…},` then
//! `{…}]`): reading then resumes inside it, its later elements are read as documents,
//! and its punctuation found where a document would start (`,`, `]`, `}`) is skipped
//! as part of the broken document already reported, not reported again.

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::container::{Build, parse_record};
use crate::fields::{Field, JsonType};
use crate::position::{RecordCtx, Source, error_offset, line_starts};
use crate::problem::{Problem, ProblemKind};

/// Reads every record of a stream of documents, calling `sink` with each record's
/// result (and each broken document's problem) in input order.
pub(crate) fn read_documents<T: Send>(
    text: &[u8],
    file: &str,
    build: &impl Build<T>,
    sink: &mut dyn FnMut(Result<T, Problem>),
) {
    let lines = line_starts(text);
    let source = Source::new(text, &lines, 1);
    let split = Split {
        text,
        lines: &lines,
        file,
        source: &source,
    };
    let results: Vec<Result<T, Problem>> = split
        .items()
        .into_par_iter()
        .map(|item| match item {
            Item::Record(record) => {
                let at = source.offset_of(record).unwrap_or(0);
                parse_record(record, &RecordCtx::new(file, &source, at), build)
            }
            Item::Problem(problem) => Err(problem),
        })
        .collect();
    results.into_iter().for_each(sink);
}

/// What a stream holds, in input order: record texts, and problems with documents.
enum Item<'a> {
    Record(&'a [u8]),
    Problem(Problem),
}

struct Split<'a, 's> {
    text: &'a [u8],
    lines: &'s [usize],
    file: &'s str,
    source: &'s Source<'s>,
}

impl<'a> Split<'a, '_> {
    fn items(&self) -> Vec<Item<'a>> {
        let text = self.text;
        let mut items = Vec::new();
        let mut at = 0;
        // Whether a broken document was reported: reading may have resumed inside it.
        let mut resumed = false;
        'streams: while at < text.len() {
            let mut stream =
                serde_json::Deserializer::from_slice(&text[at..]).into_iter::<Doc<'a>>();
            loop {
                let start = skip_blank(text, at + stream.byte_offset());
                let ctx = RecordCtx::new(self.file, self.source, start);
                match stream.next() {
                    None => break 'streams,
                    Some(Ok(doc)) => {
                        let end = at + stream.byte_offset();
                        let whole = text.get(start..end).unwrap_or_default();
                        self.records(whole, doc, &ctx, &mut items);
                    }
                    Some(Err(_))
                        if resumed && matches!(text.get(start), Some(b',' | b']' | b'}')) =>
                    {
                        at = start + 1;
                        continue 'streams;
                    }
                    Some(Err(e)) => {
                        let resume = self.next_document_line(start);
                        // The text up to the error only: what is checked is bounded
                        // by what was read, so many broken documents stay linear.
                        let error_at = at + error_offset(&text[at..], &e);
                        let upto = (error_at + 1).min(text.len());
                        let mut problem = ctx.json_problem_in(&text[at..upto], &e);
                        if error_at >= resume {
                            // It broke inside the next document: this one was cut
                            // short, so say how, where it ends.
                            let cut = text[start..resume].trim_ascii_end();
                            if let Err(e) = serde_json::from_slice::<IgnoredAny>(cut) {
                                problem = ctx.json_problem_in(cut, &e);
                            }
                        }
                        problem.message.push_str(&self.left_out(start, resume));
                        items.push(Item::Problem(problem));
                        resumed = true;
                        at = resume;
                        continue 'streams;
                    }
                }
            }
        }
        items
    }

    /// What a broken document starting at `start` costs, for its message: the text
    /// from there to where reading resumes (the end: `text.len()`).
    fn left_out(&self, start: usize, resume: usize) -> String {
        let from = self.source.locate(start);
        let first = match from.column {
            1 => format!("line {}", from.line),
            column => format!("{}:{column}", from.line),
        };
        if resume >= self.text.len() {
            return format!(" (from {first} to the end left out: no document follows)");
        }
        let to = self.source.locate(resume).line;
        if to - 1 == from.line && from.column == 1 {
            format!(
                " (line {} left out; reading resumes at line {to})",
                from.line
            )
        } else {
            format!(
                " (from {first} to line {} left out; reading resumes at line {to})",
                to - 1
            )
        }
    }

    /// The records of one document, whose text is `whole`.
    fn records(
        &self,
        whole: &'a [u8],
        doc: Doc<'a>,
        ctx: &RecordCtx<'_>,
        items: &mut Vec<Item<'a>>,
    ) {
        match doc {
            Doc::Array(records) => items.extend(records.iter().map(|r| Item::Record(raw_bytes(r)))),
            Doc::Object(None) => items.push(Item::Record(whole)),
            Doc::Object(Some(data)) => match JsonType::of(data) {
                JsonType::Array => self.array(data, ctx, items),
                JsonType::Object => match serde_json::from_str::<Page<'a>>(data.get()) {
                    Ok(Page(None)) => items.push(Item::Record(raw_bytes(data))),
                    Ok(Page(Some(resources))) => match JsonType::of(resources) {
                        JsonType::Array => self.array(resources, ctx, items),
                        JsonType::Null => {}
                        other => items.push(Item::Problem(ctx.problem_at(
                            ctx.at_raw(resources),
                            ProblemKind::NotAnObject,
                            format!(
                                "`resources` must be an array of records, found {}",
                                other.described()
                            ),
                        ))),
                    },
                    Err(e) => items.push(Item::Problem(ctx.json_problem_in(raw_bytes(data), &e))),
                },
                other => items.push(Item::Problem(ctx.problem_at(
                    ctx.at_raw(data),
                    ProblemKind::NotAnObject,
                    format!(
                        "`data` must be an array of records, found {}",
                        other.described()
                    ),
                ))),
            },
            Doc::Other(other) => items.push(Item::Problem(ctx.problem(
                ProblemKind::NotAnObject,
                format!(
                    "expected a JSON array or object, found {}",
                    other.described()
                ),
            ))),
        }
    }

    /// The elements of a JSON array (already known to be valid JSON) as records.
    fn array(&self, array: &'a RawValue, ctx: &RecordCtx<'_>, items: &mut Vec<Item<'a>>) {
        match serde_json::from_str::<Vec<&'a RawValue>>(array.get()) {
            Ok(records) => items.extend(records.iter().map(|r| Item::Record(raw_bytes(r)))),
            Err(e) => items.push(Item::Problem(ctx.json_problem_in(raw_bytes(array), &e))),
        }
    }

    /// Where reading resumes after a document that breaks, starting at `start`: the
    /// next line after `start`'s that begins with `{` or `[`, else the end.
    fn next_document_line(&self, start: usize) -> usize {
        let next = self.lines.partition_point(|&line| line <= start);
        self.lines[next..]
            .iter()
            .copied()
            .find(|&line| matches!(self.text.get(line), Some(b'{' | b'[')))
            .unwrap_or(self.text.len())
    }
}

fn raw_bytes(raw: &RawValue) -> &[u8] {
    raw.get().as_bytes()
}

fn skip_blank(text: &[u8], from: usize) -> usize {
    text[from.min(text.len())..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(text.len(), |i| from + i)
}

/// One JSON document, records kept raw.
#[derive(Debug)]
enum Doc<'a> {
    Array(Vec<&'a RawValue>),
    /// An object and its `data` member, if it has one.
    Object(Option<&'a RawValue>),
    Other(JsonType),
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
        let (mut data, mut has_id) = (None, false);
        while let Some(key) = map.next_key::<DocKey>()? {
            match key {
                DocKey::Data => data = Some(map.next_value::<&'de RawValue>()?),
                DocKey::Id => {
                    has_id = true;
                    map.next_value::<IgnoredAny>()?;
                }
                DocKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Doc::Object(if has_id { None } else { data }))
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

/// The `data` object of an identity-domain listing: its `resources` member (also
/// `Resources`, as SCIM writes it), if it has one; page counters and the rest skipped.
struct Page<'a>(Option<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for Page<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Page<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<'de>, A::Error> {
                let mut resources = None;
                while let Some(Key(is_resources)) = map.next_key_seed(KeyIs("resources"))? {
                    if is_resources {
                        resources = Some(map.next_value::<&'de RawValue>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Page(resources))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// Whether an object is a listing: it has a `data` member and no `id` (values skipped).
pub(crate) struct HasData(pub(crate) bool);

impl<'de> Deserialize<'de> for HasData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HasData;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HasData, A::Error> {
                let (mut has_data, mut has_id) = (false, false);
                while let Some(key) = map.next_key::<DocKey>()? {
                    has_data |= key == DocKey::Data;
                    has_id |= key == DocKey::Id;
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(HasData(has_data && !has_id))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// A map key: whether it is the one wanted, in any case (`resources`, `Resources`).
struct Key(bool);

/// Reads a key as [`Key`], comparing it with the name given.
#[derive(Clone, Copy)]
struct KeyIs(&'static str);

impl<'de> de::DeserializeSeed<'de> for KeyIs {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(Key(key.eq_ignore_ascii_case(self.0)))
    }
}

/// A key of a document's top-level object: `data` (exactly), a record's `id` (any
/// spelling a record field accepts), or another key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DocKey {
    Data,
    Id,
    Other,
}

impl<'de> Deserialize<'de> for DocKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DocKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<DocKey, E> {
                Ok(if key == "data" {
                    DocKey::Data
                } else if Field::of_key(key) == Some(Field::Id) {
                    DocKey::Id
                } else {
                    DocKey::Other
                })
            }
        }
        deserializer.deserialize_str(V)
    }
}
