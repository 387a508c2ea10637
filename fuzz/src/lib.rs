//! What the fuzz targets share: the checks every reader's problems must pass.

use dyngroup_io::{Problem, ReadOptions};

/// The name the targets give their input in problems.
pub const FILE: &str = "fuzz.jsonl";

/// The UTF-8 byte-order mark, which the readers skip.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The reading options the io targets try on every input: a `--tenancy` fallback
/// (so records without `tenancy-id` are accepted and reach the deeper checks) and
/// lenient rules; and no fallback with strict rules. `chunk_bytes` is the JSON Lines
/// chunk size.
pub fn read_options(strict: bool, chunk_bytes: usize) -> ReadOptions {
    ReadOptions {
        tenancy: (!strict).then(|| "ocid1.tenancy.oc1..fuzz".to_owned()),
        strict,
        chunk_bytes,
        ..ReadOptions::default()
    }
}

/// Every problem names the file, a line of the input, and a column within that line
/// (counted in characters, as the readers count them: one per byte that is not a
/// UTF-8 continuation byte, a leading byte-order mark not counted; one past the end of
/// the line is where a line or the input ends). Its message is one non-empty line.
pub fn check_problems(text: &[u8], problems: &[Problem]) {
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    for p in problems {
        assert_eq!(&*p.file, FILE, "{p}");
        assert!(
            (1..=lines.len()).contains(&p.line),
            "{p}: line {} of {}",
            p.line,
            lines.len()
        );
        let mut line = lines[p.line - 1];
        if p.line == 1 {
            // A byte-order mark is not a character of the text (editors do not show
            // it): column 1 is the character after it.
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        let chars = line.iter().filter(|&&b| b & 0xC0 != 0x80).count();
        let column = p.column.unwrap_or_else(|| panic!("{p}: no column"));
        assert!(
            (1..=chars + 1).contains(&column),
            "{p}: column {column} of a line of {chars} characters"
        );
        assert!(!p.message.is_empty(), "{p}: empty message");
        assert!(!p.message.contains('\n'), "{p}: message of several lines");
        assert!(
            p.to_string().starts_with(&format!("{FILE}:{}:", p.line)),
            "{p}"
        );
    }
}
