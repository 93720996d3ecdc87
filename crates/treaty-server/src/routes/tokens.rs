//! `/api/v1/tokens` and `/api/v1/whoami`: issue (admin), revoke, and ask
//! whose a token is.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use treaty_store::Scope;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, existing_team};
use super::log::receipt;
use crate::AppState;
use crate::api::{IssuedToken, NewToken, RevokedToken, WhoAmI, check_id};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(whoami))
}

/// The scopes asked for, each once, in the order asked; at least one.
fn scopes_of(names: &[String]) -> Result<Vec<Scope>> {
    let mut scopes = Vec::new();
    for s in names {
        let scope = Scope::parse(s).ok_or_else(|| {
            ApiError::Invalid(format!(
                "unknown scope `{s}`: expected read, publish, approve or admin"
            ))
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ApiError::Invalid(
            "`scopes` must name at least one scope".into(),
        ));
    }
    Ok(scopes)
}

/// Issue a token for a team (admin). The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = IssuedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<IssuedToken>)> {
    let by = actor(caller.admin()?);
    check_id("team", &body.team, false)?;
    let scopes = scopes_of(&body.scopes)?;
    existing_team(&state, &body.team).await?;
    let issued = state
        .store
        .issue_token(&body.team, &scopes, state.config.clock.now_ms()?, by)
        .await?;
    tracing::info!(token = %issued.id, team = %body.team, "token issued");
    let log = receipt(&state, &issued.logged)?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            id: issued.id,
            team: body.team,
            scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            token: issued.secret,
            log,
        }),
    ))
}

/// Revoke a token by its id (admin, or the token's own team with `publish`).
/// Answers 204 without a body; with `Prefer: return=representation`
/// (RFC 7240), 200 with where the revocation was recorded in the decision
/// log.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path), ("Prefer" = Option<String>, Header, description = "`return=representation` for a 200 answer with the decision log's receipt")),
    responses((status = 204), (status = 200, body = RevokedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("id", &id, false)?;
    let team = state
        .store
        .token_team(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("token `{id}` does not exist")))?;
    let by = actor(caller.write_as(&team, Scope::Publish, &format!("token `{id}`"))?);
    if let Some(logged) = state
        .store
        .revoke_token(&id, state.config.clock.now_ms()?, by)
        .await?
    {
        state.tokens.clear();
        tracing::info!(token = %id, "token revoked");
        if !wants_representation(&headers) {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let log = receipt(&state, &logged)?;
        Ok(Json(RevokedToken { id, log }).into_response())
    } else {
        Err(ApiError::NotFound(format!(
            "token `{id}` is already revoked"
        )))
    }
}

/// Whether the request asks for the result in the answer (RFC 7240
/// `Prefer: return=representation`).
fn wants_representation(headers: &HeaderMap) -> bool {
    headers.get_all("prefer").iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("return=representation"))
        })
    })
}

/// The decision log's actor for a caller.
fn actor(p: &treaty_store::Principal) -> treaty_log::Actor {
    treaty_log::Actor {
        team: p.team.clone(),
        token_id: Some(p.token_id.clone()),
    }
}

/// The team and scopes of the caller's token.
#[utoipa::path(get, path = "/api/v1/whoami", tag = "tokens",
    responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
async fn whoami(caller: Caller) -> Result<Json<WhoAmI>> {
    Ok(Json(caller.principal()?.into()))
}
