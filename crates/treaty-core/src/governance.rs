//! Who must approve a change, and whether the decisions taken so far
//! approve it: the `governance` section of `treaty.yaml` applied to one
//! change, as pure functions of the rules, the change's subject (its
//! interface's producer and consumers), the decisions and the day.
//!
//! It decides nothing about what a change *is* (that is `treaty-compat`
//! and [`crate::impact`]) and stores nothing (the broker and the proposal
//! files keep the decisions).
//!
//! The rules, in order:
//! - the approval rule written for the kind of change applies; without
//!   one, a breaking change needs its producer and its affected consumers
//!   and a waiver its producer (what a team would ask for anyway), and
//!   other kinds need nobody;
//! - every role resolves to teams: `producer` to the interface's owner,
//!   `affected_consumers` to the consumers the change touches,
//!   `all_consumers` to every consumer, `steering_group` to a quorum of the
//!   steering group (all of it when no quorum is set), `{team: X}` to X;
//! - during a freeze, a kind of change the freeze does not allow needs a
//!   steering-group quorum as well, whatever the rule says;
//! - one approval by a team counts for every requirement naming it (a
//!   producer that also sits on the steering group approves once);
//! - a rejection by any team whose approval is required rejects the
//!   change; a rejection by a team whose approval is not required changes
//!   nothing.

use std::collections::BTreeSet;
use std::fmt::Write;

use sha2::{Digest, Sha256};

use crate::model::{
    Approver, CalendarDate, ChangeKind, FileDecision, FileVerdict, Governance, Interface,
};

/// The teams a change concerns, resolved from its interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// The team that owns the interface.
    pub producer: String,
    /// The consumer teams the change touches.
    pub affected_consumers: BTreeSet<String>,
    /// Every consumer team of the interface.
    pub consumers: BTreeSet<String>,
}

impl Subject {
    /// The subject of a change to the interface `id` among `interfaces`
    /// touching `affected`; only the affected consumers are known when the
    /// interface is not among them.
    pub fn among(interfaces: &[Interface], id: &str, affected: BTreeSet<String>) -> Subject {
        match interfaces.iter().find(|i| i.id.value == id) {
            Some(i) => Subject::of(i, affected),
            None => Subject {
                affected_consumers: affected,
                ..Subject::default()
            },
        }
    }

    /// The subject of a change to `interface` touching `affected`.
    pub fn of(interface: &Interface, affected: BTreeSet<String>) -> Subject {
        Subject {
            producer: interface
                .producer
                .as_ref()
                .map(|p| p.value.clone())
                .unwrap_or_default(),
            affected_consumers: affected,
            consumers: interface
                .consumers
                .iter()
                .map(|c| c.team.value.clone())
                .collect(),
        }
    }
}

/// Why a team's approval is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// It owns the interface.
    Producer,
    /// It uses the changed part.
    AffectedConsumer,
    /// It consumes the interface.
    Consumer,
    /// Governance names it.
    Named,
}

impl Role {
    /// The role in words, as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Producer => "producer",
            Role::AffectedConsumer => "affected consumer",
            Role::Consumer => "consumer",
            Role::Named => "named by governance",
        }
    }

    /// The role's id on the wire: `producer`, `affected_consumer`,
    /// `consumer` or `named`.
    pub fn id(self) -> &'static str {
        match self {
            Role::Producer => "producer",
            Role::AffectedConsumer => "affected_consumer",
            Role::Consumer => "consumer",
            Role::Named => "named",
        }
    }

    /// The role whose [`Role::id`] is `s`.
    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Producer,
            Role::AffectedConsumer,
            Role::Consumer,
            Role::Named,
        ]
        .into_iter()
        .find(|r| r.id() == s)
    }
}

/// One thing that must happen before the change is approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// This team approves.
    Team {
        /// The team.
        team: String,
        /// Why it is asked.
        role: Role,
    },
    /// At least `needed` of these teams approve.
    Quorum {
        /// The steering group's teams.
        of: Vec<String>,
        /// How many of them.
        needed: u32,
        /// The freeze that demands it, when a freeze does.
        freeze: Option<String>,
    },
}

/// The approvals one change needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredApprovals {
    /// The kind of change they are for.
    pub kind: ChangeKind,
    /// Everything that must happen; empty: nobody needs to approve.
    pub requirements: Vec<Requirement>,
}

impl RequiredApprovals {
    /// Every team whose approval is asked for, sorted.
    pub fn teams(&self) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        for r in &self.requirements {
            match r {
                Requirement::Team { team, .. } => {
                    out.insert(team.as_str());
                }
                Requirement::Quorum { of, .. } => out.extend(of.iter().map(String::as_str)),
            }
        }
        out
    }
}

/// What one team decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// It approves.
    Approve,
    /// It rejects.
    Reject,
}

impl From<FileVerdict> for Decision {
    fn from(v: FileVerdict) -> Decision {
        match v {
            FileVerdict::Approve => Decision::Approve,
            FileVerdict::Reject => Decision::Reject,
        }
    }
}

/// The decisions of a proposal or waiver file, as [`verdict`] reads them.
pub fn file_decisions(decisions: &[FileDecision]) -> Vec<(String, Decision)> {
    decisions
        .iter()
        .map(|d| (d.team.value.clone(), d.decision.into()))
        .collect()
}

impl Decision {
    /// `approve` or `reject`, as files and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        }
    }

    /// The decision named `s` (see [`Decision::as_str`]).
    pub fn parse(s: &str) -> Option<Decision> {
        [Decision::Approve, Decision::Reject]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// Where a change stands with the decisions taken so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every requirement is met.
    Approved,
    /// A team whose approval is required rejected it.
    Rejected {
        /// The teams that rejected it.
        by: Vec<String>,
    },
    /// Still waiting.
    Pending {
        /// Requirements not met yet (a quorum with the approvals it still
        /// needs).
        missing: Vec<Requirement>,
    },
}

/// The approvals a change of `kind` on `subject` needs on `today`.
pub fn required_approvals(
    governance: &Governance,
    kind: ChangeKind,
    subject: &Subject,
    today: CalendarDate,
) -> RequiredApprovals {
    let written = governance
        .approvals
        .iter()
        .find(|rule| rule.change.value == kind)
        .map(|rule| rule.require.clone());
    let approvers = written.unwrap_or_else(|| match kind {
        ChangeKind::Breaking => vec![Approver::Producer, Approver::AffectedConsumers],
        ChangeKind::Waiver => vec![Approver::Producer],
        _ => Vec::new(),
    });
    let steering: Vec<String> = governance
        .steering_group
        .iter()
        .map(|t| t.value.clone())
        .collect();
    let quorum = |freeze: Option<String>| Requirement::Quorum {
        needed: governance
            .quorum
            .as_ref()
            .map_or(steering.len() as u32, |q| q.value)
            .min(steering.len() as u32),
        of: steering.clone(),
        freeze,
    };
    let mut requirements: Vec<Requirement> = Vec::new();
    let add = |r: Requirement, requirements: &mut Vec<Requirement>| {
        let already = requirements.iter().any(|have| match (have, &r) {
            (Requirement::Team { team: a, .. }, Requirement::Team { team: b, .. }) => a == b,
            (Requirement::Quorum { .. }, Requirement::Quorum { .. }) => true,
            _ => false,
        });
        if !already {
            requirements.push(r);
        }
    };
    let team = |team: &str, role| Requirement::Team {
        team: team.to_owned(),
        role,
    };
    for approver in &approvers {
        match approver {
            // An interface without an owner has nobody to ask as producer
            // (`treaty validate` reports it).
            Approver::Producer if subject.producer.is_empty() => {}
            Approver::Producer => add(team(&subject.producer, Role::Producer), &mut requirements),
            Approver::AffectedConsumers => {
                for t in &subject.affected_consumers {
                    add(team(t, Role::AffectedConsumer), &mut requirements);
                }
            }
            Approver::AllConsumers => {
                for t in &subject.consumers {
                    add(team(t, Role::Consumer), &mut requirements);
                }
            }
            Approver::SteeringGroup if !steering.is_empty() => add(quorum(None), &mut requirements),
            Approver::SteeringGroup => {}
            Approver::Team(name) => add(team(&name.value, Role::Named), &mut requirements),
        }
    }
    if let Some(freeze) = governance
        .freezes
        .iter()
        .find(|f| f.from.value <= today && today <= f.to.value && !f.allow.contains(&kind))
        && !steering.is_empty()
    {
        // The freeze's quorum replaces one the rule already asked for, so
        // that the report says why it is there.
        requirements.retain(|r| !matches!(r, Requirement::Quorum { .. }));
        requirements.push(quorum(Some(freeze.name.clone())));
    }
    RequiredApprovals { kind, requirements }
}

/// Where a change stands, given each team's latest decision.
pub fn verdict(required: &RequiredApprovals, decisions: &[(String, Decision)]) -> Verdict {
    let decided = |team: &str, d: Decision| {
        decisions
            .iter()
            .rev()
            .find(|(t, _)| t == team)
            .is_some_and(|(_, latest)| *latest == d)
    };
    let asked = required.teams();
    let mut rejected: Vec<String> = asked
        .iter()
        .filter(|t| decided(t, Decision::Reject))
        .map(|t| (*t).to_owned())
        .collect();
    rejected.dedup();
    if !rejected.is_empty() {
        return Verdict::Rejected { by: rejected };
    }
    let mut missing = Vec::new();
    for r in &required.requirements {
        match r {
            Requirement::Team { team, .. } if !decided(team, Decision::Approve) => {
                missing.push(r.clone())
            }
            Requirement::Team { .. } => {}
            Requirement::Quorum { of, needed, freeze } => {
                let have = of.iter().filter(|t| decided(t, Decision::Approve)).count() as u32;
                if have < *needed {
                    missing.push(Requirement::Quorum {
                        of: of
                            .iter()
                            .filter(|t| !decided(t, Decision::Approve))
                            .cloned()
                            .collect(),
                        needed: needed - have,
                        freeze: freeze.clone(),
                    });
                }
            }
        }
    }
    if missing.is_empty() {
        Verdict::Approved
    } else {
        Verdict::Pending { missing }
    }
}

/// When a change became approved: the moment of the first decision after
/// which the decisions so far (oldest first) meet what a change of `kind`
/// on `subject` needed on that decision's day (UTC). `None` when they
/// never did, or when nobody need approve (nothing to become approved by).
pub fn approved_at(
    governance: &Governance,
    kind: ChangeKind,
    subject: &Subject,
    decisions: &[(String, Decision, jiff::Timestamp)],
) -> Option<jiff::Timestamp> {
    let mut so_far: Vec<(String, Decision)> = Vec::with_capacity(decisions.len());
    for (team, decision, at) in decisions {
        so_far.push((team.clone(), *decision));
        let day = CalendarDate(at.to_zoned(jiff::tz::TimeZone::UTC).date());
        let required = required_approvals(governance, kind, subject, day);
        if !required.requirements.is_empty() && verdict(&required, &so_far) == Verdict::Approved {
            return Some(*at);
        }
    }
    None
}

/// A requirement in words: `checkout (affected consumer)`, `2 of platform,
/// payments (steering group, freeze Year-end peak)`.
pub fn describe(r: &Requirement) -> String {
    match r {
        Requirement::Team { team, role } => format!("{team} ({})", role.as_str()),
        Requirement::Quorum { of, needed, freeze } => {
            let why = match freeze {
                Some(f) => format!("steering group, freeze {f}"),
                None => "steering group".to_owned(),
            };
            format!("{needed} of {} ({why})", of.join(", "))
        }
    }
}

/// The hash an approval is bound to: of the interface and its breaking
/// changes (rule and message, sorted, so the order they were found in does
/// not matter), as `sha256:` and 64 hex digits. Another change set, even
/// one more change, has another hash.
pub fn change_set_hash<'a>(
    interface: &str,
    changes: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut lines: Vec<String> = changes
        .into_iter()
        .map(|(rule, message)| format!("{rule}\t{message}"))
        .collect();
    lines.sort();
    lines.dedup();
    let mut hasher = Sha256::new();
    hasher.update(interface.as_bytes());
    for line in &lines {
        hasher.update(b"\n");
        hasher.update(line.as_bytes());
    }
    let mut out = String::from("sha256:");
    for byte in hasher.finalize() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The hash a waiver's approvals are bound to: of its interface, the
/// rules it lets through and its last day, so that approving a waiver for
/// one rule until one day approves nothing wider or longer.
pub fn waiver_terms_hash<'a>(
    interface: &str,
    rules: impl IntoIterator<Item = &'a str>,
    expires: &str,
) -> String {
    let until = format!("waived through {expires}");
    let rules: Vec<&str> = rules.into_iter().collect();
    change_set_hash(interface, rules.iter().map(|r| (*r, until.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_change_set_hash_ignores_order_and_sees_every_change() {
        let a = change_set_hash("api", [("r1", "m1"), ("r2", "m2")]);
        let b = change_set_hash("api", [("r2", "m2"), ("r1", "m1")]);
        assert_eq!(a, b);
        assert_eq!(a.len(), "sha256:".len() + 64);
        assert_ne!(a, change_set_hash("api", [("r1", "m1")]));
        assert_ne!(a, change_set_hash("other", [("r1", "m1"), ("r2", "m2")]));
        assert_ne!(a, change_set_hash("api", [("r1", "m1"), ("r2", "m3")]));
    }
}
