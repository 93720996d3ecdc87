//! One operation in both versions: deprecation, parameters, request
//! body, responses and security, each compared in its own function.

use treaty_syntax::Node;

use super::bodies::{Body, body, content, responses};
use super::headers;
use super::parameters::{param_name, parameters};
use super::security::{Requirement, requirements, security};
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

    /// `subject` (a parameter or the request body of the operation) was
    /// made required (`rules.0`) or optional (`rules.1`); each side is
    /// whether it is required and the pointer to it.
    fn requiredness(
        &self,
        found: &mut Found,
        rules: (&'static str, &'static str),
        subject: &str,
        (old_required, old_ptr): (bool, &str),
        (new_required, new_ptr): (bool, &str),
    ) {
        if !old_required && new_required {
            self.push(
                found,
                rules.0,
                Effect::Narrows,
                self.sends,
                format!("{subject} is now required"),
                (old_ptr.to_owned(), format!("{new_ptr}/required")),
            );
        } else if old_required && !new_required {
            self.push(
                found,
                rules.1,
                Effect::Widens,
                self.sends,
                format!("{subject} is now optional"),
                (format!("{old_ptr}/required"), new_ptr.to_owned()),
            );
        }
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

/// The two versions of one operation being compared.
struct OpPair<'w, 'a, 'b, 'o, 'n> {
    old: OpSide<'w, 'a, 'o>,
    new: OpSide<'w, 'b, 'n>,
}

/// Compares an operation present in both versions.
pub(super) fn operation(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    old: OpSide<'_, '_, '_>,
    new: OpSide<'_, '_, '_>,
) -> Result<(), CompatError> {
    let mut pair = OpPair { old, new };
    operation_id(found, ctx, &pair);
    deprecation(found, ctx, &pair);
    parameters_changed(found, ctx, &mut pair)?;
    request_body(found, ctx, &mut pair)?;
    responses_changed(found, ctx, &mut pair)?;
    security_changed(found, ctx, &pair);
    Ok(())
}

/// The `operationId` changed, was added or was removed: generated
/// clients name their methods after it (or after the method and path when
/// there is none), so their callers stop compiling, though no request
/// changes.
fn operation_id(found: &mut Found, ctx: &OpCtx<'_>, pair: &OpPair<'_, '_, '_, '_, '_>) {
    let id = |op: &Node| {
        op.get("operationId")
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    let (was, now) = (id(pair.old.op), id(pair.new.op));
    if was == now {
        return;
    }
    let label = ctx.label;
    let message = match (&was, &now) {
        (Some(w), Some(n)) => format!("operationId of `{label}` is now `{n}`, was `{w}`"),
        (Some(w), None) => format!("operationId `{w}` of `{label}` was removed"),
        (None, Some(n)) => format!("`{label}` now has operationId `{n}`"),
        (None, None) => return,
    };
    let at = |side: &OpSide<'_, '_, '_>, has: bool| {
        if has {
            format!("{}/operationId", side.ptr)
        } else {
            side.ptr.to_owned()
        }
    };
    ctx.push(
        found,
        "operation-id-changed",
        Effect::Neutral,
        ctx.sends,
        message,
        (at(&pair.old, was.is_some()), at(&pair.new, now.is_some())),
    );
}

/// The operation became deprecated, or stopped being so.
fn deprecation(found: &mut Found, ctx: &OpCtx<'_>, pair: &OpPair<'_, '_, '_, '_, '_>) {
    let label = ctx.label;
    let deprecated = (
        flag(Some(pair.old.op), "deprecated"),
        flag(Some(pair.new.op), "deprecated"),
    );
    match deprecated {
        (false, true) => ctx.push(
            found,
            "operation-deprecated",
            Effect::Neutral,
            ctx.sends,
            format!("`{label}` is deprecated"),
            (
                pair.old.ptr.to_owned(),
                format!("{}/deprecated", pair.new.ptr),
            ),
        ),
        (true, false) => ctx.push(
            found,
            "operation-undeprecated",
            Effect::Neutral,
            ctx.sends,
            format!("`{label}` is no longer deprecated"),
            (
                format!("{}/deprecated", pair.old.ptr),
                pair.new.ptr.to_owned(),
            ),
        ),
        _ => {}
    }
}

/// Parameters: path-level ones, overridden by operation-level ones.
fn parameters_changed(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    pair: &mut OpPair<'_, '_, '_, '_, '_>,
) -> Result<(), CompatError> {
    let label = ctx.label;
    let old_params = parameters(
        pair.old.walk,
        ctx.old_file,
        pair.old.item,
        pair.old.op,
        pair.old.ptr,
        ctx.old_tpl,
    )?;
    let new_params = parameters(
        pair.new.walk,
        ctx.new_file,
        pair.new.item,
        pair.new.op,
        pair.new.ptr,
        ctx.new_tpl,
    )?;
    for (key, op) in &old_params {
        let what = param_name(key, op);
        let Some(np) = new_params.get(key) else {
            if in_template(key) {
                continue;
            }
            ctx.push(
                found,
                "parameter-removed",
                Effect::Widens,
                ctx.sends,
                format!("{what} of `{label}` was removed"),
                (op.pointer.clone(), pair.new.ptr.to_owned()),
            );
            continue;
        };
        ctx.requiredness(
            found,
            ("parameter-made-required", "parameter-made-optional"),
            &format!("{what} of `{label}`"),
            (op.required, &op.pointer),
            (np.required, &np.pointer),
        );
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
    for (key, np) in &new_params {
        if old_params.contains_key(key) || in_template(key) {
            continue;
        }
        let what = param_name(key, np);
        let (rule, effect, presence) = if np.required {
            ("required-parameter-added", Effect::Narrows, "required")
        } else {
            ("parameter-added", Effect::Widens, "optional")
        };
        ctx.push(
            found,
            rule,
            effect,
            ctx.sends,
            format!("{presence} {what} was added to `{label}`"),
            (pair.old.ptr.to_owned(), np.pointer.clone()),
        );
    }
    Ok(())
}

/// Whether a parameter is a path parameter named in the path template.
/// Both versions' templates have the same shape, so clients always sent
/// it: declaring it, or no longer declaring it, changes no request.
fn in_template(key: &(String, String)) -> bool {
    key.0 == "path" && key.1.starts_with('#')
}

/// The request body: added, removed, required or not, and its media types.
fn request_body(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    pair: &mut OpPair<'_, '_, '_, '_, '_>,
) -> Result<(), CompatError> {
    let label = ctx.label;
    let ob = request_body_of(&mut pair.old, ctx.old_file)?;
    let nb = request_body_of(&mut pair.new, ctx.new_file)?;
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
                (pair.old.ptr.to_owned(), b.pointer.clone()),
            );
        }
        (Some(a), None) => ctx.push(
            found,
            "request-body-removed",
            Effect::Widens,
            ctx.sends,
            format!("`{label}` no longer takes a request body"),
            (a.pointer.clone(), pair.new.ptr.to_owned()),
        ),
        (Some(a), Some(b)) => {
            ctx.requiredness(
                found,
                ("request-body-made-required", "request-body-made-optional"),
                &format!("the request body of `{label}`"),
                (a.required, &a.pointer),
                (b.required, &b.pointer),
            );
            content(found, ctx, a, b, ctx.sends, "request body");
        }
        (None, None) => {}
    }
    Ok(())
}

/// The request body of one version of the operation, if it takes one.
fn request_body_of(side: &mut OpSide<'_, '_, '_>, file: &str) -> Result<Option<Body>, CompatError> {
    let pointer = format!("{}/requestBody", side.ptr);
    body(side.walk, file, side.op.get("requestBody"), &pointer)
}

/// Responses by status, and the media types of those kept.
fn responses_changed(
    found: &mut Found,
    ctx: &OpCtx<'_>,
    pair: &mut OpPair<'_, '_, '_, '_, '_>,
) -> Result<(), CompatError> {
    let label = ctx.label;
    let old_responses = responses(pair.old.walk, ctx.old_file, pair.old.op, pair.old.ptr)?;
    let new_responses = responses(pair.new.walk, ctx.new_file, pair.new.op, pair.new.ptr)?;
    for (status, a) in &old_responses {
        let Some(b) = new_responses.get(status) else {
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
                (a.pointer.clone(), format!("{}/responses", pair.new.ptr)),
            );
            continue;
        };
        let field = format!("response {status}");
        content(found, ctx, a, b, ctx.sends.flip(), &field);
        headers::compare(found, ctx, (a, b), ctx.sends.flip(), status);
    }
    for (status, b) in &new_responses {
        if !old_responses.contains_key(status) {
            ctx.push(
                found,
                "response-status-added",
                Effect::Widens,
                ctx.sends.flip(),
                format!("`{label}` may now respond with status {status}"),
                (format!("{}/responses", pair.old.ptr), b.pointer.clone()),
            );
        }
    }
    Ok(())
}

/// Security: the operation's own, else the document's.
fn security_changed(found: &mut Found, ctx: &OpCtx<'_>, pair: &OpPair<'_, '_, '_, '_, '_>) {
    let label = ctx.label;
    let (os, o_sec_ptr) = effective_security(&pair.old);
    let (ns, n_sec_ptr) = effective_security(&pair.new);
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

/// The security requirements that apply to one version of the operation
/// (its own, else the document's) and the pointer to where they are set.
fn effective_security(side: &OpSide<'_, '_, '_>) -> (Vec<Requirement>, String) {
    match side.op.get("security") {
        Some(own) => (requirements(Some(own)), format!("{}/security", side.ptr)),
        None => (requirements(side.security), "/security".to_owned()),
    }
}
