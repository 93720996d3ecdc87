//! The reader's errors, and a property: an interaction built from values
//! the schemas describe is compatible, whatever the values.

use proptest::prelude::*;
use serde_json::{Value, json};

fn spec() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Payments", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": {
            "/payments/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string", "pattern": "^pay_[0-9]+$"}}],
                "put": {
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Payment"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Payment"}}}}}
                }
            }
        },
        "components": {"schemas": {"Payment": {
            "type": "object",
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"type": "integer", "minimum": 1, "maximum": 1000000},
                "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
                "note": {"type": "string", "nullable": true, "maxLength": 20},
                "tags": {"type": "array", "items": {"type": "string"}}
            }
        }}}
    })
}

fn payment() -> impl Strategy<Value = Value> {
    (
        1i64..=1_000_000,
        prop::sample::select(vec!["EUR", "USD", "GBP"]),
        prop::option::of(prop::option::of("[a-z ]{0,20}")),
        prop::option::of(prop::collection::vec("[a-z]{1,8}", 0..4)),
    )
        .prop_map(|(amount, currency, note, tags)| {
            let mut p = json!({"amount": amount, "currency": currency});
            if let Some(note) = note {
                p["note"] = note.map_or(Value::Null, Value::String);
            }
            if let Some(tags) = tags {
                p["tags"] = json!(tags);
            }
            p
        })
}

fn pact(id: u32, request: &Value, response: &Value) -> Vec<u8> {
    json!({
        "consumer": {"name": "checkout"}, "provider": {"name": "payments"},
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
        "interactions": [{
            "description": "update a payment",
            "request": {"method": "PUT", "path": format!("/v1/payments/pay_{id}"),
                        "headers": {"Content-Type": "application/json"}, "body": request},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                         "body": response}
        }]
    })
    .to_string()
    .into_bytes()
}

proptest! {
    #[test]
    fn values_the_schema_describes_are_compatible(
        id in 0u32..100_000, request in payment(), response in payment()
    ) {
        let bytes = pact(id, &request, &response);
        let read = treaty_pact::read(&bytes, "pact.json");
        prop_assert!(read.is_ok(), "{read:?}");
        let Ok(read) = read else { return Ok(()) };
        let findings = treaty_pact::compare(&read, &spec());
        prop_assert!(findings.is_empty(), "{findings:#?}");
    }
}

#[test]
fn a_syntax_error_names_its_line() {
    let text = b"{\n  \"interactions\": [\n    {\"description\": \"x\",,}\n  ]\n}\n";
    let error = treaty_pact::read(text, "pact.json").err();
    assert_eq!(error.and_then(|e| e.line), Some(3));
}

#[test]
fn a_missing_field_names_its_pointer_and_line() {
    let text = b"{\n  \"interactions\": [\n    {\"description\": \"x\",\n     \"response\": {\"status\": 200}}\n  ]\n}\n";
    let error = treaty_pact::read(text, "pact.json").err();
    let got = error.map(|e| (e.pointer, e.line));
    assert_eq!(got, Some(("/interactions/0".to_owned(), Some(3))));
}

#[test]
fn too_many_interactions_are_refused() {
    let one = json!({"description": "x", "request": {"method": "GET", "path": "/"},
                     "response": {"status": 200}});
    let list: Vec<Value> = (0..=treaty_pact::MAX_INTERACTIONS)
        .map(|_| one.clone())
        .collect();
    let text = json!({ "interactions": list }).to_string();
    let error = treaty_pact::read(text.as_bytes(), "pact.json").err();
    assert!(error.is_some_and(|e| e.message.contains("limit")));
}

#[test]
fn messages_are_read_and_plugin_messages_skipped() {
    let text = json!({
        "metadata": {"pactSpecification": {"version": "4.0"}},
        "interactions": [{"type": "Asynchronous/Messages", "description": "settled",
                          "contents": {"content": {"id": "p-1"}, "contentType": "application/json"},
                          "metadata": {"topic": "payments.settled"}},
                         {"type": "Synchronous/Messages", "description": "ask",
                          "request": {"contents": {"content": {}}, "metadata": {"channel": "asks"}},
                          "response": [{"contents": {"content": {"ok": true}}}]},
                         {"type": "Synchronous/Messages", "description": "grpc call",
                          "pluginConfiguration": {"protobuf": {"descriptorKey": "k"}},
                          "request": {"contents": {"content": ""}}, "response": []}]
    })
    .to_string();
    let read = treaty_pact::read(text.as_bytes(), "pact.json");
    let counts = read
        .as_ref()
        .map(|p| (p.interactions.len(), p.messages.len(), p.skipped.len()));
    // The synchronous exchange is its request and its reply.
    assert_eq!(counts, Ok((0, 3, 1)));
    let exchange: Vec<(String, treaty_pact::Exchange)> = read
        .as_ref()
        .map(|p| {
            p.messages
                .iter()
                .map(|m| (m.pointer.clone(), m.exchange.clone()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        exchange,
        vec![
            (
                "/interactions/0".to_owned(),
                treaty_pact::Exchange::Received
            ),
            (
                "/interactions/1/request".to_owned(),
                treaty_pact::Exchange::Request
            ),
            (
                "/interactions/1/response/0".to_owned(),
                treaty_pact::Exchange::Reply {
                    request_channel: Some("asks".to_owned())
                }
            ),
        ]
    );
    let message = read.ok().and_then(|p| p.messages.into_iter().next());
    assert_eq!(
        message.as_ref().and_then(|m| m.metadata("topic")),
        Some("payments.settled")
    );
    assert_eq!(
        message.and_then(|m| m.body).map(|b| (b.at, b.content_type)),
        Some(("/contents/content", Some("application/json".to_owned())))
    );
    // v3 message pacts: `messages` and `metaData`.
    let v3 = json!({
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
        "messages": [{"description": "settled", "contents": {"id": "p-1"},
                      "metaData": {"contentType": "application/json"}}]
    })
    .to_string();
    let message = treaty_pact::read(v3.as_bytes(), "pact.json")
        .ok()
        .and_then(|p| p.messages.into_iter().next());
    assert_eq!(
        message.map(|m| (m.pointer, m.metadata_at)),
        Some(("/messages/0".to_owned(), "/metaData"))
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = treaty_pact::LIMITS.max_depth + 10;
    let text = format!(
        "{{\"interactions\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(treaty_pact::read(text.as_bytes(), "pact.json").is_err());
}

#[test]
fn a_spec_without_paths_knows_no_path() {
    let bytes = pact(1, &json!({"amount": 1, "currency": "EUR"}), &json!({}));
    let read = treaty_pact::read(&bytes, "pact.json");
    let codes: Vec<&str> = read
        .map(|p| treaty_pact::compare(&p, &json!({"openapi": "3.1.0"})))
        .unwrap_or_default()
        .iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["request.path-or-method.unknown"]);
}
