//! The CI set-ups in `examples/ci/` (and, word for word, in `docs/ci.md`)
//! run here as their CI would run them: the GitHub workflow's `run` steps
//! and the GitLab job's `script`, in a clone of a repository with a pull
//! request branch, with the `treaty` under test on PATH. A harmless change
//! passes, a breaking one fails the job and its reports (job summary,
//! SARIF, Code Quality) say why. So the documented workflows cannot rot.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::git_repo::git;
use treaty_syntax::{Limits, Node, SourceId};

fn example(name: &str) -> (String, Node) {
    let path = common::repo_root().join("examples/ci").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let node = treaty_syntax::parse(&text, SourceId(0), &Limits::CONTRACT_FILE)
        .unwrap_or_else(|e| panic!("{name} is not YAML: {}", e.message));
    (text, node)
}

/// A scalar's text, whatever it resolves to (`GIT_DEPTH: 0`).
fn text(node: &Node) -> String {
    node.as_scalar().map(|s| s.text.clone()).unwrap_or_default()
}

fn vars(node: Option<&Node>) -> BTreeMap<String, String> {
    node.and_then(Node::as_map)
        .into_iter()
        .flatten()
        .map(|(k, v)| (text(k), text(v)))
        .collect()
}

/// A bare `origin` holding the example workspace on `main`, and a clone
/// on branch `change` where `edit` was committed: a pull request.
fn pull_request(edit: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let origin = dir.path().join("origin.git");
    let seed = dir.path().join("seed");
    common::copy_dir(&common::acme(), &seed).unwrap_or_else(|e| panic!("{e}"));
    git(dir.path(), &["init", "-q", "--bare", "origin.git"]);
    git(&seed, &["init", "-q"]);
    git(&seed, &["add", "-A"]);
    git(&seed, &["commit", "-q", "-m", "contracts"]);
    git(
        &seed,
        &["push", "-q", origin.to_str().unwrap_or_default(), "main"],
    );
    git(dir.path(), &["clone", "-q", "origin.git", "work"]);
    let work = dir.path().join("work");
    git(&work, &["checkout", "-q", "-b", "change"]);
    let schema = work.join("schemas/payments-api.openapi.yaml");
    let old = std::fs::read_to_string(&schema).unwrap_or_default();
    let new = match edit {
        "breaking" => old.replace("enum: [EUR, USD, GBP, SEK, CHF]", "enum: [EUR, USD, GBP]"),
        _ => old.replace("title: Acme Payments API", "title: Acme Payments"),
    };
    assert!(old != new, "the {edit} edit changed nothing");
    std::fs::write(&schema, new).unwrap_or_else(|e| panic!("{e}"));
    git(&work, &["commit", "-q", "-a", "-m", edit]);
    (dir, work)
}

/// Runs a script as CI does (`bash -eo pipefail`); exit code and output.
fn bash(dir: &Path, script: &str, env: &BTreeMap<String, String>) -> (i32, String) {
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .envs(env)
        .env("PATH", common::path_with_treaty())
        .env("NO_COLOR", "1")
        .env_remove("TREATY_BROKER")
        .env_remove("TREATY_TOKEN")
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash: {e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

/// What a run of the GitHub workflow left: each step's exit code, the
/// job summary, the step outputs, the SARIF file.
struct GithubRun {
    codes: Vec<(String, i32)>,
    summary: String,
    outputs: String,
    sarif: serde_json::Value,
}

fn run_github_workflow(work: &Path) -> GithubRun {
    let (_, workflow) = example("github-workflow.yml");
    assert!(
        workflow
            .get("on")
            .and_then(|o| o.get("pull_request"))
            .is_some()
    );
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let summary = scratch.path().join("summary.md");
    let outputs = scratch.path().join("outputs");
    let mut env = vars(workflow.get("env"));
    env.insert("GITHUB_STEP_SUMMARY".into(), summary.display().to_string());
    env.insert("GITHUB_OUTPUT".into(), outputs.display().to_string());
    let job = workflow.get("jobs").and_then(|j| j.get("check"));
    let steps = job
        .and_then(|j| j.get("steps"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let mut codes = Vec::new();
    let mut sarif_file = None;
    let mut failed = false;
    for step in steps {
        let name = step.get("name").map(text).unwrap_or_default();
        let uses = step.get("uses").map(text).unwrap_or_default();
        if uses.starts_with("actions/checkout@") {
            // The clone is the checkout; the base must be in it.
            let depth = step
                .get("with")
                .and_then(|w| w.get("fetch-depth"))
                .map(text);
            assert_eq!(
                depth.as_deref(),
                Some("0"),
                "treaty check needs the history"
            );
            continue;
        }
        if uses.starts_with("github/codeql-action/upload-sarif@") {
            sarif_file = step.get("with").and_then(|w| w.get("sarif_file")).map(text);
            assert_eq!(
                step.get("if").map(text).as_deref(),
                Some("always() && steps.check.outcome == 'success'")
            );
            continue;
        }
        let Some(run) = step.get("run").map(text) else {
            panic!("a step the test does not know: {name} ({uses})");
        };
        if name == "Install Treaty" {
            assert!(run.contains("cargo install"), "{run}");
            continue;
        }
        let written = std::fs::read_to_string(&outputs).unwrap_or_default();
        let status = written
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("status="))
            .unwrap_or("")
            .to_owned();
        let wanted = match step.get("if").map(text).as_deref() {
            None => !failed,
            Some("steps.check.outputs.status != '0'") => status != "0",
            Some(other) => panic!("a condition the test does not know: {other}"),
        };
        if !wanted {
            continue;
        }
        let script = run
            .replace("${{ github.base_ref }}", "main")
            .replace("${{ steps.check.outputs.status }}", &status);
        assert!(
            !script.contains("${{"),
            "an expression the test does not know: {script}"
        );
        let (code, out) = bash(work, &script, &env);
        if code != 0 {
            failed = true;
        }
        codes.push((name.clone(), code));
        assert!(
            code == 0 || name.starts_with("Fail"),
            "step `{name}` failed: {out}"
        );
    }
    let sarif_file = sarif_file.unwrap_or_else(|| panic!("no upload-sarif step"));
    let sarif = std::fs::read_to_string(work.join(&sarif_file)).unwrap_or_default();
    GithubRun {
        codes,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        sarif: serde_json::from_str(&sarif).unwrap_or_else(|e| panic!("{sarif_file}: {e}")),
    }
}

#[test]
fn the_github_workflow_passes_a_harmless_pull_request() {
    let (_dir, work) = pull_request("harmless");
    let run = run_github_workflow(&work);
    let names: Vec<&str> = run.codes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Validate the contract files",
            "Check against the base branch"
        ]
    );
    assert!(run.codes.iter().all(|(_, c)| *c == 0), "{:?}", run.codes);
    assert!(run.outputs.contains("status=0"), "{}", run.outputs);
    assert!(
        run.summary
            .starts_with("## Treaty check against `origin/main`"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("✅"), "{}", run.summary);
    if let Some(validator) = common::sarif::validator() {
        assert_eq!(
            common::sarif::errors(&validator, &run.sarif),
            Vec::<String>::new()
        );
    }
}

#[test]
fn the_github_workflow_fails_a_breaking_pull_request_and_says_why() {
    let (_dir, work) = pull_request("breaking");
    let run = run_github_workflow(&work);
    assert_eq!(
        run.codes.last(),
        Some(&(
            "Fail on a breaking change that affects a consumer".to_owned(),
            1
        )),
        "{:?}",
        run.codes
    );
    assert!(run.outputs.contains("status=1"), "{}", run.outputs);
    assert!(run.summary.contains("❌"), "{}", run.summary);
    assert!(
        run.summary.contains("enum-value-removed"),
        "{}",
        run.summary
    );
    let errors: Vec<&serde_json::Value> = run.sarif["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["level"] == "error")
        .collect();
    assert!(!errors.is_empty(), "{}", run.sarif);
    if let Some(validator) = common::sarif::validator() {
        assert_eq!(
            common::sarif::errors(&validator, &run.sarif),
            Vec::<String>::new()
        );
    }
}

/// The GitLab job's script run in a merge request pipeline: its exit code
/// and output, and its Code Quality report.
fn run_gitlab_job(work: &Path) -> (i32, String, serde_json::Value) {
    let (_, ci) = example("gitlab-ci.yml");
    let job = ci
        .get("treaty")
        .unwrap_or_else(|| panic!("no `treaty` job"));
    let rules = job.get("rules").and_then(Node::as_seq).unwrap_or_default();
    assert!(
        rules.iter().any(|r| r
            .get("if")
            .map(text)
            .is_some_and(|i| i.contains("merge_request_event"))),
        "the job runs in merge requests"
    );
    let before = job
        .get("before_script")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    assert!(
        before.iter().all(|l| text(l).contains("cargo install")),
        "only the install"
    );
    let mut env = vars(job.get("variables"));
    assert_eq!(env.get("GIT_DEPTH").map(String::as_str), Some("0"));
    env.insert("CI_MERGE_REQUEST_TARGET_BRANCH_NAME".into(), "main".into());
    env.insert("CI_PIPELINE_SOURCE".into(), "merge_request_event".into());
    let script: Vec<String> = job
        .get("script")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(text)
        .collect();
    assert!(!script.is_empty());
    let (code, out) = bash(work, &script.join("\n"), &env);
    let artifacts = job.get("artifacts");
    assert_eq!(
        artifacts.and_then(|a| a.get("when")).map(text).as_deref(),
        Some("always")
    );
    let report = artifacts
        .and_then(|a| a.get("reports"))
        .and_then(|r| r.get("codequality"))
        .map(text)
        .unwrap_or_else(|| panic!("no codequality report"));
    let report = std::fs::read_to_string(work.join(&report)).unwrap_or_default();
    let report = serde_json::from_str(&report).unwrap_or_else(|e| panic!("{report}: {e}"));
    (code, out, report)
}

#[test]
fn the_gitlab_job_reports_code_quality_and_fails_a_breaking_merge_request() {
    let (_dir, work) = pull_request("harmless");
    let (code, out, report) = run_gitlab_job(&work);
    assert_eq!(code, 0, "{out}");
    assert!(report.as_array().is_some(), "{report}");

    let (_dir, work) = pull_request("breaking");
    let (code, out, report) = run_gitlab_job(&work);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("payments-api (openapi, backward_transitive): FAIL"),
        "{out}"
    );
    let critical: Vec<&serde_json::Value> = report
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["severity"] == "critical")
        .collect();
    assert!(
        critical
            .iter()
            .any(|i| i["check_name"] == "enum-value-removed"
                && i["location"]["path"] == "schemas/payments-api.openapi.yaml"),
        "{report}"
    );
}

#[test]
fn docs_ci_shows_the_examples_word_for_word() {
    let doc = std::fs::read_to_string(common::repo_root().join("docs/ci.md")).unwrap_or_default();
    for name in ["github-workflow.yml", "gitlab-ci.yml"] {
        let (text, _) = example(name);
        assert!(
            doc.contains(&format!("```yaml\n{text}```")),
            "docs/ci.md does not show examples/ci/{name} as it is"
        );
    }
    let hooks = std::fs::read_to_string(common::repo_root().join(".pre-commit-hooks.yaml"))
        .unwrap_or_default();
    for id in ["treaty-validate", "treaty-check"] {
        assert!(hooks.contains(&format!("- id: {id}\n")), "{id}");
        assert!(
            doc.contains(&format!("id: {id}")),
            "docs/ci.md does not show {id}"
        );
    }
}
