//! OpenAPI 3.0 and 3.1: operations, parameters, bodies, responses and
//! security, with every schema compared by the schema engine in the
//! direction its data flows.

use std::collections::{BTreeMap, BTreeSet};

use treaty_syntax::Node;

use crate::change::{Change, Direction, Effect, Side};
use crate::compare::SchemaComparer;
use crate::document::{CompatError, Loaded};
use crate::schema::{Dialect, Normalizer, SchemaId};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One side's walk: the normalizer and where the document is.
struct Walk<'a> {
    norm: Normalizer<'a>,
    file: String,
}

/// A pair of schemas to compare once both arenas are complete.
struct Root {
    old: SchemaId,
    new: SchemaId,
    direction: Direction,
    operation: String,
    field: String,
}

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

pub fn diff(
    old: Loaded<'_>,
    new: Loaded<'_>,
) -> Result<(Vec<Change>, BTreeMap<String, String>), CompatError> {
    let Loaded {
        docs: old_docs,
        source: old_source,
        path: old_path,
        root: old_root,
    } = old;
    let Loaded {
        docs: new_docs,
        source: new_source,
        path: new_path,
        root: new_root,
    } = new;
    let mut operation_ids = BTreeMap::new();
    for root in [old_root, new_root] {
        for (tpl, item) in root.get("paths").and_then(Node::as_map).unwrap_or_default() {
            let Some(tpl) = tpl.as_scalar() else { continue };
            for method in METHODS {
                if let Some(id) = item
                    .get(method)
                    .and_then(|op| op.get("operationId"))
                    .and_then(Node::as_str)
                {
                    operation_ids.insert(
                        format!("{} {}", method.to_uppercase(), tpl.text),
                        id.to_owned(),
                    );
                }
            }
        }
    }
    let mut old = Walk {
        norm: Normalizer::new(old_docs, old_source, dialect(old_root)),
        file: old_path.to_owned(),
    };
    let mut new = Walk {
        norm: Normalizer::new(new_docs, new_source, dialect(new_root)),
        file: new_path.to_owned(),
    };
    let mut found = Found::default();

    let old_security = old_root.get("security");
    let new_security = new_root.get("security");
    // Webhooks (3.1) are requests the provider sends: their directions flip.
    for (section, webhook) in [("paths", false), ("webhooks", true)] {
        let index = |root: &Node| -> BTreeMap<String, (String, Node)> {
            root.get(section)
                .and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .filter_map(|(k, v)| {
                    k.as_scalar()
                        .map(|k| (normalize_path(&k.text), (k.text.clone(), v.clone())))
                })
                .collect()
        };
        let old_paths = index(old_root);
        let new_paths = index(new_root);

        for (key, (old_tpl, old_item)) in &old_paths {
            let old_item =
                old.norm
                    .object(&old.file, &format!("/{section}/{}", esc(old_tpl)), old_item)?;
            let new_entry = new_paths.get(key);
            let new_item = match new_entry {
                Some((tpl, item)) => Some(new.norm.object(
                    &new.file,
                    &format!("/{section}/{}", esc(tpl)),
                    item,
                )?),
                None => None,
            };
            let Some(old_node) = old_item.node().cloned() else {
                continue;
            };
            let new_node = new_item.as_ref().and_then(|i| i.node().cloned());
            for method in METHODS {
                let Some(old_op) = old_node.get(method) else {
                    continue;
                };
                let label = op_label(method, new_entry.map_or(old_tpl, |(t, _)| t), webhook);
                let old_ptr = format!("{}/{method}", old_item.pointer);
                match new_node.as_ref().and_then(|n| n.get(method)) {
                    None => {
                        let deprecated = flag(Some(old_op), "deprecated");
                        let (rule, what) = if deprecated {
                            ("deprecated-operation-removed", "deprecated operation")
                        } else {
                            ("operation-removed", "operation")
                        };
                        found.changes.push(Change {
                            rule,
                            effect: Effect::Narrows,
                            direction: Direction::Accepts,
                            message: format!("{what} `{label}` was removed"),
                            old: side(&old_item.file, old_ptr),
                            new: new_item
                                .as_ref()
                                .map(|i| Side {
                                    file: i.file.clone(),
                                    pointer: i.pointer.clone(),
                                    position: None,
                                })
                                .or_else(|| side(&new.file, format!("/{section}"))),
                            operations: BTreeSet::from([label.clone()]),
                            field: None,
                        });
                    }
                    Some(new_op) => {
                        let (Some(ni), oi) = (new_item.as_ref(), &old_item) else {
                            continue;
                        };
                        let new_ptr = format!("{}/{method}", ni.pointer);
                        let ctx = OpCtx {
                            label: &label,
                            old_file: &oi.file,
                            new_file: &ni.file,
                            old_tpl,
                            new_tpl: new_entry.map_or(old_tpl.as_str(), |(t, _)| t.as_str()),
                            sends: if webhook {
                                Direction::Produces
                            } else {
                                Direction::Accepts
                            },
                        };
                        operation(
                            &mut found,
                            &ctx,
                            (&mut old, &old_node, old_op, &old_ptr, old_security),
                            (
                                &mut new,
                                new_node.as_ref().unwrap_or(&old_node),
                                new_op,
                                &new_ptr,
                                new_security,
                            ),
                        )?;
                    }
                }
            }
        }
        for (key, (new_tpl, new_item)) in &new_paths {
            let new_item =
                new.norm
                    .object(&new.file, &format!("/{section}/{}", esc(new_tpl)), new_item)?;
            let Some(new_node) = new_item.node() else {
                continue;
            };
            let old_node = old_paths.get(key);
            for method in METHODS {
                if new_node.get(method).is_none() {
                    continue;
                }
                // An old path item behind a `$ref` is resolved for the check.
                let existed = match old_node {
                    Some((tpl, n)) => {
                        let located =
                            old.norm
                                .object(&old.file, &format!("/{section}/{}", esc(tpl)), n)?;
                        located.node().is_some_and(|n| n.get(method).is_some())
                    }
                    None => false,
                };
                if !existed {
                    let label = op_label(method, new_tpl, webhook);
                    found.changes.push(Change::on(
                        "operation-added",
                        Effect::Widens,
                        Direction::Accepts,
                        format!("operation `{label}` was added"),
                        side(&old.file, format!("/{section}")),
                        side(&new_item.file, format!("{}/{method}", new_item.pointer)),
                        label,
                        None,
                    ));
                }
            }
        }
    }

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

/// `POST /payments`, or `POST paymentSettled (webhook)`.
fn op_label(method: &str, name: &str, webhook: bool) -> String {
    if webhook {
        format!("{} {name} (webhook)", method.to_uppercase())
    } else {
        format!("{} {name}", method.to_uppercase())
    }
}

struct OpCtx<'a> {
    /// The direction of what the client sends: `Accepts` for operations,
    /// `Produces` for webhooks (the provider is the client).
    sends: Direction,
    label: &'a str,
    old_file: &'a str,
    new_file: &'a str,
    old_tpl: &'a str,
    new_tpl: &'a str,
}

type SideArgs<'w, 'a, 'n> = (
    &'w mut Walk<'a>,
    &'n Node,
    &'n Node,
    &'n str,
    Option<&'n Node>,
);

fn operation(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    old: SideArgs<'_, '_, '_>,
    new: SideArgs<'_, '_, '_>,
) -> Result<(), CompatError> {
    let (ow, o_item, o_op, o_ptr, o_sec) = old;
    let (nw, n_item, n_op, n_ptr, n_sec) = new;
    let label = ctx.label;
    let push = |found: &mut Found,
                rule: &'static str,
                effect: Effect,
                direction: Direction,
                message: String,
                o: String,
                n: String| {
        found.changes.push(Change {
            rule,
            effect,
            direction,
            message,
            old: side(ctx.old_file, o),
            new: side(ctx.new_file, n),
            operations: BTreeSet::from([label.to_owned()]),
            field: None,
        });
    };

    // Deprecation.
    let (od, nd) = (
        flag(Some(o_op), "deprecated"),
        flag(Some(n_op), "deprecated"),
    );
    if !od && nd {
        push(
            found,
            "operation-deprecated",
            Effect::Neutral,
            ctx.sends,
            format!("`{label}` is deprecated"),
            o_ptr.to_owned(),
            format!("{n_ptr}/deprecated"),
        );
    } else if od && !nd {
        push(
            found,
            "operation-undeprecated",
            Effect::Neutral,
            ctx.sends,
            format!("`{label}` is no longer deprecated"),
            format!("{o_ptr}/deprecated"),
            n_ptr.to_owned(),
        );
    }

    // Parameters: path-level ones, overridden by operation-level ones.
    let old_params = parameters(ow, ctx.old_file, o_item, o_op, o_ptr, ctx.old_tpl)?;
    let new_params = parameters(nw, ctx.new_file, n_item, n_op, n_ptr, ctx.new_tpl)?;
    for (key, op) in &old_params {
        let what = param_name(key, op);
        match new_params.get(key) {
            None => push(
                found,
                "parameter-removed",
                Effect::Widens,
                ctx.sends,
                format!("{what} of `{label}` was removed"),
                op.pointer.clone(),
                n_ptr.to_owned(),
            ),
            Some(np) => {
                if !op.required && np.required {
                    push(
                        found,
                        "parameter-made-required",
                        Effect::Narrows,
                        ctx.sends,
                        format!("{what} of `{label}` is now required"),
                        op.pointer.clone(),
                        format!("{}/required", np.pointer),
                    );
                } else if op.required && !np.required {
                    push(
                        found,
                        "parameter-made-optional",
                        Effect::Widens,
                        ctx.sends,
                        format!("{what} of `{label}` is now optional"),
                        format!("{}/required", op.pointer),
                        np.pointer.clone(),
                    );
                }
                if let (Some(a), Some(b)) = (op.schema, np.schema) {
                    found.roots.push(Root {
                        old: a,
                        new: b,
                        direction: ctx.sends,
                        operation: label.to_owned(),
                        field: format!("{} parameter {}", key.0, np.name),
                    });
                }
            }
        }
    }
    for (key, np) in &new_params {
        if old_params.contains_key(key) {
            continue;
        }
        let what = param_name(key, np);
        if np.required {
            push(
                found,
                "required-parameter-added",
                Effect::Narrows,
                ctx.sends,
                format!("required {what} was added to `{label}`"),
                o_ptr.to_owned(),
                np.pointer.clone(),
            );
        } else {
            push(
                found,
                "parameter-added",
                Effect::Widens,
                ctx.sends,
                format!("optional {what} was added to `{label}`"),
                o_ptr.to_owned(),
                np.pointer.clone(),
            );
        }
    }

    // Request body.
    let ob = body(
        ow,
        ctx.old_file,
        o_op.get("requestBody"),
        &format!("{o_ptr}/requestBody"),
    )?;
    let nb = body(
        nw,
        ctx.new_file,
        n_op.get("requestBody"),
        &format!("{n_ptr}/requestBody"),
    )?;
    match (&ob, &nb) {
        (None, Some(b)) => {
            let (rule, effect) = if b.required {
                ("required-request-body-added", Effect::Narrows)
            } else {
                ("request-body-added", Effect::Widens)
            };
            push(
                found,
                rule,
                effect,
                ctx.sends,
                format!("`{label}` now takes a request body"),
                o_ptr.to_owned(),
                b.pointer.clone(),
            );
        }
        (Some(a), None) => push(
            found,
            "request-body-removed",
            Effect::Widens,
            ctx.sends,
            format!("`{label}` no longer takes a request body"),
            a.pointer.clone(),
            n_ptr.to_owned(),
        ),
        (Some(a), Some(b)) => {
            if !a.required && b.required {
                push(
                    found,
                    "request-body-made-required",
                    Effect::Narrows,
                    ctx.sends,
                    format!("the request body of `{label}` is now required"),
                    a.pointer.clone(),
                    format!("{}/required", b.pointer),
                );
            } else if a.required && !b.required {
                push(
                    found,
                    "request-body-made-optional",
                    Effect::Widens,
                    ctx.sends,
                    format!("the request body of `{label}` is now optional"),
                    format!("{}/required", a.pointer),
                    b.pointer.clone(),
                );
            }
            content(found, ctx, a, b, ctx.sends, "request body");
        }
        (None, None) => {}
    }

    // Responses.
    let old_responses = responses(ow, ctx.old_file, o_op, o_ptr)?;
    let new_responses = responses(nw, ctx.new_file, n_op, n_ptr)?;
    for (status, a) in &old_responses {
        match new_responses.get(status) {
            None => {
                let rule = if status.starts_with('2') {
                    "response-success-status-removed"
                } else {
                    "response-status-removed"
                };
                push(
                    found,
                    rule,
                    Effect::Narrows,
                    ctx.sends.flip(),
                    format!("`{label}` no longer responds with status {status}"),
                    a.pointer.clone(),
                    format!("{n_ptr}/responses"),
                );
            }
            Some(b) => content(
                found,
                ctx,
                a,
                b,
                ctx.sends.flip(),
                &format!("response {status}"),
            ),
        }
    }
    for (status, b) in &new_responses {
        if !old_responses.contains_key(status) {
            push(
                found,
                "response-status-added",
                Effect::Widens,
                ctx.sends.flip(),
                format!("`{label}` may now respond with status {status}"),
                format!("{o_ptr}/responses"),
                b.pointer.clone(),
            );
        }
    }

    // Security: the operation's own, else the document's.
    let os = requirements(o_op.get("security").or(o_sec));
    let ns = requirements(n_op.get("security").or(n_sec));
    let o_sec_ptr = if o_op.get("security").is_some() {
        format!("{o_ptr}/security")
    } else {
        "/security".to_owned()
    };
    let n_sec_ptr = if n_op.get("security").is_some() {
        format!("{n_ptr}/security")
    } else {
        "/security".to_owned()
    };
    security(&os, &ns, &mut |rule, effect, message| {
        push(
            found,
            rule,
            effect,
            ctx.sends,
            format!("{message} for `{label}`"),
            o_sec_ptr.clone(),
            n_sec_ptr.clone(),
        )
    });
    Ok(())
}

/// Alternatives of security requirements: scheme → scopes. An empty list
/// (or an empty alternative) means no authentication is needed.
fn requirements(node: Option<&Node>) -> Vec<BTreeMap<String, BTreeSet<String>>> {
    node.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|alt| {
            alt.as_map()
                .unwrap_or_default()
                .iter()
                .filter_map(|(k, v)| {
                    let scopes = v
                        .as_seq()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Node::as_str)
                        .map(str::to_owned)
                        .collect();
                    k.as_scalar().map(|k| (k.text.clone(), scopes))
                })
                .collect()
        })
        .collect()
}

fn security(
    old: &[BTreeMap<String, BTreeSet<String>>],
    new: &[BTreeMap<String, BTreeSet<String>>],
    emit: &mut dyn FnMut(&'static str, Effect, String),
) {
    let open = |alts: &[BTreeMap<String, BTreeSet<String>>]| {
        alts.is_empty() || alts.iter().any(BTreeMap::is_empty)
    };
    match (open(old), open(new)) {
        (true, true) => return,
        (true, false) => {
            return emit(
                "security-requirement-added",
                Effect::Narrows,
                "authentication is now required".to_owned(),
            );
        }
        (false, true) => {
            return emit(
                "security-requirement-removed",
                Effect::Widens,
                "authentication is no longer required".to_owned(),
            );
        }
        (false, false) => {}
    }
    let schemes = |alt: &BTreeMap<String, BTreeSet<String>>| {
        alt.keys().cloned().collect::<Vec<_>>().join(" + ")
    };
    for a in old {
        match new.iter().find(|b| b.keys().eq(a.keys())) {
            None => emit(
                "security-alternative-removed",
                Effect::Narrows,
                format!("authenticating with {} is no longer accepted", schemes(a)),
            ),
            Some(b) => {
                for (scheme, scopes) in a {
                    let nscopes = &b[scheme];
                    let added: Vec<&String> = nscopes.difference(scopes).collect();
                    let removed: Vec<&String> = scopes.difference(nscopes).collect();
                    if !added.is_empty() {
                        emit(
                            "security-scope-added",
                            Effect::Narrows,
                            format!("{scheme} now also needs scopes {}", join(&added)),
                        );
                    }
                    if !removed.is_empty() {
                        emit(
                            "security-scope-removed",
                            Effect::Widens,
                            format!("{scheme} no longer needs scopes {}", join(&removed)),
                        );
                    }
                }
            }
        }
    }
    for b in new {
        if !old.iter().any(|a| a.keys().eq(b.keys())) {
            emit(
                "security-alternative-added",
                Effect::Widens,
                format!("authenticating with {} is now accepted", schemes(b)),
            );
        }
    }
}

fn join(v: &[&String]) -> String {
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Param {
    name: String,
    required: bool,
    schema: Option<SchemaId>,
    pointer: String,
}

fn param_name(key: &(String, String), p: &Param) -> String {
    format!("{} parameter `{}`", key.0, p.name)
}

/// Parameters keyed by location and name; path parameters by position,
/// since renaming `{id}` to `{key}` changes nothing for a client.
fn parameters(
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
            // A parameter has a `schema`, or a `content` map of one media type.
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
            let schema = match schema_at {
                Some((s, pointer)) => Some(w.norm.schema(&located.file, &pointer, s)?),
                None => None,
            };
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

/// A request body or a response: whether required, and its schema per media type.
struct Body {
    required: bool,
    pointer: String,
    file: String,
    media: BTreeMap<String, (Option<SchemaId>, String)>,
}

fn body(
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
    Ok(Some(Body {
        required: flag(Some(n), "required"),
        pointer: located.pointer.clone(),
        file: located.file.clone(),
        media,
    }))
}

fn responses(
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

fn content(
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
            None => found.changes.push(Change {
                rule: "media-type-removed",
                effect: Effect::Narrows,
                direction,
                message: format!("{what} of `{label}` no longer offers `{mt}`"),
                old: side(&a.file, optr.clone()),
                new: side(&b.file, format!("{}/content", b.pointer)),
                operations: BTreeSet::from([label.to_owned()]),
                field: None,
            }),
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
            found.changes.push(Change {
                rule: "media-type-added",
                effect: Effect::Widens,
                direction,
                message: format!("{what} of `{label}` now also offers `{mt}`"),
                old: side(&a.file, format!("{}/content", a.pointer)),
                new: side(&b.file, nptr.clone()),
                operations: BTreeSet::from([label.to_owned()]),
                field: None,
            });
        }
    }
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
