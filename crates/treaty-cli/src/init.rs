//! `treaty init`: a small, commented workspace that validates as it is.

use std::path::Path;

use jiff::ToSpan;
use jiff::civil::Date;

/// Why a workspace could not be created.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} already holds a treaty.yaml; nothing was written")]
    Exists(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

const WORKSPACE: &str = r##"# yaml-language-server: $schema=.treaty/schema/workspace.schema.json
# The workspace: your organization, its governance and defaults.
# Reference: docs/format.md in the Treaty repository.
version: 1
organization:
  id: {org_id}
  name: {org_name}
governance:
  # Teams whose representatives decide on escalations and overrides.{steering_note}
  steering_group: [{steering_group}]
  quorum: 1
  # Who must approve each kind of change before it ships.
  approvals:
    - change: breaking
      require: [producer, affected_consumers]
    - change: gate_override
      require: [steering_group]
  # How long a blocker may stay open before it escalates.
  blocker_slas:
    critical: 4h
    high: 1d
    medium: 3d
    low: 2w
defaults:
  compatibility: backward
  deprecation_notice: 30d
"##;

const TEAM_PLATFORM: &str = r##"# yaml-language-server: $schema=../.treaty/schema/team.schema.json
id: platform
name: Platform
members:
  - id: lead
    name: Platform lead
    email: platform-lead@example.com
contacts:
  email: platform@example.com
  chat: "#platform"
# Who is told, in order, when a blocker of this team is overdue.
escalation:
  - to: lead
    after: 0h
"##;

const TEAM_WEB: &str = r##"# yaml-language-server: $schema=../.treaty/schema/team.schema.json
id: web
name: Web
members:
  - id: lead
    name: Web lead
    email: web-lead@example.com
contacts:
  email: web@example.com
escalation:
  - to: lead
    after: 0h
  - to: platform
    after: 1d
"##;

const INTERFACE: &str = r##"# yaml-language-server: $schema=../.treaty/schema/interface.schema.json
# An interface: an API or data contract with exactly one owner.
id: greetings-api
name: Greetings API
kind: openapi
schema: schemas/greetings-api.openapi.yaml
producer: platform
consumers:
  # `uses` narrows a consumer to what it really calls: a change elsewhere
  # does not concern it.
  - team: web
    uses:
      operations: [getGreeting]
compatibility: backward
versioning:
  scheme: semver
  current: 1.0.0
"##;

const SCHEMA: &str = r##"openapi: 3.1.0
info:
  title: Greetings API
  version: 1.0.0
paths:
  /greetings/{name}:
    get:
      operationId: getGreeting
      parameters:
        - name: name
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: A greeting.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Greeting"
components:
  schemas:
    Greeting:
      type: object
      required: [text]
      properties:
        text:
          type: string
"##;

const RELEASE: &str = r##"# yaml-language-server: $schema=../.treaty/schema/release.schema.json
# A release train: its dates, its scope and each item's definition of done.
id: first
name: First release
status: planned
cadence: monthly
milestones:
  feature_freeze: {feature_freeze}
  code_freeze: {code_freeze}
  ship: {ship}
scope:
  - id: greetings
    title: Greetings in the web app
    owner: web
    interfaces: [greetings-api]
    # Done means: every criterion is met by real evidence.
    done:
      - id: tests-pass
        description: The end-to-end tests pass.
        evidence:
          kind: junit
          source: reports/e2e/*.xml
        threshold:
          metric: pass_rate
          min: 1.0
"##;

/// Refuses a directory that already holds a workspace.
pub fn refuse_existing(dir: &Path) -> Result<(), InitError> {
    if dir.join("treaty.yaml").exists() {
        return Err(InitError::Exists(dir.display().to_string()));
    }
    Ok(())
}

/// `treaty.yaml` for the organization `name` (the directory's name when
/// absent) with `steering` as its steering group, and `note` (comment
/// lines, each starting with a newline) said about it.
pub fn workspace_file(dir: &Path, name: Option<&str>, steering: &str, note: &str) -> String {
    let dir_name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "example".to_owned());
    let org_name = name.map_or(dir_name, str::to_owned);
    // The organization last: its name is the user's text.
    WORKSPACE
        .replace("{steering_note}", note)
        .replace("{steering_group}", steering)
        .replace("{org_id}", &slug(&org_name))
        .replace("{org_name}", &yaml_string(&org_name))
}

/// Creates the workspace; returns the files written, relative to `dir`.
pub fn run(dir: &Path, name: Option<&str>, today: Date) -> Result<Vec<String>, InitError> {
    refuse_existing(dir)?;
    let date = |weeks: i64| {
        today
            .checked_add(weeks.weeks())
            .unwrap_or(today)
            .to_string()
    };
    let files: Vec<(String, String)> = vec![
        (
            "treaty.yaml".into(),
            workspace_file(dir, name, "platform", ""),
        ),
        ("teams/platform.yaml".into(), TEAM_PLATFORM.into()),
        ("teams/web.yaml".into(), TEAM_WEB.into()),
        ("interfaces/greetings-api.yaml".into(), INTERFACE.into()),
        ("schemas/greetings-api.openapi.yaml".into(), SCHEMA.into()),
        (
            "releases/first.yaml".into(),
            RELEASE
                .replace("{feature_freeze}", &date(4))
                .replace("{code_freeze}", &date(5))
                .replace("{ship}", &date(6)),
        ),
    ];
    write_new(dir, files)
}

/// Writes `files` (relative path, text) and the JSON Schemas of the
/// contract files under `dir`, keeping any file that exists already;
/// returns the files written.
pub fn write_new(dir: &Path, files: Vec<(String, String)>) -> Result<Vec<String>, InitError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| InitError::Io { path, source }
    };
    let mut written = Vec::new();
    let mut all = files;
    for (name, schema) in treaty_core::schema::json_schemas() {
        let text = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
        all.push((format!(".treaty/schema/{name}"), text));
    }
    for (rel, text) in all {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        if path.exists() {
            // Never overwrite a user's file: keep theirs.
            continue;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
        written.push(rel);
    }
    Ok(written)
}

/// A name as an id: lowercase ASCII letters and digits, other runs as `-`.
pub(crate) fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_owned();
    if s.is_empty() {
        "example".to_owned()
    } else {
        s
    }
}

/// Quotes a name for YAML (JSON string syntax is valid YAML).
pub fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"example\"".to_owned())
}
