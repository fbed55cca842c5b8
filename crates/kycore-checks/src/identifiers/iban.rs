//! IBAN: per-country BBAN structure (SWIFT registry) and the MOD 97 check,
//! via `iban_validate`. Bank existence is not checked.

use iban::{Iban, IbanLike, ParseBaseIbanError, ParseIbanError};
use serde_json::json;

use super::compact;
use crate::codes::{CheckError, ErrorCode};
use crate::validate::ValidationOutcome;

/// Validates an IBAN in electronic or print form.
pub fn validate(value: &str) -> ValidationOutcome {
    let compacted = match compact(value) {
        Ok(c) => c,
        Err(error) => return ValidationOutcome::rejected(error),
    };
    match compacted.parse::<Iban>() {
        Ok(parsed) => ValidationOutcome::accepted(
            compacted.clone(),
            json!({
                "country": parsed.country_code(),
                "check_digits": parsed.check_digits_str(),
                "bban": parsed.bban(),
                "bank_identifier": parsed.bank_identifier(),
                "branch_identifier": parsed.branch_identifier(),
                "print_format": parsed.to_string(),
            }),
        ),
        Err(error) => ValidationOutcome::rejected(map_error(&error)),
    }
}

fn map_error(error: &ParseIbanError) -> CheckError {
    match error {
        ParseIbanError::InvalidBaseIban {
            source: ParseBaseIbanError::InvalidChecksum,
        } => CheckError::new(
            ErrorCode::InvalidCheckDigit,
            "the IBAN check digits do not match",
        ),
        ParseIbanError::InvalidBaseIban { .. } => CheckError::new(
            ErrorCode::InvalidFormat,
            "an IBAN is a country code, 2 check digits and up to 30 letters or digits",
        ),
        ParseIbanError::InvalidBban(base) => CheckError::new(
            ErrorCode::InvalidFormat,
            format!(
                "the account part does not follow the {} IBAN structure",
                base.country_code()
            ),
        ),
        ParseIbanError::UnknownCountry(base) => CheckError::new(
            ErrorCode::UnknownCountry,
            format!("{} is not a country that issues IBANs", base.country_code()),
        ),
    }
}
