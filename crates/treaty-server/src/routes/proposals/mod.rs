//! `/api/v1/proposals`: change proposals and waivers in the broker. The
//! interface's owner proposes; each required team decides with its own
//! token, on the change set hash it reviewed; the proposer moves the state
//! (open, withdrawn, shipped, rolled back) or replaces the change set.
//! Every write is one transaction with its decision-log entry and the
//! notifications it sends, and answers with the log's receipt.

mod expiry;
pub(crate) mod input;
mod judge;

pub use expiry::announce_expiring_waivers;
pub(crate) use judge::wire;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use treaty_core::governance::{self, Decision};
use treaty_core::model::{CalendarDate, ProposalState};
use treaty_log::{Actor, DecisionKind};
use treaty_store::{NewDecision, ProposalRecord, ProposalUpdate, Scope, StoreError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::input::{MAX_TEXT, MAX_TITLE, impact_bounds, text, waiver_terms};
use super::common::{Result, existing_interface, existing_team};
use super::log::receipt;
use crate::AppState;
use crate::api::{
    self, NewChangeSet, NewProposal, NewProposalDecision, NewProposalState, Page, ProposalQuery,
    check_id,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_proposal, list_proposals))
        .routes(routes!(show_proposal))
        .routes(routes!(decide))
        .routes(routes!(move_state))
        .routes(routes!(replace_change_set))
}

/// Why an update was not written: refused, or a repeat of what is stored.
enum Refusal {
    Api(ApiError),
    Repeat,
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        Refusal::Api(e.into())
    }
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Refusal {
        Refusal::Api(e)
    }
}

pub(crate) fn actor(p: &treaty_store::Principal) -> Actor {
    Actor {
        team: p.team.clone(),
        token_id: Some(p.token_id.clone()),
    }
}

/// The day `now_ms` falls on, in UTC.
pub(crate) fn today(now_ms: i64) -> Result<CalendarDate> {
    let t = jiff::Timestamp::from_millisecond(now_ms)
        .map_err(|e| ApiError::Internal(format!("the clock: {e}")))?;
    Ok(CalendarDate(t.to_zoned(jiff::tz::TimeZone::UTC).date()))
}

/// The answer to a write: the proposal and the log's receipt.
fn answered(
    state: &AppState,
    record: &ProposalRecord,
    logged: Option<&treaty_store::AppendedDecision>,
) -> Result<api::Proposal> {
    let mut p = judge::wire(record)?;
    if let Some(logged) = logged {
        p.log = receipt(state, logged)?;
    }
    Ok(p)
}

fn log_entry(
    kind: DecisionKind,
    by: Actor,
    subject: &str,
    reason: &str,
    details: serde_json::Value,
    now: i64,
) -> NewDecision {
    NewDecision {
        kind,
        actor: by,
        subject: subject.to_owned(),
        reason: reason.to_owned(),
        details,
        at: now.div_euclid(1000),
    }
}

/// Open a change proposal or a waiver for an interface (its owner's token
/// with `publish`, or admin). A repeat of a live proposal of the same
/// change set answers it, 200.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "proposals", request_body = NewProposal,
    responses((status = 201, body = api::Proposal), (status = 200, body = api::Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_proposal(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewProposal>,
) -> Result<(StatusCode, Json<api::Proposal>)> {
    caller.principal()?;
    check_id("interface", &body.interface, false)?;
    let interface = existing_interface(&state, &body.interface).await?;
    let by = actor(caller.write_as(
        &interface.team,
        Scope::Publish,
        &format!("interface `{}`", body.interface),
    )?);
    let kind = body.kind.as_deref().unwrap_or("breaking");
    if kind != "breaking" && kind != "waiver" {
        return Err(ApiError::Invalid(format!(
            "unknown `kind` `{kind}`: expected breaking or waiver"
        )));
    }
    text("title", &body.title, MAX_TITLE)?;
    let now = state.config.clock.now_ms()?;
    let (change_set, rollback) = if kind == "waiver" {
        let expires = waiver_terms(&body, now)?;
        let hash = governance::waiver_terms_hash(
            &body.interface,
            body.rules.iter().map(String::as_str),
            &expires,
        );
        if let Some(given) = &body.change_set
            && *given != hash
        {
            return Err(ApiError::Invalid(format!(
                "`change_set` is {given}, but the waiver's terms hash to {hash}"
            )));
        }
        (hash, body.rollback.clone().unwrap_or_default())
    } else {
        let hash = body.change_set.clone().ok_or_else(|| {
            ApiError::Invalid("`change_set` is required: the hash `treaty check` reports".into())
        })?;
        input::change_set(&body.interface, &hash, &body.changes)?;
        let rollback = body.rollback.clone().unwrap_or_default();
        text("rollback", &rollback, MAX_TEXT)?;
        (hash, rollback)
    };
    if let Some(reason) = &body.reason {
        text("reason", reason, MAX_TEXT)?;
    }
    if let Some(release) = &body.target_release {
        check_id("target_release", release, false)?;
    }
    let required = input::checked_requirements(judge::change_kind(kind), &body.required)?;
    for team in required.teams() {
        existing_team(&state, team).await?;
    }
    impact_bounds(&body.impact)?;
    let new = treaty_store::NewProposal {
        kind: kind.to_owned(),
        interface: body.interface.clone(),
        proposer: interface.team.clone(),
        title: body.title.clone(),
        change_set: change_set.clone(),
        changes: serde_json::to_value(&body.changes).unwrap_or_default(),
        required: serde_json::to_value(&body.required).unwrap_or_default(),
        impact: serde_json::to_value(&body.impact).unwrap_or_default(),
        reason: body.reason.clone(),
        rollback,
        essential: body.essential,
        target_release: body.target_release.clone(),
        rules: body.rules.clone(),
        expires: body.expires.clone(),
        state: if body.draft { "draft" } else { "open" }.to_owned(),
    };
    let proposer = interface.team.clone();
    let asked = judge::asked(&required, &proposer);
    let draft = body.draft;
    let (record, logged) = state
        .store
        .create_proposal(new, now, |id| {
            let what = if kind == "waiver" { "waiver" } else { "change proposal" };
            // A waiver is its own kind of record: a named failure let
            // through until a day, once approved.
            let log = log_entry(
                if kind == "waiver" {
                    DecisionKind::Waiver
                } else {
                    DecisionKind::ProposalOpened
                },
                by,
                id,
                body.reason.as_deref().unwrap_or(&body.title),
                serde_json::json!({
                    "kind": kind,
                    "interface": body.interface,
                    "change_set": change_set,
                    "rules": body.rules,
                    "expires": body.expires,
                    "state": if draft { "draft" } else { "open" },
                }),
                now,
            );
            let mut announce = Vec::new();
            if !draft {
                let stub = stub_record(id, kind, &body, &proposer, &change_set);
                announce.extend(judge::tell(
                    [proposer.clone()],
                    "proposal.opened",
                    &format!("Treaty: {proposer} opened {what} {id} on {}: {}", body.interface, body.title),
                    &stub,
                ));
                announce.extend(judge::tell(
                    asked.clone(),
                    "proposal.approval_needed",
                    &format!(
                        "Treaty: {proposer} asks your approval of {what} {id} on {}: {} (`treaty approve {id}` or `treaty reject {id}`)",
                        body.interface, body.title
                    ),
                    &stub,
                ));
            }
            (log, announce)
        })
        .await?;
    let status = if logged.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answered(&state, &record, logged.as_ref())?)))
}

/// What the announcements of a proposal being created say of it.
fn stub_record(
    id: &str,
    kind: &str,
    body: &NewProposal,
    proposer: &str,
    change_set: &str,
) -> ProposalRecord {
    ProposalRecord {
        id: id.to_owned(),
        proposal: treaty_store::NewProposal {
            kind: kind.to_owned(),
            interface: body.interface.clone(),
            proposer: proposer.to_owned(),
            title: body.title.clone(),
            change_set: change_set.to_owned(),
            changes: serde_json::Value::Null,
            required: serde_json::Value::Null,
            impact: serde_json::Value::Null,
            reason: None,
            rollback: String::new(),
            essential: body.essential,
            target_release: None,
            rules: body.rules.clone(),
            expires: body.expires.clone(),
            state: String::new(),
        },
        created_at: 0,
        updated_at: 0,
        decisions: Vec::new(),
        transitions: Vec::new(),
    }
}

/// Proposals and waivers, newest first (any token; anonymous when the
/// broker allows anonymous reads).
#[utoipa::path(get, path = "/api/v1/proposals", tag = "proposals", params(ProposalQuery),
    responses((status = 200, body = Page<api::Proposal>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_proposals(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ProposalQuery>,
) -> Result<Json<Page<api::Proposal>>> {
    caller.read(state.config.anonymous_read)?;
    if let Some(i) = &q.interface {
        check_id("interface", i, false)?;
    }
    let limit = match q.limit {
        None => treaty_store::MAX_PROPOSAL_PAGE,
        Some(n) if (1..=treaty_store::MAX_PROPOSAL_PAGE).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::Invalid(format!(
                "`limit` must be 1 to {}; got {n}",
                treaty_store::MAX_PROPOSAL_PAGE
            )));
        }
    };
    let after = q.after.as_deref().map(page_cursor).transpose()?;
    let records = state
        .store
        .proposals(q.kind.as_deref(), q.interface.as_deref(), after, limit + 1)
        .await?;
    let more = records.len() as i64 > limit;
    let mut items = Vec::new();
    let mut next = None;
    for r in records.iter().take(limit as usize) {
        items.push(judge::wire(r)?);
        if more {
            next = Some(format!("{}.{}", r.created_at, r.id));
        }
    }
    Ok(Json(Page { items, next }))
}

/// A page cursor (`after`) of a list of proposals: `CREATED_AT.ID` of
/// the last one read.
pub(crate) fn page_cursor(cursor: &str) -> Result<(i64, &str)> {
    cursor
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id)))
        .ok_or_else(|| ApiError::Invalid(format!("`after` {cursor:?} is not a page cursor")))
}

/// One proposal with its decisions and transitions.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "proposals", params(("id" = String, Path)),
    responses((status = 200, body = api::Proposal), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show_proposal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::Proposal>> {
    caller.read(state.config.anonymous_read)?;
    check_id("id", &id, false)?;
    let record = existing(&state, &id).await?;
    Ok(Json(judge::wire(&record)?))
}

/// Proposal `id` and the caller as its proposer (the owner team's token
/// with `publish`, or admin); refused to anyone else.
async fn as_proposer(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(ProposalRecord, Actor)> {
    caller.principal()?;
    check_id("id", id, false)?;
    let record = existing(state, id).await?;
    let by = actor(caller.write_as(
        &record.proposal.proposer,
        Scope::Publish,
        &format!("proposal `{id}`"),
    )?);
    Ok((record, by))
}

async fn existing(state: &AppState, id: &str) -> Result<ProposalRecord> {
    state
        .store
        .proposal(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("proposal `{id}` does not exist")))
}

/// Runs an update; a repeat answers the proposal as stored, 200 and no
/// receipt.
async fn update(
    state: &AppState,
    id: &str,
    now: i64,
    decide: impl FnOnce(&ProposalRecord) -> std::result::Result<ProposalUpdate, Refusal>
    + Send
    + 'static,
) -> Result<Json<api::Proposal>> {
    match state.store.update_proposal(id, now, decide).await {
        Ok((record, logged)) => Ok(Json(answered(state, &record, Some(&logged))?)),
        Err(Refusal::Api(e)) => Err(e),
        Err(Refusal::Repeat) => Ok(Json(judge::wire(&existing(state, id).await?)?)),
    }
}

/// A team approves or rejects a proposal, on the change set it reviewed.
/// Only a token of that team with `approve` decides for it (an admin
/// token decides for the admin team only); only a team whose approval is
/// required decides; a decision on a change set that has since changed is
/// refused (409). A team's latest decision counts; repeating it changes
/// nothing (200).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/decisions", tag = "proposals", params(("id" = String, Path)), request_body = NewProposalDecision,
    responses((status = 200, body = api::Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewProposalDecision>,
) -> Result<Json<api::Proposal>> {
    decide_as(&state, caller.principal()?, id, body).await
}

/// `principal` decides on proposal `id` as `body` says: the one path of
/// every decision (the API's and the dashboard's forms), with its rules:
/// the token's own team, the `approve` scope, a team whose approval is
/// required, on the current change set; logged in the decision log.
pub(crate) async fn decide_as(
    state: &AppState,
    principal: &treaty_store::Principal,
    id: String,
    body: NewProposalDecision,
) -> Result<Json<api::Proposal>> {
    check_id("id", &id, false)?;
    let (team, decision) = input::deciding_team(
        principal,
        body.team.as_deref(),
        &body.decision,
        &body.reason,
        "a proposal",
    )?;
    let by = actor(principal);
    let now = state.config.clock.now_ms()?;
    let key = id.clone();
    update(state, &key, now, move |p| {
        let current = judge::stored_state(p)?;
        if !matches!(
            current,
            ProposalState::Open | ProposalState::Approved | ProposalState::Rejected
        ) {
            return Err(ApiError::Conflict(format!(
                "proposal `{id}` is {current}: decisions are taken on open proposals"
            ))
            .into());
        }
        let required = judge::stored_requirements(p)?;
        if !required.teams().contains(team.as_str()) {
            return Err(ApiError::Forbidden(format!(
                "team `{team}`'s approval is not asked for on `{id}` (asked: {})",
                required.teams().into_iter().collect::<Vec<_>>().join(", ")
            ))
            .into());
        }
        if body.change_set != p.proposal.change_set {
            return Err(ApiError::Conflict(format!(
                "`{id}`'s change set is now {}; the decision was taken on {}: review the changes again",
                p.proposal.change_set, body.change_set
            ))
            .into());
        }
        let latest = p
            .decisions
            .iter()
            .rev()
            .find(|d| d.team == team && d.change_set == p.proposal.change_set);
        if latest.is_some_and(|d| d.decision == body.decision && d.reason == body.reason) {
            return Err(Refusal::Repeat);
        }
        let decisions = judge::current_decisions(p, Some((&team, decision)));
        let verdict = governance::verdict(&required, &decisions);
        let next = judge::state_of(&verdict);
        let mut announce = Vec::new();
        if next != current {
            let (event, word) = match next {
                ProposalState::Approved => ("proposal.approved", "is approved"),
                ProposalState::Rejected => ("proposal.rejected", "was rejected"),
                _ => ("proposal.reopened", "awaits approvals again"),
            };
            let mut told = judge::asked(&required, &p.proposal.proposer);
            told.push(p.proposal.proposer.clone());
            announce = judge::tell(
                told,
                event,
                &format!(
                    "Treaty: {id} on {} {word} ({team}: {})",
                    p.proposal.interface, body.reason
                ),
                p,
            );
        }
        Ok(ProposalUpdate {
            decision: Some((body.decision.clone(), body.reason.clone())),
            state: next.as_str().to_owned(),
            change_set: None,
            reason: format!("{team} decided: {}", body.decision),
            log: log_entry(
                if decision == Decision::Approve {
                    DecisionKind::Approval
                } else {
                    DecisionKind::Rejection
                },
                by,
                &id,
                &body.reason,
                serde_json::json!({
                    "team": team,
                    "interface": p.proposal.interface,
                    "change_set": p.proposal.change_set,
                    "state": next.as_str(),
                }),
                now,
            ),
            announce,
        })
    })
    .await
}

/// The proposer moves a proposal: opens a draft, withdraws it, marks it
/// shipped (once approved) or rolled back (once shipped). Its owner's
/// token with `publish`, or admin.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/state", tag = "proposals", params(("id" = String, Path)), request_body = NewProposalState,
    responses((status = 200, body = api::Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn move_state(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewProposalState>,
) -> Result<Json<api::Proposal>> {
    let (_, by) = as_proposer(&state, &caller, &id).await?;
    let to = ProposalState::parse(&body.state).ok_or_else(|| {
        ApiError::Invalid(format!(
            "unknown `state` `{}`: expected open, withdrawn, shipped or rolled_back",
            body.state
        ))
    })?;
    text("reason", &body.reason, MAX_TEXT)?;
    let now = state.config.clock.now_ms()?;
    let key = id.clone();
    update(&state, &key, now, move |p| {
        let from = judge::stored_state(p)?;
        if from == to {
            return Err(Refusal::Repeat);
        }
        from.may_become(to)
            .map_err(|e| ApiError::Conflict(format!("`{id}`: {e}")))?;
        let required = judge::stored_requirements(p)?;
        // An opened draft is judged at once: its decisions may be there.
        let next = if to == ProposalState::Open {
            judge::state_of(&governance::verdict(&required, &judge::current_decisions(p, None)))
        } else {
            to
        };
        let (event, text) = match to {
            ProposalState::Open => (
                "proposal.approval_needed",
                format!(
                    "Treaty: {} asks your approval of {id} on {}: {}",
                    p.proposal.proposer, p.proposal.interface, p.proposal.title
                ),
            ),
            _ => (
                "proposal.state",
                format!(
                    "Treaty: {id} on {} is now {to} ({})",
                    p.proposal.interface, body.reason
                ),
            ),
        };
        Ok(ProposalUpdate {
            decision: None,
            state: next.as_str().to_owned(),
            change_set: None,
            reason: body.reason.clone(),
            log: log_entry(
                DecisionKind::ProposalState,
                by,
                &id,
                &body.reason,
                serde_json::json!({ "from": from.as_str(), "to": next.as_str(), "interface": p.proposal.interface }),
                now,
            ),
            announce: judge::tell(judge::asked(&required, &p.proposal.proposer), event, &text, p),
        })
    })
    .await
}

/// The proposer replaces a breaking proposal's change set (the check found
/// other changes): decisions on the old one no longer count, and the teams
/// asked are asked again. Its owner's token with `publish`, or admin.
#[utoipa::path(put, path = "/api/v1/proposals/{id}/change-set", tag = "proposals", params(("id" = String, Path)), request_body = NewChangeSet,
    responses((status = 200, body = api::Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn replace_change_set(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewChangeSet>,
) -> Result<Json<api::Proposal>> {
    let (record, by) = as_proposer(&state, &caller, &id).await?;
    if record.proposal.kind != "breaking" {
        return Err(ApiError::Conflict(format!(
            "`{id}` is a waiver: its terms are fixed; withdraw it and ask for another"
        )));
    }
    input::change_set(&record.proposal.interface, &body.change_set, &body.changes)?;
    let required =
        input::checked_requirements(treaty_core::model::ChangeKind::Breaking, &body.required)?;
    for team in required.teams() {
        existing_team(&state, team).await?;
    }
    impact_bounds(&body.impact)?;
    text("reason", &body.reason, MAX_TEXT)?;
    let now = state.config.clock.now_ms()?;
    let key = id.clone();
    update(&state, &key, now, move |p| {
        if p.proposal.change_set == body.change_set {
            return Err(Refusal::Repeat);
        }
        let from = judge::stored_state(p)?;
        if from.is_closed() {
            return Err(ApiError::Conflict(format!(
                "proposal `{id}` is {from}: propose the new change set afresh"
            ))
            .into());
        }
        let next = if from == ProposalState::Draft {
            ProposalState::Draft
        } else {
            ProposalState::Open
        };
        let mut moved = p.clone();
        moved.proposal.change_set = body.change_set.clone();
        let announce = if next == ProposalState::Open {
            judge::tell(
                judge::asked(&required, &p.proposal.proposer),
                "proposal.approval_needed",
                &format!(
                    "Treaty: {id} on {} has a new change set ({}); earlier decisions no longer count: review it again",
                    p.proposal.interface, body.reason
                ),
                &moved,
            )
        } else {
            Vec::new()
        };
        Ok(ProposalUpdate {
            decision: None,
            state: next.as_str().to_owned(),
            change_set: Some((
                body.change_set.clone(),
                serde_json::to_value(&body.changes).unwrap_or_default(),
                serde_json::to_value(&body.required).unwrap_or_default(),
                serde_json::to_value(&body.impact).unwrap_or_default(),
            )),
            reason: body.reason.clone(),
            log: log_entry(
                DecisionKind::ScopeChange,
                by,
                &id,
                &body.reason,
                serde_json::json!({ "from": p.proposal.change_set, "to": body.change_set, "interface": p.proposal.interface }),
                now,
            ),
            announce,
        })
    })
    .await
}
