//! One operation in both versions: deprecation, parameters, request
//! body, responses and security, each compared in its own function.

use treaty_syntax::Node;

use super::bodies::{body, content, responses};
use super::parameters::{param_name, parameters};
use super::security::{requirements, security};
use super::{Found, Root, Walk, flag, side};
use crate::change::{Change, Direction, Effect};
use crate::document::CompatError;

/// `POST /payments`, or `POST paymentSettled (webhook)`.
pub(super) fn op_label(method: &str, name: &str, webhook: bool) -> String {
    if webhook {
        format!("{} {name} (webhook)", method.to_uppercase())
    } else {
        format!("{} {name}", method.to_uppercase())
    }
}

/// What every change on one operation shares.
pub(super) struct OpCtx<'a> {
    /// The direction of what the client sends: `Accepts` for operations,
    /// `Produces` for webhooks (the provider is the client).
    pub(super) sends: Direction,
    pub(super) label: &'a str,
    pub(super) old_file: &'a str,
    pub(super) new_file: &'a str,
    pub(super) old_tpl: &'a str,
    pub(super) new_tpl: &'a str,
}

impl OpCtx<'_> {
    /// Records a change on the operation, at a pointer in each version.
    fn push(
        &self,
        found: &mut Found,
        rule: &'static str,
        effect: Effect,
        direction: Direction,
        message: String,
        (o, n): (String, String),
    ) {
        let change = Change::new(rule, effect, direction, message)
            .with_old(side(self.old_file, o))
            .with_new(side(self.new_file, n))
            .with_operation(self.label);
        found.changes.push(change);
    }
}

/// One version of an operation: its walk, path item, operation object,
/// pointer, and the document's security (used when it has none).
pub(super) struct OpSide<'w, 'a, 'n> {
    pub(super) walk: &'w mut Walk<'a>,
    pub(super) item: &'n Node,
    pub(super) op: &'n Node,
    pub(super) ptr: &'n str,
    pub(super) security: Option<&'n Node>,
}

/// Compares an operation present in both versions.
pub(super) fn operation(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    mut old: OpSide<'_, '_, '_>,
    mut new: OpSide<'_, '_, '_>,
) -> Result<(), CompatError> {
    deprecation(found, ctx, &mut old, &mut new);
    parameters_changed(found, ctx, &mut old, &mut new)?;
    request_body(found, ctx, &mut old, &mut new)?;
    responses_changed(found, ctx, &mut old, &mut new)?;
    security_changed(found, ctx, &mut old, &mut new);
    Ok(())
}

/// The operation became deprecated, or stopped being so.
fn deprecation(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    old: &mut OpSide<'_, '_, '_>,
    new: &mut OpSide<'_, '_, '_>,
) {
    let label = ctx.label;
    let (o_op, o_ptr) = (old.op, old.ptr);
    let (n_op, n_ptr) = (new.op, new.ptr);
    // Deprecation.
    let (od, nd) = (
        flag(Some(o_op), "deprecated"),
        flag(Some(n_op), "deprecated"),
    );
    if !od && nd {
        ctx.push(
            found,
            "operation-deprecated",
            Effect::Neutral,
            ctx.sends,
            format!("`{label}` is deprecated"),
            (o_ptr.to_owned(), format!("{n_ptr}/deprecated")),
        );
    } else if od && !nd {
        ctx.push(
            found,
            "operation-undeprecated",
            Effect::Neutral,
            ctx.sends,
            format!("`{label}` is no longer deprecated"),
            (format!("{o_ptr}/deprecated"), n_ptr.to_owned()),
        );
    }
}

/// Parameters: path-level ones, overridden by operation-level ones.
fn parameters_changed(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    old: &mut OpSide<'_, '_, '_>,
    new: &mut OpSide<'_, '_, '_>,
) -> Result<(), CompatError> {
    let label = ctx.label;
    let (ow, o_item, o_op, o_ptr) = (&mut *old.walk, old.item, old.op, old.ptr);
    let (nw, n_item, n_op, n_ptr) = (&mut *new.walk, new.item, new.op, new.ptr);
    // Parameters: path-level ones, overridden by operation-level ones.
    let old_params = parameters(ow, ctx.old_file, o_item, o_op, o_ptr, ctx.old_tpl)?;
    let new_params = parameters(nw, ctx.new_file, n_item, n_op, n_ptr, ctx.new_tpl)?;
    for (key, op) in &old_params {
        let what = param_name(key, op);
        match new_params.get(key) {
            None => ctx.push(
                found,
                "parameter-removed",
                Effect::Widens,
                ctx.sends,
                format!("{what} of `{label}` was removed"),
                (op.pointer.clone(), n_ptr.to_owned()),
            ),
            Some(np) => {
                if !op.required && np.required {
                    ctx.push(
                        found,
                        "parameter-made-required",
                        Effect::Narrows,
                        ctx.sends,
                        format!("{what} of `{label}` is now required"),
                        (op.pointer.clone(), format!("{}/required", np.pointer)),
                    );
                } else if op.required && !np.required {
                    ctx.push(
                        found,
                        "parameter-made-optional",
                        Effect::Widens,
                        ctx.sends,
                        format!("{what} of `{label}` is now optional"),
                        (format!("{}/required", op.pointer), np.pointer.clone()),
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
            ctx.push(
                found,
                "required-parameter-added",
                Effect::Narrows,
                ctx.sends,
                format!("required {what} was added to `{label}`"),
                (o_ptr.to_owned(), np.pointer.clone()),
            );
        } else {
            ctx.push(
                found,
                "parameter-added",
                Effect::Widens,
                ctx.sends,
                format!("optional {what} was added to `{label}`"),
                (o_ptr.to_owned(), np.pointer.clone()),
            );
        }
    }
    Ok(())
}

/// The request body: added, removed, required or not, and its media types.
fn request_body(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    old: &mut OpSide<'_, '_, '_>,
    new: &mut OpSide<'_, '_, '_>,
) -> Result<(), CompatError> {
    let label = ctx.label;
    let (ow, o_op, o_ptr) = (&mut *old.walk, old.op, old.ptr);
    let (nw, n_op, n_ptr) = (&mut *new.walk, new.op, new.ptr);
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
            ctx.push(
                found,
                rule,
                effect,
                ctx.sends,
                format!("`{label}` now takes a request body"),
                (o_ptr.to_owned(), b.pointer.clone()),
            );
        }
        (Some(a), None) => ctx.push(
            found,
            "request-body-removed",
            Effect::Widens,
            ctx.sends,
            format!("`{label}` no longer takes a request body"),
            (a.pointer.clone(), n_ptr.to_owned()),
        ),
        (Some(a), Some(b)) => {
            if !a.required && b.required {
                ctx.push(
                    found,
                    "request-body-made-required",
                    Effect::Narrows,
                    ctx.sends,
                    format!("the request body of `{label}` is now required"),
                    (a.pointer.clone(), format!("{}/required", b.pointer)),
                );
            } else if a.required && !b.required {
                ctx.push(
                    found,
                    "request-body-made-optional",
                    Effect::Widens,
                    ctx.sends,
                    format!("the request body of `{label}` is now optional"),
                    (format!("{}/required", a.pointer), b.pointer.clone()),
                );
            }
            content(found, ctx, a, b, ctx.sends, "request body");
        }
        (None, None) => {}
    }
    Ok(())
}

/// Responses by status, and the media types of those kept.
fn responses_changed(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    old: &mut OpSide<'_, '_, '_>,
    new: &mut OpSide<'_, '_, '_>,
) -> Result<(), CompatError> {
    let label = ctx.label;
    let (ow, o_op, o_ptr) = (&mut *old.walk, old.op, old.ptr);
    let (nw, n_op, n_ptr) = (&mut *new.walk, new.op, new.ptr);
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
                ctx.push(
                    found,
                    rule,
                    Effect::Narrows,
                    ctx.sends.flip(),
                    format!("`{label}` no longer responds with status {status}"),
                    (a.pointer.clone(), format!("{n_ptr}/responses")),
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
            ctx.push(
                found,
                "response-status-added",
                Effect::Widens,
                ctx.sends.flip(),
                format!("`{label}` may now respond with status {status}"),
                (format!("{o_ptr}/responses"), b.pointer.clone()),
            );
        }
    }
    Ok(())
}

/// Security: the operation's own, else the document's.
fn security_changed(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    old: &mut OpSide<'_, '_, '_>,
    new: &mut OpSide<'_, '_, '_>,
) {
    let label = ctx.label;
    let (o_op, o_ptr, o_sec) = (old.op, old.ptr, old.security);
    let (n_op, n_ptr, n_sec) = (new.op, new.ptr, new.security);
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
        ctx.push(
            found,
            rule,
            effect,
            ctx.sends,
            format!("{message} for `{label}`"),
            (o_sec_ptr.clone(), n_sec_ptr.clone()),
        )
    });
}
