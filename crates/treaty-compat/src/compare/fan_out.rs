//! One alternative against several: a plain schema that became a union
//! (or the reverse) is compared with each alternative, but a union allows
//! what any alternative allows, so what one alternative loses another may
//! keep. Old `{type: object, properties: {type: {enum: [text,
//! json_object]}}}` split into `Text` (`type: [text]`) and `JsonObject`
//! (`type: [json_object]`) loses no value of `type`, though each one alone
//! does.
//!
//! Each alternative is compared in a comparison of its own; changes that
//! gain values (for the several new ones; that lose values, for several
//! old ones) hold whatever the others allow and are kept. Changes the
//! other way are kept when every alternative makes them, values and names
//! intersected (`enum` values, `required` names). When the alternatives
//! are told apart by a property of disjoint values (a tag such as `type`),
//! an alternative's own changes hold for the values with its tag: kept
//! when the single schema allows one of those tags, dropped otherwise.

use std::collections::{BTreeSet, HashMap};

use super::{At, SchemaComparer, list};
use crate::change::{Change, Effect};
use crate::schema::{Schema, SchemaArena, SchemaId};

/// A change found in one alternative's comparison, with the pair it was
/// found on.
struct Found {
    change: Change,
    old: SchemaId,
    new: SchemaId,
}

impl SchemaComparer<'_> {
    /// Compares `one` (old when `one_old`) with each of `many`; the ids of
    /// the changes kept, recorded on the union's pair.
    pub(super) fn fan_out(
        &mut self,
        at: At<'_>,
        one: SchemaId,
        many: &[SchemaId],
        one_old: bool,
    ) -> Vec<usize> {
        let runs: Vec<Vec<Found>> = many
            .iter()
            .map(|&m| {
                let (o, n) = if one_old { (one, m) } else { (m, one) };
                let mut sub = SchemaComparer::new(self.old, self.new);
                sub.data = self.data;
                sub.compare(o, n, at.dir, at.field, true);
                let pairs: HashMap<usize, (SchemaId, SchemaId)> = sub
                    .graph
                    .pair_of_changes()
                    .into_iter()
                    .map(|(i, key)| (i, (key.0, key.1)))
                    .collect();
                sub.changes
                    .into_iter()
                    .enumerate()
                    .map(|(i, change)| {
                        let (old, new) = pairs.get(&i).copied().unwrap_or((o, n));
                        Found { change, old, new }
                    })
                    .collect()
            })
            .collect();
        // The way only some alternatives may go: losing values of the one
        // old schema, or gaining values over the several old ones.
        let partial = if one_old {
            Effect::Narrows
        } else {
            Effect::Widens
        };
        let (one_arena, many_arena) = if one_old {
            (self.old, self.new)
        } else {
            (self.new, self.old)
        };
        let tag = Tag::of(many_arena, many);
        let anchor = |f: &Found| if one_old { f.old } else { f.new };
        let mut kept: Vec<Change> = Vec::new();
        for (r, run) in runs.iter().enumerate() {
            let relevant = tag.as_ref().is_none_or(|t| t.overlaps(one_arena, one, r));
            for found in run {
                if found.change.effect != partial {
                    kept.push(found.change.clone());
                    continue;
                }
                let at_tag = tag
                    .as_ref()
                    .is_some_and(|t| t.concerns(one_arena, one, &found.change, anchor(found)));
                if tag.is_some() && !at_tag {
                    if relevant {
                        kept.push(found.change.clone());
                    }
                } else if r == 0
                    && let Some(change) = self.in_every_run(found, &runs, one_old)
                {
                    kept.push(change);
                }
            }
        }
        // The same union may be reached from several places: a change
        // already found there is the same change.
        kept.into_iter()
            .map(|c| {
                let same = |k: &Change| {
                    k.rule == c.rule
                        && k.direction == c.direction
                        && k.message == c.message
                        && k.old == c.old
                        && k.new == c.new
                };
                self.changes.iter().position(same).unwrap_or_else(|| {
                    self.changes.push(c);
                    let index = self.changes.len() - 1;
                    // Found on the union's pair, which is being compared.
                    self.graph.note(index);
                    index
                })
            })
            .collect()
    }

    /// A change of the first run that every run makes: same rule at the
    /// same place of the single schema; `enum` values and `required`
    /// names intersected.
    fn in_every_run(&self, found: &Found, runs: &[Vec<Found>], one_old: bool) -> Option<Change> {
        let anchor = |f: &Found| if one_old { f.old } else { f.new };
        let matching: Vec<&Found> = runs
            .iter()
            .map(|run| {
                run.iter()
                    .find(|f| f.change.rule == found.change.rule && anchor(f) == anchor(found))
            })
            .collect::<Option<Vec<_>>>()?;
        let (old, new) = (self.old, self.new);
        let rule = found.change.rule;
        let subject = |f: &Found| subject(rule, old.get(f.old), new.get(f.new));
        let common = matching
            .iter()
            .map(|f| subject(f))
            .reduce(|a, b| a.intersection(&b).cloned().collect())
            .unwrap_or_default();
        let mut change = found.change.clone();
        let field = change.field.clone().unwrap_or_default();
        match rule {
            "enum-value-removed" | "enum-value-added" => {
                if common.is_empty() {
                    return None;
                }
                let shown: Vec<&String> = common.iter().collect();
                change.message = if rule == "enum-value-removed" {
                    format!("`{field}` no longer allows {}", list(&shown))
                } else {
                    format!("`{field}` now also allows {}", list(&shown))
                };
            }
            "required-property-added" | "required-property-removed" => {
                let named = common
                    .iter()
                    .any(|n| change.message.starts_with(&format!("`{field}.{n}`")));
                if !named {
                    return None;
                }
            }
            _ => {}
        }
        Some(change)
    }
}

/// A property that tells the several alternatives apart: each allows a
/// finite set of its values, and no two sets share one.
struct Tag {
    name: String,
    /// Each alternative's values of it.
    values: Vec<BTreeSet<String>>,
}

impl Tag {
    fn of(arena: &SchemaArena, many: &[SchemaId]) -> Option<Tag> {
        let first = arena.get(*many.first()?);
        first.properties.keys().find_map(|name| {
            let values: Vec<BTreeSet<String>> = many
                .iter()
                .map(|&m| {
                    let p = arena.get(*arena.get(m).properties.get(name)?);
                    finite(p)
                })
                .collect::<Option<Vec<_>>>()?;
            let total: usize = values.iter().map(BTreeSet::len).sum();
            let union: BTreeSet<&String> = values.iter().flatten().collect();
            (union.len() == total).then(|| Tag {
                name: name.clone(),
                values,
            })
        })
    }

    /// Whether the single schema allows a value of alternative `r`'s tag
    /// (any, when it does not restrict the property).
    fn overlaps(&self, arena: &SchemaArena, one: SchemaId, r: usize) -> bool {
        let own = arena
            .get(one)
            .properties
            .get(&self.name)
            .and_then(|&p| finite(arena.get(p)));
        match (own, self.values.get(r)) {
            (Some(own), Some(theirs)) => !own.is_disjoint(theirs),
            _ => true,
        }
    }

    /// Whether a change is about the tag itself: found on the single
    /// schema's tag property, or making it (not) required.
    fn concerns(&self, arena: &SchemaArena, one: SchemaId, change: &Change, at: SchemaId) -> bool {
        let field = change.field.as_deref().unwrap_or_default();
        arena.get(one).properties.get(&self.name) == Some(&at)
            || (change.rule.starts_with("required-property")
                && at == one
                && change
                    .message
                    .starts_with(&format!("`{field}.{}`", self.name)))
    }
}

/// What a pair differs by for a rule: the `enum` values or `required`
/// names gained or lost (empty for other rules).
fn subject(rule: &str, o: &Schema, n: &Schema) -> BTreeSet<String> {
    let diff = |a: &BTreeSet<String>, b: &BTreeSet<String>| a.difference(b).cloned().collect();
    let none = BTreeSet::new();
    let (oe, ne) = (
        o.enumeration.as_ref().unwrap_or(&none),
        n.enumeration.as_ref().unwrap_or(&none),
    );
    match rule {
        "enum-value-removed" => diff(oe, ne),
        "enum-value-added" => diff(ne, oe),
        "required-property-added" => diff(&n.required, &o.required),
        "required-property-removed" => diff(&o.required, &n.required),
        _ => BTreeSet::new(),
    }
}

/// The values a schema allows, when finitely many (`const`, else `enum`).
fn finite(s: &Schema) -> Option<BTreeSet<String>> {
    match (&s.constant, &s.enumeration) {
        (Some(c), _) => Some(BTreeSet::from([c.clone()])),
        (None, Some(e)) => Some(e.clone()),
        (None, None) => None,
    }
}
