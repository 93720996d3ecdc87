//! The position-carrying tree.

use std::borrow::Cow;

use crate::Span;

/// One node of a YAML or JSON document and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The node's text in the file (for a mapping or sequence, all of it).
    pub span: Span,
    /// What the node holds.
    pub value: Value,
}

/// The content of a [`Node`]. Scalars keep their text; their type is
/// resolved on demand ([`Scalar::resolve`]) so that `version: 1.10` can
/// still be read as the string `"1.10"` where a string is expected.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A single value: a string, number, boolean or null.
    Scalar(Scalar),
    /// A YAML sequence or JSON array, items in document order.
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique (checked when parsing).
    Map(Vec<(Node, Node)>),
}

/// A scalar's text and whether it was quoted (a quoted scalar is always a
/// string).
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's value as text, with escapes and folding applied.
    pub text: String,
    /// Not a plain scalar (quoted, a block scalar, tagged `!!str`, or a
    /// JSON string): always a string, never resolved to a number or boolean.
    pub quoted: bool,
}

/// A scalar's value under the YAML 1.2 core schema (which JSON follows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved<'a> {
    /// `null`, `~` or nothing at all.
    Null,
    /// `true` or `false` (also capitalised or in capitals).
    Bool(bool),
    /// A decimal, `0x` hexadecimal or `0o` octal integer that fits `i64`.
    Int(i64),
    /// An integer too large for `i64`.
    UInt(u64),
    /// A number with a fraction or exponent, or `.inf`/`.nan`.
    Float(f64),
    /// Anything else: the scalar's text.
    Str(&'a str),
}

impl Scalar {
    /// The scalar's value under the YAML 1.2 core schema; a quoted scalar
    /// is always a string.
    pub fn resolve(&self) -> Resolved<'_> {
        if self.quoted {
            return Resolved::Str(&self.text);
        }
        let t = self.text.as_str();
        match t {
            "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
            "true" | "True" | "TRUE" => return Resolved::Bool(true),
            "false" | "False" | "FALSE" => return Resolved::Bool(false),
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
                return Resolved::Float(f64::INFINITY);
            }
            "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
            _ => {}
        }
        let first = t.as_bytes()[0];
        if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
            return Resolved::Str(t);
        }
        if let Some(hex) = t.strip_prefix("0x") {
            if let Ok(v) = i64::from_str_radix(hex, 16) {
                return Resolved::Int(v);
            }
        } else if let Some(oct) = t.strip_prefix("0o") {
            if let Ok(v) = i64::from_str_radix(oct, 8) {
                return Resolved::Int(v);
            }
        } else if is_decimal_int(t) {
            if let Ok(v) = t.parse::<i64>() {
                return Resolved::Int(v);
            }
            if let Ok(v) = t.parse::<u64>() {
                return Resolved::UInt(v);
            }
            if let Ok(v) = t.parse::<f64>() {
                return Resolved::Float(v);
            }
        } else if is_float(t)
            && let Ok(v) = t.parse::<f64>()
        {
            return Resolved::Float(v);
        }
        Resolved::Str(t)
    }
}

/// A JSON pointer token as a name: percent-decoded (as in URI fragments),
/// then `~1` and `~0` unescaped. Borrowed when there is nothing to undo,
/// which is almost always: pointers are followed for every `$ref`.
fn pointer_token(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['%', '~']) {
        return Cow::Borrowed(raw);
    }
    let decoded = percent_decode(raw);
    // `~1` then `~0`, in one pass: what `~0` yields is not read again.
    let mut out = String::with_capacity(decoded.len());
    let mut chars = decoded.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('~', Some('1')) => {
                out.push('/');
                chars.next();
            }
            ('~', Some('0')) => {
                out.push('~');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn is_decimal_int(t: &str) -> bool {
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_float(t: &str) -> bool {
    let s = t.strip_prefix(['-', '+']).unwrap_or(t).as_bytes();
    let mut i = 0;
    let int_digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == s.len()
}

impl Node {
    /// The entries, if the node is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if the node is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The scalar, if the node is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text when it resolves to a string.
    pub fn as_str(&self) -> Option<&str> {
        match self.as_scalar()?.resolve() {
            Resolved::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a mapping's entry whose key is the string `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    }

    /// The node a JSON pointer (RFC 6901, `/a/b/0`; also percent-decoded
    /// as found in URI fragments) designates.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = pointer_token(raw);
            node = match &node.value {
                Value::Map(_) => node.get(&token)?,
                Value::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
                Value::Scalar(_) => return None,
            };
        }
        Some(node)
    }

    /// The key node of a mapping's entry (for pointing at a field name).
    pub fn key_node(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(k, _)| k)
    }

    /// A short name for the kind of node, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => "null",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) | Resolved::UInt(_) => "an integer",
                Resolved::Float(_) => "a number",
                Resolved::Str(_) => "a string",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &str) -> Scalar {
        Scalar {
            text: t.to_owned(),
            quoted: false,
        }
    }

    #[test]
    fn json_pointers_find_nodes() -> Result<(), crate::SyntaxError> {
        let n = crate::parse(
            "a:\n  b/c: [x, {d~e: 1}]\n  'sp ace': 2\n  t~1: 3\n",
            crate::SourceId(0),
            &crate::Limits::CONTRACT_FILE,
        )?;
        let text = |p: &str| {
            n.pointer(p)
                .and_then(|n| n.as_scalar())
                .map(|s| s.text.clone())
        };
        assert_eq!(text("/a/b~1c/0"), Some("x".into()));
        assert_eq!(text("/a/b~1c/1/d~0e"), Some("1".into()));
        assert_eq!(text("/a/sp%20ace"), Some("2".into()));
        // `~01` is `~1` (what `~0` yields is not unescaped again).
        assert_eq!(text("/a/t~01"), Some("3".into()));
        assert_eq!(text("/a/t~1"), None);
        assert_eq!(text("/a/missing"), None);
        assert_eq!(text("/a/b~1c/9"), None);
        Ok(())
    }

    #[test]
    fn resolves_the_core_schema() {
        assert_eq!(plain("~").resolve(), Resolved::Null);
        assert_eq!(plain("true").resolve(), Resolved::Bool(true));
        assert_eq!(plain("no").resolve(), Resolved::Str("no"));
        assert_eq!(plain("-12").resolve(), Resolved::Int(-12));
        assert_eq!(plain("0x1F").resolve(), Resolved::Int(31));
        assert_eq!(plain("1.5e3").resolve(), Resolved::Float(1500.0));
        assert_eq!(plain("1.10").resolve(), Resolved::Float(1.1));
        assert_eq!(plain("2026-12-01").resolve(), Resolved::Str("2026-12-01"));
        assert_eq!(plain("1e").resolve(), Resolved::Str("1e"));
        assert_eq!(plain("-").resolve(), Resolved::Str("-"));
        assert_eq!(
            Scalar {
                text: "12".into(),
                quoted: true
            }
            .resolve(),
            Resolved::Str("12")
        );
    }
}
