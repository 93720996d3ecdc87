//! Subschemas that apply beside the others: `not` (its schema compared in
//! the other direction: `not` accepts more when its schema accepts less),
//! `allOf` branches that could not be folded into their schema (compared
//! by position), and `dependentRequired` / `dependentSchemas` (and
//! draft-4..7 `dependencies`): each is one more condition every document
//! must meet, so adding one narrows and removing one widens.

use super::{At, SchemaComparer, escape, list};
use crate::change::Effect;
use crate::schema::SchemaId;

impl SchemaComparer<'_> {
    /// `not` and the `allOf` branches kept apart.
    pub(super) fn applicators(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let mut ids = Vec::new();
        match (os.not, ns.not) {
            (Some(a), Some(b)) => {
                self.compare(a, b, at.dir.flip(), &format!("{f}.not"), false);
            }
            (None, Some(_)) => {
                let message = format!("`{f}` must now not match a schema (`not`)");
                ids.push(self.push(at, "not-added", Effect::Narrows, message, "not"));
            }
            (Some(_), None) => {
                let message = format!("`{f}` no longer has to not match a schema (`not`)");
                ids.push(self.push(at, "not-removed", Effect::Widens, message, ""));
            }
            (None, None) => {}
        }
        let (old_all, new_all) = (os.all_of.clone(), ns.all_of.clone());
        for (i, (&a, &b)) in old_all.iter().zip(new_all.iter()).enumerate() {
            self.compare(a, b, at.dir, &format!("{f}.allOf[{i}]"), false);
        }
        for i in new_all.len()..old_all.len() {
            let message = format!("`{f}` no longer has to match an allOf branch (#{i})");
            let suffix = format!("/allOf/{i}");
            ids.push(self.push_at(
                at,
                "all-of-branch-removed",
                Effect::Widens,
                message,
                (&suffix, ""),
            ));
        }
        for i in old_all.len()..new_all.len() {
            let message = format!("`{f}` must now match one more allOf branch (#{i})");
            let suffix = format!("/allOf/{i}");
            ids.push(self.push_at(
                at,
                "all-of-branch-added",
                Effect::Narrows,
                message,
                ("", &suffix),
            ));
        }
        ids
    }

    /// `dependentRequired` and `dependentSchemas`: what the presence of a
    /// name asks of the rest of the object.
    pub(super) fn dependencies(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let mut ids = Vec::new();
        let empty = std::collections::BTreeSet::new();
        let triggers: std::collections::BTreeSet<&String> = os
            .dependent_required
            .keys()
            .chain(ns.dependent_required.keys())
            .collect();
        for name in triggers {
            let a = os.dependent_required.get(name).unwrap_or(&empty);
            let b = ns.dependent_required.get(name).unwrap_or(&empty);
            let added: Vec<&String> = b.difference(a).collect();
            let removed: Vec<&String> = a.difference(b).collect();
            if !added.is_empty() {
                let message = format!(
                    "when `{f}.{name}` is present, {} must now be too",
                    list(&added)
                );
                let keyword = format!("dependentRequired/{}", escape(name));
                ids.push(self.push(at, "dependency-added", Effect::Narrows, message, &keyword));
            }
            if !removed.is_empty() {
                let message = format!(
                    "when `{f}.{name}` is present, {} no longer must be",
                    list(&removed)
                );
                ids.push(self.push(at, "dependency-removed", Effect::Widens, message, ""));
            }
        }
        let triggers: std::collections::BTreeSet<&String> = os
            .dependent_schemas
            .keys()
            .chain(ns.dependent_schemas.keys())
            .collect();
        for name in triggers {
            let keyword = format!("dependentSchemas/{}", escape(name));
            match (
                os.dependent_schemas.get(name),
                ns.dependent_schemas.get(name),
            ) {
                (Some(&a), Some(&b)) => {
                    self.compare(a, b, at.dir, &format!("{f}.dependentSchemas.{name}"), false);
                }
                (None, Some(&b)) if !self.new.get(b).accepts_anything() => {
                    let message =
                        format!("when `{f}.{name}` is present, `{f}` must now match a schema");
                    ids.push(self.push(at, "dependency-added", Effect::Narrows, message, &keyword));
                }
                (Some(&a), None) if !self.old.get(a).accepts_anything() => {
                    let message = format!(
                        "when `{f}.{name}` is present, `{f}` no longer has to match a schema"
                    );
                    let suffix = format!("/{keyword}");
                    ids.push(self.push_at(
                        at,
                        "dependency-removed",
                        Effect::Widens,
                        message,
                        (&suffix, ""),
                    ));
                }
                _ => {}
            }
        }
        ids
    }

    /// `oneOf`/`anyOf` on one side only, beside constraints of its own:
    /// one more condition (the other side's alternatives are one that
    /// accepts anything), unless an alternative accepts anything.
    pub(super) fn alternatives_added_or_removed(
        &mut self,
        at: At<'_>,
        old: Option<(&'static str, Vec<SchemaId>)>,
        new: Option<(&'static str, Vec<SchemaId>)>,
    ) -> Vec<usize> {
        let f = at.field;
        let (added, (keyword, list)) = match (old, new) {
            (None, Some(n)) => (true, n),
            (Some(o), None) => (false, o),
            _ => return Vec::new(),
        };
        let arena = if added { self.new } else { self.old };
        if list.iter().any(|&id| arena.get(id).accepts_anything()) {
            return Vec::new();
        }
        if added {
            let message = format!("`{f}` must now match its {keyword} alternatives");
            vec![self.push(at, "alternatives-added", Effect::Narrows, message, keyword)]
        } else {
            let message = format!("`{f}` no longer has to match {keyword} alternatives");
            let suffix = format!("/{keyword}");
            vec![self.push_at(
                at,
                "alternatives-removed",
                Effect::Widens,
                message,
                (&suffix, ""),
            )]
        }
    }
}
