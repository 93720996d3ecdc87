//! `GET /api/v1/teams/{team}/digests`: the status digests the broker sent
//! a team (`crate::digests` sends them), the newest first.

use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::Result;
use crate::AppState;
use crate::api::{DigestSent, check_id};
use crate::auth::Caller;
use crate::error::{ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(team_digests))
}

/// The status digests sent to a team, the newest first (at most 100). A
/// team the broker never sent one lists none.
#[utoipa::path(get, path = "/api/v1/teams/{team}/digests", tag = "teams",
    params(("team" = String, Path, description = "The team's id")),
    responses((status = 200, body = Vec<DigestSent>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn team_digests(
    State(state): State<AppState>,
    caller: Caller,
    Path(team): Path<String>,
) -> Result<Json<Vec<DigestSent>>> {
    caller.read(state.config.anonymous_read)?;
    check_id("team", &team, false)?;
    let sent = state
        .store
        .digests(&team, treaty_store::MAX_DIGEST_PAGE)
        .await?;
    let moment = |t: jiff::Timestamp| t.to_string();
    let mut out = Vec::with_capacity(sent.len());
    for r in sent {
        let row = crate::stored::Row::digest(&r.digest.team, r.digest.period);
        let digest = serde_json::from_str(&r.digest.body)
            .map_err(|e| crate::stored::unreadable(&row, "body", &e.to_string()))?;
        let cadence: treaty_core::model::DigestCadence =
            serde_json::from_value(serde_json::Value::String(r.digest.cadence.clone()))
                .map_err(|e| crate::stored::unreadable(&row, "cadence", &e.to_string()))?;
        let sent_at = jiff::Timestamp::from_millisecond(r.sent_at)
            .map_err(|e| crate::stored::unreadable(&row, "sent_at", &e.to_string()))?;
        out.push(DigestSent {
            team: r.digest.team,
            period_start: moment(treaty_core::digest::period_start(cadence, r.digest.period)),
            cadence: r.digest.cadence,
            sent_at: moment(sent_at),
            notifications: r.notifications,
            digest,
        });
    }
    Ok(Json(out))
}
