//! `treaty check [DIR] --base REF`: every interface of the workspace,
//! its schema at REF against the working tree, each change attributed to
//! the consumer teams that use what changed.

use std::path::Path;

use serde::Serialize;
use treaty_compat::{Level, Policy};
use treaty_core::impact::{affected_consumers, policy_of, proto_category_of, proto_entry};
use treaty_core::model::InterfaceKind;

use crate::diff::{self, JsonChange};
use crate::fs_source::FsSource;
use crate::git_source::{GitTree, file_history};

/// Commits followed back for a transitive policy, and versions compared.
const MAX_HISTORY: usize = 10_000;
const MAX_VERSIONS: usize = 100;

#[derive(Serialize)]
pub struct InterfaceReport {
    pub id: String,
    pub kind: &'static str,
    pub policy: &'static str,
    pub schema: String,
    /// `pass`, `fail` (a breaking change affects a consumer), `new` (no
    /// version at the base), `skipped` (a format not compared yet) or
    /// `error` (a version could not be read).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub changes: Vec<JsonChange>,
}

#[derive(Serialize, Default)]
pub struct CheckSummary {
    pub interfaces: usize,
    pub failed: usize,
    pub errors: usize,
    pub breaking: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Serialize)]
pub struct CheckReport {
    pub base: String,
    pub interfaces: Vec<InterfaceReport>,
    pub summary: CheckSummary,
}

fn policy_name(p: Policy, transitive: bool) -> &'static str {
    match (p, transitive) {
        (Policy::Backward, false) => "backward",
        (Policy::Backward, true) => "backward_transitive",
        (Policy::Forward, false) => "forward",
        (Policy::Forward, true) => "forward_transitive",
        (Policy::Full, false) => "full",
        (Policy::Full, true) => "full_transitive",
        (Policy::None, _) => "none",
    }
}

/// Compares every interface; `Err` when the workspace or the base cannot
/// be read at all.
pub fn check(dir: &Path, base: &str, all_transitive: bool) -> Result<CheckReport, String> {
    let source = FsSource::new(dir);
    let (ws, diags) = treaty_core::load(&source);
    if let Some(d) = diags
        .iter()
        .find(|d| d.unreadable || d.severity == treaty_syntax::Severity::Error)
    {
        return Err(format!(
            "the workspace has problems ({}: {}); run `treaty validate` and fix them first",
            d.code, d.message
        ));
    }
    let git = GitTree::open(dir, base)?;
    let defaults = ws
        .workspace
        .as_ref()
        .map(|w| w.defaults.clone())
        .unwrap_or_default();
    let mut interfaces: Vec<&treaty_core::model::Interface> = ws.interfaces.iter().collect();
    interfaces.sort_by(|a, b| a.id.value.cmp(&b.id.value));
    let mut summary = CheckSummary::default();
    let mut reports = Vec::new();
    for interface in interfaces {
        let (policy, transitive) = policy_of(interface, &defaults);
        let transitive = transitive || all_transitive;
        let schema = interface.schema.value.clone();
        let mut report = InterfaceReport {
            id: interface.id.value.clone(),
            kind: interface.kind.value.as_str(),
            policy: policy_name(policy, transitive),
            schema: schema.clone(),
            status: "pass",
            message: None,
            changes: Vec::new(),
        };
        summary.interfaces += 1;
        let format = match interface.kind.value {
            InterfaceKind::Openapi => treaty_compat::Format::OpenApi,
            InterfaceKind::Jsonschema => treaty_compat::Format::JsonSchema,
            InterfaceKind::Avro => treaty_compat::Format::Avro,
            InterfaceKind::Asyncapi => treaty_compat::Format::AsyncApi,
            // Protobuf goes through its own entry point below.
            InterfaceKind::Protobuf => treaty_compat::Format::Protobuf,
        };
        let is_proto = interface.kind.value == InterfaceKind::Protobuf;
        let (includes, proto_name) = proto_entry(interface);
        let category = proto_category_of(interface);
        let compare = |old: &dyn treaty_compat::DocumentSource| {
            if is_proto {
                let input = |s| treaty_compat::proto::ProtoInput {
                    source: s,
                    includes: includes.clone(),
                    files: vec![proto_name.clone()],
                };
                treaty_compat::diff_proto(&input(old), &input(&source), category)
            } else {
                treaty_compat::diff(old, &schema, &source, &schema, Some(format))
            }
        };
        if !treaty_core::WorkspaceSource::exists(&git, &schema) {
            report.status = "new";
            report.message = Some(format!(
                "`{schema}` does not exist at {base}: nothing to compare"
            ));
            reports.push(report);
            continue;
        }
        // A transitive policy holds against every earlier version, not
        // just the base: each version in the base's history is compared.
        let mut bases: Vec<GitTree> = Vec::new();
        if transitive {
            match file_history(dir, &schema, None, base, MAX_HISTORY) {
                Ok(history) => {
                    for v in history.iter().rev().skip(1).take(MAX_VERSIONS) {
                        match GitTree::open(dir, &v.commit) {
                            Ok(g) => bases.push(g),
                            Err(e) => report.message = Some(e),
                        }
                    }
                }
                Err(e) => report.message = Some(e),
            }
        }
        let mut json: Option<diff::JsonReport> = None;
        let mut failed_read = None;
        for old in std::iter::once(&git).chain(bases.iter()) {
            let d = match compare(old) {
                Ok(d) => d,
                Err(e) => {
                    failed_read = Some(e.diagnostic.message.clone());
                    break;
                }
            };
            let r = diff::report_with(&d, policy, &|c| {
                Some(affected_consumers(interface, c, &d.operation_ids))
            });
            json = Some(match json {
                None => r,
                Some(mut acc) => {
                    for c in r.changes {
                        let seen = acc
                            .changes
                            .iter()
                            .any(|a| a.rule == c.rule && a.message == c.message);
                        if !seen {
                            match c.level {
                                Level::Breaking => acc.summary.breaking += 1,
                                Level::Warning => acc.summary.warning += 1,
                                Level::Info => acc.summary.info += 1,
                            }
                            acc.changes.push(c);
                        }
                    }
                    acc
                }
            });
        }
        let json = match (json, failed_read) {
            (Some(j), None) => j,
            (_, message) => {
                report.status = "error";
                report.message = message;
                summary.errors += 1;
                reports.push(report);
                continue;
            }
        };
        let fails = json.changes.iter().any(|c| {
            c.level == Level::Breaking
                && policy != Policy::None
                && c.affects.as_ref().is_some_and(|a| !a.is_empty())
        });
        if fails {
            report.status = "fail";
            summary.failed += 1;
        }
        summary.breaking += json.summary.breaking;
        summary.warning += json.summary.warning;
        summary.info += json.summary.info;
        report.changes = json.changes;
        reports.push(report);
    }
    Ok(CheckReport {
        base: base.to_owned(),
        interfaces: reports,
        summary,
    })
}

pub fn text(r: &CheckReport) -> String {
    let mut out = String::new();
    for i in &r.interfaces {
        let breaking = i
            .changes
            .iter()
            .filter(|c| c.level == Level::Breaking)
            .count();
        out.push_str(&format!(
            "{} ({}, {}): {}",
            i.id,
            i.kind,
            i.policy,
            i.status.to_uppercase()
        ));
        if let Some(m) = &i.message {
            out.push_str(&format!(" ({m})"));
        } else {
            out.push_str(&format!(
                " ({} changes, {breaking} breaking)",
                i.changes.len()
            ));
        }
        out.push('\n');
        for c in i.changes.iter().filter(|c| c.level != Level::Info) {
            out.push_str(&format!(
                "  {:<8} {}  {}\n",
                c.level.as_str(),
                c.rule,
                c.message
            ));
            if let Some(teams) = &c.affects {
                let who = if teams.is_empty() {
                    "no consumer".to_owned()
                } else {
                    teams.join(", ")
                };
                out.push_str(&format!("           affects {who}\n"));
            }
        }
    }
    out.push_str(&format!(
        "{} interfaces against {}: {} failed, {} errors; {} breaking, {} warning, {} info changes\n",
        r.summary.interfaces, r.base, r.summary.failed, r.summary.errors, r.summary.breaking, r.summary.warning, r.summary.info
    ));
    out
}

pub fn markdown(r: &CheckReport) -> String {
    let mut out = format!("## Treaty check against `{}`\n\n", r.base);
    let verdict = if r.summary.failed > 0 || r.summary.errors > 0 {
        "❌"
    } else {
        "✅"
    };
    out.push_str(&format!(
        "{verdict} {} interfaces, {} failed: {} breaking, {} warning, {} info changes\n\n",
        r.summary.interfaces,
        r.summary.failed,
        r.summary.breaking,
        r.summary.warning,
        r.summary.info
    ));
    out.push_str(
        "| Interface | Kind | Policy | Status | Breaking | Affects |\n|---|---|---|---|---|---|\n",
    );
    for i in &r.interfaces {
        let mut teams: Vec<&str> = i
            .changes
            .iter()
            .filter(|c| c.level == Level::Breaking)
            .flat_map(|c| c.affects.iter().flatten().map(String::as_str))
            .collect();
        teams.sort_unstable();
        teams.dedup();
        let breaking = i
            .changes
            .iter()
            .filter(|c| c.level == Level::Breaking)
            .count();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {breaking} | {} |\n",
            i.id,
            i.kind,
            i.policy,
            i.status,
            teams.join(", ")
        ));
    }
    for i in r
        .interfaces
        .iter()
        .filter(|i| i.changes.iter().any(|c| c.level != Level::Info))
    {
        out.push_str(&format!(
            "\n<details><summary><code>{}</code>: {} changes</summary>\n\n",
            i.id,
            i.changes.len()
        ));
        out.push_str("| Level | Rule | Change | Affects |\n|---|---|---|---|\n");
        for c in i.changes.iter().filter(|c| c.level != Level::Info) {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                c.level.as_str(),
                c.rule,
                c.message.replace('|', "\\|"),
                c.affects.as_ref().map(|a| a.join(", ")).unwrap_or_default()
            ));
        }
        out.push_str("\n</details>\n");
    }
    out
}
