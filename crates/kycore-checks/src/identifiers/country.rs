//! ISO 3166-1 country codes, alpha-2 or alpha-3, via `celes`. Normalised to
//! alpha-2, the form the rest of the platform stores.

use celes::Country;
use serde_json::json;

use crate::codes::{CheckError, ErrorCode};
use crate::validate::ValidationOutcome;

/// Validates a country code.
pub fn validate(value: &str) -> ValidationOutcome {
    let code = value.trim().to_ascii_uppercase();
    if code.is_empty() {
        return ValidationOutcome::rejected(CheckError::new(
            ErrorCode::EmptyValue,
            "the value is empty",
        ));
    }
    if !code.chars().all(|c| c.is_ascii_uppercase()) || !(2..=3).contains(&code.len()) {
        let error = CheckError::new(
            ErrorCode::InvalidFormat,
            "a country code is 2 or 3 letters (ISO 3166-1)",
        );
        return ValidationOutcome::rejected(error);
    }
    match lookup(&code) {
        Some(country) => ValidationOutcome::accepted(
            country.alpha2.to_owned(),
            json!({
                "alpha2": country.alpha2,
                "alpha3": country.alpha3,
                "numeric": country.code,
                "name": country.long_name,
            }),
        ),
        None => {
            let error = CheckError::new(
                ErrorCode::UnknownCountry,
                format!("{code} is not an ISO 3166-1 country code"),
            );
            ValidationOutcome::rejected(error)
        }
    }
}

/// Looks up an alpha-2 or alpha-3 code (the caller has checked the shape).
pub fn lookup(code: &str) -> Option<Country> {
    match code.len() {
        2 => Country::from_alpha2(code).ok(),
        _ => Country::from_alpha3(code).ok(),
    }
}
