//! `treaty check [DIR] --base REF`: every interface of the workspace,
//! its schema at REF against the working tree, each change attributed to
//! the consumer teams that use what changed. The workspace at REF says
//! which interfaces existed then (one removed since is reported against its
//! consumers) and where each schema was (a moved schema is compared with
//! its old path; a schema git renamed, the workspace moved with it, is
//! found by its content). Under a transitive policy the earlier versions
//! of the schema are compared too (`history`); what consumers use and the
//! new schema lacks is reported per consumer (`uses`).

mod history;
mod pacts;
mod proposals;
mod render;
mod unchanged;
mod uses;
mod waivers;

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use treaty_core::Workspace;
use treaty_core::check::{self, Baseline, Facts, Found, Outcome, Standing, baseline};
use treaty_core::governance;
use treaty_core::impact::affected_consumers;
use treaty_core::model::{CalendarDate, ChangeKind, Interface};

use crate::diff::{self, JsonChange};
use crate::fs_source::FsSource;
use crate::git_renames;
use crate::git_source::{GitTree, place};

pub use history::HistoryReport;
pub use pacts::{PactReport, RULE as PACT_BROKEN};
pub use proposals::{Known, ProposalStanding};
pub use render::{markdown, text};
pub use uses::RULE as USE_GONE;

/// Earlier versions compared under a transitive policy, unless
/// `--max-history` says otherwise.
pub const DEFAULT_MAX_HISTORY: usize = 1_000;

/// What the command line asks of a check.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--transitive`: every policy is checked as its transitive form.
    pub all_transitive: bool,
    /// `--max-history`: earlier versions compared at most, per interface.
    pub max_history: usize,
    /// The day governance is judged on (freezes).
    pub today: jiff::civil::Date,
    /// `--broker`: the proposals are the broker's, not `proposals/`.
    pub broker: Option<crate::broker::Broker>,
}

#[derive(Serialize)]
pub struct InterfaceReport {
    pub id: String,
    /// The team that owns it (what `treaty propose` names as proposer).
    #[serde(skip)]
    pub producer: Option<String>,
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
    /// The major version bump whose breaking changes against the base do
    /// not fail the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<check::Bump>,
    /// Transitive policies: which earlier versions were compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryReport>,
    /// The reported changes by level.
    pub counts: check::Counts,
    pub changes: Vec<CheckChange>,
    /// When it fails: who governance says must approve its breaking
    /// changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_approval: Option<NeedsApproval>,
    /// When it failed: what the workspace's change proposals say of its
    /// change set (the repository-only mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<proposals::ProposalStanding>,
    /// The waivers of the interface, judged on the day of the check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<check::waivers::JudgedWaiver>,
    /// What the consumers' Pact files said of the change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pacts: Vec<PactReport>,
    /// Not compared: the schema and every file it reaches are the same
    /// at the base (see `unchanged`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unchanged: bool,
}

/// The approvals a failing interface's breaking changes need.
#[derive(Debug, Clone, Serialize)]
pub struct NeedsApproval {
    /// The consumer teams the breaking changes touch.
    pub breaking_for: Vec<String>,
    /// Each requirement in words (`checkout (affected consumer)`).
    pub from: Vec<String>,
    /// The requirements themselves, for `treaty propose`.
    #[serde(skip)]
    pub required: governance::RequiredApprovals,
    /// The teams behind the affected consumers (consuming their
    /// interfaces, transitively), the producer left out: for the
    /// proposal's impact.
    #[serde(skip)]
    pub behind: Vec<String>,
}

/// A version of an interface a change was found against.
#[derive(Debug, Clone, Serialize)]
pub struct Against {
    /// The revision as named (the base as given, else the commit).
    pub revision: String,
    /// The commit it resolved to.
    pub commit: String,
    /// The interface's `versioning.current` there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One reported change.
#[derive(Serialize)]
pub struct CheckChange {
    #[serde(flatten)]
    pub change: JsonChange,
    /// The earlier version it was found against, when it was not found
    /// against the base (transitive policies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found_against: Option<Against>,
    /// What it does to the verdict: `fails`, `accepted` (a major version
    /// bump), `unused` (no consumer uses it), `allowed` (policy `none`),
    /// `waived` (an approved waiver), `approved` (a change proposal) or
    /// `harmless` (not breaking).
    pub standing: Standing,
    /// The waiver that let it through, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived_by: Option<String>,
}

/// Totals over every interface (the decision's own count, see
/// [`treaty_core::check::Summary`]).
pub type CheckSummary = treaty_core::check::Summary;

#[derive(Serialize)]
pub struct CheckReport {
    pub base: String,
    /// The commit the base resolved to.
    pub base_commit: String,
    pub interfaces: Vec<InterfaceReport>,
    pub summary: CheckSummary,
}

/// Compares every interface; `Err` when the workspace or the base cannot
/// be read at all. This gathers the facts (git, the comparisons) and
/// shapes the report; `treaty_core::check` decides.
pub fn check(dir: &Path, base: &str, options: &Options) -> Result<CheckReport, String> {
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
        options,
        gone: std::cell::OnceCell::new(),
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
        base_commit: run.git.resolved(),
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
    options: &'a Options,
    /// Files at the base the working tree no longer has (rename sources),
    /// read once when a schema is missing at the base.
    gone: std::cell::OnceCell<Vec<git_renames::Candidate>>,
}

/// The schema an interface had at the base, and where to read it.
pub(crate) struct OldVersion {
    /// The base, its workspace where the schema was.
    tree: GitTree,
    /// The schema's path in that workspace.
    entry: String,
    /// Protobuf only: the include directories declared then.
    include_paths: Vec<String>,
}

/// The comparisons of one interface with its earlier versions.
#[derive(Default)]
struct Compared {
    /// One report per version compared, with the version: the base first,
    /// then older ones, newest first.
    reports: Vec<(diff::JsonReport, Against)>,
    /// Why the base could not be compared.
    failed: Option<String>,
    /// Transitive policies: which earlier versions were compared.
    history: Option<HistoryReport>,
    /// What the consumers' Pact files said of the change.
    pacts: Vec<PactReport>,
}

/// `versioning.current` as declared, whatever the scheme.
fn declared(interface: Option<&Interface>) -> Option<String> {
    let current = interface?.versioning.as_ref()?.current.as_ref()?;
    Some(current.value.clone())
}

impl Run<'_> {
    /// Checks one interface: its report, and the decision it shows.
    fn interface(&self, interface: &Interface) -> (InterfaceReport, check::InterfaceCheck) {
        let compatibility = self.ws.effective_compatibility(interface);
        let policy = compatibility.policy();
        let shown = if self.options.all_transitive {
            compatibility.transitive()
        } else {
            compatibility
        };
        let schema = interface.schema.value.clone();
        let then = self.base_ws.interface(&interface.id.value).ok();
        let baseline = Baseline::new(
            baseline::semver_current(interface),
            then.and_then(baseline::semver_current),
        );
        let old = self.old_version(interface);
        let transitive = compatibility.is_transitive() || self.options.all_transitive;
        let unchanged = old
            .as_ref()
            .is_some_and(|old| self.unchanged(interface, old, transitive));
        let compared = match &old {
            // What the comparison would find: nothing, against the base.
            Some(_) if unchanged => Compared {
                reports: vec![(diff::JsonReport::default(), self.at_base(interface))],
                ..Compared::default()
            },
            Some(old) => self.compare(interface, old, transitive, &baseline),
            None => Compared::default(),
        };
        let (verdict, applied) = {
            let facts = if old.is_some() {
                Facts::Compared {
                    comparisons: compared.reports.iter().map(|r| found(&r.0)).collect(),
                    failed: compared.failed.clone(),
                    accepted: baseline.accepts(),
                }
            } else {
                Facts::NewAtBase {
                    schema: &schema,
                    base: self.base,
                }
            };
            let mut verdict = check::judge(policy, &facts);
            // The broker mode trusts authenticated decisions only: the
            // files' waivers are the repository-only mode's.
            let about = match &self.options.broker {
                None => waivers::from_files(self.ws, &interface.id.value),
                // Asked only of a failing interface: one request less for
                // every other. A broker that cannot be asked waives
                // nothing (the proposal standing then says why).
                Some(broker) if verdict.outcome.fails() => {
                    crate::broker::proposals::known_waivers(broker, &interface.id.value)
                        .unwrap_or_default()
                }
                Some(_) => Vec::new(),
            };
            let applied = waivers::apply(
                self.ws,
                interface,
                &about,
                &mut verdict,
                &facts,
                self.options.today,
            );
            (verdict, applied)
        };
        let message = match &verdict.outcome {
            Outcome::New { reason }
            | Outcome::Error { reason }
            | Outcome::Removed { reason, .. } => Some(reason.clone()),
            Outcome::Pass { .. } | Outcome::Fail { .. } => None,
        };
        let against: Vec<Against> = compared.reports.iter().map(|r| r.1.clone()).collect();
        let mut found: Vec<Vec<Option<JsonChange>>> = compared
            .reports
            .into_iter()
            .map(|r| r.0.changes.into_iter().map(Some).collect())
            .collect();
        let changes: Vec<CheckChange> = verdict
            .changes
            .iter()
            .zip(
                applied
                    .waived_by
                    .iter()
                    .cloned()
                    .chain(std::iter::repeat(None)),
            )
            .filter_map(|(k, waived_by)| {
                let change = found.get_mut(k.comparison)?.get_mut(k.position)?.take()?;
                Some(CheckChange {
                    change,
                    found_against: (k.comparison > 0)
                        .then(|| against.get(k.comparison).cloned())
                        .flatten(),
                    standing: k.standing,
                    waived_by,
                })
            })
            .collect();
        let base_schema = old
            .as_ref()
            .map(|o| o.tree.full(&o.entry))
            .filter(|full| *full != self.git.full(&schema))
            .map(|full| self.shown_path(full));
        let accepted_by = verdict
            .changes
            .iter()
            .any(|k| k.standing == Standing::Accepted)
            .then(|| baseline.bump.clone())
            .flatten();
        let mut verdict = verdict;
        let mut changes = changes;
        let (needs_approval, proposal) = if verdict.outcome.fails() {
            let affected = changes
                .iter()
                .filter(|c| c.standing == Standing::Fails)
                .flat_map(|c| c.change.affects.iter().flatten().cloned())
                .collect();
            let (needs, required) = self.needs_approval(interface, affected);
            let hash = proposals::change_set(interface, &changes);
            let found = match &self.options.broker {
                None => {
                    let about = proposals::from_files(self.ws, &interface.id.value);
                    proposals::standing(&about, interface, &hash, &required)
                }
                Some(broker) => {
                    match crate::broker::proposals::known(broker, &interface.id.value) {
                        Ok(about) => proposals::standing(&about, interface, &hash, &required),
                        Err(e) => crate::broker::proposals::unavailable(&hash, &e),
                    }
                }
            };
            if found.state == "approved" {
                // Exactly this change set is approved: it ships.
                for c in changes.iter_mut().filter(|c| c.standing == Standing::Fails) {
                    c.standing = Standing::Approved;
                }
                for k in verdict
                    .changes
                    .iter_mut()
                    .filter(|k| k.standing == Standing::Fails)
                {
                    k.standing = Standing::Approved;
                }
                verdict.outcome = Outcome::Pass {
                    notes: vec![found.detail.clone()],
                };
                (None, Some(found))
            } else {
                (Some(needs), Some(found))
            }
        } else {
            (None, None)
        };
        let report = InterfaceReport {
            id: interface.id.value.clone(),
            producer: interface.producer.as_ref().map(|p| p.value.clone()),
            kind: interface.kind.value.as_str(),
            policy: shown.as_str(),
            schema,
            status: verdict.outcome.status(),
            message,
            base_schema,
            consumers: None,
            accepted_by,
            history: compared.history,
            counts: verdict.counts,
            changes,
            needs_approval,
            proposal,
            waivers: applied.waivers,
            pacts: compared.pacts,
            unchanged,
        };
        (report, verdict)
    }

    /// The base, as the version `interface` is compared against.
    fn at_base(&self, interface: &Interface) -> Against {
        Against {
            revision: self.base.to_owned(),
            commit: self.git.resolved(),
            version: declared(self.base_ws.interface(&interface.id.value).ok()),
        }
    }

    /// Who must approve the failing changes of `interface`, by the
    /// workspace's governance on the day of the check.
    fn needs_approval(
        &self,
        interface: &Interface,
        affected: BTreeSet<String>,
    ) -> (NeedsApproval, governance::RequiredApprovals) {
        let governance = self.ws.governance();
        let subject = governance::Subject::of(interface, affected.clone());
        let required = governance::required_approvals(
            &governance,
            ChangeKind::Breaking,
            &subject,
            CalendarDate(self.options.today),
        );
        let behind = treaty_core::impact::teams_behind(
            &self.ws.interfaces,
            affected.iter().map(String::as_str),
        )
        .into_iter()
        .filter(|t| *t != subject.producer)
        .collect();
        let needs = NeedsApproval {
            behind,
            breaking_for: affected.into_iter().collect(),
            from: required
                .requirements
                .iter()
                .map(governance::describe)
                .collect(),
            required: required.clone(),
        };
        (needs, required)
    }

    /// A path from the repository root as the report shows it: in the
    /// workspace when it is there.
    fn shown_path(&self, full: String) -> String {
        let prefix = self.git.prefix();
        match full.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) {
            Some(inside) if !prefix.is_empty() => inside.to_owned(),
            _ => full,
        }
    }

    /// Where `interface`'s schema was at the base: the path its interface
    /// file named then, when that file exists there (the schema moved);
    /// else the current path; else, when git renamed the file (the
    /// workspace moved, say), where the file came from. `None`: the
    /// schema is new.
    fn old_version(&self, interface: &Interface) -> Option<OldVersion> {
        let exists = |path: &str| treaty_core::WorkspaceSource::exists(&self.git, path);
        let at = |entry: &str, includes: Vec<String>| OldVersion {
            tree: self.git.clone(),
            entry: entry.to_owned(),
            include_paths: includes,
        };
        if let Ok(then) = self.base_ws.interface(&interface.id.value)
            && exists(&then.schema.value)
        {
            return Some(at(&then.schema.value, then.include_paths()));
        }
        let schema = &interface.schema.value;
        if exists(schema) {
            return Some(at(schema, interface.include_paths()));
        }
        let content = treaty_compat::DocumentSource::read(
            &self.source,
            schema,
            treaty_syntax::Limits::SCHEMA_FILE.max_bytes,
        )
        .ok()?;
        let gone = self.gone.get_or_init(|| {
            let root = self.git.root().to_owned();
            git_renames::files_where(self.git.repo(), self.git.tree_id(), &|p| {
                !root.join(p).exists()
            })
            .unwrap_or_default()
        });
        let source = git_renames::rename_source(self.git.repo(), &content, gone)?;
        let (prefix, entry) = place(self.git.prefix(), &source, schema);
        Some(OldVersion {
            tree: self.git.clone().with_prefix(prefix),
            entry,
            include_paths: interface.include_paths(),
        })
    }

    /// Judges an interface declared at the base and gone from the working
    /// tree, against the consumers it had there.
    fn removed(&self, interface: &Interface) -> (InterfaceReport, check::InterfaceCheck) {
        let compatibility = self.base_ws.effective_compatibility(interface);
        let shown = if self.options.all_transitive {
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
            producer: interface.producer.as_ref().map(|p| p.value.clone()),
            kind: interface.kind.value.as_str(),
            policy: shown.as_str(),
            schema: interface.schema.value.clone(),
            status: verdict.outcome.status(),
            message,
            base_schema: None,
            needs_approval: verdict.outcome.fails().then(|| {
                self.needs_approval(interface, consumers.iter().cloned().collect())
                    .0
            }),
            proposal: None,
            waivers: Vec::new(),
            consumers: Some(consumers),
            accepted_by: None,
            history: None,
            counts: verdict.counts,
            changes: Vec::new(),
            pacts: Vec::new(),
            unchanged: false,
        };
        (report, verdict)
    }

    /// Compares the working tree's schema with the base's (`old`), adds
    /// what consumers use and the new schema lacks and, when
    /// `transitive`, compares with the earlier versions the baseline
    /// admits (a transitive policy holds against them, not just the base).
    fn compare(
        &self,
        interface: &Interface,
        old: &OldVersion,
        transitive: bool,
        baseline: &Baseline,
    ) -> Compared {
        let policy = self.ws.effective_policy(interface);
        let spec = self.ws.diff_spec(interface);
        let includes = interface.include_paths();
        let current = treaty_compat::InterfaceVersion {
            source: &self.source,
            entry: &interface.schema.value,
            include_paths: &includes,
        };
        let diff_with = |tree: &GitTree, entry: &str| {
            let then = treaty_compat::InterfaceVersion {
                source: tree,
                entry,
                include_paths: &old.include_paths,
            };
            treaty_compat::diff_interface(&then, &current, &spec)
        };
        // A consumer whose pacts decide is concerned only by what they
        // found (`consumer-pact-broken`), not by its `uses`.
        let judged = pacts::judge(interface, old, &self.source, policy);
        let decided = &judged.decided;
        let report = |d: &treaty_compat::Diff| {
            diff::report_with(d, policy, &|c| {
                let mut teams = affected_consumers(interface, c, &d.operation_ids);
                teams.retain(|t| !decided.contains(t));
                Some(teams)
            })
        };
        let mut compared = Compared::default();
        let d = match diff_with(&old.tree, &old.entry) {
            Ok(d) => d,
            Err(e) => {
                compared.failed = Some(e.diagnostic.message.clone());
                return compared;
            }
        };
        let mut first = report(&d);
        first.changes.extend(
            uses::gone(self.ws, interface, old, &self.source, &d, policy)
                .into_iter()
                .filter(|c| !c.affects.iter().flatten().any(|t| decided.contains(t))),
        );
        first.changes.extend(judged.findings);
        compared.pacts = judged.reports;
        first.changes.sort_by_key(|c| c.level);
        compared.reports.push((first, self.at_base(interface)));
        if transitive {
            let walk = history::Walk {
                dir: self.dir,
                old,
                id: &interface.id.value,
                hint: &interface.schema.value,
                baseline,
                max: self.options.max_history,
            };
            let (earlier, mut history) = walk.earlier();
            for e in earlier {
                match diff_with(&e.tree, &e.entry) {
                    Ok(d) => {
                        history.compared += 1;
                        compared.reports.push((report(&d), e.against));
                    }
                    Err(err) => history.skip(e.against, err.diagnostic.message.clone()),
                }
            }
            compared.history = Some(history);
        }
        compared
    }
}

/// One comparison's changes, as the decision sees them.
fn found(report: &diff::JsonReport) -> Vec<Found<'_>> {
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
