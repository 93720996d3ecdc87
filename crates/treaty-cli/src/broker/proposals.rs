//! Change proposals in the broker mode: `treaty propose`, `approve` and
//! `reject` with `--broker`, and what `treaty check --broker` asks of the
//! broker. The broker authenticates each decider; the check still judges
//! the decisions by the workspace's own governance.

use treaty_core::check::waivers::KnownWaiver;
use treaty_core::governance::{Decision, RequiredApprovals, Requirement};
use treaty_core::model::{CalendarDate, ProposalState};
use treaty_server::api;

use super::http::{Broker, Failure, Result, enc};
use crate::check::{InterfaceReport, Known, ProposalStanding};
use crate::cli::{DecideArgs, ProposeArgs};

/// The broker named by `--broker`/`TREATY_BROKER`, when one is.
pub fn chosen(url: &Option<String>, token: &Option<String>) -> Option<Broker> {
    url.as_ref().map(|url| Broker {
        url: url.clone(),
        token: token.clone(),
    })
}

/// Most proposals about one interface the check reads.
const MAX_READ: usize = 1_000;

/// The broker's proposals about `interface`, as the check sees them: each
/// with the decisions taken on its current change set; newest last.
pub fn known(broker: &Broker, interface: &str) -> Result<Vec<Known>> {
    list(broker, "breaking", interface)?
        .into_iter()
        .map(known_of)
        .collect()
}

/// The broker's proposals of `kind` about `interface`, newest last (at
/// most [`MAX_READ`]).
pub fn list(broker: &Broker, kind: &str, interface: &str) -> Result<Vec<api::Proposal>> {
    list_where(broker, kind, Some(interface))
}

/// The broker's proposals of `kind` about any interface, newest last (at
/// most [`MAX_READ`]).
pub fn list_all(broker: &Broker, kind: &str) -> Result<Vec<api::Proposal>> {
    list_where(broker, kind, None)
}

fn list_where(broker: &Broker, kind: &str, interface: Option<&str>) -> Result<Vec<api::Proposal>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/proposals?kind={}", enc(kind));
        if let Some(i) = interface {
            path.push_str(&format!("&interface={}", enc(i)));
        }
        if let Some(a) = &after {
            path.push_str(&format!("&after={}", enc(a)));
        }
        let page: api::Page<api::Proposal> = broker.get(&path)?;
        out.extend(page.items);
        match page.next {
            Some(next) if out.len() < MAX_READ => after = Some(next),
            _ => break,
        }
    }
    // The broker lists newest first.
    out.reverse();
    Ok(out)
}

/// The broker's waivers about `interface`, as the check sees them: each
/// with the decisions taken on its terms; oldest first.
pub fn known_waivers(broker: &Broker, interface: &str) -> Result<Vec<KnownWaiver>> {
    list(broker, "waiver", interface)?
        .into_iter()
        .map(|w| {
            let expires = w.expires.as_deref().unwrap_or_default();
            let expires: CalendarDate = expires.parse().map_err(|e| {
                Failure(format!(
                    "the broker's waiver {} has no readable last day: {e}",
                    w.id
                ))
            })?;
            let known = known_of(w.clone())?;
            Ok(KnownWaiver {
                id: w.id,
                interface: w.interface,
                rules: w.rules,
                expires,
                state: known.state,
                decisions: known.decisions,
            })
        })
        .collect()
}

fn known_of(p: api::Proposal) -> Result<Known> {
    let state = ProposalState::parse(&p.state).ok_or_else(|| {
        Failure(format!(
            "the broker says proposal {} is `{}`, a state this Treaty does not know",
            p.id, p.state
        ))
    })?;
    let decisions = p
        .decisions
        .iter()
        .filter(|d| d.change_set == p.change_set)
        .map(|d| {
            let decision = Decision::parse(&d.decision).ok_or_else(|| {
                Failure(format!(
                    "the broker says {} decided `{}` on {}, a decision this Treaty does not know",
                    d.team, d.decision, p.id
                ))
            })?;
            Ok((d.team.clone(), decision))
        })
        .collect::<Result<_>>()?;
    Ok(Known {
        id: p.id,
        change_set: p.change_set,
        state,
        decisions,
    })
}

/// The requirements on the wire.
pub fn required_wire(required: &RequiredApprovals) -> Vec<api::RequiredApproval> {
    required
        .requirements
        .iter()
        .map(|r| match r {
            Requirement::Team { team, role } => api::RequiredApproval::Team {
                team: team.clone(),
                role: role.id().to_owned(),
            },
            Requirement::Quorum { of, needed, freeze } => api::RequiredApproval::Quorum {
                of: of.clone(),
                needed: *needed,
                freeze: freeze.clone(),
            },
        })
        .collect()
}

fn failing_changes(found: &InterfaceReport) -> Vec<api::ProposedChange> {
    found
        .changes
        .iter()
        .filter(|c| c.standing == treaty_core::check::Standing::Fails)
        .map(|c| api::ProposedChange {
            rule: c.change.rule.to_owned(),
            message: c.change.message.clone(),
        })
        .collect()
}

fn impact(found: &InterfaceReport) -> api::Impact {
    let mut operations: Vec<String> = found
        .changes
        .iter()
        .filter(|c| c.standing == treaty_core::check::Standing::Fails)
        .flat_map(|c| c.change.operations.iter().cloned())
        .collect();
    operations.sort();
    operations.dedup();
    api::Impact {
        consumers: found
            .needs_approval
            .as_ref()
            .map(|n| n.breaking_for.clone())
            .unwrap_or_default(),
        operations,
        behind: found
            .needs_approval
            .as_ref()
            .map(|n| n.behind.clone())
            .unwrap_or_default(),
    }
}

/// `treaty propose --broker`: opens a proposal for the failing change set,
/// or, when the interface's live proposal covers another change set,
/// replaces that proposal's change set (its decisions then no longer
/// count, and the teams are asked again).
pub fn propose(
    broker: &Broker,
    args: &ProposeArgs,
    found: &InterfaceReport,
    standing: &ProposalStanding,
) -> Result<String> {
    let required = found
        .needs_approval
        .as_ref()
        .map(|n| required_wire(&n.required))
        .unwrap_or_default();
    let changes = failing_changes(found);
    let answered: api::Proposal = match (&standing.id, standing.state) {
        (Some(id), "other_change_set") => {
            let body = api::NewChangeSet {
                change_set: standing.change_set.clone(),
                changes,
                required,
                impact: impact(found),
                reason: args.reason.clone().unwrap_or_else(|| {
                    format!("the check now finds another change set: {}", args.title)
                }),
            };
            broker
                .call(
                    "PUT",
                    &format!("/api/v1/proposals/{}/change-set", enc(id)),
                    Some(&body),
                )?
                .1
        }
        _ => {
            let body = api::NewProposal {
                interface: found.id.clone(),
                kind: None,
                title: args.title.clone(),
                change_set: Some(standing.change_set.clone()),
                changes,
                required,
                impact: impact(found),
                reason: args.reason.clone(),
                rollback: Some(args.rollback.clone()),
                essential: args.essential,
                target_release: args.target_release.clone(),
                rules: Vec::new(),
                expires: None,
                draft: false,
            };
            broker.call("POST", "/api/v1/proposals", Some(&body))?.1
        }
    };
    Ok(format!(
        "{} for `{}` ({}) is {} in the broker\nneeds approval from {}: each team runs `treaty approve {} --broker …` with its own token{}",
        answered.id,
        answered.interface,
        answered.change_set,
        answered.state,
        answered.missing.join(", "),
        answered.id,
        logged(&answered),
    ))
}

fn logged(p: &api::Proposal) -> String {
    p.log
        .as_ref()
        .map(|l| format!("\nrecorded in the decision log at index {}", l.index))
        .unwrap_or_default()
}

/// `treaty approve|reject --broker`: the token's team decides, on the
/// change set given with `--change-set` or, without it, the one the
/// broker shows now.
pub fn decide(broker: &Broker, args: &DecideArgs, decision: &str) -> Result<String> {
    let path = format!("/api/v1/proposals/{}", enc(&args.proposal));
    let change_set = match &args.change_set {
        Some(c) => c.clone(),
        None => broker.get::<api::Proposal>(&path)?.change_set,
    };
    let body = api::NewProposalDecision {
        team: args.team.clone(),
        decision: decision.to_owned(),
        change_set: change_set.clone(),
        reason: args.reason.clone(),
    };
    let (_, p): (u16, api::Proposal) =
        broker.call("POST", &format!("{path}/decisions"), Some(&body))?;
    let still = if p.missing.is_empty() {
        String::new()
    } else {
        format!("; still needed: {}", p.missing.join(", "))
    };
    Ok(format!(
        "{} {} on change set {change_set}: it is {}{still}{}",
        past(decision),
        p.id,
        p.state,
        logged(&p)
    ))
}

/// The check's word when the broker could not be asked: the change stays
/// failing, and says why.
pub fn unavailable(hash: &str, e: &Failure) -> ProposalStanding {
    ProposalStanding {
        id: None,
        state: "unavailable",
        change_set: hash.to_owned(),
        detail: format!("the broker's proposals could not be read: {}", e.0),
    }
}

/// `treaty waive --broker`: asks the broker for a waiver of `rules` on
/// `interface` through `expires`, approved by whom governance says.
pub fn waive(
    broker: &Broker,
    interface: &str,
    rules: &[String],
    expires: &str,
    reason: &str,
    required: &RequiredApprovals,
) -> Result<String> {
    let body = api::NewProposal {
        interface: interface.to_owned(),
        kind: Some("waiver".to_owned()),
        title: format!(
            "Waive {} on {interface} through {expires}",
            rules.join(", ")
        ),
        change_set: None,
        changes: Vec::new(),
        required: required_wire(required),
        impact: api::Impact::default(),
        reason: Some(reason.to_owned()),
        rollback: None,
        essential: false,
        target_release: None,
        rules: rules.to_vec(),
        expires: Some(expires.to_owned()),
        draft: false,
    };
    let (_, w): (u16, api::Proposal) = broker.call("POST", "/api/v1/proposals", Some(&body))?;
    Ok(format!(
        "{} lets {} through on `{}` through {} once approved; it is {}\nneeds approval from {}{}",
        w.id,
        w.rules.join(", "),
        w.interface,
        w.expires.as_deref().unwrap_or(expires),
        w.state,
        w.missing.join(", "),
        logged(&w),
    ))
}

/// `treaty proposal open|withdraw|ship|roll-back --broker`.
pub fn move_state(broker: &Broker, id: &str, state: ProposalState, reason: &str) -> Result<String> {
    let body = api::NewProposalState {
        state: state.as_str().to_owned(),
        reason: reason.to_owned(),
    };
    let (_, p): (u16, api::Proposal) = broker.call(
        "POST",
        &format!("/api/v1/proposals/{}/state", enc(id)),
        Some(&body),
    )?;
    Ok(format!("{} is {}{}", p.id, p.state, logged(&p)))
}

/// `treaty proposal show --broker`: the proposal in words (or the
/// broker's JSON): what it changes, who must still approve, every
/// decision and move.
pub fn show(broker: &Broker, id: &str, format: &str) -> Result<String> {
    let p: api::Proposal = broker.get(&format!("/api/v1/proposals/{}", enc(id)))?;
    if format == "json" {
        return Ok(serde_json::to_string_pretty(&p)?);
    }
    let mut out = format!(
        "{} ({}) on `{}` by {}: {}\nstate: {}\nchange set: {}\n",
        p.id, p.kind, p.interface, p.proposer, p.title, p.state, p.change_set
    );
    for c in &p.changes {
        out.push_str(&format!("  {}  {}\n", c.rule, c.message));
    }
    if !p.rules.is_empty() {
        out.push_str(&format!(
            "waives: {} through {}\n",
            p.rules.join(", "),
            p.expires.as_deref().unwrap_or("?")
        ));
    }
    if !p.impact.consumers.is_empty() {
        out.push_str(&format!("breaks: {}\n", p.impact.consumers.join(", ")));
    }
    if !p.impact.behind.is_empty() {
        out.push_str(&format!("behind them: {}\n", p.impact.behind.join(", ")));
    }
    if let Some(reason) = &p.reason {
        out.push_str(&format!("why: {reason}\n"));
    }
    if !p.rollback.is_empty() {
        out.push_str(&format!("rollback: {}\n", p.rollback));
    }
    if !p.missing.is_empty() {
        out.push_str(&format!("still needed: {}\n", p.missing.join(", ")));
    }
    for d in &p.decisions {
        let stale = if d.change_set == p.change_set {
            ""
        } else {
            " (on an earlier change set: does not count)"
        };
        out.push_str(&format!(
            "  {} {}: {}{stale} [log {}]\n",
            d.team,
            past(&d.decision),
            d.reason,
            d.log_index
        ));
    }
    for t in &p.transitions {
        out.push_str(&format!(
            "  {} -> {} by {}: {} [log {}]\n",
            t.from, t.to, t.team, t.reason, t.log_index
        ));
    }
    Ok(out.trim_end().to_owned())
}

/// `approve` → `approved`, `reject` → `rejected`.
fn past(decision: &str) -> String {
    match decision {
        "approve" => "approved".to_owned(),
        "reject" => "rejected".to_owned(),
        other => other.to_owned(),
    }
}
