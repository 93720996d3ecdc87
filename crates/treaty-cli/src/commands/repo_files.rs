//! What the repository-only mode's commands share: where a proposal or a
//! waiver lives, the next free number, YAML scalars, and writing a file
//! only when the workspace with it still validates (checked before the
//! file is touched, through a source that sees the new text).

use std::path::{Path, PathBuf};

use treaty_core::{DocumentSource, ReadError, Workspace, WorkspaceSource};
use treaty_syntax::Severity;

use crate::fs_source::FsSource;

/// The kinds of file these commands write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// `proposals/cp-N.yaml`.
    Proposal,
    /// `waivers/w-N.yaml`.
    Waiver,
}

impl Item {
    /// The kind an id names by its prefix (`cp-`, `w-`).
    pub fn of(id: &str) -> Result<Item, String> {
        let numbered = |prefix: &str| {
            id.strip_prefix(prefix)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        if numbered("cp-") {
            Ok(Item::Proposal)
        } else if numbered("w-") {
            Ok(Item::Waiver)
        } else {
            Err(format!(
                "`{id}` is neither a proposal id (`cp-N`) nor a waiver id (`w-N`)"
            ))
        }
    }

    /// The directory the files live in.
    pub fn dir(self) -> &'static str {
        match self {
            Item::Proposal => "proposals",
            Item::Waiver => "waivers",
        }
    }

    /// The ids' prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Item::Proposal => "cp-",
            Item::Waiver => "w-",
        }
    }

    /// The workspace path of the file of `id`.
    pub fn path(self, id: &str) -> String {
        format!("{}/{id}.yaml", self.dir())
    }

    /// Whether `ws` read the file of `id`.
    pub fn loaded(self, ws: &Workspace, id: &str) -> bool {
        match self {
            Item::Proposal => ws.proposals.iter().any(|p| p.id.value == id),
            Item::Waiver => ws.waivers.iter().any(|w| w.id.value == id),
        }
    }
}

/// One more than the highest number of `item`'s files in `ws` (1 when
/// there are none).
pub fn next_number(ws: &Path, item: Item) -> u64 {
    let highest = std::fs::read_dir(ws.join(item.dir()))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name
                .strip_suffix(".yaml")
                .or_else(|| name.strip_suffix(".yml"))?;
            stem.strip_prefix(item.prefix())?.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0);
    highest + 1
}

/// Whether `team` is a team of `ws` (in `teams/` or `treaty.yaml`).
pub fn known_team(ws: &Workspace, team: &str) -> bool {
    ws.teams.iter().any(|t| t.id.value == team)
        || ws
            .workspace
            .as_ref()
            .is_some_and(|w| w.teams.iter().any(|t| t.id.value == team))
}

/// A YAML scalar: JSON's quoted string is one.
pub fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The working tree with the file at `path` replaced by (or added as)
/// `text`.
struct Overlay<'a> {
    disk: FsSource,
    path: &'a str,
    text: &'a str,
}

impl DocumentSource for Overlay<'_> {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        if path != self.path {
            return self.disk.read(path, max_bytes);
        }
        if self.text.len() > max_bytes {
            return Err(ReadError::TooLarge {
                size: self.text.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(self.text.as_bytes().to_vec())
    }
}

impl WorkspaceSource for Overlay<'_> {
    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        let mut names = self.disk.list(dir)?;
        if let Some(name) = self
            .path
            .strip_prefix(dir)
            .and_then(|rest| rest.strip_prefix('/'))
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_owned());
            names.sort();
        }
        Ok(names)
    }

    fn exists(&self, path: &str) -> bool {
        path == self.path || self.disk.exists(path)
    }
}

/// The workspace at `dir` as it would be with `text` at `path`, when the
/// file would be read and have no errors; else why not, naming the file
/// and the finding.
pub fn would_validate(dir: &Path, path: &str, text: &str) -> Result<Workspace, String> {
    let source = Overlay {
        disk: FsSource::new(dir),
        path,
        text,
    };
    let (mut ws, mut diags) = treaty_core::load(&source);
    diags.extend(treaty_core::validate(&mut ws, &source, super::today()));
    let in_file = |d: &treaty_syntax::Diagnostic| {
        let named = d
            .span
            .and_then(|s| ws.sources.get(s.file))
            .map(|f| f.name());
        named.or(d.file.as_deref()) == Some(path)
    };
    if let Some(d) = diags
        .iter()
        .find(|d| d.severity == Severity::Error && in_file(d))
    {
        let at = d
            .span
            .and_then(|s| ws.sources.locate(s))
            .map(|(_, p)| format!(":{}:{}", p.line, p.column))
            .unwrap_or_default();
        return Err(format!(
            "{path}{at} would not be valid ({}: {}); nothing written",
            d.code, d.message
        ));
    }
    Ok(ws)
}

/// Writes `text` as a new file at `path` in the workspace `dir`; a file
/// written there meanwhile is never overwritten.
pub fn create(dir: &Path, path: &str, text: &str) -> Result<PathBuf, String> {
    let full = dir.join(path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&full)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", full.display()))?;
    Ok(full)
}

/// Replaces the file at `path` in the workspace `dir` with `text`.
pub fn replace(dir: &Path, path: &str, text: &str) -> Result<PathBuf, String> {
    let full = dir.join(path);
    std::fs::write(&full, text).map_err(|e| format!("cannot write {}: {e}", full.display()))?;
    Ok(full)
}
