//! The canonical text of a value, so that equal values written
//! differently compare equal.

use std::fmt::Write;

use treaty_syntax::{Node, Resolved, Value};

/// A canonical JSON text of a node: keys sorted, scalars resolved, so that
/// equal values written differently compare equal.
pub fn canonical(node: &Node) -> String {
    let mut out = String::new();
    write_canonical(node, &mut out);
    out
}

fn write_canonical(node: &Node, out: &mut String) {
    match &node.value {
        Value::Scalar(s) => match s.resolve() {
            Resolved::Null => out.push_str("null"),
            Resolved::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            // Written in place: a String for each value cost more than
            // the rest of reading an `enum`. (Writing to a String never fails.)
            Resolved::Int(i) => _ = write!(out, "{i}"),
            Resolved::UInt(u) => _ = write!(out, "{u}"),
            Resolved::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                _ = write!(out, "{}", f as i64)
            }
            Resolved::Float(f) => _ = write!(out, "{f}"),
            Resolved::Str(t) => quoted(t, out),
        },
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let mut sorted: Vec<&(Node, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| {
                a.0.as_scalar()
                    .map(|s| &s.text)
                    .cmp(&b.0.as_scalar().map(|s| &s.text))
            });
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quoted(k.as_scalar().map(|s| s.text.as_str()).unwrap_or(""), out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}

/// `text` as Rust's `{:?}` quotes it. Printable ASCII without `"` or `\`
/// (nearly every value) is quoted as it is, without the formatter.
fn quoted(text: &str, out: &mut String) {
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.reserve(text.len() + 2);
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        _ = write!(out, "{text:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quotes_as_debug_does() {
        for text in [
            "",
            "plain",
            "a'b",
            "a\"b",
            "a\\b",
            "tab\there",
            "line\n",
            "\u{7f}",
            "é",
            "\u{301}x",
            "\u{0}",
        ] {
            let mut out = String::new();
            quoted(text, &mut out);
            assert_eq!(out, format!("{text:?}"));
        }
    }
}
