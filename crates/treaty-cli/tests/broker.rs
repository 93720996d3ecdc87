//! The broker commands end to end: a real `treaty serve` on a temporary
//! SQLite file, driven by the CLI as a CI job would drive it, on the
//! example workspace.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A broker process, killed when dropped.
struct Served {
    child: Child,
    url: String,
    admin: String,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn treaty() -> Command {
    Command::new(env!("CARGO_BIN_EXE_treaty"))
}

fn serve() -> Result<Served, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = treaty()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
        ])
        .arg(format!(
            "sqlite://{}",
            dir.path().join("treaty.db").display()
        ))
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(token) = line.strip_prefix("TREATY_TOKEN=") {
                let _ = tx.send(token.to_owned());
            }
        }
    });
    let admin = rx.recv_timeout(Duration::from_secs(20))?;
    let url = format!("http://127.0.0.1:{port}");
    let served = Served {
        child,
        url,
        admin,
        _dir: dir,
    };
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(20) {
            return Err("the broker did not start listening".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(served)
}

fn run(s: &Served, token: &str, args: &[&str]) -> Result<Output, Box<dyn std::error::Error>> {
    Ok(treaty()
        .args(args)
        .env("TREATY_BROKER", &s.url)
        .env("TREATY_TOKEN", token)
        .env("NO_COLOR", "1")
        .output()?)
}

/// Runs and requires exit code `code`; returns stdout.
fn ok(
    s: &Served,
    token: &str,
    code: i32,
    args: &[&str],
) -> Result<String, Box<dyn std::error::Error>> {
    let out = run(s, token, args)?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(code) {
        return Err(format!(
            "treaty {args:?}: expected exit {code}, got {:?}\n{stdout}\n{stderr}",
            out.status.code()
        )
        .into());
    }
    Ok(stdout + &stderr)
}

fn acme() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme")
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[test]
fn publish_expect_deploy_and_ask() -> TestResult {
    let s = serve()?;
    let admin = s.admin.clone();
    let acme = acme();
    let dir = acme.to_str().ok_or("path")?;
    ok(
        &s,
        &admin,
        0,
        &["team", "create", "catalog", "--name", "Catalog"],
    )?;
    ok(
        &s,
        &admin,
        0,
        &["team", "create", "checkout", "--name", "Checkout"],
    )?;
    ok(&s, &admin, 0, &["environment", "create", "production"])?;
    let producer = ok(
        &s,
        &admin,
        0,
        &["token", "create", "--team", "catalog", "--scope", "publish"],
    )?;
    let producer = producer.lines().next().ok_or("no token")?.trim().to_owned();
    assert!(producer.starts_with("trt_"), "{producer}");
    let consumer = ok(
        &s,
        &admin,
        0,
        &[
            "token", "create", "--team", "checkout", "--scope", "publish",
        ],
    )?;
    let consumer = consumer.lines().next().ok_or("no token")?.trim().to_owned();

    let out = ok(
        &s,
        &producer,
        0,
        &["publish", "catalog-api", "--version", "3.2.0", "--dir", dir],
    )?;
    assert!(out.contains("published catalog-api 3.2.0"), "{out}");
    let out = ok(
        &s,
        &producer,
        0,
        &["publish", "catalog-api", "--version", "3.2.0", "--dir", dir],
    )?;
    assert!(out.contains("nothing changed"), "{out}");
    // The consumer's uses come from the workspace.
    let out = ok(
        &s,
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
        &s,
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
        &s,
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
        &s,
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
        &s,
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
        &s,
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
        &s,
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
        &s,
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
        &s,
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
        &s,
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
        &s,
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
        &s,
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

#[test]
fn a_newer_database_is_refused_at_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("treaty.db");
    let url = format!("sqlite://{}", db.display());
    // A broker migrates the file; then a "newer" build's mark is added.
    let mut first = treaty()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = first.stderr.take().ok_or("stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    while let Some(line) = lines.next().transpose()? {
        if line.contains("listening") {
            break;
        }
    }
    first.kill()?;
    first.wait()?;
    let status = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('INSERT INTO treaty_schema (version) VALUES (99)'); c.commit()"])
        .arg(&db)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("python3 with sqlite3 is not available: skipped");
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
