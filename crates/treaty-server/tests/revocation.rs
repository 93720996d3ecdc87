//! A token revoked through one broker stops working on every other broker
//! on the same PostgreSQL database at once, not when their one-second token
//! cache expires. Runs when `TREATY_TEST_DATABASE_URL` is set (`.ci/run`
//! sets it; under `CI` a missing URL fails). SQLite has one broker per
//! file, so there is nothing to tell there.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use treaty_server::{Config, app};
use treaty_store::Store;

mod common;

use common::{TestResult, postgres_url};

/// The status of `method path` with `body`, called with `token`.
async fn status(
    broker: &Router,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Result<StatusCode, Box<dyn std::error::Error>> {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("Authorization", format!("Bearer {token}"));
    let request = match body {
        Some(b) => request
            .header("Content-Type", "application/json")
            .body(Body::from(serde_json::to_vec(&b)?))?,
        None => request.body(Body::empty())?,
    };
    Ok(broker.clone().oneshot(request).await?.status())
}

/// A write: a new team, named `id`.
async fn create_team(
    broker: &Router,
    token: &str,
    id: &str,
) -> Result<StatusCode, Box<dyn std::error::Error>> {
    let body = json!({"id": id, "name": id});
    status(broker, "POST", "/api/v1/teams", token, Some(body)).await
}

/// A new admin token, issued through `broker`: its id and secret.
async fn issue_admin_token(
    broker: &Router,
    admin: &str,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    let request = Request::builder()
        .method("POST")
        .uri("/api/v1/tokens")
        .header("Authorization", format!("Bearer {admin}"))
        .header("Content-Type", "application/json")
        .body(Body::from(serde_json::to_vec(
            &json!({"team": treaty_store::ADMIN_TEAM, "scopes": ["admin"]}),
        )?))?;
    let response = broker.clone().oneshot(request).await?;
    if response.status() != StatusCode::CREATED {
        return Err(format!("issuing a token: {}", response.status()).into());
    }
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await?
        .to_bytes();
    let issued: Value = serde_json::from_slice(&bytes)?;
    let id = issued["id"].as_str().ok_or("no token id")?;
    let secret = issued["token"].as_str().ok_or("no token")?;
    Ok((id.to_owned(), secret.to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_through_one_broker_is_refused_at_once_by_another() -> TestResult {
    let Some(url) = postgres_url()? else {
        return Ok(());
    };
    let url = treaty_store::scratch_postgres_url(&url).await?;
    let result = revoked_on_a_refused_on_b(&url).await;
    treaty_store::drop_scratch_postgres(&url).await?;
    result
}

async fn revoked_on_a_refused_on_b(url: &str) -> TestResult {
    let store_a = Store::open(url).await?;
    let admin = store_a.bootstrap(1).await?.ok_or("no bootstrap token")?;
    let broker_a = app(store_a, Config::default());
    let broker_b = app(Store::open(url).await?, Config::default());
    // Let broker B start listening, as a broker long up would be.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The bug: B had the token cached for a second after it last checked
    // it, so the first 401 came about a second after that check. A trial
    // whose revocation alone took too long (a loaded machine) could not
    // tell the two apart, and is run again with a new token.
    for trial in 0..5 {
        let (id, token) = issue_admin_token(&broker_a, &admin).await?;
        let checked_at = Instant::now();
        // B checks the token, and caches it.
        let written = create_team(&broker_b, &token, &format!("before-{trial}")).await?;
        assert_eq!(written, StatusCode::CREATED, "a live token writes on B");
        let revoked = status(
            &broker_a,
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            &admin,
            None,
        )
        .await?;
        assert_eq!(revoked, StatusCode::NO_CONTENT, "revoked through A");
        let revoked_at = Instant::now();
        if revoked_at - checked_at > Duration::from_millis(300) {
            eprintln!("trial {trial}: the revocation took too long to tell; again");
            continue;
        }

        // Until 401, every 10 ms, for at most 2 s.
        let mut refused_after = None;
        for attempt in 0..200 {
            let written =
                create_team(&broker_b, &token, &format!("after-{trial}-{attempt}")).await?;
            if written == StatusCode::UNAUTHORIZED {
                refused_after = Some(revoked_at.elapsed());
                break;
            }
            assert_eq!(written, StatusCode::CREATED, "attempt {attempt}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let refused_after = refused_after.ok_or("B never refused the revoked token")?;
        eprintln!(
            "trial {trial}: B refused the revoked token {refused_after:?} after its revocation"
        );
        assert!(
            refused_after < Duration::from_millis(500),
            "B refused the revoked token only {refused_after:?} after its revocation: told late, or not at all"
        );
        return Ok(());
    }
    Err("every trial's revocation took too long to tell".into())
}
