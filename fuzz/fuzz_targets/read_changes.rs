//! Any bytes as a changes file, through the reader `dyngroup apply` uses
//! (`read_changes_from`): no panic; every problem names a line and a column of the
//! input; every change comes from a line that exists, in file order; and an engine
//! applies the changes it read one by one without panicking (it may refuse some).
#![no_main]

use dyngroup_fuzz::{FILE, check_problems, read_options};
use dyngroup_index::engine::Engine;
use dyngroup_io::read_changes_from;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    for strict in [false, true] {
        let changes = read_changes_from(data, FILE, &read_options(strict, 1 << 20))
            .expect("reading from memory never fails");
        assert_eq!(changes.file, FILE);
        check_problems(data, &changes.problems);
        let mut previous = 0;
        for c in &changes.changes {
            assert!(
                c.line > previous && c.line <= lines,
                "change at line {}",
                c.line
            );
            previous = c.line;
        }
        let mut engine = Engine::new();
        for c in changes.changes {
            let _ = engine.apply_one(c.change);
        }
    }
});
