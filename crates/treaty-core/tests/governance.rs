//! Approval rules as data: every case in `tests/data/governance/cases.yaml`
//! (a governance section, one change, the decisions so far) against the
//! approvers and the verdict it expects.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use treaty_core::governance::{
    Decision, Subject, Verdict, approved_at, describe, required_approvals, verdict,
};
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

fn governance(yaml: &str) -> Governance {
    let mut sources = SourceMap::default();
    let id = sources.add("treaty.yaml".to_owned(), yaml.to_owned());
    let node = parse(yaml, id, &Limits::default()).unwrap_or_else(|e| panic!("{e:?}"));
    from_node(&node).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn a_change_is_approved_at_the_decision_that_completes_its_approvals() {
    let rules = governance(
        "steering_group: [platform, payments, checkout]
quorum: 2
approvals:
  - change: gate_override
    require: [steering_group, {team: platform}]
",
    );
    let at = |moment: &str| -> jiff::Timestamp { moment.parse().unwrap_or_else(|e| panic!("{e}")) };
    let decided = |list: &[(&str, Decision, &str)]| -> Vec<(String, Decision, jiff::Timestamp)> {
        list.iter()
            .map(|(team, d, moment)| ((*team).to_owned(), *d, at(moment)))
            .collect()
    };
    let when = |g: &Governance, list: &[(&str, Decision, &str)]| {
        approved_at(
            g,
            ChangeKind::GateOverride,
            &Subject::default(),
            &decided(list),
        )
    };
    // Payments alone is half the quorum and not platform; platform makes
    // both; checkout's approval after it changes nothing.
    assert_eq!(
        when(
            &rules,
            &[
                ("payments", Decision::Approve, "2027-01-16T09:00:00Z"),
                ("platform", Decision::Approve, "2027-01-17T10:30:00Z"),
                ("checkout", Decision::Approve, "2027-01-18T08:00:00Z"),
            ]
        ),
        Some(at("2027-01-17T10:30:00Z"))
    );
    // Never enough, or rejected before it was.
    assert_eq!(
        when(
            &rules,
            &[("platform", Decision::Approve, "2027-01-16T09:00:00Z")]
        ),
        None
    );
    assert_eq!(
        when(
            &rules,
            &[
                ("checkout", Decision::Reject, "2027-01-16T09:00:00Z"),
                ("platform", Decision::Approve, "2027-01-16T10:00:00Z"),
                ("payments", Decision::Approve, "2027-01-16T11:00:00Z"),
            ]
        ),
        None
    );
    // A kind of change nobody need approve never becomes approved.
    assert_eq!(
        when(
            &governance("steering_group: [platform]\n"),
            &[("platform", Decision::Approve, "2027-01-16T09:00:00Z")]
        ),
        None
    );
}
