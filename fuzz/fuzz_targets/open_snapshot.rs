//! Any bytes: opening a snapshot gives a value or an error, never a panic; a snapshot
//! that opens answers every query, verifies, rebuilds and diffs without panicking.
//!
//! Each input is tried twice: as is (almost always stopped by a checksum), and with
//! every checksum recomputed (`reseal`), so that the fuzzer reaches the structure
//! checks behind them. Seed it with the golden files:
//! `cargo +nightly fuzz run open_snapshot corpus/open_snapshot ../crates/snapshot/tests/data`
#![no_main]

use dyngroup_index::{GroupId, PrincipalId};
use dyngroup_snapshot::Snapshot;
use libfuzzer_sys::fuzz_target;
use xxhash_rust::xxh3::xxh3_64;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = Snapshot::from_bytes(data) {
        exercise(&s);
    }
    let mut sealed = data.to_vec();
    if reseal(&mut sealed) {
        if let Ok(s) = Snapshot::from_bytes(&sealed) {
            exercise(&s);
        }
    }
    let _ = dyngroup_snapshot::inspect(data);
});

/// Recomputes the section checksums and the table checksum where the table lies
/// inside the input; false when there is no table to reseal.
fn reseal(bytes: &mut [u8]) -> bool {
    if bytes.len() < 32 {
        return false;
    }
    let count = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let end = 32 + 40 * count.min(64);
    if bytes.len() < end {
        return false;
    }
    for i in 0..count.min(64) {
        let e = 32 + 40 * i;
        let word = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
        let (offset, len) = (word(bytes, e + 16), word(bytes, e + 24));
        let Some(range) = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(len).ok())
            .and_then(|(o, l)| Some(o..o.checked_add(l)?))
            .filter(|r| r.end <= bytes.len())
        else {
            continue;
        };
        let sum = xxh3_64(&bytes[range]);
        bytes[e + 32..e + 40].copy_from_slice(&sum.to_le_bytes());
    }
    let mut covered = bytes[..24].to_vec();
    covered.extend_from_slice(&bytes[32..end]);
    let sum = xxh3_64(&covered);
    bytes[24..32].copy_from_slice(&sum.to_le_bytes());
    true
}

fn exercise(s: &Snapshot) {
    for p in 0..s.principal_count() as u32 {
        let p = PrincipalId::from_raw(p);
        let r = s.principal(p);
        let _ = s.principal_id(r.id);
        let _ = s.groups_of(p).count();
    }
    for g in 0..s.group_count() as u32 {
        let g = GroupId::from_raw(g);
        let group = s.group(g);
        let _ = s.group_id(group.tenancy_id, group.name);
        let _ = s.member_ocids(g);
    }
    let _ = s.verify();
    let _ = s.to_index();
    let _ = dyngroup_snapshot::diff(s, s);
}
