//! Object keywords: properties added and removed (each kept property
//! compared as a pair of its own), `required`, and what judges the names
//! no property declares (`additionalProperties`, `patternProperties`,
//! `unevaluatedProperties`).
//!
//! A property added or removed is judged by what held its name on the
//! other side: on a closed model nothing (so adding one widens, and
//! removing one declared `false` changes nothing), on an open one
//! anything (adding one narrows: a document with that name and another
//! value was valid; an API's old clients send no undeclared property, so
//! Treaty reports it as info there, and a data contract may say the same
//! with `undeclared_properties: lenient`), on a partly open one the
//! `additionalProperties` or pattern schema, compared with the
//! property's as a pair.

use std::collections::{BTreeMap, BTreeSet};

use super::patterns::{catch_all, effect_of, name_rule};
use super::slot::{Relation, Rule, combine};
use super::{At, SchemaComparer, escape};
use crate::change::{Direction, Effect};
use crate::jsonschema::UndeclaredProperties;
use crate::schema::{Additional, SchemaArena, SchemaId, types};

impl SchemaComparer<'_> {
    /// Object keywords, where both versions accept objects (a string that
    /// became an object is a type change, not new properties).
    pub(super) fn object(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        if os.types & ns.types & types::OBJECT == 0 {
            return Vec::new();
        }
        let mut ids = self.properties(at);
        ids.extend(self.required(at));
        ids.extend(self.additional(at));
        ids.extend(self.patterns(at));
        ids.extend(self.dependencies(at));
        ids
    }

    /// Properties removed, kept (compared) and added.
    fn properties(&mut self, at: At<'_>) -> Vec<usize> {
        let (old, new) = (self.old, self.new);
        let (os, ns) = (old.get(at.o), new.get(at.n));
        let mut ids = Vec::new();
        let names: BTreeSet<&String> = os.properties.keys().chain(ns.properties.keys()).collect();
        for name in names {
            let field = format!("{}.{name}", at.field);
            match (os.properties.get(name), ns.properties.get(name)) {
                (Some(&op), Some(&np)) => {
                    self.compare(op, np, at.dir, &field, false);
                }
                (Some(&op), None) => {
                    let rule = name_rule(new, ns, name);
                    ids.extend(self.property_removed(at, name, op, rule, &field));
                }
                (None, Some(&np)) => {
                    let rule = name_rule(old, os, name);
                    ids.extend(self.property_added(at, name, rule, np, &field));
                }
                (None, None) => {}
            }
        }
        ids
    }

    /// Whether undeclared names of open models are taken as never sent.
    fn lenient(&self) -> bool {
        self.data == Some(UndeclaredProperties::Lenient)
    }

    /// A property gone: its name is now judged by `rule`.
    fn property_removed(
        &mut self,
        at: At<'_>,
        name: &str,
        op: SchemaId,
        rule: Rule,
        field: &str,
    ) -> Option<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let open = rule == Rule::Slot(Additional::Any);
        let relation = self.relate(&Rule::Slot(Additional::Schema(op)), &rule, at.dir, field);
        let mut effect = match relation {
            // Producers send no undeclared name: none will send this one.
            Relation::Effect(_) if open && self.lenient() => Some(Effect::Neutral),
            // An API: a removed property is reported even when its schema
            // accepted anything.
            Relation::Open => Some(Effect::Neutral),
            r => effect_of(r),
        };
        let was_required =
            applies(self.old, &os.properties, name, at.dir) && os.required.contains(name);
        // Old values always had it; new ones may not.
        if was_required && !ns.required.contains(name) {
            effect = combine(effect, Some(Effect::Widens));
        }
        let effect = effect?;
        let rule_id = if was_required {
            "property-removed"
        } else {
            "optional-property-removed"
        };
        let f = at.field;
        let mut message = format!("property `{f}.{name}` was removed");
        message.push_str(&explain(relation, &rule, false));
        let suffix = format!("/properties/{}", escape(name));
        Some(self.push_at(at.field(field), rule_id, effect, message, (&suffix, "")))
    }

    /// A property new: its name was judged by `rule`.
    fn property_added(
        &mut self,
        at: At<'_>,
        name: &str,
        rule: Rule,
        np: SchemaId,
        field: &str,
    ) -> Option<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let open = rule == Rule::Slot(Additional::Any);
        let relation = self.relate(&rule, &Rule::Slot(Additional::Schema(np)), at.dir, field);
        let mut effect = match relation {
            Relation::Effect(_) if open && self.lenient() => Some(Effect::Neutral),
            Relation::Open => Some(Effect::Neutral),
            r => effect_of(r),
        };
        let now_required =
            applies(self.new, &ns.properties, name, at.dir) && ns.required.contains(name);
        let newly_required = now_required && !os.required.contains(name);
        if newly_required {
            effect = combine(effect, Some(Effect::Narrows));
        }
        let effect = effect?;
        let f = at.field;
        let (rule_id, mut message) = if newly_required {
            (
                "required-property-added",
                format!("`{f}.{name}` was added as a required property"),
            )
        } else {
            (
                "optional-property-added",
                format!("optional property `{f}.{name}` was added"),
            )
        };
        message.push_str(&explain(relation, &rule, true));
        if newly_required {
            return Some(self.push(at, rule_id, effect, message, "required"));
        }
        let suffix = format!("/properties/{}", escape(name));
        Some(self.push_at(at.field(field), rule_id, effect, message, ("", &suffix)))
    }

    /// `required`: names that became required or stopped being so (those
    /// of properties added or removed are reported with them).
    fn required(&mut self, at: At<'_>) -> Vec<usize> {
        let (old, new) = (self.old, self.new);
        let (os, ns) = (old.get(at.o), new.get(at.n));
        let f = at.field;
        let mut ids = Vec::new();
        for name in ns.required.difference(&os.required) {
            let added = ns.properties.contains_key(name) && !os.properties.contains_key(name);
            if added || !applies(new, &ns.properties, name, at.dir) {
                continue;
            }
            ids.push(self.push(
                at,
                "required-property-added",
                Effect::Narrows,
                format!("`{f}.{name}` is now required"),
                "required",
            ));
        }
        for name in os.required.difference(&ns.required) {
            let removed = os.properties.contains_key(name) && !ns.properties.contains_key(name);
            if removed || !applies(old, &os.properties, name, at.dir) {
                continue;
            }
            ids.push(self.push(
                at,
                "required-property-removed",
                Effect::Widens,
                format!("`{f}.{name}` is no longer required"),
                "",
            ));
        }
        ids
    }

    /// What judges the names neither side declares nor matches by a
    /// pattern: `additionalProperties`, or `unevaluatedProperties`.
    fn additional(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let (a, b) = (catch_all(self.old, os), catch_all(self.new, ns));
        if a == Rule::Unknown && b == Rule::Unknown {
            return self.unevaluated_properties(at);
        }
        let field = format!("{}.*", at.field);
        let relation = self.relate(&a, &b, at.dir, &field);
        let keyword = if ns.additional_written || ns.unevaluated_properties.is_none() {
            "additionalProperties"
        } else {
            "unevaluatedProperties"
        };
        self.push_catch_all(at, relation, keyword, false)
    }
}

/// Whether `required` binds `name` in this direction: on a readOnly
/// property it binds responses only, on a writeOnly one requests only.
fn applies(
    arena: &SchemaArena,
    props: &BTreeMap<String, SchemaId>,
    name: &str,
    dir: Direction,
) -> bool {
    props.get(name).is_none_or(|&p| {
        let p = arena.get(p);
        match dir {
            Direction::Accepts => !p.read_only,
            Direction::Produces => !p.write_only,
        }
    })
}

/// What a message adds about the other side's judge of the name.
fn explain(relation: Relation, rule: &Rule, added: bool) -> String {
    let was = if added { "was" } else { "is now" };
    match (relation, rule) {
        (Relation::Unproven, _) => ": Treaty cannot prove what judges the name where it is not declared (a pattern it cannot evaluate, or properties evaluated by subschemas), so it counts as both narrowing and widening".to_owned(),
        (Relation::Compared, Rule::Patterns(_)) => {
            format!("; the name {was} judged by patternProperties (compared below)")
        }
        (Relation::Compared, _) => {
            format!("; the name {was} judged by additionalProperties (compared below)")
        }
        _ => String::new(),
    }
}
