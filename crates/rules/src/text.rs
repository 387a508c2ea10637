//! Rule text from bytes: the one place that says where text is not UTF-8.

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::span::{Position, Span};

/// The rule in `bytes` as text, or an error at the first byte that is not UTF-8:
/// `invalid UTF-8 at byte N (0xff)`, `N` counted from 0.
///
/// Render the error over `String::from_utf8_lossy(bytes)`: lines and columns agree
/// with it (each bad sequence shows as one `�`).
///
/// ```
/// let err = dyngroup_rules::rule_text(b"ANY {instance.id = 'a\xff'}").unwrap_err();
/// assert_eq!(err.message, "invalid UTF-8 at byte 21 (0xff)");
/// assert_eq!(err.span.start.column, 22);
/// ```
pub fn rule_text(bytes: &[u8]) -> Result<&str, Diagnostic> {
    let error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(error) => error,
    };
    let offset = error.valid_up_to();
    // The prefix is valid UTF-8 by definition of `valid_up_to`.
    let before = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let at = Position {
        offset,
        line: 1 + before.matches('\n').count(),
        column: 1 + before[line_start..].chars().count(),
    };
    let bad = error.error_len().unwrap_or(bytes.len() - offset);
    let end = Position {
        offset: offset + bad,
        column: at.column + 1,
        ..at
    };
    Err(Diagnostic::error(
        DiagnosticKind::InvalidUtf8,
        Span::new(at, end),
        format!("invalid UTF-8 at byte {offset} (0x{:02x})", bytes[offset]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_text_passes() {
        assert_eq!(rule_text("ANY {é}".as_bytes()), Ok("ANY {é}"));
    }

    #[test]
    fn the_position_is_the_first_bad_byte() {
        let bytes = b"ALL {\n  tag.a.b.value = 'x\xc3'}";
        let err = rule_text(bytes).unwrap_err();
        assert_eq!(err.message, "invalid UTF-8 at byte 26 (0xc3)");
        assert_eq!((err.span.start.line, err.span.start.column), (2, 21));
        let lossy = String::from_utf8_lossy(bytes);
        assert_eq!(
            err.render(&lossy),
            "error: invalid UTF-8 at byte 26 (0xc3)\n --> 2:21\n  |\n2 |   tag.a.b.value = 'x�'}\n  |                     ^\n"
        );
    }
}
