//! VAT numbers of the EU member states (plus GB, XI and CH) by national
//! format and checksum, via `stdnum`. The country comes from the number's
//! prefix or from the request; VIES registration is not checked.

use serde_json::json;

use super::{compact, country_param, from_stdnum};
use crate::codes::{CheckError, ErrorCode};
use crate::validate::ValidationOutcome;

/// VAT prefixes that differ from the ISO country code stdnum is keyed by.
const PREFIX_ALIASES: [(&str, &str); 2] = [("EL", "GR"), ("XI", "GB")];

/// Validates a VAT number, with or without its country prefix.
pub fn validate(value: &str, country: Option<&str>) -> ValidationOutcome {
    let compacted = match compact(value) {
        Ok(c) => c,
        Err(error) => return ValidationOutcome::rejected(error),
    };
    let country = match resolve_country(&compacted, country_param(country)) {
        Ok(country) => country,
        Err(error) => return ValidationOutcome::rejected(error),
    };
    let Some(scheme) = scheme_for(&country) else {
        let message = format!("VAT numbers of {country} are not supported");
        return ValidationOutcome::rejected(CheckError::new(
            ErrorCode::UnsupportedCountry,
            message,
        ));
    };
    if let Err(error) = check_uk_government_number(&compacted) {
        return ValidationOutcome::rejected(error);
    }
    match scheme.validate(&compacted) {
        Ok(valid) => {
            let number = national_part(&valid.compact, &compacted, &country).to_owned();
            let normalized = format!("{}{number}", vies_prefix(&country));
            let details = json!({ "country": country, "scheme": scheme.name(), "number": number, "registry_checked": false });
            ValidationOutcome::accepted(normalized, details)
        }
        Err(error) => ValidationOutcome::rejected(from_stdnum(&error)),
    }
}

/// The stdnum validator for a country's VAT numbers.
fn scheme_for(country: &str) -> Option<&'static dyn stdnum::Validator> {
    if country == "GB" {
        return stdnum::find("gb/vat");
    }
    let key = stdnum::eu_vat().get(country)?.first()?;
    stdnum::find(key)
}

/// A leading two-letter prefix wins; a request country that contradicts it is an error.
fn resolve_country(compacted: &str, requested: Option<String>) -> Result<String, CheckError> {
    let prefix = compacted
        .get(..2)
        .filter(|p| p.chars().all(|c| c.is_ascii_uppercase()))
        .map(iso_country);
    let prefixed = prefix.filter(|p| scheme_for(p).is_some());
    match (prefixed, requested) {
        (Some(prefix), Some(requested)) if prefix != iso_country(&requested) => {
            Err(CheckError::new(
                ErrorCode::InvalidComponent,
                format!("the number's prefix is {prefix} but the country given is {requested}"),
            ))
        }
        (Some(prefix), _) => Ok(prefix),
        (None, Some(requested)) => Ok(iso_country(&requested)),
        (None, None) => Err(CheckError::new(
            ErrorCode::MissingCountry,
            "give the number with its country prefix, or a country",
        )),
    }
}

fn iso_country(prefix: &str) -> String {
    PREFIX_ALIASES
        .iter()
        .find(|(alias, _)| *alias == prefix)
        .map_or(prefix, |(_, iso)| iso)
        .to_owned()
}

fn vies_prefix(country: &str) -> &str {
    if country == "GR" { "EL" } else { country }
}

/// The number without its country prefix. Some schemes' compact form already dropped it
/// (shorter than what was given); stripping again would cut a national part that happens to
/// start with the country's letters ("GBGB…", "FRFR…").
fn national_part<'a>(compact: &'a str, given: &str, country: &str) -> &'a str {
    if compact.len() < given.len() {
        return compact;
    }
    [country, vies_prefix(country)]
        .iter()
        .find_map(|prefix| compact.strip_prefix(prefix))
        .unwrap_or(compact)
}

/// A five-character UK VAT number is a government department's (`GD` 000–499) or a health
/// authority's (`HA` 500–999); `stdnum` checks the ranges but accepts any two letters.
fn check_uk_government_number(compacted: &str) -> Result<(), CheckError> {
    let national = compacted
        .strip_prefix("GB")
        .or_else(|| compacted.strip_prefix("XI"))
        .unwrap_or(compacted);
    let letters = national.get(..2).unwrap_or_default();
    let is_government_shape = national.len() == 5
        && letters.bytes().all(|b| b.is_ascii_uppercase())
        && national[2..].bytes().all(|b| b.is_ascii_digit());
    if is_government_shape && !matches!(letters, "GD" | "HA") {
        return Err(CheckError::new(
            ErrorCode::InvalidComponent,
            "a five-character UK VAT number starts with GD or HA",
        ));
    }
    Ok(())
}
