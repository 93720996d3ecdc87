//! Files as they were at a git revision, read from the repository itself
//! (pure Rust, no `git` process).

use std::path::Path;

use treaty_compat::DocumentSource;
use treaty_core::{ReadError, WorkspaceSource};

/// The workspace directory's files at one revision.
pub struct GitTree {
    repo: gix::Repository,
    tree: gix::ObjectId,
    /// The workspace directory relative to the repository root (`/`-separated).
    prefix: String,
    reference: String,
}

impl std::fmt::Debug for GitTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitTree")
            .field("reference", &self.reference)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl GitTree {
    /// Opens the repository holding `dir` and resolves `reference` (a
    /// branch, tag, commit or expression such as `HEAD~1`) to its tree.
    pub fn open(dir: &Path, reference: &str) -> Result<GitTree, String> {
        let canon =
            |p: &Path| std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()));
        // Discovering from an absolute path: from a relative one, gix gives
        // a linked worktree's (`git worktree add`) working directory as an
        // empty path.
        let rel = canon(dir)?;
        let repo = gix::discover(&rel)
            .map_err(|e| format!("`{}` is not inside a git repository: {e}", dir.display()))?;
        let workdir = repo.workdir().ok_or("the repository has no working tree")?;
        let root = canon(workdir)?;
        let prefix = rel
            .strip_prefix(&root)
            .map_err(|_| "the workspace is outside the repository's working tree".to_owned())?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let id = repo
            .rev_parse_single(reference)
            .map_err(|e| format!("cannot resolve `{reference}` in the repository: {e}"))?;
        let tree = id
            .object()
            .map_err(|e| e.to_string())?
            .peel_to_tree()
            .map_err(|e| format!("`{reference}` does not name a commit or tree: {e}"))?
            .id;
        Ok(GitTree {
            repo,
            tree,
            prefix,
            reference: reference.to_owned(),
        })
    }

    fn full(&self, path: &str) -> String {
        if self.prefix.is_empty() {
            path.to_owned()
        } else {
            format!("{}/{path}", self.prefix)
        }
    }

    fn object(&self, path: &str) -> Result<Option<gix::Object<'_>>, String> {
        let tree = self.repo.find_tree(self.tree).map_err(|e| e.to_string())?;
        let entry = tree
            .lookup_entry_by_path(self.full(path))
            .map_err(|e| e.to_string())?;
        match entry {
            None => Ok(None),
            Some(e) => e.object().map(Some).map_err(|e| e.to_string()),
        }
    }
}

/// One commit in the history of a file.
#[derive(Debug, Clone)]
pub struct FileVersion {
    pub commit: String,
    pub time: i64,
    pub summary: String,
}

/// The commits (oldest first, following first parents from `to` back to,
/// and excluding, `from`) at which the file at `path` (relative to `dir`)
/// changed, at most `limit` commits deep.
pub fn file_history(
    dir: &Path,
    path: &str,
    from: Option<&str>,
    to: &str,
    limit: usize,
) -> Result<Vec<FileVersion>, String> {
    let head = GitTree::open(dir, to)?;
    let repo = &head.repo;
    let stop = match from {
        Some(f) => Some(
            repo.rev_parse_single(f)
                .map_err(|e| format!("cannot resolve `{f}` in the repository: {e}"))?
                .detach(),
        ),
        None => None,
    };
    let full = head.full(path);
    let mut id = repo
        .rev_parse_single(to)
        .map_err(|e| e.to_string())?
        .detach();
    let mut seen: Vec<(gix::ObjectId, Option<gix::ObjectId>, i64, String)> = Vec::new();
    for _ in 0..limit {
        if Some(id) == stop {
            break;
        }
        let commit = repo.find_commit(id).map_err(|e| e.to_string())?;
        let tree = commit.tree().map_err(|e| e.to_string())?;
        let blob = tree
            .lookup_entry_by_path(&full)
            .map_err(|e| e.to_string())?
            .map(|e| e.object_id());
        let time = commit.time().map(|t| t.seconds).unwrap_or(0);
        let summary = commit
            .message()
            .map(|m| m.summary().to_string())
            .unwrap_or_default();
        seen.push((id, blob, time, summary));
        match commit.parent_ids().next() {
            Some(p) => id = p.detach(),
            None => break,
        }
    }
    seen.reverse();
    let mut versions = Vec::new();
    let mut last: Option<gix::ObjectId> = None;
    for (commit, blob, time, summary) in seen {
        if blob.is_some() && blob != last {
            versions.push(FileVersion {
                commit: commit.to_string(),
                time,
                summary,
            });
        }
        last = blob;
    }
    Ok(versions)
}

impl DocumentSource for GitTree {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let object = self
            .object(path)
            .map_err(ReadError::Io)?
            .ok_or(ReadError::NotFound)?;
        if object.kind != gix::object::Kind::Blob {
            return Err(ReadError::Io(format!("not a file at {}", self.reference)));
        }
        if object.data.len() > max_bytes {
            return Err(ReadError::TooLarge {
                size: object.data.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(object.data.clone())
    }

    /// A missing file is named as missing at this revision.
    fn explain(&self, _path: &str, error: &ReadError) -> String {
        match error {
            ReadError::NotFound => format!("not in {}", self.reference),
            other => other.to_string(),
        }
    }
}

impl WorkspaceSource for GitTree {
    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        let Some(object) = self.object(dir).map_err(ReadError::Io)? else {
            return Ok(Vec::new());
        };
        let tree = object
            .try_into_tree()
            .map_err(|e| ReadError::Io(e.to_string()))?;
        let mut names = Vec::new();
        for entry in tree.iter() {
            let entry = entry.map_err(|e| ReadError::Io(e.to_string()))?;
            if entry.mode().is_blob() {
                names.push(entry.filename().to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    fn exists(&self, path: &str) -> bool {
        matches!(self.object(path), Ok(Some(o)) if o.kind == gix::object::Kind::Blob)
    }
}
