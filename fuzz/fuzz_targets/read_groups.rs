//! Any bytes as a groups file, through the reader the CLI uses (`GroupsReader`): no
//! panic; every problem names a line and a column of the input; the JSON Lines chunk
//! size changes nothing; every accepted group is one the index accepts (a valid name,
//! unique in its tenancy), and the index evaluates them without panicking.
#![no_main]

use dyngroup_fuzz::{FILE, check_problems, read_options};
use dyngroup_index::{DefinedTag, IndexBuilder, Limits, Principal};
use dyngroup_io::{Groups, GroupsReader, MAX_DESCRIPTION_LEN, ReadOptions};
use libfuzzer_sys::fuzz_target;

fn read(data: &[u8], options: ReadOptions) -> Groups {
    let mut reader = GroupsReader::new(options);
    reader
        .read_from(data, FILE)
        .expect("reading from memory never fails");
    reader.finish()
}

fuzz_target!(|data: &[u8]| {
    for strict in [false, true] {
        let groups = read(data, read_options(strict, 1 << 20));
        check_problems(data, groups.problems());
        let chunked = read(data, read_options(strict, 1 + data.len() % 97));
        assert_eq!(chunked.groups(), groups.groups(), "chunk size");
        assert_eq!(chunked.problems(), groups.problems(), "chunk size");

        // One principal in each tenancy, so that rules have something to match.
        let principals: Vec<Principal> = groups
            .groups()
            .iter()
            .map(|g| Principal {
                id: format!("ocid1.instance.oc1..{}", g.name),
                compartment_id: "ocid1.compartment.oc1..c".into(),
                tenancy_id: g.tenancy_id.clone(),
                defined_tags: vec![DefinedTag {
                    namespace: "ops".into(),
                    key: "role".into(),
                    value: "web".into(),
                }],
                ..Principal::default()
            })
            .collect();
        let mut builder = IndexBuilder::new().parse_options(read_options(strict, 0).rule_options());
        builder.add_principals(&principals);
        for g in groups.groups() {
            assert!(!g.tenancy_id.is_empty(), "{g:?}");
            assert!(!g.id.is_empty(), "{g:?}");
            assert!(
                g.description.chars().count() <= MAX_DESCRIPTION_LEN,
                "{g:?}"
            );
            if let Err(e) = builder.add_group(g.clone()) {
                panic!("the reader accepted a group the index refuses: {e}: {g:?}");
            }
        }
        let index = builder.build();
        let memberships = index.evaluate();
        assert_eq!(index.evaluate_sequential(), memberships);
        let _ = index.limits_report(&memberships, &Limits::default());
    }
});
