//! Protobuf: `.proto` files compiled in pure Rust (protox), their
//! descriptors compared by the rules `buf breaking` popularised, grouped in
//! the same categories. A category says how strict the check is: `wire`
//! (the binary encoding keeps working), `wire_json` (the JSON encoding
//! too), `package` (generated code keeps compiling, by package), `file`
//! (generated code keeps compiling, file by file). A rule breaks under a
//! category when the category is at least as strict as the rule's own.
//!
//! `load` reads and compiles each side; the walk compares them concept by
//! concept: `files`, `messages` (and fields), `enums`, `services`.

mod category;
mod enums;
mod files;
mod load;
mod messages;
mod services;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::change::{Change, Direction, Effect, Side};
use crate::document::{CompatError, DocumentSource};

pub use category::Category;
pub(crate) use load::read_all;
use load::{Compiled, build, fail};
use services::{containment, reachability};

/// Where a Protobuf schema's imports are resolved: its include directories
/// (else the schema's own directory), and its name relative to the first
/// of them that holds it.
pub fn entry_name(schema: &str, include_paths: &[String]) -> (Vec<String>, String) {
    let includes: Vec<String> = if include_paths.is_empty() {
        vec![
            schema
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_owned()),
        ]
    } else {
        include_paths
            .iter()
            .map(|p| p.trim_end_matches('/').to_owned())
            .collect()
    };
    let name = includes
        .iter()
        .find_map(|i| {
            if i.is_empty() {
                Some(schema.to_owned())
            } else {
                schema.strip_prefix(&format!("{i}/")).map(str::to_owned)
            }
        })
        .unwrap_or_else(|| schema.to_owned());
    (includes, name)
}

/// One side of a Protobuf comparison: where files come from, the include
/// directories (searched in order), and the files to compile, named
/// relative to an include directory.
pub struct ProtoInput<'a> {
    /// Where the files are read.
    pub source: &'a dyn DocumentSource,
    /// Include directories, searched in order.
    pub includes: Vec<String>,
    /// The files to compile, relative to an include directory.
    pub files: Vec<String>,
}

impl std::fmt::Debug for ProtoInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtoInput")
            .field("includes", &self.includes)
            .field("files", &self.files)
            .finish()
    }
}

/// The two compiled sides and the changes found between them.
struct Walk<'a> {
    old: &'a Compiled,
    new: &'a Compiled,
    category: Category,
    changes: Vec<Change>,
    /// Message full name → the methods (`Service.Method`) that reach it.
    reached_by: HashMap<String, BTreeSet<String>>,
    /// The messages and fields that hold each message (see
    /// [`services::containment`]), in either version.
    held_by: HashMap<String, BTreeSet<String>>,
}

/// A difference found, before its level under the category is known.
struct Found<'f> {
    rule: &'static str,
    /// The category at which it breaks (`None`: never).
    category: Option<Category>,
    message: String,
    old: Option<Side>,
    new: Option<Side>,
    /// The field (or message, enum, method) it is on.
    field: &'f str,
}

impl Walk<'_> {
    /// Records a change, reached by the methods that reach the message
    /// `reach` (empty: none).
    fn push(&mut self, found: Found<'_>, reach: &str) {
        // Breaking when the chosen category is at least as strict as the rule's.
        let (effect, note) = match found.category {
            Some(c) if c <= self.category => (Effect::Both, format!(" [{}]", c.label())),
            Some(c) => (Effect::Neutral, format!(" [{} only]", c.label())),
            None => (Effect::Neutral, String::new()),
        };
        let operations = self.reached_by.get(reach).cloned().unwrap_or_default();
        let within = self
            .held_by
            .get(reach)
            .map(|names| names.iter().map(|n| Arc::from(n.as_str())).collect())
            .unwrap_or_default();
        let change = Change::new(
            found.rule,
            effect,
            Direction::Accepts,
            format!("{}{note}", found.message),
        )
        .with_old(found.old)
        .with_new(found.new)
        .with_operations(operations)
        .with_field(Some(found.field.to_owned()));
        self.changes.push(Change { within, ..change });
    }

    /// Every concept in turn, in the order changes are reported.
    fn run(&mut self) {
        self.files();
        self.messages();
        self.enums();
        self.services();
    }
}

/// Compiles both sides and lists their differences under `category`.
pub fn diff(
    old: &ProtoInput<'_>,
    new: &ProtoInput<'_>,
    category: Category,
) -> Result<Vec<Change>, CompatError> {
    // Reading goes through the sources one side after the other; the
    // compiling, which is most of the time, runs on both cores.
    let (old_read, new_read) = (
        read_all(old).map_err(|e| fail(old, e))?,
        read_all(new).map_err(|e| fail(new, e))?,
    );
    let (old_roots, new_roots) = (old.files.clone(), new.files.clone());
    let (old_built, new_built) = std::thread::scope(|scope| {
        let o = scope.spawn(move || build(old_read, old_roots));
        let n = build(new_read, new_roots);
        (
            o.join()
                .unwrap_or_else(|_| Err("the compiler stopped unexpectedly".to_owned())),
            n,
        )
    });
    let (old_input, new_input) = (old, new);
    let old = old_built.map_err(|e| fail(old_input, e))?;
    let new = new_built.map_err(|e| fail(new_input, e))?;
    let mut reached_by = reachability(&old.pool);
    for (k, v) in reachability(&new.pool) {
        reached_by.entry(k).or_default().extend(v);
    }
    let mut held_by = containment(&old.pool);
    for (k, v) in containment(&new.pool) {
        held_by.entry(k).or_default().extend(v);
    }
    let mut walk = Walk {
        old: &old,
        new: &new,
        category,
        changes: Vec::new(),
        reached_by,
        held_by,
    };
    walk.run();
    Ok(walk.changes)
}
