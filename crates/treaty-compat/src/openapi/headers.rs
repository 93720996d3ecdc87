//! Response headers: removed, added, required or not, and their schemas,
//! by name in any case (RFC 9110: field names are case-insensitive).

use std::collections::BTreeMap;

use treaty_syntax::Node;

use super::bodies::Body;
use super::operations::OpCtx;
use super::parameters::schema_of;
use super::{Found, Root, Walk, esc, flag, side};
use crate::change::{Change, Direction, Effect};
use crate::document::CompatError;
use crate::schema::{Located, SchemaId};

/// A response header as both versions are compared by.
pub(super) struct Header {
    /// The name as written.
    name: String,
    required: bool,
    schema: Option<SchemaId>,
    pointer: String,
}

/// The headers of a response, by lower-case name. `Content-Type` is left
/// out: OpenAPI says a response header of that name is ignored.
pub(super) fn headers(
    w: &mut Walk<'_>,
    response: &Located,
) -> Result<BTreeMap<String, Header>, CompatError> {
    let mut out = BTreeMap::new();
    let Some(node) = response.node() else {
        return Ok(out);
    };
    for (k, v) in node
        .get("headers")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(name) = k.as_scalar().map(|k| k.text.clone()) else {
            continue;
        };
        let key = name.to_ascii_lowercase();
        if key == "content-type" {
            continue;
        }
        let pointer = format!("{}/headers/{}", response.pointer, esc(&name));
        let located = w.norm.object(&response.file, &pointer, v)?;
        let Some(header) = located.node() else {
            continue;
        };
        let schema = schema_of(w, &located, header)?;
        out.insert(
            key,
            Header {
                name,
                required: flag(Some(header), "required"),
                schema,
                pointer: located.pointer.clone(),
            },
        );
    }
    Ok(out)
}

/// The headers of a response kept in both versions; `direction` is the
/// response's (what the provider produces, or for a webhook what it
/// accepts back).
pub(super) fn compare(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    (a, b): (&Body, &Body),
    direction: Direction,
    status: &str,
) {
    let label = ctx.label;
    let push = |found: &mut Found, rule, effect, message: String, (o, n): (String, String)| {
        found.changes.push(
            Change::new(rule, effect, direction, message)
                .with_old(side(&a.file, o))
                .with_new(side(&b.file, n))
                .with_operation(label),
        );
    };
    for (key, old) in &a.headers {
        let what = format!("header `{}` of response {status} of `{label}`", old.name);
        let Some(new) = b.headers.get(key) else {
            // A required header was promised on every response: clients
            // may rely on it. An optional one may be read when present.
            let rule = if old.required {
                "response-header-removed"
            } else {
                "optional-response-header-removed"
            };
            let there = format!("{}/headers", b.pointer);
            push(
                found,
                rule,
                Effect::Widens,
                format!("{what} was removed"),
                (old.pointer.clone(), there),
            );
            continue;
        };
        match (old.required, new.required) {
            (false, true) => push(
                found,
                "response-header-made-required",
                Effect::Narrows,
                format!("{what} is now required"),
                (old.pointer.clone(), format!("{}/required", new.pointer)),
            ),
            (true, false) => push(
                found,
                "response-header-made-optional",
                Effect::Widens,
                format!("{what} is now optional"),
                (format!("{}/required", old.pointer), new.pointer.clone()),
            ),
            _ => {}
        }
        if let (Some(o), Some(n)) = (old.schema, new.schema) {
            found.roots.push(Root {
                old: o,
                new: n,
                direction,
                operation: label.to_owned(),
                field: format!("response {status} header {}", new.name),
            });
        }
    }
    for (key, new) in &b.headers {
        if a.headers.contains_key(key) {
            continue;
        }
        // A required header on every response narrows what is produced;
        // an optional one declares what was already allowed.
        let (effect, presence) = if new.required {
            (Effect::Narrows, "required")
        } else {
            (Effect::Neutral, "optional")
        };
        push(
            found,
            "response-header-added",
            effect,
            format!(
                "{presence} header `{}` was added to response {status} of `{label}`",
                new.name
            ),
            (format!("{}/headers", a.pointer), new.pointer.clone()),
        );
    }
}
