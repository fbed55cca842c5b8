//! `/v1/screenings`: ad-hoc screening of one name against the deployment's watchlists; and a
//! case's screening hits with their review.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kycore_services::screening::{ReviewHit, ScreeningHitView, ScreeningRequest, ScreeningResult};
use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, Caller};

/// Screen a name against the loaded watchlists (sanctions, denied parties). Nothing is
/// stored; hits at or above `threshold` come best first, each with its explanation.
#[utoipa::path(post, path = "/v1/screenings", tag = "screenings", request_body = ScreeningRequest,
    responses(
        (status = 200, body = ScreeningResult),
        (status = 422, body = Problem, description = "Invalid name, date of birth, threshold, limit or list id"),
        (status = 503, body = Problem, description = "`screening_unavailable`: no watchlist is loaded yet"),
    ),
    security(("api_key" = [])))]
pub async fn screen(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(input): ApiJson<ScreeningRequest>,
) -> Result<Json<ScreeningResult>, ApiError> {
    Ok(Json(state.services.screen(input).await?))
}

/// A case's screening hits: possible watchlist matches for the applicant, the business or
/// its related persons, found during the checks or by ongoing monitoring.
#[utoipa::path(get, path = "/v1/cases/{id}/screening-hits", tag = "screenings",
    params(("id" = String, Path)),
    responses((status = 200, body = ScreeningHitList), (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn list_case_hits(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ScreeningHitList>, ApiError> {
    let data = state
        .services
        .case_screening_hits(caller.scope(), &id)
        .await?;
    Ok(Json(ScreeningHitList { data }))
}

/// Mark a hit a true or a false match. A false match is remembered for the applicant: the
/// same list entry, unchanged, is not reported for them again.
#[utoipa::path(post, path = "/v1/cases/{id}/screening-hits/{hit_id}/review", tag = "screenings",
    params(("id" = String, Path), ("hit_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    request_body = ReviewHit,
    responses((status = 200, body = ScreeningHitView), (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn review_hit(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, hit_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<ReviewHit>,
) -> Result<Json<ScreeningHitView>, ApiError> {
    Ok(Json(
        state
            .services
            .review_screening_hit(&caller.context(StatusCode::OK), &id, &hit_id, input)
            .await?,
    ))
}

/// The hits of a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScreeningHitList {
    pub data: Vec<ScreeningHitView>,
}
