//! Corruption: a damaged file is an error naming what is wrong, never a panic and
//! never a different answer.
//!
//! - flipping any single byte (every position, several masks), truncating at every
//!   length, appending garbage: an error;
//! - "resealed" damage (a byte changed and the checksums recomputed, as a malicious
//!   or buggy writer could): opening, verifying, querying and rebuilding never panic.

mod common;

use common::{answers, small_fleet, snapshot_of};
use dyngroup_index::{GroupId, PrincipalId};
use dyngroup_snapshot::{Snapshot, diff};
use proptest::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

fn small() -> Vec<u8> {
    snapshot_of(&small_fleet()).2
}

#[test]
fn the_intact_file_opens() {
    let bytes = small();
    let s = Snapshot::from_bytes(&bytes).unwrap();
    s.verify().unwrap();
    assert_eq!(s.principal_count(), 12);
}

#[test]
fn every_single_byte_flip_is_an_error() {
    let bytes = small();
    for at in 0..bytes.len() {
        for mask in [0x01u8, 0x10, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] ^= mask;
            match Snapshot::from_bytes(&damaged) {
                Ok(_) => panic!("flipping byte {at} with {mask:#x} went unnoticed"),
                Err(e) => assert!(e.to_string().starts_with("snapshot: "), "{e}"),
            }
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = small();
    for len in 0..bytes.len() {
        let err = Snapshot::from_bytes(&bytes[..len]).unwrap_err().to_string();
        assert!(
            err.contains("truncated") || err.contains("not a dyngroup snapshot"),
            "{len}: {err}"
        );
    }
}

/// (name, offset, length) of every section, from the table.
fn table(bytes: &[u8]) -> Vec<(String, usize, usize)> {
    let count = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    (0..count)
        .map(|i| {
            let e = &bytes[32 + 40 * i..32 + 40 * (i + 1)];
            let name = String::from_utf8(e[..16].iter().copied().filter(|&b| b != 0).collect());
            let word = |at: usize| u64::from_le_bytes(e[at..at + 8].try_into().unwrap()) as usize;
            (name.unwrap(), word(16), word(24))
        })
        .collect()
}

/// Recomputes every checksum, so that only the structure checks stand guard.
fn reseal(bytes: &mut [u8]) {
    let sections = table(bytes);
    for (i, (_, offset, len)) in sections.iter().enumerate() {
        let sum = xxh3_64(&bytes[*offset..offset + len]);
        let at = 32 + 40 * i + 32;
        bytes[at..at + 8].copy_from_slice(&sum.to_le_bytes());
    }
    let end = 32 + 40 * sections.len();
    let mut covered = bytes[..24].to_vec();
    covered.extend_from_slice(&bytes[32..end]);
    let sum = xxh3_64(&covered);
    bytes[24..32].copy_from_slice(&sum.to_le_bytes());
}

#[test]
fn errors_name_the_section_and_the_problem() {
    let bytes = small();
    let sections = table(&bytes);
    let named = |name: &str| sections.iter().find(|s| s.0 == name).unwrap().clone();
    let message = |b: &[u8]| Snapshot::from_bytes(b).unwrap_err().to_string();

    for (name, offset, len) in &sections {
        let mut damaged = bytes.clone();
        damaged[offset + len / 2] ^= 0x40;
        assert_eq!(
            message(&damaged),
            format!("snapshot: section \"{name}\" checksum mismatch")
        );
    }

    let mut v4 = bytes.clone();
    v4[8] = 4;
    assert_eq!(
        message(&v4),
        "snapshot: format version 4 is not supported (this build reads versions 1 to 3)"
    );
    let mut v0 = bytes.clone();
    v0[8] = 0;
    assert_eq!(
        message(&v0),
        "snapshot: format version 0 is not supported (this build reads versions 1 to 3)"
    );
    assert_eq!(
        message(b"{\"id\": \"ocid1.instance\"}\n"),
        "snapshot: not a dyngroup snapshot (bad magic number)"
    );
    assert_eq!(
        message(&[]),
        "snapshot: header: truncated: the file has 0 bytes, a header needs 32"
    );
    let mut header = bytes.clone();
    header[20] = 1;
    assert_eq!(message(&header), "snapshot: header: checksum mismatch");
    reseal(&mut header);
    assert_eq!(
        message(&header),
        "snapshot: header: reserved field is not zero"
    );

    let (_, offset, len) = named("postings");
    let err = message(&bytes[..offset + len - 1]);
    assert!(
        err.starts_with("snapshot: section \"postings\" truncated: it needs bytes"),
        "{err}"
    );

    let mut longer = bytes.clone();
    longer.extend_from_slice(b"garbage");
    assert_eq!(message(&longer), "snapshot: 7 bytes after the last section");

    // Damage behind valid checksums is caught by the structure checks.
    let (_, offset, len) = named("principal-groups");
    let mut resealed = bytes.clone();
    resealed[offset..offset + len].fill(0xff);
    reseal(&mut resealed);
    let err = message(&resealed);
    assert!(
        err.starts_with("snapshot: section \"principal-groups\" is not valid"),
        "{err}"
    );

    let (_, offset, _) = named("members");
    let mut resealed = bytes.clone();
    resealed[offset] ^= 1; // the bitmap count
    reseal(&mut resealed);
    assert_eq!(
        message(&resealed),
        "snapshot: section \"members\" holds 7 bitmaps where 6 are expected"
    );
}

/// Every query, rebuild and diff on a snapshot that opened; results are ignored, only
/// panics matter.
fn exercise(s: &Snapshot, original: &Snapshot) {
    let verified = s.verify().is_ok();
    for p in 0..s.principal_count() as u32 {
        let p = PrincipalId::from_raw(p);
        let r = s.principal(p);
        let _ = s.principal_id(r.id);
        let _ = s.groups_of(p).count();
        let _ = s.tenancy_of(p);
    }
    for g in 0..s.group_count() as u32 {
        let g = GroupId::from_raw(g);
        let group = s.group(g);
        let _ = s.group_id(group.tenancy_id, group.name);
        let _ = s.groups_named(group.name);
        let _ = s.member_ocids(g);
    }
    let _ = s.principal_id("ocid1.instance.oc1..p1");
    let _ = s.to_index();
    let _ = diff(s, original);
    let _ = diff(original, s);
    if verified {
        // A crafted file that passes the deep check answers as the index it holds.
        let (index, _) = s.verified_index().unwrap();
        let bytes = dyngroup_snapshot::to_bytes(
            &index,
            &index.evaluate(),
            &dyngroup_snapshot::WriteOptions {
                parse_options: s.parse_options(),
            },
        )
        .unwrap();
        assert_eq!(answers(s), answers(&Snapshot::from_bytes(&bytes).unwrap()));
    }
}

/// A writer that lies: the members stored are not what the rules give. The file
/// opens (its structure is sound) and `query` would answer from it; the deep check
/// refuses it, naming the group.
#[test]
fn crafted_members_fail_the_deep_check() {
    let (index, memberships, _) = snapshot_of(&small_fleet());
    let mut groups = memberships.group_bitmaps().to_vec();
    let g = index
        .group_ids()
        .find(|&g| {
            let t = index.tenancy_principals(index.group_tenancy(g));
            !t.is_subset(&groups[g.index()])
        })
        .expect("a group without every principal of its tenancy");
    let outsider = (index.tenancy_principals(index.group_tenancy(g)) - &groups[g.index()])
        .min()
        .unwrap();
    groups[g.index()].insert(outsider);
    let lie = dyngroup_index::Memberships::from_group_bitmaps(&index, groups, true);
    let bytes = dyngroup_snapshot::to_bytes(&index, &lie, &Default::default()).unwrap();
    let s = Snapshot::from_bytes(&bytes).expect("the structure is sound");
    assert!(
        s.groups_of(PrincipalId::from_raw(outsider)).any(|x| x == g),
        "query believes it"
    );
    assert_eq!(
        s.verify().unwrap_err().to_string(),
        format!(
            "snapshot: section \"members\" group {} does not hold the members its rule gives",
            g.raw()
        )
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn appended_garbage_is_an_error(garbage in prop::collection::vec(any::<u8>(), 1..64)) {
        let mut bytes = small();
        bytes.extend_from_slice(&garbage);
        let err = Snapshot::from_bytes(&bytes).unwrap_err().to_string();
        prop_assert_eq!(err, format!("snapshot: {} bytes after the last section", garbage.len()));
    }

    #[test]
    fn a_flip_anywhere_never_gives_an_answer(at in any::<prop::sample::Index>(), mask in 1u8..) {
        let bytes = small();
        let original = Snapshot::from_bytes(&bytes).unwrap();
        let mut damaged = bytes.clone();
        damaged[at.index(bytes.len())] ^= mask;
        prop_assert!(Snapshot::from_bytes(&damaged).is_err());
        // Nothing else changed: the intact file still answers the same.
        prop_assert_eq!(answers(&Snapshot::from_bytes(&bytes).unwrap()), answers(&original));
    }

    #[test]
    fn resealed_damage_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let bytes = small();
        let original = Snapshot::from_bytes(&bytes).unwrap();
        let first = table(&bytes)[0].1;
        let mut damaged = bytes.clone();
        for (at, value) in edits {
            // Inside the sections: the header is guarded by its own checks.
            let at = first + at.index(bytes.len() - first);
            damaged[at] = value;
        }
        reseal(&mut damaged);
        if let Ok(s) = Snapshot::from_bytes(&damaged) {
            exercise(&s, &original);
        }
    }
}
