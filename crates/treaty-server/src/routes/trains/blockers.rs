//! `/api/v1/trains/{id}/blockers`: the blockers of a train. Raised by any
//! team of the workspace, changed (assigned, triaged, resolved, reopened)
//! as `treaty_core::triage` allows for the caller's team, with the
//! governance of the train's newest revision. Each change is one
//! transaction with the event that records it.
//!
//! A blocker's deadline is its severity's SLA (`governance.blocker_slas`)
//! counted from when it was raised, recomputed with the governance in
//! force when its severity changes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use treaty_core::model::{Governance, Severity};
use treaty_core::triage::{self, Action, BlockerFacts, FixEvidence, TriageContext};
use treaty_store::{BlockerChange, BlockerRecord, BlockerState, Scope, Written};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::gate::stored_evidence;
use super::{content_of, existing_train};
use crate::AppState;
use crate::api::{Blocker, BlockerChangeRequest, NewBlocker, TrainContent, check_id};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};
use crate::routes::common::{Result, existing_team, written_status};
use crate::routes::proposals::actor;
use crate::routes::proposals::input::{MAX_TEXT, MAX_TITLE, text};

/// Longest tracker link.
const MAX_URL: usize = 2_048;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(raise, list))
        .routes(routes!(show))
        .routes(routes!(change))
}

/// The caller as a writer: a token with `publish` (or admin).
fn writer(caller: &Caller) -> Result<treaty_log::Actor> {
    let p = caller.principal()?;
    if !p.is_admin() && !p.may(Scope::Publish) {
        return Err(ApiError::Forbidden(format!(
            "changing blockers needs a token with the `publish` scope; team `{}`'s token has not",
            p.team
        )));
    }
    Ok(actor(p))
}

fn severity(field: &str, s: &str) -> Result<Severity> {
    Severity::parse(s).ok_or_else(|| {
        ApiError::Invalid(format!(
            "unknown `{field}` `{s}`: expected low, medium, high or critical"
        ))
    })
}

fn tracker(link: Option<&str>) -> Result<()> {
    let Some(link) = link else { return Ok(()) };
    let ok = (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() <= MAX_URL
        && url::Url::parse(link).is_ok();
    if ok {
        Ok(())
    } else {
        Err(ApiError::Invalid(format!(
            "`tracker` must be an http(s) URL of at most {MAX_URL} characters; got {:?}",
            link.chars().take(80).collect::<String>()
        )))
    }
}

fn refused(r: triage::Refusal) -> ApiError {
    match r {
        triage::Refusal::NotAllowed(m) => ApiError::Forbidden(m),
        triage::Refusal::Incomplete(m) => ApiError::Invalid(m),
        triage::Refusal::Conflict(m) => ApiError::Conflict(m),
    }
}

/// The deadline of a blocker of `severity` raised at `raised_at` (Unix
/// milliseconds), from `governance`'s SLA.
fn deadline(governance: &Governance, severity: Severity, raised_at: i64) -> Result<Option<i64>> {
    let raised = Timestamp::from_millisecond(raised_at)
        .map_err(|e| ApiError::Internal(format!("the clock: {e}")))?;
    Ok(
        treaty_core::escalation::blocker_deadline(&governance.blocker_slas, severity, raised)
            .map(|d| d.as_millisecond()),
    )
}

/// A stored blocker's severity (an unknown one is an error, never a
/// default).
fn stored_severity(b: &BlockerRecord) -> Result<Severity> {
    let s = &b.blocker.state.severity;
    Severity::parse(s).ok_or_else(|| {
        ApiError::Internal(format!(
            "blocker `{}`: its stored severity `{s}` does not read",
            b.id
        ))
    })
}

fn moment(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(|e| ApiError::Internal(format!("a stored time: {e}")))
}

/// Raise a blocker against the train or one of its scope items (any team's
/// token with `publish`, or admin). Its owning team is `team`, else the
/// scope item's owner, else the caller's team; its deadline the SLA of its
/// severity. 201; 200 when the same blocker (title, item, team) is open
/// already.
#[utoipa::path(post, path = "/api/v1/trains/{id}/blockers", tag = "trains", params(("id" = String, Path, description = "The release's id")), request_body = NewBlocker,
    responses((status = 201, body = Blocker), (status = 200, body = Blocker), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn raise(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewBlocker>,
) -> Result<(StatusCode, Json<Blocker>)> {
    let by = writer(&caller)?;
    let train = existing_train(&state, &id).await?;
    let content = content_of(&train)?;
    text("title", &body.title, MAX_TITLE)?;
    if let Some(reason) = &body.reason {
        text("reason", reason, MAX_TEXT)?;
    }
    let level = severity("severity", &body.severity)?;
    tracker(body.tracker.as_deref())?;
    let item_owner = match &body.item {
        Some(item) => Some(scope_item_owner(&content, item)?),
        None => None,
    };
    let team = body
        .team
        .clone()
        .or(item_owner.flatten())
        .unwrap_or_else(|| by.team.clone());
    check_id("team", &team, false)?;
    existing_team(&state, &team).await?;
    triage::judge(
        &context(&content, &train.owners),
        None,
        &Action::Raise {
            severity: level,
            tracked: body.tracker.is_some(),
        },
        triage::Caller {
            team: &by.team,
            admin: caller.principal()?.is_admin(),
        },
    )
    .map_err(refused)?;
    let now = state.config.clock.now_ms()?;
    let new = treaty_store::NewBlocker {
        train: id.clone(),
        title: body.title.clone(),
        item: body.item.clone(),
        team,
        state: BlockerState {
            severity: level.as_str().to_owned(),
            deadline: deadline(&content.governance, level, now)?,
            assignee_team: None,
            assignee_handle: None,
            tracker: body.tracker.clone(),
            state: "open".into(),
            fix: None,
        },
    };
    let reason = body.reason.as_deref().unwrap_or(&body.title);
    let (record, written) = state.store.raise_blocker(&new, &by, reason, now).await?;
    if written == Written::Created {
        tracing::info!(train = %id, blocker = %record.id, "blocker raised");
    }
    Ok((written_status(written), Json(record.into())))
}

/// The owner of scope item `item` of the train (`None` when it names
/// none); 404 when the train has no such item.
fn scope_item_owner(content: &TrainContent, item: &str) -> Result<Option<String>> {
    check_id("item", item, false)?;
    content
        .release
        .scope
        .iter()
        .find(|i| i.id.value == item)
        .map(|i| i.owner.as_ref().map(|o| o.value.clone()))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "release `{}` has no scope item `{item}`",
                content.release.id.value
            ))
        })
}

fn context<'a>(content: &'a TrainContent, owners: &'a [String]) -> TriageContext<'a> {
    TriageContext {
        governance: &content.governance,
        release_owners: owners,
    }
}

/// The blockers of a train, open and resolved, in the order raised, each
/// with its history.
#[utoipa::path(get, path = "/api/v1/trains/{id}/blockers", tag = "trains", params(("id" = String, Path, description = "The release's id")),
    responses((status = 200, body = Vec<Blocker>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Blocker>>> {
    caller.read(state.config.anonymous_read)?;
    existing_train(&state, &id).await?;
    let records = state.store.blockers(&id).await?;
    Ok(Json(records.into_iter().map(Blocker::from).collect()))
}

/// One blocker with its history.
#[utoipa::path(get, path = "/api/v1/trains/{id}/blockers/{blocker}", tag = "trains",
    params(("id" = String, Path, description = "The release's id"), ("blocker" = String, Path, description = "`b-N`")),
    responses((status = 200, body = Blocker), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, blocker)): Path<(String, String)>,
) -> Result<Json<Blocker>> {
    caller.read(state.config.anonymous_read)?;
    Ok(Json(existing_blocker(&state, &id, &blocker).await?.into()))
}

async fn existing_blocker(state: &AppState, train: &str, id: &str) -> Result<BlockerRecord> {
    check_id("id", train, false)?;
    check_id("blocker", id, false)?;
    state
        .store
        .blocker(id)
        .await?
        .filter(|b| b.blocker.train == train)
        .ok_or_else(|| ApiError::NotFound(format!("train `{train}` has no blocker `{id}`")))
}

/// What a change request asks, checked.
enum Asked {
    Assign {
        team: String,
        handle: Option<String>,
    },
    SetSeverity(Severity),
    Resolve {
        fix: Option<(String, FixEvidence)>,
    },
    Reopen,
}

/// Change a blocker: `assign` (to `team`, optionally a member `handle`),
/// `set_severity`, `resolve` (with `fix`, `ITEM/CRITERION`, where
/// governance asks for evidence) or `reopen`, with a reason. Who may do
/// which is `governance.triage`'s (docs/gates.md); a tracker link may come
/// with any change. 200 with the blocker; a repeat of its current state
/// changes nothing (200).
#[utoipa::path(post, path = "/api/v1/trains/{id}/blockers/{blocker}/changes", tag = "trains",
    params(("id" = String, Path, description = "The release's id"), ("blocker" = String, Path, description = "`b-N`")),
    request_body = BlockerChangeRequest,
    responses((status = 200, body = Blocker), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, blocker)): Path<(String, String)>,
    Json(body): Json<BlockerChangeRequest>,
) -> Result<Json<Blocker>> {
    let by = writer(&caller)?;
    let admin = caller.principal()?.is_admin();
    existing_blocker(&state, &id, &blocker).await?;
    let train = existing_train(&state, &id).await?;
    let content = content_of(&train)?;
    text("reason", &body.reason, MAX_TEXT)?;
    tracker(body.tracker.as_deref())?;
    let asked = match body.action.as_str() {
        "assign" => {
            let team = body.team.clone().ok_or_else(|| {
                ApiError::Invalid("`assign` needs `team`: who takes the blocker".into())
            })?;
            check_id("team", &team, false)?;
            existing_team(&state, &team).await?;
            if let Some(h) = &body.handle {
                check_id("handle", h, false)?;
            }
            Asked::Assign {
                team,
                handle: body.handle.clone(),
            }
        }
        "set_severity" => Asked::SetSeverity(severity(
            "severity",
            body.severity
                .as_deref()
                .ok_or_else(|| ApiError::Invalid("`set_severity` needs `severity`".into()))?,
        )?),
        "resolve" => Asked::Resolve {
            fix: match &body.fix {
                Some(subject) => Some(fix_evidence(&state, &content, subject).await?),
                None => None,
            },
        },
        "reopen" => Asked::Reopen,
        other => {
            return Err(ApiError::Invalid(format!(
                "unknown `action` `{other}`: expected assign, set_severity, resolve or reopen"
            )));
        }
    };
    let owners = train.owners.clone();
    let now = state.config.clock.now_ms()?;
    let (record, _) = state
        .store
        .change_blocker(&blocker, &by, now, |b| {
            decide(
                b,
                &asked,
                &body,
                &content,
                &owners,
                triage::Caller {
                    team: &by.team,
                    admin,
                },
            )
        })
        .await?;
    Ok(Json(record.into()))
}

/// The change `asked` makes of `b`, if triage allows it; `None` for a
/// repeat of its current state.
fn decide(
    b: &BlockerRecord,
    asked: &Asked,
    body: &BlockerChangeRequest,
    content: &TrainContent,
    owners: &[String],
    caller: triage::Caller<'_>,
) -> Result<Option<BlockerChange>> {
    let s = &b.blocker.state;
    let current = stored_severity(b)?;
    let open = s.state == "open";
    let tracker_changes = body.tracker.is_some() && body.tracker != s.tracker;
    let repeat = !tracker_changes
        && match asked {
            Asked::Assign { team, handle } => {
                s.assignee_team.as_ref() == Some(team) && s.assignee_handle == *handle
            }
            Asked::SetSeverity(to) => *to == current,
            Asked::Resolve { .. } => !open,
            Asked::Reopen => open,
        };
    if repeat {
        return Ok(None);
    }
    let facts = BlockerFacts {
        owner: &b.blocker.team,
        assignee_team: s.assignee_team.as_deref(),
        severity: current,
        tracked: s.tracker.is_some(),
        raised_at: moment(b.raised_at)?,
        open,
    };
    let tracked = s.tracker.is_some() || body.tracker.is_some();
    let (action, kind) = match asked {
        Asked::Assign { .. } => (Action::Assign, "assigned"),
        Asked::SetSeverity(to) => (Action::SetSeverity { to: *to, tracked }, "severity_changed"),
        Asked::Resolve { fix } => (
            Action::Resolve {
                fix: fix.as_ref().map(|(_, f)| f.clone()),
            },
            "resolved",
        ),
        Asked::Reopen => (Action::Reopen, "reopened"),
    };
    triage::judge(&context(content, owners), Some(&facts), &action, caller).map_err(refused)?;
    let mut next = s.clone();
    if let Some(link) = &body.tracker {
        next.tracker = Some(link.clone());
    }
    let details = match asked {
        Asked::Assign { team, handle } => {
            next.assignee_team = Some(team.clone());
            next.assignee_handle = handle.clone();
            serde_json::json!({ "team": team, "handle": handle })
        }
        Asked::SetSeverity(to) => {
            next.severity = to.as_str().to_owned();
            next.deadline = deadline(&content.governance, *to, b.raised_at)?;
            serde_json::json!({ "from": current.as_str(), "to": to.as_str(), "deadline": next.deadline })
        }
        Asked::Resolve { fix } => {
            next.state = "resolved".into();
            next.fix = fix
                .as_ref()
                .map(|(subject, f)| format!("{subject}: {}", f.origin));
            serde_json::json!({ "fix": next.fix })
        }
        Asked::Reopen => {
            next.state = "open".into();
            next.fix = None;
            serde_json::json!({})
        }
    };
    let mut details = details;
    if tracker_changes {
        details["tracker"] = serde_json::json!(body.tracker);
    }
    Ok(Some(BlockerChange {
        next,
        kind: kind.to_owned(),
        reason: body.reason.clone(),
        details,
    }))
}

/// The evidence offered for a fix: the newest run pushed for criterion
/// `subject` (`ITEM/CRITERION`) of the train, whatever its version, judged
/// against the criterion's threshold.
async fn fix_evidence(
    state: &AppState,
    content: &TrainContent,
    subject: &str,
) -> Result<(String, FixEvidence)> {
    let (item, criterion) = subject.split_once('/').ok_or_else(|| {
        ApiError::Invalid(format!("`fix` must be `ITEM/CRITERION`, got `{subject}`"))
    })?;
    let criterion = content
        .release
        .scope
        .iter()
        .find(|i| i.id.value == item)
        .and_then(|i| i.done.iter().find(|c| c.id.value == criterion))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "release `{}` has no criterion `{subject}`",
                content.release.id.value
            ))
        })?;
    let rows: Vec<_> = state
        .store
        .latest_evidence(&content.release.id.value)
        .await?
        .into_iter()
        .filter(|r| r.evidence.subject == subject)
        .collect();
    let newest = stored_evidence(rows)?
        .into_iter()
        .max_by_key(|r| r.recorded_at);
    let Some(record) = newest else {
        return Err(ApiError::Invalid(format!(
            "no evidence was pushed for `{subject}`: push the run that shows the fix (`treaty evidence push`), then resolve"
        )));
    };
    Ok((
        subject.to_owned(),
        FixEvidence {
            origin: record.origin.clone(),
            recorded_at: record.recorded_at,
            meets: treaty_core::gate::meets(criterion, &record),
        },
    ))
}

/// The open blockers of a train, as the gate reads them.
pub(super) async fn open_blockers(
    store: &treaty_store::Store,
    train: &str,
) -> Result<Vec<treaty_core::gate::OpenBlocker>> {
    let mut out = Vec::new();
    for b in store.open_blockers(train).await? {
        let severity = stored_severity(&b)?;
        let s = b.blocker.state;
        out.push(treaty_core::gate::OpenBlocker {
            severity,
            deadline: s.deadline.map(moment).transpose()?,
            id: b.id,
            title: b.blocker.title,
            item: b.blocker.item,
            team: b.blocker.team,
        });
    }
    Ok(out)
}
