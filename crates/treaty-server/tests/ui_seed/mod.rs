//! The data the dashboard's tests show: three teams (one with a name
//! that is markup), a producer with two versions of an interface, two
//! consumers, all deployed to production, through the broker's API; for
//! the release board, a release train on that interface and a proposal of
//! its breaking change.

#![allow(dead_code)]

use serde_json::{Value, json};
use treaty_server::api::TrainContent;

use crate::common::Broker;

/// The release train of the board's data.
pub const RELEASE: &str = "2027-03";

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

/// A workspace of the seed's teams: catalog-api (catalog's, used by
/// checkout) and release 2027-03 with one scope item on it, not
/// essential, whose one criterion has no evidence.
pub fn train() -> Result<Value, Error> {
    let mut source = treaty_core::MemorySource::new();
    let files = [
        (
            "treaty.yaml",
            "version: 1\norganization: {id: shop, name: Shop}\ngovernance:\n  steering_group: [catalog]\n  approvals:\n    - change: breaking\n      require: [producer, affected_consumers]\n",
        ),
        ("teams/catalog.yaml", "id: catalog\nname: Catalog\n"),
        ("teams/checkout.yaml", "id: checkout\nname: Checkout\n"),
        ("teams/search.yaml", "id: search\nname: Search\n"),
        (
            "interfaces/catalog-api.yaml",
            "id: catalog-api\nkind: openapi\nschema: schemas/catalog-api.json\nproducer: catalog\nconsumers:\n  - team: checkout\n  - team: search\ncompatibility: backward\n",
        ),
        (
            "schemas/catalog-api.json",
            r#"{"openapi": "3.1.0", "info": {"title": "Catalog", "version": "1"}, "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}}}}}}"#,
        ),
        (
            "releases/2027-03.yaml",
            "id: 2027-03\nname: March\nmilestones: {feature_freeze: 2027-03-10, code_freeze: 2027-03-15, ship: 2027-03-20}\nscope:\n  - id: catalog-cleanup\n    title: Drop the item lookup\n    owner: catalog\n    essential: false\n    interfaces: [catalog-api]\n    done:\n      - id: tests-pass\n        description: The catalog's tests pass.\n        evidence: {kind: junit, source: \"reports/*.xml\"}\n        threshold: {metric: pass_rate, min: 1.0}\n",
        ),
    ];
    for (path, text) in files {
        source.insert(path.to_owned(), text.as_bytes().to_vec());
    }
    let (ws, diags) = treaty_core::load(&source);
    if let Some(d) = diags
        .iter()
        .find(|d| d.severity == treaty_syntax::Severity::Error)
    {
        return Err(format!("the workspace does not load: {}", d.message).into());
    }
    let content = TrainContent::from_workspace(&ws, RELEASE).ok_or("no such release")?;
    Ok(serde_json::to_value(content)?)
}

/// The breaking changes between catalog-api 1.0.0 and 2.0.0, as `treaty
/// check` would report them: (rule, message).
pub fn breaking_changes() -> Result<Vec<(String, String)>, Error> {
    let bundle = |paths: &[&str]| -> Result<treaty_compat::Bundle, Error> {
        Ok(serde_json::from_value(openapi(paths))?)
    };
    let old = bundle(&["/items", "/items/{sku}"])?;
    let new = bundle(&["/items"])?;
    let diff = treaty_compat::diff_bundles(
        &old,
        &new,
        treaty_compat::Format::OpenApi,
        Default::default(),
    )?;
    Ok(diff
        .changes
        .iter()
        .filter(|c| c.level(treaty_compat::Policy::Backward) == treaty_compat::Level::Breaking)
        .map(|c| (c.rule.to_owned(), c.message.clone()))
        .collect())
}

/// The proposal of those changes, by the catalog team: cp id.
pub async fn propose(b: &Broker, catalog: &str) -> Result<String, Error> {
    let changes = breaking_changes()?;
    assert!(!changes.is_empty(), "2.0.0 breaks 1.0.0");
    let hash = treaty_core::governance::change_set_hash(
        "catalog-api",
        changes.iter().map(|(r, m)| (r.as_str(), m.as_str())),
    );
    let body = json!({
        "interface": "catalog-api",
        "title": HOSTILE_NAME,
        "change_set": hash,
        "changes": changes.iter().map(|(r, m)| json!({"rule": r, "message": m})).collect::<Vec<_>>(),
        "required": [
            {"type": "team", "team": "catalog", "role": "producer"},
            {"type": "team", "team": "checkout", "role": "affected_consumer"}
        ],
        "impact": {"consumers": ["checkout"], "operations": ["GET /items/{sku}"], "behind": ["search"]},
        "reason": HOSTILE_NAME,
        "rollback": "Publish 1.0.0 again.",
        "target_release": RELEASE
    });
    let p = b
        .expect(201, "POST", "/api/v1/proposals", Some(catalog), Some(body))
        .await?;
    Ok(p["id"].as_str().ok_or("no id")?.to_owned())
}
