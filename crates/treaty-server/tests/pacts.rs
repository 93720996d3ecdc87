//! Consumers' pacts on can-i-release, on SQLite and PostgreSQL: a producer
//! version breaks exactly the consumers whose pact interactions it breaks,
//! and the reason names the interaction and the code; a consumer whose
//! pact does not touch the change is unaffected, though the schema diff
//! alone would have blocked it.

mod common;

use common::{Broker, TestResult, postgres, sqlite};
use serde_json::{Value, json};
use treaty_server::Config;

/// The payments API; `status` is in the payment when `with_status`, and
/// `currency` when `with_currency`.
fn payments_api(with_status: bool, with_currency: bool) -> Value {
    let mut properties = json!({"id": {"type": "string"}, "amount": {"type": "integer"}});
    if with_status {
        properties["status"] = json!({"type": "string", "enum": ["pending", "settled"]});
    }
    if with_currency {
        properties["currency"] = json!({"type": "string"});
    }
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "Payments", "version": "1"},
        "paths": {
            "/payments": {"post": {
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer"}}}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}}}}}},
            "/payments/{id}": {"get": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "a payment", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}}}}}}
        },
        "components": {"schemas": {"Payment": {"type": "object", "properties": properties}}}
    });
    json!({"entry": "payments.json", "files": {"payments.json": doc.to_string()}})
}

fn pact(consumer: &str, interactions: Value) -> String {
    json!({
        "consumer": {"name": consumer},
        "provider": {"name": "payments-svc"},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "3.0.0"}}
    })
    .to_string()
}

/// checkout-web reads a payment's status.
fn checkout_pact() -> String {
    pact(
        "checkout-web",
        json!([{
            "description": "get a payment",
            "request": {"method": "GET", "path": "/payments/7"},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                "body": {"id": "7", "amount": 100, "status": "settled"}}
        }]),
    )
}

/// ledger-job only creates payments and reads their id.
fn ledger_pact() -> String {
    pact(
        "ledger-job",
        json!([{
            "description": "create a payment",
            "request": {"method": "POST", "path": "/payments", "headers": {"Content-Type": "application/json"},
                "body": {"amount": 100}},
            "response": {"status": 201, "headers": {"Content-Type": "application/json"}, "body": {"id": "7"}}
        }]),
    )
}

async fn setup(b: &Broker) -> Result<(String, String, String), Box<dyn std::error::Error>> {
    let admin = b.admin.clone();
    let a = Some(admin.as_str());
    for team in ["payments", "checkout", "ledger"] {
        b.expect(
            201,
            "POST",
            "/api/v1/teams",
            a,
            Some(json!({"id": team, "name": team})),
        )
        .await?;
    }
    b.expect(201, "PUT", "/api/v1/environments/production", a, None)
        .await?;
    let payments = b.token("payments", &["publish"]).await?;
    let checkout = b.token("checkout", &["publish"]).await?;
    let ledger = b.token("ledger", &["publish"]).await?;
    for (component, team, token) in [
        ("payments-svc", "payments", &payments),
        ("checkout-web", "checkout", &checkout),
        ("ledger-job", "ledger", &ledger),
    ] {
        b.expect(
            201,
            "PUT",
            &format!("/api/v1/components/{component}"),
            Some(token),
            Some(json!({"team": team})),
        )
        .await?;
    }
    let p = Some(payments.as_str());
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/payments-api",
        p,
        Some(json!({"component": "payments-svc", "kind": "openapi"})),
    )
    .await?;
    for (version, status, currency) in [
        ("1.0.0", true, false),
        // Drops `status`, which checkout-web reads and ledger-job does not.
        ("2.0.0", false, false),
        // Adds `currency`: nobody's expectation changes.
        ("1.1.0", true, true),
    ] {
        b.expect(
            201,
            "PUT",
            &format!("/api/v1/interfaces/payments-api/versions/{version}"),
            p,
            Some(payments_api(status, currency)),
        )
        .await?;
    }
    Ok((payments, checkout, ledger))
}

/// Records that `component` `version` carries `pact`, and deploys it.
async fn expect_and_deploy(
    b: &Broker,
    token: &str,
    component: &str,
    version: &str,
    pact: String,
) -> TestResult {
    b.expect(
        201,
        "PUT",
        &format!("/api/v1/components/{component}/versions/{version}/expectations/payments-api"),
        Some(token),
        Some(json!({"built_against": "1.0.0",
            "artifacts": [{"name": format!("{component}-payments.json"), "kind": "pact", "content": pact}]})),
    )
    .await?;
    b.expect(
        201,
        "POST",
        "/api/v1/deployments",
        Some(token),
        Some(json!({"component": component, "version": version, "environment": "production"})),
    )
    .await?;
    Ok(())
}

async fn can_i_release(
    b: &Broker,
    token: &str,
    component: &str,
    version: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    b.expect(
        200,
        "GET",
        &format!(
            "/api/v1/can-i-release?component={component}&version={version}&environment=production"
        ),
        Some(token),
        None,
    )
    .await
}

/// The outcome of the pair with `consumer` in a verdict.
fn outcome_of<'v>(verdict: &'v Value, consumer: &str) -> &'v Value {
    verdict["pairs"]
        .as_array()
        .and_then(|pairs| pairs.iter().find(|p| p["consumer"] == json!(consumer)))
        .map_or(&Value::Null, |p| &p["outcome"])
}

async fn pacts_decide(b: &Broker) -> TestResult {
    let (payments, checkout, ledger) = setup(b).await?;
    b.expect(
        201,
        "POST",
        "/api/v1/deployments",
        Some(&payments),
        Some(json!({"component": "payments-svc", "version": "1.0.0", "environment": "production"})),
    )
    .await?;
    expect_and_deploy(b, &checkout, "checkout-web", "41", checkout_pact()).await?;
    expect_and_deploy(b, &ledger, "ledger-job", "9", ledger_pact()).await?;

    // 2.0.0 breaks checkout-web's interaction, and only it.
    let v = can_i_release(b, &payments, "payments-svc", "2.0.0").await?;
    assert_eq!(v["release"], json!(false), "{v}");
    assert_eq!(v["reasons"].as_array().map(Vec::len), Some(1), "{v}");
    let reason = v["reasons"][0].as_str().unwrap_or_default();
    assert!(
        reason.contains("checkout-web 41")
            && reason.contains("`get a payment` (GET /payments/7)")
            && reason.contains("[response.body.incompatible]"),
        "{reason}"
    );
    assert_eq!(
        outcome_of(&v, "checkout-web"),
        &json!("interactions_broken")
    );
    assert_eq!(outcome_of(&v, "ledger-job"), &json!("compatible"), "{v}");
    let checkout_pair = v["pairs"]
        .as_array()
        .and_then(|pairs| {
            pairs
                .iter()
                .find(|p| p["consumer"] == json!("checkout-web"))
        })
        .ok_or("no checkout-web pair")?;
    assert_eq!(
        checkout_pair["interactions"][0]["interaction"],
        json!("get a payment")
    );
    assert_eq!(
        checkout_pair["interactions"][0]["code"],
        json!("response.body.incompatible")
    );
    // Asked again: the remembered result, the same answer.
    assert_eq!(
        can_i_release(b, &payments, "payments-svc", "2.0.0").await?,
        v
    );

    // 1.1.0 satisfies both.
    let v = can_i_release(b, &payments, "payments-svc", "1.1.0").await?;
    assert_eq!(v["release"], json!(true), "{v}");
    assert_eq!(outcome_of(&v, "checkout-web"), &json!("compatible"));
    assert_eq!(outcome_of(&v, "ledger-job"), &json!("compatible"));

    // As consumer: a checkout-web version whose pact asks for what the
    // deployed payments-svc does not serve may not go.
    b.expect(
        201,
        "PUT",
        "/api/v1/components/checkout-web/versions/42/expectations/payments-api",
        Some(&checkout),
        Some(json!({"built_against": "1.0.0",
            "artifacts": [{"name": "checkout-web-payments.json", "kind": "pact", "content": pact("checkout-web", json!([{
                "description": "refund a payment",
                "request": {"method": "POST", "path": "/payments/7/refunds"},
                "response": {"status": 201}
            }]))}]})),
    )
    .await?;
    let v = can_i_release(b, &checkout, "checkout-web", "42").await?;
    assert_eq!(v["release"], json!(false), "{v}");
    let reason = v["reasons"][0].as_str().unwrap_or_default();
    assert!(
        reason.contains("`refund a payment` (POST /payments/7/refunds)")
            && reason.contains("[request.path-or-method.unknown]"),
        "{reason}"
    );
    let v = can_i_release(b, &checkout, "checkout-web", "41").await?;
    assert_eq!(v["release"], json!(true), "{v}");
    Ok(())
}

#[tokio::test]
async fn pacts_decide_on_sqlite() -> TestResult {
    pacts_decide(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn pacts_decide_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => pacts_decide(&b).await,
        None => Ok(()),
    }
}
