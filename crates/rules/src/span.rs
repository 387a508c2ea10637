//! Positions and spans in rule text.

/// A position in rule text: byte offset plus 1-based line and column.
///
/// Columns count characters (not bytes) from the start of the line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// Byte offset from the start of the text.
    pub offset: usize,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Position {
    /// The position at the start of any text.
    pub const START: Position = Position {
        offset: 0,
        line: 1,
        column: 1,
    };
}

/// A half-open range `[start, end)` of rule text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the range.
    pub start: Position,
    /// One past the last byte of the range.
    pub end: Position,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: Position, end: Position) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The text this span covers in `source` (empty if it does not fit).
    pub fn slice(self, source: &str) -> &str {
        source.get(self.start.offset..self.end.offset).unwrap_or("")
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}
