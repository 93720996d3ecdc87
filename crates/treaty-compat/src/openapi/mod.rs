//! OpenAPI 3.0 and 3.1: operations, parameters, bodies, responses and
//! security, with every schema compared by the schema engine in the
//! direction its data flows.
//!
//! `paths` walks path items and webhooks, `operations` compares one
//! operation through `parameters`, `bodies` (request bodies and
//! responses), `headers` (of responses) and `security`; the schemas found on the way are compared
//! at the end, once both versions are normalised.

mod bodies;
mod headers;
mod operations;
mod parameters;
mod paths;
mod security;

use crate::diff::OperationIds;

use treaty_syntax::Node;

use crate::change::{Change, Direction, Side};
use crate::compare::SchemaComparer;
use crate::document::{CompatError, Loaded};
use crate::schema::{Dialect, Normalizer, SchemaId};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One side's walk: the normalizer, where the document is, and its
/// top-level `security` (operations without their own inherit it).
struct Walk<'a> {
    norm: Normalizer<'a>,
    file: String,
    root: &'a Node,
    security: Option<&'a Node>,
}

impl<'a> Walk<'a> {
    fn new(version: Loaded<'a>) -> Walk<'a> {
        Walk {
            norm: Normalizer::new(version.docs, version.source, dialect(version.root)),
            file: version.path.to_owned(),
            root: version.root,
            security: version.root.get("security"),
        }
    }
}

/// A pair of schemas to compare once both arenas are complete.
struct Root {
    old: SchemaId,
    new: SchemaId,
    direction: Direction,
    operation: String,
    field: String,
}

/// What the walk found: changes to operations, and schemas to compare.
#[derive(Default)]
struct Found {
    changes: Vec<Change>,
    roots: Vec<Root>,
}

fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// `/a/{id}/b` and `/a/{key}/b` are the same path.
pub fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0u32;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// Names of a path template's parameters, in order.
fn path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
        .collect()
}

fn dialect(root: &Node) -> Dialect {
    match root
        .get("openapi")
        .and_then(|v| v.as_scalar())
        .map(|s| s.text.as_str())
    {
        Some(v) if v.starts_with("3.0") => Dialect::OpenApi30,
        _ => Dialect::JsonSchema,
    }
}

fn flag(node: Option<&Node>, key: &str) -> bool {
    matches!(
        node.and_then(|n| n.get(key))
            .and_then(Node::as_scalar)
            .map(|s| s.resolve()),
        Some(treaty_syntax::Resolved::Bool(true))
    )
}

fn side(file: &str, pointer: String) -> Option<Side> {
    Some(Side {
        file: file.to_owned(),
        pointer,
        position: None,
    })
}

/// `operationId`s of each operation label (`POST /payments`), from both
/// versions (a renamed one has two).
fn operation_ids(roots: [&Node; 2]) -> OperationIds {
    let mut operation_ids = OperationIds::new();
    for root in roots {
        for (tpl, item) in root.get("paths").and_then(Node::as_map).unwrap_or_default() {
            let Some(tpl) = tpl.as_scalar() else { continue };
            for method in METHODS {
                if let Some(id) = item
                    .get(method)
                    .and_then(|op| op.get("operationId"))
                    .and_then(Node::as_str)
                {
                    operation_ids
                        .entry(format!("{} {}", method.to_uppercase(), tpl.text))
                        .or_default()
                        .insert(id.to_owned());
                }
            }
        }
    }
    operation_ids
}

/// Compares two OpenAPI documents: the changes, and the `operationId` of
/// each operation.
pub fn diff(old: Loaded<'_>, new: Loaded<'_>) -> Result<(Vec<Change>, OperationIds), CompatError> {
    let operation_ids = operation_ids([old.root, new.root]);
    let mut old = Walk::new(old);
    let mut new = Walk::new(new);
    let mut found = Found::default();
    paths::sections(&mut found, &mut old, &mut new)?;

    let old_arena = old.norm.finish();
    let new_arena = new.norm.finish();
    let mut cmp = SchemaComparer::new(&old_arena, &new_arena);
    for root in &found.roots {
        cmp.compare_root(
            root.old,
            root.new,
            root.direction,
            Some(&root.operation),
            &root.field,
        );
    }
    cmp.attribute();
    let mut changes = found.changes;
    changes.extend(cmp.changes);
    Ok((changes, operation_ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates_compare_by_shape() {
        assert_eq!(normalize_path("/a/{id}/b/{x}"), "/a/{}/b/{}");
        assert_eq!(normalize_path("/a/{key}/b/{y}"), "/a/{}/b/{}");
        assert_eq!(path_params("/a/{id}/b/{x}"), vec!["id", "x"]);
    }
}
