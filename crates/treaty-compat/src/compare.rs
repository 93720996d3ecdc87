//! Structural comparison of two normalised schemas, direction-aware.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::change::{Change, Direction, Effect, Side};
use crate::schema::{Additional, Bound, Schema, SchemaArena, SchemaId, types};

/// A pair, the direction, and whether null is judged by the enclosing union.
type Key = (SchemaId, SchemaId, Direction, bool);

/// Compares schemas of two arenas, remembering pairs already compared so
/// that shared and recursive schemas are walked once; every change records
/// every operation that reaches it.
pub struct SchemaComparer<'a> {
    old: &'a SchemaArena,
    new: &'a SchemaArena,
    pub changes: Vec<Change>,
    /// Each pair compared: its own changes and the pairs it led to. A
    /// change reaches an operation when its pair is reachable from the
    /// operation's root pair, recursion included.
    done: HashMap<Key, (Vec<usize>, Vec<Key>)>,
    in_progress: HashSet<Key>,
    /// The pairs each pair being compared has led to so far.
    frames: Vec<Vec<Key>>,
    /// Root pairs and the operation that reached each.
    roots: Vec<(Key, String)>,
}

impl std::fmt::Debug for SchemaComparer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaComparer")
            .field("changes", &self.changes.len())
            .finish()
    }
}

impl<'a> SchemaComparer<'a> {
    pub fn new(old: &'a SchemaArena, new: &'a SchemaArena) -> SchemaComparer<'a> {
        SchemaComparer {
            old,
            new,
            changes: Vec::new(),
            done: HashMap::new(),
            in_progress: HashSet::new(),
            frames: Vec::new(),
            roots: Vec::new(),
        }
    }

    /// Compares `o` and `n` as reached by `operation` (if any), where the
    /// field is called `field` when the schemas themselves have no name.
    pub fn compare_root(
        &mut self,
        o: SchemaId,
        n: SchemaId,
        direction: Direction,
        operation: Option<&str>,
        field: &str,
    ) {
        let root = self.compare(o, n, direction, field, false);
        if let Some(op) = operation {
            self.roots.push((root, op.to_owned()));
        }
    }

    /// Adds to every change the operations whose root pairs reach it,
    /// walking up from the (few) pairs with changes rather than down from
    /// the (many) roots.
    pub fn attribute(&mut self) {
        let mut parents: HashMap<Key, Vec<Key>> = HashMap::new();
        for (key, (_, children)) in &self.done {
            for child in children {
                parents.entry(*child).or_default().push(*key);
            }
        }
        let mut ops_of_root: HashMap<Key, Vec<&str>> = HashMap::new();
        for (key, op) in &self.roots {
            ops_of_root.entry(*key).or_default().push(op);
        }
        let mut found: Vec<(usize, String)> = Vec::new();
        for (key, (own, _)) in &self.done {
            if own.is_empty() {
                continue;
            }
            let mut seen = HashSet::from([*key]);
            let mut todo = vec![*key];
            let mut ops: Vec<&str> = Vec::new();
            while let Some(k) = todo.pop() {
                if let Some(root_ops) = ops_of_root.get(&k) {
                    ops.extend(root_ops.iter().copied());
                }
                for p in parents.get(&k).into_iter().flatten() {
                    if seen.insert(*p) {
                        todo.push(*p);
                    }
                }
            }
            for &id in own {
                found.extend(ops.iter().map(|op| (id, (*op).to_owned())));
            }
        }
        for (id, op) in found {
            self.changes[id].operations.insert(op);
        }
    }

    fn side_old(&self, id: SchemaId, suffix: &str) -> Option<Side> {
        Some(Side {
            file: self.old.get(id).file.to_string(),
            pointer: format!("{}{suffix}", self.old.get(id).pointer),
            position: None,
        })
    }

    fn side_new(&self, id: SchemaId, suffix: &str) -> Option<Side> {
        Some(Side {
            file: self.new.get(id).file.to_string(),
            pointer: format!("{}{suffix}", self.new.get(id).pointer),
            position: None,
        })
    }

    /// Records a change found on the pair `o`/`n` at `keyword` (empty: the
    /// schema itself) and returns its index.
    #[allow(clippy::too_many_arguments)]
    fn push_change(
        &mut self,
        o: SchemaId,
        n: SchemaId,
        direction: Direction,
        field: &str,
        rule: &'static str,
        effect: Effect,
        message: String,
        keyword: &str,
    ) -> usize {
        let suffix = if keyword.is_empty() {
            String::new()
        } else {
            format!("/{keyword}")
        };
        self.push_change_at(
            o,
            n,
            direction,
            field,
            rule,
            effect,
            message,
            (&suffix, &suffix),
        )
    }

    /// The same, with the place in each version given as pointer suffixes.
    #[allow(clippy::too_many_arguments)]
    fn push_change_at(
        &mut self,
        o: SchemaId,
        n: SchemaId,
        direction: Direction,
        field: &str,
        rule: &'static str,
        effect: Effect,
        message: String,
        (old_suffix, new_suffix): (&str, &str),
    ) -> usize {
        self.changes.push(Change {
            rule,
            effect,
            direction,
            message,
            old: self.side_old(o, old_suffix),
            new: self.side_new(n, new_suffix),
            operations: BTreeSet::new(),
            field: Some(field.to_owned()),
        });
        self.changes.len() - 1
    }

    /// Compares a pair; `ignore_null` when the pair are alternatives of
    /// unions whose nullability was already compared.
    fn compare(
        &mut self,
        o: SchemaId,
        n: SchemaId,
        dir: Direction,
        field: &str,
        ignore_null: bool,
    ) -> Key {
        let key = (o, n, dir, ignore_null);
        if let Some(parent) = self.frames.last_mut() {
            parent.push(key);
        }
        // Done, or being compared further up (a recursive schema).
        if self.done.contains_key(&key) || !self.in_progress.insert(key) {
            return key;
        }
        self.frames.push(Vec::new());
        let (os, ns) = (self.old.get(o), self.new.get(n));
        let field = ns
            .name
            .clone()
            .or_else(|| os.name.clone())
            .unwrap_or_else(|| field.to_owned());
        let mut ids = Vec::new();

        // A union (oneOf/anyOf with no constraints of its own) against a
        // plain schema: the plain one is compared as a single alternative,
        // not keyword by keyword against the union's empty shell.
        let (o_alts, n_alts) = (alternatives_of(os), alternatives_of(ns));
        let (o_bare, n_bare) = (
            o_alts.is_some() && is_bare(os),
            n_alts.is_some() && is_bare(ns),
        );
        let union_vs_plain = (o_bare && n_alts.is_none()) || (n_bare && o_alts.is_none());
        if !(union_vs_plain || (o_bare && n_bare)) {
            ids.extend(self.keywords(o, n, dir, &field, ignore_null));
        }
        // The discriminator sits beside the alternatives: always compared.
        if os.discriminator != ns.discriminator {
            let show = |d: &Option<(String, Option<String>)>| match d {
                None => "none".to_owned(),
                Some((p, None)) => format!("`{p}`"),
                Some((p, Some(m))) => format!("`{p}` with mapping {m}"),
            };
            let message = format!(
                "discriminator of `{field}` changed from {} to {}",
                show(&os.discriminator),
                show(&ns.discriminator)
            );
            ids.push(self.push_change(
                o,
                n,
                dir,
                &field,
                "discriminator-changed",
                Effect::Both,
                message,
                "discriminator",
            ));
        }
        // Alternatives.
        if o_alts.is_some() || n_alts.is_some() {
            let keyword = n_alts.as_ref().or(o_alts.as_ref()).map_or("anyOf", |a| a.0);
            let side = |alts: Option<(&'static str, Vec<SchemaId>)>, me: SchemaId| match alts {
                Some((_, list)) => list,
                None if union_vs_plain => vec![me],
                None => Vec::new(),
            };
            let (old_list, new_list) = (side(o_alts, o), side(n_alts, n));
            let sub = self.alternatives(o, n, &old_list, &new_list, dir, &field, keyword);
            ids.extend(sub);
        }

        self.in_progress.remove(&key);
        let children = self.frames.pop().unwrap_or_default();
        self.done.insert(key, (ids, children));
        key
    }

    /// Every keyword of a pair but its alternatives.
    fn keywords(
        &mut self,
        o: SchemaId,
        n: SchemaId,
        dir: Direction,
        field: &str,
        ignore_null: bool,
    ) -> Vec<usize> {
        let (os, ns) = (self.old.get(o), self.new.get(n));
        let field = field.to_owned();
        let mut ids = Vec::new();
        macro_rules! emit {
            ($rule:expr, $effect:expr, $message:expr, $keyword:expr $(,)?) => {{
                let i = self.push_change(o, n, dir, &field, $rule, $effect, $message, $keyword);
                ids.push(i);
            }};
        }
        let f = &field;

        // Types.
        let mask = if ignore_null { !types::NULL } else { u8::MAX };
        let (ot, nt) = (os.types & mask, ns.types & mask);
        if ot != nt {
            let (lost, gained) = (ot & !nt, nt & !ot);
            if lost == types::NULL && gained == 0 {
                emit!(
                    "nullable-removed",
                    Effect::Narrows,
                    format!("`{f}` no longer accepts null"),
                    "type"
                );
            } else if gained == types::NULL && lost == 0 {
                emit!(
                    "nullable-added",
                    Effect::Widens,
                    format!("`{f}` now accepts null"),
                    "type"
                );
            } else {
                let (rule, effect) = match (lost != 0, gained != 0) {
                    (true, false) => ("type-narrowed", Effect::Narrows),
                    (false, true) => ("type-widened", Effect::Widens),
                    _ => ("type-changed", Effect::Both),
                };
                emit!(
                    rule,
                    effect,
                    format!(
                        "type of `{f}` changed from {} to {}",
                        types::names(ot),
                        types::names(nt)
                    ),
                    "type",
                );
            }
        }

        // Enum and const.
        match (&os.enumeration, &ns.enumeration) {
            (Some(a), Some(b)) => {
                let removed: Vec<&String> = a.difference(b).collect();
                let added: Vec<&String> = b.difference(a).collect();
                if !removed.is_empty() {
                    emit!(
                        "enum-value-removed",
                        Effect::Narrows,
                        format!("`{f}` no longer allows {}", list(&removed)),
                        "enum"
                    );
                }
                if !added.is_empty() {
                    emit!(
                        "enum-value-added",
                        Effect::Widens,
                        format!("`{f}` now also allows {}", list(&added)),
                        "enum"
                    );
                }
            }
            (None, Some(b)) => emit!(
                "enum-added",
                Effect::Narrows,
                format!(
                    "`{f}` is restricted to {}",
                    list(&b.iter().collect::<Vec<_>>())
                ),
                "enum"
            ),
            (Some(_), None) => emit!(
                "enum-removed",
                Effect::Widens,
                format!("`{f}` is no longer restricted to an enum"),
                ""
            ),
            (None, None) => {}
        }
        match (&os.constant, &ns.constant) {
            (Some(a), Some(b)) if a != b => emit!(
                "const-changed",
                Effect::Both,
                format!("`{f}` must now be {b} instead of {a}"),
                "const"
            ),
            (None, Some(b)) => emit!(
                "const-added",
                Effect::Narrows,
                format!("`{f}` must now be {b}"),
                "const"
            ),
            (Some(a), None) => emit!(
                "const-removed",
                Effect::Widens,
                format!("`{f}` no longer has to be {a}"),
                ""
            ),
            _ => {}
        }
        for found in [
            text_keyword(&os.format, &ns.format, "format", f),
            text_keyword(&os.pattern, &ns.pattern, "pattern", f),
            bound_keyword(os.maximum, ns.maximum, false, f),
            bound_keyword(os.minimum, ns.minimum, true, f),
        ]
        .into_iter()
        .flatten()
        {
            let (rule, effect, message, keyword) = found;
            emit!(rule, effect, message, keyword);
        }

        // Numeric bounds.
        if os.multiple_of != ns.multiple_of {
            let effect = match (os.multiple_of, ns.multiple_of) {
                (None, Some(_)) => Effect::Narrows,
                (Some(_), None) => Effect::Widens,
                (Some(a), Some(b)) if is_multiple(b, a) => Effect::Narrows,
                (Some(a), Some(b)) if is_multiple(a, b) => Effect::Widens,
                _ => Effect::Both,
            };
            emit!(
                "multiple-of-changed",
                effect,
                format!(
                    "`{f}` multipleOf changed from {} to {}",
                    opt(os.multiple_of),
                    opt(ns.multiple_of)
                ),
                "multipleOf"
            );
        }
        for (old, new, upper, keyword, tighter, looser) in [
            (
                os.max_length,
                ns.max_length,
                true,
                "maxLength",
                "max-length-decreased",
                "max-length-increased",
            ),
            (
                os.min_length,
                ns.min_length,
                false,
                "minLength",
                "min-length-increased",
                "min-length-decreased",
            ),
            (
                os.max_items,
                ns.max_items,
                true,
                "maxItems",
                "max-items-decreased",
                "max-items-increased",
            ),
            (
                os.min_items,
                ns.min_items,
                false,
                "minItems",
                "min-items-increased",
                "min-items-decreased",
            ),
            (
                os.max_properties,
                ns.max_properties,
                true,
                "maxProperties",
                "max-properties-decreased",
                "max-properties-increased",
            ),
            (
                os.min_properties,
                ns.min_properties,
                false,
                "minProperties",
                "min-properties-increased",
                "min-properties-decreased",
            ),
        ] {
            // Absent means 0 for a lower bound and unbounded for an upper one.
            let norm = |v: Option<u64>| v.unwrap_or(if upper { u64::MAX } else { 0 });
            let (a, b) = (norm(old), norm(new));
            if a == b {
                continue;
            }
            let narrows = if upper { b < a } else { b > a };
            let (rule, effect) = if narrows {
                (tighter, Effect::Narrows)
            } else {
                (looser, Effect::Widens)
            };
            emit!(
                rule,
                effect,
                format!("`{f}` {keyword} changed from {} to {}", opt(old), opt(new)),
                keyword
            );
        }
        if os.unique_items != ns.unique_items {
            if ns.unique_items {
                emit!(
                    "unique-items-added",
                    Effect::Narrows,
                    format!("items of `{f}` must now be unique"),
                    "uniqueItems"
                );
            } else {
                emit!(
                    "unique-items-removed",
                    Effect::Widens,
                    format!("items of `{f}` may now repeat"),
                    ""
                );
            }
        }

        // Defaults, flags, discriminator.
        match (&os.default, &ns.default) {
            (Some(a), Some(b)) if a != b => emit!(
                "default-changed",
                Effect::Neutral,
                format!("default of `{f}` changed from {a} to {b}"),
                "default"
            ),
            (None, Some(b)) => emit!(
                "default-added",
                Effect::Neutral,
                format!("`{f}` now defaults to {b}"),
                "default"
            ),
            (Some(a), None) => emit!(
                "default-removed",
                Effect::Neutral,
                format!("`{f}` no longer defaults to {a}"),
                ""
            ),
            _ => {}
        }
        if os.read_only != ns.read_only {
            emit!(
                "read-only-changed",
                Effect::Neutral,
                format!("`{f}` readOnly is now {}", ns.read_only),
                ""
            );
        }
        if os.write_only != ns.write_only {
            emit!(
                "write-only-changed",
                Effect::Neutral,
                format!("`{f}` writeOnly is now {}", ns.write_only),
                ""
            );
        }
        if !os.deprecated && ns.deprecated {
            emit!(
                "schema-deprecated",
                Effect::Neutral,
                format!("`{f}` is deprecated"),
                "deprecated"
            );
        }

        // Object keywords, where both versions accept objects (a string
        // that became an object is a type change, not new properties).
        if os.types & ns.types & types::OBJECT != 0 {
            // Object properties.
            let old_open = os.additional != Additional::Forbidden || os.pattern_properties;
            let new_open = ns.additional != Additional::Forbidden || ns.pattern_properties;
            for (name, &op) in &os.properties {
                let was_required = os.required.contains(name);
                match ns.properties.get(name) {
                    Some(&np) => {
                        let child = format!("{f}.{name}");
                        self.compare(op, np, dir, &child, false);
                    }
                    None => {
                        // Without the property, the new schema accepts any value
                        // under that name (open) or none (closed).
                        // A required property: old values always had it, new
                        // ones may not (widens); a closed model also rejects
                        // it now (narrows too).
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
                        let field = format!("{f}.{name}");
                        ids.push(self.push_change_at(
                            o,
                            n,
                            dir,
                            &field,
                            rule,
                            effect,
                            message,
                            (&suffix, ""),
                        ));
                    }
                }
            }
            for name in ns
                .properties
                .keys()
                .filter(|k| !os.properties.contains_key(*k))
            {
                if ns.required.contains(name) {
                    continue; // reported as a required property added below
                }
                // On an open model the name was allowed with any value and is now
                // constrained; on a closed one it was not allowed at all.
                let effect = if old_open {
                    Effect::Narrows
                } else {
                    Effect::Widens
                };
                let suffix = format!("/properties/{}", escape(name));
                let message = format!("optional property `{f}.{name}` was added");
                let field = format!("{f}.{name}");
                ids.push(self.push_change_at(
                    o,
                    n,
                    dir,
                    &field,
                    "optional-property-added",
                    effect,
                    message,
                    ("", &suffix),
                ));
            }
            // Required only matters for objects; ignore it on schemas that are
            // not objects in either version.
            {
                // `required` on a readOnly property binds responses only, on a
                // writeOnly one requests only.
                let applies = |arena: &SchemaArena,
                               props: &std::collections::BTreeMap<String, SchemaId>,
                               name: &str| {
                    props.get(name).is_none_or(|&p| {
                        let p = arena.get(p);
                        match dir {
                            Direction::Accepts => !p.read_only,
                            Direction::Produces => !p.write_only,
                        }
                    })
                };
                for name in ns.required.difference(&os.required) {
                    if !applies(self.new, &ns.properties, name) {
                        continue;
                    }
                    let what = if os.properties.contains_key(name) {
                        "is now required"
                    } else {
                        "was added as a required property"
                    };
                    emit!(
                        "required-property-added",
                        Effect::Narrows,
                        format!("`{f}.{name}` {what}"),
                        "required"
                    );
                }
                for name in os.required.difference(&ns.required) {
                    if !applies(self.old, &os.properties, name) {
                        continue;
                    }
                    if ns.properties.contains_key(name) || !os.properties.contains_key(name) {
                        emit!(
                            "required-property-removed",
                            Effect::Widens,
                            format!("`{f}.{name}` is no longer required"),
                            ""
                        );
                    }
                }
            }
            match (os.additional, ns.additional) {
                (Additional::Forbidden, Additional::Forbidden)
                | (Additional::Any, Additional::Any) => {}
                (Additional::Schema(a), Additional::Schema(b)) => {
                    self.compare(a, b, dir, &format!("{f}.*"), false);
                }
                (a, b) => {
                    let narrows = matches!(b, Additional::Forbidden)
                        || (matches!(a, Additional::Any) && matches!(b, Additional::Schema(_)));
                    if narrows {
                        emit!(
                            "additional-properties-narrowed",
                            Effect::Narrows,
                            format!("`{f}` no longer accepts all properties beyond those listed"),
                            "additionalProperties"
                        );
                    } else {
                        emit!(
                            "additional-properties-widened",
                            Effect::Widens,
                            format!("`{f}` now accepts more properties beyond those listed"),
                            "additionalProperties"
                        );
                    }
                }
            }
        }

        // Arrays.
        if let (Some(a), Some(b)) = (os.items, ns.items) {
            self.compare(a, b, dir, &format!("{f}[]"), false);
        }
        for (i, (&a, &b)) in os
            .prefix_items
            .iter()
            .zip(ns.prefix_items.iter())
            .enumerate()
        {
            self.compare(a, b, dir, &format!("{f}[{i}]"), false);
        }

        ids
    }

    /// Pairs the alternatives of two unions (a plain schema counts as a
    /// union of one): nullability is compared once for the union, then
    /// branches pair up by structure, by name, by type, or as the only ones
    /// left; the rest were added or removed.
    #[allow(clippy::too_many_arguments)]
    fn alternatives(
        &mut self,
        o: SchemaId,
        n: SchemaId,
        old_list: &[SchemaId],
        new_list: &[SchemaId],
        dir: Direction,
        f: &str,
        keyword: &str,
    ) -> Vec<usize> {
        let mut ids = Vec::new();
        let old_null = old_list
            .iter()
            .any(|&b| self.old.get(b).types & types::NULL != 0);
        let new_null = new_list
            .iter()
            .any(|&b| self.new.get(b).types & types::NULL != 0);
        if old_null != new_null {
            let (rule, effect, what) = if new_null {
                ("nullable-added", Effect::Widens, "now accepts null")
            } else {
                (
                    "nullable-removed",
                    Effect::Narrows,
                    "no longer accepts null",
                )
            };
            ids.push(self.push_change(
                o,
                n,
                dir,
                f,
                rule,
                effect,
                format!("`{f}` {what}"),
                keyword,
            ));
        }
        let only_null = |s: &Schema| s.types == types::NULL;
        let old_list: Vec<(usize, SchemaId)> = old_list
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, b)| !only_null(self.old.get(*b)))
            .collect();
        let new_list: Vec<(usize, SchemaId)> = new_list
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, b)| !only_null(self.new.get(*b)))
            .collect();
        let old_prints: Vec<String> = old_list
            .iter()
            .map(|&(_, a)| shape(self.old, a, 3))
            .collect();
        let new_prints: Vec<String> = new_list
            .iter()
            .map(|&(_, b)| shape(self.new, b, 3))
            .collect();
        let mut pair: Vec<Option<usize>> = vec![None; old_list.len()];
        let mut used = vec![false; new_list.len()];
        let same_name = |a: &Schema, b: &Schema| a.name.is_some() && a.name == b.name;
        let same_types = |a: &Schema, b: &Schema| a.types & !types::NULL == b.types & !types::NULL;
        for pass in 0..2 {
            for (i, &(_, a)) in old_list.iter().enumerate() {
                if pair[i].is_some() {
                    continue;
                }
                let sa = self.old.get(a);
                let found = (0..new_list.len()).find(|&j| {
                    let sb = self.new.get(new_list[j].1);
                    !used[j]
                        && match pass {
                            0 => old_prints[i] == new_prints[j],
                            _ => same_name(sa, sb),
                        }
                });
                if let Some(j) = found {
                    used[j] = true;
                    pair[i] = Some(j);
                }
            }
        }
        // Unnamed alternatives of the same type pair with the one that
        // shares the most (property names, enum values), wherever it moved.
        let likeness = |a: &Schema, b: &Schema| -> usize {
            let props = a
                .properties
                .keys()
                .filter(|k| b.properties.contains_key(*k))
                .count();
            let required = a.required.intersection(&b.required).count();
            let values = match (&a.enumeration, &b.enumeration) {
                (Some(x), Some(y)) => x.intersection(y).count(),
                _ => 0,
            };
            1 + 2 * props + required + values
        };
        loop {
            let mut best: Option<(usize, usize, usize)> = None;
            for (i, &(_, a)) in old_list.iter().enumerate() {
                if pair[i].is_some() {
                    continue;
                }
                let sa = self.old.get(a);
                for (j, &(_, b)) in new_list.iter().enumerate() {
                    let sb = self.new.get(b);
                    if used[j] || !same_types(sa, sb) || sa.name.is_some() || sb.name.is_some() {
                        continue;
                    }
                    let score = likeness(sa, sb);
                    if best.is_none_or(|(_, _, s)| score > s) {
                        best = Some((i, j, score));
                    }
                }
            }
            let Some((i, j, _)) = best else { break };
            pair[i] = Some(j);
            used[j] = true;
        }
        let unpaired_old: Vec<usize> = (0..old_list.len()).filter(|&i| pair[i].is_none()).collect();
        let unpaired_new: Vec<usize> = (0..new_list.len()).filter(|&j| !used[j]).collect();
        // One alternative left on a side (typically a plain schema that
        // became a union, or the reverse): it stands for all of them, so
        // compare it with each one left on the other side.
        let mut fan_out: Vec<(SchemaId, SchemaId)> = Vec::new();
        match (unpaired_old.as_slice(), unpaired_new.as_slice()) {
            ([i], rest) if !rest.is_empty() => {
                for &j in rest {
                    fan_out.push((old_list[*i].1, new_list[j].1));
                    used[j] = true;
                }
                pair[*i] = Some(usize::MAX);
            }
            (rest, [j]) if !rest.is_empty() => {
                for &i in rest {
                    fan_out.push((old_list[i].1, new_list[*j].1));
                    pair[i] = Some(usize::MAX);
                }
                used[*j] = true;
            }
            _ => {}
        }
        for (a, b) in fan_out {
            self.compare(a, b, dir, f, true);
        }
        for (i, &(pos, a)) in old_list.iter().enumerate() {
            match pair[i] {
                Some(usize::MAX) => {}
                Some(j) => {
                    self.compare(a, new_list[j].1, dir, f, true);
                }
                None => {
                    let name = self
                        .old
                        .get(a)
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("#{pos}"));
                    let message = format!("`{f}` lost the {keyword} alternative {name}");
                    let at = (format!("/{keyword}/{pos}"), format!("/{keyword}"));
                    ids.push(self.push_change_at(
                        o,
                        n,
                        dir,
                        f,
                        "one-of-branch-removed",
                        Effect::Narrows,
                        message,
                        (&at.0, &at.1),
                    ));
                }
            }
        }
        for (j, &(pos, b)) in new_list.iter().enumerate() {
            if !used[j] {
                let name = self
                    .new
                    .get(b)
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("#{pos}"));
                let message = format!("`{f}` gained the {keyword} alternative {name}");
                let at = (format!("/{keyword}"), format!("/{keyword}/{pos}"));
                ids.push(self.push_change_at(
                    o,
                    n,
                    dir,
                    f,
                    "one-of-branch-added",
                    Effect::Widens,
                    message,
                    (&at.0, &at.1),
                ));
            }
        }
        ids
    }
}

/// The `oneOf` (else `anyOf`) alternatives of a schema.
fn alternatives_of(s: &Schema) -> Option<(&'static str, Vec<SchemaId>)> {
    if !s.one_of.is_empty() {
        Some(("oneOf", s.one_of.clone()))
    } else if !s.any_of.is_empty() {
        Some(("anyOf", s.any_of.clone()))
    } else {
        None
    }
}

/// A union with no constraints of its own: only its alternatives matter.
fn is_bare(s: &Schema) -> bool {
    s.types == types::ALL
        && s.enumeration.is_none()
        && s.constant.is_none()
        && s.properties.is_empty()
        && s.required.is_empty()
        && s.items.is_none()
        && s.additional == Additional::Any
        && s.format.is_none()
        && s.pattern.is_none()
}

/// A structural summary of a schema to a bounded depth, for pairing
/// alternatives whose names differ.
fn shape(arena: &SchemaArena, id: SchemaId, depth: usize) -> String {
    let s: &Schema = arena.get(id);
    let mut out = format!(
        "t{}|e{:?}|c{:?}|f{:?}",
        s.types & !types::NULL,
        s.enumeration,
        s.constant,
        s.format
    );
    if depth > 0 {
        for (k, &v) in &s.properties {
            out.push_str(&format!("|{k}:{}", shape(arena, v, depth - 1)));
        }
        if let Some(items) = s.items {
            out.push_str(&format!("|[{}]", shape(arena, items, depth - 1)));
        }
    }
    out
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn list(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn is_multiple(a: f64, b: f64) -> bool {
    b != 0.0 && ((a / b) - (a / b).round()).abs() < 1e-9
}

type Found = Option<(&'static str, Effect, String, &'static str)>;

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

fn bound_keyword(old: Option<Bound>, new: Option<Bound>, lower: bool, f: &str) -> Found {
    let (keyword, name) = if lower {
        ("minimum", "minimum")
    } else {
        ("maximum", "maximum")
    };
    let show = |b: Option<Bound>| match b {
        None => "none".to_owned(),
        Some(b) if b.exclusive => format!("{} (exclusive)", b.value),
        Some(b) => b.value.to_string(),
    };
    let message = format!("`{f}` {name} changed from {} to {}", show(old), show(new));
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some((
            if lower {
                "minimum-added"
            } else {
                "maximum-added"
            },
            Effect::Narrows,
            message,
            keyword,
        )),
        (Some(_), None) => Some((
            if lower {
                "minimum-removed"
            } else {
                "maximum-removed"
            },
            Effect::Widens,
            message,
            "",
        )),
        (Some(a), Some(b)) if a != b => {
            // Compare as (value, exclusive): for an upper bound a smaller value
            // or a newly exclusive bound at the same value is tighter.
            let tighter = if lower {
                b.value > a.value || (b.value == a.value && b.exclusive && !a.exclusive)
            } else {
                b.value < a.value || (b.value == a.value && b.exclusive && !a.exclusive)
            };
            let rule = match (lower, tighter) {
                (true, true) => "minimum-increased",
                (true, false) => "minimum-decreased",
                (false, true) => "maximum-decreased",
                (false, false) => "maximum-increased",
            };
            Some((
                rule,
                if tighter {
                    Effect::Narrows
                } else {
                    Effect::Widens
                },
                message,
                keyword,
            ))
        }
        _ => None,
    }
}
