//! The working tree as a [`WorkspaceSource`] (and so a [`DocumentSource`]).

use std::io::Read;
use std::path::{Path, PathBuf};

use treaty_core::{DocumentSource, ReadError, WorkspaceSource};

/// Files under a directory on disk. Paths that lead outside it, through
/// `..` or a symbolic link, are refused.
#[derive(Debug)]
pub struct FsSource {
    root: PathBuf,
    /// The root with every link resolved, to check where paths really lead.
    canonical_root: PathBuf,
}

impl FsSource {
    pub fn new(root: impl Into<PathBuf>) -> FsSource {
        let root = root.into();
        let canonical_root = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
        FsSource {
            root,
            canonical_root,
        }
    }

    /// The path of `rel` on disk, if it exists and stays inside the root.
    fn resolve(&self, rel: &str) -> Result<PathBuf, ReadError> {
        let full = self.root.join(rel);
        let real = std::fs::canonicalize(&full).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e.to_string()),
        })?;
        if !real.starts_with(&self.canonical_root) {
            return Err(ReadError::Io(format!(
                "`{rel}` leads outside the workspace (to {}); it is not read",
                real.display()
            )));
        }
        Ok(real)
    }
}

/// The bytes of the regular file at `path`, refusing (before reading it)
/// a file larger than `max_bytes`, and anything that is not a regular
/// file: a named pipe would block the open until a writer came, a device
/// could be endless.
pub fn read_regular_file(path: &Path, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(e.to_string()),
    };
    // stat before open: opening a FIFO waits for a writer.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(ReadError::Io("not a regular file".to_owned()));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ReadError::Io("not a regular file".to_owned()));
    }
    if meta.len() > max_bytes as u64 {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: max_bytes,
        });
    }
    // Read at most one byte past the limit, in case the file grows.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > max_bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    Ok(bytes)
}

impl DocumentSource for FsSource {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        read_regular_file(&self.resolve(path)?, max_bytes)
    }
}

impl WorkspaceSource for FsSource {
    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        let entries = match std::fs::read_dir(self.root.join(dir)) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ReadError::Io(e.to_string())),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| ReadError::Io(e.to_string()))?;
            if entry.path().is_file()
                && let Some(name) = entry.file_name().to_str()
            {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    fn exists(&self, path: &str) -> bool {
        self.resolve(path).is_ok_and(|p| p.is_file())
    }
}
