//! The shared harness of the CLI's integration tests, after uv's test
//! context: the `treaty` binary under test, a scratch directory to run it
//! in, the one way tests start a broker, and the one rule for a test whose
//! service or data is missing (fail under CI, say `skipped:` elsewhere).
//!
//! Each test file includes it with `mod common;`.

// Every test binary uses a part of it.
#![allow(dead_code)]

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub mod escalation;
pub mod git_repo;
pub mod receivers;
pub mod sarif;

/// What a test returns; `Send + Sync` so that errors cross client threads.
pub type TestResult<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

/// The `treaty` binary under test, with colour off.
pub fn treaty() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_treaty"));
    // A broker in the caller's environment would move proposals there.
    command
        .env("NO_COLOR", "1")
        .env_remove("TREATY_BROKER")
        .env_remove("TREATY_TOKEN");
    command
}

/// PATH with the directory of the `treaty` under test first: for tools
/// that run `treaty` themselves (CI scripts, pre-commit hooks).
pub fn path_with_treaty() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_treaty"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&rest)))
        .unwrap_or_default()
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The example workspace, `examples/acme`.
pub fn acme() -> PathBuf {
    repo_root().join("examples/acme")
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
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

/// Runs `command` and requires exit code `code`; returns stdout then
/// stderr, and on another code an error that shows both.
pub fn run_expecting(command: &mut Command, code: i32) -> TestResult<String> {
    let out = command.output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(code) {
        return Err(format!(
            "{command:?}: expected exit {code}, got {:?}\n{stdout}\n{stderr}",
            out.status.code()
        )
        .into());
    }
    Ok(stdout + &stderr)
}

/// A scratch directory for one test, removed when dropped, and the binary
/// run inside it.
pub struct TestContext {
    dir: tempfile::TempDir,
}

impl TestContext {
    /// An empty scratch directory.
    pub fn new() -> TestContext {
        TestContext {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file at a path relative to the scratch directory, creating
    /// the directories on the way.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {rel}: {e}"));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {rel}: {e}"));
    }

    /// `treaty ARGS` in the scratch directory, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = treaty();
        command.args(args).current_dir(self.path());
        command
    }

    /// Runs `treaty ARGS` in the scratch directory.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run treaty: {e}"))
    }
}

impl Default for TestContext {
    fn default() -> TestContext {
        TestContext::new()
    }
}

/// Whether this is a CI run: `CI` set, and not to `false` or `0`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "false" | "0"))
}

/// A test cannot run here because `why`. Under CI that is a failure (CI
/// must never be green for a test that did nothing); elsewhere the test
/// says `skipped: {why}` on stderr and returns.
pub fn skip(why: &str) {
    if in_ci() {
        panic!("{why}; CI is set, so this test must run: provide it");
    }
    // Written to stderr itself, not with `eprintln!`, which the test
    // harness captures and hides for a test that passes.
    let _ = writeln!(std::io::stderr().lock(), "skipped: {why}");
}

/// The value of `var`, or `None` after [`skip`] saying it is needed for
/// `what`.
pub fn needs_env(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Some(value),
        _ => {
            skip(&format!("{var} is not set ({what})"));
            None
        }
    }
}

/// The real-world corpus, from `TREATY_CORPUS` (`.ci/run` sets it when
/// `../shared/corpus` exists), or `None` after [`skip`].
pub fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(needs_env(
        "TREATY_CORPUS",
        "the directory of the spec corpus",
    )?);
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "TREATY_CORPUS is {}, which is not a directory",
            dir.display()
        ));
        None
    }
}

/// The PostgreSQL database for tests, from `TREATY_TEST_DATABASE_URL`, or
/// `None` after [`skip`].
pub fn test_database_url() -> Option<String> {
    needs_env(
        "TREATY_TEST_DATABASE_URL",
        "a PostgreSQL database for tests, such as postgres://postgres@127.0.0.1:5432/test",
    )
}

/// An HTTP client that returns error statuses as answers.
pub fn http_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// A running `treaty serve`, killed when dropped. Every test that needs a
/// broker starts it here.
pub struct Broker {
    child: Child,
    url: String,
    token: Receiver<String>,
    stderr: Option<JoinHandle<Vec<String>>>,
    /// The scratch directory of [`Broker::start_fresh`]'s database.
    _scratch: Option<tempfile::TempDir>,
}

impl Broker {
    /// A broker on a new SQLite file of its own.
    pub fn start_fresh() -> TestResult<Broker> {
        Broker::start_fresh_with(&[])
    }

    /// [`Broker::start_fresh`] with more arguments to `treaty serve`.
    pub fn start_fresh_with(extra: &[&str]) -> TestResult<Broker> {
        let scratch = tempfile::tempdir()?;
        let url = format!("sqlite://{}", scratch.path().join("treaty.db").display());
        let mut broker = Broker::start_with(&url, extra)?;
        broker._scratch = Some(scratch);
        Ok(broker)
    }

    /// A broker on `database_url`, answering `/healthz` when this returns.
    pub fn start(database_url: &str) -> TestResult<Broker> {
        Broker::start_with(database_url, &[])
    }

    /// [`Broker::start`] with more arguments to `treaty serve`.
    pub fn start_with(database_url: &str, extra: &[&str]) -> TestResult<Broker> {
        let mut last = String::new();
        // The port is free when picked; another process could take it
        // before the broker binds it, so try a few.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let addr = format!("127.0.0.1:{port}");
            let mut serve = treaty();
            if !database_url.starts_with("sqlite:") {
                // Brokers on one PostgreSQL database share one log key (an
                // SQLite database keeps its own beside it).
                serve.env(
                    "TREATY_LOG_KEY_FILE",
                    Path::new(env!("CARGO_TARGET_TMPDIR")).join("treaty-log.key"),
                );
            }
            let mut child = serve
                .args(["serve", "--listen", &addr, "--database-url", database_url])
                .args(extra)
                .env("RUST_LOG", "info,sqlx=warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()?;
            let pipe = child.stderr.take().ok_or("no stderr pipe")?;
            let (tx, token) = mpsc::channel();
            // Drained to the end, so that the broker never blocks on a
            // full pipe; the lines are kept for failure messages.
            let stderr = thread::spawn(move || {
                let mut lines = Vec::new();
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    if let Some(t) = line.strip_prefix("TREATY_TOKEN=") {
                        let _ = tx.send(t.to_owned());
                    }
                    lines.push(line);
                }
                lines
            });
            let mut broker = Broker {
                child,
                url: format!("http://{addr}"),
                token,
                stderr: Some(stderr),
                _scratch: None,
            };
            match broker.wait_healthy() {
                Ok(()) => return Ok(broker),
                Err(e) => {
                    let log = broker.stop()?;
                    last = format!("{e}; its stderr:\n{}", log.join("\n"));
                    if !log.iter().any(|l| l.contains("cannot listen")) {
                        break;
                    }
                }
            }
        }
        Err(format!("the broker did not start: {last}").into())
    }

    fn wait_healthy(&mut self) -> TestResult {
        let agent = http_agent(Duration::from_secs(1));
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = format!("{}/healthz", self.url);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("the broker exited: {status}").into());
            }
            if let Ok(r) = agent.get(&url).call()
                && r.status().as_u16() == 200
            {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(10));
        }
        Err("the broker did not answer /healthz within 20 s".into())
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The admin token a first start prints (waits up to 10 s for it).
    pub fn bootstrap_token(&self) -> TestResult<String> {
        self.token
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "no TREATY_TOKEN= line on the first start".into())
    }

    /// `treaty ARGS` against this broker with `token`, not yet run.
    pub fn command(&self, token: &str, args: &[&str]) -> Command {
        let mut command = treaty();
        command
            .args(args)
            .env("TREATY_BROKER", &self.url)
            .env("TREATY_TOKEN", token);
        command
    }

    /// SIGKILL (on Unix `Child::kill` sends it), then the whole stderr.
    pub fn stop(&mut self) -> TestResult<Vec<String>> {
        let _ = self.child.kill();
        self.child.wait()?;
        match self.stderr.take() {
            Some(h) => h.join().map_err(|_| "the stderr reader panicked".into()),
            None => Ok(Vec::new()),
        }
    }

    /// Kills a broker that must still be running: one that died on its
    /// own is a failure of its own.
    pub fn crash(&mut self) -> TestResult<Vec<String>> {
        if let Some(status) = self.child.try_wait()? {
            let log = self.stop()?;
            return Err(format!(
                "the broker exited by itself ({status}) before it was killed; stderr:\n{}",
                log.join("\n")
            )
            .into());
        }
        self.stop()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fixture cases of a driver, `tests/data/{kind}/*/`, sorted by name.
pub struct Cases {
    /// The case directories to run.
    pub dirs: Vec<PathBuf>,
    /// Whether `TREATY_CASE` narrowed them: checks over the whole set
    /// (a minimum count) then do not apply.
    pub narrowed: bool,
}

/// The name of a case: its directory's name.
pub fn case_name(case: &Path) -> String {
    case.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every case directory under `tests/data/{kind}/`, or only those that
/// `TREATY_CASE` selects (comma-separated): a name selects the case of
/// that exact name, or, when there is none, every case whose name starts
/// with it. So `TREATY_CASE=enum-value-removed-request cargo test -p
/// treaty-cli --test diff_fixtures` runs one case and
/// `TREATY_CASE=enum-value-removed` the four of that rule. A name that
/// selects no case of either driver is a failure.
pub fn fixture_cases(kind: &str) -> Cases {
    let root = repo_root().join("tests/data").join(kind);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read the cases in {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let wanted = std::env::var("TREATY_CASE").unwrap_or_default();
    let wanted: Vec<&str> = wanted
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    if wanted.is_empty() {
        return Cases {
            dirs,
            narrowed: false,
        };
    }
    let chosen = |names: &[String], case: &str| -> Vec<String> {
        match names.iter().find(|n| *n == case) {
            Some(exact) => vec![exact.clone()],
            None => names
                .iter()
                .filter(|n| n.starts_with(case))
                .cloned()
                .collect(),
        }
    };
    // A name may belong to the other driver (both run under a plain
    // `cargo test`); one that selects no case at all is a typo.
    let names_of = |k: &str| -> Vec<String> {
        std::fs::read_dir(repo_root().join("tests/data").join(k))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let everywhere: Vec<String> = ["compat", "validate"]
        .iter()
        .flat_map(|k| names_of(k))
        .collect();
    let unknown: Vec<&&str> = wanted
        .iter()
        .filter(|w| chosen(&everywhere, w).is_empty())
        .collect();
    assert!(
        unknown.is_empty(),
        "TREATY_CASE selects no case of tests/data/compat/ or tests/data/validate/: {unknown:?}"
    );
    let names: Vec<String> = dirs.iter().map(|d| case_name(d)).collect();
    let keep: Vec<String> = wanted.iter().flat_map(|w| chosen(&names, w)).collect();
    dirs.retain(|d| keep.contains(&case_name(d)));
    eprintln!(
        "TREATY_CASE={}: {} case(s) of tests/data/{kind}/: {}",
        wanted.join(","),
        keep.len(),
        keep.join(", ")
    );
    Cases {
        dirs,
        narrowed: true,
    }
}

/// Makes a named pipe (FIFO) at `path`: opening one for reading waits for
/// a writer, so a reader that opens it hangs.
pub fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(status.success(), "mkfifo {}", path.display());
}
