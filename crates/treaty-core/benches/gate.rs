//! The release gate's decision on the size issue 13 asks of the broker: a
//! release of 500 scope items with 5 criteria each and 100,000 evidence
//! records (40 runs per criterion, over two versions of each component).
//! Prints the median and the 99th percentile of `gate::decide` (the pure
//! part of the API's answer; the broker adds reading the store).
//!
//! `cargo bench -p treaty-core --bench gate` (optionally `-- RUNS`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Instant;

use treaty_core::gate::{self, EvidenceRecord, EvidenceSubject, GateInput};
use treaty_core::{MemorySource, load};
use treaty_evidence::{Entry, Measurement, Report, ReportFormat};

const ITEMS: usize = 500;
const CRITERIA: usize = 5;
const RECORDS: usize = 100_000;

fn release() -> String {
    let mut y = String::from(
        "id: big\nmilestones: {feature_freeze: 2027-01-08, code_freeze: 2027-01-15, ship: 2027-01-22}\nscope:\n",
    );
    for i in 0..ITEMS {
        let _ = writeln!(
            y,
            "  - id: item-{i}\n    title: Item {i}\n    owner: team-{}",
            i % 20
        );
        if i % 3 == 0 {
            y.push_str("    essential: false\n");
        }
        if i > 0 && i % 7 == 0 {
            let _ = writeln!(
                y,
                "    depends_on: [{{item: item-{}, variability: medium}}]",
                i - 1
            );
        }
        y.push_str("    done:\n");
        for c in 0..CRITERIA {
            let _ = writeln!(
                y,
                "      - {{id: c{c}, description: criterion, evidence: {{kind: benchmark, source: bench-{i}-{c}}}, threshold: {{metric: p99_latency, max: 100, unit: ms}}}}"
            );
        }
    }
    y
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let mut ws = MemorySource::new();
    let mut teams = String::from("version: 1\norganization: {id: big, name: Big}\nteams:\n");
    for t in 0..20 {
        let _ = writeln!(teams, "  - {{id: team-{t}, name: Team {t}}}");
    }
    ws.insert("treaty.yaml", teams);
    ws.insert("releases/big.yaml", release());
    let (loaded, diags) = load(&ws);
    assert!(diags.is_empty(), "{diags:?}");
    let release = &loaded.releases[0];
    let governance = loaded.workspace.as_ref().unwrap().governance.clone();
    let start: jiff::Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
    let evidence: Vec<EvidenceRecord> = (0..RECORDS)
        .map(|n| {
            let item = n % ITEMS;
            let c = (n / ITEMS) % CRITERIA;
            EvidenceRecord {
                subject: EvidenceSubject::Criterion {
                    item: format!("item-{item}"),
                    criterion: format!("c{c}"),
                },
                component: Some(format!("component-{}", item % 50)),
                version: Some(if n % 2 == 0 { "1.0.0" } else { "1.1.0" }.to_owned()),
                recorded_at: start
                    .checked_add(jiff::SignedDuration::from_secs(n as i64))
                    .unwrap(),
                origin: format!("run {n}"),
                report: Report {
                    format: ReportFormat::Metrics,
                    entries: vec![Entry {
                        name: Some(format!("bench-{item}-{c}")),
                        metrics: [(
                            "p99_latency".to_owned(),
                            Measurement {
                                value: (n % 120) as f64,
                                unit: Some("ms".into()),
                            },
                        )]
                        .into(),
                    }],
                },
            }
        })
        .collect();
    let shipping: BTreeMap<String, String> = (0..50)
        .map(|i| (format!("component-{i}"), "1.1.0".to_owned()))
        .collect();
    let input = GateInput {
        release,
        releases: &loaded.releases,
        governance: &governance,
        interfaces: &[],
        environment: "production",
        shipping: &shipping,
        evidence: &evidence,
        proposals: &[],
        waivers: &[],
        blockers: &[],
        overrides: &[],
        now: "2027-01-20T12:00:00Z".parse().unwrap(),
    };
    let first = gate::decide(&input);
    assert_eq!(first.items.len(), ITEMS);
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let v = gate::decide(&input);
            let elapsed = t.elapsed().as_secs_f64() * 1e3;
            assert_eq!(v.decision, first.decision);
            elapsed
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "gate::decide, {ITEMS} items x {CRITERIA} criteria, {RECORDS} records, {runs} runs: median {:.1} ms, p99 {:.1} ms ({} blocking reasons)",
        at(0.5),
        at(0.99),
        first.blocking().count()
    );
}
