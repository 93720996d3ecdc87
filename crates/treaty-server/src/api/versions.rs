//! Interface versions: the schema bundle a producer version publishes.
//! Versions are immutable.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use treaty_compat::Bundle;
use treaty_store::VersionRecord;
use utoipa::ToSchema;

/// A schema and every file it reaches, by path relative to the workspace:
/// the body of `PUT /api/v1/interfaces/{id}/versions/{version}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaBundle {
    /// The schema file, a key of `files`.
    pub entry: String,
    /// Protobuf only: the directories imports are resolved against.
    #[serde(default)]
    pub include_paths: Vec<String>,
    /// Every file the schema reaches, by path, with its text.
    pub files: BTreeMap<String, String>,
}

impl From<Bundle> for SchemaBundle {
    fn from(b: Bundle) -> SchemaBundle {
        SchemaBundle {
            entry: b.entry,
            include_paths: b.include_paths,
            files: b.files,
        }
    }
}

impl From<SchemaBundle> for Bundle {
    fn from(b: SchemaBundle) -> Bundle {
        Bundle {
            entry: b.entry,
            include_paths: b.include_paths,
            files: b.files,
        }
    }
}

/// What publishing a version stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Published {
    /// The interface published.
    pub interface: String,
    /// The version published.
    pub version: String,
    /// False when this exact version was already published.
    pub created: bool,
    /// The SHA-256 of the bundle as stored, in hex.
    pub bundle_hash: String,
}

/// A published version of an interface.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InterfaceVersion {
    /// The version's name.
    pub version: String,
    /// The SHA-256 of its bundle as stored, in hex.
    pub bundle_hash: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

impl From<VersionRecord> for InterfaceVersion {
    fn from(v: VersionRecord) -> InterfaceVersion {
        InterfaceVersion {
            version: v.version,
            bundle_hash: v.bundle_hash,
            created_at: v.created_at,
        }
    }
}
