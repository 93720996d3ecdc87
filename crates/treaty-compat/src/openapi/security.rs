//! Security requirements: alternatives of schemes, each with scopes.

use std::collections::{BTreeMap, BTreeSet};

use treaty_syntax::Node;

use crate::change::Effect;

/// One alternative of a security requirement: scheme name → scopes.
pub(super) type Requirement = BTreeMap<String, BTreeSet<String>>;

/// Alternatives of security requirements: scheme → scopes. An empty list
/// (or an empty alternative) means no authentication is needed.
pub(super) fn requirements(node: Option<&Node>) -> Vec<Requirement> {
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

/// Reports how the requirements changed through `emit` (rule, effect,
/// message).
pub(super) fn security(
    old: &[Requirement],
    new: &[Requirement],
    emit: &mut dyn FnMut(&'static str, Effect, String),
) {
    let open = |alts: &[Requirement]| alts.is_empty() || alts.iter().any(BTreeMap::is_empty);
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
    let schemes = |alt: &Requirement| alt.keys().cloned().collect::<Vec<_>>().join(" + ");
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
