//! Golden files: the committed snapshot of each format version still opens, passes
//! the deep checks and answers exactly as it did when written. The expected answers
//! below were derived once from `dyngroup compute` on the built-in sample and
//! reviewed against docs/semantics.md §2 (tenancy isolation, `!=` on a missing tag,
//! terminated principals in nothing).

use dyngroup_index::{GroupId, PrincipalId};
use dyngroup_rules::ParseOptions;
use dyngroup_snapshot::{Snapshot, WriteOptions};
use std::path::PathBuf;

const EXAMPLE: &str = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy";
const PARTNER: &str = "ocid1.tenancy.oc1..aaaaaaaapartnertenancy";

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Principal OCID → its groups' names, in group order.
const PRINCIPALS: [(&str, &[&str]); 9] = [
    (
        "ocid1.instance.oc1.phx.anyhqljrexampleweb01",
        &[
            "prod-instances",
            "all-instances",
            "prod-without-bastion",
            "web-tier",
            "cost-center-42",
            "has-cost-center",
            "created-by-jane",
            "legacy-list",
        ],
    ),
    (
        "ocid1.instance.oc1.phx.anyhqljrexampleweb02",
        &[
            "prod-instances",
            "all-instances",
            "prod-without-bastion",
            "web-tier",
            "cost-center-42",
            "has-cost-center",
            "created-by-jane",
            "legacy-list",
        ],
    ),
    (
        "ocid1.instance.oc1.phx.anyhqljrexampledb01",
        &[
            "prod-instances",
            "all-instances",
            "has-cost-center",
            "not-web",
        ],
    ),
    (
        "ocid1.instance.oc1.phx.anyhqljrexamplebastion",
        &["prod-instances", "all-instances", "not-web"],
    ),
    (
        "ocid1.instance.oc1.phx.anyhqljrexamplestage01",
        &["all-instances", "web-tier", "created-by-jane"],
    ),
    (
        "ocid1.fnfunc.oc1.phx.aaaaaaaaexamplefunction",
        &["functions", "cost-center-42", "has-cost-center", "not-web"],
    ),
    (
        "ocid1.apigateway.oc1.phx.amaaaaaaexamplegateway",
        &["not-web", "data-science"],
    ),
    (
        "ocid1.datasciencenotebooksession.oc1.phx.amaaaaaaexamplenotebook",
        &["not-web", "data-science"],
    ),
    ("ocid1.instance.oc1.iad.anuwcljrpartnerweb01", &["web-tier"]),
];

/// (tenancy, group name) → the last segment of each member's OCID, in ordinal order.
const GROUPS: [(&str, &str, &[&str]); 14] = [
    (
        EXAMPLE,
        "prod-instances",
        &[
            "anyhqljrexampleweb01",
            "anyhqljrexampleweb02",
            "anyhqljrexampledb01",
            "anyhqljrexamplebastion",
        ],
    ),
    (
        EXAMPLE,
        "all-instances",
        &[
            "anyhqljrexampleweb01",
            "anyhqljrexampleweb02",
            "anyhqljrexampledb01",
            "anyhqljrexamplebastion",
            "anyhqljrexamplestage01",
        ],
    ),
    (
        EXAMPLE,
        "prod-without-bastion",
        &["anyhqljrexampleweb01", "anyhqljrexampleweb02"],
    ),
    (EXAMPLE, "functions", &["aaaaaaaaexamplefunction"]),
    (
        EXAMPLE,
        "web-tier",
        &[
            "anyhqljrexampleweb01",
            "anyhqljrexampleweb02",
            "anyhqljrexamplestage01",
        ],
    ),
    (
        EXAMPLE,
        "cost-center-42",
        &[
            "anyhqljrexampleweb01",
            "anyhqljrexampleweb02",
            "aaaaaaaaexamplefunction",
        ],
    ),
    (
        EXAMPLE,
        "has-cost-center",
        &[
            "anyhqljrexampleweb01",
            "anyhqljrexampleweb02",
            "anyhqljrexampledb01",
            "aaaaaaaaexamplefunction",
        ],
    ),
    (
        EXAMPLE,
        "not-web",
        &[
            "anyhqljrexampledb01",
            "anyhqljrexamplebastion",
            "aaaaaaaaexamplefunction",
            "amaaaaaaexamplegateway",
            "amaaaaaaexamplenotebook",
        ],
    ),
    (
        EXAMPLE,
        "data-science",
        &["amaaaaaaexamplegateway", "amaaaaaaexamplenotebook"],
    ),
    (
        EXAMPLE,
        "created-by-jane",
        &[
            "anyhqljrexampleweb01",
            "anyhqljrexampleweb02",
            "anyhqljrexamplestage01",
        ],
    ),
    (
        EXAMPLE,
        "legacy-list",
        &["anyhqljrexampleweb01", "anyhqljrexampleweb02"],
    ),
    (EXAMPLE, "stale-compartment", &[]),
    // Tenancy isolation: the rule names the partner's instance; no member.
    (EXAMPLE, "partner-web", &[]),
    (PARTNER, "web-tier", &["anuwcljrpartnerweb01"]),
];

#[test]
fn v1_opens_and_answers_the_same() {
    let path = golden("v1.dgs");
    let s = Snapshot::open(&path).expect("the version 1 golden file opens");
    assert_eq!(s.format_version(), 1);
    assert_eq!(s.file_len(), 7092);
    s.verify().expect("and passes the deep checks");
    let names: Vec<&str> = s.sections().iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "meta",
            "strings",
            "principals",
            "principal-index",
            "tenancies",
            "terms",
            "postings",
            "groups",
            "members",
            "principal-groups"
        ]
    );
    assert_eq!(s.writer(), "dyngroup-snapshot 0.1.0");
    assert_eq!(s.parse_options(), ParseOptions::default());
    assert_eq!(
        (s.principal_count(), s.tenancy_count(), s.group_count()),
        (9, 2, 14)
    );
    assert_eq!(
        (s.membership_count(), s.term_count(), s.string_count()),
        (35, 26, 39)
    );

    for (ocid, groups) in PRINCIPALS {
        let p = s
            .principal_id(ocid)
            .unwrap_or_else(|| panic!("{ocid} is indexed"));
        let got: Vec<&str> = s.groups_of(p).map(|g| s.group(g).name).collect();
        assert_eq!(got, groups, "groups of {ocid}");
    }
    // Terminated: not indexed, in no group.
    assert_eq!(
        s.principal_id("ocid1.instance.oc1.phx.anyhqljrexampleold01"),
        None
    );
    let web01 = s.principal(s.principal_id(PRINCIPALS[0].0).unwrap());
    assert_eq!(
        web01.compartment_id,
        "ocid1.compartment.oc1..aaaaaaaaproduction"
    );
    assert_eq!(web01.tenancy_id, EXAMPLE);
    assert_eq!(web01.resource_type, "instance");

    for (g, (tenancy, name, members)) in GROUPS.iter().enumerate() {
        let id = s
            .group_id(tenancy, &name.to_ascii_uppercase())
            .unwrap_or_else(|| panic!("group {name}"));
        assert_eq!(id, GroupId::from_raw(g as u32));
        let got: Vec<&str> = s
            .member_ocids(id)
            .unwrap()
            .into_iter()
            .map(|m| m.rsplit('.').next().unwrap())
            .collect();
        assert_eq!(got, *members, "members of {name}");
    }
    assert_eq!(
        s.groups_named("web-tier"),
        [GroupId::from_raw(4), GroupId::from_raw(13)]
    );
    let group = s.group(GroupId::from_raw(2));
    assert_eq!(group.id, "ocid1.dynamicgroup.oc1..aaaaaaaanobastion");
    assert!(
        group
            .matching_rule
            .starts_with("all {instance.compartment.id")
    );

    // Rebuilt, its rules evaluate to the stored memberships, and writing the rebuilt
    // index gives the golden sections back: the version 1 writer has not drifted. (The
    // `meta` section is left out: it names the writer's crate version.)
    let (index, memberships) = s.to_index().unwrap();
    assert_eq!(index.evaluate(), memberships);
    assert_eq!(memberships.groups_of(PrincipalId::from_raw(0)).len(), 8);
    let again =
        dyngroup_snapshot::to_bytes(&index, &memberships, &WriteOptions::default()).unwrap();
    let rewritten = Snapshot::from_bytes(&again).unwrap();
    let original = std::fs::read(&path).unwrap();
    for (old, new) in s.sections().iter().zip(rewritten.sections()).skip(1) {
        let bytes = |file: &[u8], x: &dyngroup_snapshot::SectionInfo| {
            file[x.offset as usize..(x.offset + x.len) as usize].to_vec()
        };
        assert!(
            bytes(&original, old) == bytes(&again, new),
            "the version 1 writer changed section {}: bump FORMAT_VERSION and add a golden file",
            old.name
        );
    }
}

/// The version 1 golden file opens as a live engine (what `dyngroup apply` does) and
/// answers as the file does; a checkpoint of it (a file of the current version)
/// answers the same.
#[test]
fn v1_opens_as_a_live_engine_and_checkpoints() {
    use dyngroup_index::engine::{Engine, EngineOptions};
    use dyngroup_snapshot::EngineFile;

    let engine = Engine::open(golden("v1.dgs"), EngineOptions::default())
        .expect("the version 1 golden file opens as an engine");
    let check = |engine: &Engine| {
        let v = engine.snapshot();
        assert_eq!(v.principal_count(), 9);
        for (ocid, groups) in PRINCIPALS {
            let mut got: Vec<&str> = v
                .groups_of(ocid)
                .unwrap_or_else(|| panic!("{ocid} is held"))
                .iter()
                .map(|g| g.name())
                .collect();
            got.sort_unstable();
            let mut want = groups.to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "groups of {ocid}");
        }
        for (tenancy, name, members) in GROUPS {
            let g = v.group_by_name(tenancy, name).expect("held");
            let mut got: Vec<&str> = g.members().map(|m| m.rsplit('.').next().unwrap()).collect();
            got.sort_unstable();
            let mut want = members.to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "members of {name}");
        }
    };
    check(&engine);
    let dir = std::env::temp_dir().join(format!("dgs-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("checkpoint.dgs");
    engine.checkpoint(&path).unwrap();
    // Checkpoints are written in the current version; the engine holds no policies.
    let written = Snapshot::open(&path).unwrap();
    assert_eq!(written.format_version(), dyngroup_snapshot::FORMAT_VERSION);
    assert_eq!(written.policy_inputs(), None);
    drop(written);
    check(&Engine::open(&path, EngineOptions::default()).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The version 2 golden file: the same index and memberships as version 1 (the
/// built-in sample), plus the compartment tree and policies it was computed with.
#[test]
fn v2_opens_answers_the_same_and_holds_its_policies() {
    use dyngroup_policy::{
        CompartmentTree, Decision, Evaluator, PolicySet, Request, ResourceTable, Verb,
    };

    let path = golden("v2.dgs");
    let s = Snapshot::open(&path).expect("the version 2 golden file opens");
    assert_eq!(s.format_version(), 2);
    assert_eq!(s.file_len(), 8832);
    s.verify().expect("and passes the deep checks");
    let names: Vec<&str> = s.sections().iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names.len(), 11);
    assert_eq!(names[10], "policies");
    for (ocid, groups) in PRINCIPALS {
        let p = s.principal_id(ocid).unwrap();
        let got: Vec<&str> = s.groups_of(p).map(|g| s.group(g).name).collect();
        assert_eq!(got, groups, "groups of {ocid}");
    }
    for (g, (tenancy, name, members)) in GROUPS.iter().enumerate() {
        let id = s.group_id(tenancy, name).unwrap();
        assert_eq!(id, GroupId::from_raw(g as u32));
        assert_eq!(s.member_ocids(id).unwrap().len(), members.len(), "{name}");
    }

    let inputs = s.policy_inputs().expect("written with policies");
    assert_eq!(inputs.compartments.len(), 7);
    assert_eq!(inputs.compartments[1].name, "Prod");
    assert_eq!(inputs.compartments[0].parent_id, None);
    assert_eq!(inputs.policies.len(), 2);
    let statement = &inputs.policies[0].statements[2];
    assert!(
        statement
            .text
            .starts_with("Allow dynamic-group id ocid1.dynamicgroup.oc1..aaaaaaaafunctions")
    );
    assert_eq!(
        statement.origin.as_ref().unwrap().to_string(),
        "crates/snapshot/tests/data/v2-policies.json:5:19"
    );
    assert_eq!(statement.origin.as_ref().unwrap().position, 3);

    // The stored policies answer as the files did: the deny takes buckets in Prod
    // from the two web servers (prod-without-bastion), the rest may read them.
    let (index, memberships) = s.verified_index().unwrap();
    let tree = CompartmentTree::new(&inputs.compartments);
    let set = PolicySet::compile(inputs.policies.clone(), &tree);
    assert!(set.findings().is_empty(), "{:?}", set.findings());
    let evaluator = Evaluator::new(&index, &memberships, &tree, &set);
    let who: Vec<(&str, Decision)> = evaluator
        .who_can(&Request {
            verb: Verb::Read,
            resource: ResourceTable::builtin().resolve("buckets").set,
            compartment: tree
                .get("ocid1.compartment.oc1..aaaaaaaaproduction")
                .unwrap(),
        })
        .iter()
        .map(|w| (index.principal_ocid(w.principal), w.decision))
        .collect();
    assert_eq!(
        who,
        [
            (
                "ocid1.instance.oc1.phx.anyhqljrexampledb01",
                Decision::Allowed
            ),
            (
                "ocid1.instance.oc1.phx.anyhqljrexamplebastion",
                Decision::Allowed
            ),
        ]
    );

    // Writing the rebuilt index with the stored policies gives the golden sections
    // back (`meta` names the writer's version): what version 2 has, the writer still
    // writes as version 2 did; version 3 adds `domains` (empty: no domain groups).
    let again = dyngroup_snapshot::to_bytes_with_policies(
        &index,
        &memberships,
        &WriteOptions::default(),
        Some(&inputs),
    )
    .unwrap();
    let rewritten = Snapshot::from_bytes(&again).unwrap();
    let original = std::fs::read(&path).unwrap();
    assert_eq!(rewritten.sections().len(), s.sections().len() + 1);
    assert_eq!(rewritten.sections().last().unwrap().name, "domains");
    for (old, new) in s.sections().iter().zip(rewritten.sections()).skip(1) {
        let bytes = |file: &[u8], x: &dyngroup_snapshot::SectionInfo| {
            file[x.offset as usize..(x.offset + x.len) as usize].to_vec()
        };
        assert!(
            bytes(&original, old) == bytes(&again, new),
            "the version 2 writer changed section {}: bump FORMAT_VERSION and add a golden file",
            old.name
        );
    }
}

/// A version 1 file holds no policies; a file written without them says so too.
#[test]
fn v1_and_plain_files_hold_no_policies() {
    let v1 = Snapshot::open(golden("v1.dgs")).unwrap();
    assert_eq!(v1.policy_inputs(), None);
    let (index, memberships) = v1.to_index().unwrap();
    let plain =
        dyngroup_snapshot::to_bytes(&index, &memberships, &WriteOptions::default()).unwrap();
    let plain = Snapshot::from_bytes(&plain).unwrap();
    assert_eq!(plain.format_version(), dyngroup_snapshot::FORMAT_VERSION);
    assert_eq!(plain.policy_inputs(), None);
    // Empty policy inputs are stored as present (a run with empty files).
    let empty = dyngroup_snapshot::PolicyInputs::default();
    let bytes = dyngroup_snapshot::to_bytes_with_policies(
        &index,
        &memberships,
        &WriteOptions::default(),
        Some(&empty),
    )
    .unwrap();
    assert_eq!(
        Snapshot::from_bytes(&bytes).unwrap().policy_inputs(),
        Some(empty)
    );
}

/// The version 3 golden file: identity-domain groups (`v3-groups.json`) over a small
/// tree (`v3-compartments.json`): `TeamFns`' domain lives in compartment `team`, so
/// it holds only the functions in `team` and `team-child`; `GoneFns`' domain
/// compartment is not in the tree, so its scope is not applied (whole tenancy);
/// `DefaultFns`' domain lives in the root. The domains and scopes survive the index
/// rebuilt from the file, the engine opened from it, a change, and a checkpoint.
#[test]
fn v3_keeps_each_domain_groups_scope_through_the_engine_and_a_checkpoint() {
    use dyngroup_index::Principal;
    use dyngroup_index::engine::{Change, Engine, EngineOptions};
    use dyngroup_snapshot::EngineFile;

    let function = |name: &str| format!("ocid1.fnfunc.oc1..{name}");
    let path = golden("v3.dgs");
    let s = Snapshot::open(&path).expect("the version 3 golden file opens");
    assert_eq!(s.format_version(), 3);
    s.verify().expect("and passes the deep checks");
    let names: Vec<&str> = s.sections().iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names.len(), 12);
    assert_eq!(names[11], "domains");
    fn members(s: &Snapshot, name: &str) -> Vec<String> {
        let mut m: Vec<String> = s
            .member_ocids(s.group_id(EXAMPLE, name).unwrap())
            .unwrap()
            .into_iter()
            .map(str::to_owned)
            .collect();
        m.sort_unstable();
        m
    }
    let all = ["child", "other", "root", "team"].map(function);
    assert_eq!(members(&s, "DefaultFns"), all);
    assert_eq!(members(&s, "TeamFns"), [all[0].clone(), all[3].clone()]);
    assert_eq!(members(&s, "GoneFns"), all);

    let (index, _) = s.verified_index().unwrap();
    let team = index.group(index.group_id(EXAMPLE, "TeamFns").unwrap());
    assert_eq!(
        team.domain_outside(),
        Some(
            &[
                EXAMPLE.to_owned(),
                "ocid1.compartment.oc1..other".to_owned()
            ][..]
        )
    );
    let gone = index.group(index.group_id(EXAMPLE, "GoneFns").unwrap());
    assert!(gone.domain_scope_not_applied());

    // The engine narrows TeamFns too: `other` moved into team-child joins it, and
    // `team` moved to the root leaves it (and stays in the other two).
    let mut engine = Engine::open(&path, EngineOptions::default()).unwrap();
    let moved = |id: &str, compartment: &str| {
        Change::UpsertPrincipal(Principal {
            id: id.to_owned(),
            compartment_id: compartment.to_owned(),
            tenancy_id: EXAMPLE.to_owned(),
            ..Principal::default()
        })
    };
    let applied = engine.apply([
        moved(&all[1], "ocid1.compartment.oc1..teamchild"),
        moved(&all[3], EXAMPLE),
    ]);
    assert!(applied.refused.is_empty(), "{:?}", applied.refused);
    let version = engine.snapshot();
    let mut live: Vec<&str> = version
        .group_by_name(EXAMPLE, "TeamFns")
        .unwrap()
        .members()
        .collect();
    live.sort_unstable();
    assert_eq!(live, [&all[0], &all[1]], "readers see the scope applied");
    let dir = std::env::temp_dir().join(format!("dgs-golden-v3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let checkpoint = dir.join("checkpoint.dgs");
    engine.checkpoint(&checkpoint).unwrap();
    let again = Snapshot::open(&checkpoint).unwrap();
    again.verify().unwrap();
    assert_eq!(members(&again, "TeamFns"), [all[0].clone(), all[1].clone()]);
    assert_eq!(members(&again, "DefaultFns"), all);
    assert_eq!(members(&again, "GoneFns"), all);
    drop(again);
    std::fs::remove_dir_all(&dir).unwrap();

    // Writing the rebuilt index gives the golden sections back: the version 3 writer
    // has not drifted.
    let (index, memberships) = s.verified_index().unwrap();
    let bytes =
        dyngroup_snapshot::to_bytes(&index, &memberships, &WriteOptions::default()).unwrap();
    let rewritten = Snapshot::from_bytes(&bytes).unwrap();
    let original = std::fs::read(&path).unwrap();
    for (old, new) in s.sections().iter().zip(rewritten.sections()).skip(1) {
        let range =
            |x: &dyngroup_snapshot::SectionInfo| x.offset as usize..(x.offset + x.len) as usize;
        assert!(
            original[range(old)] == bytes[range(new)],
            "the version 3 writer changed section {}: bump FORMAT_VERSION and add a golden file",
            old.name
        );
    }
}
