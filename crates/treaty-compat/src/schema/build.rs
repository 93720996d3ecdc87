//! Reading one schema object's keywords into a [`Schema`], the
//! differences between dialects included, and merging `allOf` branches.

use std::collections::BTreeSet;

use treaty_syntax::{Node, Resolved, Value};

use super::keywords::Keywords;
use super::merge::merge;
use super::normalize::Normalizer;
use super::{Additional, Bound, Conditional, Dialect, Schema, SchemaId, canonical, types};
use crate::document::CompatError;

impl Normalizer<'_> {
    pub(super) fn build(
        &mut self,
        id: SchemaId,
        file: &str,
        pointer: &str,
        node: &Node,
    ) -> Result<Schema, CompatError> {
        let mut s = Schema {
            span: node.span,
            file: self.file_name(file),
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
        let kw = Keywords::of(node);
        // `$ref` beside other keywords (allowed in 3.1 and 2019-09+): the
        // referenced schema applies too, as in an `allOf`.
        let mut all_of: Vec<SchemaId> = Vec::new();
        if let Some(r) = kw.get("$ref").and_then(Node::as_str) {
            let (tf, tp) = self.follow(file, r, node.span, &mut Vec::new())?;
            all_of.push(self.schema_at(&tf, &tp, node.span)?);
        }
        if let Some(t) = kw.get("type") {
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
        if is_true(kw.get("nullable")) {
            if self.dialect != Dialect::OpenApi30 {
                s.nullable_ignored = Some(
                    "`nullable` is not a keyword of OpenAPI 3.1 or JSON Schema: write `null` among the types",
                );
            } else if s.types != types::ALL {
                s.types |= types::NULL;
            } else {
                s.nullable_ignored = Some(
                    "OpenAPI 3.0.3: `nullable` allows null only beside a `type` in the same schema",
                );
            }
        }
        if let Some(values) = kw.get("enum").and_then(Node::as_seq) {
            s.enumeration = Some(values.iter().map(canonical).collect());
        }
        s.constant = kw.get("const").map(canonical);
        s.format = string(kw.get("format"));
        s.pattern = string(kw.get("pattern"));
        s.title = string(kw.get("title"));
        s.multiple_of = number(kw.get("multipleOf"));
        s.minimum = bound(&kw, "minimum", "exclusiveMinimum", true);
        s.maximum = bound(&kw, "maximum", "exclusiveMaximum", false);
        s.min_length = count(kw.get("minLength"));
        s.max_length = count(kw.get("maxLength"));
        s.min_items = count(kw.get("minItems"));
        s.max_items = count(kw.get("maxItems"));
        s.min_properties = count(kw.get("minProperties"));
        s.max_properties = count(kw.get("maxProperties"));
        s.unique_items = is_true(kw.get("uniqueItems"));
        s.read_only = is_true(kw.get("readOnly"));
        s.write_only = is_true(kw.get("writeOnly"));
        s.deprecated = is_true(kw.get("deprecated"));
        s.default = kw.get("default").map(canonical);
        s.discriminator = kw.get("discriminator").and_then(|d| {
            let property = d.get("propertyName").and_then(Node::as_str)?.to_owned();
            Some((property, d.get("mapping").map(canonical)))
        });
        self.object_keywords(&mut s, file, pointer, &kw)?;
        self.array_keywords(&mut s, file, pointer, &kw)?;
        for (key, list) in [("oneOf", &mut s.one_of), ("anyOf", &mut s.any_of)] {
            if let Some(branches) = kw.get(key).and_then(Node::as_seq) {
                for (i, b) in branches.iter().enumerate() {
                    let id = self.item(file, pointer, key, i, b)?;
                    list.push(id);
                }
            }
        }
        if let Some(branches) = kw.get("allOf").and_then(Node::as_seq) {
            for (i, b) in branches.iter().enumerate() {
                all_of.push(self.item(file, pointer, "allOf", i, b)?);
            }
        }
        if let Some(not) = kw.get("not") {
            s.not = Some(self.child(file, pointer, "not", not)?);
        }
        if let Some(condition) = kw.get("if") {
            let condition = self.child(file, pointer, "if", condition)?;
            let mut branch = |key: &str| match kw.get(key) {
                Some(b) => self.child(file, pointer, key, b).map(Some),
                None => Ok(None),
            };
            let then = branch("then")?;
            let otherwise = branch("else")?;
            s.conditional = Some(Conditional {
                condition,
                then,
                otherwise,
            });
        }
        for branch in all_of {
            if self.building.contains(&branch) {
                self.pending_merges.push((id, branch));
            } else {
                let mut other = self.arena.get(branch).clone();
                self.conjoin_shared_properties(&mut s, &mut other);
                if !merge(&mut s, &other) {
                    s.all_of.push(branch);
                }
            }
        }
        Ok(s)
    }

    /// A property both `s` and an `allOf` branch declare, with schemas of
    /// their own: both apply, so each side gets one schema holding both
    /// (folded when exact), and the branch folds into `s` by that name.
    fn conjoin_shared_properties(&mut self, s: &mut Schema, other: &mut Schema) {
        let shared: Vec<(String, SchemaId, SchemaId)> = s
            .properties
            .iter()
            .filter_map(|(k, &a)| {
                let b = *other.properties.get(k)?;
                (a != b && !self.building.contains(&a) && !self.building.contains(&b))
                    .then(|| (k.clone(), a, b))
            })
            .collect();
        for (name, a, b) in shared {
            let mut both = self.arena.get(a).clone();
            let second = self.arena.get(b).clone();
            if !merge(&mut both, &second) {
                both.all_of.push(b);
            }
            let id = SchemaId(self.arena.schemas.len() as u32);
            self.arena.schemas.push(both);
            s.properties.insert(name.clone(), id);
            other.properties.insert(name, id);
        }
    }

    /// `properties`, `required`, `additionalProperties`,
    /// `patternProperties`, `unevaluatedProperties` and the dependencies.
    fn object_keywords(
        &mut self,
        s: &mut Schema,
        file: &str,
        pointer: &str,
        kw: &Keywords<'_>,
    ) -> Result<(), CompatError> {
        if let Some(req) = kw.get("required").and_then(Node::as_seq) {
            s.required = names(req);
        }
        if let Some(props) = kw.get("properties").and_then(Node::as_map) {
            let base = format!("{pointer}/properties");
            for (k, v) in props {
                let Some(name) = k.as_scalar().map(|k| k.text.clone()) else {
                    continue;
                };
                let id = self.child(file, &base, &name, v)?;
                s.properties.insert(name, id);
            }
        }
        if let Some(patterns) = kw.get("patternProperties").and_then(Node::as_map) {
            let base = format!("{pointer}/patternProperties");
            for (k, v) in patterns {
                let Some(pattern) = k.as_scalar().map(|k| k.text.clone()) else {
                    continue;
                };
                let id = self.child(file, &base, &pattern, v)?;
                s.pattern_properties.push((pattern, id));
            }
        }
        if let Some(a) = kw.get("additionalProperties") {
            s.additional_written = true;
            s.additional = self.additional(file, pointer, "additionalProperties", a)?;
        }
        if let Some(u) = kw.get("unevaluatedProperties") {
            s.unevaluated_properties =
                Some(self.additional(file, pointer, "unevaluatedProperties", u)?);
        }
        // `dependencies` (drafts 4 to 7) is `dependentRequired` for a list
        // of names and `dependentSchemas` for a schema.
        for key in ["dependencies", "dependentRequired", "dependentSchemas"] {
            let Some(map) = kw.get(key).and_then(Node::as_map) else {
                continue;
            };
            let base = format!("{pointer}/{key}");
            for (k, v) in map {
                let Some(name) = k.as_scalar().map(|k| k.text.clone()) else {
                    continue;
                };
                match v.as_seq() {
                    Some(list) if key != "dependentSchemas" => {
                        s.dependent_required
                            .entry(name)
                            .or_default()
                            .extend(names(list));
                    }
                    None if key != "dependentRequired" => {
                        let id = self.child(file, &base, &name, v)?;
                        s.dependent_schemas.entry(name).or_insert(id);
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// `items` (a schema, or a draft-4..2019 tuple with `additionalItems`),
    /// `prefixItems`, `unevaluatedItems` and `contains` with its counts.
    fn array_keywords(
        &mut self,
        s: &mut Schema,
        file: &str,
        pointer: &str,
        kw: &Keywords<'_>,
    ) -> Result<(), CompatError> {
        match kw.get("items") {
            Some(items) if items.as_seq().is_some() => {
                for (i, item) in items.as_seq().unwrap_or_default().iter().enumerate() {
                    let id = self.item(file, pointer, "items", i, item)?;
                    s.prefix_items.push(id);
                }
                // `additionalItems` applies after a tuple only.
                if let Some(rest) = kw.get("additionalItems") {
                    s.items = Some(self.child(file, pointer, "additionalItems", rest)?);
                    s.items_written = true;
                }
            }
            Some(items) => {
                s.items = Some(self.child(file, pointer, "items", items)?);
                s.items_written = true;
            }
            None => {}
        }
        if let Some(prefix) = kw.get("prefixItems").and_then(Node::as_seq) {
            for (i, item) in prefix.iter().enumerate() {
                let id = self.item(file, pointer, "prefixItems", i, item)?;
                s.prefix_items.push(id);
            }
        }
        if let Some(u) = kw.get("unevaluatedItems") {
            s.unevaluated_items = Some(self.child(file, pointer, "unevaluatedItems", u)?);
        }
        if let Some(c) = kw.get("contains") {
            s.contains = Some(self.child(file, pointer, "contains", c)?);
            s.min_contains = count(kw.get("minContains"));
            s.max_contains = count(kw.get("maxContains"));
        }
        Ok(())
    }

    /// `additionalProperties` or `unevaluatedProperties`: `false`, `true`
    /// or a schema.
    fn additional(
        &mut self,
        file: &str,
        pointer: &str,
        key: &str,
        node: &Node,
    ) -> Result<Additional, CompatError> {
        Ok(match node.as_scalar().map(|s| s.resolve()) {
            Some(Resolved::Bool(false)) => Additional::Forbidden,
            Some(Resolved::Bool(true)) => Additional::Any,
            _ => Additional::Schema(self.child(file, pointer, key, node)?),
        })
    }
}

fn names(list: &[Node]) -> BTreeSet<String> {
    list.iter()
        .filter_map(Node::as_str)
        .map(str::to_owned)
        .collect()
}

/// The reference a schema object is, when it is nothing more: a `$ref`
/// with annotations beside it only, or with anything beside it in
/// OpenAPI 3.0, whose Reference Object ignores its siblings (so
/// `nullable: true` beside a `$ref` changes nothing there).
pub(super) fn pure_ref(node: &Node, dialect: Dialect) -> Option<&str> {
    let map = node.as_map()?;
    let r = node.get("$ref")?.as_str()?;
    if dialect == Dialect::OpenApi30 {
        return Some(r);
    }
    // Annotations and extensions (`x-...`) beside a `$ref` do not change
    // what it accepts.
    let only_annotations = map.iter().all(|(k, _)| {
        matches!(
            k.as_scalar().map(|s| s.text.as_str()),
            Some(
                "$ref" | "description" | "summary" | "title" | "example" | "examples" | "$comment"
            )
        ) || k.as_scalar().is_some_and(|s| s.text.starts_with("x-"))
    });
    only_annotations.then_some(r)
}

pub(super) fn schema_name(pointer: &str) -> Option<String> {
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
fn bound(kw: &Keywords<'_>, inclusive: &str, exclusive: &str, lower: bool) -> Option<Bound> {
    let inc = number(kw.get(inclusive));
    let exc = kw.get(exclusive);
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
