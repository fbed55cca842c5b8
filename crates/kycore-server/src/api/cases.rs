//! `/v1/cases`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_services::applicants::UpdateApplicant;
use kycore_services::cases::{CaseQuery, CaseView, CreateCase, DecideCase};
use kycore_services::pagination::{Page, PageRequest};
use kycore_services::time_format::parse_rfc3339;
use serde::Deserialize;

use super::parse_param;
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, Caller};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCases {
    status: Option<String>,
    /// `kyc` or `kyb`.
    kind: Option<String>,
    external_id: Option<String>,
    applicant_id: Option<String>,
    /// RFC 3339; cases created at or after.
    created_after: Option<String>,
    /// RFC 3339; cases created before.
    created_before: Option<String>,
    /// 1–100, default 20.
    limit: Option<i64>,
    /// A case id from the previous page.
    starting_after: Option<String>,
}

/// Create a case and its hosted verification link.
#[utoipa::path(post, path = "/v1/cases", tag = "cases", request_body = CreateCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    responses((status = 201, body = CaseView), (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn create_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<CreateCase>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    let view = state
        .services
        .create_case(&caller.context(StatusCode::CREATED), input)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// List cases, newest first.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(ListCases),
    responses((status = 200, body = Page<CaseView>), (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn list_cases(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListCases>,
) -> Result<Json<Page<CaseView>>, ApiError> {
    let filter = CaseQuery {
        status: parse_param(query.status, "status", CaseStatus::parse)?,
        kind: parse_param(query.kind, "kind", CaseKind::parse)?,
        external_id: query.external_id,
        applicant_id: query.applicant_id,
        created_from: parse_param(query.created_after, "created_after", parse_rfc3339)?,
        created_until: parse_param(query.created_before, "created_before", parse_rfc3339)?,
    };
    let page = PageRequest {
        limit: query.limit,
        starting_after: query.starting_after,
    };
    Ok(Json(
        state
            .services
            .list_cases(caller.scope(), filter, &page)
            .await?,
    ))
}

/// Get a case.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(state.services.get_case(caller.scope(), &id).await?))
}

/// Cancel a case that has not reached a final status.
#[utoipa::path(post, path = "/v1/cases/{id}/cancel", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    responses((status = 200, body = CaseView), (status = "4XX", body = Problem)), security(("api_key" = [])))]
pub async fn cancel_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(
        state
            .services
            .cancel_case(&caller.context(StatusCode::OK), &id)
            .await?,
    ))
}

/// Decide a case by hand: approve, reject or request resubmission.
#[utoipa::path(post, path = "/v1/cases/{id}/decision", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    request_body = DecideCase,
    responses((status = 200, body = CaseView), (status = "4XX", body = Problem)), security(("api_key" = [])))]
pub async fn decide_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecideCase>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(
        state
            .services
            .decide_case(&caller.context(StatusCode::OK), &id, input)
            .await?,
    ))
}

/// Issue a new hosted link; the previous one stops working.
#[utoipa::path(post, path = "/v1/cases/{id}/link", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    responses((status = 200, body = CaseView), (status = "4XX", body = Problem)), security(("api_key" = [])))]
pub async fn reissue_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(
        state
            .services
            .reissue_link(&caller.context(StatusCode::OK), &id)
            .await?,
    ))
}

/// Submit a case whose data was collected through the API; its checks run next.
#[utoipa::path(post, path = "/v1/cases/{id}/submit", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    responses((status = 200, body = CaseView), (status = "4XX", body = Problem)), security(("api_key" = [])))]
pub async fn submit_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(
        state
            .services
            .submit_case(&caller.context(StatusCode::OK), &id)
            .await?,
    ))
}

/// Set the applicant's details while the case waits for them (API-driven collection).
#[utoipa::path(put, path = "/v1/cases/{id}/details", tag = "cases", params(("id" = String, Path)),
    request_body = UpdateApplicant,
    responses((status = 200, body = CaseView), (status = "4XX", body = Problem)), security(("api_key" = [])))]
pub async fn update_details(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UpdateApplicant>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(
        state
            .services
            .update_case_details(&caller.context(StatusCode::OK), &id, input)
            .await?,
    ))
}
