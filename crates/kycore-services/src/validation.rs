//! Ad-hoc validation of one identifier (`POST /v1/checks/validate`), for platforms that want
//! to check a value before they create anything.

use kycore_checks::{IdentifierKind, ValidationOutcome, ValidationRequest};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateValue {
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

/// `{valid, normalized, details, errors}` for the value.
pub fn validate_value(input: ValidateValue) -> ValidationOutcome {
    kycore_checks::validate(&ValidationRequest {
        r#type: input.kind,
        value: input.value,
        country: input.country,
    })
}
