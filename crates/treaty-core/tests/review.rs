//! The post-release review's unplanned coordination index with the
//! broker's records: this release's escalations and overrides count in
//! its index and timeline, the previous release's in the previous index,
//! and neither in the other's; a proposal read from wherever counts as
//! a file's would.

use treaty_core::MemorySource;
use treaty_core::governance::Decision;
use treaty_core::model::CalendarDate;
use treaty_core::model::{Governance, Release};
use treaty_core::review::{Decided, ProposalRecord, Recorded, ReviewInput, Revision, review};

const RELEASE: &str = "id: ID
name: A train
status: shipped
milestones:
  feature_freeze: 2027-01-08
  code_freeze: 2027-01-15
  ship: SHIP
scope:
  - id: an-item
    title: An item
    owner: team-a
    done:
      - id: tests-pass
        description: Tests pass.
        evidence: {kind: junit, source: reports/*.xml}
        threshold: {metric: pass_rate, min: 1.0}
";

fn release(id: &str, ship: &str) -> Release {
    let mut source = MemorySource::new();
    source.insert("treaty.yaml", Vec::new());
    source.insert(
        "releases/r.yaml",
        RELEASE.replace("ID", id).replace("SHIP", ship).into_bytes(),
    );
    let (ws, diags) = treaty_core::load(&source);
    ws.releases
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{diags:?}"))
}

fn at(moment: &str) -> jiff::Timestamp {
    moment.parse().unwrap_or_else(|e| panic!("{moment}: {e}"))
}

fn recorded(moment: &str, what: &str) -> Recorded {
    Recorded {
        at: at(moment),
        what: what.to_owned(),
    }
}

#[test]
fn each_release_counts_its_own_escalations_and_overrides() {
    let (december, january) = (
        release("2026-12", "2026-12-18"),
        release("2027-01", "2027-01-22"),
    );
    let ours = [Revision {
        at: at("2027-01-02T10:00:00Z"),
        commit: "aaaa",
        release: &january,
    }];
    let theirs = [Revision {
        at: at("2026-12-01T10:00:00Z"),
        commit: "bbbb",
        release: &december,
    }];
    let governance = Governance::default();
    let escalations = [
        recorded(
            "2027-01-16T00:01:00.250Z",
            "escalation step `a#1` sent to x",
        ),
        recorded("2027-01-17T00:01:00Z", "escalation step `a#2` sent to y"),
    ];
    let overrides = [recorded("2027-01-21T09:00:00Z", "override o-1")];
    let previous_escalations = [recorded("2026-12-15T00:00:00Z", "escalation step `b#1`")];
    // A proposal read from the broker, for January, approved the day
    // before it shipped; another for a release not reviewed here.
    let day = |d: &str| CalendarDate(d.parse().unwrap_or_else(|e| panic!("{d}: {e}")));
    let proposal = |id: &str, target: &str| ProposalRecord {
        id: id.to_owned(),
        interface: "some-api".to_owned(),
        target_release: Some(target.to_owned()),
        decisions: vec![Decided {
            team: "team-b".to_owned(),
            decision: Decision::Approve,
            on: day("2027-01-21"),
        }],
    };
    let proposals = [proposal("cp-1", "2027-01"), proposal("cp-2", "2027-03")];
    let input = ReviewInput {
        revisions: &ours,
        previous: &theirs,
        governance: &governance,
        proposals: &proposals,
        waivers: &[],
        escalations: &escalations,
        overrides: &overrides,
        previous_escalations: &previous_escalations,
        previous_overrides: &[],
    };
    let r = review(&input).unwrap_or_else(|| panic!("no review"));
    assert_eq!(
        (
            r.index.escalations,
            r.index.overrides,
            r.index.late_approvals,
            r.index.total
        ),
        (2, 1, 1, 4)
    );
    let (previous, index) = r.previous_index.unwrap_or_else(|| panic!("no previous"));
    assert_eq!(previous, "2026-12");
    assert_eq!((index.escalations, index.overrides, index.total), (1, 0, 1));
    let timeline: Vec<(&str, &str, bool)> = r
        .timeline
        .iter()
        .map(|e| (e.on.as_str(), e.kind, e.unplanned))
        .collect();
    // In order, each to the second, each unplanned.
    assert_eq!(
        timeline,
        [
            ("2027-01-16T00:01:00Z", "escalation", true),
            ("2027-01-17T00:01:00Z", "escalation", true),
            ("2027-01-21", "approval", true),
            ("2027-01-21T09:00:00Z", "override", true),
        ]
    );
    assert!(
        r.lessons
            .iter()
            .any(|l| l.observation == "2 escalation(s) sent")
    );
}
