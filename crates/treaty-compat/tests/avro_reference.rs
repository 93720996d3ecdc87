//! Treaty's Avro verdicts against the compatibility check of the
//! apache-avro crate, on generated schema pairs. Where the two disagree,
//! the specification's resolution rules decide; the known disagreements
//! are listed in `KNOWN` with the reason, and each has a fixture case in
//! `tests/data/compat/`.

use std::collections::HashMap;

use apache_avro::Schema;
use apache_avro::schema_compatibility::SchemaCompatibility;
use proptest::prelude::*;
use serde_json::{Value, json};
use treaty_compat::{DocumentSource, Policy, ReadError, diff};

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

fn field_type() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("int")),
        Just(json!("long")),
        Just(json!("float")),
        Just(json!("double")),
        Just(json!("string")),
        Just(json!("bytes")),
        Just(json!("boolean")),
        Just(json!(["null", "string"])),
        Just(json!(["null", "int"])),
        Just(json!(["null", "long"])),
        prop::collection::btree_set("[A-D]", 1..4)
            .prop_map(|s| json!({"type": "enum", "name": "E", "symbols": s})),
        prop::collection::btree_set("[A-D]", 1..4).prop_map(
            |s| json!({"type": "enum", "name": "E", "symbols": s, "default": s.iter().next()})
        ),
        Just(json!({"type": "array", "items": "int"})),
        Just(json!({"type": "array", "items": "long"})),
        Just(json!({"type": "map", "values": "string"})),
    ]
}

fn default_for(t: &Value) -> Value {
    match t {
        Value::String(s) => match s.as_str() {
            "int" | "long" => json!(0),
            "float" | "double" => json!(0.5),
            "boolean" => json!(false),
            _ => json!(""),
        },
        Value::Array(_) => Value::Null,
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("enum") => o["symbols"][0].clone(),
            Some("array") => json!([]),
            _ => json!({}),
        },
        _ => Value::Null,
    }
}

fn record() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-e]", (field_type(), any::<bool>()), 1..5).prop_map(|fields| {
        let fields: Vec<Value> = fields
            .into_iter()
            .map(|(name, (t, with_default))| {
                let mut f = json!({"name": name, "type": t});
                if with_default {
                    f["default"] = default_for(&f["type"]);
                }
                f
            })
            .collect();
        json!({"type": "record", "name": "R", "namespace": "t", "fields": fields})
    })
}

/// Whether Treaty finds the pair compatible under a policy.
fn treaty_ok(old: &Value, new: &Value, policy: Policy) -> Result<bool, String> {
    let mut files = Files::default();
    files.0.insert("old.avsc".into(), old.to_string());
    files.0.insert("new.avsc".into(), new.to_string());
    let d = diff(&files, "old.avsc", &files, "new.avsc", None)
        .map_err(|e| e.diagnostic.message.clone())?;
    Ok(!d.changes.iter().any(|c| c.violates(policy)))
}

fn reference_ok(writer: &Value, reader: &Value) -> Option<bool> {
    let w = Schema::parse_str(&writer.to_string()).ok()?;
    let r = Schema::parse_str(&reader.to_string()).ok()?;
    Some(SchemaCompatibility::can_read(&w, &r).is_ok())
}

/// Disagreements where the specification sides with Treaty, by reason.
/// Each has a fixture case in `tests/data/compat/`.
fn known(reader: &Value, ours: bool, reference: bool) -> Option<&'static str> {
    let text = reader.to_string();
    // Spec 1.9+: "if the writer's symbol is not present in the reader's
    // enum and the reader has a default value, then that value is used".
    // apache-avro 0.21 ignores the reader's enum default.
    // Case: avro-enum-symbol-removed-with-default.
    if ours && !reference && text.contains("\"type\":\"enum\"") && text.contains("\"default\"") {
        return Some("enum default");
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn treaty_agrees_with_apache_avro(old in record(), new in record()) {
        // Backward: the new schema reads old data. Forward: the reverse.
        if let Some(reference) = reference_ok(&old, &new) {
            let ours = treaty_ok(&old, &new, Policy::Backward).map_err(TestCaseError::fail)?;
            if known(&new, ours, reference).is_none() {
                prop_assert_eq!(ours, reference, "backward\nold: {}\nnew: {}", old, new);
            }
        }
        if let Some(reference) = reference_ok(&new, &old) {
            let ours = treaty_ok(&old, &new, Policy::Forward).map_err(TestCaseError::fail)?;
            if known(&old, ours, reference).is_none() {
                prop_assert_eq!(ours, reference, "forward\nold: {}\nnew: {}", old, new);
            }
        }
    }
}
