//! Any bytes as an inventory file, through the reader the CLI uses
//! (`InventoryReader`): no panic; every problem names a line and a column of the input;
//! the JSON Lines chunk size changes nothing; the accepted principals have what the
//! index needs (an id, a compartment, a tenancy, each id once) and build an index.
#![no_main]

use dyngroup_fuzz::{FILE, check_problems, read_options};
use dyngroup_index::IndexBuilder;
use dyngroup_io::{Inventory, InventoryReader, ReadOptions};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fn read(data: &[u8], options: ReadOptions) -> Inventory {
    let mut reader = InventoryReader::new(options);
    reader
        .read_from(data, FILE)
        .expect("reading from memory never fails");
    reader.finish()
}

fuzz_target!(|data: &[u8]| {
    for strict in [false, true] {
        let inventory = read(data, read_options(strict, 1 << 20));
        check_problems(data, inventory.problems());
        // Small chunks: JSON Lines parsed in parallel pieces, stitched in order.
        let chunked = read(data, read_options(strict, 1 + data.len() % 97));
        assert_eq!(chunked.principals(), inventory.principals(), "chunk size");
        assert_eq!(chunked.problems(), inventory.problems(), "chunk size");

        let mut ids = HashSet::new();
        for p in inventory.principals() {
            assert!(!p.id.is_empty(), "{p:?}");
            assert!(!p.compartment_id.is_empty(), "{p:?}");
            assert!(!p.tenancy_id.is_empty(), "{p:?}");
            assert!(ids.insert(p.id.as_str()), "{} accepted twice", p.id);
        }
        let mut builder = IndexBuilder::new();
        builder.add_principals(inventory.principals());
        let index = builder.build();
        assert!(index.principal_count() <= inventory.principals().len());
    }
});
