//! Tokens of policy statements, with spans; smart quotes and invisible characters are
//! errors here, before any parsing.

use dyngroup_rules::{Diagnostic, DiagnosticKind, Position, Severity, Span};

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Letters, digits, `.`, `-`, `_`, `@` (keywords, names, OCIDs, variables).
    Word(String),
    /// `'text'` or `"text"`, quotes removed.
    Quoted(String),
    /// `/pattern/` after `=` or `!=`, slashes removed.
    Pattern(String),
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Colon,
    Slash,
    Eq,
    Ne,
    End,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) span: Span,
}

pub(crate) fn error(kind: DiagnosticKind, span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        kind,
        message: message.into(),
        span,
        help: None,
    }
}

pub(crate) fn warning(kind: DiagnosticKind, span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        ..error(kind, span, message)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@')
}

fn is_smart_quote(c: char) -> bool {
    matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{201C}' | '\u{201D}' | '\u{201E}'
    )
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

struct Cursor<'a> {
    text: &'a str,
    pos: Position,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.pos.offset..)?.chars().next()
    }

    fn bump(&mut self) -> Option<char> {
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

    fn span_from(&self, start: Position) -> Span {
        Span::new(start, self.pos)
    }

    fn slice(&self, start: Position) -> &str {
        self.text.get(start.offset..self.pos.offset).unwrap_or("")
    }
}

/// The tokens of `text`, ending with [`Tok::End`], or the first lexical error.
pub(crate) fn lex(text: &str) -> Result<Vec<Token>, Diagnostic> {
    let mut cur = Cursor {
        text,
        pos: Position::START,
    };
    let mut tokens: Vec<Token> = Vec::new();
    loop {
        while cur.peek().is_some_and(char::is_whitespace) {
            cur.bump();
        }
        let start = cur.pos;
        let Some(c) = cur.peek() else {
            tokens.push(Token {
                tok: Tok::End,
                span: cur.span_from(start),
            });
            return Ok(tokens);
        };
        cur.bump();
        let tok = match c {
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            ':' => Tok::Colon,
            '=' => Tok::Eq,
            '!' if cur.peek() == Some('=') => {
                cur.bump();
                Tok::Ne
            }
            '/' if matches!(tokens.last().map(|t| &t.tok), Some(Tok::Eq | Tok::Ne)) => {
                let body = cur.pos;
                while cur.peek().is_some_and(|c| c != '/' && c != '\n') {
                    check_visible(&mut cur)?;
                }
                let pattern = cur.slice(body).to_owned();
                if cur.bump() != Some('/') {
                    return Err(error(
                        DiagnosticKind::UnterminatedValue,
                        cur.span_from(start),
                        "pattern has no closing `/`",
                    ));
                }
                Tok::Pattern(pattern)
            }
            '/' => Tok::Slash,
            '\'' | '"' => {
                let body = cur.pos;
                while cur.peek().is_some_and(|q| q != c) {
                    check_visible(&mut cur)?;
                }
                let value = cur.slice(body).to_owned();
                if cur.bump() != Some(c) {
                    return Err(error(
                        DiagnosticKind::UnterminatedValue,
                        cur.span_from(start),
                        format!("quoted text has no closing `{c}`"),
                    ));
                }
                Tok::Quoted(value)
            }
            c if is_word_char(c) => {
                while cur.peek().is_some_and(is_word_char) {
                    cur.bump();
                }
                Tok::Word(cur.slice(start).to_owned())
            }
            c => return Err(bad_character(c, cur.span_from(start))),
        };
        tokens.push(Token {
            tok,
            span: cur.span_from(start),
        });
    }
}

/// Consumes one character inside quotes or a pattern, refusing invisible ones.
fn check_visible(cur: &mut Cursor<'_>) -> Result<(), Diagnostic> {
    let start = cur.pos;
    match cur.bump() {
        Some(c) if is_invisible(c) => Err(bad_character(c, cur.span_from(start))),
        _ => Ok(()),
    }
}

fn bad_character(c: char, span: Span) -> Diagnostic {
    let code = format!("U+{:04X}", u32::from(c));
    if is_smart_quote(c) {
        let straight = if matches!(c, '\u{201C}' | '\u{201D}' | '\u{201E}') {
            "\""
        } else {
            "'"
        };
        error(
            DiagnosticKind::UnexpectedCharacter,
            span,
            format!("typographic quote `{c}` ({code})"),
        )
        .with_help_text(format!(
            "use a straight quote `{straight}` (word processors replace them)"
        ))
    } else if is_invisible(c) {
        error(
            DiagnosticKind::UnexpectedCharacter,
            span,
            format!("invisible character {code} (zero-width)"),
        )
        .with_help_text("delete it: it is often pasted from web pages or chat")
    } else {
        error(
            DiagnosticKind::UnexpectedCharacter,
            span,
            format!("unexpected character `{}` ({code})", c.escape_debug()),
        )
    }
}

/// Adds a help line to a diagnostic built outside the rules crate.
pub(crate) trait WithHelp {
    fn with_help_text(self, help: impl Into<String>) -> Self;
}

impl WithHelp for Diagnostic {
    fn with_help_text(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn patterns_only_after_operators() {
        assert_eq!(
            toks("a = /x*/ 'D'/'n'"),
            [
                Tok::Word("a".into()),
                Tok::Eq,
                Tok::Pattern("x*".into()),
                Tok::Quoted("D".into()),
                Tok::Slash,
                Tok::Quoted("n".into()),
                Tok::End
            ]
        );
    }

    #[test]
    fn smart_quotes_and_zero_width_are_errors() {
        let e = lex("Allow group \u{2018}A\u{2019}").unwrap_err();
        assert_eq!(e.span.start.column, 13);
        assert!(e.message.contains("typographic quote"), "{}", e.message);
        let e = lex("Allow\u{200B} group").unwrap_err();
        assert!(e.message.contains("U+200B"), "{}", e.message);
        let e = lex("Allow group 'a\u{200D}b'").unwrap_err();
        assert!(e.message.contains("zero-width"), "{}", e.message);
    }
}
