//! Invariants of the engine on generated schemas: a schema diffed with
//! itself has no changes, whatever the key order or the syntax (YAML or
//! JSON); adding an optional property to an open response object never
//! breaks anyone.

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use treaty_compat::{DocumentSource, Level, Policy, ReadError, diff};

#[derive(Default)]
struct Files(HashMap<String, String>);

impl DocumentSource for Files {
    fn read(&self, path: &str, _max: usize) -> Result<Vec<u8>, ReadError> {
        self.0
            .get(path)
            .map(|t| t.clone().into_bytes())
            .ok_or(ReadError::NotFound)
    }
}

fn schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!({"type": "string"})),
        (1u64..100).prop_map(|n| json!({"type": "string", "maxLength": n})),
        Just(json!({"type": "integer", "minimum": 0})),
        Just(json!({"type": "boolean"})),
        prop::collection::btree_set("[a-d]", 1..4)
            .prop_map(|v| json!({"type": "string", "enum": v})),
        Just(json!({"type": ["string", "null"]})),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::btree_map("[a-f]{1,3}", inner.clone(), 1..4)
                .prop_flat_map(|props| {
                    let names: Vec<String> = props.keys().cloned().collect();
                    (
                        Just(props),
                        prop::sample::subsequence(names.clone(), 0..=names.len()),
                        any::<bool>(),
                    )
                })
                .prop_map(|(props, required, closed)| {
                    let mut o =
                        json!({"type": "object", "properties": props, "required": required});
                    if closed {
                        o["additionalProperties"] = json!(false);
                    }
                    o
                }),
            inner
                .clone()
                .prop_map(|items| json!({"type": "array", "items": items})),
            prop::collection::vec(inner, 2..3).prop_map(|alts| json!({"oneOf": alts})),
        ]
    })
}

fn openapi(response: &Value, request: &Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things/{id}": {"post": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}
        }}},
        "components": {"schemas": {"In": request, "Out": response}}
    })
}

/// JSON text with every object's keys in reverse order.
fn reversed(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .rev()
                .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), reversed(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(reversed).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// Block YAML: every scalar as JSON (valid YAML), mappings and sequences indented.
fn yaml(v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| match v {
                Value::Object(o) if !o.is_empty() => {
                    format!("{pad}{}:\n{}", Value::from(k.as_str()), yaml(v, indent + 1))
                }
                Value::Array(a) if !a.is_empty() => {
                    format!("{pad}{}:\n{}", Value::from(k.as_str()), yaml(v, indent + 1))
                }
                _ => format!("{pad}{}: {}\n", Value::from(k.as_str()), v),
            })
            .collect(),
        Value::Array(a) if !a.is_empty() => a
            .iter()
            .map(|item| {
                let inner = yaml(item, indent + 1);
                format!("{pad}- {}", inner.trim_start())
            })
            .map(|s| if s.ends_with('\n') { s } else { s + "\n" })
            .collect(),
        other => format!("{pad}{other}\n"),
    }
}

fn changes(old: &str, new: &str) -> Vec<(String, Level)> {
    let mut files = Files::default();
    files.0.insert("old.json".into(), old.into());
    files.0.insert("new.json".into(), new.into());
    match diff(&files, "old.json", &files, "new.json", None) {
        Ok(d) => d
            .changes
            .iter()
            .map(|c| (c.rule.to_owned(), c.level(Policy::Backward)))
            .collect(),
        Err(e) => vec![(format!("error: {}", e.diagnostic.message), Level::Breaking)],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_spec_equals_itself_in_any_key_order_and_syntax(out in schema(), inp in schema()) {
        let doc = openapi(&out, &inp);
        let text = doc.to_string();
        prop_assert_eq!(changes(&text, &text), vec![]);
        prop_assert_eq!(changes(&text, &reversed(&doc)), vec![]);
        prop_assert_eq!(changes(&text, &yaml(&doc, 0)), vec![]);
    }

    #[test]
    fn an_optional_property_added_to_an_open_response_breaks_nobody(props in prop::collection::btree_map("[a-f]{1,3}", schema(), 1..4), extra in schema()) {
        let old = json!({"type": "object", "properties": props});
        let mut new = old.clone();
        new["properties"]["zz_new"] = extra;
        let found = changes(&openapi(&old, &json!({"type": "string"})).to_string(), &openapi(&new, &json!({"type": "string"})).to_string());
        prop_assert!(found.iter().all(|(_, level)| *level != Level::Breaking), "{:?}", found);
        prop_assert!(found.iter().any(|(rule, _)| rule == "optional-property-added"), "{:?}", found);
    }
}
