//! `treaty import backstage PATH... --out DIR`: reads the catalog, maps
//! it, merges it into the workspace's files (merge.rs), shows each change
//! as a unified diff, writes (unless `--dry-run`), then validates the
//! workspace and says what is left to fill in.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use treaty_syntax::{Limits, Severity, SourceId};

use super::mapping::{Imported, Unmapped};
use super::yaml_out::to_yaml;
use super::{ImportArgs, catalog, mapping, merge};
use crate::exit::{self, Exit};
use crate::fs_source::{FsSource, read_regular_file};
use crate::render;

/// Where the import keeps what it wrote last, for the next merge.
pub const STATE_FILE: &str = ".treaty/backstage-import.json";

pub fn run(args: ImportArgs) -> Exit {
    let ImportArgs {
        paths,
        out,
        dry_run,
    } = args;
    let catalog = match catalog::read(&paths) {
        Ok(c) => c,
        Err(catalog::CatalogError::At {
            diagnostic,
            sources,
        }) => {
            let color = crate::commands::color(&std::io::stderr());
            eprint!(
                "{}",
                render::human(std::slice::from_ref(diagnostic.as_ref()), &sources, color)
            );
            return exit::error("the catalog cannot be read; nothing written");
        }
        Err(e) => return exit::error(format_args!("{e}; nothing written")),
    };
    let mut imported = mapping::map(&catalog.entities);
    imported.unmapped.extend(catalog.skipped);
    imported.unmapped.sort();
    let plan = match plan(&out, &imported) {
        Ok(p) => p,
        Err(e) => return exit::error(format_args!("{e}; nothing written")),
    };
    let mut changed = 0;
    // The state file is bookkeeping, not something to review.
    for (path, text) in plan.files.iter().filter(|(p, _)| *p != STATE_FILE) {
        let before = std::fs::read_to_string(out.join(path)).ok();
        if before.as_deref() == Some(text.as_str()) {
            continue;
        }
        changed += 1;
        match &before {
            None => crate::commands::say(format_args!(
                "created {path} ({} lines)",
                text.lines().count()
            )),
            Some(old) => {
                let diff = similar::TextDiff::from_lines(old, text);
                crate::commands::print(
                    &diff
                        .unified_diff()
                        .context_radius(2)
                        .header(&format!("a/{path}"), &format!("b/{path}"))
                        .to_string(),
                );
            }
        }
    }
    if changed == 0 {
        crate::commands::say(format_args!("the workspace already matches the catalog"));
    }
    for k in &plan.kept {
        crate::commands::say(format_args!("{k}"));
    }
    if !imported.unmapped.is_empty() {
        crate::commands::say(format_args!("not mapped ({}):", imported.unmapped.len()));
        for Unmapped { entity, reason } in &imported.unmapped {
            crate::commands::say(format_args!("  {entity}: {reason}"));
        }
    }
    if !imported.not_carried.is_empty() {
        crate::commands::say(format_args!(
            "not carried (fields Treaty has no place for):"
        ));
        for (field, entities) in &imported.not_carried {
            crate::commands::say(format_args!("  {field}: {}", some_of(entities)));
        }
    }
    if dry_run {
        crate::commands::say(format_args!("dry run: nothing written"));
        return Exit::Success;
    }
    for (path, text) in &plan.files {
        let full = out.join(path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        let written = full
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&full, text));
        if let Err(e) = written {
            return exit::error(format_args!("cannot write {}: {e}", full.display()));
        }
    }
    report_validation(&out, &imported)
}

/// The first entities of a list, and how many more there are.
fn some_of(entities: &[String]) -> String {
    const SHOWN: usize = 5;
    let first = entities[..entities.len().min(SHOWN)].join(", ");
    match entities.len().saturating_sub(SHOWN) {
        0 => first,
        more => format!("{first} and {more} more"),
    }
}

/// The files to write and the hand edits kept.
struct Plan {
    files: BTreeMap<String, String>,
    kept: Vec<String>,
}

/// Merges the catalog into the workspace at `out`, in memory.
fn plan(out: &Path, imported: &Imported) -> Result<Plan, String> {
    let prev: Imported = match read_text(out, STATE_FILE)? {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: {e} (delete it to import as if for the first time)",
                out.join(STATE_FILE).display()
            )
        })?,
        None => Imported::default(),
    };
    let mut files = BTreeMap::new();
    let mut kept = Vec::new();
    if read_text(out, "treaty.yaml")?.is_none() {
        let (id, name) = imported.organization.clone().unwrap_or_else(|| {
            let name = out.file_name().map_or_else(
                || "backstage".to_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
            (crate::init::slug(&name), name)
        });
        let ws = json!({"version": 1, "organization": {"id": id, "name": name}});
        files.insert(
            "treaty.yaml".to_owned(),
            format!("# Created by `treaty import backstage`.\n{}", to_yaml(&ws)),
        );
    }
    // A file whose content the merge leaves as it is keeps its text, and
    // so its comments; one that changes is written anew.
    let mut add = |path: String, current: Option<Value>, m: merge::Merged| {
        kept.extend(m.kept.iter().map(|k| format!("{path}: {k}")));
        if current.as_ref() != Some(&m.value) {
            files.insert(path, HEADER.to_owned() + &to_yaml(&m.value));
        }
    };
    for (id, team) in &imported.teams {
        let path = format!("teams/{id}.yaml");
        let current = read_yaml(out, &path)?;
        let m = merge::team(prev.teams.get(id), current.as_ref(), team);
        add(path, current, m);
    }
    for (id, iface) in &imported.interfaces {
        let path = format!("interfaces/{id}.yaml");
        let current = read_yaml(out, &path)?;
        let m = merge::interface(prev.interfaces.get(id), current.as_ref(), iface);
        add(path, current, m);
    }
    // The catalog is where definitions live: its text replaces the copy.
    for (path, text) in &imported.schemas {
        files.insert(path.clone(), text.clone());
    }
    let gone_teams = prev
        .teams
        .iter()
        .filter(|(id, _)| !imported.teams.contains_key(*id))
        .map(|(id, t)| (format!("teams/{id}.yaml"), &t.source, "team"));
    let gone_interfaces = prev
        .interfaces
        .iter()
        .filter(|(id, _)| !imported.interfaces.contains_key(*id))
        .map(|(id, i)| (format!("interfaces/{id}.yaml"), &i.source, "interface"));
    for (path, source, what) in gone_teams.chain(gone_interfaces) {
        kept.push(format!(
            "{path}: {source} is no longer in the catalog; the file is left as it is (delete it if the {what} is gone)"
        ));
    }
    let state = serde_json::to_string_pretty(imported).map_err(|e| e.to_string())? + "\n";
    files.insert(STATE_FILE.to_owned(), state);
    Ok(Plan { files, kept })
}

/// The comment at the top of an imported file (not the entity it came
/// from: that is in the state file, and an id can come back from an
/// export under another reference).
const HEADER: &str = "# Imported from Backstage by `treaty import backstage`; a re-import keeps\n# what you add or change by hand (docs/backstage.md).\n";

fn read_text(out: &Path, path: &str) -> Result<Option<String>, String> {
    let full = out.join(path);
    if !full.exists() {
        return Ok(None);
    }
    let bytes = read_regular_file(&full, Limits::CONTRACT_FILE.max_bytes)
        .map_err(|e| format!("{}: {e}", full.display()))?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| format!("{}: not UTF-8 text", full.display()))
}

/// The file at `path` as a JSON value, when it exists; a file that is not
/// readable YAML stops the import (its hand edits could not be kept).
fn read_yaml(out: &Path, path: &str) -> Result<Option<Value>, String> {
    let Some(text) = read_text(out, path)? else {
        return Ok(None);
    };
    let shown = out.join(path).display().to_string();
    let node = treaty_syntax::parse(&text, SourceId(0), &Limits::CONTRACT_FILE).map_err(|e| {
        let p = treaty_syntax::SourceFile::new(shown.clone(), text.as_str())
            .position(e.span.start as usize);
        format!("{shown}:{}:{}: {}", p.line, p.column, e.message)
    })?;
    Ok(Some(treaty_pact::to_json(&node)))
}

/// Validates what was written: 0 when it validates, 1 with what to fill
/// in when it does not.
fn report_validation(out: &Path, imported: &Imported) -> Exit {
    let source = FsSource::new(out);
    let (mut ws, mut diags) = treaty_core::load(&source);
    diags.extend(treaty_core::validate(
        &mut ws,
        &source,
        crate::commands::today(),
    ));
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let at = d
                .span
                .and_then(|s| ws.sources.locate(s))
                .map(|(f, p)| format!("{f}:{}", p.line))
                .or_else(|| d.file.clone())
                .unwrap_or_default();
            format!("{at}: {} ({})", d.message, d.code)
        })
        .collect();
    if errors.is_empty() {
        let warnings = diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
        let warnings = match warnings {
            0 => String::new(),
            n => format!(" ({n} warnings: see `treaty validate`)"),
        };
        crate::commands::say(format_args!(
            "imported {} teams and {} interfaces into {}; the workspace validates{warnings}",
            imported.teams.len(),
            imported.interfaces.len(),
            out.display()
        ));
        return Exit::Success;
    }
    crate::commands::say(format_args!(
        "imported {} teams and {} interfaces into {}; to fill in before it validates:",
        imported.teams.len(),
        imported.interfaces.len(),
        out.display()
    ));
    for f in &imported.to_fill_in {
        crate::commands::say(format_args!("  {f}"));
    }
    for e in &errors {
        crate::commands::say(format_args!("  {e}"));
    }
    Exit::Findings
}
