//! Pact matching rules: v2's `$.body.x` keys and v3/v4's categories with
//! matcher lists read into one shape, and the body paths they name
//! resolved against an example body.

use serde_json::{Map, Value};

/// Most concrete places one rule path may resolve to in a body.
const MAX_MATCHES: usize = 1_000;

/// The matching rules of a request or response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    /// `(category, path, matchers)`: category is `body`, `header`,
    /// `query` or `path`; path is a Pact path (`$.items[*].id`).
    pub entries: Vec<(String, String, Vec<Matcher>)>,
}

impl Rules {
    /// Adds the matchers of one path.
    pub fn add(&mut self, category: &str, path: String, matchers: Vec<Matcher>) {
        let category = match category {
            "headers" => "header",
            other => other,
        };
        self.entries.push((category.to_owned(), path, matchers));
    }

    /// The body rules.
    pub fn body(&self) -> impl Iterator<Item = (&str, &[Matcher])> {
        self.entries
            .iter()
            .filter(|(c, _, _)| c == "body")
            .map(|(_, p, m)| (p.as_str(), m.as_slice()))
    }
}

/// One matcher. Only what the comparison uses is kept apart; the others
/// are `Other` with their name.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// Any value of the example's type; for arrays, `min`/`max` items
    /// (`type` with bounds, `min`, `max`, v2's arrays-like).
    Type {
        /// Fewest items the consumer allows.
        min: Option<u64>,
        /// Most items the consumer allows.
        max: Option<u64>,
    },
    /// A string matching the regular expression.
    Regex(String),
    /// An integer.
    Integer,
    /// A number with a fraction.
    Decimal,
    /// Any number.
    Number,
    /// A boolean.
    Boolean,
    /// Null.
    Null,
    /// Every key matches the nested rules (the example's keys are checked).
    EachKey,
    /// Every value matches the nested rules (the example's values are checked).
    EachValue,
    /// Any other matcher, by name (`date`, `include`, `equality`, …).
    Other(String),
}

impl Matcher {
    /// Reads one matcher object (`{"match": "type", "min": 1}`, v2's
    /// `{"regex": "…"}` or `{"min": 1}`).
    pub fn from_object(obj: &Map<String, Value>) -> Matcher {
        let min = obj.get("min").and_then(Value::as_u64);
        let max = obj.get("max").and_then(Value::as_u64);
        let name = obj.get("match").and_then(Value::as_str);
        match name {
            Some("type" | "min" | "max" | "minType" | "maxType" | "minmax") | None
                if !obj.contains_key("regex") =>
            {
                Matcher::Type { min, max }
            }
            Some("regex") | None => Matcher::Regex(
                obj.get("regex")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            Some("integer") => Matcher::Integer,
            Some("decimal") => Matcher::Decimal,
            Some("number") => Matcher::Number,
            Some("boolean") => Matcher::Boolean,
            Some("null") => Matcher::Null,
            Some("eachKey") => Matcher::EachKey,
            Some("eachValue") => Matcher::EachValue,
            Some(other) => Matcher::Other(other.to_owned()),
        }
    }

    /// How the matcher reads in a message.
    pub fn describe(&self) -> String {
        match self {
            Matcher::Type { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("type matcher (min {a}, max {b})"),
                (Some(a), None) => format!("type matcher (min {a})"),
                (None, Some(b)) => format!("type matcher (max {b})"),
                (None, None) => "type matcher".to_owned(),
            },
            Matcher::Regex(r) => format!("regex matcher `{r}`"),
            Matcher::Integer => "integer matcher".to_owned(),
            Matcher::Decimal => "decimal matcher".to_owned(),
            Matcher::Number => "number matcher".to_owned(),
            Matcher::Boolean => "boolean matcher".to_owned(),
            Matcher::Null => "null matcher".to_owned(),
            Matcher::EachKey => "eachKey matcher".to_owned(),
            Matcher::EachValue => "eachValue matcher".to_owned(),
            Matcher::Other(name) => format!("{name} matcher"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
    Any,
}

/// Parses a Pact path (`$.a.b[*]['c d'][0].*`); `None` when malformed.
fn segments(path: &str) -> Option<Vec<Segment>> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let key = &r[..end];
            out.push(if key == "*" {
                Segment::Any
            } else {
                Segment::Key(key.to_owned())
            });
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            out.push(if inner == "*" {
                Segment::Any
            } else if let Some(q) = inner
                .strip_prefix('\'')
                .and_then(|q| q.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|q| q.strip_suffix('"')))
            {
                Segment::Key(q.to_owned())
            } else {
                Segment::Index(inner.parse().ok()?)
            });
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// The JSON pointers (into `body`) of the values a Pact path names.
pub fn resolve(body: &Value, path: &str) -> Vec<String> {
    let Some(segments) = segments(path) else {
        return Vec::new();
    };
    let mut current = vec![(String::new(), body)];
    for segment in &segments {
        let mut next = Vec::new();
        for (pointer, value) in current {
            match (segment, value) {
                (Segment::Key(k), Value::Object(m)) => {
                    if let Some(v) = m.get(k) {
                        next.push((format!("{pointer}/{}", crate::pact::escape(k)), v));
                    }
                }
                (Segment::Index(i), Value::Array(a)) => {
                    if let Some(v) = a.get(*i) {
                        next.push((format!("{pointer}/{i}"), v));
                    }
                }
                (Segment::Any, Value::Array(a)) => {
                    next.extend(
                        a.iter()
                            .enumerate()
                            .map(|(i, v)| (format!("{pointer}/{i}"), v)),
                    );
                }
                (Segment::Any, Value::Object(m)) => next.extend(
                    m.iter()
                        .map(|(k, v)| (format!("{pointer}/{}", crate::pact::escape(k)), v)),
                ),
                _ => {}
            }
            if next.len() > MAX_MATCHES {
                next.truncate(MAX_MATCHES);
                break;
            }
        }
        current = next;
    }
    current.into_iter().map(|(p, _)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_pointers() {
        let body = serde_json::json!({"items": [{"id": 1}, {"id": 2}], "a b": {"c": true}});
        assert_eq!(
            resolve(&body, "$.items[*].id"),
            ["/items/0/id", "/items/1/id"]
        );
        assert_eq!(resolve(&body, "$['a b'].c"), ["/a b/c"]);
        assert_eq!(resolve(&body, "$.items[1]"), ["/items/1"]);
        assert_eq!(resolve(&body, "$"), [""]);
        assert!(resolve(&body, "$.missing").is_empty());
        assert!(resolve(&body, "not a path").is_empty());
    }
}
