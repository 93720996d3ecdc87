//! JSON Schema (drafts 4 to 2020-12, and the OpenAPI 3.0 and 3.1 dialects)
//! normalised into an arena of [`Schema`]s: `$ref`s resolved (recursion
//! becomes a cycle of ids), `allOf` merged, `nullable` folded into the
//! type set. Comparison then works on structure, not on names.
//!
//! `normalize` follows references and builds the arena, `build` reads one
//! schema object's keywords (the dialects' differences are there), `merge`
//! folds `allOf` branches when nothing is lost, and `canonical` gives the
//! text values are compared by.

mod build;
mod canonical;
mod keywords;
mod merge;
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
    /// `null`.
    pub const NULL: u8 = 1;
    /// `true` and `false`.
    pub const BOOLEAN: u8 = 2;
    /// Whole numbers (also accepted where `number` is).
    pub const INTEGER: u8 = 4;
    /// Any number.
    pub const NUMBER: u8 = 8;
    /// Strings.
    pub const STRING: u8 = 16;
    /// Arrays.
    pub const ARRAY: u8 = 32;
    /// Objects.
    pub const OBJECT: u8 = 64;
    /// Every type: a schema that does not constrain it.
    pub const ALL: u8 = 127;

    /// The bit of a JSON Schema type name (`"integer"`).
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
    /// The bound.
    pub value: f64,
    /// Whether the bound itself is excluded.
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
    /// Values valid under this schema.
    Schema(SchemaId),
}

/// One normalised schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Where the schema is written.
    pub span: Span,
    /// The file the schema is written in.
    pub file: Arc<str>,
    /// JSON pointer of the schema in its file.
    pub pointer: String,
    /// Accepted types; `ALL` when unconstrained.
    pub types: u8,
    /// Canonical JSON of each allowed value.
    pub enumeration: Option<BTreeSet<String>>,
    /// `const`, canonical JSON.
    pub constant: Option<String>,
    /// `format`.
    pub format: Option<String>,
    /// `minimum` or `exclusiveMinimum`, whichever is tighter.
    pub minimum: Option<Bound>,
    /// `maximum` or `exclusiveMaximum`, whichever is tighter.
    pub maximum: Option<Bound>,
    /// `multipleOf`.
    pub multiple_of: Option<f64>,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `uniqueItems`.
    pub unique_items: bool,
    /// The schema of array items (`items`, or `items` after `prefixItems`,
    /// or `additionalItems` after a draft-4..2019 tuple `items`).
    pub items: Option<SchemaId>,
    /// `prefixItems` (or draft-4 tuple `items`), by position.
    pub prefix_items: Vec<SchemaId>,
    /// Whether every item is evaluated by `items` (or `additionalItems`):
    /// then `unevaluatedItems` has nothing left to judge.
    pub items_written: bool,
    /// `unevaluatedItems`.
    pub unevaluated_items: Option<SchemaId>,
    /// `contains`.
    pub contains: Option<SchemaId>,
    /// `minContains` (1 when absent).
    pub min_contains: Option<u64>,
    /// `maxContains`.
    pub max_contains: Option<u64>,
    /// `minProperties`.
    pub min_properties: Option<u64>,
    /// `maxProperties`.
    pub max_properties: Option<u64>,
    /// `properties`, `allOf` branches merged in.
    pub properties: BTreeMap<String, SchemaId>,
    /// `required` names.
    pub required: BTreeSet<String>,
    /// `additionalProperties`.
    pub additional: Additional,
    /// Whether `additionalProperties` is written (even as `true`): then
    /// every property counts as evaluated and `unevaluatedProperties` has
    /// nothing left to judge.
    pub additional_written: bool,
    /// `patternProperties`: each pattern and the schema of the values of
    /// the names it matches (declared ones included).
    pub pattern_properties: Vec<(String, SchemaId)>,
    /// `unevaluatedProperties`.
    pub unevaluated_properties: Option<Additional>,
    /// `dependentRequired` (and the name lists of draft-4..7
    /// `dependencies`): names required when a name is present.
    pub dependent_required: BTreeMap<String, BTreeSet<String>>,
    /// `dependentSchemas` (and the schemas of `dependencies`): a schema the
    /// object must also match when a name is present.
    pub dependent_schemas: BTreeMap<String, SchemaId>,
    /// `oneOf` alternatives.
    pub one_of: Vec<SchemaId>,
    /// `anyOf` alternatives.
    pub any_of: Vec<SchemaId>,
    /// `allOf` branches that could not be folded into this schema without
    /// losing a constraint: each still applies on its own.
    pub all_of: Vec<SchemaId>,
    /// `not`.
    pub not: Option<SchemaId>,
    /// `if`, with its `then` and `else` (absent: anything).
    pub conditional: Option<Conditional>,
    /// `readOnly`: sent in responses only.
    pub read_only: bool,
    /// `writeOnly`: sent in requests only.
    pub write_only: bool,
    /// `nullable: true` written where it allows nothing: in OpenAPI 3.1 and
    /// JSON Schema (not a keyword), or in 3.0 without a `type` beside it
    /// (3.0.3 says it then has no effect). Messages say why.
    pub nullable_ignored: Option<&'static str>,
    /// `deprecated`.
    pub deprecated: bool,
    /// `default`, canonical JSON.
    pub default: Option<String>,
    /// `discriminator.propertyName` and its `mapping` (canonical JSON).
    pub discriminator: Option<(String, Option<String>)>,
    /// The name it was reached by (`Payment` for `#/components/schemas/Payment`).
    pub name: Option<String>,
    /// `title`: how messages name an alternative that has no `name`.
    pub title: Option<String>,
}

/// `if`/`then`/`else`: documents valid under `if` must match `then`, the
/// others `else`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conditional {
    /// `if`.
    pub condition: SchemaId,
    /// `then` (absent: anything).
    pub then: Option<SchemaId>,
    /// `else` (absent: anything).
    pub otherwise: Option<SchemaId>,
}

impl Schema {
    /// Whether the schema accepts every value (no constraint at all).
    pub fn accepts_anything(&self) -> bool {
        self.one_of.is_empty() && self.any_of.is_empty() && self.only_alternatives()
    }

    /// Whether the schema constrains nothing but by its `oneOf`/`anyOf`
    /// alternatives (if any).
    pub fn only_alternatives(&self) -> bool {
        self.types == types::ALL
            && self.enumeration.is_none()
            && self.constant.is_none()
            && self.format.is_none()
            && self.minimum.is_none()
            && self.maximum.is_none()
            && self.multiple_of.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.pattern.is_none()
            && self.min_items.is_none()
            && self.max_items.is_none()
            && !self.unique_items
            && self.items.is_none()
            && self.prefix_items.is_empty()
            && self.unevaluated_items.is_none()
            && self.contains.is_none()
            && self.min_properties.is_none()
            && self.max_properties.is_none()
            && self.properties.is_empty()
            && self.required.is_empty()
            && self.additional == Additional::Any
            && self.pattern_properties.is_empty()
            && self.unevaluated_properties.is_none()
            && self.dependent_required.is_empty()
            && self.dependent_schemas.is_empty()
            && self.all_of.is_empty()
            && self.not.is_none()
            && self.conditional.is_none()
    }

    /// Whether the schema plainly accepts no value (`false`, no type, an
    /// empty `enum`). Other unsatisfiable schemas are not recognised.
    pub fn accepts_nothing(&self) -> bool {
        self.types == 0 || self.enumeration.as_ref().is_some_and(BTreeSet::is_empty)
    }
}

/// All schemas of one side of a diff.
#[derive(Debug, Default)]
pub struct SchemaArena {
    /// Every schema, indexed by [`SchemaId`].
    pub schemas: Vec<Schema>,
}

impl SchemaArena {
    /// The schema `id` names.
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
