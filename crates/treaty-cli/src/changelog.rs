//! `treaty changelog INTERFACE`: the evolution of an interface's schema
//! through the git history (renames followed), one section per version,
//! each with the changes from the version before, each change once with
//! every operation it touches.

use std::path::Path;

use serde::Serialize;
use treaty_compat::Level;

use crate::diff::{self, JsonChange};
use crate::fs_source::FsSource;
use crate::git_source::{GitTree, file_history, place};

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
    let head = GitTree::open(dir, to)?;
    let history = file_history(dir, &head.full(&schema), from, to, usize::MAX)?;
    // A version's tree, its workspace where the file was (renames are
    // followed), and the file's path there.
    let at = |commit: &str, full: &str| -> Result<(GitTree, String), String> {
        let (prefix, entry) = place(head.prefix(), full, &schema);
        Ok((GitTree::open(dir, commit)?.with_prefix(prefix), entry))
    };
    // With `--from`, the file as it was there is the baseline.
    let mut previous = None;
    if let Some(f) = from {
        let (git, entry) = at(f, &history.end_path)?;
        if treaty_core::WorkspaceSource::exists(&git, &entry) {
            previous = Some((git, entry));
        }
    }
    let mut versions = Vec::new();
    for v in history.versions.iter().rev() {
        let (git, entry) = at(&v.commit, &v.path)?;
        let changes = match &previous {
            None => Vec::new(),
            Some((old, old_entry)) => {
                let version = |source, entry| treaty_compat::InterfaceVersion {
                    source,
                    entry,
                    include_paths: &includes,
                };
                let d = treaty_compat::diff_interface(
                    &version(old, old_entry),
                    &version(&git, &entry),
                    &spec,
                );
                let d = d.map_err(|e| {
                    format!(
                        "cannot compare `{entry}` at {}: {}",
                        v.commit, e.diagnostic.message
                    )
                })?;
                once_each(diff::report(&d, policy).changes)
            }
        };
        versions.push(Version {
            version: label(&git, &entry, &v.commit),
            commit: v.commit.clone(),
            date: date(v.time),
            summary: v.summary.clone(),
            changes,
        });
        previous = Some((git, entry));
    }
    versions.reverse();
    Ok(Changelog {
        interface: id.to_owned(),
        schema,
        versions,
    })
}

/// Each change once: the comparison reports a change to a shared part
/// once per direction it is reached in (a schema in both requests and
/// responses: breaking for one, not for the other). A changelog entry is
/// the edit: the same rule, message and places are one entry, at its most
/// serious level, with every operation that reaches it (the most serious
/// level's first).
fn once_each(changes: Vec<JsonChange>) -> Vec<JsonChange> {
    let place = |l: &Option<diff::JsonLocation>| {
        l.as_ref()
            .map(|l| (l.file.clone(), l.pointer.clone(), l.line, l.column))
    };
    let mut out: Vec<JsonChange> = Vec::new();
    // `changes` is ordered most serious first: the first seen is kept.
    for c in changes {
        let same = out.iter_mut().find(|o| {
            o.rule == c.rule
                && o.message == c.message
                && place(&o.old) == place(&c.old)
                && place(&o.new) == place(&c.new)
        });
        match same {
            Some(o) => {
                for op in c.operations {
                    if !o.operations.contains(&op) {
                        o.operations.push(op);
                    }
                }
                if o.operation.is_none() {
                    o.operation = c.operation;
                }
            }
            None => out.push(c),
        }
    }
    out
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
                let ops = if ch.operations.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ch.operations.join(", "))
                };
                out.push_str(&format!("- `{}`: {}{ops}\n", ch.rule, ch.message));
            }
        }
    }
    out
}
