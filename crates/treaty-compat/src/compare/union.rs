//! Unions: `oneOf`/`anyOf` alternatives paired across versions (a plain
//! schema counts as a union of one), and the discriminator beside them.
//!
//! A union allows what any of its alternatives allows, so alternatives
//! are judged by the values they add or take away: an alternative that is
//! itself a bare union stands for its own alternatives, an alternative
//! added inside what an old one already allowed (a free-form `{type:
//! object}`) gains nothing, and a free-form schema that became a union of
//! several alternatives (or the reverse) is one change, not one per
//! alternative.

use super::alternative_names::{alternative_name, described, names};
use super::value_space::{admits, free_form};
use super::{At, SchemaComparer};
use crate::change::{Change, Effect};
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

/// An alternative and where it is listed: the union that lists it, under
/// which keyword (empty: a plain schema standing as its own alternative)
/// and at which position.
#[derive(Debug, Clone, Copy)]
pub(super) struct Alt {
    pub(super) id: SchemaId,
    pub(super) union: SchemaId,
    pub(super) keyword: &'static str,
    pub(super) pos: usize,
}

impl Alt {
    /// The pointer suffix of the place, from the union.
    fn suffix(self) -> String {
        if self.keyword.is_empty() {
            String::new()
        } else {
            format!("/{}/{}", self.keyword, self.pos)
        }
    }
}

/// How the alternatives of two unions pair up: `pair[i]` is the new
/// alternative the old one `i` became, `used[j]` whether the new one `j`
/// was paired.
struct Pairing {
    pair: Vec<Option<usize>>,
    used: Vec<bool>,
}

/// How many times bare unions nested in alternatives are opened, at most.
const MAX_EXPANSIONS: usize = 64;

impl SchemaComparer<'_> {
    /// The alternatives of a pair, if either side has any.
    pub(super) fn union(&mut self, at: At<'_>, shape: UnionShape) -> Vec<usize> {
        let keyword = shape
            .new
            .as_ref()
            .or(shape.old.as_ref())
            .map_or("anyOf", |a| a.0);
        let side = |alts: Option<(&'static str, Vec<SchemaId>)>, me: SchemaId| match alts {
            Some((kw, list)) => list
                .into_iter()
                .enumerate()
                .map(|(pos, id)| Alt {
                    id,
                    union: me,
                    keyword: kw,
                    pos,
                })
                .collect(),
            None if shape.union_vs_plain => vec![Alt {
                id: me,
                union: me,
                keyword: "",
                pos: 0,
            }],
            None => Vec::new(),
        };
        if !shape.union_vs_plain && shape.old.is_none() != shape.new.is_none() {
            return self.alternatives_added_or_removed(at, shape.old, shape.new);
        }
        let (old_list, new_list) = (side(shape.old, at.o), side(shape.new, at.n));
        match (old_list.is_empty(), new_list.is_empty()) {
            (true, true) => Vec::new(),
            // Alternatives beside keywords of the union's own (compared
            // already): they can only restrict what those allow.
            (true, false) | (false, true) => self.alternatives_beside(at, &old_list, &new_list),
            (false, false) => self.alternatives(at, old_list, new_list, keyword),
        }
    }

    /// Alternatives added to (or lifted from) a schema that has keywords of
    /// its own: values must now (or no longer) match one of them too. When
    /// the other version's schema already implies one of them (it requires
    /// what the alternative requires), no value is gained or lost.
    fn alternatives_beside(
        &mut self,
        at: At<'_>,
        old_list: &[Alt],
        new_list: &[Alt],
    ) -> Vec<usize> {
        let f = at.field;
        let added = old_list.is_empty();
        let (list, arena, other, other_arena) = if added {
            (new_list, self.new, at.o, self.old)
        } else {
            (old_list, self.old, at.n, self.new)
        };
        let keyword = list.first().map_or("anyOf", |a| a.keyword);
        let names = names(arena, list);
        let implied = list
            .iter()
            .find(|a| implied_by(other_arena.get(other), arena, a.id));
        let (rule, mut effect, mut message) = if added {
            (
                "one-of-branch-added",
                Effect::Narrows,
                format!("`{f}` must now also match one of its {keyword} alternatives {names}"),
            )
        } else {
            (
                "one-of-branch-removed",
                Effect::Widens,
                format!("`{f}` no longer has to match one of the {keyword} alternatives {names}"),
            )
        };
        if let Some(a) = implied {
            effect = Effect::Neutral;
            let version = if added { "old" } else { "new" };
            message.push_str(&format!(
                " (every {version} value matches {})",
                alternative_name(arena, *a)
            ));
        }
        let suffix = format!("/{keyword}");
        vec![self.push_at(at, rule, effect, message, (&suffix, &suffix))]
    }

    /// Pairs the alternatives of two unions: nullability is compared once
    /// for the union, then branches pair up by structure, by name, by
    /// type, bare unions left over opened into their own alternatives; the
    /// rest were added or removed.
    fn alternatives(
        &mut self,
        at: At<'_>,
        mut old_list: Vec<Alt>,
        mut new_list: Vec<Alt>,
        keyword: &str,
    ) -> Vec<usize> {
        let mut ids = Vec::new();
        ids.extend(self.union_nullability(at, &old_list, &new_list, keyword));
        let (old, new) = (self.old, self.new);
        let mut expansions = 0;
        let pairing = loop {
            old_list.retain(|b| old.get(b.id).types != types::NULL);
            new_list.retain(|b| new.get(b.id).types != types::NULL);
            let p = self.pair_alternatives(&old_list, &new_list);
            if expansions >= MAX_EXPANSIONS {
                break p;
            }
            let opened_old = open_unpaired(old, &mut old_list, |i| p.pair[i].is_none());
            let opened_new = open_unpaired(new, &mut new_list, |j| !p.used[j]);
            if !(opened_old || opened_new) {
                break p;
            }
            expansions += usize::from(opened_old) + usize::from(opened_new);
        };
        let f = at.field;
        for (i, a) in old_list.iter().enumerate() {
            if let Some(j) = pairing.pair[i] {
                self.compare(a.id, new_list[j].id, at.dir, f, true);
            }
        }
        let lost: Vec<Alt> = (0..old_list.len())
            .filter(|&i| pairing.pair[i].is_none())
            .map(|i| old_list[i])
            .collect();
        let gained: Vec<Alt> = (0..new_list.len())
            .filter(|&j| !pairing.used[j])
            .map(|j| new_list[j])
            .collect();
        ids.extend(self.unpaired(at, (&old_list, &new_list), (&lost, &gained)));
        ids
    }

    /// The alternatives left unpaired. One left on a side (typically a plain
    /// schema that became a union, or the reverse) stands for all those
    /// left on the other: compared with each, or reported once when it was
    /// free-form or of other types than all of them. Otherwise each was
    /// added or removed, and gains or loses nothing when another
    /// alternative already allows its values.
    fn unpaired(
        &mut self,
        at: At<'_>,
        (old_list, new_list): (&[Alt], &[Alt]),
        (lost, gained): (&[Alt], &[Alt]),
    ) -> Vec<usize> {
        let f = at.field;
        match (lost, gained) {
            ([], []) => return Vec::new(),
            ([a], [b]) => {
                self.compare(a.id, b.id, at.dir, f, true);
                return Vec::new();
            }
            ([a], rest) if !rest.is_empty() => {
                if let Some(id) = self.one_for_many(at, *a, rest, true) {
                    return vec![id];
                }
                let many: Vec<SchemaId> = rest.iter().map(|b| b.id).collect();
                return self.fan_out(at, a.id, &many, true);
            }
            (rest, [b]) if !rest.is_empty() => {
                if let Some(id) = self.one_for_many(at, *b, rest, false) {
                    return vec![id];
                }
                let many: Vec<SchemaId> = rest.iter().map(|a| a.id).collect();
                return self.fan_out(at, b.id, &many, false);
            }
            _ => {}
        }
        let mut ids = Vec::new();
        for a in lost {
            let name = alternative_name(self.old, *a);
            let keeper = new_list
                .iter()
                .find(|b| contains(self.new, b.id, self.old, a.id));
            let (effect, message) = match keeper {
                Some(b) => (
                    Effect::Neutral,
                    format!(
                        "`{f}` lost the {} alternative {name}, whose values {} still allows",
                        a.keyword,
                        described(self.new, *b, "the new schema")
                    ),
                ),
                None => (
                    Effect::Narrows,
                    format!("`{f}` lost the {} alternative {name}", a.keyword),
                ),
            };
            let new_place = format!("/{}", a.keyword);
            ids.push(self.push_alt(
                at,
                "one-of-branch-removed",
                effect,
                message,
                (Some(*a), None),
                &new_place,
            ));
        }
        for b in gained {
            let name = alternative_name(self.new, *b);
            let holder = old_list
                .iter()
                .find(|a| contains(self.old, a.id, self.new, b.id));
            let (effect, message) = match holder {
                Some(a) => (
                    Effect::Neutral,
                    format!(
                        "`{f}` gained the {} alternative {name}, whose values {} already allowed",
                        b.keyword,
                        described(self.old, *a, "the old schema")
                    ),
                ),
                None => (
                    Effect::Widens,
                    format!("`{f}` gained the {} alternative {name}", b.keyword),
                ),
            };
            let old_place = format!("/{}", b.keyword);
            ids.push(self.push_alt(
                at,
                "one-of-branch-added",
                effect,
                message,
                (None, Some(*b)),
                &old_place,
            ));
        }
        ids
    }

    /// One alternative against several on the other side (`one_old`: the
    /// one is old), reported as one change when the one was free-form and
    /// allows all the others' types (now restricted to, or no longer
    /// restricted to, the alternatives), or shares no type with any of
    /// them (a type change). `None`: compare them one by one.
    fn one_for_many(&mut self, at: At<'_>, one: Alt, many: &[Alt], one_old: bool) -> Option<usize> {
        let (one_arena, many_arena) = if one_old {
            (self.old, self.new)
        } else {
            (self.new, self.old)
        };
        let s = one_arena.get(one.id);
        let own = s.types & !types::NULL;
        let theirs = many
            .iter()
            .fold(0u8, |acc, b| acc | many_arena.get(b.id).types)
            & !types::NULL;
        let f = at.field;
        let keyword = many.first().map_or("anyOf", |b| b.keyword);
        let names = names(many_arena, many);
        let (rule, effect, message) = if free_form(s) && theirs & !own == 0 {
            if one_old {
                (
                    "one-of-branch-added",
                    Effect::Narrows,
                    format!(
                        "`{f}` allowed any {} and now only its {keyword} alternatives {names}",
                        types::names(own)
                    ),
                )
            } else {
                (
                    "one-of-branch-removed",
                    Effect::Widens,
                    format!(
                        "`{f}` allowed only its {keyword} alternatives {names} and now any {}",
                        types::names(own)
                    ),
                )
            }
        } else if own & theirs == 0 {
            let (from, to) = if one_old {
                (own, theirs)
            } else {
                (theirs, own)
            };
            (
                "type-changed",
                Effect::Both,
                format!(
                    "type of `{f}` changed from {} to {}",
                    types::names(from),
                    types::names(to)
                ),
            )
        } else {
            return None;
        };
        let (old_alt, new_alt) = if one_old {
            (Some(one), None)
        } else {
            (None, Some(one))
        };
        Some(self.push_alt(
            at,
            rule,
            effect,
            message,
            (old_alt, new_alt),
            &format!("/{keyword}"),
        ))
    }

    /// Records a change placed at alternatives (`None`: at the union
    /// itself, with `at_union` as pointer suffix).
    fn push_alt(
        &mut self,
        at: At<'_>,
        rule: &'static str,
        effect: Effect,
        message: String,
        (old_alt, new_alt): (Option<Alt>, Option<Alt>),
        at_union: &str,
    ) -> usize {
        let old = match old_alt {
            Some(a) => Self::side(self.old, a.union, &a.suffix()),
            None => Self::side(self.old, at.o, at_union),
        };
        let new = match new_alt {
            Some(b) => Self::side(self.new, b.union, &b.suffix()),
            None => Self::side(self.new, at.n, at_union),
        };
        let change = Change::new(rule, effect, at.dir, message)
            .with_old(old)
            .with_new(new)
            .with_field(Some(at.field.to_owned()));
        self.changes.push(change);
        let index = self.changes.len() - 1;
        self.graph.note(index);
        index
    }

    /// Null is judged once for a whole union: whether any alternative
    /// allows it.
    fn union_nullability(
        &mut self,
        at: At<'_>,
        old_list: &[Alt],
        new_list: &[Alt],
        keyword: &str,
    ) -> Option<usize> {
        let old_null = old_list.iter().any(|b| allows_null(self.old, b.id, 0));
        let new_null = new_list.iter().any(|b| allows_null(self.new, b.id, 0));
        if old_null == new_null {
            return None;
        }
        let (rule, effect, what) = if new_null {
            (
                "nullable-added",
                Effect::Widens,
                "now accepts null".to_owned(),
            )
        } else {
            let why = self.new.get(at.n).nullable_ignored;
            let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
            (
                "nullable-removed",
                Effect::Narrows,
                format!("no longer accepts null{why}"),
            )
        };
        let message = format!("`{}` {what}", at.field);
        Some(self.push(at, rule, effect, message, keyword))
    }

    /// Pairs alternatives (null-only ones left out): same structure, then
    /// same name, then the most alike of the same type.
    fn pair_alternatives(&self, old_list: &[Alt], new_list: &[Alt]) -> Pairing {
        let mut pair: Vec<Option<usize>> = vec![None; old_list.len()];
        let mut used = vec![false; new_list.len()];
        let same_name = |a: &Schema, b: &Schema| a.name.is_some() && a.name == b.name;
        let same_types = |a: &Schema, b: &Schema| a.types & !types::NULL == b.types & !types::NULL;
        for pass in 0..2 {
            for (i, a) in old_list.iter().enumerate() {
                if pair[i].is_some() {
                    continue;
                }
                let sa = self.old.get(a.id);
                let found = (0..new_list.len()).find(|&j| {
                    let sb = self.new.get(new_list[j].id);
                    !used[j]
                        && match pass {
                            0 => same_shape((self.old, a.id), (self.new, new_list[j].id), 3),
                            _ => same_name(sa, sb),
                        }
                });
                if let Some(j) = found {
                    used[j] = true;
                    pair[i] = Some(j);
                }
            }
        }
        // An old alternative whose values a free-form new one allows (a
        // string enum beside `{type: string}`) lost nothing: paired with it.
        // (A single new one stands for all the old ones: see `unpaired`.)
        for (i, a) in old_list.iter().enumerate() {
            if pair[i].is_some() || new_list.len() < 2 {
                continue;
            }
            let own = self.old.get(a.id).types & !types::NULL;
            let found = (0..new_list.len()).find(|&j| {
                let sb = self.new.get(new_list[j].id);
                !used[j] && free_form(sb) && own & !sb.types == 0
            });
            if let Some(j) = found {
                used[j] = true;
                pair[i] = Some(j);
            }
        }
        // Unnamed alternatives of the same type pair with the one that
        // shares the most (property names, enum values), wherever it moved.
        loop {
            let mut best: Option<(usize, usize, usize)> = None;
            for (i, a) in old_list.iter().enumerate() {
                if pair[i].is_some() {
                    continue;
                }
                let sa = self.old.get(a.id);
                for (j, b) in new_list.iter().enumerate() {
                    let sb = self.new.get(b.id);
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
        Pairing { pair, used }
    }
}

/// Replaces the unpaired alternatives that are bare unions by their own
/// alternatives; whether any was.
fn open_unpaired(
    arena: &SchemaArena,
    list: &mut Vec<Alt>,
    unpaired: impl Fn(usize) -> bool,
) -> bool {
    let mut opened = false;
    let mut out = Vec::with_capacity(list.len());
    for (i, alt) in list.iter().enumerate() {
        let s = arena.get(alt.id);
        match alternatives_of(s) {
            Some((kw, inner)) if unpaired(i) && is_bare(s) => {
                opened = true;
                out.extend(inner.into_iter().enumerate().map(|(pos, id)| Alt {
                    id,
                    union: alt.id,
                    keyword: kw,
                    pos,
                }));
            }
            _ => out.push(*alt),
        }
    }
    *list = out;
    opened
}

/// Whether an alternative allows null (a bare union: one of its own).
fn allows_null(arena: &SchemaArena, id: SchemaId, depth: usize) -> bool {
    let s = arena.get(id);
    match alternatives_of(s) {
        Some((_, inner)) if is_bare(s) && depth < 16 => {
            inner.iter().any(|&b| allows_null(arena, b, depth + 1))
        }
        _ => s.types & types::NULL != 0,
    }
}

/// Whether schema `outer` allows every non-null value `inner` allows:
/// `outer` is free-form over `inner`'s types, or `inner` lists finitely
/// many values and `outer` allows each.
fn contains(
    outer_arena: &SchemaArena,
    outer: SchemaId,
    inner_arena: &SchemaArena,
    inner: SchemaId,
) -> bool {
    let (o, i) = (outer_arena.get(outer), inner_arena.get(inner));
    let inner_types = i.types & !types::NULL;
    if free_form(o) && inner_types & !o.types == 0 {
        return true;
    }
    let values: Vec<&String> = match (&i.constant, &i.enumeration) {
        (Some(c), _) => vec![c],
        (None, Some(e)) => e.iter().collect(),
        (None, None) => return false,
    };
    values
        .into_iter()
        .all(|t| match serde_json::from_str::<serde_json::Value>(t) {
            Ok(v) => v.is_null() || admits(o, t, &v) == Some(true),
            Err(_) => false,
        })
}

/// Whether every value of `whole` matches the alternative `alt`: the
/// alternative requires only properties `whole` requires (and constrains
/// none of them), of types `whole` allows.
fn implied_by(whole: &Schema, arena: &SchemaArena, alt: SchemaId) -> bool {
    let a = arena.get(alt);
    let bare = Schema {
        required: Default::default(),
        properties: Default::default(),
        ..a.clone()
    };
    let own = whole.types & !types::NULL;
    free_form(&bare)
        && own & !a.types == 0
        && a.required.is_subset(&whole.required)
        && a.properties.values().all(|&p| free_form(arena.get(p)))
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

/// The `oneOf` (else `anyOf`) alternatives of a schema.
pub(super) fn alternatives_of(s: &Schema) -> Option<(&'static str, Vec<SchemaId>)> {
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

/// Whether two schemas have the same structure to a bounded depth (types
/// but null, values, format, property names and item schemas), for
/// pairing alternatives whose names differ. Compared in place: a printed
/// summary of each alternative cost more than the rest of the pairing.
fn same_shape(
    (old, a): (&SchemaArena, SchemaId),
    (new, b): (&SchemaArena, SchemaId),
    depth: usize,
) -> bool {
    let (x, y): (&Schema, &Schema) = (old.get(a), new.get(b));
    if x.types & !types::NULL != y.types & !types::NULL
        || x.enumeration != y.enumeration
        || x.constant != y.constant
        || x.format != y.format
    {
        return false;
    }
    if depth == 0 {
        return true;
    }
    x.properties.len() == y.properties.len()
        && x.properties
            .iter()
            .zip(&y.properties)
            .all(|((k, &v), (l, &w))| k == l && same_shape((old, v), (new, w), depth - 1))
        && match (x.items, y.items) {
            (Some(v), Some(w)) => same_shape((old, v), (new, w), depth - 1),
            (None, None) => true,
            _ => false,
        }
}
