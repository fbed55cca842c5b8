//! `/v1/checks`: ad-hoc validation.

use axum::Json;
use kycore_services::validation::{ValidateValue, validate_value};

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, Caller};

/// Validate one identifier: MRZ, LEI, IBAN, VAT, company number, EIN, phone, e-mail or country.
#[utoipa::path(post, path = "/v1/checks/validate", tag = "checks", request_body = ValidateValue,
    responses((status = 200, description = "`{valid, normalized, details, errors[{code, message}]}`", body = Object),
        (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn validate(
    _caller: Caller,
    ApiJson(input): ApiJson<ValidateValue>,
) -> Result<Json<kycore_checks::ValidationOutcome>, ApiError> {
    Ok(Json(validate_value(input)))
}
