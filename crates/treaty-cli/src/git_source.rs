//! Files as they were at a git revision, read from the repository itself
//! (pure Rust, no `git` process).

use std::path::Path;

use treaty_compat::DocumentSource;
use treaty_core::{ReadError, WorkspaceSource};

use crate::git_renames;

/// Decoded objects kept per repository handle, at most.
const OBJECT_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// The workspace directory's files at one revision.
#[derive(Clone)]
pub struct GitTree {
    repo: gix::Repository,
    tree: gix::ObjectId,
    /// The workspace directory relative to the repository root (`/`-separated).
    prefix: String,
    reference: String,
    /// What `reference` resolved to (a commit, or a tree).
    resolved: gix::ObjectId,
    /// The working tree's root directory.
    root: std::path::PathBuf,
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
        let mut repo = gix::discover(&rel)
            .map_err(|e| format!("`{}` is not inside a git repository: {e}", dir.display()))?;
        // Every path looked up decodes the trees above it: keep them
        // decoded (a check reads thousands of files in a few trees).
        repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
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
        let resolved = id.detach();
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
            resolved,
            root,
        })
    }

    /// The same revision with the workspace at `prefix` (from the
    /// repository root; see [`place`]).
    pub fn with_prefix(mut self, prefix: String) -> GitTree {
        self.prefix = prefix;
        self
    }

    /// The workspace directory, from the repository root.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The repository.
    pub fn repo(&self) -> &gix::Repository {
        &self.repo
    }

    /// The revision's tree.
    pub fn tree_id(&self) -> gix::ObjectId {
        self.tree
    }

    /// The object id the revision resolved to (its commit).
    pub fn resolved(&self) -> String {
        self.resolved.to_string()
    }

    /// The working tree's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` (in the workspace) from the repository root.
    pub fn full(&self, path: &str) -> String {
        if self.prefix.is_empty() {
            path.to_owned()
        } else {
            format!("{}/{path}", self.prefix)
        }
    }

    /// The blob id of the file at `path` (in the workspace), without
    /// reading it; `None` when there is no file there.
    pub fn blob_id(&self, path: &str) -> Result<Option<gix::ObjectId>, String> {
        let tree = self.repo.find_tree(self.tree).map_err(|e| e.to_string())?;
        Ok(tree
            .lookup_entry_by_path(self.full(path))
            .map_err(|e| e.to_string())?
            .filter(|e| e.mode().is_blob())
            .map(|e| e.object_id()))
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

/// One version of a file: a commit at which its content changed.
#[derive(Debug, Clone)]
pub struct FileVersion {
    pub commit: String,
    /// The commit's first parent, where the version before was current.
    pub parent: Option<String>,
    pub time: i64,
    pub summary: String,
    /// The file's path at this commit, from the repository root (it
    /// differs from the path asked for when the file was renamed since).
    pub path: String,
}

/// Where a walk back through a file's history stopped before reaching
/// its first version.
#[derive(Debug, Clone)]
pub struct Cut {
    /// The newest version not returned.
    pub next: FileVersion,
}

/// The versions of a file, newest first.
#[derive(Debug, Clone, Default)]
pub struct FileHistory {
    pub versions: Vec<FileVersion>,
    /// Set when there were more versions than asked for.
    pub cut: Option<Cut>,
    /// The file's path (from the repository root) where the walk ended:
    /// at `from`, when it was reached.
    pub end_path: String,
}

/// The versions of the file at `full` (a path from the repository root)
/// as of `to`, newest first: the commits, following first parents back
/// from `to` to (and excluding) `from` or the file's creation, at which
/// its content changed. A file that appears where another disappeared is
/// followed back to that one (a rename, see `crate::git_renames`). At most
/// `max_versions` are returned; `cut` says where the walk stopped when
/// there were more.
pub fn file_history(
    dir: &Path,
    full: &str,
    from: Option<&str>,
    to: &str,
    max_versions: usize,
) -> Result<FileHistory, String> {
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
    let blob_at = |tree: gix::ObjectId, path: &str| -> Result<Option<gix::ObjectId>, String> {
        let tree = repo.find_tree(tree).map_err(|e| e.to_string())?;
        Ok(tree
            .lookup_entry_by_path(path)
            .map_err(|e| e.to_string())?
            .filter(|e| e.mode().is_blob())
            .map(|e| e.object_id()))
    };
    let mut history = FileHistory::default();
    let mut id = repo
        .rev_parse_single(to)
        .map_err(|e| e.to_string())?
        .detach();
    let mut path = full.to_owned();
    let Some(mut blob) = blob_at(head.tree, &path)? else {
        history.end_path = path;
        return Ok(history);
    };
    while Some(id) != stop {
        let commit = repo.find_commit(id).map_err(|e| e.to_string())?;
        let parent = commit.parent_ids().next().map(|p| p.detach());
        let mut before = None;
        let mut before_path = path.clone();
        if let Some(p) = parent {
            let parent_tree = repo
                .find_commit(p)
                .map_err(|e| e.to_string())?
                .tree_id()
                .map_err(|e| e.to_string())?
                .detach();
            before = blob_at(parent_tree, &path)?;
            if before.is_none() {
                let tree = commit.tree_id().map_err(|e| e.to_string())?.detach();
                let removed = git_renames::removed_between(repo, parent_tree, Some(tree))?;
                let content = repo.find_object(blob).map_err(|e| e.to_string())?;
                if let Some(source) = git_renames::rename_source(repo, &content.data, &removed) {
                    before = blob_at(parent_tree, &source)?;
                    before_path = source;
                }
            }
        }
        if before != Some(blob) {
            let version = FileVersion {
                commit: id.to_string(),
                parent: parent.map(|p| p.to_string()),
                time: commit.time().map(|t| t.seconds).unwrap_or(0),
                summary: commit
                    .message()
                    .map(|m| m.summary().to_string())
                    .unwrap_or_default(),
                path: path.clone(),
            };
            if history.versions.len() == max_versions {
                history.cut = Some(Cut { next: version });
                break;
            }
            history.versions.push(version);
        }
        match (parent, before) {
            (Some(p), Some(b)) => {
                id = p;
                blob = b;
                path = before_path;
            }
            _ => break,
        }
    }
    history.end_path = path;
    Ok(history)
}

/// How a tree reads a file at `full` (a path from the repository root):
/// the workspace prefix and the path within it. Inside `prefix`, the
/// workspace is the same; else, when `full` ends with `hint` (the path in
/// the workspace today), the workspace was at the rest; else the file is
/// read from the repository root.
pub fn place(prefix: &str, full: &str, hint: &str) -> (String, String) {
    if prefix.is_empty() {
        return (String::new(), full.to_owned());
    }
    if let Some(rest) = full.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) {
        return (prefix.to_owned(), rest.to_owned());
    }
    if let Some(moved) = full
        .strip_suffix(hint)
        .and_then(|r| r.strip_suffix('/'))
        .filter(|r| !r.is_empty())
    {
        return (moved.to_owned(), hint.to_owned());
    }
    (String::new(), full.to_owned())
}

/// A revision beside the working tree, file by file: a file is the same
/// on both when its bytes hash to the blob id the revision has.
pub struct BesideWorkingTree<'a> {
    pub base: &'a GitTree,
    pub working: &'a dyn DocumentSource,
}

impl treaty_compat::unchanged::Sides for BesideWorkingTree<'_> {
    fn sameness(&self, path: &str) -> treaty_compat::unchanged::Sameness {
        use treaty_compat::unchanged::Sameness;
        let limit = treaty_syntax::Limits::SCHEMA_FILE.max_bytes;
        let base = match self.base.blob_id(path) {
            Ok(id) => id,
            Err(_) => return Sameness::Differs,
        };
        match (self.working.read(path, limit), base) {
            (Err(ReadError::NotFound), None) => Sameness::Absent,
            (Ok(bytes), Some(id)) => {
                let hashed = gix::objs::compute_hash(id.kind(), gix::objs::Kind::Blob, &bytes).ok();
                if hashed == Some(id) {
                    Sameness::Same(bytes)
                } else {
                    Sameness::Differs
                }
            }
            _ => Sameness::Differs,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::place;

    #[test]
    fn a_path_is_placed_in_the_workspace_it_was_in() {
        let p = |prefix, full, hint| place(prefix, full, hint);
        assert_eq!(
            p("", "schemas/a.yaml", "x"),
            ("".into(), "schemas/a.yaml".into())
        );
        assert_eq!(
            p("acme", "acme/schemas/a.yaml", "schemas/b.yaml"),
            ("acme".into(), "schemas/a.yaml".into())
        );
        // The workspace moved from `old/acme` to `acme`.
        assert_eq!(
            p("acme", "old/acme/schemas/a.yaml", "schemas/a.yaml"),
            ("old/acme".into(), "schemas/a.yaml".into())
        );
        assert_eq!(
            p("acme", "elsewhere/a.yaml", "schemas/a.yaml"),
            ("".into(), "elsewhere/a.yaml".into())
        );
        assert_eq!(
            p("acme", "acmeold/a.yaml", "b.yaml"),
            ("".into(), "acmeold/a.yaml".into())
        );
    }
}
