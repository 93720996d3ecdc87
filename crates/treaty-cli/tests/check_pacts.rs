//! `treaty check` with a consumer that keeps Pact files: the consumer is
//! judged by its pacts (checked against the schema before and after the
//! change), not by its `uses`. A change its pacts survive does not concern
//! it; one that breaks an interaction fails the check for it, naming the
//! interaction and its line; pacts that cannot decide leave it to `uses`.

mod common;

use std::path::Path;

use common::git_repo::{check, commit_all, edit, interface, repo};
use serde_json::{Value, json};

const PACT: &str = "expectations/checkout/payments.pact.json";

/// Checkout's pact with the Payments API: it fetches a payment and reads
/// its status, and lists payments 80 at a time (under the server's base
/// path, `/payments/v1`).
const CHECKOUT_PACT: &str = r#"{
  "consumer": {"name": "checkout"},
  "provider": {"name": "payments"},
  "interactions": [
    {
      "description": "fetch a payment",
      "request": {"method": "GET", "path": "/payments/v1/payments/pay_01HZX3M2R7"},
      "response": {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": {
          "id": "pay_01HZX3M2R7",
          "status": "authorized",
          "amount": {"value": 4599, "currency": "EUR"}
        }
      }
    },
    {
      "description": "list recent payments",
      "request": {"method": "GET", "path": "/payments/v1/payments", "query": "limit=80"},
      "response": {"status": 200}
    }
  ],
  "metadata": {"pactSpecification": {"version": "3.0.0"}}
}
"#;

/// The example workspace with checkout's pact committed.
fn repo_with_pact(pact: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, ws) = repo();
    write(&ws, PACT, pact);
    edit(
        &ws,
        "interfaces/payments-api.yaml",
        "      fields: [Payment.status, Payment.failureReason, Money.value, Money.currency]\n",
        "      fields: [Payment.status, Payment.failureReason, Money.value, Money.currency]\n    expectations:\n      - {kind: pact, file: expectations/checkout/payments.pact.json}\n",
    );
    common::git_repo::git(dir.path(), &["add", "-A"]);
    commit_all(dir.path(), "checkout keeps a pact");
    (dir, ws)
}

fn write(ws: &Path, file: &str, text: &str) {
    let path = ws.join(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

fn changes<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["rule"] == rule)
        .collect()
}

#[test]
fn a_change_the_pacts_survive_does_not_concern_the_consumer() {
    let (_dir, ws) = repo_with_pact(CHECKOUT_PACT);
    // Checkout's `uses` names Money.currency, but its pacts only ever see EUR.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let (out, r) = check(&ws, "HEAD");
    let payments = interface(&r, "payments-api");
    // Fulfillment keeps no pact and uses refunds' Money: still broken for it.
    assert_eq!(out.status.code(), Some(1), "{r}");
    let removed = changes(payments, "enum-value-removed");
    assert!(!removed.is_empty(), "{payments}");
    for r in removed {
        assert_eq!(r["affects"], json!(["fulfillment"]), "{r}");
    }
    assert_eq!(
        payments["pacts"],
        json!([{"consumer": "checkout", "pacts": [PACT], "standing": "holds"}])
    );
    assert!(changes(payments, "consumer-pact-broken").is_empty());
    assert_eq!(
        payments["needs_approval"]["breaking_for"],
        json!(["fulfillment"])
    );
}

#[test]
fn a_change_that_breaks_an_interaction_names_it_and_its_line() {
    let (_dir, ws) = repo_with_pact(CHECKOUT_PACT);
    // The payment checkout fetches is `authorized`: no longer a status.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [pending, authorized, captured, failed, refunded, partially_refunded]",
        "enum: [pending, captured, failed, refunded, partially_refunded]",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "fail");
    let broken = changes(payments, "consumer-pact-broken");
    assert_eq!(broken.len(), 1, "{payments}");
    let b = broken[0];
    assert_eq!(b["level"], "breaking");
    assert_eq!(b["affects"], json!(["checkout"]));
    assert_eq!(b["new"]["file"], PACT);
    let message = b["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`fetch a payment` (GET /payments/v1/payments/pay_01HZX3M2R7)")
            && message.contains("response.body.incompatible"),
        "{message}"
    );
    // The line of the response body in the pact.
    let line = b["new"]["line"].as_u64().unwrap_or_default();
    assert!((9..=16).contains(&line), "line {line}: {b}");
    assert_eq!(payments["pacts"][0]["standing"], "broken");
    assert_eq!(
        payments["needs_approval"]["breaking_for"],
        json!(["checkout"])
    );
    // Its pacts decide for checkout: the schema's own change is not
    // attributed to it by its `uses` (Payment.status) as well.
    for c in changes(payments, "enum-value-removed") {
        assert_eq!(c["affects"], json!([]), "{c}");
    }
}

#[test]
fn pacts_catch_a_use_the_uses_list_left_out() {
    let (_dir, ws) = repo_with_pact(CHECKOUT_PACT);
    // `uses` names createPayment and getPayment only, so by it nobody uses
    // listPayments' `limit`; the pact lists 80 at a time.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "maximum: 100",
        "maximum: 50",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    let broken = changes(payments, "consumer-pact-broken");
    assert_eq!(broken.len(), 1, "{payments}");
    assert!(
        broken[0]["message"].as_str().is_some_and(
            |m| m.contains("list recent payments") && m.contains("request.query.incompatible")
        ),
        "{}",
        broken[0]
    );
}

#[test]
fn pacts_that_cannot_decide_leave_the_consumer_to_its_uses() {
    let (_dir, ws) = repo_with_pact("{\"interactions\": [ not json");
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(
        changes(payments, "enum-value-removed")[0]["affects"],
        json!(["checkout", "fulfillment"])
    );
    let pact = &payments["pacts"][0];
    assert_eq!(pact["standing"], "undecided", "{pact}");
    assert!(
        pact["reason"]
            .as_str()
            .is_some_and(|r| r.contains(PACT) && r.contains("judged by what it uses")),
        "{pact}"
    );
}

#[test]
fn an_interaction_that_failed_before_the_change_leaves_it_to_uses() {
    // The pact fetches a payment whose status the schema never had.
    let (_dir, ws) = repo_with_pact(&CHECKOUT_PACT.replace("\"authorized\"", "\"settled\""));
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let (_, r) = check(&ws, "HEAD");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["pacts"][0]["standing"], "undecided", "{payments}");
    assert!(changes(payments, "consumer-pact-broken").is_empty());
    assert_eq!(
        changes(payments, "enum-value-removed")[0]["affects"],
        json!(["checkout", "fulfillment"])
    );
}
