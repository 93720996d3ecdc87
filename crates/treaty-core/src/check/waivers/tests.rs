//! The waiver rules as a table: one failing interface, one waiver per
//! case, and what the check says after it.

use std::collections::BTreeSet;

use treaty_compat::{Level, Policy};

use super::*;
use crate::check::{Found, Outcome, judge};
use crate::model::{ApprovalRule, Approver};

fn day(s: &str) -> CalendarDate {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn waiver(
    rules: &[&str],
    expires: &str,
    state: ProposalState,
    approved_by: &[&str],
) -> KnownWaiver {
    KnownWaiver {
        id: "w-2".to_owned(),
        interface: "payments-api".to_owned(),
        rules: rules.iter().map(|r| (*r).to_owned()).collect(),
        expires: day(expires),
        state,
        decisions: approved_by
            .iter()
            .map(|t| ((*t).to_owned(), Decision::Approve))
            .collect(),
    }
}

struct Case {
    name: &'static str,
    waiver: KnownWaiver,
    today: &'static str,
    /// The waiver's state, the standings of the two breaking changes
    /// (`enum-value-removed`, `operation-removed`) and whether the check
    /// still fails.
    state: WaiverState,
    standings: [Standing; 2],
    fails: bool,
}

#[test]
fn waivers_as_a_table() {
    use ProposalState::*;
    use Standing::{Fails, Waived};
    let cases = [
        Case {
            name: "approved by the producer, in force: its rule is waived",
            waiver: waiver(&["enum-value-removed"], "2027-01-31", Open, &["payments"]),
            today: "2027-01-31",
            state: WaiverState::Approved,
            standings: [Waived, Fails],
            fails: true,
        },
        Case {
            name: "both rules waived: the check passes",
            waiver: waiver(
                &["enum-value-removed", "operation-removed"],
                "2027-01-31",
                Approved,
                &["payments"],
            ),
            today: "2027-01-01",
            state: WaiverState::Approved,
            standings: [Waived, Waived],
            fails: false,
        },
        Case {
            name: "not approved yet",
            waiver: waiver(
                &["enum-value-removed", "operation-removed"],
                "2027-01-31",
                Open,
                &[],
            ),
            today: "2027-01-01",
            state: WaiverState::Pending,
            standings: [Fails, Fails],
            fails: true,
        },
        Case {
            name: "a consumer's approval is not the producer's",
            waiver: waiver(&["enum-value-removed"], "2027-01-31", Open, &["checkout"]),
            today: "2027-01-01",
            state: WaiverState::Pending,
            standings: [Fails, Fails],
            fails: true,
        },
        Case {
            name: "expired the day after its last day",
            waiver: waiver(
                &["enum-value-removed", "operation-removed"],
                "2027-01-31",
                Open,
                &["payments"],
            ),
            today: "2027-02-01",
            state: WaiverState::Expired,
            standings: [Fails, Fails],
            fails: true,
        },
        Case {
            name: "withdrawn",
            waiver: waiver(
                &["enum-value-removed", "operation-removed"],
                "2027-01-31",
                Withdrawn,
                &["payments"],
            ),
            today: "2027-01-01",
            state: WaiverState::Closed,
            standings: [Fails, Fails],
            fails: true,
        },
        Case {
            name: "a draft asks nobody",
            waiver: waiver(&["enum-value-removed"], "2027-01-31", Draft, &["payments"]),
            today: "2027-01-01",
            state: WaiverState::Pending,
            standings: [Fails, Fails],
            fails: true,
        },
        Case {
            name: "a rule that does not fail here waives nothing",
            waiver: waiver(&["type-changed"], "2027-01-31", Open, &["payments"]),
            today: "2027-01-01",
            state: WaiverState::Approved,
            standings: [Fails, Fails],
            fails: true,
        },
    ];
    let checkout = vec!["checkout".to_owned()];
    let facts = Facts::Compared {
        comparisons: vec![vec![
            Found {
                rule: "enum-value-removed",
                message: "SEK removed",
                level: Level::Breaking,
                affects: &checkout,
            },
            Found {
                rule: "operation-removed",
                message: "GET /payments removed",
                level: Level::Breaking,
                affects: &checkout,
            },
        ]],
        failed: None,
        accepted: None,
    };
    let governance = Governance::default();
    let consumers: BTreeSet<String> = checkout.iter().cloned().collect();
    for case in cases {
        let mut check = judge(Policy::Backward, &facts);
        let context = Context {
            interface: "payments-api",
            governance: &governance,
            producer: "payments",
            consumers: &consumers,
            today: day(case.today),
        };
        let applied = apply(&mut check, &facts, &[case.waiver], &context);
        let judged = &applied.waivers;
        assert_eq!(judged.len(), 1, "{}", case.name);
        assert_eq!(
            judged[0].state, case.state,
            "{}: {}",
            case.name, judged[0].detail
        );
        let standings: Vec<Standing> = check.changes.iter().map(|k| k.standing).collect();
        assert_eq!(standings, case.standings, "{}", case.name);
        assert_eq!(check.outcome.fails(), case.fails, "{}", case.name);
    }
}

#[test]
fn the_pass_note_names_the_waiver_and_its_expiry_and_an_expired_one_says_so() {
    let checkout = vec!["checkout".to_owned()];
    let facts = Facts::Compared {
        comparisons: vec![vec![Found {
            rule: "enum-value-removed",
            message: "SEK removed",
            level: Level::Breaking,
            affects: &checkout,
        }]],
        failed: None,
        accepted: None,
    };
    let governance = Governance::default();
    let consumers = BTreeSet::new();
    let mut context = Context {
        interface: "payments-api",
        governance: &governance,
        producer: "payments",
        consumers: &consumers,
        today: day("2027-01-31"),
    };
    let w = waiver(
        &["enum-value-removed"],
        "2027-01-31",
        ProposalState::Open,
        &["payments"],
    );
    let mut check = judge(Policy::Backward, &facts);
    let applied = apply(&mut check, &facts, std::slice::from_ref(&w), &context);
    assert_eq!(applied.waived_by, vec![Some("w-2".to_owned())]);
    let judged = &applied.waivers;
    assert_eq!(judged[0].waived, 1);
    assert_eq!(
        check.outcome,
        Outcome::Pass {
            notes: vec![
                "`enum-value-removed` (SEK removed) breaks checkout, waived by w-2 until 2027-01-31"
                    .to_owned()
            ]
        }
    );
    context.today = day("2027-02-01");
    let mut check = judge(Policy::Backward, &facts);
    let judged = apply(&mut check, &facts, &[w], &context).waivers;
    assert_eq!(judged[0].detail, "waiver w-2 expired on 2027-01-31");
    assert!(check.outcome.fails());
}

#[test]
fn governance_decides_who_approves_and_other_interfaces_waivers_are_ignored() {
    let checkout = vec!["checkout".to_owned()];
    let facts = Facts::Compared {
        comparisons: vec![vec![Found {
            rule: "enum-value-removed",
            message: "SEK removed",
            level: Level::Breaking,
            affects: &checkout,
        }]],
        failed: None,
        accepted: None,
    };
    let governance = Governance {
        approvals: vec![ApprovalRule {
            change: treaty_syntax::Spanned::new(
                ChangeKind::Waiver,
                treaty_syntax::Span::new(treaty_syntax::SourceId(0), 0, 0),
            ),
            require: vec![Approver::Producer, Approver::AffectedConsumers],
        }],
        ..Governance::default()
    };
    let consumers: BTreeSet<String> = checkout.iter().cloned().collect();
    let context = Context {
        interface: "payments-api",
        governance: &governance,
        producer: "payments",
        consumers: &consumers,
        today: day("2027-01-01"),
    };
    let producer_only = waiver(
        &["enum-value-removed"],
        "2027-01-31",
        ProposalState::Open,
        &["payments"],
    );
    let mut check = judge(Policy::Backward, &facts);
    let judged = apply(&mut check, &facts, &[producer_only], &context).waivers;
    assert_eq!(judged[0].state, WaiverState::Pending);
    assert!(
        judged[0].detail.contains("checkout (affected consumer)"),
        "{}",
        judged[0].detail
    );

    let mut elsewhere = waiver(
        &["enum-value-removed"],
        "2027-01-31",
        ProposalState::Open,
        &["payments", "checkout"],
    );
    elsewhere.interface = "catalog-api".to_owned();
    let judged = apply(&mut check, &facts, &[elsewhere], &context).waivers;
    assert!(judged.is_empty());
    assert!(check.outcome.fails());
}
