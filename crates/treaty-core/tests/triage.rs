//! Triage as data: every case in `tests/data/triage/cases.yaml` (a
//! governance section, the release's owning teams, a blocker, an action
//! and the team asking) against whether it is allowed.

use std::path::Path;

use serde::Deserialize;
use treaty_core::model::{Governance, Severity};
use treaty_core::triage::{
    Action, BlockerFacts, Caller, FixEvidence, Refusal, TriageContext, judge,
};
use treaty_syntax::{Limits, SourceMap, from_node, parse};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    governance: Governance,
    owners: Vec<String>,
    #[serde(default)]
    blocker: Option<CaseBlocker>,
    action: String,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    tracked: bool,
    #[serde(default)]
    fix: Option<CaseFix>,
    caller: String,
    #[serde(default)]
    admin: bool,
    expect: String,
    #[serde(default)]
    says: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseBlocker {
    owner: String,
    #[serde(default)]
    assignee: Option<String>,
    severity: Severity,
    #[serde(default)]
    tracked: bool,
    raised_at: String,
    #[serde(default = "yes")]
    open: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFix {
    recorded_at: String,
    #[serde(default)]
    fails: Option<String>,
}

fn at(s: &str, case: &str) -> jiff::Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("{case}: `{s}` is not a moment: {e}"))
}

#[test]
fn triage_as_data() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/triage/cases.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut sources = SourceMap::default();
    let id = sources.add(path.display().to_string(), text.clone());
    let node = parse(&text, id, &Limits::default()).unwrap_or_else(|e| panic!("{e:?}"));
    let cases: Vec<Case> = from_node(&node).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.name.as_str();
        let severity = || {
            case.severity
                .unwrap_or_else(|| panic!("{name}: `severity` is needed"))
        };
        let action = match case.action.as_str() {
            "raise" => Action::Raise {
                severity: severity(),
                tracked: case.tracked,
            },
            "assign" => Action::Assign,
            "set_severity" => Action::SetSeverity {
                to: severity(),
                tracked: case.tracked || case.blocker.as_ref().is_some_and(|b| b.tracked),
            },
            "resolve" => Action::Resolve {
                fix: case.fix.as_ref().map(|f| FixEvidence {
                    origin: "evidence evd_1".into(),
                    recorded_at: at(&f.recorded_at, name),
                    meets: f.fails.clone().map_or(Ok(()), Err),
                }),
            },
            "reopen" => Action::Reopen,
            other => panic!("{name}: unknown action {other}"),
        };
        let blocker = case.blocker.as_ref().map(|b| BlockerFacts {
            owner: &b.owner,
            assignee_team: b.assignee.as_deref(),
            severity: b.severity,
            tracked: b.tracked,
            raised_at: at(&b.raised_at, name),
            open: b.open,
        });
        let cx = TriageContext {
            governance: &case.governance,
            release_owners: &case.owners,
        };
        let caller = Caller {
            team: &case.caller,
            admin: case.admin,
        };
        let got = judge(&cx, blocker.as_ref(), &action, caller);
        let (kind, message) = match &got {
            Ok(()) => ("allowed", String::new()),
            Err(r @ Refusal::NotAllowed(_)) => ("not_allowed", r.to_string()),
            Err(r @ Refusal::Incomplete(_)) => ("incomplete", r.to_string()),
            Err(r @ Refusal::Conflict(_)) => ("conflict", r.to_string()),
        };
        let says = case.says.as_deref().is_none_or(|s| message.contains(s));
        if kind != case.expect || !says {
            failures.push(format!(
                "{name}\n  got:      {kind}: {message}\n  expected: {} {:?}",
                case.expect, case.says
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
