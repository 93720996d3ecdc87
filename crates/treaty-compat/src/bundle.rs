//! A schema and every file it reaches, as one value: what the broker stores
//! for an interface version, so that two versions can be compared without
//! the repository they came from.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diff::{DiffSpec, InterfaceVersion, diff_interface};
use crate::document::{CompatError, DocumentSource, ReadError};
use crate::{Diff, Format, proto};

/// Files of a bundle, at most.
pub const MAX_FILES: usize = 1_000;

/// An entry schema and the files it reaches (by `$ref` or `import`), keyed
/// by their paths relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// The schema file itself, a key of `files`.
    pub entry: String,
    /// Protobuf only: the directories imports are resolved against.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_paths: Vec<String>,
    /// Every file read, by path, with its text.
    pub files: BTreeMap<String, String>,
}

impl DocumentSource for Bundle {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let text = self.files.get(path).ok_or(ReadError::NotFound)?;
        if text.len() > max_bytes {
            return Err(ReadError::TooLarge {
                size: text.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(text.as_bytes().to_vec())
    }

    fn explain(&self, path: &str, error: &ReadError) -> String {
        match error {
            ReadError::NotFound => format!("`{path}` is not in the published bundle"),
            ReadError::TooLarge { size, limit } => {
                format!("`{path}` is {size} bytes, over the limit of {limit}")
            }
            ReadError::Io(text) => text.clone(),
        }
    }
}

/// Remembers every file read through it.
struct Recorder<'a> {
    inner: &'a dyn DocumentSource,
    seen: RefCell<BTreeMap<String, String>>,
}

impl DocumentSource for Recorder<'_> {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let bytes = self.inner.read(path, max_bytes)?;
        let text = String::from_utf8(bytes.clone())
            .map_err(|_| ReadError::Io(format!("`{path}` is not UTF-8 text")))?;
        self.seen.borrow_mut().insert(path.to_owned(), text);
        Ok(bytes)
    }

    fn explain(&self, path: &str, error: &ReadError) -> String {
        self.inner.explain(path, error)
    }
}

impl Bundle {
    /// Reads `entry` and everything it reaches from `source`, by comparing
    /// the schema with itself through a source that records what is read,
    /// so that every format follows its own references.
    pub fn collect(
        source: &dyn DocumentSource,
        entry: &str,
        include_paths: &[String],
        format: Format,
    ) -> Result<Bundle, CompatError> {
        let recorder = Recorder {
            inner: source,
            seen: RefCell::new(BTreeMap::new()),
        };
        let bundle = Bundle {
            entry: entry.to_owned(),
            include_paths: include_paths.to_vec(),
            files: BTreeMap::new(),
        };
        compare(
            &recorder,
            &bundle,
            &recorder,
            &bundle,
            format,
            proto::Category::File,
        )?;
        Ok(Bundle {
            files: recorder.seen.into_inner(),
            ..bundle
        })
    }

    /// The bundle as an interface version read from `source` (itself, or
    /// a recorder in front of the files it is collected from).
    fn version<'a>(&'a self, source: &'a dyn DocumentSource) -> InterfaceVersion<'a> {
        InterfaceVersion {
            source,
            entry: &self.entry,
            include_paths: &self.include_paths,
        }
    }

    /// A stable text of the bundle: the same bundle always gives the same
    /// bytes, so that it can be stored by its hash.
    pub fn canonical(&self) -> String {
        // Maps are ordered and there are no floats: serialisation is stable.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Compares two bundles of one format.
pub fn diff_bundles(
    old: &Bundle,
    new: &Bundle,
    format: Format,
    category: proto::Category,
) -> Result<Diff, CompatError> {
    compare(old, old, new, new, format, category)
}

fn compare(
    old_source: &dyn DocumentSource,
    old: &Bundle,
    new_source: &dyn DocumentSource,
    new: &Bundle,
    format: Format,
    category: proto::Category,
) -> Result<Diff, CompatError> {
    // Bundles are compared as the format they were published under, never
    // a detected one.
    let spec = DiffSpec {
        format: Some(format),
        proto_category: category,
        ..DiffSpec::default()
    };
    diff_interface(&old.version(old_source), &new.version(new_source), &spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files(BTreeMap<String, String>);

    impl DocumentSource for Files {
        fn read(&self, path: &str, _: usize) -> Result<Vec<u8>, ReadError> {
            self.0
                .get(path)
                .map(|s| s.as_bytes().to_vec())
                .ok_or(ReadError::NotFound)
        }
    }

    fn files(entries: &[(&str, &str)]) -> Files {
        Files(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn collects_what_refs_reach_and_nothing_else() {
        let source = files(&[
            (
                "schemas/order.json",
                r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"money":{"$ref":"common/money.json"}}}"#,
            ),
            (
                "schemas/common/money.json",
                r#"{"type":"object","properties":{"amount":{"type":"integer"}}}"#,
            ),
            ("schemas/unrelated.json", "{}"),
        ]);
        let b = Bundle::collect(&source, "schemas/order.json", &[], Format::JsonSchema)
            .map_err(|e| e.to_string());
        let b = b
            .as_ref()
            .map(|b| b.files.keys().cloned().collect::<Vec<_>>());
        assert_eq!(
            b,
            Ok(vec![
                "schemas/common/money.json".to_string(),
                "schemas/order.json".to_string()
            ])
        );
    }

    #[test]
    fn collects_proto_imports_and_diffs_bundles() {
        let source = files(&[
            (
                "proto/shop/v1/stock.proto",
                "syntax = \"proto3\";\npackage shop.v1;\nimport \"shop/v1/common.proto\";\nmessage Stock { Sku sku = 1; int32 count = 2; }\n",
            ),
            (
                "proto/shop/v1/common.proto",
                "syntax = \"proto3\";\npackage shop.v1;\nmessage Sku { string id = 1; }\n",
            ),
        ]);
        let include = vec!["proto".to_string()];
        let old = Bundle::collect(
            &source,
            "proto/shop/v1/stock.proto",
            &include,
            Format::Protobuf,
        )
        .map_err(|e| e.to_string());
        let Ok(old) = old else {
            panic!("{old:?}");
        };
        assert_eq!(old.files.len(), 2);
        let mut new = old.clone();
        new.files.insert(
            "proto/shop/v1/stock.proto".into(),
            "syntax = \"proto3\";\npackage shop.v1;\nimport \"shop/v1/common.proto\";\nmessage Stock { Sku sku = 1; int64 count = 2; }\n".into(),
        );
        let d = diff_bundles(&old, &new, Format::Protobuf, proto::Category::WireJson)
            .map_err(|e| e.to_string());
        let rules: Vec<&str> = d
            .as_ref()
            .map(|d| d.changes.iter().map(|c| c.rule).collect())
            .unwrap_or_default();
        assert!(!rules.is_empty(), "{d:?}");
        let same = diff_bundles(&old, &old, Format::Protobuf, proto::Category::File)
            .map(|d| d.changes.len());
        assert_eq!(same.map_err(|e| e.to_string()), Ok(0));
        assert_eq!(old.canonical(), old.clone().canonical());
    }

    /// A source that says more than its error, as a git tree does.
    struct AtRevision(Files);

    impl DocumentSource for AtRevision {
        fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
            self.0.read(path, max_bytes)
        }

        fn explain(&self, _path: &str, error: &ReadError) -> String {
            format!("{error} at v1")
        }
    }

    #[test]
    fn read_errors_keep_each_sources_words() {
        let entry =
            r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"gone.json"}"#;
        let source = AtRevision(files(&[("api.json", entry)]));
        let collected = Bundle::collect(&source, "api.json", &[], Format::JsonSchema);
        assert_eq!(
            collected.map(|_| ()).map_err(|e| e.to_string()),
            Err("cannot read `gone.json`: file not found at v1".to_owned())
        );

        let bundle = Bundle {
            entry: "api.json".into(),
            include_paths: Vec::new(),
            files: [("api.json".to_owned(), entry.to_owned())].into(),
        };
        let d = diff_bundles(&bundle, &bundle, Format::JsonSchema, proto::Category::File);
        assert_eq!(
            d.map(|_| ()).map_err(|e| e.to_string()),
            Err("cannot read `gone.json`: `gone.json` is not in the published bundle".to_owned())
        );
    }
}
