//! What a property name or an array position accepts on each side, when
//! one side has no schema of its own for it: it is then judged by
//! `additionalProperties`, `patternProperties`, the rest of a tuple or
//! `unevaluated*`, which may accept anything, nothing, or values of a
//! schema. Two such slots are related here; two schemas are compared as a
//! pair.

use super::SchemaComparer;
use crate::change::{Direction, Effect};
use crate::schema::{Additional, SchemaArena, SchemaId};

/// What judges a name or a position on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Rule {
    /// Anything, nothing, or one schema.
    Slot(Additional),
    /// The schemas of every pattern the name matches, all of them.
    Patterns(Vec<SchemaId>),
    /// Treaty cannot tell (a pattern it cannot evaluate, properties or
    /// items evaluated by subschemas for `unevaluated*`).
    Unknown,
}

/// How two slots relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Relation {
    /// Nothing and nothing: no change.
    Same,
    /// Anything and anything: no change to values, a declaration moved.
    Open,
    /// The new side accepts less, more, or other values.
    Effect(Effect),
    /// Two schemas, compared as a pair: their changes say it.
    Compared,
    /// Treaty cannot prove how they relate.
    Unproven,
}

/// A slot as plainly as it can be said: a schema that accepts anything is
/// `Any`, one that plainly accepts nothing is `Forbidden`.
pub(super) fn plain(arena: &SchemaArena, slot: Additional) -> Additional {
    match slot {
        Additional::Schema(id) if arena.get(id).accepts_anything() => Additional::Any,
        Additional::Schema(id) if arena.get(id).accepts_nothing() => Additional::Forbidden,
        other => other,
    }
}

/// Adds up two effects on the same values.
pub(super) fn combine(a: Option<Effect>, b: Option<Effect>) -> Option<Effect> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(Effect::Neutral), x) | (x, Some(Effect::Neutral)) => x,
        (Some(x), Some(y)) if x == y => Some(x),
        _ => Some(Effect::Both),
    }
}

impl SchemaComparer<'_> {
    /// Relates what a name or position accepted (`old`) to what it accepts
    /// (`new`); two schemas are compared as a pair under `field`.
    pub(super) fn relate(
        &mut self,
        old: &Rule,
        new: &Rule,
        dir: Direction,
        field: &str,
    ) -> Relation {
        match (old, new) {
            (Rule::Unknown, _) | (_, Rule::Unknown) => Relation::Unproven,
            (Rule::Slot(a), Rule::Slot(b)) => self.relate_slots(*a, *b, dir, field),
            // Every schema on the new side must hold every old value: each
            // is compared with each old one (a conjunction of patterns).
            (old, new) => {
                let (olds, news) = (self.schemas_of(old, true), self.schemas_of(new, false));
                let (olds, news) = match (olds, news) {
                    (None, None) => return Relation::Same,
                    (None, Some(_)) => return Relation::Effect(Effect::Widens),
                    (Some(_), None) => return Relation::Effect(Effect::Narrows),
                    (Some(o), Some(n)) => (o, n),
                };
                // Anything stands for an empty conjunction.
                let slots = |list: Vec<SchemaId>| -> Vec<Additional> {
                    if list.is_empty() {
                        vec![Additional::Any]
                    } else {
                        list.into_iter().map(Additional::Schema).collect()
                    }
                };
                let mut result = Relation::Same;
                for &a in &slots(olds) {
                    for &b in &slots(news.clone()) {
                        result = join(result, self.relate_slots(a, b, dir, field));
                    }
                }
                result
            }
        }
    }

    /// The schemas a rule applies (empty: anything); `None` when it
    /// forbids the name.
    fn schemas_of(&self, rule: &Rule, old: bool) -> Option<Vec<SchemaId>> {
        let arena = if old { self.old } else { self.new };
        match rule {
            Rule::Slot(slot) => match plain(arena, *slot) {
                Additional::Any => Some(Vec::new()),
                Additional::Forbidden => None,
                Additional::Schema(id) => Some(vec![id]),
            },
            Rule::Patterns(list) => Some(list.clone()),
            Rule::Unknown => None,
        }
    }

    fn relate_slots(
        &mut self,
        old: Additional,
        new: Additional,
        dir: Direction,
        field: &str,
    ) -> Relation {
        use Additional::*;
        match (plain(self.old, old), plain(self.new, new)) {
            (Schema(a), Schema(b)) => {
                self.compare(a, b, dir, field, false);
                Relation::Compared
            }
            (Forbidden, Forbidden) => Relation::Same,
            (Any, Any) => Relation::Open,
            (Any, _) | (_, Forbidden) => Relation::Effect(Effect::Narrows),
            (_, Any) | (Forbidden, _) => Relation::Effect(Effect::Widens),
        }
    }
}

/// Two relations found for the same name: the worse of them.
fn join(a: Relation, b: Relation) -> Relation {
    use Relation::*;
    match (a, b) {
        (Unproven, _) | (_, Unproven) => Unproven,
        (Effect(x), Effect(y)) => Effect(combine(Some(x), Some(y)).unwrap_or(x)),
        (Effect(x), _) | (_, Effect(x)) => Effect(x),
        (Compared, _) | (_, Compared) => Compared,
        (Open, _) | (_, Open) => Open,
        (Same, Same) => Same,
    }
}
