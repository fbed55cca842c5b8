//! Ad-hoc validation: the request and response bodies of the validation
//! endpoint, and the dispatch from an identifier kind to its check.
//!
//! `validate_on` is pure; `validate` only adds today's UTC date, which the MRZ
//! century rules need, so a server can call it directly.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::codes::{CheckError, ErrorCode};
use crate::identifiers;
use crate::mrz;

/// Longer values are refused before any scheme runs, so that no parser is
/// ever fed megabytes of input.
const MAX_VALUE_BYTES: usize = 1024;

/// What to validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// A machine-readable zone, lines joined by `\n`.
    Mrz,
    /// Legal Entity Identifier (ISO 17442).
    Lei,
    /// International Bank Account Number.
    Iban,
    /// VAT number (EU, GB, CH).
    Vat,
    /// Company registration number (needs `country`).
    CompanyNumber,
    /// US Employer Identification Number.
    Ein,
    /// Phone number.
    Phone,
    /// E-mail address.
    Email,
    /// ISO 3166-1 country code.
    Country,
}

/// Body of a validation request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationRequest {
    /// The kind of value.
    #[serde(rename = "type")]
    pub r#type: IdentifierKind,
    /// The value as the user typed it.
    pub value: String,
    /// ISO 3166-1 alpha-2 country, for schemes that depend on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Body of a validation response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationOutcome {
    /// True when no error was found.
    pub valid: bool,
    /// The canonical form, when the value could be read.
    pub normalized: Option<String>,
    /// Parsed fields and per-check results; always a JSON object.
    pub details: Value,
    /// Every problem found, each with a stable code.
    pub errors: Vec<CheckError>,
}

impl ValidationOutcome {
    /// A value that passed every check.
    pub fn accepted(normalized: String, details: Value) -> Self {
        Self::refused(Some(normalized), details, Vec::new())
    }

    /// A value refused before anything could be read from it.
    pub fn rejected(error: CheckError) -> Self {
        Self::refused(None, json!({}), vec![error])
    }

    /// A value read (perhaps partly) with the problems found; valid only if there are none.
    pub fn refused(normalized: Option<String>, details: Value, errors: Vec<CheckError>) -> Self {
        Self {
            valid: errors.is_empty(),
            normalized,
            details,
            errors,
        }
    }
}

/// Validates `request` as of today's UTC date.
pub fn validate(request: &ValidationRequest) -> ValidationOutcome {
    validate_on(request, OffsetDateTime::now_utc().date())
}

/// Validates `request` as of `today`.
pub fn validate_on(request: &ValidationRequest, today: Date) -> ValidationOutcome {
    let value = request.value.as_str();
    if value.len() > MAX_VALUE_BYTES {
        let message = format!(
            "the value is {} bytes long; at most {MAX_VALUE_BYTES} are accepted",
            value.len()
        );
        return ValidationOutcome::rejected(CheckError::new(ErrorCode::InvalidLength, message));
    }
    let country = request.country.as_deref();
    match request.r#type {
        IdentifierKind::Mrz => validate_mrz(value, today),
        IdentifierKind::Lei => identifiers::lei::validate(value),
        IdentifierKind::Iban => identifiers::iban::validate(value),
        IdentifierKind::Vat => identifiers::vat::validate(value, country),
        IdentifierKind::CompanyNumber => identifiers::company_number::validate(value, country),
        IdentifierKind::Ein => identifiers::ein::validate(value),
        IdentifierKind::Phone => identifiers::phone::validate(value, country),
        IdentifierKind::Email => identifiers::email::validate(value),
        IdentifierKind::Country => identifiers::country::validate(value),
    }
}

fn validate_mrz(value: &str, today: Date) -> ValidationOutcome {
    let parsed = match mrz::parse(value, today) {
        Ok(parsed) => parsed,
        Err(error) => return ValidationOutcome::rejected(error.to_check_error()),
    };
    let errors = parsed
        .issues
        .iter()
        .map(|issue| CheckError::new(issue.code, issue.message.clone()))
        .collect();
    let mut details = serde_json::to_value(&parsed).unwrap_or_else(|_| json!({}));
    if let Some(object) = details.as_object_mut() {
        object.insert("expired".to_owned(), json!(parsed.is_expired(today)));
    }
    ValidationOutcome::refused(Some(parsed.normalized()), details, errors)
}
