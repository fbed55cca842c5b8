//! `/v1/checks`: ad-hoc validation.

use axum::Json;
use kycore_checks::IdentifierKind;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, Caller};

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateBody {
    /// `mrz`, `lei`, `iban`, `vat`, `company_number`, `ein`, `phone`, `email` or `country`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "lei")]
    pub kind: IdentifierKind,
    /// The value as typed; an MRZ as its lines joined by `\n`.
    pub value: String,
    /// ISO 3166-1 alpha-2, for schemes that depend on it.
    #[serde(default)]
    pub country: Option<String>,
}

/// Validate one identifier: MRZ, LEI, IBAN, VAT, company number, EIN, phone, e-mail or country.
#[utoipa::path(post, path = "/v1/checks/validate", tag = "checks", request_body = ValidateBody,
    responses((status = 200, description = "`{valid, normalized, details, errors[{code, message}]}`", body = Object),
        (status = "4XX", body = Problem)),
    security(("api_key" = [])))]
pub async fn validate(
    _caller: Caller,
    ApiJson(body): ApiJson<ValidateBody>,
) -> Result<Json<kycore_checks::ValidationOutcome>, ApiError> {
    Ok(Json(kycore_services::validation::validate_value(
        body.kind,
        body.value,
        body.country,
    )))
}
