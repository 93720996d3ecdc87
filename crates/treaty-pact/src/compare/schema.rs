//! OpenAPI schemas as JSON Schema 2020-12 for the `jsonschema` crate.
//!
//! Where OpenAPI's rules decide: local `$ref`s resolve within the document
//! (the document's `components` travel with every schema); OpenAPI 3.0's
//! `nullable: true` becomes a type union with `null` and its boolean
//! `exclusiveMinimum`/`exclusiveMaximum` become 2020-12's numbers; `format`
//! is an annotation. For responses, as PactFlow's comparator does, what
//! the consumer expects must be something the provider documents: `required`
//! is dropped (a consumer may use a subset of the fields) and objects with
//! `properties` and no `additionalProperties` are closed, so an expected
//! field the provider does not describe is incompatible. Branches of `allOf`
//! are not closed one by one (that would refuse every object); the schema
//! holding the `allOf` is closed with `unevaluatedProperties` instead.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use serde_json::{Map, Value};

/// Most `$ref` hops followed to reach a parameter, response or body.
const MAX_REF_HOPS: usize = 32;

/// Which side of the exchange a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// What the consumer sends: the schema as written.
    Request,
    /// What the consumer expects: `required` dropped, objects closed.
    Response,
}

/// A compiled validator, or why the schema could not be compiled.
type Compiled = Result<Rc<jsonschema::Validator>, String>;

/// Where a side's translated `components` live in its registry.
fn components_uri(side: Side) -> &'static str {
    match side {
        Side::Request => "urn:treaty:openapi:request",
        Side::Response => "urn:treaty:openapi:response",
    }
}

/// An OpenAPI document ready for comparisons.
pub struct Spec<'d> {
    /// The document.
    pub doc: &'d Value,
    /// Version 3.0 (`nullable`, boolean exclusive bounds).
    v30: bool,
    /// `components`, translated for requests.
    request_components: Value,
    /// `components`, translated for responses.
    response_components: Value,
    /// Per side, the translated `components` as one prepared resource
    /// that every validator resolves its `$ref`s in: a large description
    /// (Stripe's 4 MB) is indexed once, not once per schema (`Err`: the
    /// registry could not be built, and each validator carries the
    /// components it reaches instead).
    request_registry: Result<jsonschema::Registry<'static>, String>,
    response_registry: Result<jsonschema::Registry<'static>, String>,
    /// Validators by side and schema text: a schema (usually a `$ref`)
    /// is compiled once however many interactions use it.
    compiled: RefCell<HashMap<(Side, String), Compiled>>,
}

impl std::fmt::Debug for Spec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("v30", &self.v30)
            .field("compiled", &self.compiled.borrow().len())
            .finish_non_exhaustive()
    }
}

impl<'d> Spec<'d> {
    /// Prepares a document: its `components` translated for each side.
    pub fn new(doc: &'d Value) -> Spec<'d> {
        let v30 = doc
            .get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("3.0"));
        let mut all_of_targets = BTreeSet::new();
        collect_all_of_refs(doc, &mut all_of_targets, 0);
        let components = doc.get("components").cloned().unwrap_or(Value::Null);
        let translate = |side| {
            let mut c = components.clone();
            if let Some(schemas) = c.get_mut("schemas").and_then(Value::as_object_mut) {
                for (name, schema) in schemas.iter_mut() {
                    let target = format!("#/components/schemas/{}", crate::pact::escape(name));
                    let branch = all_of_targets.contains(&target);
                    translate_schema(schema, side, v30, branch, 0);
                }
            }
            c
        };
        let request_components = translate(Side::Request);
        let response_components = translate(Side::Response);
        Spec {
            doc,
            v30,
            request_registry: registry(Side::Request, &request_components),
            response_registry: registry(Side::Response, &response_components),
            request_components,
            response_components,
            compiled: RefCell::new(HashMap::new()),
        }
    }

    /// Follows local `$ref`s (`#/components/…`) to the value they name.
    pub fn deref(&self, mut value: &'d Value) -> &'d Value {
        for _ in 0..MAX_REF_HOPS {
            let Some(target) = value
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| self.doc.pointer(p))
            else {
                return value;
            };
            value = target;
        }
        value
    }

    /// Checks `instance` against `schema` as `side` reads it; the errors
    /// as `(pointer in the instance, message)`. A schema the validator
    /// cannot compile is `Err` with why.
    pub fn validate(
        &self,
        schema: &Value,
        instance: &Value,
        side: Side,
    ) -> Result<Vec<(String, String)>, String> {
        let key = (side, schema.to_string());
        let cached = self.compiled.borrow().get(&key).cloned();
        let validator = match cached {
            Some(compiled) => compiled?,
            None => {
                let compiled = self.compile(schema, side);
                self.compiled.borrow_mut().insert(key, compiled.clone());
                compiled?
            }
        };
        Ok(validator
            .iter_errors(instance)
            .take(20)
            .map(|e| (e.instance_path().as_str().to_owned(), e.to_string()))
            .collect())
    }

    fn compile(&self, schema: &Value, side: Side) -> Compiled {
        let mut root = schema.clone();
        translate_schema(&mut root, side, self.v30, false, 0);
        let registry = match side {
            Side::Request => &self.request_registry,
            Side::Response => &self.response_registry,
        };
        if let Ok(registry) = registry {
            point_refs_at(&mut root, components_uri(side), 0);
            return jsonschema::draft202012::options()
                .with_registry(registry)
                .build(&root)
                .map(Rc::new)
                .map_err(|e| e.to_string());
        }
        if let Value::Object(map) = &mut root {
            let components = match side {
                Side::Request => &self.request_components,
                Side::Response => &self.response_components,
            };
            map.insert("components".to_owned(), reachable(schema, components));
        }
        jsonschema::draft202012::options()
            .build(&root)
            .map(Rc::new)
            .map_err(|e| e.to_string())
    }
}

/// A side's translated `components` as a prepared registry of one
/// resource, `{"components": …}` at [`components_uri`], so that the
/// components' own `#/components/…` references resolve within it.
fn registry(side: Side, components: &Value) -> Result<jsonschema::Registry<'static>, String> {
    let contents = serde_json::json!({ "components": components });
    jsonschema::Registry::new()
        .add(
            components_uri(side),
            jsonschema::Draft::Draft202012.create_resource(contents),
        )
        .and_then(jsonschema::RegistryBuilder::prepare)
        .map_err(|e| e.to_string())
}

/// Points the local `#/components/…` references of a schema being
/// compiled at its side's registry resource (the schema itself holds no
/// `components`).
fn point_refs_at(value: &mut Value, uri: &str, depth: usize) {
    if depth > 512 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) if r.starts_with("#/components/") => {
                        *r = format!("{uri}{r}");
                    }
                    (_, v) => point_refs_at(v, uri, depth + 1),
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                point_refs_at(v, uri, depth + 1);
            }
        }
        _ => {}
    }
}

/// The entries of `components` a schema reaches through `$ref`s,
/// transitively: a description of thousands of schemas is not copied into
/// every validator.
fn reachable(schema: &Value, components: &Value) -> Value {
    let mut out: Map<String, Value> = Map::new();
    let mut seen = BTreeSet::new();
    let mut pending = Vec::new();
    collect_refs(schema, &mut pending, 0);
    while let Some(reference) = pending.pop() {
        let Some(rest) = reference.strip_prefix("#/components/") else {
            continue;
        };
        let mut tokens = rest.split('/');
        let (Some(section), Some(name)) = (tokens.next(), tokens.next()) else {
            continue;
        };
        let section = unescape(section);
        let name = unescape(name);
        if !seen.insert((section.clone(), name.clone())) {
            continue;
        }
        let Some(entry) = components.get(&section).and_then(|s| s.get(&name)) else {
            continue;
        };
        collect_refs(entry, &mut pending, 0);
        if let Value::Object(entries) = out
            .entry(section)
            .or_insert_with(|| Value::Object(Map::new()))
        {
            entries.insert(name, entry.clone());
        }
    }
    Value::Object(out)
}

fn unescape(token: &str) -> String {
    crate::compare::route::percent_decode(token)
        .replace("~1", "/")
        .replace("~0", "~")
}

fn collect_refs(value: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 512 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out, depth + 1),
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                collect_refs(v, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn collect_all_of_refs(value: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 512 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(items)) = map.get("allOf") {
                for item in items {
                    if let Some(r) = item.get("$ref").and_then(Value::as_str) {
                        out.insert(r.to_owned());
                    }
                }
            }
            for v in map.values() {
                collect_all_of_refs(v, out, depth + 1);
            }
        }
        Value::Array(items) => {
            for v in items {
                collect_all_of_refs(v, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Keywords whose value is one schema.
const SCHEMA_KEYWORDS: &[&str] = &[
    "items",
    "not",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
];

/// Keywords whose value is a map of schemas.
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties", "$defs", "definitions"];

/// Translates one schema in place (see the module's comment). `branch`:
/// the schema is an `allOf` branch and is not closed.
fn translate_schema(schema: &mut Value, side: Side, v30: bool, branch: bool, depth: usize) {
    let Value::Object(map) = schema else {
        return;
    };
    if depth > 512 {
        return;
    }
    if v30 {
        nullable(map);
        exclusive_bound(map, "exclusiveMinimum", "minimum");
        exclusive_bound(map, "exclusiveMaximum", "maximum");
    }
    for key in SCHEMA_KEYWORDS {
        if let Some(child) = map.get_mut(*key) {
            translate_schema(child, side, v30, false, depth + 1);
        }
    }
    for key in SCHEMA_MAPS {
        if let Some(Value::Object(children)) = map.get_mut(*key) {
            for child in children.values_mut() {
                translate_schema(child, side, v30, false, depth + 1);
            }
        }
    }
    for key in ["anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(items)) = map.get_mut(key) {
            for child in items {
                translate_schema(child, side, v30, false, depth + 1);
            }
        }
    }
    let has_all_of = if let Some(Value::Array(items)) = map.get_mut("allOf") {
        for child in items {
            translate_schema(child, side, v30, true, depth + 1);
        }
        true
    } else {
        false
    };
    if side == Side::Response {
        map.remove("required");
        let open =
            !map.contains_key("additionalProperties") && !map.contains_key("unevaluatedProperties");
        if open && !branch {
            if has_all_of {
                map.insert("unevaluatedProperties".to_owned(), Value::Bool(false));
            } else if map.contains_key("properties") {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
        }
    }
}

/// OpenAPI 3.0's `nullable: true` as a type union (and `null` among the
/// `enum` values, which 3.0.3 says `nullable` allows).
fn nullable(map: &mut Map<String, Value>) {
    if map.remove("nullable") != Some(Value::Bool(true)) {
        return;
    }
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert(
                "type".to_owned(),
                Value::Array(vec![Value::String(t), Value::String("null".to_owned())]),
            );
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push(Value::String("null".to_owned()));
            }
        }
        _ => {
            // No type: anything, null included; a composition gets null
            // as one more alternative.
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(items)) = map.get_mut(key) {
                    items.push(serde_json::json!({"type": "null"}));
                }
            }
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// 3.0's `exclusiveMinimum: true` beside `minimum: n` as 2020-12's
/// `exclusiveMinimum: n`.
fn exclusive_bound(map: &mut Map<String, Value>, exclusive: &str, bound: &str) {
    match map.get(exclusive) {
        Some(Value::Bool(true)) => {
            if let Some(n) = map.remove(bound) {
                map.insert(exclusive.to_owned(), n);
            } else {
                map.remove(exclusive);
            }
        }
        Some(Value::Bool(false)) => {
            map.remove(exclusive);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nullable_becomes_a_type_union() {
        let mut s = json!({"type": "string", "nullable": true, "enum": ["a"]});
        translate_schema(&mut s, Side::Request, true, false, 0);
        assert_eq!(s, json!({"type": ["string", "null"], "enum": ["a", null]}));
    }

    #[test]
    fn responses_drop_required_and_close_objects() {
        let mut s = json!({"type": "object", "required": ["a"], "properties": {"a": {}}});
        translate_schema(&mut s, Side::Response, false, false, 0);
        assert_eq!(
            s,
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false})
        );
    }

    #[test]
    fn exclusive_bounds_become_numbers() {
        let mut s = json!({"minimum": 0, "exclusiveMinimum": true});
        translate_schema(&mut s, Side::Request, true, false, 0);
        assert_eq!(s, json!({"exclusiveMinimum": 0}));
    }
}
