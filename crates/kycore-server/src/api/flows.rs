//! `/v1/flows`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kycore_services::flows::{CreateFlow, FlowView};
use kycore_services::pagination::Page;

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, Caller};

/// Create a flow.
#[utoipa::path(post, path = "/v1/flows", tag = "flows", request_body = CreateFlow,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    responses((status = 201, body = FlowView), (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn create_flow(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<CreateFlow>,
) -> Result<(StatusCode, Json<FlowView>), ApiError> {
    let view = state
        .services
        .create_flow(&caller.context(StatusCode::CREATED), input)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// List flows: yours, then the built-in defaults.
#[utoipa::path(get, path = "/v1/flows", tag = "flows",
    responses((status = 200, body = Page<FlowView>)), security(("api_key" = [])))]
pub async fn list_flows(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Page<FlowView>>, ApiError> {
    Ok(Json(state.services.list_flows(caller.scope()).await?))
}

/// Get a flow.
#[utoipa::path(get, path = "/v1/flows/{id}", tag = "flows", params(("id" = String, Path)),
    responses((status = 200, body = FlowView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_flow(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<FlowView>, ApiError> {
    Ok(Json(state.services.get_flow(caller.scope(), &id).await?))
}
