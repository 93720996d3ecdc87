//! One train's escalations at one moment: the gate's verdict for each
//! environment the broker knows (the release file names none it ships to;
//! `production` when the broker knows none), the conditions and the steps
//! due (`treaty_core::escalation`), each step not yet sent recorded with
//! its decision and notifications, and when to look again.

use std::collections::BTreeMap;

use jiff::Timestamp;
use treaty_core::escalation::{DueStep, Escalation, due_steps, escalations};
use treaty_core::gate::{GateInput, decide};
use treaty_core::model::Team;
use treaty_log::{Actor, DecisionKind};
use treaty_store::{NewDecision, NewEvent, NewStep, Recipient};

use super::{Evaluator, millis};
use crate::routes::trains::gate::gather;

/// Environments the gate is judged for, at most.
const MAX_ENVIRONMENTS: i64 = 50;
/// Longest message kept with a step (a failing gate of a large train lists
/// many reasons); the rest is cut, marked.
const MAX_MESSAGE: usize = 4_000;
/// The environment judged when the broker knows none.
const DEFAULT_ENVIRONMENT: &str = "production";

/// Evaluates `train` at `now` (Unix ms, the broker's clock); answers when
/// to evaluate it next.
pub(super) async fn evaluate(ev: &Evaluator, train: &str, now: i64) -> Result<i64, String> {
    let recheck = now.saturating_add(millis(ev.config.recheck));
    let Some(revision) = ev.store.train(train).await.map_err(|e| e.to_string())? else {
        return Ok(recheck);
    };
    let at = Timestamp::from_millisecond(now).map_err(|e| e.to_string())?;
    let mut environments = ev
        .store
        .environments("", MAX_ENVIRONMENTS)
        .await
        .map_err(|e| e.to_string())?;
    if environments.is_empty() {
        environments.push(DEFAULT_ENVIRONMENT.to_owned());
    }
    // The facts are the same whatever the environment (gathered once);
    // only the verdict's environment differs.
    let facts = gather(
        &ev.store,
        &ev.evidence,
        &revision,
        DEFAULT_ENVIRONMENT,
        BTreeMap::new(),
        at,
    )
    .await
    .map_err(|e| e.to_string())?;
    // A blocker's deadline starts its escalation: the timer wakes then,
    // not up to `recheck` later.
    let deadlines: Vec<i64> = facts
        .blockers
        .iter()
        .filter_map(|b| b.deadline.map(|d| d.as_millisecond()))
        .filter(|d| *d > now)
        .collect();
    let (found, teams) = tokio::task::spawn_blocking(move || {
        let mut found: Vec<Escalation> = Vec::new();
        let mut keys = std::collections::HashSet::new();
        for environment in &environments {
            let input = GateInput {
                environment: environment.as_str(),
                ..facts.input()
            };
            let verdict = decide(&input);
            // Most conditions are the same in every environment: once each.
            for e in escalations(&input, &verdict) {
                if keys.insert(e.key.clone()) {
                    found.push(e);
                }
            }
        }
        (found, facts.content.teams.clone())
    })
    .await
    .map_err(|e| format!("judging the gate: {e}"))?;
    for step in due_steps(&found, &teams, at) {
        send(ev, train, &step, &teams, now).await?;
    }
    // The next step of an escalation under way; conditions that begin
    // later (a milestone passing, evidence arriving) within `recheck`.
    let next = due_steps(&found, &teams, Timestamp::MAX)
        .into_iter()
        .map(|s| s.due_at.as_millisecond())
        .chain(deadlines)
        .filter(|due| *due > now)
        .min()
        .map_or(recheck, |due| due.min(recheck));
    Ok(next)
}

/// Records `step` (unless sent already) with its decision and
/// notifications.
async fn send(
    ev: &Evaluator,
    train: &str,
    step: &DueStep,
    teams: &[Team],
    now: i64,
) -> Result<(), String> {
    let e = &step.escalation;
    let rule = serde_json::to_value(e.rule)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let message = bounded(&e.message);
    let new = NewStep {
        train: train.to_owned(),
        key: step.key.clone(),
        rule: rule.clone(),
        team: e.team.clone(),
        to: step.to.clone(),
        message: message.clone(),
        since: e.since.as_millisecond(),
        due_at: step.due_at.as_millisecond(),
    };
    let recipients = recipients(&e.team, &step.to, teams, ev.email);
    let text = format!(
        "Escalation for release {train} ({rule}), to {}: {message}",
        step.to
    );
    let data = serde_json::json!({
        "train": train,
        "key": step.key,
        "rule": rule,
        "team": e.team,
        "to": step.to,
        "since": e.since.to_string(),
        "due_at": step.due_at.to_string(),
        "message": message,
    });
    let event = NewEvent {
        event_type: "escalation",
        text: &text,
        data: data.clone(),
    };
    let decision = NewDecision {
        kind: DecisionKind::Escalation,
        // The broker's own doing: no token decided it.
        actor: Actor {
            team: treaty_store::ADMIN_TEAM.to_owned(),
            token_id: None,
        },
        subject: format!("train:{train}"),
        reason: message.clone(),
        details: data,
        at: now.div_euclid(1000),
    };
    let recorded = ev
        .store
        .record_escalation_step(&new, &recipients, &event, decision, now)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(r) = recorded {
        tracing::info!(train = %train, step = %step.key, to = %step.to, notifications = r.notifications.len(), "escalation step sent");
    }
    Ok(())
}

/// Where a step to `to` on `team`'s path goes: a member of `team` (by
/// handle) is told through the team's webhook and at their own address;
/// a team through its webhook and at its address. Addresses only when
/// e-mail is sent at all.
pub(crate) fn recipients(team: &str, to: &str, teams: &[Team], email: bool) -> Vec<Recipient> {
    let on_path = teams.iter().find(|t| t.id.value == team);
    let member = on_path.and_then(|t| t.members.iter().find(|m| m.id.value == to));
    let (told, address) = match member {
        Some(m) => (team, m.email.as_ref().map(|e| e.value.clone())),
        None => (
            to,
            teams
                .iter()
                .find(|t| t.id.value == to)
                .and_then(|t| t.contacts.email.as_ref())
                .map(|e| e.value.clone()),
        ),
    };
    let mut out = vec![Recipient::Webhook {
        team: told.to_owned(),
    }];
    if let Some(address) = address.filter(|_| email) {
        out.push(Recipient::Email {
            team: told.to_owned(),
            address,
        });
    }
    out
}

fn bounded(message: &str) -> String {
    if message.len() <= MAX_MESSAGE {
        return message.to_owned();
    }
    let mut end = MAX_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… (cut)", &message[..end])
}

#[cfg(test)]
mod tests {
    use treaty_core::model::{Contacts, Member};
    use treaty_syntax::Spanned;

    use super::*;

    fn spanned(s: &str) -> Spanned<String> {
        Spanned::new(s.to_owned(), Default::default())
    }

    fn team(id: &str, member: Option<(&str, Option<&str>)>, email: Option<&str>) -> Team {
        Team {
            id: spanned(id),
            name: id.to_owned(),
            members: member
                .into_iter()
                .map(|(handle, address)| Member {
                    id: spanned(handle),
                    name: handle.to_owned(),
                    email: address.map(spanned),
                    role: None,
                })
                .collect(),
            contacts: Contacts {
                webhook: None,
                email: email.map(spanned),
                chat: None,
            },
            escalation: Vec::new(),
        }
    }

    #[test]
    fn a_member_is_told_through_the_team_and_at_their_address_a_team_at_its_own() {
        let teams = [
            team(
                "fulfillment",
                Some(("nrossi", Some("nadia@acme.example"))),
                Some("fulfillment@acme.example"),
            ),
            team(
                "platform",
                Some(("oncall", None)),
                Some("platform@acme.example"),
            ),
        ];
        let webhook = |t: &str| Recipient::Webhook { team: t.into() };
        let email = |t: &str, a: &str| Recipient::Email {
            team: t.into(),
            address: a.into(),
        };
        assert_eq!(
            recipients("fulfillment", "nrossi", &teams, true),
            [
                webhook("fulfillment"),
                email("fulfillment", "nadia@acme.example")
            ]
        );
        assert_eq!(
            recipients("fulfillment", "platform", &teams, true),
            [
                webhook("platform"),
                email("platform", "platform@acme.example")
            ]
        );
        // A member without an address, a team the files do not describe,
        // and a broker without SMTP: the webhook only.
        assert_eq!(
            recipients("platform", "oncall", &teams, true),
            [webhook("platform")]
        );
        assert_eq!(
            recipients("fulfillment", "steering", &teams, true),
            [webhook("steering")]
        );
        assert_eq!(
            recipients("fulfillment", "nrossi", &teams, false),
            [webhook("fulfillment")]
        );
    }

    #[test]
    fn a_long_message_is_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_MESSAGE);
        let cut = bounded(&long);
        assert!(cut.ends_with("… (cut)"));
        assert!(cut.len() <= MAX_MESSAGE + "… (cut)".len());
        assert_eq!(bounded("short"), "short");
    }
}
