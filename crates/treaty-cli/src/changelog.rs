//! `treaty changelog INTERFACE`: the evolution of an interface's schema
//! through the git history, one section per version, each with the
//! changes from the version before.

use std::path::Path;

use serde::Serialize;
use treaty_compat::Level;

use crate::diff::{self, JsonChange};
use crate::fs_source::FsSource;
use crate::git_source::{GitTree, file_history};

/// Commits followed back from `--to`, at most.
const MAX_COMMITS: usize = 10_000;

#[derive(Serialize)]
pub struct Version {
    /// `info.version` of the document, else the short commit id.
    pub version: String,
    pub commit: String,
    /// Commit date, `YYYY-MM-DD` (UTC).
    pub date: String,
    pub summary: String,
    /// Changes from the previous version; empty for the first one.
    pub changes: Vec<JsonChange>,
}

#[derive(Serialize)]
pub struct Changelog {
    pub interface: String,
    pub schema: String,
    /// Newest first.
    pub versions: Vec<Version>,
}

fn date(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn label(git: &GitTree, schema: &str, commit: &str) -> String {
    let text = treaty_core::DocumentSource::read(
        git,
        schema,
        treaty_syntax::Limits::SCHEMA_FILE.max_bytes,
    )
    .ok()
    .and_then(|b| String::from_utf8(b).ok());
    text.and_then(|t| {
        let node = treaty_syntax::parse(
            &t,
            treaty_syntax::SourceId(0),
            &treaty_syntax::Limits::SCHEMA_FILE,
        )
        .ok()?;
        let v = node.get("info")?.get("version")?.as_scalar()?.text.clone();
        Some(v)
    })
    .unwrap_or_else(|| commit.chars().take(10).collect())
}

pub fn changelog(dir: &Path, id: &str, from: Option<&str>, to: &str) -> Result<Changelog, String> {
    let source = FsSource::new(dir);
    let (ws, _) = treaty_core::load(&source);
    let interface = ws.interface(id).map_err(|e| e.to_string())?;
    let policy = ws.effective_policy(interface);
    let spec = ws.diff_spec(interface);
    let includes = interface.include_paths();
    let schema = interface.schema.value.clone();
    let mut history = file_history(dir, &schema, from, to, MAX_COMMITS)?;
    // With `--from`, the file as it was there is the baseline.
    let mut baseline = None;
    if let Some(f) = from {
        let git = GitTree::open(dir, f)?;
        if treaty_core::WorkspaceSource::exists(&git, &schema) {
            baseline = Some(git);
        }
    }
    let mut versions = Vec::new();
    let mut previous = baseline;
    for v in history.drain(..) {
        let git = GitTree::open(dir, &v.commit)?;
        let changes = match &previous {
            None => Vec::new(),
            Some(old) => {
                let version = |source| treaty_compat::InterfaceVersion {
                    source,
                    entry: &schema,
                    include_paths: &includes,
                };
                let d = treaty_compat::diff_interface(&version(old), &version(&git), &spec);
                let d = d.map_err(|e| {
                    format!(
                        "cannot compare `{schema}` at {}: {}",
                        v.commit, e.diagnostic.message
                    )
                })?;
                diff::report(&d, policy).changes
            }
        };
        versions.push(Version {
            version: label(&git, &schema, &v.commit),
            commit: v.commit.clone(),
            date: date(v.time),
            summary: v.summary.clone(),
            changes,
        });
        previous = Some(git);
    }
    versions.reverse();
    Ok(Changelog {
        interface: id.to_owned(),
        schema,
        versions,
    })
}

pub fn markdown(c: &Changelog) -> String {
    let mut out = format!("# Changelog: `{}`\n\nSchema: `{}`\n", c.interface, c.schema);
    if c.versions.is_empty() {
        out.push_str("\nNo versions in the history given.\n");
    }
    for v in &c.versions {
        let short: String = v.commit.chars().take(10).collect();
        out.push_str(&format!(
            "\n## {} ({}, `{short}`)\n\n{}\n",
            v.version, v.date, v.summary
        ));
        if v.changes.is_empty() {
            out.push_str("\nFirst version in this history, or no change to the contract.\n");
            continue;
        }
        for (level, title) in [
            (Level::Breaking, "Breaking"),
            (Level::Warning, "Warnings"),
            (Level::Info, "Other changes"),
        ] {
            let of_level: Vec<&JsonChange> =
                v.changes.iter().filter(|ch| ch.level == level).collect();
            if of_level.is_empty() {
                continue;
            }
            out.push_str(&format!("\n### {title}\n\n"));
            for ch in of_level {
                let ops = ch
                    .operation
                    .as_deref()
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default();
                out.push_str(&format!("- `{}`: {}{ops}\n", ch.rule, ch.message));
            }
        }
    }
    out
}
