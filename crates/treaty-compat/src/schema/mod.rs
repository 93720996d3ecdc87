//! JSON Schema (drafts 4 to 2020-12, and the OpenAPI 3.0 and 3.1 dialects)
//! normalised into an arena of [`Schema`]s: `$ref`s resolved (recursion
//! becomes a cycle of ids), `allOf` merged, `nullable` folded into the
//! type set. Comparison then works on structure, not on names.
//!
//! `normalize` follows references and builds the arena, `build` reads one
//! schema object's keywords (the dialects' differences are there), and
//! `canonical` gives the text values are compared by.

mod build;
mod canonical;
mod normalize;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use treaty_syntax::Span;

pub use canonical::canonical;
pub use normalize::{Located, Normalizer};

/// Index of a schema in a [`SchemaArena`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaId(pub u32);

/// JSON types as a bit set.
pub mod types {
    pub const NULL: u8 = 1;
    pub const BOOLEAN: u8 = 2;
    pub const INTEGER: u8 = 4;
    pub const NUMBER: u8 = 8;
    pub const STRING: u8 = 16;
    pub const ARRAY: u8 = 32;
    pub const OBJECT: u8 = 64;
    pub const ALL: u8 = 127;

    pub fn from_name(name: &str) -> Option<u8> {
        Some(match name {
            "null" => NULL,
            "boolean" => BOOLEAN,
            "integer" => INTEGER,
            "number" => NUMBER | INTEGER,
            "string" => STRING,
            "array" => ARRAY,
            "object" => OBJECT,
            _ => return None,
        })
    }

    /// Names of the types in a set, for messages.
    pub fn names(set: u8) -> String {
        let mut out = Vec::new();
        for (bit, name) in [
            (NULL, "null"),
            (BOOLEAN, "boolean"),
            (STRING, "string"),
            (ARRAY, "array"),
            (OBJECT, "object"),
        ] {
            if set & bit != 0 {
                out.push(name);
            }
        }
        if set & NUMBER != 0 {
            out.push("number");
        } else if set & INTEGER != 0 {
            out.push("integer");
        }
        if out.is_empty() {
            "nothing".to_owned()
        } else {
            out.join(" | ")
        }
    }
}

/// A numeric bound and whether it excludes its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

/// What an object accepts beyond its listed properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Additional {
    /// Anything (the default: an open content model).
    #[default]
    Any,
    /// Nothing (`additionalProperties: false`: a closed model).
    Forbidden,
    Schema(SchemaId),
}

/// One normalised schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub span: Span,
    /// The file the schema is written in.
    pub file: Arc<str>,
    /// JSON pointer of the schema in its file.
    pub pointer: String,
    /// Accepted types; `ALL` when unconstrained.
    pub types: u8,
    /// Canonical JSON of each allowed value.
    pub enumeration: Option<BTreeSet<String>>,
    pub constant: Option<String>,
    pub format: Option<String>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub multiple_of: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    pub items: Option<SchemaId>,
    pub prefix_items: Vec<SchemaId>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub properties: BTreeMap<String, SchemaId>,
    pub required: BTreeSet<String>,
    pub additional: Additional,
    /// `patternProperties` present: names beyond `properties` may be valid.
    pub pattern_properties: bool,
    pub one_of: Vec<SchemaId>,
    pub any_of: Vec<SchemaId>,
    pub read_only: bool,
    pub write_only: bool,
    pub deprecated: bool,
    pub default: Option<String>,
    /// `discriminator.propertyName` and its `mapping` (canonical JSON).
    pub discriminator: Option<(String, Option<String>)>,
    /// The name it was reached by (`Payment` for `#/components/schemas/Payment`).
    pub name: Option<String>,
}

/// All schemas of one side of a diff.
#[derive(Debug, Default)]
pub struct SchemaArena {
    pub schemas: Vec<Schema>,
}

impl SchemaArena {
    pub fn get(&self, id: SchemaId) -> &Schema {
        &self.schemas[id.0 as usize]
    }
}

/// Which dialect the schemas are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.0: `nullable`, boolean `exclusiveMaximum`.
    OpenApi30,
    /// OpenAPI 3.1 and JSON Schema: type arrays, numeric exclusive bounds.
    JsonSchema,
}
