//! The broker's API through its router, on SQLite (always) and PostgreSQL
//! (when `TREATY_TEST_DATABASE_URL` is set; `.ci/run` sets it, and under
//! `CI` a missing URL fails): the whole flow, the authorization matrix,
//! hostile requests, rows the broker cannot read, and the committed OpenAPI
//! description.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Broker, TestResult, postgres, sqlite};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use treaty_server::Config;
use treaty_store::{ExpectationRecord, InterfaceRecord, Store};

fn schema(paths: &[&str]) -> Value {
    let mut p = serde_json::Map::new();
    for path in paths {
        p.insert(
            path.to_string(),
            json!({"get": {"operationId": format!("get{}", path.trim_start_matches('/').replace('/', "_")),
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "common.json#/Item"}}}}}}}),
        );
    }
    let doc = json!({"openapi": "3.1.0", "info": {"title": "Catalog", "version": "1"}, "paths": p});
    json!({
        "entry": "api/catalog.json",
        "files": {
            "api/catalog.json": doc.to_string(),
            "api/common.json": json!({"Item": {"type": "object", "properties": {"sku": {"type": "string"}}}}).to_string(),
        }
    })
}

/// Two teams, their components, an environment, an interface.
async fn setup(b: &Broker) -> Result<(String, String), Box<dyn std::error::Error>> {
    let admin = b.admin.clone();
    let a = Some(admin.as_str());
    b.expect(
        201,
        "POST",
        "/api/v1/teams",
        a,
        Some(json!({"id": "catalog", "name": "Catalog"})),
    )
    .await?;
    b.expect(
        201,
        "POST",
        "/api/v1/teams",
        a,
        Some(json!({"id": "checkout", "name": "Checkout"})),
    )
    .await?;
    b.expect(
        409,
        "POST",
        "/api/v1/teams",
        a,
        Some(json!({"id": "checkout", "name": "Again"})),
    )
    .await?;
    b.expect(201, "PUT", "/api/v1/environments/production", a, None)
        .await?;
    b.expect(200, "PUT", "/api/v1/environments/production", a, None)
        .await?;
    let producer = b.token("catalog", &["publish"]).await?;
    let consumer = b.token("checkout", &["publish"]).await?;
    let p = Some(producer.as_str());
    let c = Some(consumer.as_str());
    b.expect(
        201,
        "PUT",
        "/api/v1/components/catalog-svc",
        p,
        Some(json!({"team": "catalog"})),
    )
    .await?;
    b.expect(
        200,
        "PUT",
        "/api/v1/components/catalog-svc",
        p,
        Some(json!({"team": "catalog"})),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/components/checkout-web",
        c,
        Some(json!({"team": "checkout"})),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/catalog-api",
        p,
        Some(json!({"component": "catalog-svc", "kind": "openapi"})),
    )
    .await?;
    Ok((producer, consumer))
}

async fn flow(b: &Broker) -> TestResult {
    let (producer, consumer) = setup(b).await?;
    let p = Some(producer.as_str());
    let c = Some(consumer.as_str());
    let v1 = b
        .expect(
            201,
            "PUT",
            "/api/v1/interfaces/catalog-api/versions/1.0.0",
            p,
            Some(schema(&["/items", "/items/{sku}"])),
        )
        .await?;
    assert_eq!(v1["created"], json!(true));
    // The same bundle again changes nothing; another bundle is a conflict.
    b.expect(
        200,
        "PUT",
        "/api/v1/interfaces/catalog-api/versions/1.0.0",
        p,
        Some(schema(&["/items", "/items/{sku}"])),
    )
    .await?;
    b.expect(
        409,
        "PUT",
        "/api/v1/interfaces/catalog-api/versions/1.0.0",
        p,
        Some(schema(&["/items"])),
    )
    .await?;
    // 2.0.0 drops `/items/{sku}`; 1.1.0 adds an operation.
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/catalog-api/versions/2.0.0",
        p,
        Some(schema(&["/items"])),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/catalog-api/versions/1.1.0",
        p,
        Some(schema(&["/items", "/items/{sku}", "/stock"])),
    )
    .await?;
    let bundle = b
        .expect(
            200,
            "GET",
            "/api/v1/interfaces/catalog-api/versions/1.0.0",
            c,
            None,
        )
        .await?;
    assert_eq!(bundle["files"].as_object().map(|f| f.len()), Some(2));

    // checkout-web 41 was built against 1.0.0 and uses the item lookup.
    b.expect(
        201,
        "PUT",
        "/api/v1/components/checkout-web/versions/41/expectations/catalog-api",
        c,
        Some(json!({"built_against": "1.0.0", "uses": {"operations": ["GET /items/{id}"]},
            "artifacts": [{"name": "pact.json", "kind": "pact", "content": "{\"interactions\": []}"}]})),
    )
    .await?;
    let listed = b
        .expect(
            200,
            "GET",
            "/api/v1/components/checkout-web/versions/41/expectations",
            c,
            None,
        )
        .await?;
    assert_eq!(listed[0]["artifacts"][0]["kind"], json!("pact"));
    // checkout-web 42 uses only the list.
    b.expect(
        201,
        "PUT",
        "/api/v1/components/checkout-web/versions/42/expectations/catalog-api",
        c,
        Some(json!({"built_against": "1.0.0", "uses": {"operations": ["GET /items"]}})),
    )
    .await?;

    // Nothing deployed: a consumer cannot go where its producer is missing.
    let v = b
        .expect(
            200,
            "GET",
            "/api/v1/can-i-release?component=checkout-web&version=41&environment=production",
            c,
            None,
        )
        .await?;
    assert_eq!(v["release"], json!(false));
    assert!(
        v["reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("catalog-svc is not deployed in production")),
        "{v}"
    );

    b.expect(
        201,
        "POST",
        "/api/v1/deployments",
        p,
        Some(json!({"component": "catalog-svc", "version": "1.0.0", "environment": "production"})),
    )
    .await?;
    b.expect(
        201,
        "POST",
        "/api/v1/deployments",
        c,
        Some(json!({"component": "checkout-web", "version": "41", "environment": "production"})),
    )
    .await?;
    let deployed = b
        .expect(
            200,
            "GET",
            "/api/v1/environments/production/deployments",
            c,
            None,
        )
        .await?;
    assert_eq!(deployed.as_array().map(Vec::len), Some(2));

    // As producer: 2.0.0 breaks checkout-web 41, naming it, its version,
    // the environment and the rule; 1.1.0 does not.
    let q = |component: &str, version: &str| {
        format!(
            "/api/v1/can-i-release?component={component}&version={version}&environment=production"
        )
    };
    let v = b
        .expect(200, "GET", &q("catalog-svc", "2.0.0"), p, None)
        .await?;
    assert_eq!(v["release"], json!(false), "{v}");
    let reason = v["reasons"][0].as_str().unwrap_or_default();
    assert!(
        reason.contains("checkout-web 41")
            && reason.contains("production")
            && reason.contains("operation-removed"),
        "{reason}"
    );
    assert_eq!(v["pairs"][0]["outcome"], json!("breaking_changes"));
    let v = b
        .expect(200, "GET", &q("catalog-svc", "1.1.0"), p, None)
        .await?;
    assert_eq!(v["release"], json!(true), "{v}");
    // A version that never published the interface its consumers use.
    let v = b
        .expect(200, "GET", &q("catalog-svc", "9.9.9"), p, None)
        .await?;
    assert_eq!(v["release"], json!(false), "{v}");

    // A successful verification of the pair outweighs the diff...
    let body = |success: bool| {
        json!({"interface": "catalog-api", "provider_version": "2.0.0",
        "consumer": "checkout-web", "consumer_version": "41", "success": success})
    };
    b.expect(201, "POST", "/api/v1/verifications", p, Some(body(true)))
        .await?;
    let v = b
        .expect(200, "GET", &q("catalog-svc", "2.0.0"), p, None)
        .await?;
    assert_eq!(v["release"], json!(true), "{v}");
    assert_eq!(v["pairs"][0]["outcome"], json!("verified"));
    // ...and a failed one always blocks, even without a breaking change.
    b.expect(
        201,
        "POST",
        "/api/v1/verifications",
        p,
        Some(
            json!({"interface": "catalog-api", "provider_version": "1.1.0",
        "consumer": "checkout-web", "consumer_version": "41", "success": false}),
        ),
    )
    .await?;
    let v = b
        .expect(200, "GET", &q("catalog-svc", "1.1.0"), p, None)
        .await?;
    assert_eq!(v["release"], json!(false), "{v}");
    assert!(
        v["reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("failed")),
        "{v}"
    );

    // As consumer: 42 (uses only the list) may go next to catalog-svc 1.0.0.
    let v = b
        .expect(200, "GET", &q("checkout-web", "42"), c, None)
        .await?;
    assert_eq!(v["release"], json!(true), "{v}");
    // Once catalog-svc 2.0.0 runs, checkout-web 41's expectation breaks.
    b.expect(
        201,
        "POST",
        "/api/v1/deployments",
        p,
        Some(json!({"component": "catalog-svc", "version": "2.0.0", "environment": "production"})),
    )
    .await?;
    let v = b
        .expect(200, "GET", &q("checkout-web", "42"), c, None)
        .await?;
    assert_eq!(v["release"], json!(true), "{v}");
    let v = b
        .expect(200, "GET", &q("checkout-web", "41"), c, None)
        .await?;
    assert_eq!(v["release"], json!(true), "verified pair: {v}");

    // Undeployed consumers no longer hold the producer back.
    let u = b
        .expect(
            200,
            "POST",
            "/api/v1/undeployments",
            c,
            Some(json!({"component": "checkout-web", "environment": "production"})),
        )
        .await?;
    assert_eq!(u["undeployed"], json!(true));
    let v = b
        .expect(200, "GET", &q("catalog-svc", "1.1.0"), p, None)
        .await?;
    assert_eq!(v["release"], json!(true), "{v}");

    // Lists page through.
    let page = b
        .expect(200, "GET", "/api/v1/teams?limit=2", c, None)
        .await?;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let next = page["next"].as_str().ok_or("no next page")?;
    let page = b
        .expect(
            200,
            "GET",
            &format!("/api/v1/teams?limit=2&after={next}"),
            c,
            None,
        )
        .await?;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert!(page.get("next").is_none());
    let verifications = b
        .expect(
            200,
            "GET",
            "/api/v1/verifications?interface=catalog-api&limit=1",
            c,
            None,
        )
        .await?;
    let next = verifications["next"].as_str().ok_or("no next")?.to_owned();
    let rest = b
        .expect(
            200,
            "GET",
            &format!("/api/v1/verifications?interface=catalog-api&after={next}"),
            c,
            None,
        )
        .await?;
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(1));
    let versions = b
        .expect(
            200,
            "GET",
            "/api/v1/interfaces/catalog-api/versions",
            c,
            None,
        )
        .await?;
    assert_eq!(versions["items"].as_array().map(Vec::len), Some(3));
    let me = b.expect(200, "GET", "/api/v1/whoami", c, None).await?;
    assert_eq!(me["team"], json!("checkout"));
    Ok(())
}

#[tokio::test]
async fn flow_on_sqlite() -> TestResult {
    flow(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn flow_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => flow(&b).await,
        None => Ok(()),
    }
}

/// Every write endpoint × every kind of caller: no token, another team,
/// the owner team without the scope, the owner team, an admin. Failures
/// write nothing.
async fn matrix(b: &Broker) -> TestResult {
    let (producer, _consumer) = setup(b).await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/catalog-api/versions/1.0.0",
        Some(&producer),
        Some(schema(&["/items"])),
    )
    .await?;
    let other = b.token("checkout", &["publish", "approve"]).await?;
    let read_only = b.token("catalog", &["read", "approve"]).await?;
    let admin = b.admin.clone();

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Who {
        Nobody,
        OtherTeam,
        NoScope,
        Owner,
        Admin,
    }
    // (method, path, body for the n-th call, admin only)
    type Body = fn(usize) -> Option<Value>;
    let writes: Vec<(&str, String, Body, bool)> = vec![
        (
            "POST",
            "/api/v1/teams".into(),
            |n| Some(json!({"id": format!("team-{n}"), "name": "T"})),
            true,
        ),
        (
            "POST",
            "/api/v1/tokens".into(),
            |_| Some(json!({"team": "catalog", "scopes": ["read"]})),
            true,
        ),
        ("PUT", "/api/v1/environments/env-{n}".into(), |_| None, true),
        (
            "PUT",
            "/api/v1/components/comp-{n}".into(),
            |_| Some(json!({"team": "catalog"})),
            false,
        ),
        (
            "PUT",
            "/api/v1/interfaces/iface-{n}".into(),
            |_| Some(json!({"component": "catalog-svc", "kind": "jsonschema"})),
            false,
        ),
        (
            "PUT",
            "/api/v1/interfaces/catalog-api/versions/2.{n}.0".into(),
            |_| Some(schema(&["/items"])),
            false,
        ),
        (
            "POST",
            "/api/v1/verifications".into(),
            |_| {
                Some(
                    json!({"interface": "catalog-api", "provider_version": "1.0.0", "consumer": "checkout-web", "consumer_version": "1", "success": true}),
                )
            },
            false,
        ),
        (
            "POST",
            "/api/v1/deployments".into(),
            |n| {
                Some(
                    json!({"component": "catalog-svc", "version": format!("1.{n}"), "environment": "production"}),
                )
            },
            false,
        ),
        (
            "POST",
            "/api/v1/undeployments".into(),
            |_| Some(json!({"component": "catalog-svc", "environment": "production"})),
            false,
        ),
        (
            "POST",
            "/api/v1/releases".into(),
            |n| {
                Some(
                    json!({"component": "catalog-svc", "version": format!("1.{n}"), "environment": "production"}),
                )
            },
            false,
        ),
    ];
    let mut n = 0;
    for (method, path, body, admin_only) in &writes {
        for who in [
            Who::Nobody,
            Who::OtherTeam,
            Who::NoScope,
            Who::Owner,
            Who::Admin,
        ] {
            n += 1;
            let token = match who {
                Who::Nobody => None,
                Who::OtherTeam => Some(other.as_str()),
                Who::NoScope => Some(read_only.as_str()),
                Who::Owner => Some(producer.as_str()),
                Who::Admin => Some(admin.as_str()),
            };
            let path = path.replace("{n}", &n.to_string());
            let before = b.rows().await?;
            let (status, value) = b.call(method, &path, token, body(n)).await?;
            let allowed = who == Who::Admin || (who == Who::Owner && !admin_only);
            let expected = match who {
                _ if allowed => status.is_success(),
                Who::Nobody => status == StatusCode::UNAUTHORIZED,
                _ => status == StatusCode::FORBIDDEN,
            };
            assert!(expected, "{method} {path} as {who:?}: {status} {value}");
            if !allowed {
                assert_eq!(
                    b.rows().await?,
                    before,
                    "{method} {path} as {who:?} wrote something"
                );
                assert!(
                    value["error"]["message"]
                        .as_str()
                        .is_some_and(|m| !m.is_empty())
                );
            }
        }
    }
    // Revoking a token: its own team or an admin, nobody else.
    let victim = b
        .expect(
            201,
            "POST",
            "/api/v1/tokens",
            Some(&admin),
            Some(json!({"team": "catalog", "scopes": ["read"]})),
        )
        .await?;
    let id = victim["id"].as_str().ok_or("id")?;
    b.expect(401, "DELETE", &format!("/api/v1/tokens/{id}"), None, None)
        .await?;
    b.expect(
        403,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&other),
        None,
    )
    .await?;
    // A token of the same team without `publish` may not revoke.
    b.expect(
        403,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&read_only),
        None,
    )
    .await?;
    b.expect(
        204,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&producer),
        None,
    )
    .await?;
    let secret = victim["token"].as_str().ok_or("token")?;
    b.expect(401, "GET", "/api/v1/teams", Some(secret), None)
        .await?;
    // Without a token, a write learns nothing of what exists: 401 either way.
    for component in ["catalog-svc", "ghost"] {
        let body = json!({"component": component, "version": "1", "environment": "production"});
        b.expect(401, "POST", "/api/v1/deployments", None, Some(body))
            .await?;
    }
    // Reads need a token unless anonymous reads are on.
    b.expect(401, "GET", "/api/v1/teams", None, None).await?;
    b.expect(401, "GET", "/api/v1/teams", Some("trt_not-a-token"), None)
        .await?;
    Ok(())
}

#[tokio::test]
async fn authorization_matrix_on_sqlite() -> TestResult {
    matrix(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn authorization_matrix_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => matrix(&b).await,
        None => Ok(()),
    }
}

#[tokio::test]
async fn anonymous_reads_when_configured() -> TestResult {
    let b = sqlite(Config {
        anonymous_read: true,
        ..Config::default()
    })
    .await?;
    b.expect(200, "GET", "/api/v1/teams", None, None).await?;
    b.expect(
        401,
        "POST",
        "/api/v1/teams",
        None,
        Some(json!({"id": "x", "name": "X"})),
    )
    .await?;
    Ok(())
}

/// Hostile requests get a clear 4xx in the common body and write nothing.
#[tokio::test]
async fn hostile_requests_change_nothing() -> TestResult {
    let b = sqlite(Config {
        max_body_bytes: 64 * 1024,
        ..Config::default()
    })
    .await?;
    let (producer, _) = setup(&b).await?;
    let p = Some(producer.as_str());
    let before = b.rows().await?;
    let version = "/api/v1/interfaces/catalog-api/versions/1.0.0";
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, Vec<u8>, u16);
    let cases: Vec<Case> = vec![
        ("PUT", version, Some("application/json"), vec![b' '; 200 * 1024], 413),
        ("PUT", version, Some("application/json"), b"{\"entry\": ".to_vec(), 400),
        ("PUT", version, Some("application/json"), b"[1, 2".to_vec(), 400),
        ("PUT", version, Some("text/plain"), b"{}".to_vec(), 415),
        ("PUT", version, Some("application/json"), br#"{"entry": "a", "files": {"a": "{}"}, "extra": 1}"#.to_vec(), 400),
        ("PUT", version, Some("application/json"), br#"{"entry": "b", "files": {"a": "{}"}}"#.to_vec(), 422),
        ("PUT", version, Some("application/json"), br#"{"entry": "a", "files": {"a": "openapi: [unclosed"}}"#.to_vec(), 422),
        ("PUT", version, Some("application/json"), br#"{"entry": "a", "files": {"a": "{\"swagger\": \"2.0\"}"}}"#.to_vec(), 422),
        ("PUT", "/api/v1/interfaces/catalog-api/versions/..%2F..%2Fetc", Some("application/json"), serde_json::to_vec(&schema(&["/a"]))?, 422),
        ("PUT", "/api/v1/interfaces/ghost/versions/1.0.0", Some("application/json"), serde_json::to_vec(&schema(&["/a"]))?, 404),
        ("PUT", "/api/v1/interfaces/new-one", Some("application/json"), br#"{"component": "catalog-svc", "kind": "wsdl"}"#.to_vec(), 422),
        ("PUT", "/api/v1/interfaces/new-one", Some("application/json"), br#"{"component": "catalog-svc", "kind": "openapi", "compatibility": "sideways"}"#.to_vec(), 422),
        ("PUT", "/api/v1/interfaces/new-one", Some("application/json"), br#"{"component": "checkout-web", "kind": "openapi"}"#.to_vec(), 403),
        ("PUT", "/api/v1/components/checkout-web", Some("application/json"), br#"{"team": "catalog"}"#.to_vec(), 409),
        ("PUT", "/api/v1/components/mine", Some("application/json"), br#"{"team": "checkout"}"#.to_vec(), 403),
        ("PUT", "/api/v1/components/checkout-web/versions/1/expectations/catalog-api", Some("application/json"), br#"{"built_against": "1.0.0"}"#.to_vec(), 403),
        ("POST", "/api/v1/deployments", Some("application/json"), br#"{"component": "checkout-web", "version": "1", "environment": "production"}"#.to_vec(), 403),
        ("POST", "/api/v1/deployments", Some("application/json"), br#"{"component": "catalog-svc", "version": "1", "environment": "mars"}"#.to_vec(), 404),
        ("POST", "/api/v1/verifications", Some("application/json"), br#"{"interface": "catalog-api", "provider_version": "1", "consumer": "ghost", "consumer_version": "1", "success": true}"#.to_vec(), 404),
        ("POST", "/api/v1/verifications", Some("application/json"), br#"{"interface": "catalog-api", "provider_version": "1", "consumer": "checkout-web", "consumer_version": "1", "success": "yes"}"#.to_vec(), 400),
        ("GET", "/api/v1/teams?limit=0", None, vec![], 422),
        ("GET", "/api/v1/teams?limit=abc", None, vec![], 400),
        ("GET", "/api/v1/teams?colour=red", None, vec![], 400),
        ("GET", "/api/v1/nowhere", None, vec![], 404),
    ];
    for (method, path, ct, body, want) in cases {
        let (status, value) = b.raw(method, path, p, ct, body).await?;
        assert_eq!(status.as_u16(), want, "{method} {path}: {value}");
        assert_eq!(
            value["error"]["status"],
            json!(want),
            "{method} {path}: {value}"
        );
        assert!(
            value["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{value}"
        );
    }
    let many_includes: Vec<String> = (0..101).map(|i| format!("dir{i}")).collect();
    let (status, value) = b
        .call(
            "PUT",
            version,
            p,
            Some(json!({"entry": "a", "files": {"a": "{}"}, "include_paths": many_includes})),
        )
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
    let long = "x".repeat(200);
    let (status, _) = b
        .call(
            "PUT",
            &format!("/api/v1/components/{long}"),
            p,
            Some(json!({"team": "catalog"})),
        )
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let too_many: Vec<String> = (0..2_000).map(|i| format!("op{i}")).collect();
    let consumer = b.token("checkout", &["publish"]).await?;
    let (status, value) = b
        .call(
            "PUT",
            "/api/v1/components/checkout-web/versions/1/expectations/catalog-api",
            Some(&consumer),
            Some(json!({"built_against": "1.0.0", "uses": {"operations": too_many}})),
        )
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
    assert_eq!(b.rows().await?, before, "a refused request wrote something");
    Ok(())
}

/// What the store holds for one producer and one consumer, written through
/// the store (past the API's checks, as a hand edit of the database would
/// be): the interface's `compatibility` and `proto_category`, the text of
/// its version 1.0.0's bundle, and the consumer's `uses` JSON. Both run in
/// production.
struct StoredRows<'a> {
    compatibility: &'a str,
    proto_category: Option<&'a str>,
    bundle: &'a str,
    uses: &'a str,
}

impl StoredRows<'_> {
    async fn write(&self, store: &Store) -> TestResult {
        store.create_team("catalog", "Catalog", 1).await?;
        store.create_component("catalog-svc", "catalog", 1).await?;
        store.create_component("checkout-web", "catalog", 1).await?;
        store.create_environment("production", 1).await?;
        let interface = InterfaceRecord {
            id: "catalog-api".into(),
            component: "catalog-svc".into(),
            kind: "openapi".into(),
            compatibility: self.compatibility.into(),
            proto_category: self.proto_category.map(str::to_owned),
        };
        store.create_interface(&interface, 1).await?;
        store
            .publish_version("catalog-api", "1.0.0", self.bundle, 1)
            .await?;
        let expectation = ExpectationRecord {
            component: "checkout-web".into(),
            version: "41".into(),
            interface: "catalog-api".into(),
            built_against: "1.0.0".into(),
            uses: self.uses.into(),
            artifacts: "[]".into(),
        };
        store.put_expectation(&expectation, 1).await?;
        for (component, version) in [("catalog-svc", "1.0.0"), ("checkout-web", "41")] {
            store
                .record_deployment(component, "production", version, "catalog", 1)
                .await?;
        }
        Ok(())
    }
}

const CAN_I_RELEASE_PRODUCER: &str =
    "/api/v1/can-i-release?component=catalog-svc&version=1.0.0&environment=production";
const CAN_I_RELEASE_CONSUMER: &str =
    "/api/v1/can-i-release?component=checkout-web&version=41&environment=production";
const EXPECTATIONS: &str = "/api/v1/components/checkout-web/versions/41/expectations";
const VERSION: &str = "/api/v1/interfaces/catalog-api/versions/1.0.0";

/// A 500 whose message names `row` and `column` and does not repeat the
/// stored value.
async fn refused(b: &Broker, path: &str, row: &str, column: &str, value: &str) -> TestResult {
    let admin = b.admin.clone();
    let body = b.expect(500, "GET", path, Some(&admin), None).await?;
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(body["error"]["code"], json!("internal"), "{body}");
    assert!(
        message.contains(&format!("{row}, column `{column}`")) && !message.contains(value),
        "GET {path}: {message}"
    );
    Ok(())
}

/// Values the broker would never have written are errors naming the row,
/// where they used to read as `backward`, `wire_json` and "uses
/// everything" (and a bundle that does not parse as a missing comparison).
async fn unreadable_rows(
    open: impl AsyncFn() -> Result<Option<Broker>, Box<dyn std::error::Error>>,
) -> TestResult {
    let interface = "table `interfaces`, row id `catalog-api`";
    let expectation = "table `expectations`, row component_id `checkout-web`, version `41`, interface_id `catalog-api`";
    let bundle = schema(&["/items"]).to_string();
    let corrupt_bundle = "{not a bundle";
    let blob = format!(
        "table `blobs`, row hash `{}`",
        treaty_store::content_hash(corrupt_bundle)
    );
    let readable = StoredRows {
        compatibility: "backward",
        proto_category: None,
        bundle: &bundle,
        uses: r#"{"operations": ["GET /items"]}"#,
    };
    let cases = [
        (
            StoredRows {
                compatibility: "sideways",
                ..readable
            },
            interface,
            "compatibility",
            "sideways",
        ),
        (
            StoredRows {
                proto_category: Some("bogus"),
                ..readable
            },
            interface,
            "proto_category",
            "bogus",
        ),
        (
            StoredRows {
                uses: "{not json",
                ..readable
            },
            expectation,
            "uses",
            "not json",
        ),
        (
            StoredRows {
                bundle: corrupt_bundle,
                ..readable
            },
            &blob,
            "content",
            "not a bundle",
        ),
    ];
    // The same rows, readable, answer: the cases fail for their value only.
    let Some(b) = open().await? else {
        return Ok(());
    };
    readable.write(&b.store).await?;
    let admin = b.admin.clone();
    for path in [CAN_I_RELEASE_PRODUCER, CAN_I_RELEASE_CONSUMER] {
        let v = b.expect(200, "GET", path, Some(&admin), None).await?;
        assert_eq!(v["release"], json!(true), "{v}");
    }
    for path in [EXPECTATIONS, VERSION] {
        b.expect(200, "GET", path, Some(&admin), None).await?;
    }
    for (rows, row, column, value) in cases {
        let Some(b) = open().await? else {
            return Ok(());
        };
        rows.write(&b.store).await?;
        for path in [CAN_I_RELEASE_PRODUCER, CAN_I_RELEASE_CONSUMER] {
            refused(&b, path, row, column, value).await?;
        }
        match column {
            "uses" => refused(&b, EXPECTATIONS, row, column, value).await?,
            "content" => refused(&b, VERSION, row, column, value).await?,
            _ => {}
        }
    }
    Ok(())
}

#[tokio::test]
async fn unreadable_rows_on_sqlite() -> TestResult {
    unreadable_rows(async || Ok(Some(sqlite(Config::default()).await?))).await
}

#[tokio::test]
async fn unreadable_rows_on_postgres() -> TestResult {
    unreadable_rows(async || postgres(Config::default()).await).await
}

/// `GET` `path` with `token`: the body and the `Link` header.
async fn get_with_link(
    b: &Broker,
    path: &str,
    token: &str,
) -> Result<(Value, Option<String>), Box<dyn std::error::Error>> {
    let req = Request::builder()
        .method("GET")
        .uri(path)
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())?;
    let response = b.app.clone().oneshot(req).await?;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let link = response
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((serde_json::from_slice(&bytes)?, link))
}

#[tokio::test]
async fn environment_lists_page_with_a_link_header() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let a = Some(b.admin.as_str());
    for env in ["dev", "production", "staging"] {
        b.expect(201, "PUT", &format!("/api/v1/environments/{env}"), a, None)
            .await?;
    }
    let (first, link) = get_with_link(&b, "/api/v1/environments?limit=2", &b.admin).await?;
    assert_eq!(first.as_array().map(Vec::len), Some(2), "{first}");
    let link = link.ok_or("no Link header on a page with more after it")?;
    assert_eq!(
        link,
        "</api/v1/environments?limit=2&after=production>; rel=\"next\""
    );
    let (rest, link) = get_with_link(
        &b,
        "/api/v1/environments?limit=2&after=production",
        &b.admin,
    )
    .await?;
    assert_eq!(rest, json!([{"id": "staging"}]));
    assert_eq!(link, None);
    // Deployments of an environment page the same way.
    b.expect(
        422,
        "GET",
        "/api/v1/environments/dev/deployments?limit=0",
        a,
        None,
    )
    .await?;
    let (none, link) =
        get_with_link(&b, "/api/v1/environments/dev/deployments?limit=1", &b.admin).await?;
    assert_eq!((none, link), (json!([]), None));
    Ok(())
}

#[tokio::test]
async fn registering_a_component_for_another_team_does_not_claim_it_exists() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let (catalog, _) = setup(&b).await?;
    let refused = b
        .expect(
            403,
            "PUT",
            "/api/v1/components/nowhere",
            Some(&catalog),
            Some(json!({"team": "checkout"})),
        )
        .await?;
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(
        message,
        "component `nowhere` would belong to team `checkout`; this token is team `catalog`'s"
    );
    Ok(())
}

#[tokio::test]
async fn health_and_readiness() -> TestResult {
    let b = sqlite(Config::default()).await?;
    assert_eq!(
        b.expect(200, "GET", "/healthz", None, None).await?["status"],
        json!("ok")
    );
    assert_eq!(
        b.expect(200, "GET", "/readyz", None, None).await?["status"],
        json!("ready")
    );
    Ok(())
}

/// The served description is the committed one (`TREATY_BLESS=1` rewrites
/// it); `.ci/run` diffs the committed one against its previous version with
/// `treaty diff`, so a change that breaks the broker's clients fails CI.
#[tokio::test]
async fn openapi_description_is_committed() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let served = b
        .expect(200, "GET", "/api/v1/openapi.json", None, None)
        .await?;
    let generated = treaty_server::openapi_json();
    assert_eq!(served, serde_json::from_str::<Value>(&generated)?);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api/openapi.json");
    if std::env::var_os("TREATY_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().ok_or("no parent")?)?;
        std::fs::write(&path, &generated)?;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/api/openapi.json is stale: run `TREATY_BLESS=1 cargo test -p treaty-server --test api openapi`"
    );
    let paths = served["paths"].as_object().ok_or("no paths")?;
    assert!(
        paths.contains_key("/api/v1/can-i-release") && paths.len() >= 15,
        "{:?}",
        paths.keys()
    );
    Ok(())
}
