//! Reading a Backstage catalog from disk: the files named, the local
//! files their Locations point at (remote ones are reported, never
//! fetched), and the local files that `$text`, `$json` and `$yaml`
//! substitutions name. Bounded: at most [`MAX_FILES`] catalog files and
//! [`MAX_TARGETS`] Location targets, each file
//! within Treaty's contract-file limits; definitions within its
//! schema-file limits.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use treaty_syntax::{Diagnostic, Limits, SourceMap};

use super::entity::{Definition, DefinitionSource, Entity};
use super::mapping::Unmapped;
use crate::fs_source::read_regular_file;

/// The code of a catalog document that is not an entity Treaty can read.
const INVALID_ENTITY: &str = "invalid-catalog-entity";

/// The most catalog files one import reads, Locations followed.
pub const MAX_FILES: usize = 10_000;

/// The most Location targets one import follows (the same file named
/// twice counts twice): a bound on the queue before files are read.
pub const MAX_TARGETS: usize = 100_000;

/// What the catalog files hold.
#[derive(Debug, Default)]
pub struct Catalog {
    pub entities: Vec<Entity>,
    /// Locations and substitutions that were not followed, and why.
    pub skipped: Vec<Unmapped>,
}

/// Why a catalog could not be read; nothing is written then.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// A file that is not YAML, or a document that is not an entity:
    /// shown in context.
    #[error("{}", diagnostic.message)]
    At {
        diagnostic: Box<Diagnostic>,
        sources: SourceMap,
    },
    #[error("more than {MAX_FILES} catalog files (Locations followed); import a smaller part")]
    TooManyFiles,
    #[error("Locations name more than {MAX_TARGETS} targets; import a smaller part")]
    TooManyTargets,
}

/// Reads the catalog files at `paths` and every local file their
/// Locations name.
pub fn read(paths: &[PathBuf]) -> Result<Catalog, CatalogError> {
    let mut catalog = Catalog::default();
    let mut sources = SourceMap::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    let mut targets = 0usize;
    // (file, named by): the files given are read first, in order.
    let mut queue: std::collections::VecDeque<(PathBuf, Option<String>)> =
        paths.iter().map(|p| (p.clone(), None)).collect();
    while let Some((path, named_by)) = queue.pop_front() {
        let shown = path.display().to_string();
        let bytes = match read_regular_file(&path, Limits::CONTRACT_FILE.max_bytes) {
            Ok(b) => b,
            Err(e) => match named_by {
                // A Location that points nowhere is the catalog's problem,
                // reported like Backstage does; a file named on the
                // command line that cannot be read is an error.
                Some(location) => {
                    catalog.skipped.push(Unmapped {
                        entity: location,
                        reason: format!("target {shown} not read: {e}"),
                    });
                    continue;
                }
                None => {
                    return Err(CatalogError::File {
                        path: shown,
                        message: e.to_string(),
                    });
                }
            },
        };
        let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !seen.insert(real) {
            continue;
        }
        if seen.len() > MAX_FILES {
            return Err(CatalogError::TooManyFiles);
        }
        let text = String::from_utf8(bytes).map_err(|_| CatalogError::File {
            path: shown.clone(),
            message: "not UTF-8 text".into(),
        })?;
        let id = sources.add(shown.clone(), text.as_str());
        let docs = match treaty_syntax::parse_documents(&text, id, &Limits::CONTRACT_FILE) {
            Ok(docs) => docs,
            Err(e) => {
                return Err(CatalogError::At {
                    diagnostic: Box::new(e.to_diagnostic()),
                    sources,
                });
            }
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for doc in &docs {
            let mut entity = match Entity::read(doc, &shown, &sources) {
                Ok(e) => e,
                Err(e) => {
                    let diagnostic =
                        Diagnostic::error(INVALID_ENTITY, format!("`{}`: {}", e.field, e.message))
                            .at(e.span)
                            .with_label(e.field)
                            .unreadable();
                    return Err(CatalogError::At {
                        diagnostic: Box::new(diagnostic),
                        sources,
                    });
                }
            };
            if entity.kind.eq_ignore_ascii_case("location") {
                for target in &entity.targets {
                    if is_remote(target) {
                        catalog.skipped.push(Unmapped {
                            entity: entity.key(),
                            reason: format!(
                                "target {target} is remote: Treaty does not fetch from the network during import"
                            ),
                        });
                    } else {
                        targets += 1;
                        if targets > MAX_TARGETS {
                            return Err(CatalogError::TooManyTargets);
                        }
                        queue.push_back((dir.join(target), Some(entity.key())));
                    }
                }
            }
            if let Some(source) = &entity.definition_source {
                entity.definition = Some(definition(source, &dir));
            }
            catalog.entities.push(entity);
        }
    }
    Ok(catalog)
}

fn is_remote(target: &str) -> bool {
    target.contains("://")
}

/// Resolves a definition: inline text as it is, a local substitution read
/// from its file, a remote one left unresolved.
fn definition(source: &DefinitionSource, dir: &Path) -> Definition {
    let (how, target) = match source {
        DefinitionSource::Inline(text) => {
            return Definition::Text {
                text: text.clone(),
                ext: None,
            };
        }
        DefinitionSource::Substitution { how, target } => (how, target),
    };
    if is_remote(target) {
        return Definition::Unresolved(format!(
            "`{how}: {target}` is remote; Treaty does not fetch from the network during import"
        ));
    }
    let path = dir.join(target);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match read_regular_file(&path, Limits::SCHEMA_FILE.max_bytes) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Definition::Text {
                text,
                ext: ext.map(|e| if e == "yml" { "yaml".to_owned() } else { e }),
            },
            Err(_) => Definition::Unresolved(format!("`{how}: {target}` is not UTF-8 text")),
        },
        Err(e) => Definition::Unresolved(format!("`{how}: {target}`: {e}")),
    }
}
