//! `treaty release publish` and `treaty evidence push` end to end: a real
//! `treaty serve` on a temporary SQLite file, the example workspace's
//! January release published as a release manager would, and reports from
//! real tools pushed as CI jobs would push them.

mod common;

use common::{Broker, TestResult, acme, copy_dir, run_expecting};

fn ok(s: &Broker, token: &str, code: i32, args: &[&str]) -> TestResult<String> {
    run_expecting(&mut s.command(token, args), code)
}

fn evidence(name: &str) -> String {
    common::repo_root()
        .join("crates/treaty-evidence/tests/data")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn publish_a_release_and_push_its_evidence() -> TestResult {
    let s = Broker::start_fresh()?;
    let admin = s.bootstrap_token()?;
    let acme = acme();
    let dir = acme.to_str().ok_or("path")?;
    for team in ["fulfillment", "identity"] {
        ok(&s, &admin, 0, &["team", "create", team, "--name", team])?;
    }
    let token = |team: &str| -> TestResult<String> {
        let out = ok(
            &s,
            &admin,
            0,
            &["token", "create", "--team", team, "--scope", "publish"],
        )?;
        Ok(out.lines().next().ok_or("no token")?.trim().to_owned())
    };
    let fulfillment = token("fulfillment")?;
    let identity = token("identity")?;

    let out = ok(
        &s,
        &fulfillment,
        0,
        &["release", "publish", "2027-01", "--dir", dir],
    )?;
    assert!(out.contains("revision 1 (5 scope items)"), "{out}");
    let out = ok(
        &s,
        &fulfillment,
        0,
        &["release", "publish", "2027-01", "--dir", dir],
    )?;
    assert!(out.contains("unchanged"), "{out}");
    // Identity owns nothing in the train.
    let err = ok(
        &s,
        &identity,
        2,
        &["release", "publish", "2027-01", "--dir", dir],
    )?;
    assert!(err.contains("403"), "{err}");
    // An unknown release, and a workspace that does not validate: exit 2,
    // nothing sent.
    let err = ok(
        &s,
        &fulfillment,
        2,
        &["release", "publish", "2031-12", "--dir", dir],
    )?;
    assert!(err.contains("no release `2031-12`"), "{err}");
    let broken = tempfile::tempdir()?;
    copy_dir(&acme, broken.path())?;
    let release = broken.path().join("releases/2027-01.yaml");
    let text =
        std::fs::read_to_string(&release)?.replace("owner: fulfillment\n", "owner: nobody-here\n");
    std::fs::write(&release, text)?;
    let broken_dir = broken.path().to_str().ok_or("path")?;
    let err = ok(
        &s,
        &fulfillment,
        2,
        &["release", "publish", "2027-01", "--dir", broken_dir],
    )?;
    assert!(
        err.contains("2027-01.yaml:"),
        "names the file and line: {err}"
    );

    let pushed = ok(
        &s,
        &fulfillment,
        0,
        &[
            "evidence",
            "push",
            "2027-01",
            "--item",
            "multi-warehouse-reservations",
            "--criterion",
            "tests-pass",
            "--component",
            "inventory-svc",
            "--version",
            "2.0.0",
            "--run",
            "ci-7",
            &evidence("junit/nextest-pass.xml"),
        ],
    )?;
    assert!(pushed.contains("pass_rate = 1"), "{pushed}");
    let pushed = ok(
        &s,
        &fulfillment,
        0,
        &[
            "evidence",
            "push",
            "2027-01",
            "--item",
            "multi-warehouse-reservations",
            "--criterion",
            "reserve-latency",
            "--format",
            "metrics",
            &evidence("metrics/benchmarks.json"),
        ],
    )?;
    assert!(pushed.contains("p99_latency = 85.2"), "{pushed}");
    let err = ok(
        &s,
        &fulfillment,
        2,
        &[
            "evidence",
            "push",
            "2027-01",
            "--item",
            "multi-warehouse-reservations",
            "--criterion",
            "tests-pass",
            &evidence("junit/malformed-truncated.xml"),
        ],
    )?;
    assert!(err.contains("line "), "the line it failed at: {err}");

    // The gate on the broker, from the command line: the reservations'
    // two criteria are met by what was pushed; the rest is still missing.
    ok(&s, &admin, 0, &["environment", "create", "production"])?;
    let json = ok(
        &s,
        &fulfillment,
        1,
        &[
            "gate",
            "2027-01",
            "--ship",
            "inventory-svc=2.0.0",
            "--format",
            "json",
        ],
    )?;
    let verdict: serde_json::Value = serde_json::from_str(&json)?;
    assert_eq!(verdict["decision"], "no_go", "{verdict:#}");
    assert_eq!(verdict["items"][0]["id"], "multi-warehouse-reservations");
    assert_eq!(verdict["items"][0]["state"], "live", "{verdict:#}");
    let text = ok(&s, &fulfillment, 1, &["gate", "2027-01"])?;
    assert!(
        text.starts_with("NO-GO: release 2027-01 may not ship to production"),
        "{text}"
    );
    assert!(
        text.contains("blocking [item-missing] split-shipments"),
        "{text}"
    );
    let err = ok(&s, &fulfillment, 2, &["gate", "2031-12"])?;
    assert!(!err.is_empty(), "an unknown train is an error: {err}");
    let err = ok(
        &s,
        &fulfillment,
        2,
        &["gate", "2027-01", "--evidence", "x.xml"],
    )?;
    assert!(err.contains("treaty evidence push"), "{err}");
    Ok(())
}
