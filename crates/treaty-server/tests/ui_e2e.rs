//! The dashboard end to end in a real headless Chromium: a broker on a
//! temporary SQLite store with the tests' data, served on a local port,
//! then `tests/e2e/dashboard.test.js` (Playwright driving Debian's
//! `chromium`) signs in, opens the catalog, searches, opens an interface,
//! opens the matrix, opens a release and reads a risk reason, signs in as
//! the consumer team, approves the breaking change's proposal in its form
//! and sees the gate turn from no-go to go, opens the decision log and
//! waits for the browser's own check of every proof; it runs axe-core on
//! each page and keeps screenshots in `target/e2e-artifacts/`.
//!
//! Needs `node`, the browser (`/usr/bin/chromium`, or `TREATY_E2E_CHROMIUM`)
//! and `tests/e2e/node_modules` (`npm ci` there). Without them the test is
//! skipped, and says so; under `CI` it fails.

mod common;
mod ui_seed;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TestResult, sqlite};
use treaty_server::Config;

/// What is missing to run the browser, if anything.
fn missing(repo: &Path, chromium: &Path) -> Option<String> {
    if !chromium.is_file() {
        return Some(format!(
            "no browser at {} (apt-get install -y chromium, or set TREATY_E2E_CHROMIUM)",
            chromium.display()
        ));
    }
    if !repo.join("tests/e2e/node_modules/playwright-core").is_dir() {
        return Some("tests/e2e/node_modules is not installed (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)".into());
    }
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => None,
        _ => Some("node is not on PATH".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_headless_browser() -> TestResult {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let chromium = std::env::var_os("TREATY_E2E_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if let Some(why) = missing(&repo, &chromium) {
        if std::env::var_os("CI").is_some() {
            return Err(format!("the browser test must run in CI: {why}").into());
        }
        let _ = std::io::Write::write_all(
            &mut std::io::stderr().lock(),
            format!("skipped: {why}\n").as_bytes(),
        );
        return Ok(());
    }
    let broker = sqlite(Config {
        log_signer: treaty_log::NoteSigner::from_seed("e2e.example/decisions", [7; 32]).ok(),
        ..Config::default()
    })
    .await?;
    let token = ui_seed::data(&broker).await?;
    // The release board's data: the train, the breaking change proposed,
    // approved by its producer; the consumer approves in the browser.
    broker
        .expect(
            201,
            "PUT",
            &format!("/api/v1/trains/{}", ui_seed::RELEASE),
            Some(&token),
            Some(ui_seed::train()?),
        )
        .await?;
    let proposal = ui_seed::propose(&broker, &token).await?;
    let producer = broker.token("catalog", &["approve"]).await?;
    let stored = broker
        .expect(
            200,
            "GET",
            &format!("/api/v1/proposals/{proposal}"),
            Some(&producer),
            None,
        )
        .await?;
    broker
        .expect(
            200,
            "POST",
            &format!("/api/v1/proposals/{proposal}/decisions"),
            Some(&producer),
            Some(serde_json::json!({"decision": "approve", "change_set": stored["change_set"], "reason": "ours"})),
        )
        .await?;
    let consumer = broker.token("checkout", &["approve"]).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = Config::default();
    let app = broker.app.clone();
    let server = tokio::spawn(async move {
        treaty_server::serve(listener, app, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    let artifacts = repo.join("target/e2e-artifacts");
    std::fs::create_dir_all(&artifacts)?;
    let script = repo.join("tests/e2e/dashboard.test.js");
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .env("TREATY_URL", base)
            .env("TREATY_TOKEN", token)
            .env("TREATY_CONSUMER_TOKEN", consumer)
            .env("TREATY_PROPOSAL", proposal)
            .env("TREATY_RELEASE", ui_seed::RELEASE)
            .env("TREATY_E2E_CHROMIUM", chromium)
            .env("TREATY_E2E_ARTIFACTS", artifacts)
            .output()
    })
    .await??;
    let _ = stop.send(());
    server.await??;
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "the browser script failed ({}):\n{stdout}\n{stderr}",
        run.status
    );
    assert!(stdout.contains("ok: signed out"), "{stdout}");
    assert!(
        stdout.contains("ok: the gate turned from no-go to go"),
        "{stdout}"
    );
    Ok(())
}
