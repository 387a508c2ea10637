//! Where things are in the input: byte offsets to lines and columns, and the context a
//! record is built in (to report its problems at the right place).

use serde_json::value::RawValue;

use crate::problem::{Location, Problem, ProblemKind};

/// The offsets at which the lines of `text` start.
pub(crate) fn line_starts(text: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

/// Text with its line starts, to turn byte offsets into lines and columns.
///
/// A column counts the characters from its line's start; on a long line (one record
/// after another, as `jq -c` or a compacted `{"data": [...]}` writes them) counting
/// them from there for every problem and every id located would be quadratic in the
/// line's length. So a text with a line longer than [`MARK_STEP`] bytes keeps the
/// number of characters before every `MARK_STEP`-th byte ([`Source::marks`]): a column
/// is then counted from the mark before it, at most `MARK_STEP` bytes from its offset
/// (and as many from its line's start), whatever the line's length. The marks cost one
/// pass over the text and one `usize` per `MARK_STEP` bytes; JSON Lines and
/// pretty-printed documents, whose lines are short, have none.
pub(crate) struct Source<'a> {
    text: &'a [u8],
    /// Offsets where lines start, ascending; `line_starts[0]` is line `first_line`.
    line_starts: &'a [usize],
    first_line: usize,
    /// `marks[k]`: the characters in `text[..k * MARK_STEP]`; empty if no line is
    /// longer than `MARK_STEP` bytes.
    marks: Vec<usize>,
    /// Bytes counted to find columns, to check that locating stays linear.
    #[cfg(test)]
    counted: std::sync::atomic::AtomicUsize,
}

/// How many bytes apart the character counts of a text with long lines are kept.
const MARK_STEP: usize = 512;

impl<'a> Source<'a> {
    pub(crate) fn new(text: &'a [u8], line_starts: &'a [usize], first_line: usize) -> Source<'a> {
        let line_ends = line_starts.iter().skip(1).copied().chain([text.len()]);
        let long_line = line_starts
            .iter()
            .zip(line_ends)
            .any(|(start, end)| end - start > MARK_STEP);
        let marks = if long_line {
            std::iter::once(0)
                .chain(text.chunks(MARK_STEP).scan(0, |chars, block| {
                    *chars += count_chars(block);
                    Some(*chars)
                }))
                .collect()
        } else {
            Vec::new()
        };
        Source {
            text,
            line_starts,
            first_line,
            marks,
            #[cfg(test)]
            counted: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The offset of `part` in the text, if `part` is a slice of it.
    pub(crate) fn offset_of(&self, part: &[u8]) -> Option<usize> {
        let offset = (part.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        (offset + part.len() <= self.text.len()).then_some(offset)
    }

    /// The offset at which the line holding `offset` starts.
    pub(crate) fn line_start(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        let index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        self.line_starts
            .get(index)
            .copied()
            .unwrap_or(0)
            .min(offset)
    }

    /// The line and column (in characters) of a byte offset.
    pub(crate) fn locate(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_start(offset);
        let chars = if offset - line_start <= MARK_STEP || self.marks.is_empty() {
            self.count(&self.text[line_start..offset])
        } else {
            self.chars_before(offset) - self.chars_before(line_start)
        };
        Location {
            line: self.first_line + index,
            column: chars + 1,
        }
    }

    /// The characters in `text[..offset]`, counted from the mark before `offset`.
    fn chars_before(&self, offset: usize) -> usize {
        let mark = offset / MARK_STEP;
        self.marks[mark] + self.count(&self.text[mark * MARK_STEP..offset])
    }

    /// The characters in `bytes`, a part of the text.
    fn count(&self, bytes: &[u8]) -> usize {
        #[cfg(test)]
        self.counted
            .fetch_add(bytes.len(), std::sync::atomic::Ordering::Relaxed);
        count_chars(bytes)
    }

    /// How many bytes were counted to find columns so far.
    #[cfg(test)]
    pub(crate) fn bytes_counted(&self) -> usize {
        self.counted.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The UTF-8 characters in `bytes` (those not continuing one), invalid bytes one each.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// One record being built: where it is, to report problems.
pub(crate) struct RecordCtx<'s> {
    file: &'s str,
    source: &'s Source<'s>,
    /// Offset of the record's first byte in `source`.
    start: usize,
}

impl<'s> RecordCtx<'s> {
    pub(crate) fn new(file: &'s str, source: &'s Source<'s>, start: usize) -> RecordCtx<'s> {
        RecordCtx {
            file,
            source,
            start,
        }
    }

    /// Where the record starts.
    pub(crate) fn at(&self) -> Location {
        self.source.locate(self.start)
    }

    /// Where a raw value of this record starts (the record's start if it is not from it).
    pub(crate) fn at_raw(&self, raw: &RawValue) -> Location {
        match self.source.offset_of(raw.get().as_bytes()) {
            Some(offset) => self.source.locate(offset),
            None => self.at(),
        }
    }

    /// Where the JSON string whose text (between the quotes, borrowed from the
    /// source) is `inner` starts: at its opening quote, as [`at_raw`](Self::at_raw)
    /// places the same string.
    pub(crate) fn at_string(&self, inner: &str) -> Location {
        match self.source.offset_of(inner.as_bytes()) {
            Some(offset) => self.source.locate(offset.saturating_sub(1)),
            None => self.at(),
        }
    }

    /// A problem at the record's start.
    pub(crate) fn problem(&self, kind: ProblemKind, message: impl Into<String>) -> Problem {
        self.problem_at(self.at(), kind, message)
    }

    /// A problem at `at`.
    pub(crate) fn problem_at(
        &self,
        at: Location,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Problem {
        Problem::error(self.file, at, kind, message)
    }

    /// An invalid-JSON problem for an error serde_json found parsing `part` (a slice of
    /// the source), at the position of the error; text that is not UTF-8 before that
    /// position is reported instead, at its first bad byte: `invalid UTF-8 at byte N of
    /// line L (0xff)`, `N` counted from 0 within the line.
    pub(crate) fn json_problem_in(&self, part: &[u8], error: &serde_json::Error) -> Problem {
        let error_at = error_offset(part, error);
        let bad_utf8 = std::str::from_utf8(part)
            .err()
            .map(|e| e.valid_up_to())
            .filter(|&bad| bad <= error_at);
        let Some(base) = self.source.offset_of(part) else {
            return self.problem_at(self.at(), ProblemKind::InvalidJson, json_message(error));
        };
        match bad_utf8 {
            Some(bad) => {
                let at = self.source.locate(base + bad);
                let line_start = self.source.line_start(base + bad);
                let message = format!(
                    "invalid UTF-8 at byte {} of line {} (0x{:02x})",
                    base + bad - line_start,
                    at.line,
                    part[bad]
                );
                self.problem_at(at, ProblemKind::InvalidJson, message)
            }
            None => self.problem_at(
                self.source.locate(base + error_at),
                ProblemKind::InvalidJson,
                json_message(error),
            ),
        }
    }
}

/// serde_json's message without its ` at line L column C` suffix.
fn json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    format!("invalid JSON: {message}")
}

/// The byte offset in `text` of the error serde_json reports at (line, column).
///
/// serde_json counts lines from 1 and columns in bytes, the column being the number of
/// bytes of the line read when the error was found (so the offending byte's 1-based
/// column, or 0 right after a newline).
pub(crate) fn error_offset(text: &[u8], error: &serde_json::Error) -> usize {
    if error.line() == 0 {
        return 0;
    }
    let line_start = if error.line() == 1 {
        0
    } else {
        text.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(error.line() - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    (line_start + error.column().saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "ab\néé{x".as_bytes();
        let starts = line_starts(text);
        let source = Source::new(text, &starts, 10);
        assert_eq!(
            source.locate(0),
            Location {
                line: 10,
                column: 1
            }
        );
        assert_eq!(
            source.locate(3),
            Location {
                line: 11,
                column: 1
            }
        );
        // `{` is at byte 7, after two two-byte characters.
        assert_eq!(
            source.locate(7),
            Location {
                line: 11,
                column: 3
            }
        );
        assert_eq!(
            source.locate(999),
            Location {
                line: 11,
                column: 5
            }
        );
    }

    /// The column of `offset` counted from its line's start, byte by byte.
    fn column_from_line_start(text: &[u8], offset: usize) -> usize {
        let line_start = text[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        count_chars(&text[line_start..offset]) + 1
    }

    #[test]
    fn columns_on_long_lines_are_counted_from_marks_exactly() {
        // Short lines, then long ones with two- and three-byte characters (so marks
        // fall inside characters), a line exactly `MARK_STEP` bytes, and a line break
        // right at a mark.
        let mut text = "a\n{}\n".to_owned();
        text += &"é€x".repeat(MARK_STEP);
        text.push('\n');
        text += &"y".repeat(MARK_STEP);
        text.push('\n');
        text += &"z".repeat(MARK_STEP - 1 - text.len() % MARK_STEP);
        text += "\n";
        text += &"ü{".repeat(MARK_STEP);
        let text = text.as_bytes();
        let starts = line_starts(text);
        let source = Source::new(text, &starts, 1);
        assert!(!source.marks.is_empty());
        for offset in 0..=text.len() {
            let line = starts.partition_point(|&start| start <= offset);
            assert_eq!(
                source.locate(offset),
                Location {
                    line,
                    column: column_from_line_start(text, offset)
                },
                "offset {offset}"
            );
        }
    }

    #[test]
    fn locating_records_on_one_long_line_counts_a_bounded_number_of_bytes_each() {
        // What `jq -c` makes of a listing: every record on one line. Counting each
        // record's column from the line's start would count ~records² / 2 bytes.
        let records = 20_000;
        let mut text = String::from("{\"data\": [");
        // Each record's offset and column (one `é` of two bytes in each record before).
        let mut record_starts = Vec::new();
        for i in 0..records {
            if i > 0 {
                text += ", ";
            }
            record_starts.push((text.len(), text.len() + 1 - i));
            text += &format!("{{\"id\": \"ocid1.compartment.oc1..é{i:06}\", \"name\": \"c{i}\"}}");
        }
        text += "]}";
        let text = text.as_bytes();
        let starts = line_starts(text);
        let source = Source::new(text, &starts, 1);
        for &(start, column) in &record_starts {
            // The record and its id (as every reader locates a record's id).
            assert_eq!(source.locate(start), Location { line: 1, column });
            let id = Location {
                line: 1,
                column: column + 7,
            };
            assert_eq!(source.locate(start + 7), id);
        }
        let per_locate = source.bytes_counted() / (2 * records);
        assert!(
            per_locate <= 2 * MARK_STEP,
            "{per_locate} bytes counted per position on a {}-byte line",
            text.len()
        );
        // Short lines have no marks, and cost only their own bytes.
        let short = b"{\"id\": 1}\n{\"id\": 2}\n";
        let starts = line_starts(short);
        assert!(Source::new(short, &starts, 1).marks.is_empty());
    }

    #[test]
    fn invalid_utf8_is_named_at_its_byte() {
        let text = b"{\"a\": 1}\n{\"id\": \"x\xffy\", \"b\": 2}\n";
        let starts = line_starts(text);
        let source = Source::new(text, &starts, 1);
        let record = &text[9..30];
        let e = serde_json::from_slice::<serde_json::Value>(record).unwrap_err();
        let ctx = RecordCtx::new("f.jsonl", &source, 9);
        let problem = ctx.json_problem_in(record, &e);
        assert_eq!(
            problem.to_string(),
            "f.jsonl:2:10: invalid UTF-8 at byte 9 of line 2 (0xff)"
        );
    }

    #[test]
    fn error_offsets_follow_serde_json() {
        let text = b"{\n  \"a\": x\n}";
        let e = serde_json::from_slice::<serde_json::Value>(text).unwrap_err();
        assert_eq!((e.line(), e.column()), (2, 8));
        assert_eq!(text[error_offset(text, &e)], b'x');
    }
}
