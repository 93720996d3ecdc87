//! The catalog (`/ui/catalog`) and an interface's page
//! (`/ui/interfaces/{id}`): each interface with its owner, its policy,
//! its versions, its consumers and what each uses, and which of its
//! producer's versions runs in each environment. The search box (`?q=`)
//! finds an interface, a team (owner or consumer) or an operation,
//! message, channel or field a consumer declared it uses: the store keeps
//! no list of a schema's operations, so an operation nobody uses is not
//! found.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use treaty_core::impact::Usage;
use treaty_store::{ConsumerOf, OwnedInterface};

use super::changelog::{self, ChangelogEntry};
use super::pages::{Nav, UiError, render, when};
use super::session::Visitor;
use crate::AppState;
use crate::api::check_id;
use crate::stored::{self, Row};

/// Interfaces on one catalog page, at most.
const PAGE: i64 = 200;
/// Versions listed on an interface's page, at most: the latest published.
const MAX_VERSIONS: i64 = 200;
/// Versions named in the catalog's table per interface: the latest.
const CATALOG_VERSIONS: i64 = 5;
/// Consumers listed per interface, at most.
const MAX_CONSUMERS: i64 = 500;
/// Environments and teams read, at most.
const MAX_ENVIRONMENTS: i64 = 100;
const MAX_TEAMS: i64 = 10_000;
/// Longest search accepted, in characters.
const MAX_QUERY: usize = 200;

/// One version of an interface.
#[derive(Debug)]
struct VersionRow {
    version: String,
    published: String,
    bundle_hash: String,
}

/// A consumer and what it uses.
#[derive(Debug)]
struct ConsumerRow {
    component: String,
    team: String,
    team_name: String,
    version: String,
    built_against: String,
    uses: Vec<String>,
}

/// The producer's versions in one environment.
#[derive(Debug)]
struct DeployedRow {
    environment: String,
    /// Each version, and whether it publishes the interface.
    versions: Vec<(String, bool)>,
}

/// Everything the catalog shows of one interface.
#[derive(Debug)]
struct Entry {
    id: String,
    kind: String,
    policy: String,
    producer: String,
    team: String,
    team_name: String,
    /// The latest versions, newest first.
    versions: Vec<VersionRow>,
    /// How many versions are published in all.
    versions_total: i64,
    consumers: Vec<ConsumerRow>,
    deployed: Vec<DeployedRow>,
    /// Why a search found it, in words.
    matched: Vec<String>,
}

impl Entry {
    /// The versions the catalog's table names: the latest few.
    fn latest(&self) -> &[VersionRow] {
        &self.versions[..self.versions.len().min(CATALOG_VERSIONS as usize)]
    }
}

/// What a consumer's stored `uses` names, one line each.
fn uses_lines(usage: &Usage) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, names) in [
        ("operation", &usage.operations),
        ("message", &usage.messages),
        ("channel", &usage.channels),
        ("field", &usage.fields),
    ] {
        out.extend(names.iter().map(|n| format!("{kind} {n}")));
    }
    out
}

/// Reads one interface's catalog entry, with its latest `versions` at
/// most. `teams` names each team id; `environments` are the environments
/// to look in.
async fn entry(
    state: &AppState,
    interface: OwnedInterface,
    teams: &HashMap<String, String>,
    environments: &[String],
    versions: i64,
) -> Result<Entry, UiError> {
    let record = &interface.interface;
    let id = record.id.clone();
    let (versions, versions_total) = state.store.latest_versions(&id, versions).await?;
    let mut consumers = Vec::new();
    for c in state.store.consumers_of(&id, MAX_CONSUMERS).await? {
        let ConsumerOf {
            component,
            team,
            version,
            built_against,
            uses,
        } = c;
        let usage = stored::usage_of(&Row::expectation(&component, &version, &id), &uses)?;
        consumers.push(ConsumerRow {
            team_name: teams.get(&team).cloned().unwrap_or_else(|| team.clone()),
            component,
            team,
            version,
            built_against,
            uses: uses_lines(&usage),
        });
    }
    let mut deployed = Vec::new();
    for environment in environments {
        let running = state
            .store
            .versions_in(&record.component, environment)
            .await?;
        if running.is_empty() {
            continue;
        }
        let mut versions = Vec::with_capacity(running.len());
        for v in running {
            let publishes = state.store.bundle_hash_of(&id, &v).await?.is_some();
            versions.push((v, publishes));
        }
        deployed.push(DeployedRow {
            environment: environment.clone(),
            versions,
        });
    }
    Ok(Entry {
        kind: record.kind.clone(),
        policy: record.compatibility.clone(),
        producer: record.component.clone(),
        team_name: teams
            .get(&interface.team)
            .cloned()
            .unwrap_or_else(|| interface.team.clone()),
        team: interface.team,
        versions: versions
            .into_iter()
            .map(|v| VersionRow {
                version: v.version,
                published: when(v.created_at),
                bundle_hash: v.bundle_hash,
            })
            .collect(),
        versions_total,
        consumers,
        deployed,
        matched: Vec::new(),
        id,
    })
}

/// Why `entry` answers the search `needle` (lowercase), in words; empty
/// when it does not.
fn matches(entry: &Entry, needle: &str) -> Vec<String> {
    let has = |s: &str| s.to_lowercase().contains(needle);
    let mut why = Vec::new();
    if has(&entry.id) {
        why.push(format!("interface {}", entry.id));
    }
    if has(&entry.producer) {
        why.push(format!("produced by {}", entry.producer));
    }
    if has(&entry.team) || has(&entry.team_name) {
        why.push(format!("owned by team {}", entry.team_name));
    }
    for c in &entry.consumers {
        if has(&c.component) {
            why.push(format!("consumed by {}", c.component));
        }
        if has(&c.team) || has(&c.team_name) {
            why.push(format!(
                "consumed by team {} ({})",
                c.team_name, c.component
            ));
        }
        for u in c.uses.iter().filter(|u| has(u)) {
            why.push(format!("{} uses {u}", c.component));
        }
    }
    why
}

async fn team_names(state: &AppState) -> Result<HashMap<String, String>, UiError> {
    Ok(state
        .store
        .teams("", MAX_TEAMS)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

/// What `/ui/catalog` accepts.
#[derive(Debug, Deserialize)]
pub(crate) struct CatalogQuery {
    /// The search: a part of an interface's, a team's or an operation's name.
    #[serde(default)]
    q: Option<String>,
    /// The last interface of the previous page.
    #[serde(default)]
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "ui/catalog.html")]
struct CatalogPage {
    nav: Nav,
    query: String,
    entries: Vec<Entry>,
    /// Where the next page starts, if there is one.
    next: Option<String>,
}

/// `GET /ui/catalog?q=&after=`.
pub(crate) async fn catalog(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<CatalogQuery>,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    let query = q.q.unwrap_or_default().trim().to_owned();
    if query.chars().count() > MAX_QUERY {
        return Err(UiError::BadRequest(format!(
            "a search may be at most {MAX_QUERY} characters"
        )));
    }
    let after = q.after.unwrap_or_default();
    if !after.is_empty() {
        check_id("after", &after, false)?;
    }
    let teams = team_names(&state).await?;
    let environments = state.store.environments("", MAX_ENVIRONMENTS).await?;
    // A search narrows the interfaces in the store (all of them, not one
    // page), then says why each matches; the store's candidates can
    // include one whose stored `uses` matched only in its JSON syntax.
    let needle = query.to_lowercase();
    let mut interfaces = if needle.is_empty() {
        state.store.interfaces(&after, PAGE + 1).await?
    } else {
        state
            .store
            .search_interfaces(&needle, &after, PAGE + 1)
            .await?
    };
    let next = if interfaces.len() as i64 > PAGE {
        interfaces.truncate(PAGE as usize);
        interfaces.last().map(|i| i.interface.id.clone())
    } else {
        None
    };
    let mut entries = Vec::new();
    for interface in interfaces {
        let mut e = entry(&state, interface, &teams, &environments, CATALOG_VERSIONS).await?;
        if !needle.is_empty() {
            e.matched = matches(&e, &needle);
            if e.matched.is_empty() {
                continue;
            }
        }
        entries.push(e);
    }
    Ok(render(&CatalogPage {
        nav: visitor.nav("catalog"),
        query,
        entries,
        next,
    }))
}

#[derive(Template)]
#[template(path = "ui/interface.html")]
struct InterfacePage {
    nav: Nav,
    entry: Entry,
    changelog: Vec<ChangelogEntry>,
}

/// `GET /ui/interfaces/{id}`.
pub(crate) async fn interface(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    check_id("id", &id, false)?;
    let interface = state
        .store
        .interface(&id)
        .await?
        .ok_or_else(|| UiError::NotFound(format!("interface `{id}` does not exist")))?;
    let teams = team_names(&state).await?;
    let environments = state.store.environments("", MAX_ENVIRONMENTS).await?;
    let owned = interface.clone();
    let entry = entry(&state, interface, &teams, &environments, MAX_VERSIONS).await?;
    let published: Vec<(&str, &str)> = entry
        .versions
        .iter()
        .map(|v| (v.version.as_str(), v.bundle_hash.as_str()))
        .collect();
    let changelog = changelog::of(&state, &owned, &published).await?;
    Ok(render(&InterfacePage {
        nav: visitor.nav("catalog"),
        entry,
        changelog,
    }))
}
