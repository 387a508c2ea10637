//! The excerpt of a rule a diagnostic shows: one line, cut to a window around the span
//! so that a diagnostic on a very long rule stays a few lines long.

/// Lines up to this many characters are shown whole.
const WINDOW: usize = 120;
/// Characters of context kept before the span when a line is cut.
const BEFORE: usize = 40;
/// Marks text left out of the excerpt.
const ELLIPSIS: char = '…';

/// One line of rule text as shown, and the caret line under it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Excerpt {
    pub(crate) text: String,
    pub(crate) carets: String,
}

/// The excerpt of `line` marking characters `[start, end)` (0-based, in characters;
/// `end` may pass the line's end for a span that goes on to later lines).
///
/// Control characters are shown as their Unicode control pictures (`␉` for a tab), one
/// column each, so the carets stay aligned and the terminal is not driven by the rule.
pub(crate) fn excerpt(line: &str, start: usize, end: usize) -> Excerpt {
    let chars: Vec<char> = line.chars().collect();
    let len = chars.len();
    let start = start.min(len);
    let end = end.clamp(start + 1, len.max(start) + 1);
    let (lo, hi) = if len <= WINDOW {
        (0, len)
    } else {
        let lo = start.saturating_sub(BEFORE).min(len.saturating_sub(WINDOW));
        (lo, (lo + WINDOW).min(len))
    };
    let mut text = String::new();
    let mut carets = String::new();
    if lo > 0 {
        text.push(ELLIPSIS);
        carets.push(' ');
    }
    text.extend(chars[lo..hi].iter().map(|&c| visible(c)));
    if hi < len {
        text.push(ELLIPSIS);
    }
    carets.extend(std::iter::repeat_n(' ', start - lo));
    // The window always holds the span's start; carets past it stop at the marker.
    let shown_end = end.min(hi + 1).max(start + 1);
    carets.extend(std::iter::repeat_n('^', shown_end - start));
    Excerpt { text, carets }
}

/// Longest text quoted in a message, in characters.
const QUOTED: usize = 40;

/// Rule text quoted in a message: cut to a few dozen characters, control characters
/// pictured, so that a message stays one short line whatever the rule holds.
pub(crate) fn quoted(text: &str) -> String {
    let mut shown: String = text.chars().take(QUOTED).map(visible).collect();
    if text.chars().nth(QUOTED).is_some() {
        shown.push(ELLIPSIS);
    }
    shown
}

/// A character named in a message: `` `=` `` for ASCII, itself and its code point
/// (`` `é` (U+00E9) ``) beyond, only the code point for a control character.
pub(crate) fn named_char(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("`{c}` (U+{:04X})", c as u32)
    }
}

/// A character as shown in an excerpt: control characters as control pictures.
fn visible(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        c if c.is_control() => '\u{fffd}',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_shown_whole() {
        let e = excerpt("ANY {a}", 5, 6);
        assert_eq!(e.text, "ANY {a}");
        assert_eq!(e.carets, "     ^");
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}bad{}", "x".repeat(1000), "y".repeat(1000));
        let e = excerpt(&line, 1000, 1003);
        assert_eq!(
            e.text,
            format!(
                "…{}bad{}…",
                "x".repeat(BEFORE),
                "y".repeat(WINDOW - BEFORE - 3)
            )
        );
        assert_eq!(e.carets, format!("{}^^^", " ".repeat(BEFORE + 1)));
    }

    #[test]
    fn a_span_at_the_end_of_a_long_line_keeps_a_full_window() {
        let line = "x".repeat(1000);
        let e = excerpt(&line, 1000, 1001);
        assert_eq!(e.text, format!("…{}", "x".repeat(WINDOW)));
        assert_eq!(e.carets, format!("{}^", " ".repeat(WINDOW + 1)));
    }

    #[test]
    fn a_long_span_stops_at_the_window() {
        let line = "x".repeat(10_000);
        let e = excerpt(&line, 0, 10_000);
        assert_eq!(e.text, format!("{}…", "x".repeat(WINDOW)));
        assert_eq!(e.carets, "^".repeat(WINDOW + 1));
    }

    #[test]
    fn quoted_text_is_short_and_on_one_line() {
        assert_eq!(quoted("a\nb"), "a␊b");
        assert_eq!(
            quoted(&"z".repeat(1000)),
            format!("{}…", "z".repeat(QUOTED))
        );
        assert_eq!(named_char('é'), "`é` (U+00E9)");
        assert_eq!(named_char('\t'), "U+0009");
        assert_eq!(named_char('$'), "`$`");
    }

    #[test]
    fn control_characters_are_pictured() {
        let e = excerpt("a\tb\u{7}", 3, 4);
        assert_eq!(e.text, "a␉b␇");
        assert_eq!(e.carets, "   ^");
    }
}
