//! Phone numbers against libphonenumber's metadata (built into the
//! `phonenumber` crate): parsed, checked as a possible number for its
//! region, and normalised to E.164. Reachability cannot be checked offline.

use phonenumber::{Mode, country, parse};
use serde_json::json;

use super::country_param;
use crate::codes::{CheckError, ErrorCode};
use crate::validate::ValidationOutcome;

/// Validates a phone number; `country` (alpha-2) is needed for national formats.
pub fn validate(value: &str, country: Option<&str>) -> ValidationOutcome {
    let region = match country_param(country).map(|c| c.parse::<country::Id>()) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            let error = CheckError::new(
                ErrorCode::UnknownCountry,
                "the country has no telephone numbering plan",
            );
            return ValidationOutcome::rejected(error);
        }
    };
    let number = match parse(region, value.trim()) {
        Ok(number) => number,
        Err(error) => return ValidationOutcome::rejected(map_error(&error)),
    };
    let e164 = number.format().mode(Mode::E164).to_string();
    let details = json!({
        "region": number.country().id().map(|id| id.as_ref().to_owned()),
        "country_calling_code": number.code().value(),
        "national_number": number.national().value(),
        "international_format": number.format().mode(Mode::International).to_string(),
    });
    if number.is_valid() && reads_back_as_itself(&e164, region) {
        ValidationOutcome::accepted(e164, details)
    } else {
        let error = CheckError::new(
            ErrorCode::InvalidNumber,
            "not a valid number in its numbering plan",
        );
        ValidationOutcome::refused(Some(e164), details, vec![error])
    }
}

/// Whether an E.164 form parses back (with the same country) to a valid number with the
/// same E.164 form. The parser can count a national number's leading zeros differently
/// in the two readings (`+881000 75 166997` with country DE); such a number has no stable
/// normalized form, and a stored number must validate again as the same number.
fn reads_back_as_itself(e164: &str, region: Option<country::Id>) -> bool {
    parse(region, e164)
        .is_ok_and(|again| again.is_valid() && again.format().mode(Mode::E164).to_string() == e164)
}

fn map_error(error: &phonenumber::ParseError) -> CheckError {
    use phonenumber::ParseError as E;
    let code = match error {
        E::InvalidCountryCode => ErrorCode::UnknownCountry,
        E::TooShortAfterIdd | E::TooShortNsn | E::TooLong => ErrorCode::InvalidLength,
        _ => ErrorCode::InvalidFormat,
    };
    let message = match error {
        E::NoNumber => {
            "no phone number found; give it in international form (+44…) or with a country"
                .to_owned()
        }
        other => other.to_string(),
    };
    CheckError::new(code, message)
}
