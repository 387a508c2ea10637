//! Any bytes as a rule: the parser returns a value (never panics); every diagnostic's
//! span is where it says (byte offset, line and column in characters agree, inside
//! the text); a rendered diagnostic is a few short lines whatever the rule's length;
//! and an accepted rule's canonical form parses back to the same tree. Bytes that are
//! not UTF-8 get one diagnostic at the first bad byte (`rule_text`).
#![no_main]

use dyngroup_rules::{Diagnostic, ParseOptions, Position, parse, parse_with, print, rule_text};
use libfuzzer_sys::fuzz_target;

/// The longest rendered line: the excerpt window (120 characters), its margin, and a
/// message naming a token. The fuzzer's inputs are at most a few KB, so a rendering
/// that copies a whole line or token of the input breaks it.
const MAX_RENDERED_LINE: usize = 400;

fuzz_target!(|data: &[u8]| {
    let text = match rule_text(data) {
        Ok(text) => text,
        Err(diagnostic) => {
            let lossy = String::from_utf8_lossy(data);
            check_rendered(&diagnostic, &lossy);
            assert!(diagnostic.message.starts_with("invalid UTF-8 at byte "));
            let valid = &data[..diagnostic.span.start.offset];
            assert!(std::str::from_utf8(valid).is_ok(), "{diagnostic:?}");
            return;
        }
    };
    for strict in [false, true] {
        let options = ParseOptions {
            strict,
            max_depth: 64,
        };
        match parse_with(text, &options) {
            Ok(parsed) => {
                for warning in &parsed.warnings {
                    check_span(warning, text);
                    check_rendered(warning, text);
                }
                let canonical = print(&parsed.ast);
                let again = parse(&canonical).expect("canonical form parses");
                assert!(again.ast.same_tree(&parsed.ast));
            }
            Err(err) => {
                assert!(err.diagnostics().iter().any(Diagnostic::is_error));
                for d in err.diagnostics() {
                    check_span(d, text);
                    check_rendered(d, text);
                }
                let _ = err.render(text);
            }
        }
    }
});

/// The span lies in the text, on character boundaries, start before end, and each
/// position's line and column are those of its offset.
fn check_span(d: &Diagnostic, text: &str) {
    let (start, end) = (d.span.start, d.span.end);
    assert!(
        start.offset <= end.offset && end.offset <= text.len(),
        "{d:?}"
    );
    for p in [start, end] {
        assert!(text.is_char_boundary(p.offset), "{d:?}");
        assert_eq!(p, position_of(text, p.offset), "{d:?}");
    }
}

fn position_of(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    Position {
        offset,
        line: 1 + before.matches('\n').count(),
        column: 1 + before[line_start..].chars().count(),
    }
}

/// One diagnostic renders as at most six lines (message, location, margin, the
/// excerpt, carets, help), none of them long.
fn check_rendered(d: &Diagnostic, text: &str) {
    let rendered = d.render(text);
    let lines: Vec<&str> = rendered.lines().collect();
    assert!(lines.len() <= 6, "{d:?} renders as {} lines", lines.len());
    for line in lines {
        let chars = line.chars().count();
        assert!(
            chars <= MAX_RENDERED_LINE,
            "{d:?} renders a line of {chars} characters"
        );
    }
}
