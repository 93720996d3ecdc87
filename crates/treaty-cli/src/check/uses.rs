//! What a consumer says it uses and the new schema no longer has: an
//! operation whose `operationId` was renamed or that was removed, a
//! channel, a schema or message. Each is a `consumer-use-gone` finding for
//! that consumer: it relies on something that is gone (breaking, as
//! `operation-removed` is, except under `forward`, which promises nothing
//! to clients of the old version: a warning there).
//!
//! The names are resolved as `treaty validate` resolves them
//! (`treaty_core::unresolved_uses`); only entries that resolved at the
//! base count (the others are validate's warnings, not a change). An entry
//! whose removal a breaking change already attributes to its consumer
//! (`operation-removed` names the team) is not reported twice.

use treaty_compat::{Diff, Level, Policy};
use treaty_core::model::Interface;
use treaty_core::{UnresolvedUse, UseKind, Workspace, unresolved_uses_in};

use super::OldVersion;
use crate::diff::{JsonChange, JsonLocation};
use crate::fs_source::FsSource;

/// The rule id of the finding.
pub const RULE: &str = "consumer-use-gone";

/// The `uses` entries of `interface` that resolved in the base's schema
/// and do not in the working tree's, as findings (`diff` is the base's
/// comparison, whose breaking changes may already name them).
pub(super) fn gone(
    ws: &Workspace,
    interface: &Interface,
    old: &OldVersion,
    source: &FsSource,
    diff: &Diff,
    policy: Policy,
) -> Vec<JsonChange> {
    let Some(before) = unresolved_uses_in(interface, &old.tree, &old.entry) else {
        return Vec::new();
    };
    let Some(now) = unresolved_uses_in(interface, source, &interface.schema.value) else {
        return Vec::new();
    };
    let level = if policy == Policy::Forward {
        Level::Warning
    } else {
        Level::Breaking
    };
    now.into_iter()
        .filter(|u| {
            !before
                .iter()
                .any(|b| (&b.team, b.kind, &b.entry, b.span) == (&u.team, u.kind, &u.entry, u.span))
        })
        .filter(|u| {
            // Only a removal of the place itself says the same thing; any
            // other change that touches it (an enum in its body) does not.
            let usage = u.usage();
            !diff.changes.iter().any(|c| {
                c.level(policy) == Level::Breaking
                    && c.rule.ends_with("-removed")
                    && c.field.is_none()
                    && usage.touches(c, &diff.operation_ids)
            })
        })
        .map(|u| finding(ws, interface, &u, level))
        .collect()
}

fn finding(ws: &Workspace, interface: &Interface, u: &UnresolvedUse, level: Level) -> JsonChange {
    let mut message = format!(
        "`{}` uses {} `{}`, which `{}` no longer has",
        u.team,
        u.kind.what(),
        u.name,
        interface.id.value
    );
    if let Some(s) = &u.suggestion {
        message.push_str(&format!(" (did you mean `{s}`?)"));
    }
    let new = ws.sources.locate(u.span).map(|(file, at)| JsonLocation {
        file: file.to_owned(),
        line: at.line,
        column: at.column,
        pointer: String::new(),
    });
    let is_place = matches!(u.kind, UseKind::Operation | UseKind::Channel);
    JsonChange {
        rule: RULE,
        level,
        message,
        old: None,
        new,
        operation: is_place.then(|| u.entry.clone()),
        operations: if is_place {
            vec![u.entry.clone()]
        } else {
            Vec::new()
        },
        path: None,
        field: (!is_place).then(|| u.entry.clone()),
        affects: Some(vec![u.team.clone()]),
    }
}
