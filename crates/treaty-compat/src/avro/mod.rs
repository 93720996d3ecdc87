//! Avro schemas, compared by the resolution rules of the Avro
//! specification: under `backward` the new schema reads data written with
//! the old one, under `forward` the reverse. Each change records which of
//! the two readings it breaks as its effect: `Narrows` (the new schema can
//! no longer read old data), `Widens` (the old one cannot read new data),
//! `Both`, or `Neutral`.
//!
//! `parse` reads each schema into an arena of types, `resolve` decides
//! which schema can read the other's data (the specification's rules),
//! and `compare` walks both versions and reports each difference.

mod compare;
mod parse;
mod resolve;

use std::collections::HashMap;
use std::sync::Arc;

use treaty_syntax::Node;

use crate::change::Change;
use crate::document::{CompatError, Documents, Loaded};
use crate::reach::PairGraph;
use compare::Comparer;
use parse::Parser;

/// Index of a type in an [`AvroArena`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeId(u32);

#[derive(Debug, Clone)]
struct Field {
    name: String,
    aliases: Vec<String>,
    ty: TypeId,
    default: Option<String>,
    pointer: String,
}

#[derive(Debug, Clone)]
enum Kind {
    Primitive(&'static str),
    Record {
        name: String,
        aliases: Vec<String>,
        fields: Vec<Field>,
    },
    Enum {
        name: String,
        aliases: Vec<String>,
        symbols: Vec<String>,
        default: Option<String>,
    },
    Array(TypeId),
    Map(TypeId),
    Fixed {
        name: String,
        aliases: Vec<String>,
        size: u64,
    },
    Union(Vec<TypeId>),
    /// A named type referenced before its definition completed (recursion).
    Placeholder,
}

#[derive(Debug, Clone)]
struct AvroType {
    kind: Kind,
    /// `logicalType` with its parameters, canonical.
    logical: Option<String>,
    pointer: String,
}

#[derive(Debug, Default)]
struct AvroArena {
    types: Vec<AvroType>,
    named: HashMap<String, TypeId>,
    file: Arc<str>,
}

pub(super) const PRIMITIVES: &[&str] = &[
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

fn full_name(name: &str, namespace: &str) -> String {
    if name.contains('.') || namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{namespace}.{name}")
    }
}

fn unqualified(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Parses both documents as Avro schemas and lists their differences.
pub fn diff(old: &Loaded<'_>, new: &Loaded<'_>) -> Result<Vec<Change>, CompatError> {
    diff_at(
        old.docs,
        (old.path, "", old.root),
        new.docs,
        (new.path, "", new.root),
    )
}

/// The same for Avro schemas inside other documents (an AsyncAPI message
/// payload): each side is its file, the JSON pointer of the schema in it,
/// and the schema's node.
pub fn diff_at(
    old_docs: &Documents,
    (old_path, old_base, old_root): (&str, &str, &Node),
    new_docs: &Documents,
    (new_path, new_base, new_root): (&str, &str, &Node),
) -> Result<Vec<Change>, CompatError> {
    let parse = |docs: &Documents,
                 path: &str,
                 base: &str,
                 root: &Node|
     -> Result<(AvroArena, TypeId), CompatError> {
        let mut p = Parser {
            arena: AvroArena {
                file: Arc::from(path),
                ..AvroArena::default()
            },
            docs,
            depth: 0,
        };
        let id = p.parse(root, base, "")?;
        Ok((p.arena, id))
    };
    let (old, o) = parse(old_docs, old_path, old_base, old_root)?;
    let (new, n) = parse(new_docs, new_path, new_base, new_root)?;
    let root_name = match &new.types[n.0 as usize].kind {
        Kind::Record { name, .. } | Kind::Enum { name, .. } | Kind::Fixed { name, .. } => {
            unqualified(name).to_owned()
        }
        _ => "$".to_owned(),
    };
    let mut c = Comparer {
        old: &old,
        new: &new,
        changes: Vec::new(),
        graph: PairGraph::default(),
        reads: HashMap::new(),
    };
    c.compare(o, n, &root_name);
    c.graph.root((o, n), None, &root_name);
    c.graph.attribute(&mut c.changes);
    Ok(c.changes)
}
