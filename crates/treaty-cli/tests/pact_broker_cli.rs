//! The Pact Broker's own client, `pact-broker-cli` (pinned in `.ci/run`,
//! which installs it and sets `TREATY_PACT_BROKER_CLI` to its path), against
//! a `treaty serve` on SQLite: creating pacticipants and an environment,
//! publishing a pact, a version with its branch, recording a deployment and
//! asking can-i-deploy, which says no until the provider's verification is
//! published (as a verifier publishes it: the pacts for verification, then
//! the pact's `pb:publish-verification-results` link) and yes after, and no
//! again once the provider's undeployment is recorded; yes once more when
//! the provider version is released there (`record-release`), and no when
//! its support ends (`record-support-ended`).
//! Without the client the test says `skipped:`, and fails under CI.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Broker, TestResult, http_agent, needs_env};
use serde_json::{Value, json};

/// `treaty ARGS` with `token`, which must exit 0; its stdout.
fn treaty_ok(s: &Broker, token: &str, args: &[&str]) -> TestResult<String> {
    let out = s.command(token, args).output()?;
    if !out.status.success() {
        return Err(format!(
            "treaty {args:?}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A token for `team`, made by the admin.
fn token_for(s: &Broker, admin: &str, team: &str) -> TestResult<String> {
    treaty_ok(s, admin, &["team", "create", team, "--name", team])?;
    let out = treaty_ok(
        s,
        admin,
        &["token", "create", "--team", team, "--scope", "publish"],
    )?;
    Ok(out.lines().next().ok_or("no token")?.trim().to_owned())
}

/// `pact-broker-cli ARGS` against the broker with `token`: its exit code
/// and its output (stdout, then stderr).
fn pact_cli(cli: &str, s: &Broker, token: &str, args: &[&str]) -> TestResult<(i32, String)> {
    let out = Command::new(cli)
        .args(args)
        .args(["--broker-base-url", s.url(), "--broker-token", token])
        .env_remove("PACT_BROKER_USERNAME")
        .env_remove("PACT_BROKER_PASSWORD")
        .output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.code().unwrap_or(-1), text))
}

/// A request as a Pact verifier sends it; the answer's JSON.
fn hal(s: &Broker, token: &str, method: &str, url: &str, body: Option<Value>) -> TestResult<Value> {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        format!("{}{url}", s.url())
    };
    let agent = http_agent(Duration::from_secs(10));
    let auth = format!("Bearer {token}");
    let mut response = match (method, body) {
        ("GET", _) => agent
            .get(&url)
            .header("Authorization", &auth)
            .header("Accept", "application/hal+json")
            .call()?,
        (_, body) => agent
            .post(&url)
            .header("Authorization", &auth)
            .header("Accept", "application/hal+json")
            .header("Content-Type", "application/json")
            .send(body.unwrap_or(json!({})).to_string())?,
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    if !(200..300).contains(&status) {
        return Err(format!("{method} {url}: {status} {text}").into());
    }
    Ok(serde_json::from_str(&text)?)
}

#[test]
fn pact_broker_cli_publishes_deploys_releases_and_asks_can_i_deploy() -> TestResult {
    let Some(cli) = needs_env(
        "TREATY_PACT_BROKER_CLI",
        "the path of pact-broker-cli, which .ci/run installs",
    ) else {
        return Ok(());
    };
    let s = Broker::start_fresh()?;
    let admin = s.bootstrap_token()?;
    let checkout = token_for(&s, &admin, "checkout")?;
    let payments = token_for(&s, &admin, "payments")?;

    let (code, out) = pact_cli(
        &cli,
        &s,
        &admin,
        &["create-environment", "--name", "production", "--production"],
    )?;
    assert_eq!(code, 0, "{out}");
    let (code, out) = pact_cli(
        &cli,
        &s,
        &payments,
        &[
            "create-or-update-pacticipant",
            "--name",
            "payments",
            "--main-branch",
            "main",
        ],
    )?;
    assert_eq!(code, 0, "{out}");

    let dir = tempfile::tempdir()?;
    let pact = json!({
        "consumer": {"name": "checkout"},
        "provider": {"name": "payments"},
        "interactions": [{
            "description": "a request for payment 1",
            "request": {"method": "GET", "path": "/payments/1"},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"id": 1}}
        }],
        "metadata": {"pactSpecification": {"version": "3.0.0"}}
    });
    let file = dir.path().join("checkout-payments.json");
    std::fs::write(&file, serde_json::to_string_pretty(&pact)?)?;
    let file = file.to_str().ok_or("path")?;
    let publish = [
        "publish",
        file,
        "--consumer-app-version",
        "1.0.0",
        "--branch",
        "main",
    ];
    let (code, out) = pact_cli(&cli, &s, &checkout, &publish)?;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("checkout"), "{out}");
    // The same pact again changes nothing and still succeeds.
    let (code, out) = pact_cli(&cli, &s, &checkout, &publish)?;
    assert_eq!(code, 0, "{out}");
    // Another team cannot publish as checkout.
    let (code, out) = pact_cli(&cli, &s, &payments, &publish)?;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("checkout"), "{out}");

    let (code, out) = pact_cli(
        &cli,
        &s,
        &payments,
        &[
            "create-or-update-version",
            "--pacticipant",
            "payments",
            "--version",
            "1.0.0",
            "--branch",
            "main",
        ],
    )?;
    assert_eq!(code, 0, "{out}");
    let (code, out) = pact_cli(
        &cli,
        &s,
        &payments,
        &[
            "record-deployment",
            "--pacticipant",
            "payments",
            "--version",
            "1.0.0",
            "--environment",
            "production",
        ],
    )?;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Recorded deployment"), "{out}");

    let ask = [
        "can-i-deploy",
        "--pacticipant",
        "checkout",
        "--version",
        "1.0.0",
        "--to-environment",
        "production",
    ];
    let (code, out) = pact_cli(&cli, &s, &checkout, &ask)?;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("Computer says no"), "{out}");
    assert!(out.contains("There is no verified pact"), "{out}");

    // The provider verifies as a verifier would, and publishes the result.
    let index = hal(&s, &payments, "GET", "/", None)?;
    let template = index["_links"]["pb:provider-pacts-for-verification"]["href"]
        .as_str()
        .ok_or("no pacts-for-verification link")?;
    let for_verification = hal(
        &s,
        &payments,
        "POST",
        &template.replace("{provider}", "payments"),
        Some(json!({"consumerVersionSelectors": [{"mainBranch": true}, {"branch": "main"}]})),
    )?;
    let pact_url = for_verification["_embedded"]["pacts"][0]["_links"]["self"]["href"]
        .as_str()
        .ok_or("no pact to verify")?
        .to_owned();
    let fetched = hal(&s, &payments, "GET", &pact_url, None)?;
    let results = fetched["_links"]["pb:publish-verification-results"]["href"]
        .as_str()
        .ok_or("no pb:publish-verification-results")?
        .to_owned();
    hal(
        &s,
        &payments,
        "POST",
        &results,
        Some(json!({"success": true, "providerApplicationVersion": "1.0.0"})),
    )?;

    let (code, out) = pact_cli(&cli, &s, &checkout, &ask)?;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Computer says yes"), "{out}");

    // payments leaves production: checkout may no longer go there.
    let (code, out) = pact_cli(
        &cli,
        &s,
        &payments,
        &[
            "record-undeployment",
            "--pacticipant",
            "payments",
            "--environment",
            "production",
        ],
    )?;
    assert_eq!(code, 0, "{out}");
    let (code, out) = pact_cli(&cli, &s, &checkout, &ask)?;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("not deployed in production"), "{out}");

    // payments 1.0.0 released to production counts as deployed: yes again.
    let release = [
        "record-release",
        "--pacticipant",
        "payments",
        "--version",
        "1.0.0",
        "--environment",
        "production",
    ];
    let (code, out) = pact_cli(&cli, &s, &payments, &release)?;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Recorded release"), "{out}");
    // Again: the same release, still a success.
    let (code, out) = pact_cli(&cli, &s, &payments, &release)?;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Recorded release"), "{out}");
    // Another team cannot release payments.
    let (code, out) = pact_cli(&cli, &s, &checkout, &release)?;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("payments"), "{out}");
    let (code, out) = pact_cli(&cli, &s, &checkout, &ask)?;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Computer says yes"), "{out}");

    // Its support ends: no again, and ending it again finds nothing.
    let support_ended = [
        "record-support-ended",
        "--pacticipant",
        "payments",
        "--version",
        "1.0.0",
        "--environment",
        "production",
    ];
    let (code, out) = pact_cli(&cli, &s, &checkout, &support_ended)?;
    assert_ne!(code, 0, "another team ended payments' support: {out}");
    let (code, out) = pact_cli(&cli, &s, &payments, &support_ended)?;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Recorded support ended"), "{out}");
    let (code, out) = pact_cli(&cli, &s, &checkout, &ask)?;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("not deployed in production"), "{out}");
    let (code, out) = pact_cli(&cli, &s, &payments, &support_ended)?;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("No currently released versions"), "{out}");
    Ok(())
}
