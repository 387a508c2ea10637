//! Oracle Cloud IDs shaped like the real ones.
//!
//! `ocid1.<type>.oc1.<region>.<unique>` for regional resources and
//! `ocid1.<type>.oc1..<unique>` for global ones (tenancies, compartments, dynamic
//! groups), where `<unique>` is 60 lowercase base32 characters. Real global OCIDs
//! start their unique part with `aaaaaaaa`; real instance OCIDs start with a short
//! region-specific prefix (`anuwcljt…` in Ashburn), so both are imitated.
//!
//! Tenancy, compartment and group OCIDs are pure functions of `(seed, tenancy,
//! index)`, so a rule can name another tenancy's compartment without anyone storing it.

use crate::rng::Rng;

/// Length of the unique part of an OCID.
pub const UNIQUE_LEN: usize = 60;

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A region: its OCID segment and the prefix real instance OCIDs there start with.
#[derive(Debug)]
pub struct Region {
    /// The segment after `oc1.` (`iad`, `eu-frankfurt-1`, …).
    pub code: &'static str,
    /// First characters of instance OCIDs' unique part in this region.
    pub instance_prefix: &'static str,
}

/// Regions in rough order of popularity (older regions use airport codes in OCIDs).
pub const REGIONS: &[Region] = &[
    Region {
        code: "iad",
        instance_prefix: "anuwcljt",
    },
    Region {
        code: "phx",
        instance_prefix: "anyhqljt",
    },
    Region {
        code: "eu-frankfurt-1",
        instance_prefix: "antheljt",
    },
    Region {
        code: "uk-london-1",
        instance_prefix: "anwgiljt",
    },
    Region {
        code: "ap-tokyo-1",
        instance_prefix: "anxhiljr",
    },
    Region {
        code: "ca-toronto-1",
        instance_prefix: "anqxeljr",
    },
    Region {
        code: "ap-sydney-1",
        instance_prefix: "anzxsljr",
    },
    Region {
        code: "sa-saopaulo-1",
        instance_prefix: "antxeljr",
    },
    Region {
        code: "ap-mumbai-1",
        instance_prefix: "anrg6ljr",
    },
    Region {
        code: "eu-amsterdam-1",
        instance_prefix: "anqhiljr",
    },
];

/// Stream ids for the hash-derived OCIDs (arbitrary distinct constants).
const TENANCY: u64 = 0x7465_6e61;
const COMPARTMENT: u64 = 0x636f_6d70;
const GROUP: u64 = 0x6772_6f75;

/// Appends `prefix` and then random base32 up to [`UNIQUE_LEN`] characters.
pub fn push_unique(out: &mut String, prefix: &str, rng: &mut Rng) {
    out.push_str(prefix);
    let mut left = UNIQUE_LEN - prefix.len();
    while left > 0 {
        // 12 characters of 5 bits from each 64-bit draw.
        let mut bits = rng.next_u64();
        for _ in 0..left.min(12) {
            out.push(BASE32[(bits & 31) as usize] as char);
            bits >>= 5;
        }
        left -= left.min(12);
    }
}

/// Appends a regional OCID of `kind` to `out`.
pub fn push_regional(out: &mut String, kind: &str, region: &Region, rng: &mut Rng) {
    out.push_str("ocid1.");
    out.push_str(kind);
    out.push_str(".oc1.");
    out.push_str(region.code);
    out.push('.');
    let prefix = if kind == "instance" {
        region.instance_prefix
    } else {
        "aaaaaaaa"
    };
    push_unique(out, prefix, rng);
}

/// A regional OCID of `kind`.
pub fn regional(kind: &str, region: &Region, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(100);
    push_regional(&mut s, kind, region, rng);
    s
}

/// A global OCID (`ocid1.<kind>.oc1..aaaaaaaa…`).
pub fn global(kind: &str, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(90);
    s.push_str("ocid1.");
    s.push_str(kind);
    s.push_str(".oc1..");
    push_unique(&mut s, "aaaaaaaa", rng);
    s
}

/// The OCID of tenancy `t`.
pub fn tenancy(seed: u64, t: u32) -> String {
    global("tenancy", &mut Rng::stream(seed, &[TENANCY, u64::from(t)]))
}

/// The OCID of compartment `c` of tenancy `t`.
pub fn compartment(seed: u64, t: u32, c: u32) -> String {
    let path = [COMPARTMENT, u64::from(t), u64::from(c)];
    global("compartment", &mut Rng::stream(seed, &path))
}

/// The OCID of dynamic group `g` of tenancy `t`.
pub fn dynamic_group(seed: u64, t: u32, g: u32) -> String {
    let path = [GROUP, u64::from(t), u64::from(g)];
    global("dynamicgroup", &mut Rng::stream(seed, &path))
}

/// Whether `s` has the shape this module produces (used by the tests).
pub fn is_well_formed(s: &str, kind: Option<&str>) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    let unique_ok = |u: &str| u.len() == UNIQUE_LEN && u.bytes().all(|b| BASE32.contains(&b));
    parts.len() == 5
        && parts[0] == "ocid1"
        && kind.is_none_or(|k| parts[1] == k)
        && !parts[1].is_empty()
        && parts[2] == "oc1"
        && (parts[3].is_empty() || REGIONS.iter().any(|r| r.code == parts[3]))
        && unique_ok(parts[4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let mut rng = Rng::new(3);
        let i = regional("instance", &REGIONS[0], &mut rng);
        assert!(i.starts_with("ocid1.instance.oc1.iad.anuwcljt"), "{i}");
        assert!(is_well_formed(&i, Some("instance")));
        let f = regional("fnfunc", &REGIONS[2], &mut rng);
        assert!(
            f.starts_with("ocid1.fnfunc.oc1.eu-frankfurt-1.aaaaaaaa"),
            "{f}"
        );
        let c = compartment(42, 3, 4);
        assert!(c.starts_with("ocid1.compartment.oc1..aaaaaaaa"));
        assert!(is_well_formed(&c, Some("compartment")));
        assert!(is_well_formed(&tenancy(42, 0), Some("tenancy")));
        assert!(!is_well_formed("ocid1.instance.oc1.iad.short", None));
    }

    #[test]
    fn derived_ocids_are_stable_and_distinct() {
        assert_eq!(compartment(42, 1, 2), compartment(42, 1, 2));
        assert_ne!(compartment(42, 1, 2), compartment(42, 2, 1));
        assert_ne!(tenancy(42, 1), tenancy(43, 1));
    }
}
