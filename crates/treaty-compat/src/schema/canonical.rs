//! The canonical text of a value, so that equal values written
//! differently compare equal.

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
            Resolved::Int(i) => out.push_str(&i.to_string()),
            Resolved::UInt(u) => out.push_str(&u.to_string()),
            Resolved::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                out.push_str(&(f as i64).to_string())
            }
            Resolved::Float(f) => out.push_str(&f.to_string()),
            Resolved::Str(t) => out.push_str(&format!("{t:?}")),
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
                out.push_str(&format!(
                    "{:?}:",
                    k.as_scalar().map(|s| s.text.as_str()).unwrap_or("")
                ));
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}
