//! The files discovery looks at: every `.yaml`, `.yml`, `.json`, `.avsc`
//! and `.proto` file under the directory, in sorted order, skipping what
//! git ignores, hidden directories and the usual build and dependency
//! directories, within limits on depth, count and size.

use std::path::Path;

use ignore::WalkBuilder;

/// Directories never searched: version control, build output,
/// dependencies (their schemas are other people's).
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "target",
    "node_modules",
    "vendor",
    "dist",
    "build",
    "out",
    "venv",
    "__pycache__",
    "bower_components",
    "third_party",
];

/// Extensions of the files that may hold a schema.
const EXTENSIONS: &[&str] = &["yaml", "yml", "json", "avsc", "proto"];

/// How far down the tree discovery goes.
pub const MAX_DEPTH: usize = 32;
/// Entries (files and directories) visited at most before giving up.
pub const MAX_ENTRIES: usize = 200_000;
/// Files larger than this are not read (real schemas are smaller; large
/// JSON files are data).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The candidate files, relative to `dir` with `/`, sorted; and the ones
/// left out for their size.
#[derive(Debug, Default)]
pub struct Candidates {
    pub files: Vec<String>,
    pub too_large: Vec<String>,
}

/// Why the walk stopped.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error(
        "more than {MAX_ENTRIES} files and directories under {0}: give a narrower directory to discover in"
    )]
    TooMany(String),
    #[error("cannot read {0}: {1}")]
    Io(String, String),
}

fn relative(dir: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

pub fn candidates(dir: &Path) -> Result<Candidates, WalkError> {
    if !dir.is_dir() {
        return Err(WalkError::Io(
            dir.display().to_string(),
            "not a directory".to_owned(),
        ));
    }
    let walk = WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .ignore(false)
        .parents(true)
        .follow_links(false)
        .max_depth(Some(MAX_DEPTH))
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && SKIPPED_DIRS.iter().any(|s| e.file_name() == *s))
        })
        .build();
    let mut out = Candidates::default();
    for (seen, entry) in walk.enumerate() {
        if seen >= MAX_ENTRIES {
            return Err(WalkError::TooMany(dir.display().to_string()));
        }
        let entry = match entry {
            Ok(e) => e,
            // An unreadable subdirectory is not the user's mistake to fix
            // here: it is skipped, as git would.
            Err(_) => continue,
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e));
        let Some(rel) = relative(dir, path).filter(|_| wanted) else {
            continue;
        };
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_BYTES {
            out.too_large.push(rel);
        } else {
            out.files.push(rel);
        }
    }
    out.files.sort();
    out.too_large.sort();
    Ok(out)
}
