//! The data the dashboard's tests show: three teams (one with a name
//! that is markup), a producer with two versions of an interface, two
//! consumers, all deployed to production, through the broker's API.

use serde_json::{Value, json};

use crate::common::Broker;

type Error = Box<dyn std::error::Error>;

/// The team name every page must show as text, never run.
pub const HOSTILE_NAME: &str = "<script>alert(1)</script>";

pub fn openapi(paths: &[&str]) -> Value {
    let mut p = serde_json::Map::new();
    for path in paths {
        p.insert(
            path.to_string(),
            json!({"get": {"responses": {"200": {"description": "ok"}}}}),
        );
    }
    let doc = json!({"openapi": "3.1.0", "info": {"title": "Catalog", "version": "1"}, "paths": p});
    // Pretty, as people write them: the proposal diff shows lines.
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    json!({"entry": "api.json", "files": {"api.json": text}})
}

/// Teams (one with a hostile name), a producer with two versions of an
/// interface, two consumers, all deployed to production. catalog-svc 2.0.0
/// drops `/items/{sku}`, which checkout-web 41 uses and search-web does
/// not (checkout-web 40, recorded before 41 and deployed nowhere, did not).
/// The `catalog` team's token.
pub async fn data(b: &Broker) -> Result<String, Error> {
    let admin = b.admin.clone();
    let a = Some(admin.as_str());
    for (id, name) in [
        ("catalog", HOSTILE_NAME),
        ("checkout", "Checkout"),
        ("search", "Search"),
    ] {
        b.expect(
            201,
            "POST",
            "/api/v1/teams",
            a,
            Some(json!({"id": id, "name": name})),
        )
        .await?;
    }
    b.expect(201, "PUT", "/api/v1/environments/production", a, None)
        .await?;
    b.expect(201, "PUT", "/api/v1/environments/staging", a, None)
        .await?;
    let catalog = b.token("catalog", &["publish"]).await?;
    let checkout = b.token("checkout", &["publish"]).await?;
    let search = b.token("search", &["publish"]).await?;
    let (p, c, s) = (
        Some(catalog.as_str()),
        Some(checkout.as_str()),
        Some(search.as_str()),
    );
    for (component, team, token) in [
        ("catalog-svc", "catalog", p),
        ("checkout-web", "checkout", c),
        ("search-web", "search", s),
    ] {
        b.expect(
            201,
            "PUT",
            &format!("/api/v1/components/{component}"),
            token,
            Some(json!({"team": team})),
        )
        .await?;
    }
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/catalog-api",
        p,
        Some(json!({"component": "catalog-svc", "kind": "openapi"})),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/catalog-api/versions/1.0.0",
        p,
        Some(openapi(&["/items", "/items/{sku}"])),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/catalog-api/versions/2.0.0",
        p,
        Some(openapi(&["/items"])),
    )
    .await?;
    // checkout-web 40 came first and listed items; 41, recorded last, is
    // the one the catalog shows.
    for (component, version, uses, token) in [
        ("checkout-web", "40", "GET /items", c),
        ("checkout-web", "41", "GET /items/{sku}", c),
        ("search-web", "7", "GET /items", s),
    ] {
        b.expect(
            201,
            "PUT",
            &format!("/api/v1/components/{component}/versions/{version}/expectations/catalog-api"),
            token,
            Some(json!({"built_against": "1.0.0", "uses": {"operations": [uses]}})),
        )
        .await?;
    }
    for (component, version, token) in [
        ("catalog-svc", "2.0.0", p),
        ("checkout-web", "41", c),
        ("search-web", "7", s),
    ] {
        b.expect(
            201,
            "POST",
            "/api/v1/deployments",
            token,
            Some(json!({"component": component, "version": version, "environment": "production"})),
        )
        .await?;
    }
    Ok(catalog)
}
