//! Folding an `allOf` branch (or the target of a `$ref` written beside
//! other keywords) into the schema that holds it: both constraints apply.
//!
//! A fold is done only when it loses nothing: two different patterns, two
//! item schemas, two closed content models that declare different names
//! and the like cannot be written as one schema, so such a branch is kept
//! apart in [`Schema::all_of`] and compared on its own.

use super::{Additional, Bound, Schema};

/// Folds `o` into `s` when that is exact, and says whether it did; `s` is
/// left as it was otherwise.
pub(super) fn merge(s: &mut Schema, o: &Schema) -> bool {
    if !mergeable(s, o) {
        return false;
    }
    s.types &= o.types;
    s.enumeration = match (s.enumeration.take(), &o.enumeration) {
        (Some(a), Some(b)) => Some(a.intersection(b).cloned().collect()),
        (a, b) => a.or_else(|| b.clone()),
    };
    macro_rules! first {
        ($($f:ident)*) => { $( if s.$f.is_none() { s.$f.clone_from(&o.$f); } )* };
    }
    first!(title constant format pattern multiple_of items unevaluated_items contains min_contains max_contains not conditional default discriminator unevaluated_properties);
    s.minimum = tighter(s.minimum, o.minimum, true);
    s.maximum = tighter(s.maximum, o.maximum, false);
    s.min_length = s.min_length.max(o.min_length);
    s.max_length = smaller(s.max_length, o.max_length);
    s.min_items = s.min_items.max(o.min_items);
    s.max_items = smaller(s.max_items, o.max_items);
    s.min_properties = s.min_properties.max(o.min_properties);
    s.max_properties = smaller(s.max_properties, o.max_properties);
    s.unique_items |= o.unique_items;
    s.nullable_ignored = s.nullable_ignored.or(o.nullable_ignored);
    s.items_written |= o.items_written;
    if s.prefix_items.is_empty() {
        s.prefix_items.clone_from(&o.prefix_items);
    }
    for (k, v) in &o.properties {
        s.properties.entry(k.clone()).or_insert(*v);
    }
    s.required.extend(o.required.iter().cloned());
    if s.additional == Additional::Any {
        s.additional = o.additional;
    }
    s.additional_written |= o.additional_written;
    for p in &o.pattern_properties {
        if !s.pattern_properties.contains(p) {
            s.pattern_properties.push(p.clone());
        }
    }
    for (k, names) in &o.dependent_required {
        s.dependent_required
            .entry(k.clone())
            .or_default()
            .extend(names.iter().cloned());
    }
    for (k, v) in &o.dependent_schemas {
        s.dependent_schemas.entry(k.clone()).or_insert(*v);
    }
    if s.one_of.is_empty() {
        s.one_of.clone_from(&o.one_of);
    }
    if s.any_of.is_empty() {
        s.any_of.clone_from(&o.any_of);
    }
    s.all_of.extend(o.all_of.iter().copied());
    s.read_only |= o.read_only;
    s.write_only |= o.write_only;
    s.deprecated |= o.deprecated;
    true
}

/// Whether folding `o` into `s` keeps every constraint of both.
fn mergeable(s: &Schema, o: &Schema) -> bool {
    fn clash<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
        matches!((a, b), (Some(x), Some(y)) if x != y)
    }
    let both = |a: bool, b: bool| a && b;
    let has_items = |x: &Schema| {
        x.items.is_some()
            || !x.prefix_items.is_empty()
            || x.unevaluated_items.is_some()
            || x.items_written
    };
    let has_contains = |x: &Schema| x.contains.is_some();
    if clash(&s.constant, &o.constant)
        || clash(&s.format, &o.format)
        || clash(&s.pattern, &o.pattern)
        || clash(
            &s.multiple_of.map(f64::to_bits),
            &o.multiple_of.map(f64::to_bits),
        )
        || both(has_items(s), has_items(o))
        || both(has_contains(s), has_contains(o))
        || both(s.not.is_some(), o.not.is_some())
        || both(s.conditional.is_some(), o.conditional.is_some())
        || both(!s.one_of.is_empty(), !o.one_of.is_empty())
        || both(!s.any_of.is_empty(), !o.any_of.is_empty())
    {
        return false;
    }
    let shared_differs =
        |a: &std::collections::BTreeMap<String, super::SchemaId>,
         b: &std::collections::BTreeMap<String, super::SchemaId>| {
            a.iter().any(|(k, v)| b.get(k).is_some_and(|w| w != v))
        };
    if shared_differs(&s.properties, &o.properties)
        || shared_differs(&s.dependent_schemas, &o.dependent_schemas)
    {
        return false;
    }
    // A closed (or partly closed) model judges every name it does not
    // declare: it folds only with an open one that declares nothing more.
    // `unevaluatedProperties` of the holder sees the branch's names as
    // evaluated, as after the fold; that of a branch sees its own only.
    if o.unevaluated_properties.is_some() {
        return false;
    }
    let covered = |a: &Schema, b: &Schema| {
        a.properties.keys().all(|k| b.properties.contains_key(k))
            && a.pattern_properties
                .iter()
                .all(|p| b.pattern_properties.contains(p))
    };
    match (
        s.additional == Additional::Any,
        o.additional == Additional::Any,
    ) {
        (true, true) => true,
        (false, true) => covered(o, s),
        (true, false) => covered(s, o),
        (false, false) => false,
    }
}

fn smaller(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// The tighter of two bounds (`lower`: the larger minimum).
fn tighter(a: Option<Bound>, b: Option<Bound>, lower: bool) -> Option<Bound> {
    match (a, b) {
        (Some(x), Some(y)) => {
            let y_tighter = if lower {
                y.value > x.value || (y.value == x.value && y.exclusive)
            } else {
                y.value < x.value || (y.value == x.value && y.exclusive)
            };
            Some(if y_tighter { y } else { x })
        }
        (x, y) => x.or(y),
    }
}
