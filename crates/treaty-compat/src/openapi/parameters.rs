//! Parameters, keyed by where they are and their name.

use std::collections::BTreeMap;

use treaty_syntax::Node;

use super::{Walk, esc, flag, path_params};
use crate::document::CompatError;
use crate::schema::{Located, SchemaId};

/// A parameter as both versions are compared by.
pub(super) struct Param {
    pub(super) name: String,
    pub(super) required: bool,
    pub(super) schema: Option<SchemaId>,
    pub(super) pointer: String,
}

/// The schema of a parameter or header (`node`, found at `located`): its
/// `schema`, or that of its `content` map of one media type.
pub(super) fn schema_of(
    w: &mut Walk<'_>,
    located: &Located,
    node: &Node,
) -> Result<Option<SchemaId>, CompatError> {
    let schema_at = match (
        node.get("schema"),
        node.get("content").and_then(Node::as_map),
    ) {
        (Some(s), _) => Some((s, format!("{}/schema", located.pointer))),
        (None, Some(content)) => content.first().and_then(|(mt, v)| {
            let mt = mt.as_scalar()?.text.clone();
            let s = v.get("schema")?;
            Some((
                s,
                format!("{}/content/{}/schema", located.pointer, esc(&mt)),
            ))
        }),
        _ => None,
    };
    match schema_at {
        Some((s, pointer)) => Ok(Some(w.norm.schema(&located.file, &pointer, s)?)),
        None => Ok(None),
    }
}

pub(super) fn param_name(key: &(String, String), p: &Param) -> String {
    format!("{} parameter `{}`", key.0, p.name)
}

/// Parameters keyed by location and name; path parameters by position,
/// since renaming `{id}` to `{key}` changes nothing for a client.
pub(super) fn parameters(
    w: &mut Walk<'_>,
    file: &str,
    item: &Node,
    op: &Node,
    op_ptr: &str,
    template: &str,
) -> Result<BTreeMap<(String, String), Param>, CompatError> {
    let order = path_params(template);
    let mut out = BTreeMap::new();
    let item_ptr = op_ptr.rsplit_once('/').map_or("", |(p, _)| p).to_owned();
    for (list, base) in [
        (item.get("parameters"), format!("{item_ptr}/parameters")),
        (op.get("parameters"), format!("{op_ptr}/parameters")),
    ] {
        for (i, p) in list
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let located = w.norm.object(file, &format!("{base}/{i}"), p)?;
            let Some(node) = located.node() else { continue };
            let (Some(name), Some(place)) = (
                node.get("name").and_then(Node::as_str),
                node.get("in").and_then(Node::as_str),
            ) else {
                continue;
            };
            let key_name = if place == "path" {
                order
                    .iter()
                    .position(|n| n == name)
                    .map_or(name.to_owned(), |i| format!("#{i}"))
            } else if place == "header" {
                name.to_ascii_lowercase()
            } else {
                name.to_owned()
            };
            let schema = schema_of(w, &located, node)?;
            out.insert(
                (place.to_owned(), key_name),
                Param {
                    name: name.to_owned(),
                    required: place == "path" || flag(Some(node), "required"),
                    schema,
                    pointer: located.pointer.clone(),
                },
            );
        }
    }
    Ok(out)
}
