//! Company registration numbers. The United Kingdom (Companies House) has no
//! library and no check digit, so its format rule is ours; other countries
//! use the entity schemes `stdnum` registers for them. Registry existence is
//! not checked.

use serde_json::json;

use super::{compact, country_param, from_stdnum};
use crate::codes::{CheckError, ErrorCode};
use crate::validate::ValidationOutcome;

/// Companies House prefixes and the register each belongs to. A number
/// without a prefix is an England and Wales company.
const GB_PREFIXES: &[(&str, &str)] = &[
    ("AC", "England and Wales"),
    ("CE", "England and Wales"),
    ("CS", "Scotland"),
    ("FC", "England and Wales"),
    ("FE", "England and Wales"),
    ("GE", "England and Wales"),
    ("GN", "England and Wales"),
    ("GS", "Scotland"),
    ("IC", "England and Wales"),
    ("IP", "England and Wales"),
    ("LP", "England and Wales"),
    ("NA", "Northern Ireland"),
    ("NC", "Northern Ireland"),
    ("NF", "Northern Ireland"),
    ("NI", "Northern Ireland"),
    ("NL", "Northern Ireland"),
    ("NO", "Northern Ireland"),
    ("NP", "Northern Ireland"),
    ("NR", "Northern Ireland"),
    ("NZ", "Northern Ireland"),
    ("OC", "England and Wales"),
    ("PC", "England and Wales"),
    ("R0", "Northern Ireland"),
    ("RC", "England and Wales"),
    ("RS", "England and Wales"),
    ("SA", "Scotland"),
    ("SC", "Scotland"),
    ("SE", "Scotland"),
    ("SF", "Scotland"),
    ("SG", "Scotland"),
    ("SI", "Scotland"),
    ("SL", "Scotland"),
    ("SO", "Scotland"),
    ("SP", "Scotland"),
    ("SR", "Scotland"),
    ("SZ", "Scotland"),
    ("ZC", "England and Wales"),
];

const GB_LENGTH: usize = 8;

/// Validates a company number for `country` (ISO 3166 alpha-2, required).
pub fn validate(value: &str, country: Option<&str>) -> ValidationOutcome {
    let Some(country) = country_param(country) else {
        let error = CheckError::new(
            ErrorCode::MissingCountry,
            "a company number needs a country",
        );
        return ValidationOutcome::rejected(error);
    };
    let compacted = match compact(value) {
        Ok(c) => c,
        Err(error) => return ValidationOutcome::rejected(error),
    };
    let result = if matches!(country.as_str(), "GB" | "UK") {
        validate_gb(&compacted)
    } else {
        validate_with_stdnum(&compacted, &country)
    };
    result.unwrap_or_else(ValidationOutcome::rejected)
}

/// Eight characters: eight digits (leading zeros are often dropped when
/// typed, so they are restored), or a known two-character prefix and six digits.
fn validate_gb(compacted: &str) -> Result<ValidationOutcome, CheckError> {
    if compacted.len() > GB_LENGTH {
        return Err(CheckError::new(
            ErrorCode::InvalidLength,
            "a Companies House number has 8 characters",
        ));
    }
    if compacted.chars().all(|c| c.is_ascii_digit()) {
        let number = format!("{compacted:0>GB_LENGTH$}");
        return Ok(gb_outcome(number, None, "England and Wales"));
    }
    let (prefix, digits) = compacted.split_at_checked(2).unwrap_or((compacted, ""));
    if digits.len() != GB_LENGTH - 2 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(CheckError::new(
            ErrorCode::InvalidFormat,
            "a Companies House number is 8 digits, or a 2-character prefix and 6 digits",
        ));
    }
    let register = GB_PREFIXES
        .iter()
        .find(|(known, _)| *known == prefix)
        .map(|(_, register)| *register)
        .ok_or_else(|| {
            CheckError::new(
                ErrorCode::InvalidComponent,
                format!("{prefix} is not a Companies House prefix"),
            )
        })?;
    Ok(gb_outcome(compacted.to_owned(), Some(prefix), register))
}

fn gb_outcome(number: String, prefix: Option<&str>, register: &str) -> ValidationOutcome {
    let details = json!({
        "country": "GB",
        "scheme": "Companies House company number",
        "prefix": prefix,
        "register": register,
        "registry_checked": false,
    });
    ValidationOutcome::accepted(number, details)
}

/// Tries every entity scheme stdnum has for the country; the first that
/// accepts wins, otherwise the first scheme's refusal is reported.
fn validate_with_stdnum(compacted: &str, country: &str) -> Result<ValidationOutcome, CheckError> {
    let schemes = stdnum::entity_validators()
        .get(country)
        .into_iter()
        .flatten();
    let mut first_error = None;
    for scheme in schemes.filter_map(|key| stdnum::find(key)) {
        match scheme.validate(compacted) {
            Ok(valid) => {
                let details = json!({ "country": country, "scheme": scheme.name(), "registry_checked": false });
                return Ok(ValidationOutcome::accepted(valid.compact, details));
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    Err(first_error.map_or_else(
        || {
            CheckError::new(
                ErrorCode::UnsupportedCountry,
                format!("company numbers of {country} are not supported"),
            )
        },
        |error| from_stdnum(&error),
    ))
}
