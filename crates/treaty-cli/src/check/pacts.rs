//! Consumers' Pact files in `treaty check`. A consumer that keeps pacts of
//! an OpenAPI or AsyncAPI interface (`expectations` of kind `pact`) is
//! judged by them, as the broker's can-i-release judges it: its pacts are
//! checked against the schema at the base and in the working tree
//! (`treaty_core::pacts`), and
//! - when every interaction holds after the change, no change concerns
//!   the consumer, whatever its `uses` say (the pacts say exactly what it
//!   relies on);
//! - when interactions that held before fail after it, each is a
//!   `consumer-pact-broken` finding for that consumer, naming the
//!   interaction and pointing at its line in the pact (breaking, as
//!   `consumer-use-gone` is; a warning under `forward`), and those
//!   findings are what concern it: the schema's changes are not
//!   attributed to it by its `uses` as well;
//! - when the pacts cannot decide (none has an interaction of the
//!   interface's kind, one cannot be read, or they already failed at the
//!   base), the consumer is judged by its `uses`, and the report says why.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use treaty_compat::{Bundle, DocumentSource, Level, Policy};
use treaty_core::model::{ExpectationKind, Interface};
use treaty_core::pacts::{self, PactStanding, PactText, Pacts};
use treaty_core::release::InteractionFinding;

use super::OldVersion;
use crate::commands::pact::{Parsed, parse};
use crate::diff::{JsonChange, JsonLocation};
use crate::fs_source::FsSource;

/// The rule id of the finding.
pub const RULE: &str = "consumer-pact-broken";

/// What one consumer's pacts said of the change.
#[derive(Debug, Clone, Serialize)]
pub struct PactReport {
    /// The consumer team.
    pub consumer: String,
    /// Its Pact files, as the interface file lists them.
    pub pacts: Vec<String>,
    /// `holds` (no change concerns it), `broken` (see the
    /// `consumer-pact-broken` findings) or `undecided` (judged by `uses`).
    pub standing: &'static str,
    /// Why the pacts could not decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The pacts' verdict on one interface's change.
#[derive(Default)]
pub(super) struct Judged {
    /// Consumers whose pacts decide (they hold, or the change broke
    /// them): the schema's changes are not attributed to them by `uses`.
    pub decided: BTreeSet<String>,
    /// One finding per interaction the change broke.
    pub findings: Vec<JsonChange>,
    /// One entry per consumer with pacts.
    pub reports: Vec<PactReport>,
}

/// The consumers of `interface` whose pacts judge it, with their Pact
/// files (none when its kind is not one pacts are checked against).
pub(super) fn keepers(interface: &Interface) -> Vec<(&str, Vec<&str>)> {
    if !pacts::checkable(interface.kind.value.format()) {
        return Vec::new();
    }
    interface
        .consumers
        .iter()
        .map(|c| {
            let files = c
                .expectations
                .iter()
                .filter(|e| e.kind == ExpectationKind::Pact)
                .map(|e| e.file.value.as_str())
                .collect::<Vec<_>>();
            (c.team.value.as_str(), files)
        })
        .filter(|(_, files)| !files.is_empty())
        .collect()
}

/// Judges the consumers of `interface` that keep pacts, against the
/// schema at the base (`old`) and in the working tree (`source`).
pub(super) fn judge(
    interface: &Interface,
    old: &OldVersion,
    source: &FsSource,
    policy: Policy,
) -> Judged {
    let mut judged = Judged::default();
    let with_pacts = keepers(interface);
    if with_pacts.is_empty() {
        return judged;
    }
    let format = interface.kind.value.format();
    let entry = &interface.schema.value;
    let after = one_file_bundle(source, entry);
    let before = one_file_bundle(&old.tree, &old.entry);
    let level = if policy == Policy::Forward {
        Level::Warning
    } else {
        Level::Breaking
    };
    for (team, files) in with_pacts {
        let read = read_pacts(source, &files);
        let standing = match (&read, &after) {
            (Err(why), _) | (_, Err(why)) => PactStanding::Undecided(why.clone()),
            (Ok(read), Ok(after)) => {
                let texts: Vec<PactText<'_>> = read
                    .iter()
                    .map(|(name, bytes, _)| PactText {
                        name,
                        content: bytes,
                    })
                    .collect();
                let now = pacts::check(&texts, after, format);
                let then = match &before {
                    Ok(b) => pacts::check(&texts, b, format),
                    Err(why) => Pacts::Unreadable(why.clone()),
                };
                pacts::broken_by(&then, &now)
            }
        };
        let mut report = PactReport {
            consumer: team.to_owned(),
            pacts: files.iter().map(|f| (*f).to_owned()).collect(),
            standing: "holds",
            reason: None,
        };
        match standing {
            PactStanding::Holds => {
                judged.decided.insert(team.to_owned());
            }
            PactStanding::Broken(broken) => {
                judged.decided.insert(team.to_owned());
                report.standing = "broken";
                let parsed = read.as_deref().unwrap_or_default();
                judged.findings.extend(
                    broken
                        .iter()
                        .map(|f| finding(interface, team, f, parsed, level)),
                );
            }
            PactStanding::Undecided(why) => {
                report.standing = "undecided";
                report.reason = Some(format!("{why}; judged by what it uses"));
            }
        }
        judged.reports.push(report);
    }
    judged
}

/// The schema's entry file alone: the pacts are checked against the
/// document itself, as the broker checks them against a published one.
fn one_file_bundle(source: &dyn DocumentSource, entry: &str) -> Result<Bundle, String> {
    let max = treaty_syntax::Limits::SCHEMA_FILE.max_bytes;
    let bytes = source
        .read(entry, max)
        .map_err(|e| format!("`{entry}` cannot be read: {}", source.explain(entry, &e)))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("`{entry}` is not UTF-8 text"))?;
    Ok(Bundle {
        entry: entry.to_owned(),
        include_paths: Vec::new(),
        files: [(entry.to_owned(), text)].into(),
    })
}

/// The consumer's Pact files as they are in the working tree, each with
/// its parsed tree for pointing at lines.
fn read_pacts(source: &FsSource, files: &[&str]) -> Result<Vec<(String, Vec<u8>, Parsed)>, String> {
    let max = treaty_pact::LIMITS.max_bytes;
    files
        .iter()
        .map(|file| {
            let bytes = source.read(file, max).map_err(|e| {
                format!(
                    "the pact `{file}` cannot be read: {}",
                    source.explain(file, &e)
                )
            })?;
            let parsed = parse(Path::new(file), &bytes, &treaty_pact::LIMITS)
                .map_err(|e| format!("the pact cannot be read: {e}"))?;
            Ok(((*file).to_owned(), bytes, parsed))
        })
        .collect()
}

fn finding(
    interface: &Interface,
    team: &str,
    f: &InteractionFinding,
    parsed: &[(String, Vec<u8>, Parsed)],
    level: Level,
) -> JsonChange {
    let line = parsed
        .iter()
        .find(|(name, _, _)| *name == f.pact)
        .and_then(|(_, _, p)| p.line(&f.pointer));
    JsonChange {
        rule: RULE,
        level,
        message: format!(
            "`{team}`'s pact `{}`: interaction {} no longer holds against `{}`: {} ({})",
            f.pact,
            f.label(),
            interface.id.value,
            f.message,
            f.code
        ),
        old: None,
        new: Some(JsonLocation {
            file: f.pact.clone(),
            line: line.unwrap_or(1),
            column: 1,
            pointer: f.pointer.clone(),
        }),
        operation: None,
        operations: Vec::new(),
        path: None,
        field: None,
        affects: Some(vec![team.to_owned()]),
    }
}
