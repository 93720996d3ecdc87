//! `treaty check [DIR] --base REF`: every interface of the workspace,
//! its schema at REF against the working tree, each change attributed to
//! the consumer teams that use what changed. The workspace at REF says
//! which interfaces existed then (one removed since is reported against its
//! consumers) and where each schema was (a moved schema is compared with
//! its old path).

use std::path::Path;

use serde::Serialize;
use treaty_compat::Level;
use treaty_core::Workspace;
use treaty_core::check::{self, Facts, Found, Outcome};
use treaty_core::impact::affected_consumers;
use treaty_core::model::Interface;

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
    /// version at the base), `error` (a version could not be read) or
    /// `removed` (declared at the base, gone now): see
    /// `treaty_core::check::Outcome`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The schema compared at the base, when it was at another path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_schema: Option<String>,
    /// A removed interface's consumers at the base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumers: Option<Vec<String>>,
    pub changes: Vec<JsonChange>,
}

/// Totals over every interface (the decision's own count, see
/// [`treaty_core::check::Summary`]).
pub type CheckSummary = treaty_core::check::Summary;

#[derive(Serialize)]
pub struct CheckReport {
    pub base: String,
    pub interfaces: Vec<InterfaceReport>,
    pub summary: CheckSummary,
}

/// Compares every interface; `Err` when the workspace or the base cannot
/// be read at all. This gathers the facts (git, the comparisons) and
/// shapes the report; `treaty_core::check` decides.
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
    // The base's own problems are not this check's: what it declares is
    // read as far as it can be.
    let (base_ws, _) = treaty_core::load(&git);
    let run = Run {
        dir,
        base,
        git,
        source,
        ws: &ws,
        base_ws: &base_ws,
        all_transitive,
    };
    let removed = base_ws
        .interfaces
        .iter()
        .filter(|i| ws.interface(&i.id.value).is_err());
    let mut judged: Vec<(InterfaceReport, check::InterfaceCheck)> = ws
        .interfaces
        .iter()
        .map(|i| run.interface(i))
        .chain(removed.map(|i| run.removed(i)))
        .collect();
    judged.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let mut summary = CheckSummary::default();
    let mut reports = Vec::new();
    for (report, verdict) in judged {
        summary.add(&verdict);
        reports.push(report);
    }
    Ok(CheckReport {
        base: base.to_owned(),
        interfaces: reports,
        summary,
    })
}

/// What every interface's check reads from.
struct Run<'a> {
    dir: &'a Path,
    base: &'a str,
    /// The workspace at the base.
    git: GitTree,
    /// The working tree.
    source: FsSource,
    ws: &'a Workspace,
    /// The workspace as declared at the base.
    base_ws: &'a Workspace,
    /// `--transitive`: every policy is checked as its transitive form.
    all_transitive: bool,
}

/// The comparisons of one interface with its earlier versions.
#[derive(Default)]
struct Compared {
    /// One report per version compared: the base first, then older ones.
    reports: Vec<diff::JsonReport>,
    /// Why a version could not be compared; the comparisons stop there.
    failed: Option<String>,
    /// A problem reading the history: shown, but the comparisons that
    /// could be made still count.
    note: Option<String>,
}

impl Run<'_> {
    /// Checks one interface: its report, and the decision it shows.
    fn interface(&self, interface: &Interface) -> (InterfaceReport, check::InterfaceCheck) {
        let compatibility = self.ws.effective_compatibility(interface);
        let policy = compatibility.policy();
        let shown = if self.all_transitive {
            compatibility.transitive()
        } else {
            compatibility
        };
        let schema = interface.schema.value.clone();
        let old = self.old_version(interface);
        let exists = treaty_core::WorkspaceSource::exists(&self.git, &old.schema);
        let compared = if exists {
            let transitive = compatibility.is_transitive() || self.all_transitive;
            self.compare(interface, &old, transitive)
        } else {
            Compared::default()
        };
        let verdict = {
            let facts = if exists {
                Facts::Compared {
                    comparisons: compared.reports.iter().map(found_changes).collect(),
                    failed: compared.failed.clone(),
                }
            } else {
                Facts::NewAtBase {
                    schema: &schema,
                    base: self.base,
                }
            };
            check::judge(policy, &facts)
        };
        let message = match &verdict.outcome {
            Outcome::New { reason }
            | Outcome::Error { reason }
            | Outcome::Removed { reason, .. } => Some(reason.clone()),
            Outcome::Pass { .. } | Outcome::Fail { .. } => compared.note,
        };
        let mut found: Vec<Vec<Option<JsonChange>>> = compared
            .reports
            .into_iter()
            .map(|r| r.changes.into_iter().map(Some).collect())
            .collect();
        let changes = verdict
            .changes
            .iter()
            .filter_map(|k| found.get_mut(k.comparison)?.get_mut(k.position)?.take())
            .collect();
        let base_schema = (exists && old.schema != schema).then_some(old.schema);
        let report = InterfaceReport {
            id: interface.id.value.clone(),
            kind: interface.kind.value.as_str(),
            policy: shown.as_str(),
            schema,
            status: verdict.outcome.status(),
            message,
            base_schema,
            consumers: None,
            changes,
        };
        (report, verdict)
    }

    /// Where `interface`'s schema was at the base: the path its interface
    /// file named then, when that file exists there (the schema moved),
    /// else the current path.
    fn old_version(&self, interface: &Interface) -> OldVersion {
        let current = OldVersion {
            schema: interface.schema.value.clone(),
            include_paths: interface.include_paths(),
        };
        match self.base_ws.interface(&interface.id.value) {
            Ok(then)
                if then.schema.value != current.schema
                    && treaty_core::WorkspaceSource::exists(&self.git, &then.schema.value) =>
            {
                OldVersion {
                    schema: then.schema.value.clone(),
                    include_paths: then.include_paths(),
                }
            }
            _ => current,
        }
    }

    /// Judges an interface declared at the base and gone from the working
    /// tree, against the consumers it had there.
    fn removed(&self, interface: &Interface) -> (InterfaceReport, check::InterfaceCheck) {
        let compatibility = self.base_ws.effective_compatibility(interface);
        let shown = if self.all_transitive {
            compatibility.transitive()
        } else {
            compatibility
        };
        let mut consumers: Vec<String> = Vec::new();
        for c in &interface.consumers {
            if !consumers.contains(&c.team.value) {
                consumers.push(c.team.value.clone());
            }
        }
        let verdict = check::judge(
            compatibility.policy(),
            &Facts::Removed {
                base: self.base,
                consumers: &consumers,
            },
        );
        let message = match &verdict.outcome {
            Outcome::Removed { reason, .. } => Some(reason.clone()),
            _ => None,
        };
        let report = InterfaceReport {
            id: interface.id.value.clone(),
            kind: interface.kind.value.as_str(),
            policy: shown.as_str(),
            schema: interface.schema.value.clone(),
            status: verdict.outcome.status(),
            message,
            base_schema: None,
            consumers: Some(consumers),
            changes: Vec::new(),
        };
        (report, verdict)
    }

    /// Compares the working tree's schema with the base's (`old`) and,
    /// when `transitive`, with every earlier version in the base's history
    /// at the same path (a transitive policy holds against all of them,
    /// not just the base).
    fn compare(&self, interface: &Interface, old: &OldVersion, transitive: bool) -> Compared {
        let policy = self.ws.effective_policy(interface);
        let spec = self.ws.diff_spec(interface);
        let includes = interface.include_paths();
        let current = treaty_compat::InterfaceVersion {
            source: &self.source,
            entry: &interface.schema.value,
            include_paths: &includes,
        };
        let diff_with = |earlier: &dyn treaty_compat::DocumentSource| {
            let then = treaty_compat::InterfaceVersion {
                source: earlier,
                entry: &old.schema,
                include_paths: &old.include_paths,
            };
            treaty_compat::diff_interface(&then, &current, &spec)
        };
        let mut compared = Compared::default();
        let mut bases: Vec<GitTree> = Vec::new();
        if transitive {
            match file_history(self.dir, &old.schema, None, self.base, MAX_HISTORY) {
                Ok(history) => {
                    for v in history.iter().rev().skip(1).take(MAX_VERSIONS) {
                        match GitTree::open(self.dir, &v.commit) {
                            Ok(g) => bases.push(g),
                            Err(e) => compared.note = Some(e),
                        }
                    }
                }
                Err(e) => compared.note = Some(e),
            }
        }
        for old in std::iter::once(&self.git).chain(bases.iter()) {
            match diff_with(old) {
                Ok(d) => compared.reports.push(diff::report_with(&d, policy, &|c| {
                    Some(affected_consumers(interface, c, &d.operation_ids))
                })),
                Err(e) => {
                    compared.failed = Some(e.diagnostic.message.clone());
                    break;
                }
            }
        }
        compared
    }
}

/// The schema an interface had at the base.
struct OldVersion {
    /// Its path in the base's workspace.
    schema: String,
    /// Protobuf only: the include directories declared then.
    include_paths: Vec<String>,
}

/// One comparison's changes, as the decision sees them.
fn found_changes(report: &diff::JsonReport) -> Vec<Found<'_>> {
    report
        .changes
        .iter()
        .map(|c| Found {
            rule: c.rule,
            message: &c.message,
            level: c.level,
            affects: c.affects.as_deref().unwrap_or_default(),
        })
        .collect()
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
        if let Some(old) = &i.base_schema {
            out.push_str(&format!(
                " [schema moved: compared with `{old}` at {}]",
                r.base
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
    let verdict = if r.summary.passes() { "✅" } else { "❌" };
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
            .chain(i.consumers.iter().flatten().map(String::as_str))
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
    // A removed interface has no changes to detail: its reason says it all.
    for i in r.interfaces.iter().filter(|i| i.consumers.is_some()) {
        if let Some(m) = &i.message {
            out.push_str(&format!("\n`{}`: {m}\n", i.id));
        }
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
