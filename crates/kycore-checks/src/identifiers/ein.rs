//! US Employer Identification Number: nine digits written `NN-NNNNNNN`, with
//! a valid IRS campus prefix (checked by `stdnum`). There is no check digit.
//!
//! Policy: a dash anywhere but after the second digit is refused, because the
//! grouping is part of how an EIN is told apart from an SSN (`NNN-NN-NNNN`).

use serde_json::json;

use super::{compact, from_stdnum};
use crate::codes::{CheckError, ErrorCode};
use crate::validate::ValidationOutcome;

/// Validates an EIN.
pub fn validate(value: &str) -> ValidationOutcome {
    let trimmed = value.trim();
    if trimmed.char_indices().any(|(i, c)| c == '-' && i != 2) {
        let error = CheckError::new(ErrorCode::InvalidFormat, "an EIN is grouped NN-NNNNNNN");
        return ValidationOutcome::rejected(error);
    }
    let compacted = match compact(trimmed) {
        Ok(c) => c,
        Err(error) => return ValidationOutcome::rejected(error),
    };
    let Some(scheme) = stdnum::find("us/ein") else {
        let error = CheckError::new(
            ErrorCode::UnsupportedCountry,
            "the EIN scheme is unavailable",
        );
        return ValidationOutcome::rejected(error);
    };
    match scheme.validate(&compacted) {
        Ok(valid) => {
            let (prefix, serial) = valid
                .compact
                .split_at_checked(2)
                .unwrap_or((&valid.compact, ""));
            let details = json!({ "campus_prefix": prefix, "registry_checked": false });
            ValidationOutcome::accepted(format!("{prefix}-{serial}"), details)
        }
        Err(error) => ValidationOutcome::rejected(from_stdnum(&error)),
    }
}
