//! `POST /api/v1/trains/{id}/evidence`: a CI job's report, streamed into
//! `treaty_evidence::read` on a blocking thread as it arrives (memory stays
//! bounded whatever its size), stored as what it measured, never as the
//! file. A malformed report is refused with its line, and nothing is kept.
//!
//! Who may push: the team owning the scope item (for a criterion) or the
//! SLO's interface's producer, with `publish`; or an admin.

use std::io::BufReader;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use treaty_evidence::{Limits, ReportFormat};
use treaty_store::{NewEvidence, Scope};

use super::stream::{self, Stopped};
use super::{content_of, existing_train};
use crate::AppState;
use crate::api::{EvidenceQuery, RecordedEvidence, TrainContent, check_id};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};
use crate::routes::common::Result;

/// What a report is evidence for, checked against the train.
struct Subject {
    /// As stored: `item/criterion` or `slo:interface/name`.
    key: String,
    /// The team that may push it.
    owner: String,
}

/// Push a report as evidence for a criterion of a scope item (`item`,
/// `criterion`) or an interface's SLO (`slo`), produced from `component`
/// at `version`. The body is the report (JUnit XML, SARIF, Treaty's
/// metrics JSON, criterion's estimates), read as it arrives. 201 with what
/// was measured; 400 naming the line for a malformed report (nothing is
/// stored); 413 past the broker's evidence limit.
#[utoipa::path(post, path = "/api/v1/trains/{id}/evidence", tag = "trains", params(("id" = String, Path, description = "The release's id"), EvidenceQuery),
    request_body(content = String, description = "The report, as the tool wrote it", content_type = "application/octet-stream"),
    responses((status = 201, body = RecordedEvidence), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn push_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<EvidenceQuery>,
    body: Body,
) -> Result<(StatusCode, Json<RecordedEvidence>)> {
    caller.principal()?;
    let format = format_of(q.format.as_deref())?;
    for (field, value, version) in [
        ("component", &q.component, false),
        ("version", &q.version, true),
        ("run", &q.run, true),
    ] {
        if let Some(v) = value {
            check_id(field, v, version)?;
        }
    }
    let train = existing_train(&state, &id).await?;
    let content = content_of(&train)?;
    let subject = subject_of(&q, &content)?;
    let p = caller.write_as(
        &subject.owner,
        Scope::Publish,
        &format!("evidence for `{}` of train `{id}`", subject.key),
    )?;
    let by = p.team.clone();

    let limits = Limits {
        max_bytes: state.config.max_evidence_bytes,
        ..Limits::default()
    };
    let (mut reader, pumping) = stream::pump(body, limits.max_bytes);
    let read = tokio::task::spawn_blocking(move || {
        let report = treaty_evidence::read(format, BufReader::new(&mut reader), &limits);
        (report, reader.stopped.take())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("reading the report: {e}")))?;
    pumping.abort();
    let report = match read {
        (Ok(report), None) => report,
        (_, Some(Stopped::TooLarge(limit))) => {
            return Err(ApiError::TooLarge(format!(
                "the report is larger than this broker's evidence limit of {limit} bytes; nothing was stored"
            )));
        }
        (_, Some(Stopped::Failed(e))) => {
            return Err(ApiError::BadRequest(format!(
                "the upload of the report failed: {e}; nothing was stored"
            )));
        }
        (Err(e), None) => {
            return Err(ApiError::BadRequest(format!(
                "the {format} report is malformed at line {}: {}; nothing was stored",
                e.line, e.message
            )));
        }
    };
    let measurements = serde_json::to_string(&report)
        .map_err(|e| ApiError::Internal(format!("serializing the report: {e}")))?;
    let evidence = NewEvidence {
        train: id.clone(),
        subject: subject.key.clone(),
        component: q.component.clone().unwrap_or_default(),
        version: q.version.clone().unwrap_or_default(),
        run: q.run.clone().unwrap_or_default(),
        measurements,
    };
    let now = state.config.clock.now_ms()?;
    let evidence_id = state.store.record_evidence(&evidence, &by, now).await?;
    tracing::info!(train = %id, subject = %subject.key, id = %evidence_id, "evidence recorded");
    Ok((
        StatusCode::CREATED,
        Json(RecordedEvidence {
            run: q.run.unwrap_or_else(|| evidence_id.clone()),
            id: evidence_id,
            train: id,
            subject: subject.key,
            component: q.component,
            version: q.version,
            recorded_at: now,
            recorded_by: by,
            report,
        }),
    ))
}

/// The report format a query names; JUnit when it names none.
fn format_of(name: Option<&str>) -> Result<ReportFormat> {
    match name {
        None => Ok(ReportFormat::Junit),
        Some("criterion") => Ok(ReportFormat::CriterionEstimates),
        Some(name) => name
            .parse()
            .map_err(|e: treaty_evidence::UnknownFormat| ApiError::Invalid(e.to_string())),
    }
}

/// The subject a query names, which must exist in the train, and the team
/// that may push evidence for it.
fn subject_of(q: &EvidenceQuery, content: &TrainContent) -> Result<Subject> {
    let release = &content.release.id.value;
    match (&q.item, &q.criterion, &q.slo) {
        (Some(item), Some(criterion), None) => {
            let scope = content
                .release
                .scope
                .iter()
                .find(|i| i.id.value == *item)
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "train `{release}` has no scope item `{item}`"
                    ))
                })?;
            if !scope.done.iter().any(|c| c.id.value == *criterion) {
                return Err(ApiError::NotFound(format!(
                    "scope item `{item}` of train `{release}` has no criterion `{criterion}`"
                )));
            }
            Ok(Subject {
                key: format!("{item}/{criterion}"),
                // An item without an owner: no team owns it, only an admin
                // may push its evidence.
                owner: scope
                    .owner
                    .as_ref()
                    .map(|o| o.value.clone())
                    .unwrap_or_default(),
            })
        }
        (None, None, Some(slo)) => {
            let (interface, name) = slo.split_once('/').ok_or_else(|| {
                ApiError::Invalid(format!("`slo` must be `INTERFACE/SLO NAME`, got `{slo}`"))
            })?;
            let i = content
                .interfaces
                .iter()
                .find(|i| i.id.value == interface)
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "train `{release}` changes no interface `{interface}`"
                    ))
                })?;
            if !i.slos.iter().any(|s| s.name == name) {
                return Err(ApiError::NotFound(format!(
                    "interface `{interface}` declares no SLO named `{name}`"
                )));
            }
            Ok(Subject {
                key: format!("slo:{interface}/{name}"),
                owner: i
                    .producer
                    .as_ref()
                    .map(|p| p.value.clone())
                    .unwrap_or_default(),
            })
        }
        _ => Err(ApiError::Invalid(
            "name what the report is evidence for: `item` and `criterion`, or `slo` (`INTERFACE/SLO NAME`)"
                .into(),
        )),
    }
}
