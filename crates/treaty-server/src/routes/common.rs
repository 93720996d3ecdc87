//! What several resources' handlers share: looking up what a request names
//! (404 when it does not exist) and the status of a repeatable write.

use axum::http::StatusCode;
use treaty_store::{OwnedInterface, Written};

use crate::AppState;
use crate::error::ApiError;

/// A handler's result: an error answers in the common error body.
pub(super) type Result<T> = std::result::Result<T, ApiError>;

/// 201 for a write that stored something new, 200 for a repeat.
pub(super) fn written_status(w: Written) -> StatusCode {
    match w {
        Written::Created => StatusCode::CREATED,
        Written::Unchanged => StatusCode::OK,
    }
}

pub(super) async fn existing_team(state: &AppState, id: &str) -> Result<()> {
    if state.store.team_exists(id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("team `{id}` does not exist")))
    }
}

pub(super) async fn existing_component(
    state: &AppState,
    id: &str,
) -> Result<treaty_store::Component> {
    state
        .store
        .component(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("component `{id}` does not exist")))
}

pub(super) async fn existing_interface(state: &AppState, id: &str) -> Result<OwnedInterface> {
    state
        .store
        .interface(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("interface `{id}` does not exist")))
}

pub(super) async fn existing_environment(state: &AppState, id: &str) -> Result<()> {
    if state.store.environment_exists(id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "environment `{id}` does not exist"
        )))
    }
}
