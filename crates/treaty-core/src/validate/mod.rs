//! Every check of `treaty validate` beyond the file format: identifiers,
//! cross-references, cycles, dates, owners, evidence.
//!
//! One module per kind of file; this one holds the entry point and the
//! checks they share (ids, team references, owners, paths, thresholds).

use std::collections::HashMap;

use jiff::civil::Date;
use treaty_syntax::{Diagnostic, Span, Spanned, did_you_mean};

use crate::codes;
use crate::load::{ItemKind, Workspace, WorkspaceSource};
use crate::model::{Team, Threshold};

mod interfaces;
mod proposals;
mod releases;
mod schema_files;
mod schema_names;
mod teams;
mod uses;
mod waivers;
mod workspace;

pub use schema_files::detect_kind;
pub use uses::{UnresolvedUse, UseKind, unresolved_uses, unresolved_uses_in};

/// Checks a loaded workspace. `today` decides which deadlines have passed.
/// Schema files are read through `source` (and added to `ws.sources` so
/// that diagnostics in them can be shown).
pub fn validate(ws: &mut Workspace, source: &dyn WorkspaceSource, today: Date) -> Vec<Diagnostic> {
    let mut v = Validator {
        diags: Vec::new(),
        team_ids: Vec::new(),
        members: HashMap::new(),
    };
    let mut teams: Vec<&Team> = Vec::new();
    if let Some(file) = &ws.workspace {
        teams.extend(file.teams.iter());
    }
    teams.extend(ws.teams.iter());
    let broken = |kind: ItemKind| {
        ws.broken_ids
            .iter()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, id)| id.as_str())
    };
    v.team_ids = teams.iter().map(|t| t.id.value.clone()).collect();
    v.team_ids.extend(broken(ItemKind::Team).map(str::to_owned));
    for t in &teams {
        v.members
            .entry(t.id.value.clone())
            .or_default()
            .extend(t.members.iter().map(|m| m.id.value.clone()));
    }

    v.check_workspace_file(ws);
    v.unique_ids("team", teams.iter().map(|t| &t.id));
    for team in &teams {
        v.check_team(team);
    }

    v.unique_ids("interface", ws.interfaces.iter().map(|i| &i.id));
    let mut schema_sources = Vec::new();
    for interface in &ws.interfaces {
        v.check_interface(interface, source, &mut schema_sources);
    }

    let mut release_ids: Vec<&str> = ws.releases.iter().map(|r| r.id.value.as_str()).collect();
    release_ids.extend(broken(ItemKind::Release));
    let mut interface_ids: Vec<&str> = ws.interfaces.iter().map(|i| i.id.value.as_str()).collect();
    interface_ids.extend(broken(ItemKind::Interface));
    v.unique_ids("release", ws.releases.iter().map(|r| &r.id));
    for release in &ws.releases {
        v.check_release(release, &interface_ids, &release_ids, today);
    }
    v.unique_ids("proposal", ws.proposals.iter().map(|p| &p.id));
    for proposal in &ws.proposals {
        v.check_proposal(proposal, &interface_ids, &release_ids);
    }
    v.unique_ids("waiver", ws.waivers.iter().map(|w| &w.id));
    for waiver in &ws.waivers {
        let file = ws.sources.get(waiver.id.span.file).map(|f| f.name());
        v.check_waiver(waiver, file, &interface_ids);
    }

    // Schema files that failed to parse: register their text so that the
    // diagnostics can show the offending line.
    for (path, text, diag) in schema_sources {
        let id = ws.sources.add(path, text);
        let mut d = diag;
        if let Some(span) = d.span.as_mut() {
            span.file = id;
        }
        v.diags.push(d);
    }
    v.diags
}

/// The findings so far, and what every file's checks look references up
/// in. Each kind of file adds its own `impl` in its module.
struct Validator {
    diags: Vec<Diagnostic>,
    /// Every team id, those of teams whose file did not fit the format too.
    team_ids: Vec<String>,
    /// Member handles by team id, for escalation steps.
    members: HashMap<String, Vec<String>>,
}

/// Whether `id` is a well-formed id: 1 to 64 characters, lowercase ASCII
/// letters, digits, `-`, `_` and `.`, starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.')
        })
}

impl Validator {
    pub(super) fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub(super) fn unique_ids<'a>(
        &mut self,
        what: &str,
        ids: impl Iterator<Item = &'a Spanned<String>>,
    ) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for id in ids {
            if !is_valid_id(&id.value) {
                self.push(
                    Diagnostic::error(codes::INVALID_ID, format!("`{}` is not a valid {what} id", id.value))
                        .at(id.span)
                        .with_hint("ids are 1 to 64 lowercase letters, digits, `-`, `_` or `.`, starting with a letter or digit"),
                );
            }
            if let Some(first) = seen.get(id.value.as_str()) {
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_ID,
                        format!("{what} `{}` is defined twice", id.value),
                    )
                    .at(id.span)
                    .with_related(*first, "first defined here"),
                );
            } else {
                seen.insert(&id.value, id.span);
            }
        }
    }

    /// Reports a reference to a team that does not exist.
    pub(super) fn team_ref(&mut self, team: &Spanned<String>, role: &str) {
        if self.team_ids.contains(&team.value) {
            return;
        }
        let ids: Vec<&str> = self.team_ids.iter().map(String::as_str).collect();
        let mut d = Diagnostic::error(
            codes::UNKNOWN_TEAM,
            format!("unknown team `{}`", team.value),
        )
        .at(team.span)
        .with_label(format!("{role} must be a defined team"));
        d = match did_you_mean(&team.value, &ids) {
            Some(m) => d.with_hint(format!("did you mean `{m}`?")),
            None if ids.is_empty() => {
                d.with_hint("no teams are defined: add them to `teams/` or `treaty.yaml`")
            }
            None => d.with_hint(format!("defined teams: {}", ids.join(", "))),
        };
        self.push(d);
    }

    /// Reports a reference to an interface that does not exist.
    pub(super) fn interface_ref(&mut self, interface: &Spanned<String>, interface_ids: &[&str]) {
        if interface_ids.contains(&interface.value.as_str()) {
            return;
        }
        let mut d = Diagnostic::error(
            codes::UNKNOWN_INTERFACE,
            format!("unknown interface `{}`", interface.value),
        )
        .at(interface.span);
        if let Some(m) = did_you_mean(&interface.value, interface_ids) {
            d = d.with_hint(format!("did you mean `{m}`?"));
        }
        self.push(d);
    }

    pub(super) fn path_in_workspace(&mut self, path: &Spanned<String>) -> bool {
        let p = &path.value;
        let mut depth = 0i32;
        let absolute = p.starts_with('/') || p.starts_with('\\') || p.get(1..2) == Some(":");
        for part in p.split(['/', '\\']) {
            match part {
                "" | "." => {}
                ".." => depth -= 1,
                _ => depth += 1,
            }
            if depth < 0 {
                break;
            }
        }
        if absolute || depth < 0 {
            self.push(
                Diagnostic::error(
                    codes::PATH_OUTSIDE_WORKSPACE,
                    format!("`{p}` is outside the workspace"),
                )
                .at(path.span)
                .with_hint(
                    "paths are relative to the directory of `treaty.yaml` and stay inside it",
                ),
            );
            return false;
        }
        true
    }

    pub(super) fn threshold(&mut self, t: &Spanned<Threshold>) {
        let problem = match (t.value.min, t.value.max) {
            (None, None) => Some("threshold sets neither `min` nor `max`".to_owned()),
            (Some(a), _) if !a.is_finite() => Some("`min` must be a finite number".to_owned()),
            (_, Some(b)) if !b.is_finite() => Some("`max` must be a finite number".to_owned()),
            (Some(a), Some(b)) if a > b => Some(format!(
                "threshold can never be met: `min` {a} is above `max` {b}"
            )),
            _ => None,
        };
        if let Some(message) = problem {
            self.push(Diagnostic::error(codes::INVALID_THRESHOLD, message).at(t.span));
        }
    }

    /// Reports a missing `owner:` or one that is not a team.
    pub(super) fn owner(
        &mut self,
        owner: Option<&Spanned<String>>,
        id: &Spanned<String>,
        what: &str,
        why: &str,
    ) {
        match owner {
            None => self.push(
                Diagnostic::error(
                    codes::MISSING_OWNER,
                    format!("{what} `{}` is owned by nobody", id.value),
                )
                .at(id.span)
                .with_hint(format!("add `owner: <team>`: {why}")),
            ),
            Some(owner) => self.team_ref(owner, "the owner"),
        }
    }
}
