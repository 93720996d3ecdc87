//! What one request may cost the broker: a published bundle is bounded in
//! nodes, not only in bytes (a 31 MiB bundle of 16 million small nodes once
//! took gigabytes), and one over the budget is refused, naming it, with
//! nothing stored; bundles being sent back are bounded in bytes at once;
//! a token has a bounded number of publishes in progress. Measured figures
//! are in docs/PERFORMANCE.md.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use treaty_server::{Config, app};
use treaty_store::{Store, Table};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

struct Broker {
    app: Router,
    store: Store,
    _dir: tempfile::TempDir,
}

/// A broker on a scratch SQLite file, with a team `catalog`, its component
/// `catalog-svc`, an OpenAPI interface `catalog-api`, and a publish token.
async fn broker(config: Config) -> TestResult<(Broker, String)> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
    let store = Store::open(&url).await?;
    let admin = store.bootstrap(1).await?.ok_or("no bootstrap token")?;
    let b = Broker {
        app: app(store.clone(), config),
        store,
        _dir: dir,
    };
    let a = Some(admin.as_str());
    b.expect(
        201,
        "POST",
        "/api/v1/teams",
        a,
        json!({"id": "catalog", "name": "Catalog"}),
    )
    .await?;
    let v = b
        .expect(
            201,
            "POST",
            "/api/v1/tokens",
            a,
            json!({"team": "catalog", "scopes": ["publish"]}),
        )
        .await?;
    let token = v["token"].as_str().ok_or("no token")?.to_owned();
    let p = Some(token.as_str());
    b.expect(
        201,
        "PUT",
        "/api/v1/components/catalog-svc",
        p,
        json!({"team": "catalog"}),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/catalog-api",
        p,
        json!({"component": "catalog-svc", "kind": "openapi"}),
    )
    .await?;
    Ok((b, token))
}

impl Broker {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> TestResult<(StatusCode, Value)> {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("Content-Type", "application/json");
        let req = match token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        };
        let response = self
            .app
            .clone()
            .oneshot(req.body(Body::from(serde_json::to_vec(&body)?))?)
            .await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    async fn expect(
        &self,
        want: u16,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> TestResult<Value> {
        let (status, value) = self.call(method, path, token, body).await?;
        if status.as_u16() != want {
            return Err(format!("{method} {path}: expected {want}, got {status}: {value}").into());
        }
        Ok(value)
    }
}

/// An OpenAPI bundle whose entry carries `items` small values in an
/// extension: `items` nodes and a few dozen more.
fn bundle_of_small_nodes(items: usize) -> Value {
    let doc = format!(
        r#"{{"openapi":"3.1.0","info":{{"title":"Catalog","version":"1"}},"paths":{{}},"x-filler":[{}0]}}"#,
        "0,".repeat(items.saturating_sub(1))
    );
    json!({"entry": "api/catalog.json", "files": {"api/catalog.json": doc}})
}

#[tokio::test]
async fn a_bundle_over_the_node_budget_is_refused_naming_it_and_nothing_is_stored() -> TestResult {
    let (b, token) = broker(Config {
        max_bundle_nodes: 1_000,
        ..Config::default()
    })
    .await?;
    let path = "/api/v1/interfaces/catalog-api/versions/1.0.0";
    let v = b
        .expect(422, "PUT", path, Some(&token), bundle_of_small_nodes(5_000))
        .await?;
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("more than 1000 nodes"),
        "the refusal names the budget: {v}"
    );
    assert_eq!(b.store.count(Table::InterfaceVersions).await?, 0);
    // The same schema within the budget is published.
    b.expect(201, "PUT", path, Some(&token), bundle_of_small_nodes(900))
        .await?;
    assert_eq!(b.store.count(Table::InterfaceVersions).await?, 1);
    Ok(())
}

#[tokio::test]
async fn the_budget_is_over_all_the_files_of_a_bundle() -> TestResult {
    let (b, token) = broker(Config {
        max_bundle_nodes: 1_000,
        ..Config::default()
    })
    .await?;
    let mut bundle = bundle_of_small_nodes(600);
    // A second file of the same size, within the budget on its own.
    let filler = format!("[{}0]", "0,".repeat(599));
    bundle["files"]["api/filler.json"] = Value::String(filler);
    let v = b
        .expect(
            422,
            "PUT",
            "/api/v1/interfaces/catalog-api/versions/1.0.0",
            Some(&token),
            bundle,
        )
        .await?;
    assert!(v.to_string().contains("more than 1000 nodes"), "{v}");
    assert_eq!(b.store.count(Table::InterfaceVersions).await?, 0);
    Ok(())
}

#[tokio::test]
async fn downloads_past_the_bytes_in_flight_are_refused_until_one_is_sent() -> TestResult {
    let (b, token) = broker(Config {
        max_download_bytes: 7 * 1024 * 1024 / 2,
        ..Config::default()
    })
    .await?;
    // Few nodes, many bytes: one long description.
    let doc = json!({"openapi": "3.1.0", "info": {"title": "Catalog", "version": "1",
        "description": "x".repeat(1024 * 1024)}, "paths": {}});
    let path = "/api/v1/interfaces/catalog-api/versions/1.0.0";
    b.expect(
        201,
        "PUT",
        path,
        Some(&token),
        json!({"entry": "api/catalog.json", "files": {"api/catalog.json": doc.to_string()}}),
    )
    .await?;
    let get = || {
        Request::builder()
            .uri(path)
            .header("Authorization", format!("Bearer {token}"))
            .body(Body::empty())
    };
    // Responses held and never read, as a client that does not read does.
    let mut unread = Vec::new();
    loop {
        let response = b.app.clone().oneshot(get()?).await?;
        if response.status() != StatusCode::OK {
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(
                response.headers().get("retry-after").map(|v| v.as_bytes()),
                Some(&b"1"[..])
            );
            break;
        }
        unread.push(response);
        assert!(unread.len() < 20, "no bound on the bundles being sent");
    }
    // 3.5 MiB in flight: three of 1 MiB.
    assert_eq!(unread.len(), 3);
    // One sent in full frees its share.
    let sent = unread.pop().ok_or("none held")?;
    let bytes = sent.into_body().collect().await?.to_bytes();
    let bundle: Value = serde_json::from_slice(&bytes)?;
    assert_eq!(bundle["entry"], "api/catalog.json");
    let again = b.app.clone().oneshot(get()?).await?;
    assert_eq!(again.status(), StatusCode::OK);
    Ok(())
}

/// A request body that tells when it is first read and then never ends:
/// a publish that has taken its slot and is reading its body.
struct NeverEnding {
    started: Option<tokio::sync::oneshot::Sender<()>>,
}

impl http_body::Body for NeverEnding {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if let Some(started) = self.started.take() {
            let _ = started.send(());
        }
        std::task::Poll::Pending
    }
}

#[tokio::test]
async fn a_token_past_its_publishes_in_progress_is_refused_429_until_one_ends() -> TestResult {
    let (b, token) = broker(Config::default()).await?;
    let path = "/api/v1/interfaces/catalog-api/versions/1.0.0";
    let publish = |body: Body| {
        Request::builder()
            .method("PUT")
            .uri(path)
            .header("Content-Type", "application/json")
            .header("Authorization", format!("Bearer {token}"))
            .body(body)
    };
    // Two publishes in progress, both reading a body that never ends.
    let mut in_progress = Vec::new();
    for _ in 0..2 {
        let (started, read) = tokio::sync::oneshot::channel();
        let request = publish(Body::new(NeverEnding {
            started: Some(started),
        }))?;
        in_progress.push(tokio::spawn(b.app.clone().oneshot(request)));
        tokio::time::timeout(std::time::Duration::from_secs(10), read).await??;
    }
    let bundle = bundle_of_small_nodes(10);
    let third = b
        .app
        .clone()
        .oneshot(publish(Body::from(serde_json::to_vec(&bundle)?))?)
        .await?;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        third.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let body: Value = serde_json::from_slice(&third.into_body().collect().await?.to_bytes())?;
    assert_eq!(body["error"]["code"], "too_many_requests", "{body}");
    assert_eq!(body["error"]["status"], 429);
    // Nothing was stored, and one publish given up frees its slot.
    assert_eq!(b.store.count(Table::InterfaceVersions).await?, 0);
    let given_up = in_progress.pop().ok_or("none in progress")?;
    given_up.abort();
    let _ = given_up.await;
    b.expect(201, "PUT", path, Some(&token), bundle).await?;
    Ok(())
}
