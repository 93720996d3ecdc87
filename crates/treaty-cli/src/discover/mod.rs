//! `treaty init --discover [DIR]`: a workspace proposed from the schemas
//! already in a repository. Schema files are found by content
//! (`detect`, the sniffing `treaty diff` uses, made stricter), one
//! interface proposed per schema (`propose`) and per Protobuf package
//! (`proto`),
//! its producer taken from CODEOWNERS (`codeowners`, GitHub's and
//! GitLab's syntax), and the files written with the open questions as
//! comments (`render`). The workspace validates as written.

mod codeowners;
mod detect;
mod propose;
mod proto;
mod render;
mod walk;

use std::path::Path;

pub use detect::Skipped;
pub use propose::{Producer, Proposed};

use crate::fs_source::FsSource;
use crate::init::{self, InitError};

/// Schemas proposed at most: a repository with more wants a narrower
/// directory (or several workspaces).
pub const MAX_INTERFACES: usize = 1_000;

/// Why nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error(transparent)]
    Init(#[from] InitError),
    #[error(transparent)]
    Walk(#[from] walk::WalkError),
    #[error(
        "no schema files under {0} (OpenAPI, AsyncAPI, JSON Schema with `$schema`, Avro or .proto); nothing was written"
    )]
    NothingFound(String),
    #[error(
        "{found} interfaces found under {dir}, more than {MAX_INTERFACES}: give a narrower directory; nothing was written"
    )]
    TooMany { dir: String, found: usize },
}

/// What discovery did.
#[derive(Debug)]
pub struct Discovery {
    pub interfaces: Vec<Proposed>,
    pub skipped: Vec<Skipped>,
    /// The CODEOWNERS file read, if any.
    pub codeowners: Option<String>,
    /// The files written, relative to the directory.
    pub written: Vec<String>,
}

/// The first CODEOWNERS file of the usual places under `dir`, parsed.
fn codeowners(dir: &Path) -> Option<codeowners::CodeOwners> {
    codeowners::LOCATIONS.iter().find_map(|rel| {
        let bytes = crate::fs_source::read_regular_file(&dir.join(rel), 1024 * 1024).ok()?;
        let text = String::from_utf8_lossy(&bytes);
        Some(codeowners::CodeOwners::parse(dir, rel, &text))
    })
}

/// Discovers the schemas under `dir` and writes a workspace there.
pub fn run(dir: &Path, name: Option<&str>) -> Result<Discovery, DiscoverError> {
    init::refuse_existing(dir)?;
    let found = walk::candidates(dir)?;
    let source = FsSource::new(dir);
    let mut schemas = Vec::new();
    let mut protos = Vec::new();
    let mut skipped: Vec<Skipped> = found
        .too_large
        .iter()
        .map(|path| Skipped {
            path: path.clone(),
            reason: format!("larger than {} bytes", walk::MAX_FILE_BYTES),
        })
        .collect();
    for path in &found.files {
        if path.ends_with(".proto") {
            match crate::fs_source::read_regular_file(
                &dir.join(path),
                walk::MAX_FILE_BYTES as usize,
            ) {
                Ok(bytes) => protos.push((
                    path.clone(),
                    proto::declarations(&String::from_utf8_lossy(&bytes)),
                )),
                Err(e) => skipped.push(Skipped {
                    path: path.clone(),
                    reason: format!("cannot read it: {e}"),
                }),
            }
            continue;
        }
        match detect::document(&source, path) {
            Ok(Some(schema)) => schemas.push(schema),
            Ok(None) => {}
            Err(s) => skipped.push(s),
        }
    }
    let owners = codeowners(dir);
    let interfaces = propose::interfaces(&schemas, &protos, owners.as_ref());
    if interfaces.is_empty() {
        return Err(DiscoverError::NothingFound(dir.display().to_string()));
    }
    if interfaces.len() > MAX_INTERFACES {
        return Err(DiscoverError::TooMany {
            dir: dir.display().to_string(),
            found: interfaces.len(),
        });
    }
    let teams = render::teams(&interfaces);
    // A team CODEOWNERS names as a team (the first by id), else any.
    let mut real: Vec<&str> = interfaces
        .iter()
        .filter(|p| matches!(p.producer, Producer::Team { .. }))
        .map(|p| p.producer.team())
        .collect();
    real.sort_unstable();
    let steering = real
        .first()
        .copied()
        .or_else(|| teams.keys().map(String::as_str).next())
        .unwrap_or(propose::PLACEHOLDER_TEAM)
        .to_owned();
    let mut files = vec![(
        "treaty.yaml".to_owned(),
        init::workspace_file(dir, name, &steering, render::STEERING_NOTE),
    )];
    files.extend(
        teams
            .into_iter()
            .map(|(id, text)| (format!("teams/{id}.yaml"), text)),
    );
    files.extend(
        interfaces
            .iter()
            .map(|p| (format!("interfaces/{}.yaml", p.id), render::interface(p))),
    );
    let written = init::write_new(dir, files)?;
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Discovery {
        interfaces,
        skipped,
        codeowners: owners.map(|o| o.file),
        written,
    })
}
