//! Keywords about values themselves: the types allowed, `enum` and
//! `const`, `format` and `pattern`, and the annotations that change no
//! value (defaults, `readOnly`, `writeOnly`, `deprecated`).

use std::collections::BTreeSet;

use super::{At, SchemaComparer, list};
use crate::change::Effect;
use crate::schema::types;

/// A change a keyword comparison found: rule, effect, message and the
/// keyword it is placed at (empty: the schema itself).
pub(super) type Found = Option<(&'static str, Effect, String, &'static str)>;

impl SchemaComparer<'_> {
    /// The types allowed, null judged apart (`nullable-added`) unless the
    /// enclosing union already judged it.
    pub(super) fn types(&mut self, at: At<'_>, ignore_null: bool) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let mask = if ignore_null { !types::NULL } else { u8::MAX };
        let (ot, nt) = (os.types & mask, ns.types & mask);
        if ot == nt {
            return Vec::new();
        }
        let (lost, gained) = (ot & !nt, nt & !ot);
        let id = if lost == types::NULL && gained == 0 {
            self.push(
                at,
                "nullable-removed",
                Effect::Narrows,
                format!("`{f}` no longer accepts null"),
                "type",
            )
        } else if gained == types::NULL && lost == 0 {
            self.push(
                at,
                "nullable-added",
                Effect::Widens,
                format!("`{f}` now accepts null"),
                "type",
            )
        } else {
            let (rule, effect) = match (lost != 0, gained != 0) {
                (true, false) => ("type-narrowed", Effect::Narrows),
                (false, true) => ("type-widened", Effect::Widens),
                _ => ("type-changed", Effect::Both),
            };
            let message = format!(
                "type of `{f}` changed from {} to {}",
                types::names(ot),
                types::names(nt)
            );
            self.push(at, rule, effect, message, "type")
        };
        vec![id]
    }

    /// The values allowed by `enum`, `const`, `format` and `pattern`.
    pub(super) fn values(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let [removed, added] = enumeration(&os.enumeration, &ns.enumeration, f);
        let constant = match (&os.constant, &ns.constant) {
            (Some(a), Some(b)) if a != b => Some((
                "const-changed",
                Effect::Both,
                format!("`{f}` must now be {b} instead of {a}"),
                "const",
            )),
            (None, Some(b)) => Some((
                "const-added",
                Effect::Narrows,
                format!("`{f}` must now be {b}"),
                "const",
            )),
            (Some(a), None) => Some((
                "const-removed",
                Effect::Widens,
                format!("`{f}` no longer has to be {a}"),
                "",
            )),
            _ => None,
        };
        self.push_all(
            at,
            [
                removed,
                added,
                constant,
                text_keyword(&os.format, &ns.format, "format", f),
                text_keyword(&os.pattern, &ns.pattern, "pattern", f),
            ],
        )
    }

    /// Defaults and flags: they change no value, but senders that omit a
    /// value, or readers that use a flag, may behave otherwise.
    pub(super) fn annotations(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let default = match (&os.default, &ns.default) {
            (Some(a), Some(b)) if a != b => Some((
                "default-changed",
                Effect::Neutral,
                format!("default of `{f}` changed from {a} to {b}"),
                "default",
            )),
            (None, Some(b)) => Some((
                "default-added",
                Effect::Neutral,
                format!("`{f}` now defaults to {b}"),
                "default",
            )),
            (Some(a), None) => Some((
                "default-removed",
                Effect::Neutral,
                format!("`{f}` no longer defaults to {a}"),
                "",
            )),
            _ => None,
        };
        let read_only = (os.read_only != ns.read_only).then(|| {
            (
                "read-only-changed",
                Effect::Neutral,
                format!("`{f}` readOnly is now {}", ns.read_only),
                "",
            )
        });
        let write_only = (os.write_only != ns.write_only).then(|| {
            (
                "write-only-changed",
                Effect::Neutral,
                format!("`{f}` writeOnly is now {}", ns.write_only),
                "",
            )
        });
        let deprecated = (!os.deprecated && ns.deprecated).then(|| {
            (
                "schema-deprecated",
                Effect::Neutral,
                format!("`{f}` is deprecated"),
                "deprecated",
            )
        });
        self.push_all(at, [default, read_only, write_only, deprecated])
    }

    /// Records each change found, in order.
    pub(super) fn push_all(
        &mut self,
        at: At<'_>,
        found: impl IntoIterator<Item = Found>,
    ) -> Vec<usize> {
        found
            .into_iter()
            .flatten()
            .map(|(rule, effect, message, keyword)| self.push(at, rule, effect, message, keyword))
            .collect()
    }
}

/// `enum`: values removed and added, or the restriction added or lifted.
fn enumeration(
    old: &Option<BTreeSet<String>>,
    new: &Option<BTreeSet<String>>,
    f: &str,
) -> [Found; 2] {
    match (old, new) {
        (Some(a), Some(b)) => {
            let removed: Vec<&String> = a.difference(b).collect();
            let added: Vec<&String> = b.difference(a).collect();
            [
                (!removed.is_empty()).then(|| {
                    (
                        "enum-value-removed",
                        Effect::Narrows,
                        format!("`{f}` no longer allows {}", list(&removed)),
                        "enum",
                    )
                }),
                (!added.is_empty()).then(|| {
                    (
                        "enum-value-added",
                        Effect::Widens,
                        format!("`{f}` now also allows {}", list(&added)),
                        "enum",
                    )
                }),
            ]
        }
        (None, Some(b)) => [
            Some((
                "enum-added",
                Effect::Narrows,
                format!(
                    "`{f}` is restricted to {}",
                    list(&b.iter().collect::<Vec<_>>())
                ),
                "enum",
            )),
            None,
        ],
        (Some(_), None) => [
            Some((
                "enum-removed",
                Effect::Widens,
                format!("`{f}` is no longer restricted to an enum"),
                "",
            )),
            None,
        ],
        (None, None) => [None, None],
    }
}

/// `format` or `pattern`: added, removed or changed (formats that contain
/// each other widen or narrow).
fn text_keyword(
    old: &Option<String>,
    new: &Option<String>,
    keyword: &'static str,
    f: &str,
) -> Found {
    let (added, removed, changed) = match keyword {
        "format" => ("format-added", "format-removed", "format-changed"),
        _ => ("pattern-added", "pattern-removed", "pattern-changed"),
    };
    // Formats that contain each other: an int64 field takes every int32.
    let wider = |a: &str, b: &str| matches!((a, b), ("int32", "int64") | ("float", "double"));
    match (old, new) {
        (Some(a), Some(b)) if a != b && keyword == "format" && (wider(a, b) || wider(b, a)) => {
            Some((
                changed,
                if wider(a, b) {
                    Effect::Widens
                } else {
                    Effect::Narrows
                },
                format!("{keyword} of `{f}` changed from `{a}` to `{b}`"),
                keyword,
            ))
        }
        (Some(a), Some(b)) if a != b => Some((
            changed,
            Effect::Both,
            format!("{keyword} of `{f}` changed from `{a}` to `{b}`"),
            keyword,
        )),
        (None, Some(b)) => Some((
            added,
            Effect::Narrows,
            format!("`{f}` must now match {keyword} `{b}`"),
            keyword,
        )),
        (Some(a), None) => Some((
            removed,
            Effect::Widens,
            format!("`{f}` no longer has to match {keyword} `{a}`"),
            "",
        )),
        _ => None,
    }
}
