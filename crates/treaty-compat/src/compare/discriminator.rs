//! The discriminator beside a union's alternatives. OpenAPI (3.0.4 and
//! 3.1.1) says a discriminator MUST NOT change the validation outcome of
//! the schema: it is a hint for choosing the alternative. Adding or
//! removing one changes no value (the alternatives are judged on their
//! own). Changing the property, or what a value it already mapped now
//! maps to, is still reported as breaking: readers that dispatch on it
//! (generated clients do) would read a payload as another alternative.

use std::collections::BTreeMap;

use super::union::alternatives_of;
use super::{At, SchemaComparer};
use crate::change::Effect;
use crate::schema::{Schema, SchemaArena};

impl SchemaComparer<'_> {
    /// The discriminator property (and mapping), compared whatever else is.
    pub(super) fn discriminator(&mut self, at: At<'_>) -> Option<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        if os.discriminator == ns.discriminator {
            return None;
        }
        let show = |d: &Option<(String, Option<String>)>| match d {
            None => "none".to_owned(),
            Some((p, None)) => format!("`{p}`"),
            Some((p, Some(m))) => format!("`{p}` with mapping {m}"),
        };
        let mut message = format!(
            "discriminator of `{}` changed from {} to {}",
            at.field,
            show(&os.discriminator),
            show(&ns.discriminator)
        );
        let effect = match (&os.discriminator, &ns.discriminator) {
            (Some((a, _)), Some((b, _))) if a != b => Effect::Both,
            (Some(_), Some(_)) => {
                let (old_map, new_map) = (mapping(self.old, os), mapping(self.new, ns));
                let kept = old_map.iter().all(|(k, v)| new_map.get(k) == Some(v));
                if kept {
                    message.push_str(" (every value keeps the alternative it named)");
                    Effect::Neutral
                } else {
                    Effect::Both
                }
            }
            _ => {
                message.push_str(" (a discriminator changes no value)");
                Effect::Neutral
            }
        };
        Some(self.push(
            at,
            "discriminator-changed",
            effect,
            message,
            "discriminator",
        ))
    }
}

/// What each discriminator value names: the `mapping` entries (by the
/// last segment of their reference), and the name of each alternative no
/// entry names (the implicit mapping).
fn mapping(arena: &SchemaArena, s: &Schema) -> BTreeMap<String, String> {
    let last = |target: &str| target.rsplit('/').next().unwrap_or(target).to_owned();
    let mut map: BTreeMap<String, String> = s
        .discriminator
        .as_ref()
        .and_then(|(_, m)| m.as_deref())
        .and_then(|m| serde_json::from_str::<BTreeMap<String, serde_json::Value>>(m).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|t| (k, last(t))))
        .collect();
    let named: Vec<String> = map.values().cloned().collect();
    for id in alternatives_of(s).map(|(_, l)| l).unwrap_or_default() {
        if let Some(name) = &arena.get(id).name
            && !named.contains(name)
        {
            map.insert(name.clone(), name.clone());
        }
    }
    map
}
