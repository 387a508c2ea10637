//! `index-heap DIR`: reads DIR/inventory.jsonl and DIR/groups.jsonl, builds the index,
//! and prints one JSON line: the heap bytes the index holds (allocated and not freed
//! while it was built, counted by a wrapper over the system allocator), the number of
//! indexed principals, and this process's peak RSS. `compare` runs it.

use std::alloc::System;
use std::path::PathBuf;
use std::process::ExitCode;

use dyngroup_benches::data::DataFiles;
use dyngroup_benches::engines::{self, Fleet};
use dyngroup_benches::heap::HeapMeasurement;
use dyngroup_benches::machine::peak_rss_bytes;
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed. stats_alloc already books a reallocation's growth
/// in `bytes_allocated` and its shrink in `bytes_deallocated`; `bytes_reallocated` is
/// the same change again, so adding it would count every resize twice.
fn heap_in_use() -> i128 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i128 - s.bytes_deallocated as i128
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: index-heap DIR (holding inventory.jsonl and groups.jsonl)");
        return ExitCode::from(2);
    };
    let fleet = match Fleet::read(&DataFiles::in_dir(&dir)) {
        Ok(fleet) => fleet,
        Err(e) => {
            eprintln!("index-heap: {e}");
            return ExitCode::FAILURE;
        }
    };
    let before = heap_in_use();
    let index = engines::build(&fleet);
    let after = heap_in_use();
    let measurement = HeapMeasurement {
        index_bytes: (after - before).max(0) as u64,
        indexed_principals: index.principal_count(),
        peak_rss_bytes: peak_rss_bytes(),
    };
    println!(
        "{}",
        serde_json::to_string(&measurement).expect("plain numbers serialize")
    );
    ExitCode::SUCCESS
}
