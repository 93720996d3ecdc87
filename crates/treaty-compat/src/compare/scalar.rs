//! Keywords about values themselves: the types allowed, `enum` and
//! `const` and `pattern` (judged with the others in `value_space`), and
//! the annotations that change no value (defaults, `readOnly`,
//! `writeOnly`, `deprecated`).

use std::collections::BTreeSet;

use super::value_space::{Finding, Found};
use super::{At, SchemaComparer, list};
use crate::change::Effect;
use crate::schema::{Schema, types};

/// The types allowed, null judged apart (`nullable-added`) unless the
/// enclosing union already judged it.
pub(super) fn types(os: &Schema, ns: &Schema, ignore_null: bool, f: &str) -> Found {
    let mask = if ignore_null { !types::NULL } else { u8::MAX };
    let (ot, nt) = (os.types & mask, ns.types & mask);
    if ot == nt {
        return None;
    }
    let (lost, gained) = (ot & !nt, nt & !ot);
    Some(if lost == types::NULL && gained == 0 {
        let why = ns
            .nullable_ignored
            .map(|why| format!(" ({why})"))
            .unwrap_or_default();
        Finding::new(
            "nullable-removed",
            Effect::Narrows,
            format!("`{f}` no longer accepts null{why}"),
            "type",
        )
    } else if gained == types::NULL && lost == 0 {
        Finding::new(
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
        Finding::new(rule, effect, message, "type")
    })
}

/// The values allowed by `enum`, `const` and `pattern` (`format` is judged
/// with the bounds, in `value_space`).
pub(super) fn values(os: &Schema, ns: &Schema, f: &str) -> [Found; 4] {
    let [removed, added] = enumeration(&os.enumeration, &ns.enumeration, f);
    let constant = match (&os.constant, &ns.constant) {
        (Some(a), Some(b)) if a != b => Some(Finding::new(
            "const-changed",
            Effect::Both,
            format!("`{f}` must now be {b} instead of {a}"),
            "const",
        )),
        (None, Some(b)) => Some(Finding::new(
            "const-added",
            Effect::Narrows,
            format!("`{f}` must now be {b}"),
            "const",
        )),
        (Some(a), None) => Some(Finding::new(
            "const-removed",
            Effect::Widens,
            format!("`{f}` no longer has to be {a}"),
            "",
        )),
        _ => None,
    };
    [
        removed,
        added,
        constant,
        pattern(&os.pattern, &ns.pattern, f),
    ]
}

impl SchemaComparer<'_> {
    /// Defaults and flags: they change no value, but senders that omit a
    /// value, or readers that use a flag, may behave otherwise.
    pub(super) fn annotations(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let default = match (&os.default, &ns.default) {
            (Some(a), Some(b)) if a != b => Some(Finding::new(
                "default-changed",
                Effect::Neutral,
                format!("default of `{f}` changed from {a} to {b}"),
                "default",
            )),
            (None, Some(b)) => Some(Finding::new(
                "default-added",
                Effect::Neutral,
                format!("`{f}` now defaults to {b}"),
                "default",
            )),
            (Some(a), None) => Some(Finding::new(
                "default-removed",
                Effect::Neutral,
                format!("`{f}` no longer defaults to {a}"),
                "",
            )),
            _ => None,
        };
        let read_only = (os.read_only != ns.read_only).then(|| {
            Finding::new(
                "read-only-changed",
                Effect::Neutral,
                format!("`{f}` readOnly is now {}", ns.read_only),
                "",
            )
        });
        let write_only = (os.write_only != ns.write_only).then(|| {
            Finding::new(
                "write-only-changed",
                Effect::Neutral,
                format!("`{f}` writeOnly is now {}", ns.write_only),
                "",
            )
        });
        let deprecated = (!os.deprecated && ns.deprecated).then(|| {
            Finding::new(
                "schema-deprecated",
                Effect::Neutral,
                format!("`{f}` is deprecated"),
                "deprecated",
            )
        });
        [default, read_only, write_only, deprecated]
            .into_iter()
            .flatten()
            .map(|x| self.push(at, x.rule, x.effect, x.message, x.keyword))
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
                    Finding::new(
                        "enum-value-removed",
                        Effect::Narrows,
                        format!("`{f}` no longer allows {}", list(&removed)),
                        "enum",
                    )
                }),
                (!added.is_empty()).then(|| {
                    Finding::new(
                        "enum-value-added",
                        Effect::Widens,
                        format!("`{f}` now also allows {}", list(&added)),
                        "enum",
                    )
                }),
            ]
        }
        (None, Some(b)) => [
            Some(Finding::new(
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
            Some(Finding::new(
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

/// `pattern`: added, removed or changed (two regular expressions are not
/// compared: a changed one may lose and gain values).
fn pattern(old: &Option<String>, new: &Option<String>, f: &str) -> Found {
    let finding = match (old, new) {
        (Some(a), Some(b)) if a != b => Finding::new(
            "pattern-changed",
            Effect::Both,
            format!("pattern of `{f}` changed from `{a}` to `{b}`"),
            "pattern",
        ),
        (None, Some(b)) => Finding::new(
            "pattern-added",
            Effect::Narrows,
            format!("`{f}` must now match pattern `{b}`"),
            "pattern",
        ),
        (Some(a), None) => Finding::new(
            "pattern-removed",
            Effect::Widens,
            format!("`{f}` no longer has to match pattern `{a}`"),
            "",
        ),
        _ => return None,
    };
    Some(finding.concerning(types::STRING))
}
