//! End-to-end checks of the generated files: determinism, shapes of records and
//! OCIDs, group-name rules, rule syntax, and the skew of the fleet.

use std::collections::{BTreeMap, HashMap, HashSet};

use datagen::{Params, Profile, generate, ocid};
use serde_json::Value;

mod grammar;

/// A fleet cheaper than S (quick in debug builds) with the same plan.
const CHEAP: Params = Params {
    principals: 20_000,
    tenancies: 300,
    over_limit_tenancies: 2,
};

struct Output {
    inventory: Vec<u8>,
    groups: Vec<u8>,
}

fn run(params: &Params, seed: u64) -> Output {
    let (mut inventory, mut groups) = (Vec::new(), Vec::new());
    generate(params, seed, &mut inventory, &mut groups).expect("writing to memory");
    Output { inventory, groups }
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.ends_with('\n'), "files end with a newline");
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}: {l}", i + 1))
        })
        .collect()
}

fn str_field<'a>(record: &'a Value, field: &str) -> &'a str {
    record[field]
        .as_str()
        .unwrap_or_else(|| panic!("missing string field {field}: {record}"))
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let params = Profile::Sample.params();
    let a = run(&params, 42);
    let b = run(&params, 42);
    assert!(a.inventory == b.inventory && a.groups == b.groups);
    let c = run(&params, 43);
    assert_ne!(a.inventory, c.inventory);
}

/// The committed sample is what the documented command produces: the PRNG stream
/// and every formatting choice are pinned, across runs and platforms.
#[test]
fn committed_sample_is_reproduced() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/sample");
    let out = run(&Profile::Sample.params(), 42);
    let inventory = std::fs::read(format!("{dir}/inventory.jsonl")).expect("committed sample");
    let groups = std::fs::read(format!("{dir}/groups.jsonl")).expect("committed sample");
    assert!(
        out.inventory == inventory && out.groups == groups,
        "datasets/sample differs from `datagen --profile sample --seed 42`; regenerate it \
         (see datasets/README.md) if the change is intended"
    );
}

#[test]
fn inventory_records_have_the_documented_shape() {
    let out = run(&Profile::Sample.params(), 42);
    let records = lines(&out.inventory);
    assert_eq!(records.len() as u64, Profile::Sample.params().principals);
    let mut ids = HashSet::new();
    let mut per_type: HashMap<String, usize> = HashMap::new();
    let (mut terminated, mut explicit_type, mut typed_values) = (0, 0, 0);
    for r in &records {
        let id = str_field(r, "id");
        assert!(ocid::is_well_formed(id, None), "{id}");
        assert!(
            id.split('.')
                .nth(3)
                .is_some_and(|region| !region.is_empty()),
            "{id}"
        );
        assert!(ids.insert(id.to_owned()), "duplicate id {id}");
        let ty = id.split('.').nth(1).unwrap_or_default();
        assert!(datagen::fleet::TYPES.contains(&ty), "{ty}");
        *per_type.entry(ty.to_owned()).or_default() += 1;
        if let Some(explicit) = r.get("resource-type") {
            assert_eq!(explicit.as_str(), Some(ty));
            explicit_type += 1;
        }
        let compartment = str_field(r, "compartment-id");
        let tenancy = str_field(r, "tenancy-id");
        assert!(ocid::is_well_formed(tenancy, Some("tenancy")), "{tenancy}");
        assert!(
            compartment == tenancy || ocid::is_well_formed(compartment, Some("compartment")),
            "{compartment}"
        );
        assert!(!str_field(r, "display-name").is_empty());
        let state = str_field(r, "lifecycle-state");
        terminated += usize::from(state == "TERMINATED");
        assert!(r["freeform-tags"].is_object());
        let defined = r["defined-tags"].as_object().expect("defined-tags object");
        let mut tags = 0;
        for (ns, keys) in defined {
            let keys = keys.as_object().expect("namespace object");
            assert!(!keys.is_empty(), "empty namespace {ns}");
            for v in keys.values() {
                tags += 1;
                assert!(v.is_string() || v.is_u64() || v.is_boolean(), "{v}");
                typed_values += usize::from(!v.is_string());
            }
        }
        assert!(tags <= 8, "{tags} defined tags: {r}");
        if let Some(ot) = defined.get("Oracle-Tags") {
            assert!(str_field(ot, "CreatedOn").starts_with("202"));
            assert!(str_field(ot, "CreatedBy").contains('/'));
        }
    }
    let n = records.len();
    let instances = per_type["instance"];
    assert!(
        instances * 100 >= n * 75 && instances * 100 <= n * 95,
        "{instances} of {n}"
    );
    assert!(per_type.len() >= 6, "{per_type:?}");
    assert!(
        terminated * 100 >= n && terminated * 100 <= n * 8,
        "{terminated} terminated"
    );
    assert!(explicit_type > 0 && explicit_type * 20 < n);
    assert!(typed_values > 0);
}

#[test]
fn groups_obey_oci_rules_and_parse() {
    let params = Profile::Sample.params();
    let out = run(&params, 42);
    let tenancies: HashSet<String> = lines(&out.inventory)
        .iter()
        .map(|r| str_field(r, "tenancy-id").to_owned())
        .collect();
    let mut names: HashMap<String, HashSet<String>> = HashMap::new();
    let mut per_tenancy: BTreeMap<String, usize> = BTreeMap::new();
    let mut group_ids = HashSet::new();
    let mut longest_list = 0;
    for g in lines(&out.groups) {
        let id = str_field(&g, "id");
        assert!(ocid::is_well_formed(id, Some("dynamicgroup")), "{id}");
        assert!(group_ids.insert(id.to_owned()));
        let name = str_field(&g, "name");
        assert!((1..=100).contains(&name.len()), "{name}");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "{name}"
        );
        let tenancy = str_field(&g, "compartment-id");
        assert!(tenancies.contains(tenancy), "group in an unknown tenancy");
        let fresh = names
            .entry(tenancy.to_owned())
            .or_default()
            .insert(name.to_ascii_lowercase());
        assert!(
            fresh,
            "name {name} reused in its tenancy (case-insensitively)"
        );
        *per_tenancy.entry(tenancy.to_owned()).or_default() += 1;
        assert!(str_field(&g, "description").len() <= 400);
        assert_eq!(str_field(&g, "lifecycle-state"), "ACTIVE");
        let rule = str_field(&g, "matching-rule");
        let conditions = grammar::check(rule).unwrap_or_else(|e| panic!("{e}: {rule}"));
        longest_list = longest_list.max(conditions);
    }
    assert!(
        per_tenancy.values().any(|&n| n > 50),
        "a tenancy exceeds the group limit"
    );
    assert!(longest_list >= 100, "some rule lists hundreds of ids");
}

#[test]
fn rule_text_uses_the_varied_real_world_forms() {
    let out = run(&CHEAP, 7);
    let text = String::from_utf8(out.groups).expect("UTF-8");
    for needle in [
        "ANY {",
        "ALL {",
        "Any {",
        "all {",
        "!= ",
        "resource.type = ",
        "\\n  ",
        "\\\"",
        "tag.Oracle-Tags.CreatedBy.value",
        "ocid1.tenancy.oc1..",
    ] {
        assert!(text.contains(needle), "no rule contains {needle:?}");
    }
}

#[test]
fn tenancy_sizes_are_skewed() {
    let params = CHEAP;
    let out = run(&params, 42);
    let mut sizes: HashMap<String, u64> = HashMap::new();
    for r in lines(&out.inventory) {
        *sizes
            .entry(str_field(&r, "tenancy-id").to_owned())
            .or_default() += 1;
    }
    let mut sizes: Vec<u64> = sizes.into_values().collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(sizes.len(), 300);
    assert!(
        sizes[0] * 10 >= params.principals,
        "largest tenancy {}",
        sizes[0]
    );
    assert!(sizes[0] > 4 * sizes[5], "{:?}", &sizes[..6]);
    let median = sizes[sizes.len() / 2];
    assert!(median <= 20, "median tenancy {median}");
    assert!(*sizes.last().unwrap_or(&0) <= 5);
}

/// The four files of a profile, with the compartment tree and policies.
struct Full {
    inventory: Vec<u8>,
    groups: Vec<u8>,
    compartments: Vec<u8>,
    policies: Vec<u8>,
}

fn run_full(params: &Params, seed: u64) -> Full {
    let mut full = Full {
        inventory: Vec::new(),
        groups: Vec::new(),
        compartments: Vec::new(),
        policies: Vec::new(),
    };
    datagen::generate_with_policies(
        params,
        seed,
        &mut full.inventory,
        &mut full.groups,
        &mut full.compartments,
        &mut full.policies,
    )
    .expect("writing to memory");
    full
}

/// The records of a stream of `{"data": [...]}` documents, by document.
fn documents(bytes: &[u8]) -> Vec<Vec<Value>> {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .map(|d| {
            let d = d.expect("a JSON document");
            d["data"].as_array().expect("{\"data\": [...]}").clone()
        })
        .collect()
}

#[test]
fn policies_leave_the_inventory_and_groups_as_they_were_and_are_deterministic() {
    let params = Profile::Sample.params();
    let plain = run(&params, 42);
    let full = run_full(&params, 42);
    assert!(full.inventory == plain.inventory && full.groups == plain.groups);
    let again = run_full(&params, 42);
    assert!(full.compartments == again.compartments && full.policies == again.policies);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/sample");
    let compartments = std::fs::read(format!("{dir}/compartments.json")).expect("committed");
    let policies = std::fs::read(format!("{dir}/policies.json")).expect("committed");
    assert!(
        full.compartments == compartments && full.policies == policies,
        "datasets/sample differs from `datagen --profile sample --seed 42`; regenerate it"
    );
}

#[test]
fn compartment_trees_nest_up_to_depth_six_with_sibling_unique_names() {
    let full = run_full(&CHEAP, 7);
    let inventory = lines(&full.inventory);
    let trees = documents(&full.compartments);
    assert_eq!(
        trees.len(),
        CHEAP.tenancies as usize,
        "one document per tenancy"
    );
    let mut deepest = 0;
    for tree in &trees {
        let root = str_field(&tree[0], "id").to_owned();
        assert!(tree[0]["compartment-id"].is_null(), "the root comes first");
        let mut parent: HashMap<String, String> = HashMap::new();
        let mut names: HashSet<(String, String)> = HashSet::new();
        for c in &tree[1..] {
            let id = str_field(c, "id").to_owned();
            let up = str_field(c, "compartment-id").to_owned();
            assert!(ocid::is_well_formed(&id, Some("compartment")), "{id}");
            assert!(
                up == root || parent.contains_key(&up),
                "parent listed first: {c}"
            );
            let name = str_field(c, "name");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            );
            if c["lifecycle-state"] == "ACTIVE" {
                assert!(
                    names.insert((up.clone(), name.to_ascii_lowercase())),
                    "two siblings named {name}"
                );
            }
            parent.insert(id, up);
        }
        for id in parent.keys() {
            let (mut at, mut depth) = (id.clone(), 0);
            while at != root {
                at = parent[&at].clone();
                depth += 1;
            }
            assert!(depth <= 6, "depth {depth}");
            deepest = deepest.max(depth);
        }
    }
    assert_eq!(deepest, 6, "some tree reaches depth 6");
    // Every principal lives in a compartment of its tenancy's tree.
    let mut all: HashSet<&str> = HashSet::new();
    for tree in &trees {
        for c in tree {
            all.insert(str_field(c, "id"));
        }
    }
    for p in &inventory {
        assert!(all.contains(str_field(p, "compartment-id")), "{p}");
    }
}

#[test]
fn policies_hold_10_to_100_statements_per_tenancy_in_real_shapes() {
    let full = run_full(&CHEAP, 7);
    let trees = documents(&full.compartments);
    let per_tenancy = documents(&full.policies);
    assert_eq!(per_tenancy.len(), trees.len());
    let group_names: HashSet<String> = lines(&full.groups)
        .iter()
        .map(|g| str_field(g, "name").to_owned())
        .collect();
    let mut seen = HashSet::new();
    for (policies, tree) in per_tenancy.iter().zip(&trees) {
        let ids: HashSet<&str> = tree.iter().map(|c| str_field(c, "id")).collect();
        let mut count = 0;
        for p in policies {
            assert!(ocid::is_well_formed(str_field(p, "id"), Some("policy")));
            assert!(
                ids.contains(str_field(p, "compartment-id")),
                "attached in the tree"
            );
            let statements = p["statements"].as_array().expect("a list");
            assert!(!statements.is_empty());
            for s in statements {
                let s = s.as_str().expect("statements are strings");
                count += 1;
                let lower = s.to_ascii_lowercase();
                for (shape, test) in [
                    ("deny", lower.starts_with("deny ")),
                    ("any-user", lower.contains(" any-user ")),
                    (
                        "by ocid",
                        lower.contains("dynamic-group id ocid1.dynamicgroup."),
                    ),
                    (
                        "relative path",
                        lower.contains(" in compartment ") && s.contains(':'),
                    ),
                    ("condition", lower.contains(" where ")),
                    ("compartment id", lower.contains(" in compartment id ")),
                    ("tenancy", lower.ends_with(" in tenancy")),
                    ("domain", s.contains("'Default'/'")),
                    ("endorse", s.starts_with("Endorse ")),
                    ("stale group", s.contains(" old-")),
                ] {
                    if test {
                        seen.insert(shape);
                    }
                }
                if let Some(rest) = s.strip_prefix("Allow dynamic-group ") {
                    let name = rest.split(' ').next().unwrap_or("");
                    if !name.starts_with("old-")
                        && name != "id"
                        && !name.ends_with(',')
                        && !name.starts_with('\'')
                    {
                        assert!(group_names.contains(name), "{s}");
                    }
                }
            }
        }
        assert!((10..=100).contains(&count), "{count} statements");
    }
    assert_eq!(seen.len(), 10, "every shape appears: {seen:?}");
}
