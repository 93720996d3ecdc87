//! `/api/v1/trains/{id}`: release trains published from a workspace
//! (`treaty release publish`), one revision per changed content; the
//! evidence pushed for them (`evidence`), their blockers (`blockers`),
//! the overrides of their gates (`overrides`) and the release gate on
//! them (`gate`, whose `gather` gathers what it judges). "Trains" because `/api/v1/releases` are released versions.
//!
//! Who may publish: a team owning a scope item of the train, or a
//! steering-group team — of the newest stored revision once there is one
//! (so a team cannot write itself into a train), of the content being
//! published for the first one — with `publish`, or an admin.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use treaty_store::{Scope, Written};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, written_status};
use crate::AppState;
use crate::api::{EscalationStepSent, Train, TrainContent, check_id};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

mod blockers;
mod evidence;
pub(crate) mod gate;
mod kept_evidence;
mod overrides;
mod stream;

/// Scope items of one train, at most.
const MAX_ITEMS: usize = 5_000;
/// Criteria of one scope item, at most.
const MAX_CRITERIA: usize = 100;
/// Interfaces, and other releases, one train carries, at most.
const MAX_LISTED: usize = 10_000;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish_train, get_train))
        .routes(routes!(evidence::push_evidence))
        .routes(routes!(gate::gate))
        .routes(routes!(gate::status))
        .routes(routes!(train_escalations))
        .merge(blockers::routes())
        .merge(overrides::routes())
}

/// The escalation steps the broker sent for a train, in the order sent
/// (at most 1,000): each recorded once, with its decision log entry and
/// the notifications queued for it (docs/gates.md).
#[utoipa::path(get, path = "/api/v1/trains/{id}/escalations", tag = "trains", params(("id" = String, Path, description = "The release's id")),
    responses((status = 200, body = Vec<EscalationStepSent>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn train_escalations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<EscalationStepSent>>> {
    caller.read(state.config.anonymous_read)?;
    existing_train(&state, &id).await?;
    let steps = state
        .store
        .escalation_steps(&id, treaty_store::MAX_STEP_PAGE)
        .await?;
    let moment = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| ms.to_string())
    };
    Ok(Json(
        steps
            .into_iter()
            .map(|r| EscalationStepSent {
                since: moment(r.step.since),
                due_at: moment(r.step.due_at),
                sent_at: moment(r.sent_at),
                key: r.step.key,
                rule: r.step.rule,
                team: r.step.team,
                to: r.step.to,
                message: r.step.message,
                notifications: r.notifications,
            })
            .collect(),
    ))
}

/// Publish what the gate needs of a release (a team owning one of its
/// scope items or a steering-group team, with `publish`; or admin): 201
/// for a new revision, 200 when the newest revision holds this content
/// already.
#[utoipa::path(put, path = "/api/v1/trains/{id}", tag = "trains", params(("id" = String, Path, description = "The release's id")), request_body = TrainContent,
    responses((status = 201, body = Train), (status = 200, body = Train), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn publish_train(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<serde_json::Value>,
) -> Result<(StatusCode, Json<Train>)> {
    let p = caller.principal()?;
    check_id("id", &id, false)?;
    let text = body.to_string();
    let content = TrainContent::read(&text, state.config.max_body_bytes)
        .map_err(|e| ApiError::Invalid(format!("the train: {e}")))?;
    check_content(&id, &content)?;
    let stored = state.store.train(&id).await?;
    let may_write = match &stored {
        Some(r) => r.owners.clone(),
        None => writers(&content),
    };
    let team = p.team.clone();
    if !p.is_admin() && !may_write.contains(&team) {
        return Err(ApiError::Forbidden(format!(
            "train `{id}` may be published by the teams owning its scope items or the steering group ({}); this token is team `{team}`'s",
            may_write.join(", ")
        )));
    }
    caller.write_as(&team, Scope::Publish, &format!("train `{id}`"))?;
    let (revision, written) = state
        .store
        .publish_train(
            &id,
            &text,
            &writers(&content),
            &team,
            state.config.clock.now_ms()?,
        )
        .await?;
    if written == Written::Created {
        tracing::info!(train = %id, revision = revision.revision, "train published");
    }
    Ok((written_status(written), Json(train_of(revision)?)))
}

/// The newest revision of a train.
#[utoipa::path(get, path = "/api/v1/trains/{id}", tag = "trains", params(("id" = String, Path, description = "The release's id")),
    responses((status = 200, body = Train), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_train(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Train>> {
    caller.read(state.config.anonymous_read)?;
    Ok(Json(train_of(existing_train(&state, &id).await?)?))
}

/// The newest revision of train `id`; 404 when it was never published.
async fn existing_train(state: &AppState, id: &str) -> Result<treaty_store::TrainRevision> {
    check_id("id", id, false)?;
    state.store.train(id).await?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "train `{id}` was never published: run `treaty release publish {id}`"
        ))
    })
}

/// A stored revision as the API answers it.
fn train_of(r: treaty_store::TrainRevision) -> Result<Train> {
    let content = serde_json::from_str(&r.content).map_err(|e| {
        crate::stored::unreadable(
            &crate::stored::Row::train(&r.train, r.revision),
            "content",
            &e.to_string(),
        )
    })?;
    Ok(Train {
        id: r.train,
        revision: r.revision,
        content_hash: r.content_hash,
        owners: r.owners,
        published_by: r.published_by,
        published_at: r.published_at,
        content,
    })
}

/// A stored revision's content (it was checked when published).
fn content_of(r: &treaty_store::TrainRevision) -> Result<TrainContent> {
    TrainContent::read(&r.content, usize::MAX).map_err(|e| {
        crate::stored::unreadable(
            &crate::stored::Row::train(&r.train, r.revision),
            "content",
            &e,
        )
    })
}

/// The teams that may publish the next revision and push evidence: the
/// owners of scope items and the steering group.
fn writers(content: &TrainContent) -> Vec<String> {
    let mut teams: Vec<String> = content
        .release
        .scope
        .iter()
        .filter_map(|item| item.owner.as_ref().map(|o| o.value.clone()))
        .chain(
            content
                .governance
                .steering_group
                .iter()
                .map(|t| t.value.clone()),
        )
        .collect();
    teams.sort();
    teams.dedup();
    teams
}

/// What a published train must be: its release's id in the path, within
/// the limits, and every interface its scope names carried.
fn check_content(id: &str, c: &TrainContent) -> Result<()> {
    let release = &c.release.id.value;
    if release != id {
        return Err(ApiError::Invalid(format!(
            "the body is release `{release}`, the path names train `{id}`"
        )));
    }
    let too_many = |what: &str, n: usize, max: usize| {
        (n > max).then(|| ApiError::Invalid(format!("{what}: {n}, at most {max}")))
    };
    if let Some(e) = too_many("scope items", c.release.scope.len(), MAX_ITEMS)
        .or_else(|| too_many("interfaces", c.interfaces.len(), MAX_LISTED))
        .or_else(|| too_many("releases", c.releases.len(), MAX_LISTED))
        .or_else(|| too_many("teams", c.teams.len(), MAX_LISTED))
    {
        return Err(e);
    }
    for item in &c.release.scope {
        if let Some(e) = too_many(
            &format!("criteria of scope item `{}`", item.id.value),
            item.done.len(),
            MAX_CRITERIA,
        ) {
            return Err(e);
        }
        for i in &item.interfaces {
            if !c.interfaces.iter().any(|x| x.id.value == i.value) {
                return Err(ApiError::Invalid(format!(
                    "scope item `{}` changes interface `{}`, which the body does not carry in `interfaces`",
                    item.id.value, i.value
                )));
            }
        }
    }
    Ok(())
}
