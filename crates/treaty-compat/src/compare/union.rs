//! Unions: `oneOf`/`anyOf` alternatives paired across versions (a plain
//! schema counts as a union of one), and the discriminator beside them.

use super::{At, SchemaComparer};
use crate::change::Effect;
use crate::schema::{Schema, SchemaArena, SchemaId, types};

/// The alternatives of both schemas of a pair, and how they relate.
pub(super) struct UnionShape {
    old: Option<(&'static str, Vec<SchemaId>)>,
    new: Option<(&'static str, Vec<SchemaId>)>,
    /// A bare union (no constraints of its own) against a plain schema:
    /// the plain one is compared as a single alternative.
    union_vs_plain: bool,
    /// Both are bare unions: only their alternatives matter.
    both_bare: bool,
}

impl UnionShape {
    pub(super) fn of(os: &Schema, ns: &Schema) -> UnionShape {
        let (old, new) = (alternatives_of(os), alternatives_of(ns));
        let (o_bare, n_bare) = (old.is_some() && is_bare(os), new.is_some() && is_bare(ns));
        UnionShape {
            union_vs_plain: (o_bare && new.is_none()) || (n_bare && old.is_none()),
            both_bare: o_bare && n_bare,
            old,
            new,
        }
    }

    /// Whether the pair's own keywords are compared: not when a bare
    /// union's empty shell would be compared keyword by keyword.
    pub(super) fn compares_keywords(&self) -> bool {
        !(self.union_vs_plain || self.both_bare)
    }
}

/// How the alternatives of two unions pair up: `pair[i]` is the new
/// alternative the old one `i` became (`FAN_OUT`: compared with several),
/// `used[j]` whether the new one `j` was paired.
struct Pairing {
    pair: Vec<Option<usize>>,
    used: Vec<bool>,
    fan_out: Vec<(SchemaId, SchemaId)>,
}

/// An old alternative that stands for all those left on the other side.
const FAN_OUT: usize = usize::MAX;

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
        let message = format!(
            "discriminator of `{}` changed from {} to {}",
            at.field,
            show(&os.discriminator),
            show(&ns.discriminator)
        );
        Some(self.push(
            at,
            "discriminator-changed",
            Effect::Both,
            message,
            "discriminator",
        ))
    }

    /// The alternatives of a pair, if either side has any.
    pub(super) fn union(&mut self, at: At<'_>, shape: UnionShape) -> Vec<usize> {
        if shape.old.is_none() && shape.new.is_none() {
            return Vec::new();
        }
        let keyword = shape
            .new
            .as_ref()
            .or(shape.old.as_ref())
            .map_or("anyOf", |a| a.0);
        let side = |alts: Option<(&'static str, Vec<SchemaId>)>, me: SchemaId| match alts {
            Some((_, list)) => list,
            None if shape.union_vs_plain => vec![me],
            None => Vec::new(),
        };
        if !shape.union_vs_plain && shape.old.is_none() != shape.new.is_none() {
            return self.alternatives_added_or_removed(at, shape.old, shape.new);
        }
        let (old_list, new_list) = (side(shape.old, at.o), side(shape.new, at.n));
        self.alternatives(at, &old_list, &new_list, keyword)
    }

    /// Pairs the alternatives of two unions: nullability is compared once
    /// for the union, then branches pair up by structure, by name, by
    /// type, or as the only ones left; the rest were added or removed.
    fn alternatives(
        &mut self,
        at: At<'_>,
        old_list: &[SchemaId],
        new_list: &[SchemaId],
        keyword: &str,
    ) -> Vec<usize> {
        let mut ids = Vec::new();
        ids.extend(self.union_nullability(at, old_list, new_list, keyword));
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
        let Pairing {
            pair,
            used,
            fan_out,
        } = self.pair_alternatives(&old_list, &new_list);
        let f = at.field;
        for (a, b) in fan_out {
            self.compare(a, b, at.dir, f, true);
        }
        for (i, &(pos, a)) in old_list.iter().enumerate() {
            match pair[i] {
                Some(FAN_OUT) => {}
                Some(j) => {
                    self.compare(a, new_list[j].1, at.dir, f, true);
                }
                None => {
                    let name = alternative_name(self.old, a, pos);
                    let message = format!("`{f}` lost the {keyword} alternative {name}");
                    let suffixes = (format!("/{keyword}/{pos}"), format!("/{keyword}"));
                    ids.push(self.push_at(
                        at,
                        "one-of-branch-removed",
                        Effect::Narrows,
                        message,
                        (&suffixes.0, &suffixes.1),
                    ));
                }
            }
        }
        for (j, &(pos, b)) in new_list.iter().enumerate() {
            if !used[j] {
                let name = alternative_name(self.new, b, pos);
                let message = format!("`{f}` gained the {keyword} alternative {name}");
                let suffixes = (format!("/{keyword}"), format!("/{keyword}/{pos}"));
                ids.push(self.push_at(
                    at,
                    "one-of-branch-added",
                    Effect::Widens,
                    message,
                    (&suffixes.0, &suffixes.1),
                ));
            }
        }
        ids
    }

    /// Null is judged once for a whole union: whether any alternative
    /// allows it.
    fn union_nullability(
        &mut self,
        at: At<'_>,
        old_list: &[SchemaId],
        new_list: &[SchemaId],
        keyword: &str,
    ) -> Option<usize> {
        let old_null = old_list
            .iter()
            .any(|&b| self.old.get(b).types & types::NULL != 0);
        let new_null = new_list
            .iter()
            .any(|&b| self.new.get(b).types & types::NULL != 0);
        if old_null == new_null {
            return None;
        }
        let (rule, effect, what) = if new_null {
            ("nullable-added", Effect::Widens, "now accepts null")
        } else {
            (
                "nullable-removed",
                Effect::Narrows,
                "no longer accepts null",
            )
        };
        let message = format!("`{}` {what}", at.field);
        Some(self.push(at, rule, effect, message, keyword))
    }

    /// Pairs alternatives (null-only ones left out, with their positions):
    /// same structure, then same name, then the most alike of the same
    /// type; one left on a side stands for all those left on the other.
    fn pair_alternatives(
        &self,
        old_list: &[(usize, SchemaId)],
        new_list: &[(usize, SchemaId)],
    ) -> Pairing {
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
                pair[*i] = Some(FAN_OUT);
            }
            (rest, [j]) if !rest.is_empty() => {
                for &i in rest {
                    fan_out.push((old_list[i].1, new_list[*j].1));
                    pair[i] = Some(FAN_OUT);
                }
                used[*j] = true;
            }
            _ => {}
        }
        Pairing {
            pair,
            used,
            fan_out,
        }
    }
}

/// How much two alternatives share (property names, required names, enum
/// values); at least 1.
fn likeness(a: &Schema, b: &Schema) -> usize {
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
}

/// An alternative's name, else its position (`#2`).
fn alternative_name(arena: &SchemaArena, id: SchemaId, pos: usize) -> String {
    arena
        .get(id)
        .name
        .clone()
        .unwrap_or_else(|| format!("#{pos}"))
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
    s.only_alternatives()
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
