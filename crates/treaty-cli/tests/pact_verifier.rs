//! A real Pact verifier against `treaty serve`: pact-python's (the Pact
//! FFI's verifier, written in Rust) verifies a small provider
//! (`tests/pact-verifier/provider.py`) against the pacts the broker selects
//! for it and publishes the result (`tests/pact-verifier/verify.py`); then
//! can-i-deploy says the provider version may go where the consumer runs.
//! Needs `TREATY_PACT_PYTHON`, a Python with pact-python 4.2.0 (`.ci/run`
//! installs it in `target/py-venv`); without it the test says `skipped:`,
//! and fails under CI.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Broker, TestResult, http_agent, needs_env};
use serde_json::{Value, json};

/// A request to the broker with `token`; the status and the JSON answer.
fn call(
    s: &Broker,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> TestResult<(u16, Value)> {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", s.url())
    };
    let agent = http_agent(Duration::from_secs(10));
    let auth = format!("Bearer {token}");
    let mut response = match method {
        "GET" => agent.get(&url).header("Authorization", &auth).call()?,
        "PUT" => agent
            .put(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body.unwrap_or(json!({})).to_string())?,
        _ => agent
            .post(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body.unwrap_or(json!({})).to_string())?,
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

fn expect(
    s: &Broker,
    want: u16,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> TestResult<Value> {
    let (status, value) = call(s, token, method, path, body)?;
    if status != want {
        return Err(format!("{method} {path}: expected {want}, got {status}: {value}").into());
    }
    Ok(value)
}

/// A token for a new team `team`.
fn token_for(s: &Broker, admin: &str, team: &str) -> TestResult<String> {
    expect(
        s,
        201,
        admin,
        "POST",
        "/api/v1/teams",
        Some(json!({"id": team, "name": team})),
    )?;
    let issued = expect(
        s,
        201,
        admin,
        "POST",
        "/api/v1/tokens",
        Some(json!({"team": team, "scopes": ["publish"]})),
    )?;
    Ok(issued["token"].as_str().ok_or("no token")?.to_owned())
}

/// The provider, killed when dropped.
struct Provider(Child);

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/pact-verifier")
}

/// Starts the provider; its URL once it accepts connections.
fn start_provider(python: &str) -> TestResult<(Provider, String)> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(python)
        .arg(scripts().join("provider.py"))
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    let mut provider = Provider(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline || provider.0.try_wait()?.is_some() {
            return Err("the provider did not start".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((provider, format!("http://127.0.0.1:{port}")))
}

#[test]
fn a_pact_verifier_verifies_and_publishes_and_can_i_deploy_agrees() -> TestResult {
    let Some(python) = needs_env(
        "TREATY_PACT_PYTHON",
        "a Python with pact-python 4.2.0, which .ci/run installs in target/py-venv",
    ) else {
        return Ok(());
    };
    let s = Broker::start_fresh()?;
    let admin = s.bootstrap_token()?;
    let checkout = token_for(&s, &admin, "checkout")?;
    let payments = token_for(&s, &admin, "payments")?;
    expect(
        &s,
        201,
        &admin,
        "POST",
        "/environments",
        Some(json!({"name": "production"})),
    )?;
    expect(
        &s,
        201,
        &payments,
        "POST",
        "/pacticipants",
        Some(json!({"name": "payments"})),
    )?;
    let pact = json!({
        "consumer": {"name": "checkout"},
        "provider": {"name": "payments"},
        "interactions": [{
            "description": "a request for payment 7",
            "request": {"method": "GET", "path": "/payments/7"},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"id": 7}}
        }],
        "metadata": {"pactSpecification": {"version": "3.0.0"}}
    });
    expect(
        &s,
        201,
        &checkout,
        "PUT",
        "/pacts/provider/payments/consumer/checkout/version/1.0.0",
        Some(pact),
    )?;
    // checkout 1.0.0 runs in production.
    let version = expect(
        &s,
        200,
        &checkout,
        "GET",
        "/pacticipants/checkout/versions/1.0.0",
        None,
    )?;
    let deploy = version["_links"]["pb:record-deployment"][0]["href"]
        .as_str()
        .ok_or("no pb:record-deployment link")?
        .to_owned();
    expect(&s, 201, &checkout, "POST", &deploy, None)?;

    let ask = "/can-i-deploy?pacticipant=payments&version=2.0.0&environment=production";
    let before = expect(&s, 200, &payments, "GET", ask, None)?;
    assert_eq!(before["summary"]["deployable"], false, "{before}");

    let (_provider, provider_url) = start_provider(&python)?;
    let out = Command::new(&python)
        .arg(scripts().join("verify.py"))
        .args([s.url(), payments.as_str(), provider_url.as_str(), "2.0.0"])
        .env("PACT_DO_NOT_TRACK", "true")
        .output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("verified and published"), "{text}");

    let after = expect(&s, 200, &payments, "GET", ask, None)?;
    assert_eq!(after["summary"]["deployable"], true, "{after}");
    assert_eq!(
        after["matrix"][0]["verificationResult"]["success"], true,
        "{after}"
    );
    // The verifier put the provider version on its branch too.
    let provider_version = expect(
        &s,
        200,
        &payments,
        "GET",
        "/pacticipants/payments/versions/2.0.0",
        None,
    )?;
    assert_eq!(
        provider_version["branchVersions"][0]["name"], "main",
        "{provider_version}"
    );
    Ok(())
}
