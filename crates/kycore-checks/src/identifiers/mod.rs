//! Identifier checks: one module per family, each a thin layer over a
//! maintained crate where one exists. Every check returns a
//! [`ValidationOutcome`](crate::validate::ValidationOutcome) and never panics.
//!
//! Shared here: the normalisation every scheme applies before its own rules
//! (spaces, dashes, dots and slashes dropped; letters upper-cased) and the
//! mapping from `stdnum` error kinds to our codes.

pub mod company_number;
pub mod country;
pub mod ein;
pub mod email;
pub mod iban;
pub mod lei;
pub mod phone;
pub mod vat;

use crate::codes::{CheckError, ErrorCode};

/// Characters people type (or word processors substitute) between groups
/// of an identifier, Unicode dashes included.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '/' | ',' | '(' | ')' | '\u{2010}'..='\u{2015}' | '\u{2212}'
        )
}

/// Drops separators, upper-cases, and refuses anything left that is not an
/// ASCII letter or digit, so schemes only ever see `[A-Z0-9]+`.
pub(crate) fn compact(value: &str) -> Result<String, CheckError> {
    let compacted: String = value
        .chars()
        .filter(|c| !is_separator(*c))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compacted.is_empty() {
        return Err(CheckError::new(ErrorCode::EmptyValue, "the value is empty"));
    }
    match compacted.chars().find(|c| !c.is_ascii_alphanumeric()) {
        Some(c) => Err(CheckError::new(
            ErrorCode::InvalidCharacter,
            format!("character {c:?} is not allowed; only letters and digits"),
        )),
        None => Ok(compacted),
    }
}

/// Maps a `stdnum` refusal to our code, keeping its message.
pub(crate) fn from_stdnum(error: &stdnum::ValidationError) -> CheckError {
    let code = match error.kind() {
        stdnum::ErrorKind::InvalidFormat => ErrorCode::InvalidFormat,
        stdnum::ErrorKind::InvalidChecksum => ErrorCode::InvalidCheckDigit,
        stdnum::ErrorKind::InvalidLength => ErrorCode::InvalidLength,
        stdnum::ErrorKind::InvalidComponent => ErrorCode::InvalidComponent,
    };
    CheckError::new(code, error.message())
}

/// Normalises an optional ISO 3166 alpha-2 country parameter.
pub(crate) fn country_param(country: Option<&str>) -> Option<String> {
    country
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_strips_separators_and_refuses_the_rest() {
        assert_eq!(
            compact(" gb82-west.1234/5698 765432 ").unwrap(),
            "GB82WEST12345698765432"
        );
        assert_eq!(compact(" - ").unwrap_err().code, ErrorCode::EmptyValue);
        assert_eq!(
            compact("AB_12").unwrap_err().code,
            ErrorCode::InvalidCharacter
        );
        assert_eq!(
            compact("ÄB12").unwrap_err().code,
            ErrorCode::InvalidCharacter
        );
    }
}
