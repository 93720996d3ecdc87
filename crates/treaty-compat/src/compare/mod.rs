//! Structural comparison of two normalised schemas, direction-aware.
//!
//! This module walks pairs of schemas and places what is found; the
//! keyword families are compared in their own modules: `scalar` (types,
//! values, annotations), `bounds` (limits on values, lengths and counts), `object` (properties, `required`,
//! `additionalProperties`), `array` (items) and `union` (`oneOf`/`anyOf`
//! alternatives and the discriminator); `patterns` (`patternProperties`
//! and what judges a name), `evaluated` (`unevaluated*` after subschemas), `applicators` (`not`, `allOf` branches kept
//! apart, dependencies), `conditional` (`if`/`then`/`else`) and `slot`
//! (what a name or a position accepts when one side has no schema for it);
//! `value_space` judges the scalar
//! ones together, by the values they allow (`formats`: what a format allows).

mod alternative_names;
mod applicators;
mod array;
mod bounds;
mod conditional;
mod discriminator;
mod evaluated;
mod fan_out;
mod formats;
mod object;
mod patterns;
mod scalar;
mod slot;
mod union;
mod value_space;

use crate::change::{Change, Direction, Effect, Side};
use crate::jsonschema::UndeclaredProperties;
use crate::reach::PairGraph;
use crate::schema::{SchemaArena, SchemaId};

/// A pair, the direction, and whether null is judged by the enclosing union.
type Key = (SchemaId, SchemaId, Direction, bool);

/// Compares schemas of two arenas, comparing each pair once so that shared
/// and recursive schemas are walked once; the pair graph then gives every
/// change the operations, fields and route that reach it.
pub struct SchemaComparer<'a> {
    old: &'a SchemaArena,
    new: &'a SchemaArena,
    /// Every change found so far, in the order found.
    pub changes: Vec<Change>,
    /// A data contract (and how its open models are judged), or `None`
    /// for an API, whose old clients send no undeclared property.
    data: Option<UndeclaredProperties>,
    /// The pairs compared and how they lead to each other.
    graph: PairGraph<Key>,
}

impl std::fmt::Debug for SchemaComparer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaComparer")
            .field("changes", &self.changes.len())
            .finish()
    }
}

/// The pair being compared: both schemas, the direction data flows, and
/// the field name changes on it are reported under.
#[derive(Debug, Clone, Copy)]
struct At<'f> {
    o: SchemaId,
    n: SchemaId,
    dir: Direction,
    field: &'f str,
}

impl<'f> At<'f> {
    /// The same pair, reported under another field name (a property).
    fn field<'g>(self, field: &'g str) -> At<'g> {
        At {
            o: self.o,
            n: self.n,
            dir: self.dir,
            field,
        }
    }
}

impl<'a> SchemaComparer<'a> {
    /// A comparer of schemas from `old` with schemas from `new`.
    pub fn new(old: &'a SchemaArena, new: &'a SchemaArena) -> SchemaComparer<'a> {
        SchemaComparer {
            old,
            new,
            changes: Vec::new(),
            graph: PairGraph::default(),
            data: None,
        }
    }

    /// The same, comparing data contracts: every document valid under one
    /// version against the other, undeclared properties of open models
    /// judged as `undeclared` says.
    pub fn for_data(mut self, undeclared: UndeclaredProperties) -> SchemaComparer<'a> {
        self.data = Some(undeclared);
        self
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
        self.graph.root(root, operation, field);
    }

    /// Gives every change the operations that reach it, the schemas and
    /// fields above it and its route from the nearest root (see
    /// [`crate::reach`]).
    pub fn attribute(&mut self) {
        self.graph.attribute(&mut self.changes);
    }

    fn side(arena: &SchemaArena, id: SchemaId, suffix: &str) -> Option<Side> {
        let schema = arena.get(id);
        Some(Side {
            file: schema.file.to_string(),
            pointer: format!("{}{suffix}", schema.pointer),
            position: None,
        })
    }

    /// Records a change found on a pair at `keyword` (empty: the schema
    /// itself) and returns its index.
    fn push(
        &mut self,
        at: At<'_>,
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
        self.push_at(at, rule, effect, message, (&suffix, &suffix))
    }

    /// The same, with the place in each version given as pointer suffixes.
    fn push_at(
        &mut self,
        at: At<'_>,
        rule: &'static str,
        effect: Effect,
        message: String,
        (old_suffix, new_suffix): (&str, &str),
    ) -> usize {
        let change = Change::new(rule, effect, at.dir, message)
            .with_old(Self::side(self.old, at.o, old_suffix))
            .with_new(Self::side(self.new, at.n, new_suffix))
            .with_field(Some(at.field.to_owned()));
        self.changes.push(change);
        let index = self.changes.len() - 1;
        self.graph.note(index);
        index
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
        // Done, or being compared further up (a recursive schema): linked.
        if !self.graph.enter(key, field) {
            return key;
        }
        let (os, ns) = (self.old.get(o), self.new.get(n));
        let field = ns
            .name
            .clone()
            .or_else(|| os.name.clone())
            .unwrap_or_else(|| field.to_owned());
        self.graph.name(&field);
        let at = At {
            o,
            n,
            dir,
            field: &field,
        };
        // The changes found are noted on the pair as they are pushed.
        self.pair(at, ignore_null);
        self.graph.leave();
        key
    }

    /// Every keyword of a pair, its alternatives included; the indices of
    /// the changes found on the pair itself (not on the pairs it leads to).
    fn pair(&mut self, at: At<'_>, ignore_null: bool) -> Vec<usize> {
        let mut ids = Vec::new();
        let shape = union::UnionShape::of(self.old.get(at.o), self.new.get(at.n));
        if shape.compares_keywords() {
            ids.extend(self.keywords(at, ignore_null));
        }
        // The discriminator sits beside the alternatives: always compared.
        ids.extend(self.discriminator(at));
        ids.extend(self.union(at, shape));
        ids
    }

    /// Every keyword of a pair but its alternatives, family by family, in
    /// the order their changes are reported.
    fn keywords(&mut self, at: At<'_>, ignore_null: bool) -> Vec<usize> {
        let mut ids = self.scalars(at, ignore_null);
        ids.extend(self.annotations(at));
        ids.extend(self.object(at));
        ids.extend(self.array(at));
        ids.extend(self.applicators(at));
        ids.extend(self.conditional(at));
        ids
    }
}

/// A JSON pointer token for a name.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Values as a message lists them: `a, b, c`.
fn list(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value that may be absent, as a message shows it.
fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}
