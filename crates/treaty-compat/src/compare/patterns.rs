//! What judges a property name: its own schema, the `patternProperties`
//! it matches, else `additionalProperties` (or a static
//! `unevaluatedProperties`); and `patternProperties` added, removed and
//! kept (kept ones compared as pairs).

use regex::RegexBuilder;

use super::evaluated::may_evaluate_name;
use super::slot::{Relation, Rule};
use super::{At, SchemaComparer};
use crate::change::Effect;
use crate::schema::{Additional, Schema, SchemaArena, SchemaId};

/// Whether `name` matches `pattern` (ECMA-262, not anchored); `None` when
/// Treaty cannot tell: a pattern the `regex` crate does not read the same
/// way (look-around, back-references) or a name beyond ASCII, where
/// classes like `\d` and `\w` differ.
pub(super) fn matches(pattern: &str, name: &str) -> Option<bool> {
    if !name.is_ascii() {
        return None;
    }
    let re = RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .ok()?;
    Some(re.is_match(name))
}

/// What judges the names a schema neither declares nor matches by a
/// pattern: `additionalProperties`, else `unevaluatedProperties` when no
/// subschema evaluates names, else Treaty cannot tell which.
pub(super) fn catch_all(arena: &SchemaArena, s: &Schema) -> Rule {
    if s.additional_written || s.additional != Additional::Any {
        return Rule::Slot(s.additional);
    }
    match s.unevaluated_properties {
        None => Rule::Slot(Additional::Any),
        Some(u) if may_evaluate_name(arena, s, None) == Some(false) => Rule::Slot(u),
        Some(_) => Rule::Unknown,
    }
}

/// What judges `name` in a schema that does not declare it.
pub(super) fn name_rule(arena: &SchemaArena, s: &Schema, name: &str) -> Rule {
    let mut list: Vec<SchemaId> = Vec::new();
    for (pattern, id) in &s.pattern_properties {
        match matches(pattern, name) {
            Some(true) => list.push(*id),
            Some(false) => {}
            None => return Rule::Unknown,
        }
    }
    if !list.is_empty() {
        return Rule::Patterns(list);
    }
    if s.additional_written || s.additional != Additional::Any {
        return Rule::Slot(s.additional);
    }
    match s.unevaluated_properties {
        None => Rule::Slot(Additional::Any),
        Some(u) if may_evaluate_name(arena, s, Some(name)) == Some(false) => Rule::Slot(u),
        Some(_) => Rule::Unknown,
    }
}

/// The effect a relation gives a finding of its own: `None` for none;
/// `Neutral` when the schemas were compared (their changes say more).
pub(super) fn effect_of(relation: Relation) -> Option<Effect> {
    match relation {
        Relation::Same | Relation::Open => None,
        Relation::Effect(e) => Some(e),
        Relation::Compared => Some(Effect::Neutral),
        Relation::Unproven => Some(Effect::Both),
    }
}

impl SchemaComparer<'_> {
    /// `patternProperties`: kept patterns compared as pairs; one added or
    /// removed judges the names it matches instead of
    /// `additionalProperties`, and constrains the declared names it
    /// matches too.
    pub(super) fn patterns(&mut self, at: At<'_>) -> Vec<usize> {
        let (old, new) = (self.old, self.new);
        let (os, ns) = (old.get(at.o), new.get(at.n));
        let f = at.field;
        let mut ids = Vec::new();
        for (p, a) in &os.pattern_properties {
            if let Some((_, b)) = ns.pattern_properties.iter().find(|(q, _)| q == p) {
                self.compare(*a, *b, at.dir, &format!("{f}./{p}/"), false);
            }
        }
        let declared: Vec<&String> = os.properties.keys().chain(ns.properties.keys()).collect();
        for (added, (list, other)) in [
            (true, (&ns.pattern_properties, &os.pattern_properties)),
            (false, (&os.pattern_properties, &ns.pattern_properties)),
        ] {
            for (p, id) in list
                .iter()
                .filter(|(p, _)| !other.iter().any(|(q, _)| q == p))
            {
                let (arena, other_side) = if added { (new, os) } else { (old, ns) };
                let field = format!("{f}./{p}/");
                // Names the pattern matches were judged by the other
                // side's catch-all (when it had no pattern of its own).
                let relation = if !other.is_empty() {
                    Relation::Unproven
                } else {
                    let catch = catch_all(if added { old } else { new }, other_side);
                    let mine = Rule::Slot(Additional::Schema(*id));
                    if added {
                        self.relate(&catch, &mine, at.dir, &field)
                    } else {
                        self.relate(&mine, &catch, at.dir, &field)
                    }
                };
                let mut effect = effect_of(relation);
                // Declared names it matches gain (or lose) its schema.
                let constrains = !arena.get(*id).accepts_anything()
                    && declared.iter().any(|n| matches(p, n) != Some(false));
                if constrains {
                    let e = if added {
                        Effect::Narrows
                    } else {
                        Effect::Widens
                    };
                    effect = super::slot::combine(effect, Some(e));
                }
                let Some(effect) = effect else { continue };
                let (rule, verb) = if added {
                    ("pattern-property-added", "now judges")
                } else {
                    ("pattern-property-removed", "no longer judges")
                };
                let mut message =
                    format!("patternProperties `{p}` {verb} the names it matches in `{f}`");
                if relation == Relation::Unproven {
                    message.push_str(
                        ": Treaty cannot prove how it meets the other patterns, so it counts as both narrowing and widening",
                    );
                }
                let suffix = format!("/patternProperties/{}", super::escape(p));
                let place = if added {
                    ("".to_owned(), suffix)
                } else {
                    (suffix, "".to_owned())
                };
                ids.push(self.push_at(
                    at.field(&field),
                    rule,
                    effect,
                    message,
                    (&place.0, &place.1),
                ));
            }
        }
        ids
    }
}
