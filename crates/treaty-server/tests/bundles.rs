//! Published bundles through the broker's router: paths a client could not
//! write safely are refused, naming the path; what `treaty publish` sends
//! passes; and the deepest schemas the limits allow are read and compared
//! without overflowing a stack (which would abort the whole broker).

mod common;

use axum::http::StatusCode;
use common::{Broker, TestResult, sqlite};
use serde_json::{Value, json};
use treaty_server::Config;

impl Broker {
    /// A team `catalog` with a component `catalog-svc` producing the
    /// interface `catalog-api` of `kind`; the publish-scope token.
    async fn producer(&self, kind: &str) -> Result<String, Box<dyn std::error::Error>> {
        let admin = self.admin.clone();
        self.expect(
            201,
            "POST",
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"id": "catalog", "name": "Catalog"})),
        )
        .await?;
        let token = self.token("catalog", &["publish"]).await?;
        self.expect(
            201,
            "PUT",
            "/api/v1/components/catalog-svc",
            Some(&token),
            Some(json!({"team": "catalog"})),
        )
        .await?;
        self.expect(
            201,
            "PUT",
            "/api/v1/interfaces/catalog-api",
            Some(&token),
            Some(json!({"component": "catalog-svc", "kind": kind})),
        )
        .await?;
        Ok(token)
    }
}

const API: &str =
    r#"{"openapi": "3.1.0", "info": {"title": "Catalog", "version": "1"}, "paths": {}}"#;

/// A bundle of a valid, empty OpenAPI document at `entry`, with `extra`
/// files beside it.
fn bundle(entry: &str, extra: &[&str], include_paths: &[&str]) -> Value {
    let mut files = serde_json::Map::new();
    files.insert(entry.to_owned(), json!(API));
    for f in extra {
        files.insert((*f).to_owned(), json!("{}"));
    }
    json!({"entry": entry, "include_paths": include_paths, "files": files})
}

#[tokio::test]
async fn bundle_paths_a_client_could_not_write_safely_are_refused() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let token = b.producer("openapi").await?;
    let long = format!("{}.json", "a/".repeat(520));
    let refused: Vec<(Value, &str)> = vec![
        (
            bundle("api.json", &["../../etc/passwd"], &[]),
            "../../etc/passwd",
        ),
        (bundle("/etc/passwd", &[], &[]), "/etc/passwd"),
        (bundle("api.json", &["/etc/passwd"], &[]), "/etc/passwd"),
        (bundle("C:\\x", &[], &[]), "C:\\\\x"),
        (bundle("api.json", &["C:x"], &[]), "C:x"),
        (
            bundle("api.json", &["\\\\server\\share"], &[]),
            "\\\\\\\\server",
        ),
        (bundle("api.json", &["a\\b"], &[]), "a\\\\b"),
        (bundle("api.json", &["a\0b"], &[]), "a\\0b"),
        (bundle("api.json", &["a\u{1b}[31mb"], &[]), "a\\u{1b}[31mb"),
        (bundle("api.json", &["."], &[]), "`.`"),
        (bundle("api.json", &["a/./b"], &[]), "a/./b"),
        (bundle("api.json", &["a/../b"], &[]), "a/../b"),
        (bundle("api.json", &["a//b"], &[]), "a//b"),
        (bundle("api.json", &["schemas/"], &[]), "schemas/"),
        (bundle("api.json", &[""], &[]), "``"),
        (bundle("api.json", &[&long], &[]), "a/a/a/"),
        (bundle("api.json", &["API.json"], &[]), "API.json"),
        (bundle("api.json", &["api.json/x"], &[]), "api.json"),
        (bundle("api.json", &[], &["../include"]), "../include"),
        (bundle("api.json", &[], &["/usr/include"]), "/usr/include"),
    ];
    for (n, (body, named)) in refused.into_iter().enumerate() {
        let (status, answer) = b
            .call(
                "PUT",
                &format!("/api/v1/interfaces/catalog-api/versions/{n}.0.0"),
                Some(&token),
                Some(body.clone()),
            )
            .await?;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(named),
            "{body}: {message} should name {named}"
        );
    }
    // Nothing was stored.
    let listed = b
        .expect(
            200,
            "GET",
            "/api/v1/interfaces/catalog-api/versions",
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(listed["items"], json!([]), "{listed}");
    Ok(())
}

#[tokio::test]
async fn bundle_paths_the_cli_sends_pass() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let token = b.producer("openapi").await?;
    let accepted = [
        bundle(
            "schemas/catalog.openapi.json",
            &["schemas/common/x.yaml"],
            &[],
        ),
        bundle("api.json", &[".github/x.json", "a..b/c.json"], &[]),
        bundle("api.json", &[], &["schemas/proto", "schemas/proto/", "."]),
    ];
    for (n, body) in accepted.into_iter().enumerate() {
        let path = format!("/api/v1/interfaces/catalog-api/versions/{n}.0.0");
        b.expect(201, "PUT", &path, Some(&token), Some(body.clone()))
            .await?;
        let back = b.expect(200, "GET", &path, Some(&token), None).await?;
        assert_eq!(back["files"], body["files"]);
    }
    Ok(())
}

/// An OpenAPI document whose one operation answers a chain of `links` pure
/// `$ref`s to a chain of `depth` object schemas, each the property `next`
/// of the one before; the last holds `leaf` of type `leaf_type`.
fn deep_api(links: usize, depth: usize, leaf_type: &str) -> String {
    let mut schemas = serde_json::Map::new();
    for i in 0..links {
        let next = if i + 1 < links {
            format!("#/components/schemas/R{}", i + 1)
        } else {
            "#/components/schemas/S0".to_owned()
        };
        schemas.insert(format!("R{i}"), json!({"$ref": next}));
    }
    for i in 0..depth {
        let properties = if i + 1 < depth {
            json!({"next": {"$ref": format!("#/components/schemas/S{}", i + 1)}})
        } else {
            json!({"leaf": {"type": leaf_type}})
        };
        schemas.insert(
            format!("S{i}"),
            json!({"type": "object", "properties": properties}),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Catalog", "version": "1"},
        "paths": {"/items": {"get": {"operationId": "listItems", "responses": {"200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/R0"}}}}}}}},
        "components": {"schemas": schemas},
    })
    .to_string()
}

/// Pure `$ref`s before the first schema with content, followed one by one:
/// no depth limit bounds them, only the body's size and the engine's time
/// (which grows with the square of the chain); 5,000 keeps the test quick.
const LINKS: usize = 5_000;
/// Schemas nested in schemas, through `$ref`s: the engine's limit of 400
/// levels (the first `$ref` of the response among them) lets this many
/// through, and refuses one more.
const DEEPEST: usize = 399;

fn deep_bundle(links: usize, depth: usize, leaf_type: &str) -> Value {
    json!({"entry": "api.json", "files": {"api.json": deep_api(links, depth, leaf_type)}})
}

#[tokio::test]
async fn deepest_schemas_the_limits_allow_are_compared_without_aborting() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let producer = b.producer("openapi").await?;
    let admin = b.admin.clone();
    let versions = "/api/v1/interfaces/catalog-api/versions";

    // One level more is refused: `DEEPEST` is the limit.
    let (status, answer) = b
        .call(
            "PUT",
            &format!("{versions}/0.1.0"),
            Some(&producer),
            Some(deep_bundle(LINKS, DEEPEST + 1, "string")),
        )
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer.to_string().contains("deeper"), "{answer}");

    b.expect(
        201,
        "PUT",
        &format!("{versions}/1.0.0"),
        Some(&producer),
        Some(deep_bundle(LINKS, DEEPEST, "string")),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        &format!("{versions}/2.0.0"),
        Some(&producer),
        Some(deep_bundle(LINKS, DEEPEST, "integer")),
    )
    .await?;

    // A consumer built against 1.0.0 runs in production.
    b.expect(
        201,
        "POST",
        "/api/v1/teams",
        Some(&admin),
        Some(json!({"id": "checkout", "name": "Checkout"})),
    )
    .await?;
    let consumer = b.token("checkout", &["publish"]).await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/environments/production",
        Some(&admin),
        None,
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/components/checkout-web",
        Some(&consumer),
        Some(json!({"team": "checkout"})),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/components/checkout-web/versions/41/expectations/catalog-api",
        Some(&consumer),
        Some(json!({"built_against": "1.0.0", "uses": {"operations": ["GET /items"]}})),
    )
    .await?;
    b.expect(
        201,
        "POST",
        "/api/v1/deployments",
        Some(&consumer),
        Some(json!({"component": "checkout-web", "version": "41", "environment": "production"})),
    )
    .await?;

    // The engine compares 1.0.0 with 2.0.0 all the way down to the leaf.
    let verdict = b
        .expect(
            200,
            "GET",
            "/api/v1/can-i-release?component=catalog-svc&version=2.0.0&environment=production",
            Some(&producer),
            None,
        )
        .await?;
    assert_eq!(verdict["release"], json!(false), "{verdict}");
    assert_eq!(
        verdict["pairs"][0]["outcome"],
        json!("breaking_changes"),
        "{verdict}"
    );
    Ok(())
}
