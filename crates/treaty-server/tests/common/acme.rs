//! The example workspace's January train on a broker, for the tests of
//! trains, their evidence, blockers and overrides: acme's teams with
//! tokens, the train as `treaty release publish` sends it, evidence pushed
//! and the gate asked at a fixed moment.

use std::path::Path;

use serde_json::{Value, json};
use treaty_server::Config;
use treaty_server::api::TrainContent;

use super::Broker;

pub const NOW: &str = "2027-01-20T12:00:00Z";
pub const SHIP: &str = "ship=inventory-svc%3D2.0.0&ship=fulfillment-svc%3D3.1.0";

pub fn config() -> Config {
    Config {
        gate_clock_from_request: true,
        ..Config::default()
    }
}

/// The acme workspace's release `id` as `treaty release publish` sends it.
pub fn acme_train(id: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let mut source = treaty_core::MemorySource::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let rel = path
                    .strip_prefix(&root)?
                    .to_string_lossy()
                    .replace('\\', "/");
                source.insert(rel, std::fs::read(&path)?);
            }
        }
    }
    let (ws, diags) = treaty_core::load(&source);
    if let Some(d) = diags
        .iter()
        .find(|d| d.severity == treaty_syntax::Severity::Error)
    {
        return Err(format!("acme does not load: {}", d.message).into());
    }
    let content = TrainContent::from_workspace(&ws, id).ok_or("no such release")?;
    Ok(serde_json::to_value(content)?)
}

pub fn fixture(path: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../treaty-evidence/tests/data")
        .join(path);
    Ok(std::fs::read(p)?)
}

pub struct Tokens {
    pub fulfillment: String,
    pub catalog: String,
    pub payments: String,
    pub identity: String,
}

/// Acme's teams with tokens, the providers of the release's verified
/// interfaces and their consumers, and `production`.
pub async fn set_up(b: &Broker) -> Result<Tokens, Box<dyn std::error::Error>> {
    let a = Some(b.admin.as_str());
    for team in [
        "fulfillment",
        "catalog",
        "payments",
        "checkout",
        "platform",
        "identity",
    ] {
        b.expect(
            201,
            "POST",
            "/api/v1/teams",
            a,
            Some(json!({"id": team, "name": team})),
        )
        .await?;
    }
    let t = Tokens {
        fulfillment: b.token("fulfillment", &["publish"]).await?,
        catalog: b.token("catalog", &["publish"]).await?,
        payments: b.token("payments", &["publish"]).await?,
        identity: b.token("identity", &["publish"]).await?,
    };
    for (component, team, interface) in [
        ("inventory-svc", "fulfillment", Some("inventory-service")),
        (
            "fulfillment-svc",
            "fulfillment",
            Some("fulfillment-service"),
        ),
        ("catalog-web", "catalog", None),
        ("checkout-web", "checkout", None),
    ] {
        b.expect(
            201,
            "PUT",
            &format!("/api/v1/components/{component}"),
            a,
            Some(json!({"team": team})),
        )
        .await?;
        if let Some(i) = interface {
            b.expect(
                201,
                "PUT",
                &format!("/api/v1/interfaces/{i}"),
                a,
                Some(json!({"component": component, "kind": "protobuf"})),
            )
            .await?;
        }
    }
    b.expect(201, "PUT", "/api/v1/environments/production", a, None)
        .await?;
    Ok(t)
}

pub async fn push(
    b: &Broker,
    token: &str,
    query: &str,
    body: Vec<u8>,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let (status, v) = b
        .raw(
            "POST",
            &format!("/api/v1/trains/2027-01/evidence?{query}"),
            Some(token),
            Some("application/octet-stream"),
            body,
        )
        .await?;
    Ok((status.as_u16(), v))
}

pub async fn gate(b: &Broker, token: &str) -> Result<Value, Box<dyn std::error::Error>> {
    b.expect(
        200,
        "GET",
        &format!("/api/v1/trains/2027-01/gate?environment=production&{SHIP}&now={NOW}"),
        Some(token),
        None,
    )
    .await
}

pub fn state_of<'a>(verdict: &'a Value, item: &str) -> &'a str {
    verdict["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == item))
        .and_then(|i| i["state"].as_str())
        .unwrap_or("absent")
}

/// Every reason of a verdict as `code subject`.
pub fn codes(verdict: &Value) -> Vec<String> {
    reasons(verdict, |_| true)
}

/// The blocking reasons of a verdict as `code subject`.
pub fn blocking(verdict: &Value) -> Vec<String> {
    reasons(verdict, |r| r["weight"] == "blocking")
}

fn reasons(verdict: &Value, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    verdict["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|r| keep(r))
                .map(|r| {
                    format!(
                        "{} {}",
                        r["code"].as_str().unwrap_or(""),
                        r["subject"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Evidence that makes the January train's gate go: passing tests and a
/// benchmark of the shipped versions, catalog's tests, and the contract
/// verifications of the shipped providers.
pub async fn go_evidence(b: &Broker, t: &Tokens) -> Result<(), Box<dyn std::error::Error>> {
    let f = t.fulfillment.as_str();
    for (token, query, file) in [
        (
            f,
            "item=multi-warehouse-reservations&criterion=tests-pass&component=inventory-svc&version=2.0.0&run=ci-41",
            "junit/nextest-pass.xml",
        ),
        (
            f,
            "item=multi-warehouse-reservations&criterion=reserve-latency&component=inventory-svc&version=2.0.0&format=metrics",
            "metrics/benchmarks.json",
        ),
        (
            f,
            "item=split-shipments&criterion=tests-pass&component=fulfillment-svc&version=3.1.0",
            "junit/nextest-pass.xml",
        ),
        (
            t.catalog.as_str(),
            "item=stock-badges&criterion=tests-pass",
            "junit/nextest-pass.xml",
        ),
    ] {
        let (status, v) = push(b, token, query, fixture(file)?).await?;
        if status != 201 {
            return Err(format!("pushing {query}: {status} {v}").into());
        }
    }
    verify_shipped_providers(b, f).await
}

/// Passing contract verifications of the shipped providers (inventory-svc
/// 2.0.0, fulfillment-svc 3.1.0) by a consumer version each.
pub async fn verify_shipped_providers(
    b: &Broker,
    token: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    for (interface, provider_version, consumer) in [
        ("inventory-service", "2.0.0", "catalog-web"),
        ("fulfillment-service", "3.1.0", "checkout-web"),
    ] {
        b.expect(
            201,
            "POST",
            "/api/v1/verifications",
            Some(token),
            Some(json!({
                "interface": interface,
                "provider_version": provider_version,
                "consumer": consumer,
                "consumer_version": "7",
                "success": true,
            })),
        )
        .await?;
    }
    Ok(())
}
