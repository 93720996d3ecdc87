//! Which paths a bundle may hold: only paths every client can write under a
//! directory of its choosing without leaving it or overwriting another file
//! of the bundle. A bundle is served back as published, so the broker is
//! where a hostile path must stop.
//!
//! The check belongs with `treaty_compat::Bundle`; it lives here until that
//! type has a home for it.

use std::collections::{BTreeMap, BTreeSet};

/// Length of a path in a bundle, in bytes, at most.
pub(super) const MAX_PATH: usize = 1024;

/// Why `path` is not a relative path a client can write safely, if it is
/// not: absolute, a Windows drive or UNC prefix, a backslash, a `.`, `..`
/// or empty segment, a control character, a trailing `/`, too long.
pub(super) fn unsafe_path(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("is empty");
    }
    if path.len() > MAX_PATH {
        return Some("is longer than 1024 bytes");
    }
    if path.chars().any(char::is_control) {
        return Some("holds a control character");
    }
    if path.contains('\\') {
        return Some("holds a backslash (separate directories with `/`)");
    }
    if path.starts_with('/') {
        return Some("is absolute (paths are relative to the workspace)");
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Some("starts with a Windows drive");
    }
    if path.ends_with('/') {
        return Some("ends with `/` (a file's path names a file)");
    }
    for segment in path.split('/') {
        match segment {
            "" => return Some("has an empty segment (`//`)"),
            "." | ".." => return Some("has a `.` or `..` segment"),
            _ => {}
        }
    }
    None
}

/// Why `path`, an include directory, is unsafe, if it is. A directory may
/// also be the workspace itself (`.`) and end with `/`, as workspaces
/// write them; it is never written, only searched.
pub(super) fn unsafe_directory(path: &str) -> Option<&'static str> {
    if path == "." {
        return None;
    }
    unsafe_path(path.strip_suffix('/').unwrap_or(path))
}

/// A path as a case-insensitive file system sees it.
fn folded(path: &str) -> String {
    path.to_lowercase()
}

/// Two paths of `files` that one client file system could not hold apart,
/// with why: equal but for case, or one a file and a directory of the
/// other.
pub(super) fn clash<'a>(files: impl Iterator<Item = &'a String>) -> Option<String> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for path in files {
        if let Some(other) = seen.insert(folded(path), path) {
            return Some(format!(
                "`{}` and `{}` differ only in case: a client on a case-insensitive file system could not write both",
                shown(other),
                shown(path)
            ));
        }
    }
    let directories: BTreeSet<&str> = seen
        .keys()
        .flat_map(|p| p.match_indices('/').map(move |(i, _)| &p[..i]))
        .collect();
    directories.iter().find_map(|d| {
        seen.get(*d).map(|file| {
            format!(
                "`{}` is both a file and a directory of other files in the bundle",
                shown(file)
            )
        })
    })
}

/// A path as an error message may show it: control characters escaped,
/// cut short past 100 characters.
pub(super) fn shown(path: &str) -> String {
    let escaped: String = path
        .chars()
        .take(100)
        .flat_map(char::escape_debug)
        .collect();
    if path.chars().nth(100).is_some() {
        format!("{escaped}…")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_pass() {
        for p in [
            "schemas/x.yaml",
            "api.json",
            "schemas/proto/acme/v1/inventory.proto",
            "google/protobuf/timestamp.proto",
            ".hidden/x.yaml",
            "a..b/c",
        ] {
            assert_eq!(unsafe_path(p), None, "{p}");
        }
        assert_eq!(unsafe_directory("."), None);
        assert_eq!(unsafe_directory("schemas/proto/"), None);
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for p in [
            "",
            "../../etc/passwd",
            "/etc/passwd",
            "C:\\x",
            "c:x",
            "\\\\server\\share\\x",
            "a\0b",
            "a\nb",
            ".",
            "a/./b",
            "a//b",
            "a/",
            &"a".repeat(1025),
        ] {
            assert!(unsafe_path(p).is_some(), "{p:?}");
        }
        assert!(unsafe_directory("..").is_some());
        assert!(unsafe_directory("/usr/include").is_some());
    }

    #[test]
    fn clashes_are_found() {
        let files = |ps: &[&str]| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert!(clash(files(&["A.yaml", "a.yaml"]).iter()).is_some());
        assert!(clash(files(&["a", "a/b.yaml"]).iter()).is_some());
        assert!(clash(files(&["a/b.yaml", "a/c.yaml", "ab"]).iter()).is_none());
    }
}
