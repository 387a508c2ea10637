//! Any text: the parser returns a value (never panics), rendering never panics, and an
//! accepted rule's canonical form parses back to the same tree.
#![no_main]

use dyngroup_rules::{ParseOptions, parse, parse_with, print};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for strict in [false, true] {
        let options = ParseOptions {
            strict,
            max_depth: 64,
        };
        match parse_with(text, &options) {
            Ok(parsed) => {
                let canonical = print(&parsed.ast);
                let again = parse(&canonical).expect("canonical form parses");
                assert!(again.ast.same_tree(&parsed.ast));
            }
            Err(err) => {
                let _ = err.render(text);
            }
        }
    }
});
