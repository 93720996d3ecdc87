//! `.proto` files as discovery sees them: the declarations it needs
//! (package, services, imports), read from the text, and the packages they
//! make, one interface each, with the directories imports resolve from.
//! Pure: the files were read by the caller; the engine parses them fully
//! when the interface is checked.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use treaty_compat::Format;

use super::propose::Candidate;

/// What a `.proto` file declares: its package, whether it has a service,
/// and what it imports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtoFile {
    pub package: Option<String>,
    pub has_service: bool,
    pub imports: Vec<String>,
}

/// Reads the declarations discovery needs from `.proto` text: line
/// starts, comments skipped (a full parse is the engine's, on check).
pub fn declarations(text: &str) -> ProtoFile {
    let mut out = ProtoFile::default();
    let mut in_block_comment = false;
    for raw in text.lines() {
        let mut line = raw.trim();
        if in_block_comment {
            match line.find("*/") {
                Some(end) => {
                    line = line[end + 2..].trim();
                    in_block_comment = false;
                }
                None => continue,
            }
        }
        if let Some(start) = line.find("/*")
            && !line[start..].contains("*/")
        {
            in_block_comment = true;
            line = line[..start].trim();
        }
        let line = line.split("//").next().unwrap_or("").trim();
        if let Some(rest) = line.strip_prefix("package ") {
            let name = rest.trim().trim_end_matches(';').trim();
            if !name.is_empty() && out.package.is_none() {
                out.package = Some(name.to_owned());
            }
        } else if line.starts_with("service ") {
            out.has_service = true;
        } else if let Some(rest) = line.strip_prefix("import ") {
            let rest = rest
                .trim_start_matches("public ")
                .trim_start_matches("weak ");
            if let Some(name) = rest.split('"').nth(1) {
                out.imports.push(name.to_owned());
            }
        }
    }
    out
}

/// The directory a `.proto` file's package path starts in
/// (`acme.orders.v1` in `proto/acme/orders/v1/x.proto` → `proto`, `.` at
/// the top), when its directories spell the package.
fn package_root(path: &str, package: &str) -> Option<String> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let tail = format!("{}/{file}", package.replace('.', "/"));
    root_before(path, &tail)
}

/// The directory `path` holds `tail` under: `.` when `path` is `tail`.
fn root_before(path: &str, tail: &str) -> Option<String> {
    let prefix = path.strip_suffix(tail)?;
    if prefix.is_empty() {
        return Some(".".to_owned());
    }
    prefix.strip_suffix('/').map(str::to_owned)
}

/// The suffixes of a path at its `/`s, the whole path first.
fn suffixes(path: &str) -> impl Iterator<Item = &str> {
    std::iter::once(path).chain(path.match_indices('/').map(move |(i, _)| &path[i + 1..]))
}

/// Who imports what among the `.proto` files found, and which files an
/// import path can name: built once, so that a tree of ten thousand files
/// is not searched once per import.
struct ProtoIndex<'a> {
    /// An import path → the packages (keys) of the files importing it.
    importers: HashMap<&'a str, BTreeSet<String>>,
    /// A path suffix → the files ending with it, sorted.
    by_suffix: HashMap<&'a str, Vec<&'a str>>,
}

/// A package as it is grouped: its name and where its path starts (two
/// copies of a package in two trees are two interfaces); a file without
/// a package is its own.
fn package_key(path: &str, file: &ProtoFile) -> String {
    match &file.package {
        Some(package) => {
            let root = package_root(path, package)
                .unwrap_or_else(|| path.rsplit_once('/').map_or(".", |p| p.0).to_owned());
            format!("{package} in {root}")
        }
        None => format!("file {path}"),
    }
}

impl<'a> ProtoIndex<'a> {
    fn new(protos: &'a [(String, ProtoFile)]) -> ProtoIndex<'a> {
        let mut importers: HashMap<&str, BTreeSet<String>> = HashMap::new();
        let mut by_suffix: HashMap<&str, Vec<&str>> = HashMap::new();
        for (path, file) in protos {
            for import in &file.imports {
                importers
                    .entry(import.as_str())
                    .or_default()
                    .insert(package_key(path, file));
            }
            for suffix in suffixes(path) {
                by_suffix.entry(suffix).or_default().push(path);
            }
        }
        ProtoIndex {
            importers,
            by_suffix,
        }
    }

    /// Whether a file of another package imports `path`.
    fn imported(&self, path: &str, key: &str) -> bool {
        suffixes(path).any(|s| {
            self.importers
                .get(s)
                .is_some_and(|keys| keys.iter().any(|k| k != key))
        })
    }

    /// The directory `import` resolves from for `entry`: among the files
    /// the import path can name, the one nearest to `entry` (the longest
    /// common leading path).
    fn root_of(&self, import: &str, entry: &str) -> Option<String> {
        let shared = |p: &str| {
            p.split('/')
                .zip(entry.split('/'))
                .take_while(|(a, b)| a == b)
                .count()
        };
        let files = self.by_suffix.get(import)?;
        let nearest = files
            .iter()
            .max_by_key(|p| (shared(p), std::cmp::Reverse(**p)))?;
        root_before(nearest, import)
    }
}

/// The `.proto` packages as interfaces: the file of the package that
/// declares a service (else its first), with the package's other files
/// named. A package without services whose files other packages import
/// is shared types, not an interface of its own.
pub fn packages(protos: &[(String, ProtoFile)]) -> Vec<Candidate> {
    let index = ProtoIndex::new(protos);
    let mut packages: BTreeMap<String, Vec<&(String, ProtoFile)>> = BTreeMap::new();
    for p in protos {
        packages.entry(package_key(&p.0, &p.1)).or_default().push(p);
    }
    let mut out = Vec::new();
    for (key, files) in packages {
        let has_service = files.iter().any(|f| f.1.has_service);
        if !has_service && files.iter().any(|f| index.imported(&f.0, &key)) {
            continue;
        }
        let Some(entry) = files.iter().find(|f| f.1.has_service).or(files.first()) else {
            continue;
        };
        let others = files
            .iter()
            .map(|f| f.0.clone())
            .filter(|f| *f != entry.0)
            .collect();
        // Where imports resolve from: the directories holding what the
        // entry imports, and where its package's path starts.
        let mut roots: BTreeSet<String> = entry
            .1
            .imports
            .iter()
            .filter_map(|i| index.root_of(i, &entry.0))
            .collect();
        if let Some(root) = entry
            .1
            .package
            .as_deref()
            .and_then(|p| package_root(&entry.0, p))
        {
            roots.insert(root);
        }
        out.push(Candidate {
            include_paths: roots.into_iter().collect(),
            title: entry.1.package.clone(),
            path: entry.0.clone(),
            kind: Format::Protobuf,
            other_files: others,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_skip_comments() {
        let text = r#"
// package commented.out;
/* service Hidden {
   } */
syntax = "proto3";
package acme.orders.v1; // the package
import "google/protobuf/timestamp.proto";
import public "acme/common/v1/money.proto";
service Orders { rpc Get(A) returns (B); }
"#;
        assert_eq!(
            declarations(text),
            ProtoFile {
                package: Some("acme.orders.v1".to_owned()),
                has_service: true,
                imports: vec![
                    "google/protobuf/timestamp.proto".to_owned(),
                    "acme/common/v1/money.proto".to_owned()
                ],
            }
        );
        let only_messages = declarations("package a.b;\nmessage M {}\n/* service X */\n");
        assert!(!only_messages.has_service);
    }

    #[test]
    fn proto_packages_become_one_interface_each() {
        let file = |package: &str, service: bool, imports: &[&str]| ProtoFile {
            package: Some(package.to_owned()),
            has_service: service,
            imports: imports.iter().map(|s| (*s).to_owned()).collect(),
        };
        let protos = vec![
            (
                "proto/acme/common/v1/money.proto".to_owned(),
                file("acme.common.v1", false, &[]),
            ),
            (
                "proto/acme/orders/v1/orders.proto".to_owned(),
                file("acme.orders.v1", true, &["acme/common/v1/money.proto"]),
            ),
            (
                "proto/acme/orders/v1/types.proto".to_owned(),
                file("acme.orders.v1", false, &[]),
            ),
            ("events/audit.proto".to_owned(), file("audit", false, &[])),
            // A second copy of the tree: its own interface, its own root.
            (
                "v2/proto/acme/common/v1/money.proto".to_owned(),
                file("acme.common.v1", false, &[]),
            ),
            (
                "v2/proto/acme/orders/v1/orders.proto".to_owned(),
                file("acme.orders.v1", true, &["acme/common/v1/money.proto"]),
            ),
        ];
        let found: Vec<(String, Vec<String>, Vec<String>)> = packages(&protos)
            .into_iter()
            .map(|c| (c.path, c.include_paths, c.other_files))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "proto/acme/orders/v1/orders.proto".to_owned(),
                    vec!["proto".to_owned()],
                    vec!["proto/acme/orders/v1/types.proto".to_owned()]
                ),
                (
                    "v2/proto/acme/orders/v1/orders.proto".to_owned(),
                    vec!["v2/proto".to_owned()],
                    vec![]
                ),
                ("events/audit.proto".to_owned(), vec![], vec![]),
            ]
        );
    }
}
