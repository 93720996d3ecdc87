//! The handlers of `/api/v1`, one module per resource: each holds its
//! handlers, the validation of its requests and its routes (which register
//! its paths in the OpenAPI description too). This module only puts them
//! together with the description's header.
//!
//! Every write handler asks who is calling before it looks anything up (an
//! anonymous caller learns nothing of what exists), validates ids and sizes,
//! and writes through one store call (one transaction).

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

mod common;
mod components;
mod deployments;
mod digests;
mod environments;
mod expectations;
mod interfaces;
pub(crate) mod log;
mod notifications;
mod operations;
pub(crate) mod pact_broker;
pub(crate) mod proposals;
mod release;
mod releases;
mod teams;
mod tokens;
pub(crate) mod trains;
mod verifications;
mod versions;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Treaty broker API",
        version = "1.0.0",
        description = "Interface versions, consumer expectations, verifications, deployments and can-i-release. Every write needs a bearer token of the team that owns what it writes; errors share one body."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

/// Declares the bearer-token scheme every operation refers to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route of the API, with the OpenAPI description they make up.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(teams::routes())
        .merge(digests::routes())
        .merge(tokens::routes())
        .merge(components::routes())
        .merge(interfaces::routes())
        .merge(versions::routes())
        .merge(expectations::routes())
        .merge(verifications::routes())
        .merge(environments::routes())
        .merge(deployments::routes())
        .merge(release::routes())
        .merge(releases::routes())
        .merge(operations::routes())
        .merge(notifications::routes())
        .merge(proposals::routes())
        .merge(log::routes())
        .merge(trains::routes())
}
