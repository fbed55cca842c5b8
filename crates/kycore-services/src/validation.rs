//! Ad-hoc validation of one identifier (`POST /v1/checks/validate`), for platforms that want
//! to check a value before they create anything.

use kycore_checks::{IdentifierKind, ValidationOutcome, ValidationRequest};

/// `{valid, normalized, details, errors}` for the value; `country` for schemes that depend
/// on it.
pub fn validate_value(
    kind: IdentifierKind,
    value: String,
    country: Option<String>,
) -> ValidationOutcome {
    kycore_checks::validate(&ValidationRequest {
        r#type: kind,
        value,
        country,
    })
}
