//! How messages name the alternatives of a `oneOf`/`anyOf`: by their
//! schema's name or title, the discriminator value mapped to them, else
//! their position and what they hold (`#2 (object)`).

use super::union::Alt;
use crate::schema::{SchemaArena, types};

/// An alternative's name: its schema's name, its `title`, the value the
/// union's discriminator maps to it, else its position (`#2`).
pub(super) fn alternative_name(arena: &SchemaArena, alt: Alt) -> String {
    let s = arena.get(alt.id);
    if let Some(name) = s.name.as_ref().or(s.title.as_ref()) {
        return name.clone();
    }
    let mapped = arena
        .get(alt.union)
        .discriminator
        .as_ref()
        .and_then(|(_, m)| m.as_deref())
        .and_then(|m| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(m).ok())
        .and_then(|m| {
            let target = format!("#{}", s.pointer);
            m.into_iter()
                .find(|(_, v)| v.as_str() == Some(target.as_str()))
                .map(|(k, _)| k)
        });
    mapped.unwrap_or_else(|| {
        // An inline alternative that only requires properties: say which.
        if !s.required.is_empty() && s.properties.is_empty() {
            let required: Vec<&str> = s.required.iter().map(String::as_str).collect();
            format!("#{} (requiring {})", alt.pos, required.join(", "))
        } else if let Some(values) = s.enumeration.as_ref().filter(|v| v.len() <= 3) {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            format!("#{} ({})", alt.pos, values.join(", "))
        } else if s.types != types::ALL {
            format!("#{} ({})", alt.pos, types::names(s.types))
        } else {
            format!("#{}", alt.pos)
        }
    })
}

/// An alternative as a message names it; a plain schema standing as its
/// own alternative is `itself`.
pub(super) fn described(arena: &SchemaArena, alt: Alt, itself: &str) -> String {
    if alt.keyword.is_empty() {
        itself.to_owned()
    } else {
        alternative_name(arena, alt)
    }
}

/// The names of alternatives, as a message lists them.
pub(super) fn names(arena: &SchemaArena, list: &[Alt]) -> String {
    list.iter()
        .map(|a| alternative_name(arena, *a))
        .collect::<Vec<_>>()
        .join(", ")
}
