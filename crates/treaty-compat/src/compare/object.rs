//! Object keywords: properties added and removed (each kept property
//! compared as a pair of its own), `required`, `additionalProperties`.

use std::collections::BTreeMap;

use super::{At, SchemaComparer, escape};
use crate::change::{Direction, Effect};
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
        ids
    }

    /// Properties removed, kept (compared) and added.
    fn properties(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let mut ids = Vec::new();
        let old_open = os.additional != Additional::Forbidden || os.pattern_properties;
        let new_open = ns.additional != Additional::Forbidden || ns.pattern_properties;
        for (name, &op) in &os.properties {
            let was_required = os.required.contains(name);
            let field = format!("{f}.{name}");
            if let Some(&np) = ns.properties.get(name) {
                self.compare(op, np, at.dir, &field, false);
                continue;
            }
            // Without the property, the new schema accepts any value under
            // that name (open) or none (closed). A required property: old
            // values always had it, new ones may not (widens); a closed
            // model also rejects it now (narrows too).
            let effect = match (was_required, new_open) {
                (_, true) => Effect::Widens,
                (true, false) => Effect::Both,
                (false, false) => Effect::Narrows,
            };
            let rule = if was_required {
                "property-removed"
            } else {
                "optional-property-removed"
            };
            let suffix = format!("/properties/{}", escape(name));
            let message = format!("property `{f}.{name}` was removed");
            ids.push(self.push_at(at.field(&field), rule, effect, message, (&suffix, "")));
        }
        for name in ns
            .properties
            .keys()
            .filter(|k| !os.properties.contains_key(*k))
        {
            if ns.required.contains(name) {
                continue; // reported as a required property added
            }
            // On an open model the name was allowed with any value and is
            // now constrained; on a closed one it was not allowed at all.
            let effect = if old_open {
                Effect::Narrows
            } else {
                Effect::Widens
            };
            let suffix = format!("/properties/{}", escape(name));
            let message = format!("optional property `{f}.{name}` was added");
            let field = format!("{f}.{name}");
            ids.push(self.push_at(
                at.field(&field),
                "optional-property-added",
                effect,
                message,
                ("", &suffix),
            ));
        }
        ids
    }

    /// `required`: names that became required or stopped being so.
    fn required(&mut self, at: At<'_>) -> Vec<usize> {
        let (old, new) = (self.old, self.new);
        let (os, ns) = (old.get(at.o), new.get(at.n));
        let f = at.field;
        let mut ids = Vec::new();
        // `required` on a readOnly property binds responses only, on a
        // writeOnly one requests only.
        let applies = |arena: &SchemaArena, props: &BTreeMap<String, SchemaId>, name: &str| {
            props.get(name).is_none_or(|&p| {
                let p = arena.get(p);
                match at.dir {
                    Direction::Accepts => !p.read_only,
                    Direction::Produces => !p.write_only,
                }
            })
        };
        for name in ns.required.difference(&os.required) {
            if !applies(new, &ns.properties, name) {
                continue;
            }
            let what = if os.properties.contains_key(name) {
                "is now required"
            } else {
                "was added as a required property"
            };
            ids.push(self.push(
                at,
                "required-property-added",
                Effect::Narrows,
                format!("`{f}.{name}` {what}"),
                "required",
            ));
        }
        for name in os.required.difference(&ns.required) {
            if !applies(old, &os.properties, name) {
                continue;
            }
            if ns.properties.contains_key(name) || !os.properties.contains_key(name) {
                ids.push(self.push(
                    at,
                    "required-property-removed",
                    Effect::Widens,
                    format!("`{f}.{name}` is no longer required"),
                    "",
                ));
            }
        }
        ids
    }

    /// `additionalProperties`: forbidden, any value, or a schema of its own
    /// (compared as a pair).
    fn additional(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let (rule, effect, message) = match (os.additional, ns.additional) {
            (Additional::Forbidden, Additional::Forbidden) | (Additional::Any, Additional::Any) => {
                return Vec::new();
            }
            (Additional::Schema(a), Additional::Schema(b)) => {
                self.compare(a, b, at.dir, &format!("{f}.*"), false);
                return Vec::new();
            }
            (a, b) => {
                let narrows = matches!(b, Additional::Forbidden)
                    || (matches!(a, Additional::Any) && matches!(b, Additional::Schema(_)));
                if narrows {
                    (
                        "additional-properties-narrowed",
                        Effect::Narrows,
                        format!("`{f}` no longer accepts all properties beyond those listed"),
                    )
                } else {
                    (
                        "additional-properties-widened",
                        Effect::Widens,
                        format!("`{f}` now accepts more properties beyond those listed"),
                    )
                }
            }
        };
        vec![self.push(at, rule, effect, message, "additionalProperties")]
    }
}
