//! `/api/v1/interfaces`: register an interface of a producer component,
//! read one, list them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use treaty_compat::{Compatibility, Format, proto};
use treaty_store::{InterfaceRecord, OwnedInterface, Scope};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, existing_component, existing_interface, written_status};
use crate::api::{Interface, NewInterface, Page, PageQuery, check_id, page};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

use crate::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_interfaces))
        .routes(routes!(put_interface, get_interface))
}

/// The record of a new interface of `component`: its kind, policy and
/// category checked, the policy filled in when absent.
fn interface_record(id: String, component: String, body: NewInterface) -> Result<InterfaceRecord> {
    let format: Format = body.kind.parse().map_err(ApiError::Invalid)?;
    let compatibility = match &body.compatibility {
        None => Compatibility::default(),
        Some(name) => name.parse().map_err(ApiError::Invalid)?,
    }
    .to_string();
    if let Some(c) = &body.proto_category {
        c.parse::<proto::Category>().map_err(ApiError::Invalid)?;
        if format != Format::Protobuf {
            return Err(ApiError::Invalid(
                "`proto_category` is for protobuf interfaces only".into(),
            ));
        }
    }
    Ok(InterfaceRecord {
        id,
        component,
        kind: body.kind,
        compatibility,
        proto_category: body.proto_category,
    })
}

/// Register an interface produced by a component of the caller's team.
#[utoipa::path(put, path = "/api/v1/interfaces/{id}", tag = "interfaces", params(("id" = String, Path)), request_body = NewInterface,
    responses((status = 201, body = Interface), (status = 200, body = Interface), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_interface(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewInterface>,
) -> Result<(StatusCode, Json<Interface>)> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("id", &id, false)?;
    check_id("component", &body.component, false)?;
    let component = existing_component(&state, &body.component).await?;
    caller.write_as(
        &component.team,
        Scope::Publish,
        &format!("component `{}`", component.id),
    )?;
    let record = interface_record(id, component.id, body)?;
    let w = state
        .store
        .create_interface(&record, state.config.clock.now_ms()?)
        .await?;
    Ok((
        written_status(w),
        Json(
            OwnedInterface {
                interface: record,
                team: component.team,
            }
            .into(),
        ),
    ))
}

/// One interface.
#[utoipa::path(get, path = "/api/v1/interfaces/{id}", tag = "interfaces", params(("id" = String, Path)),
    responses((status = 200, body = Interface), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_interface(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Interface>> {
    caller.read(state.config.anonymous_read)?;
    Ok(Json(existing_interface(&state, &id).await?.into()))
}

/// List interfaces.
#[utoipa::path(get, path = "/api/v1/interfaces", tag = "interfaces", params(PageQuery),
    responses((status = 200, body = Page<Interface>), (status = 401, body = ErrorBody)))]
async fn list_interfaces(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Interface>>> {
    caller.read(state.config.anonymous_read)?;
    let limit = q.limit()?;
    let items = state
        .store
        .interfaces(q.after.as_deref().unwrap_or(""), limit + 1)
        .await?
        .into_iter()
        .map(Interface::from)
        .collect();
    Ok(Json(page(items, limit, |i: &Interface| i.id.clone())))
}
