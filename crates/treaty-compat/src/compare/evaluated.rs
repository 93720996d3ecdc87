//! `unevaluatedProperties` and `unevaluatedItems` where subschemas
//! (`anyOf`, `oneOf`, `if`/`then`/`else`, `dependentSchemas`, `allOf`
//! branches kept apart, `contains`) may evaluate names or positions: which
//! ones they evaluate depends on the document. Treaty then compares the
//! `unevaluated*` schemas as pairs when the subschemas declare the same
//! names and positions in the same places on both sides, and otherwise
//! reports that it cannot prove the change (`evaluated-properties-changed`,
//! `evaluated-items-changed`, both ways).

use std::collections::HashSet;

use super::patterns::matches;
use super::slot::{Relation, Rule};
use super::{At, SchemaComparer};
use crate::change::Effect;
use crate::schema::{Additional, Schema, SchemaArena, SchemaId};

/// How deep subschemas are walked for what they evaluate.
const DEPTH: usize = 8;

/// What the in-place subschemas of `s` may evaluate, each entry placed by
/// its path: `p:` names, patterns and `*` (every name), `i:` positions.
pub(super) fn universe(arena: &SchemaArena, s: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (path, id) in applicators(s) {
        walk(arena, id, &path, DEPTH, &mut seen, &mut out);
    }
    out
}

/// The in-place subschemas of a schema, each with its place.
fn applicators(s: &Schema) -> Vec<(String, SchemaId)> {
    let mut out = Vec::new();
    for (key, list) in [
        ("anyOf", &s.any_of),
        ("oneOf", &s.one_of),
        ("allOf", &s.all_of),
    ] {
        out.extend(
            list.iter()
                .enumerate()
                .map(|(i, id)| (format!("{key}/{i}"), *id)),
        );
    }
    if let Some(c) = s.conditional {
        out.push(("if".to_owned(), c.condition));
        out.extend(c.then.map(|id| ("then".to_owned(), id)));
        out.extend(c.otherwise.map(|id| ("else".to_owned(), id)));
    }
    for (name, id) in &s.dependent_schemas {
        out.push((format!("dependentSchemas/{name}"), *id));
    }
    out
}

fn walk(
    arena: &SchemaArena,
    id: SchemaId,
    path: &str,
    depth: usize,
    seen: &mut HashSet<(SchemaId, String)>,
    out: &mut Vec<String>,
) {
    if !seen.insert((id, path.to_owned())) {
        return;
    }
    let s = arena.get(id);
    if depth == 0 {
        out.push(format!("p:{path}:*"));
        out.push(format!("i:{path}:*"));
        return;
    }
    out.extend(s.properties.keys().map(|k| format!("p:{path}:={k}")));
    out.extend(
        s.pattern_properties
            .iter()
            .map(|(p, _)| format!("p:{path}:/{p}/")),
    );
    if s.additional_written || s.unevaluated_properties.is_some() {
        out.push(format!("p:{path}:*"));
    }
    if !s.prefix_items.is_empty() {
        out.push(format!("i:{path}:{}", s.prefix_items.len()));
    }
    if s.items_written || s.unevaluated_items.is_some() || s.contains.is_some() {
        out.push(format!("i:{path}:*"));
    }
    for (sub, child) in applicators(s) {
        walk(arena, child, &format!("{path}/{sub}"), depth - 1, seen, out);
    }
}

/// Whether a subschema of `s` may evaluate `name` (`None`: any name not
/// otherwise judged); `Some(false)` only when none can.
pub(super) fn may_evaluate_name(
    arena: &SchemaArena,
    s: &Schema,
    name: Option<&str>,
) -> Option<bool> {
    let mut any = false;
    for entry in universe(arena, s) {
        let Some(rest) = entry.strip_prefix("p:") else {
            continue;
        };
        let what = rest.rsplit_once(':').map_or(rest, |(_, w)| w);
        match (what, name) {
            ("*", _) | (_, None) => return Some(true),
            (w, Some(n)) if w.strip_prefix('=') == Some(n) => return Some(true),
            (w, Some(n)) if w.starts_with('/') => {
                let p = w.trim_start_matches('/').trim_end_matches('/');
                match matches(p, n) {
                    Some(false) => {}
                    _ => any = true,
                }
            }
            _ => {}
        }
    }
    if any { None } else { Some(false) }
}

/// Whether a subschema of `s` may evaluate array items.
pub(super) fn may_evaluate_items(arena: &SchemaArena, s: &Schema) -> bool {
    s.contains.is_some() || universe(arena, s).iter().any(|e| e.starts_with("i:"))
}

/// What judges the items after a schema's tuple: `items` (or
/// `additionalItems`), else a static `unevaluatedItems`, else anything.
pub(super) fn rest_items(arena: &SchemaArena, s: &Schema) -> Rule {
    match (s.items, s.unevaluated_items) {
        (Some(id), _) => Rule::Slot(Additional::Schema(id)),
        (None, None) => Rule::Slot(Additional::Any),
        (None, Some(u)) if !may_evaluate_items(arena, s) => Rule::Slot(Additional::Schema(u)),
        (None, Some(_)) => Rule::Unknown,
    }
}

impl SchemaComparer<'_> {
    /// Both sides judge some names by `unevaluatedProperties` after their
    /// subschemas: the schemas compared as a pair when the subschemas
    /// declare the same names in the same places.
    pub(super) fn unevaluated_properties(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let slot = |s: &Schema| s.unevaluated_properties.unwrap_or(Additional::Any);
        let (a, b) = (slot(os), slot(ns));
        let same_places =
            names_of(universe(self.old, os), 'p') == names_of(universe(self.new, ns), 'p');
        self.unevaluated(at, a, b, same_places, "unevaluatedProperties")
    }

    /// The same for `unevaluatedItems` after both tuples.
    pub(super) fn unevaluated_items(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let slot = |s: &Schema| {
            s.unevaluated_items
                .map_or(Additional::Any, Additional::Schema)
        };
        let (a, b) = (slot(os), slot(ns));
        let same_places = os.prefix_items.len() == ns.prefix_items.len()
            && names_of(universe(self.old, os), 'i') == names_of(universe(self.new, ns), 'i');
        self.unevaluated(at, a, b, same_places, "unevaluatedItems")
    }

    fn unevaluated(
        &mut self,
        at: At<'_>,
        a: Additional,
        b: Additional,
        same_places: bool,
        keyword: &'static str,
    ) -> Vec<usize> {
        let f = at.field;
        let items = keyword == "unevaluatedItems";
        let field = if items {
            format!("{f}[]")
        } else {
            format!("{f}.*")
        };
        if !same_places {
            let (rule, what) = if items {
                ("evaluated-items-changed", "items")
            } else {
                ("evaluated-properties-changed", "properties")
            };
            let message = format!(
                "the subschemas of `{f}` evaluate other {what} than before, so `{keyword}` judges others: Treaty cannot prove which documents this keeps valid, so it counts as both narrowing and widening"
            );
            return vec![self.push(at, rule, Effect::Both, message, keyword)];
        }
        let relation = self.relate(&Rule::Slot(a), &Rule::Slot(b), at.dir, &field);
        self.push_catch_all(at, relation, keyword, items)
    }

    /// A change of what judges undeclared names or further items.
    pub(super) fn push_catch_all(
        &mut self,
        at: At<'_>,
        relation: Relation,
        keyword: &'static str,
        items: bool,
    ) -> Vec<usize> {
        let f = at.field;
        let what = if items {
            "items beyond those listed"
        } else {
            "properties beyond those listed"
        };
        let (rule, effect, message) = match (relation, items) {
            (Relation::Effect(Effect::Narrows), false) => (
                "additional-properties-narrowed",
                Effect::Narrows,
                format!("`{f}` no longer accepts all {what}"),
            ),
            (Relation::Effect(Effect::Widens), false) => (
                "additional-properties-widened",
                Effect::Widens,
                format!("`{f}` now accepts more {what}"),
            ),
            (Relation::Effect(Effect::Narrows), true) => (
                "items-narrowed",
                Effect::Narrows,
                format!("`{f}` no longer accepts all {what}"),
            ),
            (Relation::Effect(Effect::Widens), true) => (
                "items-widened",
                Effect::Widens,
                format!("`{f}` now accepts more {what}"),
            ),
            (Relation::Unproven | Relation::Effect(_), _) => (
                if items {
                    "evaluated-items-changed"
                } else {
                    "evaluated-properties-changed"
                },
                Effect::Both,
                format!(
                    "what judges the {what} of `{f}` changed in a way Treaty cannot prove (subschemas evaluate some of them), so it counts as both narrowing and widening"
                ),
            ),
            _ => return Vec::new(),
        };
        vec![self.push(at, rule, effect, message, keyword)]
    }
}

/// The entries of a universe of one kind (`p` or `i`).
fn names_of(universe: Vec<String>, kind: char) -> Vec<String> {
    let prefix = format!("{kind}:");
    let mut out: Vec<String> = universe
        .into_iter()
        .filter(|e| e.starts_with(&prefix))
        .collect();
    out.sort();
    out
}
