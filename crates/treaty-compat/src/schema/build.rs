//! Reading one schema object's keywords into a [`Schema`], the
//! differences between dialects included, and merging `allOf` branches.

use std::sync::Arc;

use treaty_syntax::{Node, Resolved, Value};

use super::normalize::Normalizer;
use super::{Additional, Bound, Dialect, Schema, SchemaId, canonical, types};
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
        s.title = string(node.get("title"));
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
pub(super) fn merge(s: &mut Schema, o: &Schema) {
    s.types &= o.types;
    if s.enumeration.is_none() {
        s.enumeration.clone_from(&o.enumeration);
    }
    macro_rules! first {
        ($($f:ident)*) => { $( if s.$f.is_none() { s.$f.clone_from(&o.$f); } )* };
    }
    first!(title constant format minimum maximum multiple_of min_length max_length pattern min_items max_items items min_properties max_properties default discriminator);
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

pub(super) fn pure_ref(node: &Node) -> Option<&str> {
    let map = node.as_map()?;
    let r = node.get("$ref")?.as_str()?;
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
