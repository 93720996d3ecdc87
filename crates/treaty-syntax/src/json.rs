//! A strict JSON reader into the same [`Node`] tree as YAML. JSON is
//! YAML 1.2, but the YAML reader is slower on large machine-written files
//! and refuses JSON's UTF-16 surrogate pairs (`"\ud83d\udc4d"`).

use crate::yaml::{SyntaxError, SyntaxErrorKind, check_unique_keys};
use crate::{Limits, Node, Scalar, SourceId, Span, Value};

struct Reader<'t> {
    /// The same text as `text`, for slicing out strings without checking
    /// their UTF-8 again.
    source: &'t str,
    text: &'t [u8],
    pos: usize,
    base: usize,
    file: SourceId,
    limits: &'t Limits,
    depth: usize,
    nodes: usize,
    /// Entries of the mappings being read, innermost last: each mapping's
    /// vector is allocated once, at its size, when it ends (growing one
    /// vector per mapping cost more allocations than the nodes).
    entries: Vec<(Node, Node)>,
    /// The same for the items of sequences.
    items: Vec<Node>,
}

/// Parses `text` (which starts at byte `base` of the file) as one JSON value.
pub(crate) fn parse_json(
    text: &str,
    base: usize,
    file: SourceId,
    limits: &Limits,
) -> Result<Node, SyntaxError> {
    let mut r = Reader {
        source: text,
        text: text.as_bytes(),
        pos: 0,
        base,
        file,
        limits,
        depth: 0,
        nodes: 0,
        entries: Vec::new(),
        items: Vec::new(),
    };
    r.skip_ws();
    let node = r.value()?;
    r.skip_ws();
    if r.pos < r.text.len() {
        return Err(r.error("unexpected content after the JSON value"));
    }
    Ok(node)
}

impl Reader<'_> {
    fn span(&self, start: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + self.pos)
    }

    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError {
            kind: SyntaxErrorKind::Syntax,
            message: format!("invalid JSON: {message}"),
            span: Span::new(self.file, self.base + self.pos, self.base + self.pos),
            previous: None,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.text.get(self.pos) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), SyntaxError> {
        if self.text.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    fn count(&mut self) -> Result<(), SyntaxError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(SyntaxError {
                kind: SyntaxErrorKind::Limit,
                message: format!(
                    "document has more than the limit of {} nodes",
                    self.limits.max_nodes
                ),
                span: Span::new(self.file, self.base + self.pos, self.base + self.pos),
                previous: None,
            });
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(SyntaxError {
                kind: SyntaxErrorKind::Limit,
                message: format!(
                    "nesting is deeper than the limit of {} levels",
                    self.limits.max_depth
                ),
                span: Span::new(self.file, self.base + self.pos, self.base + self.pos),
                previous: None,
            });
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        self.count()?;
        let start = self.pos;
        match self.text.get(self.pos) {
            Some(b'{') => {
                self.enter()?;
                self.pos += 1;
                let first = self.entries.len();
                self.skip_ws();
                if self.text.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        if self.text.get(self.pos) != Some(&b'"') {
                            return Err(self.error("expected a string key"));
                        }
                        self.count()?;
                        let key = self.string()?;
                        self.skip_ws();
                        self.expect(b':', "`:`")?;
                        self.skip_ws();
                        let value = self.value()?;
                        self.entries.push((key, value));
                        self.skip_ws();
                        match self.text.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                self.depth -= 1;
                let entries: Vec<(Node, Node)> = self.entries.drain(first..).collect();
                check_unique_keys(&entries)?;
                Ok(Node {
                    span: self.span(start),
                    value: Value::Map(entries),
                })
            }
            Some(b'[') => {
                self.enter()?;
                self.pos += 1;
                let first = self.items.len();
                self.skip_ws();
                if self.text.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        let item = self.value()?;
                        self.items.push(item);
                        self.skip_ws();
                        match self.text.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                }
                self.depth -= 1;
                let items: Vec<Node> = self.items.drain(first..).collect();
                Ok(Node {
                    span: self.span(start),
                    value: Value::Seq(items),
                })
            }
            Some(b'"') => self.string(),
            Some(b't' | b'f' | b'n') => {
                for word in ["true", "false", "null"] {
                    if self.text[self.pos..].starts_with(word.as_bytes()) {
                        self.pos += word.len();
                        return Ok(self.plain(start));
                    }
                }
                Err(self.error("expected a value"))
            }
            Some(b'-' | b'0'..=b'9') => {
                if self.text[self.pos] == b'-' {
                    self.pos += 1;
                }
                let digits = |r: &mut Self| {
                    let from = r.pos;
                    while r.text.get(r.pos).is_some_and(u8::is_ascii_digit) {
                        r.pos += 1;
                    }
                    r.pos > from
                };
                if !digits(self) {
                    return Err(self.error("expected digits"));
                }
                if self.text.get(self.pos) == Some(&b'.') {
                    self.pos += 1;
                    if !digits(self) {
                        return Err(self.error("expected digits after `.`"));
                    }
                }
                if let Some(b'e' | b'E') = self.text.get(self.pos) {
                    self.pos += 1;
                    if let Some(b'+' | b'-') = self.text.get(self.pos) {
                        self.pos += 1;
                    }
                    if !digits(self) {
                        return Err(self.error("expected an exponent"));
                    }
                }
                Ok(self.plain(start))
            }
            _ => Err(self.error("expected a value")),
        }
    }

    /// A literal (number, true, false, null) read since `start`.
    fn plain(&self, start: usize) -> Node {
        // Literals are ASCII, so the slice is on character boundaries.
        let text = self
            .source
            .get(start..self.pos)
            .unwrap_or_default()
            .to_owned();
        Node {
            span: self.span(start),
            value: Value::Scalar(Scalar {
                text,
                quoted: false,
            }),
        }
    }

    fn string(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        // Most strings have no escape: their text is a slice of the
        // (already valid UTF-8) input, copied once.
        // The end or an escape is found with memchr; a control character
        // before it (refused below) by a check the compiler vectorises.
        let rest = &self.text[self.pos..];
        let run = memchr::memchr2(b'"', b'\\', rest)
            .filter(|&len| !rest[..len].iter().fold(false, |c, &b| c | (b < 0x20)));
        if let Some(len) = run
            && rest[len] == b'"'
        {
            // Both ends are ASCII quotes, so the slice is on character
            // boundaries.
            let text = self
                .source
                .get(self.pos..self.pos + len)
                .ok_or_else(|| self.error("string is not UTF-8"))?
                .to_owned();
            self.pos += len + 1;
            return Ok(Node {
                span: self.span(start),
                value: Value::Scalar(Scalar { text, quoted: true }),
            });
        }
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&b) = self.text.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = self.text.get(self.pos) else {
                        return Err(self.error("unterminated escape"));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&first)
                                && self.text[self.pos..].starts_with(b"\\u")
                            {
                                self.pos += 2;
                                let second = self.hex4()?;
                                if (0xDC00..0xE000).contains(&second) {
                                    char::from_u32(
                                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00),
                                    )
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(first)
                            };
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(
                                c.unwrap_or('\u{fffd}').encode_utf8(&mut buf).as_bytes(),
                            );
                        }
                        _ => return Err(self.error("invalid escape in a string")),
                    }
                }
                0..=0x1f => return Err(self.error("control character in a string")),
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
        let text = String::from_utf8(out).map_err(|_| self.error("string is not UTF-8"))?;
        Ok(Node {
            span: self.span(start),
            value: Value::Scalar(Scalar { text, quoted: true }),
        })
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("short \\u escape"))?;
        let s = std::str::from_utf8(digits).map_err(|_| self.error("invalid \\u escape"))?;
        let v = u32::from_str_radix(s, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Limits, SourceId, parse};

    #[test]
    fn reads_json_with_surrogate_pairs_and_positions() -> Result<(), crate::SyntaxError> {
        let text = "{\"a\": [1, -2.5e3, true, null], \"b\": \"Hello \\ud83d\\udc4d\"}";
        let n = parse(text, SourceId(0), &Limits::SCHEMA_FILE)?;
        assert_eq!(n.get("b").and_then(|b| b.as_str()), Some("Hello 👍"));
        let a = n.get("a").map(|a| a.span).unwrap_or_default();
        assert_eq!(
            &text[a.start as usize..a.end as usize],
            "[1, -2.5e3, true, null]"
        );
        Ok(())
    }

    #[test]
    fn rejects_broken_json_and_duplicate_keys() {
        let lim = Limits::SCHEMA_FILE;
        assert!(parse("{\"a\": 1, \"a\": 2}", SourceId(0), &lim).is_err());
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(
            parse(&deep, SourceId(0), &lim).err().map(|e| e.kind),
            Some(crate::SyntaxErrorKind::Limit)
        );
    }
}
