//! The broker commands end to end: a real `treaty serve` on a temporary
//! SQLite file, driven by the CLI as a CI job would drive it, on the
//! example workspace.

mod common;

use std::process::Command;

use common::{Broker, TestResult, acme, copy_dir, run_expecting, treaty};

/// Runs `treaty ARGS` against the broker with `token` and requires exit
/// code `code`; returns stdout then stderr.
fn ok(s: &Broker, token: &str, code: i32, args: &[&str]) -> TestResult<String> {
    run_expecting(&mut s.command(token, args), code)
}

#[test]
fn publish_expect_deploy_and_ask() -> TestResult {
    let s = Broker::start_fresh()?;
    publish_expect_deploy_and_ask_on(&s)
}

/// The same on PostgreSQL, in a scratch schema of the test database.
#[test]
fn publish_expect_deploy_and_ask_on_postgresql() -> TestResult {
    let Some(url) = common::test_database_url() else {
        return Ok(());
    };
    let url = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(treaty_store::scratch_postgres_url(&url))
        .map_err(|e| format!("a scratch schema on {url}: {e}"))?;
    let s = Broker::start(&url)?;
    publish_expect_deploy_and_ask_on(&s)
}

/// A producer and a consumer team publish, expect, deploy and ask
/// can-i-release, through the CLI, on the example workspace.
fn publish_expect_deploy_and_ask_on(s: &Broker) -> TestResult {
    let admin = s.bootstrap_token()?;
    let acme = acme();
    let dir = acme.to_str().ok_or("path")?;
    ok(
        s,
        &admin,
        0,
        &["team", "create", "catalog", "--name", "Catalog"],
    )?;
    ok(
        s,
        &admin,
        0,
        &["team", "create", "checkout", "--name", "Checkout"],
    )?;
    ok(s, &admin, 0, &["environment", "create", "production"])?;
    let producer = ok(
        s,
        &admin,
        0,
        &["token", "create", "--team", "catalog", "--scope", "publish"],
    )?;
    let producer = producer.lines().next().ok_or("no token")?.trim().to_owned();
    assert!(producer.starts_with("trt_"), "{producer}");
    let consumer = ok(
        s,
        &admin,
        0,
        &[
            "token", "create", "--team", "checkout", "--scope", "publish",
        ],
    )?;
    let consumer = consumer.lines().next().ok_or("no token")?.trim().to_owned();

    let out = ok(
        s,
        &producer,
        0,
        &["publish", "catalog-api", "--version", "3.2.0", "--dir", dir],
    )?;
    assert!(out.contains("published catalog-api 3.2.0"), "{out}");
    let out = ok(
        s,
        &producer,
        0,
        &["publish", "catalog-api", "--version", "3.2.0", "--dir", dir],
    )?;
    assert!(out.contains("nothing changed"), "{out}");
    // The consumer's uses come from the workspace.
    let out = ok(
        s,
        &consumer,
        0,
        &[
            "expect",
            "catalog-api",
            "--component",
            "checkout",
            "--version",
            "41",
            "--built-against",
            "3.2.0",
            "--dir",
            dir,
        ],
    )?;
    assert!(out.contains("uses 3 operation(s)"), "{out}");
    ok(
        s,
        &consumer,
        0,
        &[
            "record-deployment",
            "--component",
            "checkout",
            "--version",
            "41",
            "--environment",
            "production",
        ],
    )?;
    ok(
        s,
        &producer,
        0,
        &[
            "record-deployment",
            "--component",
            "catalog",
            "--version",
            "3.2.0",
            "--environment",
            "production",
        ],
    )?;
    let out = ok(
        s,
        &consumer,
        0,
        &[
            "can-i-release",
            "--component",
            "checkout",
            "--version",
            "41",
            "--environment",
            "production",
        ],
    )?;
    assert!(out.starts_with("yes:"), "{out}");

    // 3.3.0 drops the product lookup that checkout uses.
    let work = tempfile::tempdir()?;
    copy_dir(&acme, work.path())?;
    let schema = work.path().join("schemas/catalog-api.openapi.json");
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&schema)?)?;
    doc["paths"]
        .as_object_mut()
        .ok_or("paths")?
        .remove("/products/{sku}");
    std::fs::write(&schema, serde_json::to_string_pretty(&doc)?)?;
    let changed = work.path().to_str().ok_or("path")?;
    ok(
        s,
        &producer,
        0,
        &[
            "publish",
            "catalog-api",
            "--version",
            "3.3.0",
            "--dir",
            changed,
        ],
    )?;
    let out = ok(
        s,
        &producer,
        1,
        &[
            "can-i-release",
            "--component",
            "catalog",
            "--version",
            "3.3.0",
            "--environment",
            "production",
        ],
    )?;
    assert!(
        out.starts_with("no:") && out.contains("checkout 41") && out.contains("operation-removed"),
        "{out}"
    );
    let json = ok(
        s,
        &producer,
        1,
        &[
            "can-i-release",
            "--component",
            "catalog",
            "--version",
            "3.3.0",
            "--environment",
            "production",
            "--format",
            "json",
        ],
    )?;
    let verdict: serde_json::Value = serde_json::from_str(&json)?;
    assert_eq!(verdict["release"], serde_json::json!(false));
    // Publishing other content under a published version is refused.
    let out = ok(
        s,
        &producer,
        2,
        &[
            "publish",
            "catalog-api",
            "--version",
            "3.2.0",
            "--dir",
            changed,
        ],
    )?;
    assert!(out.contains("409") && out.contains("immutable"), "{out}");

    // A failed verification blocks even a compatible version.
    ok(
        s,
        &producer,
        0,
        &[
            "verify",
            "--interface",
            "catalog-api",
            "--provider-version",
            "3.2.0",
            "--consumer",
            "checkout",
            "--consumer-version",
            "41",
            "--failure",
        ],
    )?;
    let out = ok(
        s,
        &producer,
        1,
        &[
            "can-i-release",
            "--component",
            "catalog",
            "--version",
            "3.2.0",
            "--environment",
            "production",
        ],
    )?;
    assert!(out.contains("failed"), "{out}");

    // Another team's component, a bad token, no broker: exit 2 with the reason.
    let out = ok(
        s,
        &producer,
        2,
        &[
            "record-deployment",
            "--component",
            "checkout",
            "--version",
            "42",
            "--environment",
            "production",
        ],
    )?;
    assert!(
        out.contains("403") && out.contains("belongs to team `checkout`"),
        "{out}"
    );
    let out = ok(
        s,
        "trt_wrong",
        2,
        &[
            "can-i-release",
            "--component",
            "catalog",
            "--version",
            "3.2.0",
            "--environment",
            "production",
        ],
    )?;
    assert!(out.contains("401"), "{out}");
    let out = treaty()
        .args([
            "can-i-release",
            "--component",
            "a",
            "--version",
            "1",
            "--environment",
            "e",
            "--broker",
            "http://127.0.0.1:9",
        ])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the broker"));
    Ok(())
}

/// `ARGS --component C --version V --environment production`.
fn in_production<'a>(args: &[&'a str], component: &'a str, version: &'a str) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend([
        "--component",
        component,
        "--version",
        version,
        "--environment",
        "production",
    ]);
    all
}

/// Two versions of checkout released to production at once: a catalog
/// version that breaks only the older is refused, naming it, until its
/// support ends (`treaty record-release`, `treaty record-support-ended`).
#[test]
fn released_versions_each_count_until_their_support_ends() -> TestResult {
    let s = Broker::start_fresh()?;
    let admin = s.bootstrap_token()?;
    let acme = acme();
    let dir = acme.to_str().ok_or("path")?;
    let mut tokens = Vec::new();
    for team in ["catalog", "checkout"] {
        ok(&s, &admin, 0, &["team", "create", team, "--name", team])?;
        let t = ok(
            &s,
            &admin,
            0,
            &["token", "create", "--team", team, "--scope", "publish"],
        )?;
        tokens.push(t.lines().next().ok_or("no token")?.trim().to_owned());
    }
    let (producer, consumer) = (&tokens[0], &tokens[1]);
    ok(&s, &admin, 0, &["environment", "create", "production"])?;
    let publish = ["publish", "catalog-api", "--version", "3.2.0", "--dir", dir];
    ok(&s, producer, 0, &publish)?;
    for version in ["40", "41"] {
        let expect = [
            "expect",
            "catalog-api",
            "--component",
            "checkout",
            "--version",
            version,
            "--built-against",
            "3.2.0",
            "--dir",
            dir,
        ];
        ok(&s, consumer, 0, &expect)?;
        let out = ok(
            &s,
            consumer,
            0,
            &in_production(&["record-release"], "checkout", version),
        )?;
        assert!(
            out.contains(&format!(
                "recorded: checkout {version} is released to production"
            )),
            "{out}"
        );
    }
    let out = ok(
        &s,
        consumer,
        0,
        &in_production(&["record-release"], "checkout", "41"),
    )?;
    assert!(out.contains("was released to production already"), "{out}");
    // Another team cannot release checkout.
    let out = ok(
        &s,
        producer,
        2,
        &in_production(&["record-release"], "checkout", "42"),
    )?;
    assert!(out.contains("403"), "{out}");

    // 3.3.0 drops the product lookup both use; 41 is verified against it.
    let work = tempfile::tempdir()?;
    copy_dir(&acme, work.path())?;
    let schema = work.path().join("schemas/catalog-api.openapi.json");
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&schema)?)?;
    doc["paths"]
        .as_object_mut()
        .ok_or("paths")?
        .remove("/products/{sku}");
    std::fs::write(&schema, serde_json::to_string_pretty(&doc)?)?;
    let changed = work.path().to_str().ok_or("path")?;
    let publish = [
        "publish",
        "catalog-api",
        "--version",
        "3.3.0",
        "--dir",
        changed,
    ];
    ok(&s, producer, 0, &publish)?;
    let verify = [
        "verify",
        "--interface",
        "catalog-api",
        "--provider-version",
        "3.3.0",
        "--consumer",
        "checkout",
        "--consumer-version",
        "41",
        "--success",
    ];
    ok(&s, producer, 0, &verify)?;
    let ask = in_production(&["can-i-release"], "catalog", "3.3.0");
    let out = ok(&s, producer, 1, &ask)?;
    assert!(
        out.starts_with("no:") && out.contains("checkout 40 with catalog 3.3.0"),
        "{out}"
    );
    assert!(
        !out.contains("checkout 41 with catalog 3.3.0 in production:"),
        "{out}"
    );

    let end = in_production(&["record-support-ended"], "checkout", "40");
    let out = ok(&s, producer, 2, &end)?;
    assert!(out.contains("403"), "{out}");
    let out = ok(&s, consumer, 0, &end)?;
    assert!(
        out.contains("recorded: support of checkout 40 in production ended"),
        "{out}"
    );
    let out = ok(&s, producer, 0, &ask)?;
    assert!(out.starts_with("yes:"), "{out}");
    let out = ok(&s, consumer, 2, &end)?;
    assert!(
        out.contains("checkout 40 is not released to production and supported there"),
        "{out}"
    );
    Ok(())
}

#[test]
fn a_newer_database_is_refused_at_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("treaty.db");
    let url = format!("sqlite://{}", db.display());
    // A broker migrates the file; then a "newer" build's mark is added.
    Broker::start(&url)?.stop()?;
    let status = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('INSERT INTO treaty_schema (version) VALUES (99)'); c.commit()"])
        .arg(&db)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        common::skip("python3 with its sqlite3 module is needed to mark the database as newer");
        return Ok(());
    }
    let out = treaty()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newer Treaty"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

#[test]
fn a_start_on_a_busy_port_creates_nothing_and_prints_no_token() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("treaty.db");
    let busy = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = busy.local_addr()?.to_string();
    let out = treaty()
        .args(["serve", "--listen", &addr, "--database-url"])
        .arg(format!("sqlite://{}", db.display()))
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot listen"), "{stderr}");
    assert!(!stderr.contains("TREATY_TOKEN="), "{stderr}");
    assert!(
        !db.exists(),
        "the database was created by a start that failed"
    );
    Ok(())
}

#[test]
fn a_lost_admin_token_is_recovered_from_the_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
    Broker::start(&url)?.stop()?; // the first token is printed and "lost"
    let out = treaty()
        .args(["token", "recover-admin", "--database-url", &url])
        .output()?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout
        .trim()
        .strip_prefix("TREATY_TOKEN=")
        .ok_or("no TREATY_TOKEN= line")?
        .to_owned();
    let s = Broker::start(&url)?;
    // An admin may create a team: the recovered token is an admin's.
    ok(
        &s,
        &token,
        0,
        &["team", "create", "recovered", "--name", "Recovered"],
    )?;
    Ok(())
}

/// A change deep inside a message (a `$defs` type beneath the field a
/// consumer uses) blocks the release, as `treaty check` does.
#[test]
fn a_nested_change_blocks_the_release_for_the_consumer_of_the_field_above_it() -> TestResult {
    let s = Broker::start_fresh()?;
    let admin = s.bootstrap_token()?;
    let acme = acme();
    let dir = acme.to_str().ok_or("path")?;
    for team in ["checkout", "fulfillment"] {
        ok(&s, &admin, 0, &["team", "create", team, "--name", team])?;
    }
    ok(&s, &admin, 0, &["environment", "create", "production"])?;
    let token = |team: &str| -> TestResult<String> {
        let out = ok(
            &s,
            &admin,
            0,
            &["token", "create", "--team", team, "--scope", "publish"],
        )?;
        Ok(out.lines().next().ok_or("no token")?.trim().to_owned())
    };
    let (producer, consumer) = (token("checkout")?, token("fulfillment")?);
    ok(
        &s,
        &producer,
        0,
        &[
            "publish",
            "order-placed",
            "--version",
            "1.3.0",
            "--dir",
            dir,
        ],
    )?;
    ok(
        &s,
        &consumer,
        0,
        &[
            "expect",
            "order-placed",
            "--component",
            "fulfillment",
            "--version",
            "7",
            "--built-against",
            "1.3.0",
            "--dir",
            dir,
        ],
    )?;
    ok(
        &s,
        &consumer,
        0,
        &[
            "record-deployment",
            "--component",
            "fulfillment",
            "--version",
            "7",
            "--environment",
            "production",
        ],
    )?;
    // OrderLine.quantity (beneath OrderPlaced.lines, which fulfillment
    // uses) becomes a string.
    let work = tempfile::tempdir()?;
    copy_dir(&acme, work.path())?;
    let schema = work.path().join("schemas/order-placed.schema.json");
    let text = std::fs::read_to_string(&schema)?;
    let from = r#""quantity": { "type": "integer", "minimum": 1, "maximum": 999 }"#;
    assert!(text.contains(from));
    std::fs::write(
        &schema,
        text.replace(from, r#""quantity": { "type": "string" }"#),
    )?;
    let changed = work.path().to_str().ok_or("path")?;
    ok(
        &s,
        &producer,
        0,
        &[
            "publish",
            "order-placed",
            "--version",
            "1.4.0",
            "--dir",
            changed,
        ],
    )?;
    let out = ok(
        &s,
        &producer,
        1,
        &[
            "can-i-release",
            "--component",
            "checkout",
            "--version",
            "1.4.0",
            "--environment",
            "production",
        ],
    )?;
    assert!(
        out.starts_with("no:")
            && out.contains("fulfillment 7")
            && out.contains("OrderLine.quantity"),
        "{out}"
    );
    Ok(())
}
