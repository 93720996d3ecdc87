//! The release gate as data: every case in `tests/data/gate/*.yaml` is the
//! `examples/acme` workspace with some files replaced or added, the
//! evidence, blockers and overrides known, the versions shipped and the
//! time; it names the decision, the blocking reasons and item states it
//! expects, and the whole verdict is snapshotted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use treaty_core::check::waivers::KnownWaiver;
use treaty_core::escalation::{self, DueStep};
use treaty_core::gate::{
    self, EvidenceRecord, EvidenceSubject, GateInput, GateOverride, GateVerdict, ItemState,
    KnownProposal, OpenBlocker, Weight,
};
use treaty_core::governance::Decision;
use treaty_core::model::Severity;
use treaty_core::risk::{self, ItemRisk};
use treaty_core::{MemorySource, WorkspaceSource, load};
use treaty_evidence::{Entry, Measurement, Report, ReportFormat};
use treaty_syntax::{Limits, SourceMap, from_node, parse};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    now: String,
    #[serde(default = "production")]
    environment: String,
    #[serde(default = "first_release")]
    release: String,
    #[serde(default)]
    shipping: BTreeMap<String, String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    evidence: Vec<CaseEvidence>,
    /// Criteria (`item/criterion`) given passing evidence for the version
    /// shipped, so that a case only spells out what it is about.
    #[serde(default)]
    passing: Vec<String>,
    #[serde(default)]
    blockers: Vec<CaseBlocker>,
    #[serde(default)]
    overrides: Vec<CaseOverride>,
    expect: String,
    #[serde(default)]
    blocking: Vec<String>,
    #[serde(default)]
    items: BTreeMap<String, String>,
    /// Expected risk levels of some scope items.
    #[serde(default)]
    risk: BTreeMap<String, String>,
    /// The escalation steps due at later moments, on the same facts.
    #[serde(default)]
    timeline: Vec<Moment>,
}

fn production() -> String {
    "production".into()
}

fn first_release() -> String {
    "2027-01".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseEvidence {
    #[serde(default)]
    criterion: Option<String>,
    #[serde(default)]
    slo: Option<String>,
    #[serde(default)]
    component: Option<String>,
    #[serde(default)]
    version: Option<String>,
    at: String,
    #[serde(default)]
    entry: Option<String>,
    metrics: BTreeMap<String, CaseMetric>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseMetric {
    value: f64,
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseBlocker {
    id: String,
    severity: Severity,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    deadline: Option<String>,
}

/// The escalation steps due at a moment: `KEY TO` each.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Moment {
    at: String,
    due: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseOverride {
    id: String,
    environment: String,
    #[serde(default)]
    decisions: Vec<(String, String)>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `examples/acme` in memory.
fn acme() -> MemorySource {
    let mut ws = MemorySource::new();
    let base = root().join("examples/acme");
    for dir in [
        ".",
        "teams",
        "interfaces",
        "releases",
        "schemas",
        "expectations",
    ] {
        let Ok(entries) = std::fs::read_dir(base.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_file() {
                let name = e.file_name().to_string_lossy().into_owned();
                let rel = if dir == "." {
                    name
                } else {
                    format!("{dir}/{name}")
                };
                let bytes = std::fs::read(e.path()).unwrap_or_else(|e| panic!("{rel}: {e}"));
                ws.insert(rel, bytes);
            }
        }
    }
    ws
}

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap_or_else(|e| panic!("`{s}`: {e}"))
}

fn decisions(list: &[(String, String)]) -> Vec<(String, Decision)> {
    list.iter()
        .map(|(t, d)| {
            (
                t.clone(),
                Decision::parse(d).unwrap_or_else(|| panic!("decision {d}")),
            )
        })
        .collect()
}

fn run(case: &Case, now: &str) -> (GateVerdict, Vec<ItemRisk>, Vec<DueStep>) {
    let mut source = acme();
    for (path, text) in &case.files {
        source.insert(path.clone(), text.clone().into_bytes());
    }
    let source = if case.remove.is_empty() {
        source
    } else {
        let mut kept = MemorySource::new();
        for dir in [
            ".",
            "teams",
            "interfaces",
            "releases",
            "proposals",
            "waivers",
        ] {
            for name in source.list(dir).unwrap_or_default() {
                let rel = if dir == "." {
                    name
                } else {
                    format!("{dir}/{name}")
                };
                if !case.remove.contains(&rel) {
                    let bytes = treaty_core::DocumentSource::read(&source, &rel, 1 << 24)
                        .unwrap_or_else(|e| panic!("{rel}: {e:?}"));
                    kept.insert(rel, bytes);
                }
            }
        }
        kept
    };
    let (ws, diagnostics) = load(&source);
    assert!(diagnostics.is_empty(), "{}: {diagnostics:#?}", case.about);
    let governance = ws
        .workspace
        .as_ref()
        .map(|w| w.governance.clone())
        .unwrap_or_default();
    let release = ws
        .releases
        .iter()
        .find(|r| r.id.value == case.release)
        .unwrap_or_else(|| panic!("no release {}", case.release));
    let mut evidence: Vec<EvidenceRecord> = case.evidence.iter().map(record).collect();
    for c in &case.passing {
        let (item, criterion) = c.split_once('/').unwrap_or_else(|| panic!("`{c}`"));
        let crit = release
            .scope
            .iter()
            .find(|i| i.id.value == item)
            .and_then(|i| i.done.iter().find(|d| d.id.value == criterion))
            .unwrap_or_else(|| panic!("no criterion {c}"));
        let t = &crit
            .threshold
            .as_ref()
            .unwrap_or_else(|| panic!("{c}"))
            .value;
        let value = t.min.or(t.max).unwrap_or(0.0);
        let name = crit.evidence.as_ref().map(|e| e.source.clone());
        evidence.push(EvidenceRecord {
            subject: EvidenceSubject::Criterion {
                item: item.into(),
                criterion: criterion.into(),
            },
            component: None,
            version: None,
            recorded_at: at("2027-01-01T00:00:00Z"),
            origin: format!("passing {c}"),
            report: Report {
                format: ReportFormat::Metrics,
                entries: vec![Entry {
                    name,
                    metrics: [(
                        t.metric.clone(),
                        Measurement {
                            value,
                            unit: t.unit.clone(),
                        },
                    )]
                    .into(),
                }],
            },
        });
    }
    let proposals: Vec<KnownProposal> = ws.proposals.iter().map(KnownProposal::from_file).collect();
    let waivers: Vec<KnownWaiver> = ws.waivers.iter().map(KnownWaiver::from_file).collect();
    let blockers: Vec<OpenBlocker> = case
        .blockers
        .iter()
        .map(|b| OpenBlocker {
            id: b.id.clone(),
            title: format!("{} is broken", b.id),
            severity: b.severity,
            item: b.item.clone(),
            team: b.team.clone().unwrap_or_else(|| {
                b.item
                    .as_ref()
                    .and_then(|i| release.scope.iter().find(|s| &s.id.value == i))
                    .and_then(|s| s.owner.as_ref())
                    .map_or_else(|| "platform".to_owned(), |o| o.value.clone())
            }),
            deadline: b.deadline.as_deref().map(at),
        })
        .collect();
    let overrides: Vec<GateOverride> = case
        .overrides
        .iter()
        .map(|o| GateOverride {
            id: o.id.clone(),
            environment: o.environment.clone(),
            reason: "the steering group accepts the risk".into(),
            decisions: decisions(&o.decisions),
        })
        .collect();
    let input = GateInput {
        release,
        releases: &ws.releases,
        governance: &governance,
        interfaces: &ws.interfaces,
        environment: &case.environment,
        shipping: &case.shipping,
        evidence: &evidence,
        proposals: &proposals,
        waivers: &waivers,
        blockers: &blockers,
        overrides: &overrides,
        now: at(now),
    };
    let verdict = gate::decide(&input);
    let risk = risk::assess(&input, &verdict);
    let due = escalation::due_steps(
        &escalation::escalations(&input, &verdict),
        &ws.teams,
        input.now,
    );
    (verdict, risk, due)
}

fn step_word(d: &DueStep) -> String {
    format!("{} {}", d.key, d.to)
}

fn record(e: &CaseEvidence) -> EvidenceRecord {
    let subject = match (&e.criterion, &e.slo) {
        (Some(c), None) => {
            let (item, criterion) = c.split_once('/').unwrap_or_else(|| panic!("`{c}`"));
            EvidenceSubject::Criterion {
                item: item.into(),
                criterion: criterion.into(),
            }
        }
        (None, Some(s)) => {
            let (interface, slo) = s.split_once('/').unwrap_or_else(|| panic!("`{s}`"));
            EvidenceSubject::Slo {
                interface: interface.into(),
                slo: slo.into(),
            }
        }
        _ => panic!("evidence names a criterion or an slo"),
    };
    let name = match &subject {
        EvidenceSubject::Slo { slo, .. } => Some(slo.clone()),
        EvidenceSubject::Criterion { .. } => e.entry.clone(),
    };
    EvidenceRecord {
        subject,
        component: e.component.clone(),
        version: e.version.clone(),
        recorded_at: at(&e.at),
        origin: format!("report of {}", e.at),
        report: Report {
            format: ReportFormat::Metrics,
            entries: vec![Entry {
                name,
                metrics: e
                    .metrics
                    .iter()
                    .map(|(k, m)| {
                        (
                            k.clone(),
                            Measurement {
                                value: m.value,
                                unit: m.unit.clone(),
                            },
                        )
                    })
                    .collect(),
            }],
        },
    }
}

fn state_word(s: &ItemState) -> String {
    match s {
        ItemState::Live => "live".into(),
        ItemState::Dark { flag } => format!("dark {flag}"),
        ItemState::Dropped => "dropped".into(),
        ItemState::Missing => "missing".into(),
    }
}

/// The verdict and the risk as a reviewer reads them.
fn render(v: &GateVerdict, risks: &[ItemRisk], due: &[DueStep]) -> String {
    let mut out = format!(
        "{} to {}: {}{}\n",
        v.release,
        v.environment,
        if v.is_go() { "GO" } else { "NO-GO" },
        v.overridden_by
            .as_ref()
            .map(|o| format!(" (overridden by {o})"))
            .unwrap_or_default()
    );
    for i in &v.items {
        out.push_str(&format!(
            "item {} ({}): {}\n",
            i.id,
            i.owner,
            state_word(&i.state)
        ));
        for c in &i.criteria {
            out.push_str(&format!(
                "  {} {}: {}\n",
                if c.met { "met  " } else { "unmet" },
                c.id,
                c.detail
            ));
        }
    }
    for r in &v.reasons {
        let w = match r.weight {
            Weight::Blocking => "BLOCKING",
            Weight::Warning => "warning",
            Weight::Info => "info",
        };
        out.push_str(&format!("{w} {} {}: {}\n", r.code, r.subject, r.message));
    }
    for r in risks {
        out.push_str(&format!(
            "risk {} {}: {}\n",
            r.item,
            r.level.as_str(),
            r.reasons.join("; ")
        ));
    }
    for d in due {
        out.push_str(&format!(
            "escalate {} to {} at {}: {}\n",
            d.key, d.to, d.due_at, d.escalation.message
        ));
    }
    out
}

#[test]
fn gate_cases_as_data() {
    let dir = root().join("tests/data/gate");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 40, "{} cases", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut sources = SourceMap::default();
        let id = sources.add(name.clone(), text.clone());
        let node = parse(&text, id, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let case: Case = from_node(&node).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let (verdict, risks, due) = run(&case, &case.now);
        for moment in &case.timeline {
            let (_, _, later) = run(&case, &moment.at);
            let got: Vec<String> = later.iter().map(step_word).collect();
            if got != moment.due {
                failures.push(format!(
                    "{name}: at {} the steps due are {got:?}, expected {:?}",
                    moment.at, moment.due
                ));
            }
        }
        for (item, want) in &case.risk {
            let got = risks
                .iter()
                .find(|r| &r.item == item)
                .map_or("absent", |r| r.level.as_str());
            if got != want {
                failures.push(format!("{name}: risk of {item} is {got}, expected {want}"));
            }
        }
        let decision = if verdict.is_go() { "go" } else { "no-go" };
        if decision != case.expect {
            failures.push(format!("{name}: expected {}, got {decision}", case.expect));
        }
        for r in &verdict.reasons {
            if !gate::CODES.contains(&r.code) {
                failures.push(format!("{name}: code `{}` is not in gate::CODES", r.code));
            }
        }
        // What a broker sends reads back as the same verdict.
        let json = serde_json::to_string(&verdict).unwrap_or_default();
        match serde_json::from_str::<GateVerdict>(&json) {
            Ok(back) if back == verdict => {}
            other => failures.push(format!("{name}: the verdict does not read back: {other:?}")),
        }
        let blocking: Vec<String> = verdict
            .blocking()
            .map(|r| format!("{} {}", r.code, r.subject))
            .collect();
        if blocking != case.blocking {
            failures.push(format!(
                "{name}: blocking reasons {blocking:?}, expected {:?}",
                case.blocking
            ));
        }
        for (item, want) in &case.items {
            let got = verdict
                .items
                .iter()
                .find(|i| &i.id == item)
                .map(|i| state_word(&i.state))
                .unwrap_or_else(|| "absent".into());
            if &got != want {
                failures.push(format!("{name}: item {item} is {got}, expected {want}"));
            }
        }
        insta::with_settings!({ description => case.about.clone(), omit_expression => true }, {
            insta::assert_snapshot!(name.clone(), render(&verdict, &risks, &due));
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
