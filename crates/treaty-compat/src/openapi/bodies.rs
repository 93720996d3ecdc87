//! Request bodies and responses: whether required, and a schema per
//! media type.

use std::collections::BTreeMap;

use treaty_syntax::Node;

use super::headers::{Header, headers};
use super::operations::OpCtx;
use super::{Found, Root, Walk, esc, flag, side};
use crate::change::{Change, Direction, Effect};
use crate::document::CompatError;
use crate::schema::SchemaId;

/// A request body or a response: whether required, and its schema per media type.
pub(super) struct Body {
    pub(super) required: bool,
    pub(super) pointer: String,
    pub(super) file: String,
    media: BTreeMap<String, (Option<SchemaId>, String)>,
    /// Response headers by lower-case name (none for a request body).
    pub(super) headers: BTreeMap<String, Header>,
}

pub(super) fn body(
    w: &mut Walk<'_>,
    file: &str,
    node: Option<&Node>,
    pointer: &str,
) -> Result<Option<Body>, CompatError> {
    let Some(node) = node else { return Ok(None) };
    let located = w.norm.object(file, pointer, node)?;
    let Some(n) = located.node() else {
        return Ok(None);
    };
    let mut media = BTreeMap::new();
    for (k, v) in n.get("content").and_then(Node::as_map).unwrap_or_default() {
        let Some(mt) = k.as_scalar().map(|k| k.text.clone()) else {
            continue;
        };
        let mt_ptr = format!("{}/content/{}", located.pointer, esc(&mt));
        let schema = match v.get("schema") {
            Some(s) => Some(
                w.norm
                    .schema(&located.file, &format!("{mt_ptr}/schema"), s)?,
            ),
            None => None,
        };
        media.insert(mt.to_ascii_lowercase(), (schema, mt_ptr));
    }
    let headers = headers(w, &located)?;
    Ok(Some(Body {
        headers,
        required: flag(Some(n), "required"),
        pointer: located.pointer.clone(),
        file: located.file.clone(),
        media,
    }))
}

pub(super) fn responses(
    w: &mut Walk<'_>,
    file: &str,
    op: &Node,
    op_ptr: &str,
) -> Result<BTreeMap<String, Body>, CompatError> {
    let mut out = BTreeMap::new();
    for (k, v) in op
        .get("responses")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(written) = k.as_scalar().map(|k| k.text.clone()) else {
            continue;
        };
        // `2xx` and `2XX` are one range; the pointer keeps what was written.
        let pointer = format!("{op_ptr}/responses/{}", esc(&written));
        if let Some(b) = body(w, file, Some(v), &pointer)? {
            out.insert(written.to_ascii_uppercase(), b);
        }
    }
    Ok(out)
}

/// The media types of a body (or response) kept in both versions.
pub(super) fn content(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    a: &Body,
    b: &Body,
    direction: Direction,
    what: &str,
) {
    let label = ctx.label;
    for (mt, (os, optr)) in &a.media {
        match b.media.get(mt) {
            None => {
                let message = format!("{what} of `{label}` no longer offers `{mt}`");
                let change = Change::new("media-type-removed", Effect::Narrows, direction, message)
                    .with_old(side(&a.file, optr.clone()))
                    .with_new(side(&b.file, format!("{}/content", b.pointer)))
                    .with_operation(label);
                found.changes.push(change);
            }
            Some((ns, _)) => {
                if let (Some(o), Some(n)) = (os, ns) {
                    found.roots.push(Root {
                        old: *o,
                        new: *n,
                        direction,
                        operation: label.to_owned(),
                        field: format!("{what} ({mt})"),
                    });
                }
            }
        }
    }
    for (mt, (_, nptr)) in &b.media {
        if !a.media.contains_key(mt) {
            let message = format!("{what} of `{label}` now also offers `{mt}`");
            let change = Change::new("media-type-added", Effect::Widens, direction, message)
                .with_old(side(&a.file, format!("{}/content", a.pointer)))
                .with_new(side(&b.file, nptr.clone()))
                .with_operation(label);
            found.changes.push(change);
        }
    }
}
