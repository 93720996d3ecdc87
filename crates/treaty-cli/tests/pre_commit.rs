//! The repository's `.pre-commit-hooks.yaml`, run by the real `pre-commit`
//! (from PyPI, pinned in `.ci/run`) with `pre-commit try-repo` on a
//! scratch repository holding a workspace: each hook passes on a good
//! workspace and fails on a broken one.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestContext;
use common::git_repo::git;

/// `pre-commit`: `TREATY_PRE_COMMIT`, else the venv `.ci/run` makes.
fn pre_commit() -> Option<PathBuf> {
    let path = std::env::var_os("TREATY_PRE_COMMIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo_root().join("target/py-venv/bin/pre-commit"));
    let works = Command::new(&path)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Some(path)
    } else {
        common::skip(&format!(
            "no pre-commit at {} (`.ci/run` installs it; or set TREATY_PRE_COMMIT)",
            path.display()
        ));
        None
    }
}

/// `pre-commit try-repo <this repository> HOOK ARGS` in `dir`, with the
/// `treaty` under test first on PATH; exit code and output.
fn try_repo(
    pre_commit: &Path,
    cache: &Path,
    dir: &Path,
    hook: &str,
    args: &[&str],
) -> (i32, String) {
    let out = Command::new(pre_commit)
        .current_dir(dir)
        .env("PATH", common::path_with_treaty())
        .env("PRE_COMMIT_HOME", cache)
        .env("NO_COLOR", "1")
        .args(["try-repo", "--color", "never"])
        .arg(common::repo_root())
        .arg(hook)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run pre-commit: {e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_hooks_pass_a_good_workspace_and_fail_a_broken_one() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let cx = TestContext::new();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = cx.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap_or_else(|e| panic!("{e}"));
    let init = common::treaty()
        .args(["init", "--name", "Scratch"])
        .arg(&repo)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(init.status.success(), "{init:?}");
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "workspace"]);
    let hook = |id: &str, args: &[&str]| try_repo(&pre_commit, cache.path(), &repo, id, args);

    let (code, out) = hook("treaty-validate", &["--all-files"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("treaty validate") && out.contains("Passed"),
        "{out}"
    );

    // A misspelt field: validate fails and says where.
    let file = repo.join("interfaces/greetings-api.yaml");
    let good = std::fs::read_to_string(&file).unwrap_or_default();
    std::fs::write(&file, good.replace("consumers:", "comsumers:"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, out) = hook("treaty-validate", &["--all-files"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Failed") && out.contains("unknown field `comsumers`"),
        "{out}"
    );
    std::fs::write(&file, &good).unwrap_or_else(|e| panic!("{e}"));

    // treaty check on what is staged: a harmless change passes, a
    // breaking change a consumer uses fails.
    let schema = repo.join("schemas/greetings-api.openapi.yaml");
    let text = std::fs::read_to_string(&schema).unwrap_or_default();
    std::fs::write(
        &schema,
        text.replace("description: A greeting.", "description: Hello."),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    git(&repo, &["add", "-A"]);
    let (code, out) = hook("treaty-check", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("treaty check") && out.contains("Passed"),
        "{out}"
    );

    std::fs::write(&schema, text.replace("required: [text]", "required: []"))
        .unwrap_or_else(|e| panic!("{e}"));
    git(&repo, &["add", "-A"]);
    let (code, out) = hook("treaty-check", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Failed") && out.contains("greetings-api"),
        "{out}"
    );
    assert!(out.contains("affects web"), "{out}");
}
