//! Approval rules as data: every case in `tests/data/governance/cases.yaml`
//! (a governance section, one change, the decisions so far) against the
//! approvers and the verdict it expects.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use treaty_core::governance::{Decision, Subject, Verdict, describe, required_approvals, verdict};
use treaty_core::model::{CalendarDate, ChangeKind, Governance};
use treaty_syntax::{Limits, SourceMap, from_node, parse};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    governance: Governance,
    kind: ChangeKind,
    producer: String,
    affected: BTreeSet<String>,
    consumers: BTreeSet<String>,
    today: CalendarDate,
    #[serde(default)]
    decisions: Vec<(String, String)>,
    approvers: Vec<String>,
    verdict: String,
}

fn words(v: &Verdict) -> String {
    match v {
        Verdict::Approved => "approved".to_owned(),
        Verdict::Rejected { by } => format!("rejected by {}", by.join(", ")),
        Verdict::Pending { missing } => format!(
            "pending: {}",
            missing.iter().map(describe).collect::<Vec<_>>().join("; ")
        ),
    }
}

#[test]
fn approval_rules_as_data() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/governance/cases.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut sources = SourceMap::default();
    let id = sources.add(path.display().to_string(), text.clone());
    let node = parse(&text, id, &Limits::default()).unwrap_or_else(|e| panic!("{e:?}"));
    let cases: Vec<Case> = from_node(&node).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let subject = Subject {
            producer: case.producer.clone(),
            affected_consumers: case.affected.clone(),
            consumers: case.consumers.clone(),
        };
        let required = required_approvals(&case.governance, case.kind, &subject, case.today);
        let approvers: Vec<String> = required.requirements.iter().map(describe).collect();
        let decisions: Vec<(String, Decision)> = case
            .decisions
            .iter()
            .map(|(team, d)| {
                let d = match d.as_str() {
                    "approve" => Decision::Approve,
                    "reject" => Decision::Reject,
                    other => panic!("{}: unknown decision {other}", case.name),
                };
                (team.clone(), d)
            })
            .collect();
        let got = words(&verdict(&required, &decisions));
        if approvers != case.approvers || got != case.verdict {
            failures.push(format!(
                "{}\n  approvers: {approvers:?}\n  expected:  {:?}\n  verdict:   {got}\n  expected:  {}",
                case.name, case.approvers, case.verdict
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
