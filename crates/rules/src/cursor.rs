//! A character cursor over rule text that tracks line and column.

use crate::span::{Position, Span};

/// Walks the text one character at a time, keeping the [`Position`] current.
#[derive(Clone, Debug)]
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: Position,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor {
            text,
            pos: Position::START,
        }
    }

    pub(crate) fn pos(&self) -> Position {
        self.pos
    }

    pub(crate) fn rest(&self) -> &'a str {
        &self.text[self.pos.offset..]
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(crate) fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos.offset += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    /// Consumes characters while `keep` holds; returns the text consumed.
    pub(crate) fn eat_while(&mut self, mut keep: impl FnMut(char) -> bool) -> &'a str {
        let start = self.pos.offset;
        while self.peek().is_some_and(&mut keep) {
            self.bump();
        }
        &self.text[start..self.pos.offset]
    }

    pub(crate) fn skip_whitespace(&mut self) {
        self.eat_while(char::is_whitespace);
    }

    /// The span from `start` to the current position.
    pub(crate) fn span_from(&self, start: Position) -> Span {
        Span::new(start, self.pos)
    }

    pub(crate) fn slice(&self, span: Span) -> &'a str {
        span.slice(self.text)
    }
}
