//! `GET /`: the HAL index, with the `pb:` relations Pact clients follow
//! from it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use super::{Base, PactResult, hal};
use crate::AppState;
use crate::auth::Caller;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/", get(index))
}

async fn index(State(state): State<AppState>, caller: Caller, base: Base) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    let b = &base;
    Ok(hal(
        StatusCode::OK,
        json!({
            "_links": {
                "self": {"href": format!("{}/", b.0), "title": "Index"},
                "pb:publish-contracts": {"href": format!("{}/contracts/publish", b.0), "title": "Publish contracts"},
                "pb:publish-pact": b.template("/pacts/provider/{provider}/consumer/{consumer}/version/{consumerApplicationVersion}", "Publish a pact"),
                "pb:latest-provider-pacts": b.template("/pacts/provider/{provider}/latest", "Latest pacts by provider"),
                "pb:provider-pacts-for-verification": b.template("/pacts/provider/{provider}/for-verification", "Pact versions to be verified for the specified provider"),
                "pb:pacticipants": {"href": format!("{}/pacticipants", b.0), "title": "Pacticipants"},
                "pb:pacticipant": b.template("/pacticipants/{pacticipant}", "Fetch pacticipant by name"),
                "pb:pacticipant-version": b.template("/pacticipants/{pacticipant}/versions/{version}", "Get, create or delete a pacticipant version"),
                "pb:pacticipant-branch-version": b.template("/pacticipants/{pacticipant}/branches/{branch}/versions/{version}", "Get or add/create a version for a pacticipant branch"),
                "pb:pacticipant-version-tag": b.template("/pacticipants/{pacticipant}/versions/{version}/tags/{tag}", "Get, create or delete a tag for a pacticipant version"),
                "pb:environments": {"href": format!("{}/environments", b.0), "title": "Environments"},
                "pb:environment": b.template("/environments/{uuid}", "Environment"),
                "pb:can-i-deploy-pacticipant-version-to-environment": b.template("/can-i-deploy?pacticipant={pacticipant}&version={version}&environment={environment}", "Determine if a pacticipant version can be deployed to an environment"),
                "pb:matrix": {"href": format!("{}/matrix", b.0), "title": "The matrix: which versions were verified against which"},
                "curies": [{"name": "pb", "href": format!("{}/doc/{{rel}}?context=index", b.0), "templated": true}]
            }
        }),
    ))
}
