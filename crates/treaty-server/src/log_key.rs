//! The decision log's signing key: generated at first start and kept in a
//! file outside the database (so that whoever can rewrite the database
//! still cannot sign a checkpoint), readable by its owner only. Brokers
//! sharing one database share the file; the first to start creates it,
//! atomically, and the others read it.

use std::io::Write;
use std::path::Path;

use treaty_log::NoteSigner;

/// Largest key file read, in bytes (a key text is about 100).
const MAX_KEY_FILE: u64 = 4096;

/// Why the key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum LogKeyError {
    /// Reading or writing the file failed.
    #[error("log key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The file holds something else than a signer key.
    #[error("log key file {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LogKeyError + '_ {
    move |source| LogKeyError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The signer in the key file at `path`, created with a new random key
/// named `origin` (or a random `treaty-decisions-<hex>` name when `None`)
/// if there is no file yet. A file whose key has another name than a given
/// `origin` is refused: the origin names the log, and a log keeps its name.
pub fn load_or_create(path: &Path, origin: Option<&str>) -> Result<NoteSigner, LogKeyError> {
    match read(path)? {
        Some(signer) => {
            if let Some(origin) = origin
                && signer.name() != origin
            {
                return Err(LogKeyError::Invalid {
                    path: path.display().to_string(),
                    message: format!(
                        "the key is for the log `{}`, not `{origin}`: the origin names the log and cannot change (drop --log-origin, or give another key file for a new log)",
                        signer.name()
                    ),
                });
            }
            Ok(signer)
        }
        None => create(path, origin),
    }
}

fn read(path: &Path) -> Result<Option<NoteSigner>, LogKeyError> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    warn_if_readable_by_others(path, &file);
    let mut text = String::new();
    file.take(MAX_KEY_FILE)
        .read_to_string(&mut text)
        .map_err(io(path))?;
    NoteSigner::parse(text.trim())
        .map(Some)
        .map_err(|e| LogKeyError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path, file: &std::fs::File) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = file.metadata()
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the log key file is readable by others than its owner: chmod 600 it");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path, _: &std::fs::File) {}

fn create(path: &Path, origin: Option<&str>) -> Result<NoteSigner, LogKeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| io(path)(std::io::Error::other(e.to_string())))?;
    let name = match origin {
        Some(o) => o.to_owned(),
        None => {
            let mut tag = [0u8; 4];
            getrandom::fill(&mut tag)
                .map_err(|e| io(path)(std::io::Error::other(e.to_string())))?;
            format!(
                "treaty-decisions-{}",
                tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        }
    };
    let signer = NoteSigner::from_seed(&name, seed).map_err(|e| LogKeyError::Invalid {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    // Written whole to a private temporary file, then linked into place:
    // a broker starting at the same moment sees no file or a whole one,
    // and if it made its own key first, exactly one of the two links wins.
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile_in(dir).map_err(io(path))?;
    tmp.1
        .write_all(format!("{}\n", signer.to_text()).as_bytes())
        .and_then(|()| tmp.1.sync_all())
        .map_err(io(path))?;
    let linked = std::fs::hard_link(&tmp.0, path);
    let _ = std::fs::remove_file(&tmp.0);
    match linked {
        Ok(()) => Ok(signer),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path)?.ok_or_else(|| {
            io(path)(std::io::Error::other(
                "the key file vanished while being read",
            ))
        }),
        Err(e) => Err(io(path)(e)),
    }
}

/// A new file only its owner may read, in `dir`.
fn tempfile_in(dir: &Path) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let mut tag = [0u8; 8];
    getrandom::fill(&mut tag).map_err(|e| std::io::Error::other(e.to_string()))?;
    let name: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!(".treaty-log-key-{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&path)?;
    Ok((path, file))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.key");
        let first = load_or_create(&path, Some("example.org/log")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = load_or_create(&path, None).unwrap();
        assert_eq!(again.verifier(), first.verifier());
        assert!(load_or_create(&path, Some("other.org/log")).is_err());
        let unnamed = load_or_create(&dir.path().join("b.key"), None).unwrap();
        assert!(unnamed.name().starts_with("treaty-decisions-"));
        std::fs::write(dir.path().join("bad.key"), "nonsense").unwrap();
        assert!(load_or_create(&dir.path().join("bad.key"), None).is_err());
    }
}
