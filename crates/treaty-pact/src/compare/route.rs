//! Which OpenAPI operation a request reaches: the servers' base paths,
//! path templates (`/payments/{id}`), path parameters valid against their
//! schemas, and the method.

use serde_json::Value;

use super::params::{self, Param};
use super::schema::Spec;
use crate::pact::escape;

/// The operation a request reaches.
#[derive(Debug)]
pub struct Route<'d> {
    /// The operation object.
    pub operation: &'d Value,
    /// JSON pointer of the operation in the document.
    pub pointer: String,
    /// The operation's parameters, path-level ones included.
    pub params: Vec<Param<'d>>,
}

/// A path template that matches: parameter count, template, path item,
/// parameter values.
type Candidate<'d> = (usize, &'d String, &'d Value, Vec<(String, String)>);

/// Finds the operation for `method` and `path`; `None` when no path
/// template matches with valid path parameters, or the method is not
/// there.
pub fn find<'d>(spec: &Spec<'d>, method: &str, path: &str) -> Option<Route<'d>> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let paths = spec.doc.get("paths")?.as_object()?;
    let method = method.to_ascii_lowercase();
    let mut candidates: Vec<Candidate<'d>> = Vec::new();
    for base in base_paths(spec.doc) {
        let Some(rest) = strip_base(path, &base) else {
            continue;
        };
        for (template, item) in paths {
            if let Some(values) = match_template(template, rest) {
                candidates.push((values.len(), template, item, values));
            }
        }
    }
    // Literal segments win over templated ones (`/payments/latest` before
    // `/payments/{id}`), as OpenAPI says.
    candidates.sort_by_key(|c| c.0);
    for (_, template, item, values) in candidates {
        let item = spec.deref(item);
        let Some(operation) = item.get(method.as_str()) else {
            continue;
        };
        let pointer = format!("/paths/{}/{method}", escape(template));
        let params = params::collect(spec, item, operation, &pointer);
        let valid = values.iter().all(|(name, value)| {
            params
                .iter()
                .find(|p| p.location == "path" && p.name == *name)
                .is_none_or(|p| params::check(spec, p, &[value.as_str()]).is_ok())
        });
        if valid {
            return Some(Route {
                operation,
                pointer,
                params,
            });
        }
    }
    None
}

/// The base paths of the servers (`https://api.example.com/v1` → `/v1`),
/// variables replaced by their defaults; `""` when there are none.
fn base_paths(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> = doc
        .get("servers")
        .and_then(Value::as_array)
        .map(|servers| {
            servers
                .iter()
                .filter_map(|s| {
                    let url = s.get("url")?.as_str()?;
                    let mut url = url.to_owned();
                    if let Some(vars) = s.get("variables").and_then(Value::as_object) {
                        for (name, var) in vars {
                            let default = var.get("default").and_then(Value::as_str).unwrap_or("");
                            url = url.replace(&format!("{{{name}}}"), default);
                        }
                    }
                    let path = match url.split_once("://") {
                        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
                        None if url.starts_with("//") => {
                            url[2..].find('/').map_or("", |i| &url[2 + i..])
                        }
                        None => url.as_str(),
                    };
                    Some(path.trim_end_matches('/').to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    if out.is_empty() {
        out.push(String::new());
    }
    out.sort();
    out.dedup();
    out
}

fn strip_base<'p>(path: &'p str, base: &str) -> Option<&'p str> {
    if base.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(base)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// Matches a path against a template, segment by segment; the values of
/// the template's parameters, percent-decoded.
fn match_template(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut values = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        match (ts.find('{'), ts.find('}')) {
            (Some(open), Some(close)) if open < close => {
                let prefix = &ts[..open];
                let suffix = &ts[close + 1..];
                let value = ps.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if value.is_empty() {
                    return None;
                }
                values.push((ts[open + 1..close].to_owned(), percent_decode(value)));
            }
            _ => {
                if percent_decode(ts) != percent_decode(ps) {
                    return None;
                }
            }
        }
    }
    Some(values)
}

/// `%20` → ` `; invalid escapes are kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_segments() {
        assert_eq!(
            match_template("/payments/{id}", "/payments/42"),
            Some(vec![("id".to_owned(), "42".to_owned())])
        );
        assert_eq!(
            match_template("/files/{name}.json", "/files/a%20b.json"),
            Some(vec![("name".to_owned(), "a b".to_owned())])
        );
        assert_eq!(match_template("/payments/{id}", "/payments"), None);
        assert_eq!(match_template("/payments", "/payments/"), Some(vec![]));
    }

    #[test]
    fn servers_give_base_paths() {
        let doc = serde_json::json!({"servers": [
            {"url": "https://api.example.com/v1/"},
            {"url": "/{stage}/api", "variables": {"stage": {"default": "prod"}}}
        ]});
        assert_eq!(base_paths(&doc), ["/prod/api", "/v1"]);
        assert_eq!(strip_base("/v1/payments", "/v1"), Some("/payments"));
        assert_eq!(strip_base("/v10/payments", "/v1"), None);
    }
}
