//! Writing a JSON value as block-style YAML, keys in a fixed order
//! (Treaty's fields in the order docs/format.md lists them, then the rest
//! sorted), so that files written twice from the same data are the same
//! bytes and a re-import's diff shows only what changed.

use serde_json::Value;

/// Keys written first, in this order; any other key follows, sorted.
const KEY_ORDER: &[&str] = &[
    "version",
    "organization",
    "id",
    "team",
    "apiVersion",
    "name",
    "namespace",
    "title",
    "description",
    "kind",
    "metadata",
    "annotations",
    "schema",
    "include_paths",
    "proto_category",
    "undeclared_properties",
    "producer",
    "consumers",
    "uses",
    "expectations",
    "email",
    "role",
    "members",
    "contacts",
    "escalation",
    "to",
    "after",
    "compatibility",
    "versioning",
    "deprecation_notice",
    "slos",
    "failure_modes",
    "spec",
    "type",
    "lifecycle",
    "owner",
    "profile",
    "displayName",
    "memberOf",
    "children",
    "providesApis",
    "consumesApis",
    "definition",
];

/// `value` as a YAML document (a mapping or a list), ending in a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    block(value, 0, &mut out);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn sorted_keys(map: &serde_json::Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| {
        (
            KEY_ORDER
                .iter()
                .position(|o| o == k)
                .unwrap_or(KEY_ORDER.len()),
            k.as_str(),
        )
    });
    keys
}

fn is_empty_collection(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.is_empty()) || matches!(v, Value::Array(a) if a.is_empty())
}

fn block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for key in sorted_keys(map) {
                let v = &map[key];
                out.push_str(&format!("{pad}{}:", scalar_text(key)));
                child(v, indent, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&format!("{pad}-"));
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        // The first entry shares the dash's line.
                        let mut inner = String::new();
                        block(item, indent + 2, &mut inner);
                        out.push(' ');
                        out.push_str(inner.trim_start());
                    }
                    _ => child(item, indent, out),
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// What follows `key:` or `-`: a scalar on the same line, or a block below.
fn child(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::String(s) if literal_block_fits(s) => {
            // A literal block keeps multi-line text (a definition) readable.
            let keep = if s.ends_with('\n') { "" } else { "-" };
            let body = s.strip_suffix('\n').unwrap_or(s);
            out.push_str(&format!(" |{keep}\n"));
            for line in body.split('\n') {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(&format!("{}{line}\n", " ".repeat(indent + 2)));
                }
            }
        }
        Value::Object(_) | Value::Array(_) if !is_empty_collection(v) => {
            out.push('\n');
            let nested = if matches!(v, Value::Array(_)) {
                indent
            } else {
                indent + 2
            };
            block(v, nested, out);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// Whether `s` reads back unchanged from a literal block: several lines,
/// the first not indented (it sets the block's indentation), no line of
/// blanks only (a block reads it as empty), at most one final newline,
/// and nothing a block cannot hold.
fn literal_block_fits(s: &str) -> bool {
    s.contains('\n')
        && !s.ends_with("\n\n")
        && !s.starts_with([' ', '\t', '\n'])
        && s.chars().all(|c| c == '\n' || !c.is_control())
        && s.split('\n')
            .all(|l| l.is_empty() || !l.chars().all(|c| c == ' ' || c == '\t'))
        && !s.split('\n').any(|l| l.ends_with([' ', '\t']))
}

fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_text(s),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// A string as a YAML scalar: plain when it reads back as the same
/// string, else quoted (JSON's quoting is valid YAML).
fn scalar_text(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '/' | '@' | '+' | '(' | ')')
        })
        && !s.starts_with([' ', '-', '.'])
        && !s.ends_with(' ')
        // YAML 1.1 readers (older tools) take these for booleans.
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off"
        )
        && matches!(
            treaty_syntax::Scalar {
                text: s.to_owned(),
                quoted: false,
            }
            .resolve(),
            treaty_syntax::Resolved::Str(_)
        );
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use treaty_syntax::{Limits, SourceId};

    proptest::proptest! {
        /// Whatever the strings, the YAML written reads back as the value.
        #[test]
        fn what_is_written_reads_back(
            keys in proptest::collection::vec("[a-zA-Z0-9 :#'\"\\-]{1,12}", 1..5),
            // Printable text and line breaks: what names, descriptions and
            // definitions hold (YAML cannot carry C0/C1 controls anyway).
            texts in proptest::collection::vec("[ a-zA-Z0-9:#'\"\\-\n\t|>{}\\[\\]é]{0,40}", 1..5),
        ) {
            let mut map = serde_json::Map::new();
            for (k, t) in keys.iter().zip(texts.iter()) {
                map.insert(k.clone(), Value::String(t.clone()));
            }
            map.insert("list".into(), Value::Array(texts.iter().cloned().map(Value::String).collect()));
            map.insert("nested".into(), serde_json::json!([{"a": texts[0], "b": {"c": 1, "d": []}}]));
            let value = Value::Object(map);
            let text = to_yaml(&value);
            let node = treaty_syntax::parse(&text, SourceId(0), &Limits::CONTRACT_FILE);
            proptest::prop_assert!(node.is_ok(), "{text}");
            if let Ok(node) = node {
                proptest::prop_assert_eq!(treaty_pact::to_json(&node), value, "{}", text);
            }
        }
    }
}
