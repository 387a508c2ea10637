//! Just enough JSON writing for flat records, straight into a byte buffer.
//!
//! Hand-written rather than through serde so that a 10M-line profile costs no
//! intermediate values, and so that the exact bytes (key order, `", "` and `": "`
//! separators, as `oci --output json` and Python's `json.dumps` print them) are fixed
//! by this file.

/// Appends `s` as a JSON string literal.
pub fn push_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// An object being written; [`Obj::end`] closes it.
#[derive(Debug)]
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, empty: true }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.extend_from_slice(b", ");
        }
        self.empty = false;
        push_string(self.out, key);
        self.out.extend_from_slice(b": ");
    }

    /// A string member.
    pub fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        push_string(self.out, value);
    }

    /// A member whose value is already JSON (a number or a boolean).
    pub fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.extend_from_slice(json.as_bytes());
    }

    /// A member whose value is a list of strings.
    pub fn strings(&mut self, key: &str, values: &[String]) {
        self.key(key);
        self.out.push(b'[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.extend_from_slice(b", ");
            }
            push_string(self.out, v);
        }
        self.out.push(b']');
    }

    /// A nested object member.
    pub fn object(&mut self, key: &str) -> Obj<'_> {
        self.key(key);
        Obj::new(self.out)
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_json() {
        let mut buf = Vec::new();
        let mut o = Obj::new(&mut buf);
        o.string("a", "x\"y\\z\n\u{1}é");
        o.raw("n", "45");
        let mut inner = o.object("t");
        inner.raw("b", "true");
        inner.end();
        o.object("e").end();
        o.strings("l", &["a".to_owned(), "b'c".to_owned()]);
        o.end();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            r#"{"a": "x\"y\\z\n\u0001é", "n": 45, "t": {"b": true}, "e": {}, "l": ["a", "b'c"]}"#
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["a"], "x\"y\\z\n\u{1}é");
    }
}
