//! Array keywords: what each position accepts (`prefixItems` or a
//! draft-4..2019 tuple `items`, then `items`, `additionalItems` or a
//! static `unevaluatedItems` for the rest), and `contains` with its counts.
//! (`minItems`, `maxItems` and `uniqueItems` are bounds.)
//!
//! Positions are compared one by one: each is judged on each side by its
//! tuple schema or by the rest, and two schemas are compared as a pair;
//! `items` added to an array that had none narrows it (`items-narrowed`).

use super::evaluated::rest_items;
use super::slot::{Relation, Rule};
use super::{At, SchemaComparer};
use crate::change::Effect;
use crate::schema::{Additional, Schema, SchemaArena, types};

impl SchemaComparer<'_> {
    /// Items by position and `contains`, where both versions accept arrays.
    pub(super) fn array(&mut self, at: At<'_>) -> Vec<usize> {
        let (old, new) = (self.old, self.new);
        let (os, ns) = (old.get(at.o), new.get(at.n));
        if os.types & ns.types & types::ARRAY == 0 {
            return Vec::new();
        }
        let f = at.field;
        let mut ids = Vec::new();
        let (rest_old, rest_new) = (rest_items(old, os), rest_items(new, ns));
        let at_position = |s: &Schema, arena: &SchemaArena, i: usize| match s.prefix_items.get(i) {
            Some(&id) => Rule::Slot(Additional::Schema(id)),
            None => rest_items(arena, s),
        };
        let tuple = os.prefix_items.len().max(ns.prefix_items.len());
        for i in 0..tuple {
            let (a, b) = (at_position(os, old, i), at_position(ns, new, i));
            let field = format!("{f}[{i}]");
            let relation = self.relate(&a, &b, at.dir, &field);
            ids.extend(self.push_items(at, relation, Some(i)));
        }
        if rest_old == Rule::Unknown && rest_new == Rule::Unknown {
            ids.extend(self.unevaluated_items(at));
        } else {
            let relation = self.relate(&rest_old, &rest_new, at.dir, &format!("{f}[]"));
            ids.extend(self.push_items(at, relation, None));
        }
        ids.extend(self.contains(at));
        ids
    }

    /// A change of what a position (`None`: every one after the tuples)
    /// accepts, when not compared as a pair.
    fn push_items(
        &mut self,
        at: At<'_>,
        relation: Relation,
        position: Option<usize>,
    ) -> Option<usize> {
        let f = at.field;
        let what = match position {
            Some(i) => format!("item {i} of `{f}`"),
            None => format!("items of `{f}`"),
        };
        let keyword = match position {
            Some(_) => "prefixItems",
            None => "items",
        };
        let (rule, effect, message) = match relation {
            Relation::Effect(Effect::Narrows) => (
                "items-narrowed",
                Effect::Narrows,
                format!(
                    "{what} must now match a schema (before: anything, or the rest of the tuple)"
                ),
            ),
            Relation::Effect(Effect::Widens) => (
                "items-widened",
                Effect::Widens,
                format!("{what} no longer have to match the schema they did"),
            ),
            Relation::Effect(_) | Relation::Unproven => (
                "evaluated-items-changed",
                Effect::Both,
                format!(
                    "what judges {what} changed in a way Treaty cannot prove (subschemas evaluate some items), so it counts as both narrowing and widening"
                ),
            ),
            _ => return None,
        };
        Some(self.push(at, rule, effect, message, keyword))
    }

    /// `contains`: at least `minContains` (1) and at most `maxContains`
    /// items match its schema.
    fn contains(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        // `minContains: 0` without a maximum asks nothing.
        let active = |s: &Schema| {
            s.contains
                .filter(|_| s.min_contains != Some(0) || s.max_contains.is_some())
        };
        let (a, b) = match (active(os), active(ns)) {
            (None, None) => return Vec::new(),
            (None, Some(_)) => {
                let message = format!("`{f}` must now contain an item of a schema");
                return vec![self.push(at, "contains-added", Effect::Narrows, message, "contains")];
            }
            (Some(_), None) => {
                let message = format!("`{f}` no longer has to contain an item of a schema");
                return vec![self.push(at, "contains-removed", Effect::Widens, message, "")];
            }
            (Some(a), Some(b)) => (a, b),
        };
        let (min_o, min_n) = (os.min_contains.unwrap_or(1), ns.min_contains.unwrap_or(1));
        let (max_o, max_n) = (os.max_contains, ns.max_contains);
        let mut ids = Vec::new();
        if self.equivalent(a, b) {
            // The same items count: only the counts matter.
        } else if max_o.is_none() && max_n.is_none() {
            // At least so many matching items: more items that match
            // keeps every old document valid.
            self.compare(a, b, at.dir, &format!("{f}[contains]"), false);
        } else {
            let message = format!(
                "the schema `{f}` counts with contains changed beside maxContains: Treaty cannot prove which arrays keep the count, so it counts as both narrowing and widening"
            );
            ids.push(self.push(at, "contains-changed", Effect::Both, message, "contains"));
        }
        let narrower = min_n > min_o || max_n.is_some_and(|n| max_o.is_none_or(|o| n < o));
        let wider = min_n < min_o || max_o.is_some_and(|o| max_n.is_none_or(|n| n > o));
        let effect = match (narrower, wider) {
            (false, false) => return ids,
            (true, false) => Effect::Narrows,
            (false, true) => Effect::Widens,
            (true, true) => Effect::Both,
        };
        let rule = match effect {
            Effect::Widens => "contains-count-widened",
            _ => "contains-count-narrowed",
        };
        let counts = |min: u64, max: Option<u64>| match max {
            Some(max) => format!("from {min} to {max}"),
            None => format!("at least {min}"),
        };
        let message = format!(
            "`{f}` must contain {} matching items (was {})",
            counts(min_n, max_n),
            counts(min_o, max_o)
        );
        ids.push(self.push(at, rule, effect, message, "minContains"));
        ids
    }
}
