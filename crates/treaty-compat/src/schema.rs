//! JSON Schema (drafts 4 to 2020-12, and the OpenAPI 3.0 and 3.1 dialects)
//! normalised into an arena of [`Schema`]s: `$ref`s resolved (recursion
//! becomes a cycle of ids), `allOf` merged, `nullable` folded into the
//! type set. Comparison then works on structure, not on names.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use treaty_syntax::{Diagnostic, Node, Resolved, Span, Value};

use crate::document::{CompatError, DocumentSource, Documents, join_path, split_ref};

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

/// An object found by following references, and the tree that holds it.
#[derive(Debug, Clone)]
pub struct Located {
    pub file: String,
    pub pointer: String,
    pub tree: Arc<Node>,
}

impl Located {
    pub fn node(&self) -> Option<&Node> {
        self.tree.pointer(&self.pointer)
    }
}

/// Deepest nesting of schemas followed (refs included) before giving up.
const MAX_DEPTH: usize = 400;

/// Builds the arena for one side, reading referenced files as needed.
pub struct Normalizer<'a> {
    pub docs: &'a mut Documents,
    source: &'a dyn DocumentSource,
    pub arena: SchemaArena,
    dialect: Dialect,
    by_location: HashMap<(String, String), SchemaId>,
    depth: usize,
    /// Schemas being built (a reference to one is recursion).
    building: std::collections::HashSet<SchemaId>,
    /// `allOf` branches that were still being built when their parent was:
    /// merged once every schema is complete.
    pending_merges: Vec<(SchemaId, SchemaId)>,
}

impl std::fmt::Debug for Normalizer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalizer")
            .field("schemas", &self.arena.schemas.len())
            .finish()
    }
}

impl<'a> Normalizer<'a> {
    pub fn new(
        docs: &'a mut Documents,
        source: &'a dyn DocumentSource,
        dialect: Dialect,
    ) -> Normalizer<'a> {
        Normalizer {
            docs,
            source,
            arena: SchemaArena::default(),
            dialect,
            by_location: HashMap::new(),
            depth: 0,
            building: std::collections::HashSet::new(),
            pending_merges: Vec::new(),
        }
    }

    fn error(&self, code: &'static str, message: String, span: Span) -> CompatError {
        CompatError::new(
            Diagnostic::error(code, message).at(span).unreadable(),
            &self.docs.sources,
        )
    }

    /// The schema at `pointer` in `file`, shared by every reference to it.
    pub fn schema(
        &mut self,
        file: &str,
        pointer: &str,
        node: &Node,
    ) -> Result<SchemaId, CompatError> {
        let key = (file.to_owned(), pointer.to_owned());
        if let Some(&id) = self.by_location.get(&key) {
            return Ok(id);
        }
        // Follow chains of pure references to the schema with content.
        if let Some(reference) = pure_ref(node) {
            let (target_file, target_ptr) =
                self.follow(file, reference, node.span, &mut Vec::new())?;
            let id = self.schema_at(&target_file, &target_ptr, node.span)?;
            self.by_location.insert(key, id);
            return Ok(id);
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(
                "schema-too-deep",
                format!("schemas nest deeper than {MAX_DEPTH} levels"),
                node.span,
            ));
        }
        let id = SchemaId(self.arena.schemas.len() as u32);
        self.arena.schemas.push(Schema::default());
        self.by_location.insert(key, id);
        self.building.insert(id);
        let result = self.build(id, file, pointer, node);
        self.building.remove(&id);
        self.depth -= 1;
        let mut schema = result?;
        if schema.name.is_none() {
            schema.name = schema_name(pointer);
        }
        self.arena.schemas[id.0 as usize] = schema;
        Ok(id)
    }

    /// The schema at `pointer` in `file` (read if needed); `at` is the
    /// reference that leads there, for errors.
    pub fn schema_at(
        &mut self,
        file: &str,
        pointer: &str,
        at: Span,
    ) -> Result<SchemaId, CompatError> {
        if let Some(&id) = self.by_location.get(&(file.to_owned(), pointer.to_owned())) {
            return Ok(id);
        }
        let (_, tree) = self.docs.load(self.source, file, Some(at))?;
        let Some(node) = tree.pointer(pointer) else {
            return Err(self.error(
                "dangling-ref",
                format!("`{pointer}` is not in `{file}`"),
                at,
            ));
        };
        self.schema(file, pointer, node)
    }

    /// The object (a parameter, a response, a schema...) that `node` at
    /// `pointer` in `file` is or refers to, following `$ref`s.
    pub fn object(
        &mut self,
        file: &str,
        pointer: &str,
        node: &Node,
    ) -> Result<Located, CompatError> {
        let (file, pointer) = match node.get("$ref").and_then(Node::as_str) {
            Some(r) => self.follow(file, r, node.span, &mut Vec::new())?,
            None => (file.to_owned(), pointer.to_owned()),
        };
        let (_, tree) = self.docs.load(self.source, &file, Some(node.span))?;
        Ok(Located {
            file,
            pointer,
            tree,
        })
    }

    /// Resolves `reference` (found in `file`) to the location it designates,
    /// following further pure references; refuses remote references and
    /// cycles of references with no schema in between.
    fn follow(
        &mut self,
        file: &str,
        reference: &str,
        at: Span,
        seen: &mut Vec<(String, String)>,
    ) -> Result<(String, String), CompatError> {
        if reference.contains("://") {
            return Err(self.error(
                "remote-ref",
                format!("`$ref: {reference}` points at a remote URL: Treaty reads local and relative files only"),
                at,
            ));
        }
        let (target_file, pointer) = split_ref(reference);
        let target_file = match target_file {
            None => file.to_owned(),
            Some(f) => join_path(file, f),
        };
        let (_, tree) = self.docs.load(self.source, &target_file, Some(at))?;
        let Some(target) = tree.pointer(pointer) else {
            return Err(self.error(
                "dangling-ref",
                format!(
                    "`$ref: {reference}` points at nothing: `{pointer}` is not in `{target_file}`"
                ),
                at,
            ));
        };
        let location = (target_file.clone(), pointer.to_owned());
        if seen.contains(&location) {
            return Err(self.error(
                "ref-cycle",
                format!("`$ref: {reference}` is part of a cycle of references that never reaches a schema"),
                at,
            ));
        }
        seen.push(location);
        if let Some(next) = pure_ref(target) {
            let span = target.span;
            let next = next.to_owned();
            return self.follow(&target_file, &next, span, seen);
        }
        Ok((target_file, pointer.to_owned()))
    }

    fn child(
        &mut self,
        file: &str,
        pointer: &str,
        key: &str,
        node: &Node,
    ) -> Result<SchemaId, CompatError> {
        let p = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        self.schema(file, &p, node)
    }

    /// The arena, with the `allOf` merges that had to wait for recursion.
    pub fn finish(mut self) -> SchemaArena {
        for (target, branch) in std::mem::take(&mut self.pending_merges).into_iter().rev() {
            let other = self.arena.get(branch).clone();
            merge(&mut self.arena.schemas[target.0 as usize], &other);
        }
        self.arena
    }

    fn build(
        &mut self,
        id: SchemaId,
        file: &str,
        pointer: &str,
        node: &Node,
    ) -> Result<Schema, CompatError> {
        let mut s = Schema {
            span: node.span,
            file: Arc::from(file),
            pointer: pointer.to_owned(),
            types: types::ALL,
            ..Schema::default()
        };
        match &node.value {
            Value::Scalar(sc) => {
                // Boolean schemas: `true` accepts anything, `false` nothing.
                if matches!(sc.resolve(), Resolved::Bool(false)) {
                    s.types = 0;
                }
                return Ok(s);
            }
            Value::Seq(_) => return Ok(s),
            Value::Map(_) => {}
        }
        // `$ref` beside other keywords (allowed in 3.1 and 2019-09+): the
        // referenced schema applies too, as in an `allOf`.
        let mut all_of: Vec<SchemaId> = Vec::new();
        if let Some(r) = node.get("$ref").and_then(Node::as_str) {
            let (tf, tp) = self.follow(file, r, node.span, &mut Vec::new())?;
            all_of.push(self.schema_at(&tf, &tp, node.span)?);
        }
        if let Some(t) = node.get("type") {
            let mut set = 0u8;
            let names: Vec<&str> = match (&t.value, t.as_str()) {
                (_, Some(one)) => vec![one],
                (Value::Seq(items), _) => items.iter().filter_map(Node::as_str).collect(),
                _ => vec![],
            };
            for name in names {
                set |= types::from_name(name).unwrap_or(0);
            }
            s.types = set;
        }
        if self.dialect == Dialect::OpenApi30
            && is_true(node.get("nullable"))
            && s.types != types::ALL
        {
            s.types |= types::NULL;
        }
        if let Some(values) = node.get("enum").and_then(Node::as_seq) {
            s.enumeration = Some(values.iter().map(canonical).collect());
        }
        s.constant = node.get("const").map(canonical);
        s.format = string(node.get("format"));
        s.pattern = string(node.get("pattern"));
        s.multiple_of = number(node.get("multipleOf"));
        s.minimum = bound(node, "minimum", "exclusiveMinimum", true);
        s.maximum = bound(node, "maximum", "exclusiveMaximum", false);
        s.min_length = count(node.get("minLength"));
        s.max_length = count(node.get("maxLength"));
        s.min_items = count(node.get("minItems"));
        s.max_items = count(node.get("maxItems"));
        s.min_properties = count(node.get("minProperties"));
        s.max_properties = count(node.get("maxProperties"));
        s.unique_items = is_true(node.get("uniqueItems"));
        s.read_only = is_true(node.get("readOnly"));
        s.write_only = is_true(node.get("writeOnly"));
        s.deprecated = is_true(node.get("deprecated"));
        s.default = node.get("default").map(canonical);
        s.discriminator = node.get("discriminator").and_then(|d| {
            let property = d.get("propertyName").and_then(Node::as_str)?.to_owned();
            Some((property, d.get("mapping").map(canonical)))
        });
        if let Some(req) = node.get("required").and_then(Node::as_seq) {
            s.required = req
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect();
        }
        if let Some(props) = node.get("properties").and_then(Node::as_map) {
            let base = format!("{pointer}/properties");
            for (k, v) in props {
                let Some(name) = k.as_scalar().map(|k| k.text.clone()) else {
                    continue;
                };
                let id = self.child(file, &base, &name, v)?;
                s.properties.insert(name, id);
            }
        }
        s.pattern_properties = node
            .get("patternProperties")
            .and_then(Node::as_map)
            .is_some_and(|m| !m.is_empty());
        let additional = node
            .get("additionalProperties")
            .or_else(|| node.get("unevaluatedProperties"));
        if let Some(a) = additional {
            s.additional = match a.as_scalar().map(|s| s.resolve()) {
                Some(Resolved::Bool(false)) => Additional::Forbidden,
                Some(Resolved::Bool(true)) => Additional::Any,
                _ => Additional::Schema(self.child(file, pointer, "additionalProperties", a)?),
            };
        }
        match node.get("items") {
            Some(items) if items.as_seq().is_some() => {
                // Draft 4-7 tuple form.
                for (i, item) in items.as_seq().unwrap_or_default().iter().enumerate() {
                    let id = self.child(file, &format!("{pointer}/items"), &i.to_string(), item)?;
                    s.prefix_items.push(id);
                }
            }
            Some(items) => s.items = Some(self.child(file, pointer, "items", items)?),
            None => {}
        }
        if let Some(prefix) = node.get("prefixItems").and_then(Node::as_seq) {
            for (i, item) in prefix.iter().enumerate() {
                let id = self.child(
                    file,
                    &format!("{pointer}/prefixItems"),
                    &i.to_string(),
                    item,
                )?;
                s.prefix_items.push(id);
            }
        }
        for (key, list) in [("oneOf", &mut s.one_of), ("anyOf", &mut s.any_of)] {
            if let Some(branches) = node.get(key).and_then(Node::as_seq) {
                for (i, b) in branches.iter().enumerate() {
                    let id = self.child(file, &format!("{pointer}/{key}"), &i.to_string(), b)?;
                    list.push(id);
                }
            }
        }
        if let Some(branches) = node.get("allOf").and_then(Node::as_seq) {
            for (i, b) in branches.iter().enumerate() {
                all_of.push(self.child(file, &format!("{pointer}/allOf"), &i.to_string(), b)?);
            }
        }
        for branch in all_of {
            if self.building.contains(&branch) {
                self.pending_merges.push((id, branch));
            } else {
                let other = self.arena.get(branch).clone();
                merge(&mut s, &other);
            }
        }
        Ok(s)
    }
}

/// Folds an `allOf` branch into a schema: both constraints apply.
fn merge(s: &mut Schema, o: &Schema) {
    s.types &= o.types;
    if s.enumeration.is_none() {
        s.enumeration.clone_from(&o.enumeration);
    }
    macro_rules! first {
        ($($f:ident)*) => { $( if s.$f.is_none() { s.$f.clone_from(&o.$f); } )* };
    }
    first!(constant format minimum maximum multiple_of min_length max_length pattern min_items max_items items min_properties max_properties default discriminator);
    s.unique_items |= o.unique_items;
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
    s.pattern_properties |= o.pattern_properties;
    if s.one_of.is_empty() {
        s.one_of.clone_from(&o.one_of);
    }
    if s.any_of.is_empty() {
        s.any_of.clone_from(&o.any_of);
    }
    s.read_only |= o.read_only;
    s.write_only |= o.write_only;
    s.deprecated |= o.deprecated;
}

fn pure_ref(node: &Node) -> Option<&str> {
    let map = node.as_map()?;
    let r = node.get("$ref")?.as_str()?;
    // Annotations beside a `$ref` do not change what it accepts.
    let only_annotations = map.iter().all(|(k, _)| {
        matches!(
            k.as_scalar().map(|s| s.text.as_str()),
            Some(
                "$ref" | "description" | "summary" | "title" | "example" | "examples" | "$comment"
            )
        )
    });
    only_annotations.then_some(r)
}

fn schema_name(pointer: &str) -> Option<String> {
    let mut parts = pointer.rsplit('/');
    let last = parts.next()?;
    let parent = parts.next()?;
    matches!(parent, "schemas" | "definitions" | "$defs")
        .then(|| last.replace("~1", "/").replace("~0", "~"))
}

fn is_true(node: Option<&Node>) -> bool {
    matches!(
        node.and_then(Node::as_scalar).map(|s| s.resolve()),
        Some(Resolved::Bool(true))
    )
}

fn string(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::as_str).map(str::to_owned)
}

fn number(node: Option<&Node>) -> Option<f64> {
    match node?.as_scalar()?.resolve() {
        Resolved::Int(i) => Some(i as f64),
        Resolved::UInt(u) => Some(u as f64),
        Resolved::Float(f) if f.is_finite() => Some(f),
        _ => None,
    }
}

fn count(node: Option<&Node>) -> Option<u64> {
    number(node).filter(|n| *n >= 0.0).map(|n| n as u64)
}

/// The effective lower (`lower`) or upper bound from the inclusive keyword
/// and its exclusive twin (boolean in OpenAPI 3.0 and draft 4, numeric since).
fn bound(node: &Node, inclusive: &str, exclusive: &str, lower: bool) -> Option<Bound> {
    let inc = number(node.get(inclusive));
    let exc = node.get(exclusive);
    let mut result = inc.map(|value| Bound {
        value,
        exclusive: is_true(exc),
    });
    if let Some(value) = number(exc) {
        let candidate = Bound {
            value,
            exclusive: true,
        };
        result = Some(match result {
            None => candidate,
            Some(b) => {
                let tighter = if lower {
                    value >= b.value
                } else {
                    value <= b.value
                };
                if tighter { candidate } else { b }
            }
        });
    }
    result
}

/// A canonical JSON text of a node: keys sorted, scalars resolved, so that
/// equal values written differently compare equal.
pub fn canonical(node: &Node) -> String {
    let mut out = String::new();
    write_canonical(node, &mut out);
    out
}

fn write_canonical(node: &Node, out: &mut String) {
    match &node.value {
        Value::Scalar(s) => match s.resolve() {
            Resolved::Null => out.push_str("null"),
            Resolved::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Resolved::Int(i) => out.push_str(&i.to_string()),
            Resolved::UInt(u) => out.push_str(&u.to_string()),
            Resolved::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                out.push_str(&(f as i64).to_string())
            }
            Resolved::Float(f) => out.push_str(&f.to_string()),
            Resolved::Str(t) => out.push_str(&format!("{t:?}")),
        },
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let mut sorted: Vec<&(Node, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| {
                a.0.as_scalar()
                    .map(|s| &s.text)
                    .cmp(&b.0.as_scalar().map(|s| &s.text))
            });
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!(
                    "{:?}:",
                    k.as_scalar().map(|s| s.text.as_str()).unwrap_or("")
                ));
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}
