//! Reading a workspace's files through a [`WorkspaceSource`] into the model.

use treaty_syntax::{Diagnostic, Limits, Node, SourceId, SourceMap, from_node};

use crate::codes;
use crate::model::{Interface, Proposal, Release, Team, Waiver, WorkspaceFile};

pub use treaty_compat::{DocumentSource, ReadError};

/// A whole workspace's files: the working tree, a git ref, an upload.
/// Paths are relative to the workspace root, `/`-separated. Files are read
/// through [`DocumentSource::read`], the one reading trait Treaty has;
/// this adds what loading a workspace needs besides.
pub trait WorkspaceSource: DocumentSource {
    /// Names of the regular files directly in `dir` (empty when `dir` does
    /// not exist), sorted.
    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError>;
    /// Whether a regular file exists at `path`.
    fn exists(&self, path: &str) -> bool;
}

/// A workspace read from its files. Parts whose file could not be read or
/// did not fit the format are absent; the diagnostics say why.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// The text of every file read, for showing diagnostics in context.
    pub sources: SourceMap,
    /// `treaty.yaml`, when it could be read and fits the format.
    pub workspace: Option<WorkspaceFile>,
    /// Teams from `teams/` (teams declared in `treaty.yaml` stay there).
    pub teams: Vec<Team>,
    /// Interfaces from `interfaces/`.
    pub interfaces: Vec<Interface>,
    /// Releases from `releases/`.
    pub releases: Vec<Release>,
    /// Change proposals from `proposals/` (the repository-only mode).
    pub proposals: Vec<Proposal>,
    /// Waivers from `waivers/` (the repository-only mode).
    pub waivers: Vec<Waiver>,
    /// Ids of teams, interfaces and releases whose file did not fit the
    /// format: they exist, so references to them are not reported again.
    pub broken_ids: Vec<(ItemKind, String)>,
}

/// The kinds of contract file that live one per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A file under `teams/`.
    Team,
    /// A file under `interfaces/`.
    Interface,
    /// A file under `releases/`.
    Release,
    /// A file under `proposals/`.
    Proposal,
    /// A file under `waivers/`.
    Waiver,
}

const WORKSPACE_FILE: &str = "treaty.yaml";

/// Reads every contract file: `treaty.yaml`, `teams/*.yaml`,
/// `interfaces/*.yaml`, `releases/*.yaml`, `proposals/*.yaml`, `waivers/*.yaml`
/// (`.yml` too). Never fails:
/// unreadable files and type errors become diagnostics.
pub fn load(source: &dyn WorkspaceSource) -> (Workspace, Vec<Diagnostic>) {
    let mut ws = Workspace::default();
    let mut diags = Vec::new();

    if !source.exists(WORKSPACE_FILE) {
        diags.push(
            Diagnostic::error(
                codes::MISSING_WORKSPACE,
                "no `treaty.yaml` here: this directory is not a Treaty workspace",
            )
            .with_hint("run `treaty init` to create one, or pass the workspace directory")
            .unreadable(),
        );
        return (ws, diags);
    }
    if let Some(node) = read_tree(source, WORKSPACE_FILE, &mut ws, &mut diags) {
        ws.workspace = decode(&node, &mut diags);
        if ws.workspace.is_none() {
            // Keep the inline teams known, so that one mistake in
            // treaty.yaml does not turn every team reference into an error.
            let teams = node.get("teams").and_then(Node::as_seq).unwrap_or_default();
            ws.broken_ids.extend(
                teams
                    .iter()
                    .filter_map(|t| t.get("id").and_then(Node::as_scalar))
                    .map(|id| (ItemKind::Team, id.text.clone())),
            );
        }
    }
    for (dir, kind) in [
        ("teams", ItemKind::Team),
        ("interfaces", ItemKind::Interface),
        ("releases", ItemKind::Release),
        ("proposals", ItemKind::Proposal),
        ("waivers", ItemKind::Waiver),
    ] {
        let names = match source.list(dir) {
            Ok(names) => names,
            Err(e) => {
                diags.push(
                    Diagnostic::error(codes::UNREADABLE_FILE, format!("cannot list `{dir}/`: {e}"))
                        .in_file(dir)
                        .unreadable(),
                );
                continue;
            }
        };
        for name in names {
            if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
                continue;
            }
            let path = format!("{dir}/{name}");
            let Some(node) = read_tree(source, &path, &mut ws, &mut diags) else {
                // Unreadable: presume the file is named after its id (the
                // convention), so references to it are not reported too.
                let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
                ws.broken_ids.push((kind, stem.to_owned()));
                continue;
            };
            let decoded = match kind {
                ItemKind::Team => decode::<Team>(&node, &mut diags).map(|t| ws.teams.push(t)),
                ItemKind::Interface => {
                    decode::<Interface>(&node, &mut diags).map(|i| ws.interfaces.push(i))
                }
                ItemKind::Release => {
                    decode::<Release>(&node, &mut diags).map(|r| ws.releases.push(r))
                }
                ItemKind::Proposal => {
                    decode::<Proposal>(&node, &mut diags).map(|p| ws.proposals.push(p))
                }
                ItemKind::Waiver => decode::<Waiver>(&node, &mut diags).map(|w| ws.waivers.push(w)),
            };
            if decoded.is_none()
                && let Some(id) = node.get("id").and_then(|n| n.as_scalar())
            {
                ws.broken_ids.push((kind, id.text.clone()));
            }
        }
    }
    (ws, diags)
}

fn decode<T: serde::de::DeserializeOwned>(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<T> {
    match from_node::<T>(node) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(e.to_diagnostic());
            None
        }
    }
}

/// Reads and parses one file, registering its text in the source map.
fn read_tree(
    source: &dyn WorkspaceSource,
    path: &str,
    ws: &mut Workspace,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node> {
    let limits = Limits::CONTRACT_FILE;
    let bytes = match source.read(path, limits.max_bytes) {
        Ok(b) => b,
        Err(e) => {
            let code = match e {
                ReadError::TooLarge { .. } => "limit-exceeded",
                _ => codes::UNREADABLE_FILE,
            };
            diags.push(
                Diagnostic::error(code, e.to_string())
                    .in_file(path)
                    .unreadable(),
            );
            return None;
        }
    };
    let text = match treaty_syntax::decode(&bytes, SourceId(0), &limits) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error(e.kind.code(), e.message)
                    .in_file(path)
                    .unreadable(),
            );
            return None;
        }
    };
    let id = ws.sources.add(path, text);
    match treaty_syntax::parse(text, id, &limits) {
        Ok(node) => Some(node),
        Err(e) => {
            diags.push(e.to_diagnostic());
            None
        }
    }
}

/// A workspace held in memory: files at a git ref, an upload, a test.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    files: std::collections::BTreeMap<String, Vec<u8>>,
}

impl MemorySource {
    /// An empty workspace.
    pub fn new() -> MemorySource {
        MemorySource::default()
    }

    /// Adds (or replaces) the file at `path`, relative to the workspace root.
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }
}

impl DocumentSource for MemorySource {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let bytes = self.files.get(path).ok_or(ReadError::NotFound)?;
        if bytes.len() > max_bytes {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(bytes.clone())
    }
}

impl WorkspaceSource for MemorySource {
    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        let prefix = format!("{dir}/");
        Ok(self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(str::to_owned)
            .collect())
    }

    fn exists(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
}
