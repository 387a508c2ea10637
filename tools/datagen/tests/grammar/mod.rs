//! A strict, independent reading of the rule grammar of docs/semantics.md §1, just to check
//! that every generated rule is valid (the engine's parser is not used here on
//! purpose: datagen must not depend on the engine).

const VARIABLES: &[&str] = &[
    "instance.id",
    "instance.compartment.id",
    "resource.id",
    "resource.compartment.id",
    "resource.type",
];

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
    conditions: usize,
}

/// `Ok(number of conditions)` when `rule` is in the grammar (legacy unquoted values
/// included), else what is wrong.
pub fn check(rule: &str) -> Result<usize, String> {
    let mut c = Cursor {
        s: rule.as_bytes(),
        at: 0,
        conditions: 0,
    };
    c.expr(0)?;
    c.skip_ws();
    if c.at != c.s.len() {
        return Err(format!("trailing text at {}", c.at));
    }
    Ok(c.conditions)
}

impl Cursor<'_> {
    fn skip_ws(&mut self) {
        while self.at < self.s.len() && self.s[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.at).copied()
    }

    fn word(&mut self) -> &str {
        self.skip_ws();
        let start = self.at;
        while self.at < self.s.len()
            && !self.s[self.at].is_ascii_whitespace()
            && !b"{},=!'\"".contains(&self.s[self.at])
        {
            self.at += 1;
        }
        std::str::from_utf8(&self.s[start..self.at]).unwrap_or("")
    }

    fn expr(&mut self, depth: usize) -> Result<(), String> {
        if depth > 64 {
            return Err("too deep".into());
        }
        let start = self.at;
        let word = self.word().to_owned();
        if ["any", "all"].contains(&word.to_ascii_lowercase().as_str()) && self.peek() == Some(b'{')
        {
            self.at += 1;
            let mut children = 0;
            loop {
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    break;
                }
                self.expr(depth + 1)?;
                children += 1;
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b'}') => {}
                    _ => return Err(format!("expected ',' or '}}' at {}", self.at)),
                }
            }
            return if children == 0 {
                Err("empty group".into())
            } else {
                Ok(())
            };
        }
        let lower = word.to_ascii_lowercase();
        let is_tag = match lower.split('.').collect::<Vec<_>>().as_slice() {
            ["tag", ns, key, "value"] => !ns.is_empty() && !key.is_empty(),
            _ => false,
        };
        if !is_tag && !VARIABLES.contains(&lower.as_str()) {
            return Err(format!("unknown variable {word:?} at {start}"));
        }
        self.conditions += 1;
        match self.peek() {
            Some(b'=') => self.at += 1,
            Some(b'!') if self.s.get(self.at + 1) == Some(&b'=') => self.at += 2,
            _ if is_tag => return Ok(()),
            _ => return Err(format!("{word} needs an operator")),
        }
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => {
                let end = self.s[self.at + 1..].iter().position(|&b| b == q);
                let end = end.ok_or("unterminated value")?;
                self.at += end + 2;
                Ok(())
            }
            _ => {
                let bare = self.word();
                if bare.is_empty() || bare.starts_with("${") {
                    Err(format!("bad unquoted value {bare:?}"))
                } else {
                    Ok(())
                }
            }
        }
    }
}

#[test]
fn the_checker_itself_accepts_and_rejects() {
    assert_eq!(
        check("ALL {instance.id = 'a', any {tag.a.b.value, resource.type = \"x\",},}"),
        Ok(3)
    );
    assert_eq!(check("tag.a.b.value = abc123"), Ok(1));
    assert!(check("ANY {}").is_err());
    assert!(check("compartment.id = 'x'").is_err());
    assert!(check("instance.id").is_err());
    assert!(check("ALL {instance.id = 'a'").is_err());
    assert!(check("instance.id = 'a").is_err());
}
