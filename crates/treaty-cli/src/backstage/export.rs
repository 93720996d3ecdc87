//! `treaty export backstage --out DIR`: the workspace's teams and
//! interfaces as Backstage entities in `DIR/catalog-info.yaml`, so that
//! Backstage shows Treaty's owners and consumers. Each team is a Group
//! (its members Users) and a Component owned by it that provides the
//! interfaces the team produces and consumes those it consumes; each
//! interface is an API whose definition is the schema file, by `$text`.
//! Every entity carries the annotation [`SOURCE_ANNOTATION`] naming its
//! Treaty file. `entities` is pure; `run` reads and writes.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};
use treaty_core::Workspace;

use super::ExportArgs;
use super::entity::backstage_type;
use super::yaml_out::to_yaml;
use crate::exit::{self, Exit};
use crate::fs_source::FsSource;

/// The annotation linking an exported entity to its Treaty file.
pub const SOURCE_ANNOTATION: &str = "treaty.dev/source";

const API_VERSION: &str = "backstage.io/v1alpha1";

pub fn run(args: ExportArgs) -> Exit {
    let ExportArgs { dir, out } = args;
    let source = FsSource::new(&dir);
    let (ws, diags) = treaty_core::load(&source);
    if let Some(d) = diags
        .iter()
        .find(|d| d.severity == treaty_syntax::Severity::Error)
    {
        let at = d
            .span
            .and_then(|s| ws.sources.locate(s))
            .map(|(f, p)| format!("{f}:{}:{}: ", p.line, p.column))
            .or_else(|| d.file.as_ref().map(|f| format!("{f}: ")))
            .unwrap_or_default();
        return exit::error(format_args!(
            "{at}{} ({}); run `treaty validate`; nothing written",
            d.message, d.code
        ));
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        return exit::error(format_args!("cannot create {}: {e}", out.display()));
    }
    let Some(schema_base) = relative_dir(&out, &dir) else {
        return exit::error(format_args!(
            "cannot tell where {} is from {}",
            dir.display(),
            out.display()
        ));
    };
    let Exported { docs, notes } = entities(&ws, &schema_base);
    let text: String = docs
        .iter()
        .map(|d| format!("---\n{}", to_yaml(d)))
        .collect();
    let path = out.join("catalog-info.yaml");
    if let Err(e) = std::fs::write(&path, text) {
        return exit::error(format_args!("cannot write {}: {e}", path.display()));
    }
    crate::commands::say(format_args!(
        "wrote {} entities to {}",
        docs.len(),
        path.display()
    ));
    if !notes.is_empty() {
        crate::commands::say(format_args!("not exported ({}):", notes.len()));
        for n in &notes {
            crate::commands::say(format_args!("  {n}"));
        }
    }
    Exit::Success
}

/// The entities, and what could not be written as one.
#[derive(Debug, Default)]
pub struct Exported {
    pub docs: Vec<Value>,
    pub notes: Vec<String>,
}

/// Whether Backstage accepts `name` as an entity name: at most 63
/// characters, letters and digits separated by single `-`, `_` or `.`.
fn is_backstage_name(name: &str) -> bool {
    let b = name.as_bytes();
    let sep = |c: &u8| matches!(c, b'-' | b'_' | b'.');
    !b.is_empty()
        && b.len() <= 63
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || sep(c))
        && !b.windows(2).any(|w| sep(&w[0]) && sep(&w[1]))
}

/// The entities of a workspace; schema paths are written relative to
/// `schema_base` (the workspace seen from the catalog's directory).
pub fn entities(ws: &Workspace, schema_base: &str) -> Exported {
    let mut notes = Vec::new();
    let mut groups = Vec::new();
    let mut components = Vec::new();
    let mut apis = Vec::new();
    // Members are people; the same handle in several teams is one User.
    let mut users: BTreeMap<String, (Value, Vec<String>)> = BTreeMap::new();
    let inline = ws.workspace.iter().flat_map(|w| &w.teams);
    let teams = ws
        .teams
        .iter()
        .map(|t| (t, format!("teams/{}.yaml", t.id.value)))
        .chain(inline.map(|t| (t, "treaty.yaml".to_owned())));
    let named = |kind: &str, id: &str, notes: &mut Vec<String>| {
        let ok = is_backstage_name(id);
        if !ok {
            notes.push(format!(
                "{kind} `{id}`: not a valid Backstage name (at most 63 letters and digits, separated by single `-`, `_` or `.`)"
            ));
        }
        ok
    };
    // Relations name only entities that are written.
    let exported_interfaces: Vec<&str> = ws
        .interfaces
        .iter()
        .map(|i| i.id.value.as_str())
        .filter(|id| is_backstage_name(id))
        .collect();
    for (team, file) in teams {
        let id = team.id.value.as_str();
        if !named("team", id, &mut notes) {
            continue;
        }
        let mut profile = json!({"displayName": team.name});
        if let Some(email) = &team.contacts.email {
            profile["email"] = json!(email.value);
        }
        groups.push(json!({
            "apiVersion": API_VERSION, "kind": "Group",
            "metadata": {"name": id, "annotations": {SOURCE_ANNOTATION: file}},
            "spec": {"type": "team", "profile": profile, "children": []},
        }));
        for m in &team.members {
            if !named("member", &m.id.value, &mut notes) {
                continue;
            }
            let mut profile = json!({"displayName": m.name});
            if let Some(email) = &m.email {
                profile["email"] = json!(email.value);
            }
            let entry = users
                .entry(m.id.value.clone())
                .or_insert_with(|| (profile.clone(), Vec::new()));
            if entry.0 != profile {
                notes.push(format!(
                    "member `{}` of team `{id}`: another team gives the same handle another name or email; the User has the first team's",
                    m.id.value
                ));
            }
            entry.1.push(id.to_owned());
        }
        let produces: Vec<&str> = ws
            .interfaces
            .iter()
            .filter(|i| i.producer.as_ref().is_some_and(|p| p.value == id))
            .map(|i| i.id.value.as_str())
            .filter(|i| exported_interfaces.contains(i))
            .collect();
        let consumes: Vec<&str> = ws
            .interfaces
            .iter()
            .filter(|i| i.consumers.iter().any(|c| c.team.value == id))
            .map(|i| i.id.value.as_str())
            .filter(|i| exported_interfaces.contains(i))
            .collect();
        if produces.is_empty() && consumes.is_empty() {
            continue;
        }
        let mut spec =
            json!({"type": "service", "lifecycle": "unknown", "owner": format!("group:{id}")});
        if !produces.is_empty() {
            spec["providesApis"] = json!(produces);
        }
        if !consumes.is_empty() {
            spec["consumesApis"] = json!(consumes);
        }
        components.push(json!({
            "apiVersion": API_VERSION, "kind": "Component",
            "metadata": {"name": id, "annotations": {SOURCE_ANNOTATION: file}},
            "spec": spec,
        }));
    }
    for (name, (profile, member_of)) in users {
        groups.push(json!({
            "apiVersion": API_VERSION, "kind": "User",
            "metadata": {"name": name},
            "spec": {"profile": profile, "memberOf": member_of},
        }));
    }
    for i in &ws.interfaces {
        let id = i.id.value.as_str();
        if !named("interface", id, &mut notes) {
            continue;
        }
        if !i.include_paths.is_empty() {
            notes.push(format!(
                "interface `{id}`: its schema imports files through include_paths; the API's definition is the entry file alone"
            ));
        }
        let kind = backstage_type(i.kind.value.format());
        let mut metadata = json!({"name": id, "annotations": {SOURCE_ANNOTATION: format!("interfaces/{id}.yaml")}});
        if let Some(name) = &i.name {
            metadata["title"] = json!(name);
        }
        if let Some(d) = &i.description {
            metadata["description"] = json!(d);
        }
        let mut spec = json!({
            "type": kind, "lifecycle": "unknown",
            "definition": {"$text": format!("{schema_base}{}", i.schema.value)},
        });
        if let Some(p) = i.producer.as_ref().filter(|p| is_backstage_name(&p.value)) {
            spec["owner"] = json!(format!("group:{}", p.value));
        }
        apis.push(
            json!({"apiVersion": API_VERSION, "kind": "API", "metadata": metadata, "spec": spec}),
        );
    }
    Exported {
        docs: groups.into_iter().chain(components).chain(apis).collect(),
        notes,
    }
}

/// The path from directory `from` to directory `to`, ending in `/`
/// (empty when they are the same), for `$text` targets.
fn relative_dir(from: &Path, to: &Path) -> Option<String> {
    let from = std::fs::canonicalize(from).ok()?;
    let to = std::fs::canonicalize(to).ok()?;
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..a.len() {
        rel.push("..");
    }
    for c in &b[common..] {
        rel.push(c);
    }
    let mut s = rel.to_string_lossy().replace('\\', "/");
    if !s.is_empty() {
        s.push('/');
    }
    Some(s)
}
