//! `/v1/checks`: ad-hoc validation.

use axum::Json;
use kycore_checks::IdentifierKind;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateBody {
    /// `mrz`, `lei`, `iban`, `vat`, `company_number`, `ein`, `phone`, `email` or `country`.
    #[serde(rename = "type")]
    #[schema(schema_with = identifier_kinds, example = "lei")]
    pub kind: IdentifierKind,
    /// The value as typed; an MRZ as its lines joined by `\n`.
    pub value: String,
    /// ISO 3166-1 alpha-2, for schemes that depend on it.
    #[serde(default)]
    pub country: Option<String>,
}

/// Every identifier kind by the name it is sent with; the test below keeps the list whole.
const IDENTIFIER_KINDS: [&str; 9] = [
    "mrz",
    "lei",
    "iban",
    "vat",
    "company_number",
    "ein",
    "phone",
    "email",
    "country",
];

/// The schema of `type`: one of [`IDENTIFIER_KINDS`].
fn identifier_kinds() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(IDENTIFIER_KINDS))
        .build()
}

/// Validate one identifier: MRZ, LEI, IBAN, VAT, company number, EIN, phone, e-mail or country.
#[utoipa::path(post, path = "/v1/checks/validate", tag = "checks", request_body = ValidateBody,
    responses((status = 200, description = "`{valid, normalized, details, errors[{code, message}]}`", body = Object)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_kinds_are_exactly_the_kinds() {
        let kinds: Vec<IdentifierKind> = IDENTIFIER_KINDS
            .iter()
            .map(|name| serde_json::from_value(serde_json::json!(name)).unwrap())
            .collect();
        // A new kind breaks this match, and so asks for its name above.
        let counted = kinds
            .iter()
            .map(|kind| match kind {
                IdentifierKind::Mrz
                | IdentifierKind::Lei
                | IdentifierKind::Iban
                | IdentifierKind::Vat
                | IdentifierKind::CompanyNumber
                | IdentifierKind::Ein
                | IdentifierKind::Phone
                | IdentifierKind::Email
                | IdentifierKind::Country => 1,
            })
            .sum::<usize>();
        assert_eq!(counted, 9);
        for (i, kind) in kinds.iter().enumerate() {
            assert!(!kinds[..i].contains(kind), "{kind:?} is listed twice");
        }
    }
}
