//! LEI (ISO 17442): 20 characters, check digits by ISO 7064 MOD 97-10, via
//! the `lei` crate. Whether the LEI is issued is a registry question this
//! offline check cannot answer, so the details say so.

use serde_json::json;

use super::compact;
use crate::codes::{CheckError, ErrorCode};
use crate::validate::ValidationOutcome;

/// Validates an LEI.
pub fn validate(value: &str) -> ValidationOutcome {
    let compacted = match compact(value) {
        Ok(c) => c,
        Err(error) => return ValidationOutcome::rejected(error),
    };
    match lei::parse(&compacted) {
        Ok(parsed) => ValidationOutcome::accepted(
            compacted.clone(),
            json!({
                "lou_id": parsed.lou_id(),
                "entity_id": parsed.entity_id(),
                "check_digits": parsed.check_digits(),
                "registry_checked": false,
            }),
        ),
        Err(error) => ValidationOutcome::rejected(map_error(&error)),
    }
}

fn map_error(error: &lei::LEIError) -> CheckError {
    use lei::LEIError as E;
    let (code, message) = match error {
        E::InvalidLength { was } => (
            ErrorCode::InvalidLength,
            format!("an LEI has 20 characters, not {was}"),
        ),
        E::IncorrectCheckDigits { .. } => (
            ErrorCode::InvalidCheckDigit,
            "the check digits (characters 19 and 20) do not match".to_owned(),
        ),
        _ => (
            ErrorCode::InvalidFormat,
            "an LEI is 18 letters or digits followed by 2 check digits".to_owned(),
        ),
    };
    CheckError::new(code, message)
}
