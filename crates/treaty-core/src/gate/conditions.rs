//! What stops a release besides its scope items: unapproved breaking
//! changes, open blockers, SLOs outside their objective, expired waivers,
//! freezes, unpaid debt; and the override that lets it ship anyway.

use std::collections::BTreeSet;

use super::criteria::{self, number};
use super::{Evidence, EvidenceSubject, GateInput, Reason, Weight};
use crate::governance::{self, Subject, Verdict};
use crate::model::{ChangeKind, DebtPolicy, ProposalState, Threshold};

fn push(
    reasons: &mut Vec<Reason>,
    weight: Weight,
    code: &'static str,
    subject: &str,
    message: String,
) {
    reasons.push(Reason {
        weight,
        code,
        subject: subject.to_owned(),
        message,
    });
}

/// Every breaking change meant for this release (by its target, else by
/// its interface) must have the approvals governance asks for today: a
/// freeze on today adds the steering group's quorum.
pub(super) fn proposals(input: &GateInput<'_>, reasons: &mut Vec<Reason>) {
    let ours = input.release_interfaces();
    let release = input.release.id.value.as_str();
    let today = input.today();
    for p in input.proposals {
        let meant = match &p.target_release {
            Some(target) => target == release,
            None => ours.contains(p.interface.as_str()),
        };
        if !meant
            || matches!(
                p.state,
                ProposalState::Withdrawn | ProposalState::RolledBack
            )
        {
            continue;
        }
        if p.state == ProposalState::Shipped {
            continue;
        }
        let subject = Subject::among(input.interfaces, &p.interface, p.affected.clone());
        let required =
            governance::required_approvals(input.governance, ChangeKind::Breaking, &subject, today);
        let verdict = if p.state == ProposalState::Draft {
            None
        } else {
            Some(governance::verdict(&required, &p.decisions))
        };
        let (weight, code, message) = match verdict {
            Some(Verdict::Approved) => (
                Weight::Info,
                "breaking-approved",
                format!("breaking change on `{}` approved", p.interface),
            ),
            Some(Verdict::Rejected { by }) => (
                Weight::Blocking,
                "breaking-unapproved",
                format!(
                    "breaking change on `{}` was rejected by {}: it may not ship",
                    p.interface,
                    by.join(", ")
                ),
            ),
            Some(Verdict::Pending { missing }) => (
                Weight::Blocking,
                "breaking-unapproved",
                format!(
                    "breaking change on `{}` still needs approval from {}",
                    p.interface,
                    missing
                        .iter()
                        .map(governance::describe)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            None => (
                Weight::Blocking,
                "breaking-unapproved",
                format!(
                    "breaking change on `{}` is a draft: open it and get its approvals",
                    p.interface
                ),
            ),
        };
        push(reasons, weight, code, &p.id, message);
    }
}

/// Open blockers: at or above the blocking severity they stop the release
/// (one of a scope item stops that item, which [`super::items`] weighs),
/// below it they are warnings.
pub(super) fn blockers(input: &GateInput<'_>, reasons: &mut Vec<Reason>) {
    let blocking = input.governance.gate.blocking_severity;
    for b in input.blockers {
        let late = match b.deadline {
            Some(d) if d < input.now => format!(", past its deadline {d}"),
            _ => String::new(),
        };
        let about = match &b.item {
            Some(item) => format!(" on `{item}`"),
            None => String::new(),
        };
        let message = format!(
            "{} blocker open{about}{late}: {}",
            b.severity.as_str(),
            b.title
        );
        let weight = if b.severity < blocking {
            Weight::Warning
        } else if b.item.is_some() {
            // The item's verdict decides: it may ship dark or be dropped.
            Weight::Info
        } else {
            Weight::Blocking
        };
        push(reasons, weight, "blocker-open", &b.id, message);
    }
}

/// The release's interfaces' SLOs, where a measurement was recorded: the
/// newest for the version being shipped must be within the objective.
pub(super) fn slos(input: &GateInput<'_>, evidence: &Evidence<'_>, reasons: &mut Vec<Reason>) {
    for id in input.release_interfaces() {
        let Some(interface) = input.interface(id) else {
            continue;
        };
        for slo in &interface.slos {
            let subject = EvidenceSubject::Slo {
                interface: id.to_owned(),
                slo: slo.name.clone(),
            };
            let picked =
                criteria::select(input, evidence.get(&subject).into_iter().flatten().copied());
            let Some(record) = picked.record else {
                continue;
            };
            let objective: &Threshold = &slo.objective.value;
            let name = format!("{id}/{}", slo.name);
            match criteria::measure(record, &slo.name, objective) {
                Ok(v) => push(
                    reasons,
                    Weight::Info,
                    "slo-met",
                    &name,
                    format!("{} = {} within objective", objective.metric, number(v)),
                ),
                Err((why, _)) => push(
                    reasons,
                    Weight::Blocking,
                    "slo-breached",
                    &name,
                    format!("SLO `{}`: {why}", slo.name),
                ),
            }
        }
    }
}

/// A waiver of a release interface that expired and was not withdrawn
/// stops the release: what it let through fails `treaty check` again. One
/// expiring before the ship date is a warning.
pub(super) fn waivers(input: &GateInput<'_>, reasons: &mut Vec<Reason>) {
    let ours: BTreeSet<&str> = input.release_interfaces();
    let today = input.today();
    let ship = input.release.milestones.ship.value;
    for w in input.waivers {
        if !ours.contains(w.interface.as_str())
            || w.state.is_closed()
            || matches!(w.state, ProposalState::Draft | ProposalState::Rejected)
        {
            continue;
        }
        if today > w.expires {
            push(
                reasons,
                Weight::Blocking,
                "waiver-expired",
                &w.id,
                format!(
                    "waiver of {} on `{}` expired on {}: fix what it let through and withdraw it, or renew it",
                    w.rules.join(", "),
                    w.interface,
                    w.expires
                ),
            );
        } else if w.expires < ship {
            push(
                reasons,
                Weight::Warning,
                "waiver-expiring",
                &w.id,
                format!(
                    "waiver on `{}` expires on {}, before the ship date {ship}",
                    w.interface, w.expires
                ),
            );
        }
    }
}

/// A freeze on today that does not allow compatible changes lets nothing
/// ship. (One that allows them still asks breaking changes for the
/// steering group's quorum, which [`proposals`] checks.)
pub(super) fn freezes(input: &GateInput<'_>, reasons: &mut Vec<Reason>) {
    let today = input.today();
    for f in &input.governance.freezes {
        if f.from.value <= today
            && today <= f.to.value
            && !f.allow.contains(&ChangeKind::Compatible)
        {
            push(
                reasons,
                Weight::Blocking,
                "freeze",
                &f.name,
                format!(
                    "freeze `{}` from {} to {}: nothing ships",
                    f.name, f.from.value, f.to.value
                ),
            );
        }
    }
}

/// Debt owed by this release, or by a release whose ship date has passed,
/// and not repaid: warned or blocking as governance says.
pub(super) fn debt(input: &GateInput<'_>, reasons: &mut Vec<Reason>) {
    let this = input.release.id.value.as_str();
    let today = input.today();
    let weight = match input.governance.gate.unpaid_debt {
        DebtPolicy::Warn => Weight::Warning,
        DebtPolicy::Block => Weight::Blocking,
    };
    for owing in input.releases {
        for d in owing.debt.iter().filter(|d| d.repaid.is_none()) {
            let due = d.repay_by.value.as_str();
            let overdue = input
                .releases
                .iter()
                .find(|r| r.id.value == due)
                .is_some_and(|r| r.milestones.ship.value < today);
            if due != this && !overdue {
                continue;
            }
            let owner = d.owner.as_ref().map_or("nobody", |o| o.value.as_str());
            let when = if due == this {
                "due in this release".to_owned()
            } else {
                format!("was due in {due}")
            };
            push(
                reasons,
                weight,
                "debt-unpaid",
                &d.id.value,
                format!(
                    "owed by {owner} since {} and {when}, not repaid: {}",
                    owing.id.value, d.description
                ),
            );
        }
    }
}

/// The first override for this environment approved as governance asks
/// for `gate_override`; pending ones are listed.
pub(super) fn overrides(input: &GateInput<'_>, reasons: &mut Vec<Reason>) -> Option<String> {
    let required = governance::required_approvals(
        input.governance,
        ChangeKind::GateOverride,
        &Subject::default(),
        input.today(),
    );
    let mut approved = None;
    for o in input
        .overrides
        .iter()
        .filter(|o| o.environment == input.environment)
    {
        match governance::verdict(&required, &o.decisions) {
            Verdict::Approved if required.requirements.is_empty() => push(
                reasons,
                Weight::Warning,
                "override-pending",
                &o.id,
                "governance names nobody who may approve a gate override: it does not apply".into(),
            ),
            Verdict::Approved if approved.is_none() => {
                push(
                    reasons,
                    Weight::Info,
                    "override",
                    &o.id,
                    format!("gate overridden: {}", o.reason),
                );
                approved = Some(o.id.clone());
            }
            Verdict::Approved => {}
            Verdict::Rejected { by } => push(
                reasons,
                Weight::Info,
                "override-rejected",
                &o.id,
                format!("override rejected by {}", by.join(", ")),
            ),
            Verdict::Pending { missing } => push(
                reasons,
                Weight::Info,
                "override-pending",
                &o.id,
                format!(
                    "override waits on {}",
                    missing
                        .iter()
                        .map(governance::describe)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
    approved
}
