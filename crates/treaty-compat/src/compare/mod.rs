//! Structural comparison of two normalised schemas, direction-aware.
//!
//! This module walks pairs of schemas and places what is found; the
//! keyword families are compared in their own modules: `scalar` (types,
//! values, annotations), `bounds` (limits on values, lengths and counts), `object` (properties, `required`,
//! `additionalProperties`), `array` (items) and `union` (`oneOf`/`anyOf`
//! alternatives and the discriminator); `value_space` judges the scalar
//! ones together, by the values they allow (`formats`: what a format allows).

mod array;
mod bounds;
mod discriminator;
mod fan_out;
mod formats;
mod object;
mod scalar;
mod union;
mod value_space;

use std::collections::{HashMap, HashSet};

use crate::change::{Change, Direction, Effect, Side};
use crate::schema::{SchemaArena, SchemaId};

/// A pair, the direction, and whether null is judged by the enclosing union.
type Key = (SchemaId, SchemaId, Direction, bool);

/// Compares schemas of two arenas, remembering pairs already compared so
/// that shared and recursive schemas are walked once; every change records
/// every operation that reaches it.
pub struct SchemaComparer<'a> {
    old: &'a SchemaArena,
    new: &'a SchemaArena,
    /// Every change found so far, in the order found.
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
        let at = At {
            o,
            n,
            dir,
            field: &field,
        };
        let ids = self.pair(at, ignore_null);
        self.in_progress.remove(&key);
        let children = self.frames.pop().unwrap_or_default();
        self.done.insert(key, (ids, children));
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
        self.array(at);
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
