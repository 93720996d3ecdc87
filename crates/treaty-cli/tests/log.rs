//! The decision log end to end, with a real `treaty serve` on SQLite:
//! decisions recorded through the CLI, a checkpoint saved, the broker
//! restarted, more decisions, and `treaty log verify --since` proving the
//! log only grew (a tampered checkpoint fails); exports verified offline,
//! by `treaty log verify` and by an independent Python implementation.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Broker, TestResult, http_agent, run_expecting};

fn get_text(broker: &Broker, path: &str) -> TestResult<String> {
    let mut r = http_agent(Duration::from_secs(10))
        .get(&format!("{}{path}", broker.url()))
        .call()?;
    assert_eq!(r.status().as_u16(), 200, "{path}");
    Ok(r.body_mut().read_to_string()?)
}

/// Issues a token for `team` and revokes another: two decisions each time.
fn decide(broker: &Broker, admin: &str, team: &str) -> TestResult {
    let out = run_expecting(
        &mut broker.command(
            admin,
            &["token", "create", "--team", team, "--scope", "read"],
        ),
        0,
    )?;
    assert!(out.contains("recorded as decision"), "{out}");
    let id = out
        .split_whitespace()
        .skip_while(|w| *w != "token")
        .nth(1)
        .ok_or("no token id")?
        .to_owned();
    let out = run_expecting(&mut broker.command(admin, &["token", "revoke", &id]), 0)?;
    assert!(out.contains("decision"), "{out}");
    Ok(())
}

#[test]
fn consistency_across_a_restart_and_exports_verified_offline() -> TestResult {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
    let mut broker = Broker::start(&url)?;
    let admin = broker.bootstrap_token()?;
    run_expecting(
        &mut broker.command(
            &admin,
            &["team", "create", "payments", "--name", "Payments"],
        ),
        0,
    )?;
    decide(&broker, &admin, "payments")?;
    let key = get_text(&broker, "/api/v1/log/key")?.trim().to_owned();
    let saved = dir.path().join("checkpoint.txt");
    std::fs::write(&saved, get_text(&broker, "/api/v1/log/checkpoint")?)?;
    let log = broker.stop()?;
    assert!(
        log.iter().any(|l| l == &format!("TREATY_LOG_KEY={key}")),
        "the verifier key is printed at start: {log:?}"
    );

    // The same database and key file after a restart.
    let broker = Broker::start(&url)?;
    decide(&broker, &admin, "payments")?;
    decide(&broker, &admin, "payments")?;
    let saved_arg = saved.to_str().ok_or("path")?;
    let out = run_expecting(
        &mut broker.command(
            &admin,
            &["log", "verify", "--since", saved_arg, "--key", &key],
        ),
        0,
    )?;
    assert!(out.contains("consistent"), "{out}");

    // A checkpoint edited to claim another tree fails (exit 1), as does a
    // genuine note checked against another key.
    let note = std::fs::read_to_string(&saved)?;
    let mut lines: Vec<&str> = note.split('\n').collect();
    let bigger = (lines[1].parse::<u64>()? + 1).to_string();
    lines[1] = &bigger;
    let tampered = dir.path().join("tampered.txt");
    std::fs::write(&tampered, lines.join("\n"))?;
    let out = run_expecting(
        &mut broker.command(
            &admin,
            &[
                "log",
                "verify",
                "--since",
                tampered.to_str().ok_or("path")?,
                "--key",
                &key,
            ],
        ),
        1,
    )?;
    assert!(out.contains("verification failed"), "{out}");
    let other_key = "other+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    run_expecting(
        &mut broker.command(
            &admin,
            &["log", "verify", "--since", saved_arg, "--key", other_key],
        ),
        2,
    )?;
    // Bad input: no such file.
    run_expecting(
        &mut broker.command(
            &admin,
            &["log", "verify", "--since", "/nonexistent", "--key", &key],
        ),
        2,
    )?;

    // Export, verify offline, tamper, verify again.
    let export = dir.path().join("log.jsonl");
    let export_arg = export.to_str().ok_or("path")?;
    run_expecting(
        &mut broker.command(&admin, &["log", "export", "-o", export_arg, "--key", &key]),
        0,
    )?;
    let out = run_expecting(
        common::treaty().args(["log", "verify", export_arg, "--key", &key]),
        0,
    )?;
    assert!(out.contains("verified: 7 decisions"), "{out}");
    independent_check(&key, &export)?;
    let text = std::fs::read_to_string(&export)?;
    let edited = text.replacen("token revoked", "token REVOKED", 1);
    std::fs::write(&export, &edited)?;
    let out = run_expecting(
        common::treaty().args(["log", "verify", export_arg, "--key", &key]),
        1,
    )?;
    assert!(out.contains("verification failed"), "{out}");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(2, 4);
    std::fs::write(&export, lines.join("\n") + "\n")?;
    let out = run_expecting(
        common::treaty().args(["log", "verify", export_arg, "--key", &key]),
        1,
    )?;
    assert!(
        out.contains("log.jsonl:3:"),
        "the first bad line is named: {out}"
    );

    // MADR: one record per decision.
    let madr = dir.path().join("decisions");
    run_expecting(
        &mut broker.command(
            &admin,
            &[
                "log",
                "export",
                "--format",
                "madr",
                "-o",
                madr.to_str().ok_or("path")?,
            ],
        ),
        0,
    )?;
    let mut names: Vec<String> = std::fs::read_dir(&madr)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    assert_eq!(names.len(), 7, "{names:?}");
    assert!(
        names[0].starts_with("000000-token-created-token-tok-"),
        "{names:?}"
    );
    let first = std::fs::read_to_string(madr.join(&names[0]))?;
    assert!(first.contains("## Decision Outcome"), "{first}");
    Ok(())
}

/// The export checked by `tests/log/verify_export.py` (C2SP note and
/// checkpoint, RFC 6962 tree head, Ed25519 by the `cryptography` package),
/// with the Python `.ci/run` installs it into (`TREATY_PYTHON`), or
/// `python3` when it has the package.
fn independent_check(key: &str, export: &Path) -> TestResult {
    let python = std::env::var("TREATY_PYTHON").unwrap_or_else(|_| "python3".into());
    let has = std::process::Command::new(&python)
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        common::skip(&format!(
            "{python} has no `cryptography` package (for the independent check of the log's note format)"
        ));
        return Ok(());
    }
    let script = common::repo_root().join("tests/log/verify_export.py");
    let out = std::process::Command::new(&python)
        .arg(script)
        .arg(key)
        .arg(export)
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.starts_with("ok "),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}
