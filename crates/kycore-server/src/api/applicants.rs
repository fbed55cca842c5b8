//! `/v1/applicants`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kycore_domain::applicant::ApplicantType;
use kycore_services::applicants::{
    ApplicantQuery, ApplicantView, CreateApplicant, UpdateApplicant,
};
use kycore_services::pagination::{Page, PageRequest};
use serde::Deserialize;

use super::parse_param;
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, Caller};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListApplicants {
    /// `individual` or `business`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    applicant_type: Option<String>,
    external_id: Option<String>,
    /// 1–100, default 20.
    limit: Option<i64>,
    /// An applicant id from the previous page.
    starting_after: Option<String>,
}

/// Create an applicant.
#[utoipa::path(post, path = "/v1/applicants", tag = "applicants", request_body = CreateApplicant,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    responses((status = 201, body = ApplicantView), (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn create_applicant(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<CreateApplicant>,
) -> Result<(StatusCode, Json<ApplicantView>), ApiError> {
    let view = state
        .services
        .create_applicant(&caller.context(StatusCode::CREATED), input)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// List applicants, newest first.
#[utoipa::path(get, path = "/v1/applicants", tag = "applicants", params(ListApplicants),
    responses((status = 200, body = Page<ApplicantView>), (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn list_applicants(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListApplicants>,
) -> Result<Json<Page<ApplicantView>>, ApiError> {
    let applicant_type = parse_param(query.applicant_type, "type", ApplicantType::parse)?;
    let filter = ApplicantQuery {
        applicant_type,
        external_id: query.external_id,
    };
    let page = PageRequest {
        limit: query.limit,
        starting_after: query.starting_after,
    };
    Ok(Json(
        state
            .services
            .list_applicants(caller.scope(), filter, &page)
            .await?,
    ))
}

/// Get an applicant.
#[utoipa::path(get, path = "/v1/applicants/{id}", tag = "applicants", params(("id" = String, Path)),
    responses((status = 200, body = ApplicantView), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get_applicant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ApplicantView>, ApiError> {
    Ok(Json(
        state.services.get_applicant(caller.scope(), &id).await?,
    ))
}

/// Update an applicant: fields given replace the stored ones.
#[utoipa::path(patch, path = "/v1/applicants/{id}", tag = "applicants", params(("id" = String, Path)),
    request_body = UpdateApplicant,
    responses((status = 200, body = ApplicantView), (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn update_applicant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UpdateApplicant>,
) -> Result<Json<ApplicantView>, ApiError> {
    Ok(Json(
        state
            .services
            .update_applicant(&caller.context(StatusCode::OK), &id, input)
            .await?,
    ))
}
