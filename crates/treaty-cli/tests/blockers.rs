//! `treaty blocker` and `treaty override` end to end: a real `treaty
//! serve` on a temporary SQLite file, the example workspace's January
//! release published, a blocker raised, triaged, assigned and resolved by
//! the teams that may, refused to one that may not, and an override of
//! the gate asked for and approved by governance's approvers.

mod common;

use common::{Broker, TestResult, acme, run_expecting};

fn run(s: &Broker, token: &str, code: i32, args: &[&str]) -> TestResult<String> {
    run_expecting(&mut s.command(token, args), code)
}

#[test]
fn blockers_and_overrides_from_the_command_line() -> TestResult {
    let s = Broker::start_fresh()?;
    let admin = s.bootstrap_token()?;
    let acme = acme();
    let dir = acme.to_str().ok_or("path")?;
    for team in ["fulfillment", "catalog", "platform", "payments", "identity"] {
        run(&s, &admin, 0, &["team", "create", team, "--name", team])?;
    }
    let token = |team: &str| -> TestResult<String> {
        let out = run(
            &s,
            &admin,
            0,
            &[
                "token", "create", "--team", team, "--scope", "publish", "--scope", "approve",
            ],
        )?;
        Ok(out.lines().next().ok_or("no token")?.trim().to_owned())
    };
    run(&s, &admin, 0, &["environment", "create", "production"])?;
    let fulfillment = token("fulfillment")?;
    let catalog = token("catalog")?;
    let platform = token("platform")?;
    let payments = token("payments")?;
    let identity = token("identity")?;
    run(
        &s,
        &fulfillment,
        0,
        &["release", "publish", "2027-01", "--dir", dir],
    )?;

    let out = run(
        &s,
        &catalog,
        0,
        &[
            "blocker",
            "raise",
            "2027-01",
            "--title",
            "Stock counts drift under load",
            "--severity",
            "high",
            "--item",
            "multi-warehouse-reservations",
            "--tracker",
            "https://tracker.acme.example/FUL-12",
        ],
    )?;
    assert!(out.starts_with("raised: b-1 [open] high blocker"), "{out}");
    assert!(
        out.contains("owned by fulfillment"),
        "the item's owner: {out}"
    );
    let out = run(&s, &catalog, 0, &["blocker", "list", "2027-01"])?;
    assert!(out.contains("b-1 [open]"), "{out}");

    // Identity owns nothing in the release: it may not triage (exit 2,
    // the broker's 403 in words); platform (steering group) may.
    let err = run(
        &s,
        &identity,
        2,
        &[
            "blocker",
            "triage",
            "2027-01",
            "b-1",
            "--severity",
            "low",
            "--reason",
            "meh",
        ],
    )?;
    assert!(err.contains("403") && err.contains("severity"), "{err}");
    let out = run(
        &s,
        &platform,
        0,
        &[
            "blocker",
            "triage",
            "2027-01",
            "b-1",
            "--severity",
            "critical",
            "--reason",
            "orders oversell",
        ],
    )?;
    assert!(out.contains("critical blocker"), "{out}");
    let out = run(
        &s,
        &fulfillment,
        0,
        &[
            "blocker",
            "assign",
            "2027-01",
            "b-1",
            "--team",
            "fulfillment",
            "--handle",
            "dnovak",
            "--reason",
            "ours",
        ],
    )?;
    assert!(out.contains("assigned to dnovak (fulfillment)"), "{out}");
    let err = run(
        &s,
        &identity,
        2,
        &["blocker", "resolve", "2027-01", "b-1", "--reason", "done"],
    )?;
    assert!(err.contains("403"), "{err}");
    let out = run(
        &s,
        &fulfillment,
        0,
        &[
            "blocker",
            "resolve",
            "2027-01",
            "b-1",
            "--reason",
            "counter fixed",
        ],
    )?;
    assert!(out.contains("b-1 [resolved]"), "{out}");
    let out = run(&s, &catalog, 0, &["blocker", "list", "2027-01"])?;
    assert_eq!(out.trim(), "no open blockers on release 2027-01");
    let out = run(&s, &catalog, 0, &["blocker", "list", "2027-01", "--all"])?;
    assert!(out.contains("b-1 [resolved]"), "{out}");
    // Bad input: exit 2 before anything is sent.
    let err = run(
        &s,
        &catalog,
        2,
        &[
            "blocker",
            "raise",
            "2027-01",
            "--title",
            "x",
            "--severity",
            "dire",
        ],
    )?;
    assert!(err.contains("dire"), "{err}");

    // An override: asked by a team of the train, approved by platform and
    // one more of the steering group (acme's `gate_override` rule).
    let out = run(
        &s,
        &fulfillment,
        0,
        &[
            "override",
            "request",
            "2027-01",
            "--reason",
            "refunds are dark; the rest is verified",
        ],
    )?;
    assert!(
        out.starts_with("asked: o-1 pending for production"),
        "{out}"
    );
    let err = run(
        &s,
        &fulfillment,
        2,
        &["override", "approve", "2027-01", "o-1", "--reason", "ours"],
    )?;
    assert!(err.contains("not asked for"), "{err}");
    let out = run(
        &s,
        &platform,
        0,
        &["override", "approve", "2027-01", "o-1", "--reason", "ok"],
    )?;
    assert!(out.contains("o-1 pending"), "{out}");
    let out = run(
        &s,
        &payments,
        0,
        &["override", "approve", "2027-01", "o-1", "--reason", "ok"],
    )?;
    assert!(out.contains("o-1 approved"), "{out}");
    let out = run(&s, &catalog, 0, &["override", "list", "2027-01"])?;
    assert!(
        out.contains("o-1 approved") && out.contains("platform approve, payments approve"),
        "{out}"
    );
    Ok(())
}
