//! Inputs the fuzz targets (fuzz/, `fuzz/run`) found, each kept as a regression test.

use dyngroup_rules::{Position, parse};

/// The position of byte `offset` of `text`, counted from scratch.
fn position_of(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    Position {
        offset,
        line: 1 + before.matches('\n').count(),
        column: 1 + before[line_start..].chars().count(),
    }
}

/// fuzz target `parse_rule`, crash-e62cb21c: the warning about a line break inside a
/// quoted value ended its span at offset 26, the start of line 2, but called that
/// position line 1, column 27 (one past the line break on line 1).
#[test]
fn a_span_that_ends_after_a_line_break_ends_on_the_next_line() {
    let text = "tag.ps.owner.value = 'x:07\n  y'";
    let parsed = parse(text).expect("a line break in a value is only a warning");
    let warning = &parsed.warnings[0];
    assert_eq!(
        warning.message,
        "quoted value holds the control character U+000A (a line break)"
    );
    for p in [warning.span.start, warning.span.end] {
        assert_eq!(p, position_of(text, p.offset));
    }
    assert_eq!((warning.span.end.line, warning.span.end.column), (2, 1));
}
