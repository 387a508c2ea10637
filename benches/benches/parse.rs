//! JSON parsing of inventory records on one core: serde_json beside sonic-rs (a SIMD
//! parser), both decoding the same serde type (a record's id, compartment, tenancy,
//! resource type, lifecycle state and defined tags, strings borrowed where they need no
//! unescaping, other fields skipped), and dyngroup-io's whole reader (its serde_json
//! parse, field checks and `Principal`s) in a rayon pool of one thread. Throughput is
//! in bytes of JSON Lines, so the figures read as GB/s per core.
//!
//! Then it checks whether sonic-rs reports an error where serde_json does (line and
//! column) on a few broken records: the reader may switch parsers only if it does.
//!
//! Data: the first `DYNGROUP_BENCH_PARSE_MIB` MiB (default 32) of
//! `/tmp/dyngroup-data/<DYNGROUP_BENCH_PROFILE>/inventory.jsonl` (default profile M;
//! generated with datagen when missing), whole lines.
//!
//! Run: `nice -n 10 cargo bench -p dyngroup-benches --bench parse` (about a minute).
//! sonic-rs is built as a portable binary is (no `-C target-cpu=native`: SSE2 on
//! x86-64), as the dyngroup binary would ship.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::hint::black_box;
use std::io::Read;

use criterion::{BenchmarkId, Criterion, Throughput};
use dyngroup_benches::data;
use dyngroup_io::{ReadOptions, read_inventory_from};
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, Visitor};

/// The fields dyngroup reads from an inventory record.
#[derive(Deserialize)]
#[allow(dead_code)] // decoded to be measured, not read
struct Record<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, rename = "compartment-id")]
    compartment_id: Cow<'a, str>,
    #[serde(borrow, rename = "tenancy-id")]
    tenancy_id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "resource-type")]
    resource_type: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "lifecycle-state")]
    lifecycle_state: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "defined-tags")]
    defined_tags: Option<BTreeMap<Cow<'a, str>, Namespace<'a>>>,
    #[serde(rename = "freeform-tags")]
    freeform_tags: Option<IgnoredAny>,
    #[serde(rename = "display-name")]
    display_name: Option<IgnoredAny>,
}

/// One namespace's defined tags: key → value.
type Namespace<'a> = BTreeMap<Cow<'a, str>, TagValue<'a>>;

/// A defined tag's value: a string, or a number or boolean (kept as a flag here).
#[allow(dead_code)] // decoded to be measured, not read
enum TagValue<'a> {
    Text(Cow<'a, str>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for TagValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TagValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tag value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TagValue::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TagValue::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
        }
        deserializer.deserialize_any(V)
    }
}

// The dyngroup binary's allocator, so the reader is measured as the CLI runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|&b| b == b'\n').filter(|l| !l.is_empty())
}

fn sample() -> Vec<u8> {
    let profile = std::env::var("DYNGROUP_BENCH_PROFILE").unwrap_or_else(|_| "M".to_owned());
    let mib: u64 = std::env::var("DYNGROUP_BENCH_PARSE_MIB")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(32);
    let files = data::ensure(&profile, &data::default_dir(&profile)).expect("datagen data");
    let mut text = Vec::new();
    std::fs::File::open(&files.inventory)
        .expect("open the inventory")
        .take(mib << 20)
        .read_to_end(&mut text)
        .expect("read the inventory");
    let whole = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    text.truncate(whole);
    text
}

/// Where each parser reports a few broken records, as (line, column).
fn error_positions() {
    let broken: [&[u8]; 4] = [
        b"{\"id\": \"a\", \"compartment-id\": }",
        b"{\"id\": \"a\",\n  \"compartment-id\" \"c\"}",
        b"{\"id\": \"a\", \"defined-tags\": {\"x\": {\"k\": tru}}}",
        b"{\"id\": \"a\xff\"}",
    ];
    for text in broken {
        let serde = serde_json::from_slice::<Record<'_>>(text).err();
        let sonic = sonic_rs::from_slice::<Record<'_>>(text).err();
        let serde = serde.map(|e| (e.line(), e.column()));
        let sonic = sonic.map(|e| (e.line(), e.column()));
        let same = if serde == sonic { "same" } else { "DIFFERENT" };
        println!(
            "error position: serde_json {serde:?}, sonic-rs {sonic:?}: {same} ({:?})",
            String::from_utf8_lossy(text)
        );
    }
}

fn main() {
    let text = sample();
    let name = format!("{}MiB", text.len() >> 20);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(BenchmarkId::new("serde_json", &name), |b| {
        b.iter(|| {
            for line in lines(&text) {
                black_box(serde_json::from_slice::<Record<'_>>(line).expect("a record"));
            }
        })
    });
    group.bench_function(BenchmarkId::new("sonic-rs", &name), |b| {
        b.iter(|| {
            for line in lines(&text) {
                black_box(sonic_rs::from_slice::<Record<'_>>(line).expect("a record"));
            }
        })
    });
    group.bench_function(BenchmarkId::new("dyngroup-io-reader", &name), |b| {
        b.iter(|| {
            one_thread.install(|| {
                let read = read_inventory_from(&text[..], "in.jsonl", &ReadOptions::default());
                black_box(read.expect("in memory"))
            })
        })
    });
    group.finish();
    c.final_summary();
    error_positions();
}
