//! The test harness the broker's integration tests share: a broker on
//! SQLite or PostgreSQL behind its router, and calls that read the answer as
//! JSON. PostgreSQL comes from `TREATY_TEST_DATABASE_URL`; without it a test
//! is skipped visibly, and under `CI` it fails.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod acme;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use treaty_server::{Config, app};
use treaty_store::{Store, Table};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A broker behind its router, with its store and the bootstrap admin token.
pub struct Broker {
    pub app: Router,
    pub store: Store,
    pub admin: String,
    _dir: Option<tempfile::TempDir>,
}

/// A broker on a fresh SQLite file in a temporary directory.
pub async fn sqlite(config: Config) -> Result<Broker, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
    let store = Store::open(&url).await?;
    let admin = store.bootstrap(1).await?.ok_or("no bootstrap token")?;
    Ok(Broker {
        app: app(store.clone(), config),
        store,
        admin,
        _dir: Some(dir),
    })
}

/// The PostgreSQL server to test on. Without one the test is skipped, and
/// says so on stderr; under `CI` it fails instead, so that CI cannot pass
/// without ever touching PostgreSQL.
pub fn postgres_url() -> Result<Option<String>, Box<dyn std::error::Error>> {
    if let Ok(url) = std::env::var("TREATY_TEST_DATABASE_URL") {
        return Ok(Some(url));
    }
    if std::env::var_os("CI").is_some() {
        return Err("TREATY_TEST_DATABASE_URL is not set, and CI is: the PostgreSQL tests must run in CI (set it to a PostgreSQL server's URL, as .ci/run does)".into());
    }
    // Written to stderr itself: the test harness hides `eprintln!` output
    // of a test that passes, and a skip must be seen.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr().lock(),
        b"skipped: TREATY_TEST_DATABASE_URL is not set (set it to a PostgreSQL server's URL, such as postgres://postgres@127.0.0.1:5432/test, to run this test)\n",
    );
    Ok(None)
}

/// A broker on a fresh scratch PostgreSQL database, or `None` when the
/// test is skipped (see [`postgres_url`]).
pub async fn postgres(config: Config) -> Result<Option<Broker>, Box<dyn std::error::Error>> {
    let Some(url) = postgres_url()? else {
        return Ok(None);
    };
    let url = treaty_store::scratch_postgres_url(&url).await?;
    let store = Store::open(&url).await?;
    let admin = store.bootstrap(1).await?.ok_or("no bootstrap token")?;
    Ok(Some(Broker {
        app: app(store.clone(), config),
        store,
        admin,
        _dir: None,
    }))
}

impl Broker {
    /// Another broker on the same database, as a second process would be.
    pub fn another(&self, config: Config) -> Broker {
        Broker {
            app: app(self.store.clone(), config),
            store: self.store.clone(),
            admin: self.admin.clone(),
            _dir: None,
        }
    }

    /// A request with any method, token, content type and body.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        let response = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body))?)
            .await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)?
        };
        Ok((status, value))
    }

    /// A request with an optional JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        match body {
            Some(b) => {
                self.raw(
                    method,
                    path,
                    token,
                    Some("application/json"),
                    serde_json::to_vec(&b)?,
                )
                .await
            }
            None => self.raw(method, path, token, None, Vec::new()).await,
        }
    }

    /// A call that must answer `want`.
    pub async fn expect(
        &self,
        want: u16,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value, Box<dyn std::error::Error>> {
        let (status, value) = self.call(method, path, token, body).await?;
        if status.as_u16() != want {
            return Err(format!("{method} {path}: expected {want}, got {status}: {value}").into());
        }
        Ok(value)
    }

    /// A new token for `team` with `scopes`, issued by the admin.
    pub async fn token(
        &self,
        team: &str,
        scopes: &[&str],
    ) -> Result<String, Box<dyn std::error::Error>> {
        let admin = self.admin.clone();
        let v = self
            .expect(
                201,
                "POST",
                "/api/v1/tokens",
                Some(&admin),
                Some(json!({"team": team, "scopes": scopes})),
            )
            .await?;
        Ok(v["token"].as_str().ok_or("no token")?.to_owned())
    }

    /// The row counts of the resource tables, to show a refusal wrote nothing.
    pub async fn rows(&self) -> Result<Vec<i64>, Box<dyn std::error::Error>> {
        let mut out = Vec::new();
        for t in [
            Table::Teams,
            Table::Components,
            Table::InterfaceVersions,
            Table::Expectations,
            Table::Verifications,
            Table::Deployments,
            Table::ReleasedVersions,
        ] {
            out.push(self.store.count(t).await?);
        }
        Ok(out)
    }
}
