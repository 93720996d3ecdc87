//! What a proposal request must be before anything is stored: sizes,
//! non-empty texts, a change set whose hash is its changes', requirements
//! that can be met, a waiver's known rules and future expiry.

use treaty_core::governance::{self, RequiredApprovals};
use treaty_core::model::{CalendarDate, ChangeKind};

use super::judge;
use crate::api::{self, NewProposal, RequiredApproval, check_id};
use crate::error::ApiError;

type Result<T> = std::result::Result<T, ApiError>;

/// Most requirements, changes and rules one proposal may carry.
pub(super) const MAX_ITEMS: usize = 1_000;
/// Longest title.
pub(crate) const MAX_TITLE: usize = 300;
/// Longest reason, rollback plan or change message.
pub(crate) const MAX_TEXT: usize = 8 * 1024;

/// Refuses an empty or overlong text field.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(ApiError::Invalid(format!("`{field}` must not be empty")));
    }
    if value.len() > max {
        return Err(ApiError::Invalid(format!(
            "`{field}` is {} bytes; at most {max} are allowed",
            value.len()
        )));
    }
    Ok(())
}

/// The team a decision is taken for (`team`, else the token's) and the
/// decision, checked: a token decides for its own team only, with the
/// `approve` scope; `what` names what is decided on, for the refusal.
pub(crate) fn deciding_team(
    principal: &treaty_store::Principal,
    team: Option<&str>,
    decision: &str,
    reason: &str,
    what: &str,
) -> Result<(String, governance::Decision)> {
    let team = team.map_or_else(|| principal.team.clone(), str::to_owned);
    check_id("team", &team, false)?;
    if team != principal.team {
        return Err(ApiError::Forbidden(format!(
            "a token of team `{}` cannot decide for team `{team}`: each team decides with its own token",
            principal.team
        )));
    }
    if !principal.may(treaty_store::Scope::Approve) {
        return Err(ApiError::Forbidden(format!(
            "deciding on {what} needs a token with the `approve` scope; team `{team}`'s token has not"
        )));
    }
    let decision = governance::Decision::parse(decision).ok_or_else(|| {
        ApiError::Invalid(format!(
            "unknown `decision` `{decision}`: expected approve or reject"
        ))
    })?;
    text("reason", reason, MAX_TEXT)?;
    Ok((team, decision))
}

/// Checks a change set's changes and that `hash` is theirs.
pub(super) fn change_set(
    interface: &str,
    hash: &str,
    changes: &[api::ProposedChange],
) -> Result<()> {
    if changes.is_empty() {
        return Err(ApiError::Invalid(
            "`changes` must list the breaking changes proposed".into(),
        ));
    }
    if changes.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(format!(
            "`changes` lists {}; at most {MAX_ITEMS} are allowed",
            changes.len()
        )));
    }
    for (i, c) in changes.iter().enumerate() {
        text(&format!("changes[{i}].rule"), &c.rule, 128)?;
        text(&format!("changes[{i}].message"), &c.message, MAX_TEXT)?;
    }
    let computed = governance::change_set_hash(
        interface,
        changes
            .iter()
            .map(|c| (c.rule.as_str(), c.message.as_str())),
    );
    if computed != hash {
        return Err(ApiError::Invalid(format!(
            "`change_set` is {hash}, but the changes listed hash to {computed}"
        )));
    }
    Ok(())
}

/// Checks the requirements: known roles, quorums that can be met, and at
/// most [`MAX_ITEMS`] teams.
pub(super) fn checked_requirements(
    kind: ChangeKind,
    wire: &[RequiredApproval],
) -> Result<RequiredApprovals> {
    let required = judge::requirements(kind, wire)
        .map_err(|e| ApiError::Invalid(format!("`required`: {e}")))?;
    let teams = required.teams();
    if teams.is_empty() {
        return Err(ApiError::Invalid(
            "`required` must name at least one team: governance asks someone to approve".into(),
        ));
    }
    if teams.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(format!(
            "`required` names {} teams; at most {MAX_ITEMS} are allowed",
            teams.len()
        )));
    }
    for team in teams {
        api::check_id("required team", team, false)?;
    }
    Ok(required)
}

/// A waiver's rules, reason and expiry checked; its expiry.
pub(super) fn waiver_terms(body: &NewProposal, now: i64) -> Result<String> {
    if body.rules.is_empty() || body.rules.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(format!(
            "a waiver's `rules` must name 1 to {MAX_ITEMS} rules it lets through"
        )));
    }
    for (i, rule) in body.rules.iter().enumerate() {
        if !treaty_compat::RULES
            .iter()
            .any(|(id, _)| *id == rule.as_str())
        {
            return Err(ApiError::Invalid(format!(
                "`rules[{i}]`: unknown rule `{rule}`"
            )));
        }
    }
    let reason = body.reason.as_deref().unwrap_or("");
    text("reason", reason, MAX_TEXT)?;
    let expires = body
        .expires
        .as_deref()
        .ok_or_else(|| ApiError::Invalid("a waiver needs `expires`: its last day".into()))?;
    let date: CalendarDate = expires
        .parse()
        .map_err(|e| ApiError::Invalid(format!("`expires`: {e}")))?;
    if date < super::today(now)? {
        return Err(ApiError::Invalid(format!(
            "`expires` {expires} is in the past"
        )));
    }
    Ok(expires.to_owned())
}

pub(super) fn impact_bounds(impact: &api::Impact) -> Result<()> {
    if impact.consumers.len() > MAX_ITEMS || impact.operations.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(format!(
            "`impact` may list at most {MAX_ITEMS} consumers and {MAX_ITEMS} operations"
        )));
    }
    if impact.behind.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(format!(
            "`impact.behind` may list at most {MAX_ITEMS} teams"
        )));
    }
    for c in impact.consumers.iter().chain(&impact.behind) {
        check_id("impact.consumers", c, false)?;
    }
    for o in &impact.operations {
        text("impact.operations", o, MAX_TEXT)?;
    }
    Ok(())
}
