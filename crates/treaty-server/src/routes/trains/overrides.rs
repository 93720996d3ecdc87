//! `/api/v1/trains/{id}/overrides`: overrides of a train's gate. A team
//! that may publish the train (a scope item's owner or the steering
//! group) asks for one, for one environment, with a reason; the teams
//! governance names for `gate_override` (today, so a freeze counts) decide
//! on it, each with its own token, as on a change proposal. The request
//! and every decision land in the decision log; the gate reads them all
//! and lets a no-go through once one is approved, every reason still
//! listed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use treaty_core::governance::{self, Decision, RequiredApprovals, Subject, Verdict};
use treaty_core::model::ChangeKind;
use treaty_log::DecisionKind;
use treaty_store::{NewDecision, OverrideRecord, Scope};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{content_of, existing_train};
use crate::AppState;
use crate::api::{self, NewOverride, NewOverrideDecision, Override, check_id};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};
use crate::routes::common::{Result, existing_environment};
use crate::routes::log::receipt;
use crate::routes::proposals::actor;
use crate::routes::proposals::input::{MAX_TEXT, deciding_team, text};
use crate::routes::proposals::today;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request, list))
        .routes(routes!(show))
        .routes(routes!(decide))
}

/// Who must approve a gate override of a train with `governance` today.
fn required(governance: &treaty_core::model::Governance, now: i64) -> Result<RequiredApprovals> {
    Ok(governance::required_approvals(
        governance,
        ChangeKind::GateOverride,
        &Subject::default(),
        today(now)?,
    ))
}

/// The decisions of an override as governance reads them.
pub(super) fn decisions(o: &OverrideRecord) -> Vec<(String, Decision)> {
    o.decisions
        .iter()
        .filter_map(|d| Some((d.team.clone(), Decision::parse(&d.decision)?)))
        .collect()
}

/// An override as the API answers it, judged by `required`.
fn wire(o: OverrideRecord, required: &RequiredApprovals) -> Override {
    let (verdict, waiting_on) = match governance::verdict(required, &decisions(&o)) {
        Verdict::Approved if required.requirements.is_empty() => (
            "pending",
            vec!["governance names nobody who may approve a gate override".to_owned()],
        ),
        Verdict::Approved => ("approved", Vec::new()),
        Verdict::Rejected { .. } => ("rejected", Vec::new()),
        Verdict::Pending { missing } => (
            "pending",
            missing.iter().map(governance::describe).collect(),
        ),
    };
    Override {
        id: o.id,
        train: o.request.train,
        environment: o.request.environment,
        reason: o.request.reason,
        requested_by: o.requested_by,
        requested_at: o.requested_at,
        verdict: verdict.to_owned(),
        waiting_on,
        decisions: o
            .decisions
            .into_iter()
            .map(|d| api::OverrideDecision {
                team: d.team,
                decision: d.decision,
                reason: d.reason,
                at: d.at,
                log_index: d.log_index,
            })
            .collect(),
        log: None,
    }
}

/// Ask for an override of the train's gate in one environment, with the
/// reason it should ship anyway (a team that may publish the train, with
/// `publish`; or admin). 201 with the override and its log receipt; 200
/// when the same team asked the same already.
#[utoipa::path(post, path = "/api/v1/trains/{id}/overrides", tag = "trains", params(("id" = String, Path, description = "The release's id")), request_body = NewOverride,
    responses((status = 201, body = Override), (status = 200, body = Override), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn request(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewOverride>,
) -> Result<(StatusCode, Json<Override>)> {
    let p = caller.principal()?;
    let train = existing_train(&state, &id).await?;
    if !p.is_admin() && !train.owners.contains(&p.team) {
        return Err(ApiError::Forbidden(format!(
            "an override of train `{id}`'s gate is asked for by the teams owning its scope items or the steering group ({}); this token is team `{}`'s",
            train.owners.join(", "),
            p.team
        )));
    }
    let by = actor(caller.write_as(&p.team, Scope::Publish, &format!("train `{id}`"))?);
    check_id("environment", &body.environment, false)?;
    existing_environment(&state, &body.environment).await?;
    text("reason", &body.reason, MAX_TEXT)?;
    let content = content_of(&train)?;
    let now = state.config.clock.now_ms()?;
    let new = treaty_store::NewOverride {
        train: id.clone(),
        environment: body.environment.clone(),
        reason: body.reason.clone(),
    };
    let (record, logged) = state
        .store
        .request_override(&new, &by, now, |oid| NewDecision {
            kind: DecisionKind::Override,
            actor: by.clone(),
            subject: oid.to_owned(),
            reason: body.reason.clone(),
            details: serde_json::json!({
                "train": id,
                "environment": body.environment,
                "revision": train.revision,
            }),
            at: now.div_euclid(1000),
        })
        .await?;
    let mut answer = wire(record, &required(&content.governance, now)?);
    let status = match &logged {
        Some(l) => {
            answer.log = receipt(&state, l)?;
            tracing::info!(train = %id, r#override = %answer.id, "gate override asked for");
            StatusCode::CREATED
        }
        None => StatusCode::OK,
    };
    Ok((status, Json(answer)))
}

/// The overrides asked for a train, in the order asked, each judged by
/// the governance of its newest revision today.
#[utoipa::path(get, path = "/api/v1/trains/{id}/overrides", tag = "trains", params(("id" = String, Path, description = "The release's id")),
    responses((status = 200, body = Vec<Override>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Override>>> {
    caller.read(state.config.anonymous_read)?;
    let train = existing_train(&state, &id).await?;
    let required = required(
        &content_of(&train)?.governance,
        state.config.clock.now_ms()?,
    )?;
    let records = state.store.gate_overrides(&id).await?;
    Ok(Json(
        records.into_iter().map(|o| wire(o, &required)).collect(),
    ))
}

/// One override with its decisions.
#[utoipa::path(get, path = "/api/v1/trains/{id}/overrides/{override}", tag = "trains",
    params(("id" = String, Path, description = "The release's id"), ("override" = String, Path, description = "`o-N`")),
    responses((status = 200, body = Override), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, oid)): Path<(String, String)>,
) -> Result<Json<Override>> {
    caller.read(state.config.anonymous_read)?;
    let train = existing_train(&state, &id).await?;
    let record = existing_override(&state, &id, &oid).await?;
    let required = required(
        &content_of(&train)?.governance,
        state.config.clock.now_ms()?,
    )?;
    Ok(Json(wire(record, &required)))
}

async fn existing_override(state: &AppState, train: &str, id: &str) -> Result<OverrideRecord> {
    check_id("override", id, false)?;
    state
        .store
        .gate_override(id)
        .await?
        .filter(|o| o.request.train == train)
        .ok_or_else(|| ApiError::NotFound(format!("train `{train}` has no override `{id}`")))
}

/// A team approves or rejects an override. Only a token of that team with
/// `approve` decides for it (an admin token for the admin team only);
/// only a team governance asks today for a `gate_override` decides. A
/// team's latest decision counts; repeating it changes nothing (200).
/// Every decision lands in the decision log.
#[utoipa::path(post, path = "/api/v1/trains/{id}/overrides/{override}/decisions", tag = "trains",
    params(("id" = String, Path, description = "The release's id"), ("override" = String, Path, description = "`o-N`")),
    request_body = NewOverrideDecision,
    responses((status = 200, body = Override), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, oid)): Path<(String, String)>,
    Json(body): Json<NewOverrideDecision>,
) -> Result<Json<Override>> {
    let principal = caller.principal()?;
    let (team, decision) = deciding_team(
        principal,
        body.team.as_deref(),
        &body.decision,
        &body.reason,
        "an override",
    )?;
    let train = existing_train(&state, &id).await?;
    existing_override(&state, &id, &oid).await?;
    let content = content_of(&train)?;
    let now = state.config.clock.now_ms()?;
    let required = required(&content.governance, now)?;
    let by = actor(principal);
    let asked = required.teams();
    let (record, logged) = state
        .store
        .decide_override(&oid, &by, now, |o| {
            if !asked.contains(team.as_str()) {
                return Err(ApiError::Forbidden(format!(
                    "team `{team}`'s approval of a gate override is not asked for by governance (asked: {})",
                    if asked.is_empty() {
                        "nobody".to_owned()
                    } else {
                        asked.iter().copied().collect::<Vec<_>>().join(", ")
                    }
                )));
            }
            let latest = o.decisions.iter().rev().find(|d| d.team == team);
            if latest.is_some_and(|d| d.decision == body.decision && d.reason == body.reason) {
                return Ok(None);
            }
            let mut after = decisions(o);
            after.push((team.clone(), decision));
            let verdict = match governance::verdict(&required, &after) {
                Verdict::Approved => "approved",
                Verdict::Rejected { .. } => "rejected",
                Verdict::Pending { .. } => "pending",
            };
            Ok(Some((
                (body.decision.clone(), body.reason.clone()),
                NewDecision {
                    kind: if decision == Decision::Approve {
                        DecisionKind::Approval
                    } else {
                        DecisionKind::Rejection
                    },
                    actor: by.clone(),
                    subject: o.id.clone(),
                    reason: body.reason.clone(),
                    details: serde_json::json!({
                        "team": team,
                        "override": o.id,
                        "train": o.request.train,
                        "environment": o.request.environment,
                        "verdict": verdict,
                    }),
                    at: now.div_euclid(1000),
                },
            )))
        })
        .await?;
    let mut answer = wire(record, &required);
    if let Some(l) = &logged {
        answer.log = receipt(&state, l)?;
    }
    Ok(Json(answer))
}

/// The overrides of a train, as the gate reads them.
pub(super) async fn gate_overrides(
    store: &treaty_store::Store,
    train: &str,
) -> Result<Vec<treaty_core::gate::GateOverride>> {
    Ok(store
        .gate_overrides(train)
        .await?
        .into_iter()
        .map(|o| treaty_core::gate::GateOverride {
            decisions: decisions(&o),
            id: o.id,
            environment: o.request.environment,
            reason: o.request.reason,
        })
        .collect())
}
