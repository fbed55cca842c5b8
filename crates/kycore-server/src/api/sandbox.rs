//! `/v1/sandbox`: simulations that exist only for sandbox keys (a live key gets 404).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_services::views::Case;
use serde::Deserialize;
use utoipa::ToSchema;

use super::OutcomeBody;
use super::cases::CaseBody;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Caller};

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteSandboxCaseBody {
    pub outcome: OutcomeBody,
}

/// Drive a sandbox case to an outcome through the same transitions, events and audit as a
/// real completion.
#[utoipa::path(post, path = "/v1/sandbox/cases/{id}/complete", tag = "sandbox", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    request_body = CompleteSandboxCaseBody,
    responses((status = 200, body = CaseBody), (status = 404, description = "`not_found`: also for every live key"),
        (status = 409, description = "`invalid_transition`: the case's status does not allow this; `concurrent_modification`: the case changed meanwhile, read it again")),
    security(("api_key" = [])))]
pub async fn complete_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CompleteSandboxCaseBody>,
) -> Result<Json<CaseBody>, ApiError> {
    let ctx = caller.context::<Case, CaseBody>(StatusCode::OK);
    let case = state
        .services
        .complete_sandbox_case(&ctx, &id, body.outcome.into())
        .await?;
    Ok(Json(CaseBody::from(&case)))
}
