//! The dashboard's dependency graph through the broker's router, on
//! SQLite (always) and PostgreSQL (when `TREATY_TEST_DATABASE_URL` is set;
//! under `CI` a missing URL fails): every team and who consumes whose
//! interfaces, drawn as SVG; a team's view; an open breaking-change
//! proposal marking the consumer it touches as at risk, in words and in
//! the drawing; hostile text escaped; unknown and invalid teams refused.

mod common;
mod ui_seed;
mod ui_visit;

use axum::http::StatusCode;
use common::{Broker, TestResult, postgres, sqlite};
use treaty_server::Config;
use ui_seed::{HOSTILE_NAME, data, propose};
use ui_visit::{get, sign_in};

async fn the_graph(b: &Broker) -> TestResult {
    let catalog = data(b).await?;
    let session = sign_in(b, &catalog).await?;
    let s = Some(session.as_str());

    // Before any proposal: catalog's interface consumed by checkout and
    // search, nothing at risk.
    let all = get(b, "/ui/graph", s).await?;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.body.contains("<svg"), "{}", all.body);
    assert!(all.body.contains("✓ nothing at risk"), "{}", all.body);
    for team in ["catalog", "checkout", "search"] {
        assert!(
            all.body
                .contains(&format!("<a href=\"/ui/graph?team={team}\">")),
            "{team} in {}",
            all.body
        );
    }
    assert_eq!(
        all.body.matches("class=\"edge\"").count(),
        2,
        "{}",
        all.body
    );

    // An open breaking change of catalog-api that touches checkout.
    let id = propose(b, &catalog).await?;
    let all = get(b, "/ui/graph", s).await?;
    assert!(all.body.contains("⚠ 1 at risk"), "{}", all.body);
    assert_eq!(all.body.matches("class=\"edge risk\"").count(), 1);
    assert!(all.body.contains("⚠ checkout"), "{}", all.body);
    assert!(!all.body.contains("⚠ search"), "{}", all.body);
    assert!(
        all.body.contains(&format!("{id} awaits approval: ")),
        "{}",
        all.body
    );
    // The proposal's hostile title is text, never markup.
    assert!(!all.body.contains(HOSTILE_NAME), "{}", all.body);

    // checkout's view: catalog, catalog-api (at risk), checkout.
    let view = get(b, "/ui/graph?team=checkout", s).await?;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    assert!(
        view.body.contains("<h1>Dependencies of team checkout</h1>"),
        "{}",
        view.body
    );
    assert!(view.body.contains("⚠ catalog-api"), "{}", view.body);
    assert!(
        view.body
            .contains("<a href=\"/ui/interfaces/catalog-api\">"),
        "{}",
        view.body
    );
    assert!(!view.body.contains(">search<"), "{}", view.body);
    // search's view: catalog-api, not at risk for search.
    let search = get(b, "/ui/graph?team=search", s).await?;
    assert!(search.body.contains("✓ nothing at risk"), "{}", search.body);

    let unknown = get(b, "/ui/graph?team=nobody", s).await?;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let invalid = get(b, "/ui/graph?team=%3Cb%3E", s).await?;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!invalid.body.contains("<b>"), "{}", invalid.body);
    Ok(())
}

#[tokio::test]
async fn the_graph_on_sqlite() -> TestResult {
    the_graph(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn the_graph_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => the_graph(&b).await,
        None => Ok(()),
    }
}
