//! `if`/`then`/`else`: documents valid under `if` must match `then`, the
//! others `else`. When `if` is the same on both sides, the same documents
//! take each branch, so `then` and `else` are compared as pairs (an absent
//! branch accepts anything). When `if` changed, documents move between the
//! branches and Treaty cannot prove what that does: it reports
//! `conditional-changed`, narrowing and widening at once.
//!
//! "The same" is decided by comparing the two schemas on the side: no
//! change but annotations means they accept the same values.

use super::At;
use super::SchemaComparer;
use super::patterns::effect_of;
use super::slot::{Relation, Rule};
use crate::change::{Direction, Effect};
use crate::jsonschema::UndeclaredProperties;
use crate::schema::{Additional, SchemaId};

impl SchemaComparer<'_> {
    /// `if`, `then` and `else` of a pair.
    pub(super) fn conditional(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        // An `if` alone asks nothing, but what it evaluates counts for
        // `unevaluated*`: more documents passing it evaluate more.
        let judges_unevaluated = |s: &crate::schema::Schema| {
            s.unevaluated_properties.is_some() || s.unevaluated_items.is_some()
        };
        if let (Some(a), Some(b)) = (os.conditional, ns.conditional)
            && (judges_unevaluated(os) || judges_unevaluated(ns))
        {
            self.compare(a.condition, b.condition, at.dir, &format!("{f}.if"), false);
        }
        let asks_something =
            |c: &crate::schema::Conditional| c.then.is_some() || c.otherwise.is_some();
        let (a, b) = match (
            os.conditional.filter(asks_something),
            ns.conditional.filter(asks_something),
        ) {
            (None, None) => return Vec::new(),
            (None, Some(_)) => {
                let message = format!("`{f}` must now meet an if/then/else condition");
                return vec![self.push(at, "conditional-added", Effect::Narrows, message, "if")];
            }
            (Some(_), None) => {
                let message = format!("`{f}` no longer has to meet an if/then/else condition");
                return vec![self.push(at, "conditional-removed", Effect::Widens, message, "")];
            }
            (Some(a), Some(b)) => (a, b),
        };
        if !self.equivalent(a.condition, b.condition) {
            let message = format!(
                "the `if` of `{f}` changed: documents move between `then` and `else`, and Treaty cannot prove which stay valid, so it counts as both narrowing and widening"
            );
            return vec![self.push(at, "conditional-changed", Effect::Both, message, "if")];
        }
        let mut ids = Vec::new();
        for (key, x, y) in [("then", a.then, b.then), ("else", a.otherwise, b.otherwise)] {
            let slot =
                |id: Option<SchemaId>| Rule::Slot(id.map_or(Additional::Any, Additional::Schema));
            let field = format!("{f}.{key}");
            let relation = self.relate(&slot(x), &slot(y), at.dir, &field);
            let effect = match relation {
                Relation::Compared => None,
                r => effect_of(r),
            };
            let Some(effect) = effect else { continue };
            let (rule, message) = match effect {
                Effect::Widens => (
                    "conditional-removed",
                    format!("`{f}` no longer has to match its `{key}` schema"),
                ),
                _ => (
                    "conditional-added",
                    format!("`{f}` must now match its `{key}` schema"),
                ),
            };
            ids.push(self.push(at, rule, effect, message, key));
        }
        ids
    }

    /// Whether two schemas accept the same values, as far as Treaty can
    /// prove: comparing them finds nothing but annotations.
    pub(super) fn equivalent(&self, a: SchemaId, b: SchemaId) -> bool {
        let mut probe = SchemaComparer::new(self.old, self.new);
        // Strict even for a lenient contract: the same values, not the same
        // verdict.
        probe.data = self.data.map(|_| UndeclaredProperties::Strict);
        probe.compare(a, b, Direction::Accepts, "", false);
        probe.changes.iter().all(|c| c.effect == Effect::Neutral)
    }
}
