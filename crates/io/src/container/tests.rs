//! Chunked, pipelined reading gives exactly what a one-thread read of the whole text
//! gives: the same records and the same problems at the same positions, in the same
//! order, for every chunk size and in a pool of one thread as in the global pool.

use dyngroup_index::Principal;
use proptest::prelude::*;

use super::*;
use crate::inventory::principal;
use crate::position::line_starts;
use crate::problem::Location;

type Read = Vec<Result<(Principal, Location), Problem>>;

const FILE: &str = "in.jsonl";

fn build(record: &RawRecord<'_>, ctx: &RecordCtx<'_>) -> Result<(Principal, Location), Problem> {
    principal(record, ctx, Some("ocid1.tenancy.oc1..t"))
}

/// The reader under test: `chunk_bytes` at a time, pipelined on the current pool.
fn chunked(text: &[u8], chunk_bytes: usize) -> Read {
    let mut out = Vec::new();
    read_records(text, FILE, chunk_bytes, &build, &mut |r| out.push(r)).expect("in memory");
    out
}

/// The oracle: the whole text at once, line after line on this thread (a stream of
/// documents is never chunked, so it is read as the reader does).
fn one_thread(text: &[u8]) -> Read {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let starts = line_starts(text);
    let line = |i: usize| &text[starts[i]..starts.get(i + 1).copied().unwrap_or(text.len())];
    let Some(first) = (0..starts.len()).find(|&i| !trim(line(i)).is_empty()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if starts_documents(line(first)) {
        read_documents(text, FILE, &build, &mut |r| out.push(r));
        return out;
    }
    let source = Source::new(text, &starts, 1);
    for i in 0..starts.len() {
        let record = trim(line(i));
        if !record.is_empty() {
            let ctx = RecordCtx::new(FILE, &source, source.offset_of(record).unwrap());
            out.push(parse_record(record, &ctx, &build));
        }
    }
    out
}

fn one_thread_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool")
}

/// Every chunk size from one byte to past the whole file.
fn assert_every_chunk_size_agrees(text: &[u8]) {
    let expected = one_thread(text);
    let pool = one_thread_pool();
    for chunk_bytes in 1..=text.len() + 1 {
        assert_eq!(
            chunked(text, chunk_bytes),
            expected,
            "chunk_bytes {chunk_bytes}"
        );
    }
    for chunk_bytes in [1, 3, text.len() / 2 + 1] {
        let in_pool = pool.install(|| chunked(text, chunk_bytes));
        assert_eq!(
            in_pool, expected,
            "one-thread pool, chunk_bytes {chunk_bytes}"
        );
    }
}

/// One line of a random file (without its line break).
fn line() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        "[a-z0-9.]{1,12}",
        Just("é".to_owned()),
        Just("日本語".to_owned()),
        Just("🦀x".to_owned()),
        "[a-zé日🦀 ]{0,6}",
    ];
    prop_oneof![
        4 => (value.clone(), value.clone()).prop_map(|(id, tag)| format!(
            r#"{{"id": "ocid1.instance.oc1..{id}", "compartment-id": "c", "defined-tags": {{"ops": {{"role": "{tag}"}}}}}}"#
        )),
        1 => value.clone().prop_map(|id| format!(r#"{{"id": "{id}"}}"#)),
        1 => value.clone().prop_map(|id| format!(r#"{{"id": "{id}", "compartment-id": "c", "lifecycle-state": "TERMINATED"}}"#)),
        1 => value.clone().prop_map(|id| format!(
            r#"{{"id": "{id}", "compartment-id": "c", "defined-tags": {{"a": {{"k": "1", "K": "2"}}}}}}"#
        )),
        1 => value.clone().prop_map(|id| format!(r#"{{"id": "{id}", "id": "again", "compartment-id": "c"}}"#)),
        1 => value.clone().prop_map(|id| format!(r#"{{"id": "{id}", "compartment-id": "#)),
        1 => Just("42".to_owned()),
        1 => Just(String::new()),
        1 => Just("   ".to_owned()),
        1 => value.prop_map(|v| format!("  {{\"id\": \"{v}\",\n  \"compartment-id\": \"c\"\n}}")),
    ]
}

/// A random file: lines with LF or CRLF breaks, maybe a byte-order mark, maybe an
/// invalid UTF-8 byte, maybe a pretty document first (then the file is a stream of
/// documents).
fn file() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec((line(), any::<bool>()), 0..24),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(any::<prop::sample::Index>()),
        any::<bool>(),
    )
        .prop_map(|(lines, bom, pretty_first, bad_byte, last_break)| {
            let mut text = Vec::new();
            if bom {
                text.extend_from_slice(b"\xEF\xBB\xBF");
            }
            if pretty_first {
                text.extend_from_slice(
                    b"{\n  \"data\": [\n    {\"id\": \"p\", \"compartment-id\": \"c\"}\n  ]\n}\n",
                );
            }
            let count = lines.len();
            for (i, (line, crlf)) in lines.into_iter().enumerate() {
                text.extend_from_slice(line.as_bytes());
                if i + 1 < count || last_break {
                    text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                }
            }
            if let Some(at) = bad_byte
                && !text.is_empty()
            {
                let at = at.index(text.len());
                text.insert(at, 0xFF);
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn chunked_reading_equals_a_one_thread_read(text in file()) {
        assert_every_chunk_size_agrees(&text);
    }
}

#[test]
fn multi_byte_characters_at_every_chunk_edge() {
    let mut text = String::from("\u{feff}");
    for i in 0..12 {
        text.push_str(&format!(
            "{{\"id\": \"ocid1.instance.oc1..{i}é\", \"compartment-id\": \"日本{i}\", \"defined-tags\": {{\"ops\": {{\"r\": \"🦀\"}}}}}}\r\n"
        ));
        text.push_str(&format!("{{\"id\": \"é{i}\", \"compartment-id\": 🦀}}\n"));
    }
    let expected = one_thread(text.as_bytes());
    assert_eq!(expected.iter().filter(|r| r.is_ok()).count(), 12);
    assert_eq!(expected.iter().filter(|r| r.is_err()).count(), 12);
    assert_every_chunk_size_agrees(text.as_bytes());
}

#[test]
fn pretty_documents_read_alike_whatever_the_chunk_size() {
    let record = |id: &str| {
        format!("{{\n  \"compartment-id\": \"c\",\n  \"id\": \"{id}\",\n  \"x\": \"é\"\n}}\n")
    };
    let text = record("a")
        + "{\n  \"id\": \"b\",\n"
        + &record("c")
        + "[\n{\"id\": \"d\", \"compartment-id\": \"c\"}\n]\n";
    let expected = one_thread(text.as_bytes());
    assert_eq!(expected.iter().filter(|r| r.is_ok()).count(), 3);
    assert_every_chunk_size_agrees(text.as_bytes());
}

/// A reader that gives `ok` bytes of `text`, then fails.
struct FailsAfter<'a> {
    text: &'a [u8],
    ok: usize,
}

impl std::io::Read for FailsAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("the disk went away"));
        }
        let n = buf.len().min(self.ok).min(self.text.len());
        buf[..n].copy_from_slice(&self.text[..n]);
        (self.text, self.ok) = (&self.text[n..], self.ok - n);
        Ok(n)
    }
}

#[test]
fn a_read_failing_midway_keeps_the_whole_chunks_before_it_and_reports_the_failure() {
    let line = |i: usize| format!("{{\"id\": \"{i:03}\", \"compartment-id\": \"c\"}}\n");
    let text: String = (0..100).map(line).collect();
    let per_line = line(0).len(); // every line is this long
    // 30 lines per chunk; the reader fails inside the third chunk.
    let chunk_bytes = 30 * per_line - 1;
    let fails_at = text.len() - 25 * per_line;
    let mut got = Vec::new();
    let reader = io::BufReader::with_capacity(
        64,
        FailsAfter {
            text: text.as_bytes(),
            ok: fails_at,
        },
    );
    let result = read_records(reader, FILE, chunk_bytes, &build, &mut |r| got.push(r));
    assert_eq!(result.unwrap_err().to_string(), "the disk went away");
    let ids: Vec<String> = got.into_iter().map(|r| r.unwrap().0.id).collect();
    // The chunks read whole before the failure (lines 1-30 and 31-60) are handed on,
    // in order; nothing of the chunk being read when it failed (61-90) is.
    assert_eq!(ids.len(), 60);
    assert!(
        ids.iter()
            .enumerate()
            .all(|(i, id)| *id == format!("{i:03}"))
    );
}
