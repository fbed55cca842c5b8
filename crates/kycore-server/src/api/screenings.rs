//! `/v1/screenings`: ad-hoc screening of one name against the deployment's watchlists.

use axum::Json;
use axum::extract::State;
use kycore_services::screening::{ScreeningRequest, ScreeningResult};

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
