//! `/v1/sandbox`: simulations that exist only for sandbox keys (a live key gets 404).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kycore_services::cases::{CaseView, CompleteSandboxCase};

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, Caller};

/// Drive a sandbox case to an outcome through the same transitions, events and audit as a
/// real completion.
#[utoipa::path(post, path = "/v1/sandbox/cases/{id}/complete", tag = "sandbox", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    request_body = CompleteSandboxCase,
    responses((status = 200, body = CaseView), (status = "4XX", body = Problem)), security(("api_key" = [])))]
pub async fn complete_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CompleteSandboxCase>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(
        state
            .services
            .complete_sandbox_case(&caller.context(StatusCode::OK), &id, input)
            .await?,
    ))
}
