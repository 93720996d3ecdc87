//! The escalation timers on a real broker, as tests drive them: a test
//! clock file the broker reads (`--test-clock`), the acme teams with
//! webhooks, a train published, and the steps the broker sent compared
//! with what `treaty escalations` computes from the files.

use std::collections::BTreeMap;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Broker, TestResult, acme, http_agent, run_expecting, treaty};

pub const TEAMS: [&str; 6] = [
    "catalog",
    "checkout",
    "fulfillment",
    "identity",
    "payments",
    "platform",
];

/// A step as the broker lists it: key → (to, due_at, sent_at, notification ids).
pub type Sent = BTreeMap<String, (String, String, String, Vec<String>)>;

pub fn set_clock(file: &Path, moment: &str) -> TestResult {
    std::fs::write(file, format!("{moment}\n"))?;
    Ok(())
}

pub fn serve_args<'a>(clock: &'a str, smtp: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec![
        "--test-clock",
        clock,
        "--escalation-poll-ms",
        "50",
        "--webhook-allow",
        "127.0.0.1/32",
        "--webhook-backoff-scale",
        "0.0002",
        "--webhook-poll-ms",
        "50",
        "--webhook-lease-ms",
        "3000",
    ];
    if let Some(url) = smtp {
        args.extend([
            "--smtp-url",
            url,
            "--smtp-from",
            "Treaty <treaty@acme.example>",
        ]);
    }
    args
}

/// The acme teams on the broker, each with its webhook on `port`, and the
/// January train published.
pub fn set_up(broker: &Broker, admin: &str, port: u16) -> TestResult {
    create_teams(broker, admin, port)?;
    publish(broker, admin, &acme(), "2027-01")
}

/// The acme teams on the broker, each with its webhook on `port`.
pub fn create_teams(broker: &Broker, admin: &str, port: u16) -> TestResult {
    let hook = format!("http://127.0.0.1:{port}/hook");
    for team in TEAMS {
        run_expecting(
            &mut broker.command(
                admin,
                &["team", "create", team, "--name", team, "--webhook", &hook],
            ),
            0,
        )?;
    }
    Ok(())
}

/// `release` of the workspace at `dir` published on the broker.
pub fn publish(broker: &Broker, admin: &str, dir: &Path, release: &str) -> TestResult {
    run_expecting(
        &mut broker.command(
            admin,
            &[
                "release",
                "publish",
                release,
                "--dir",
                dir.to_str().ok_or("path")?,
            ],
        ),
        0,
    )?;
    Ok(())
}

pub fn get(broker: &Broker, admin: &str, path: &str) -> TestResult<Value> {
    let mut response = http_agent(Duration::from_secs(10))
        .get(format!("{}{path}", broker.url()))
        .header("Authorization", format!("Bearer {admin}"))
        .call()?;
    let status = response.status().as_u16();
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    if status != 200 {
        return Err(format!("GET {path}: {status} {body}").into());
    }
    Ok(body)
}

/// The steps the broker sent, in the order it lists them (as sent).
pub fn sent_in_order(broker: &Broker, admin: &str) -> TestResult<Vec<Value>> {
    let steps = get(broker, admin, "/api/v1/trains/2027-01/escalations")?;
    Ok(steps.as_array().ok_or("not a list")?.clone())
}

pub fn sent(broker: &Broker, admin: &str) -> TestResult<Sent> {
    let mut out = Sent::new();
    for s in sent_in_order(broker, admin)? {
        let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
        let ids = s["notifications"]
            .as_array()
            .ok_or("no notifications")?
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect();
        if out
            .insert(
                text("key"),
                (text("to"), text("due_at"), text("sent_at"), ids),
            )
            .is_some()
        {
            return Err(format!("step {} listed twice", text("key")).into());
        }
    }
    Ok(out)
}

/// What `treaty escalations` says is due at `moment` from the files:
/// key → to.
pub fn due_from_files(moment: &str) -> TestResult<BTreeMap<String, String>> {
    let dir = acme();
    let out = run_expecting(
        treaty().args([
            "escalations",
            "2027-01",
            "--dir",
            dir.to_str().ok_or("path")?,
            "--now",
            moment,
            "--format",
            "json",
        ]),
        0,
    )?;
    let steps: Value = serde_json::from_str(&out)?;
    Ok(steps
        .as_array()
        .ok_or("not a list")?
        .iter()
        .filter_map(|s| Some((s["key"].as_str()?.to_owned(), s["to"].as_str()?.to_owned())))
        .collect())
}

/// Waits until the broker has sent exactly the steps due at `moment`.
pub fn wait_for_steps(broker: &Broker, admin: &str, moment: &str) -> TestResult<Sent> {
    let want = due_from_files(moment)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let have = sent(broker, admin)?;
        let keys: BTreeMap<String, String> =
            have.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect();
        if keys == want {
            return Ok(have);
        }
        if Instant::now() > deadline {
            return Err(format!("at {moment}: want {want:#?}\nsent {keys:#?}").into());
        }
        thread::sleep(Duration::from_millis(100));
    }
}
