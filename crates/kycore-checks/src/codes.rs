//! The stable, machine-readable error codes every check reports.
//!
//! This enum is the single list of codes: the HTTP API and stored check results
//! expose the snake_case names, so a variant may be added but never renamed.

use serde::{Deserialize, Serialize};

/// A stable error code. Serialised as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The value is empty after trimming.
    EmptyValue,
    /// A character outside the alphabet the scheme allows (including non-ASCII).
    InvalidCharacter,
    /// The value, or one of its lines, has the wrong length.
    InvalidLength,
    /// The value does not have the shape the scheme requires.
    InvalidFormat,
    /// A check digit (or checksum) does not match the data it covers.
    InvalidCheckDigit,
    /// A component (bank code, prefix, campus code…) is not one the scheme knows.
    InvalidComponent,
    /// A country or state code is not in the code list.
    UnknownCountry,
    /// The scheme is not implemented for the requested country.
    UnsupportedCountry,
    /// The scheme needs a country and none was given or derivable.
    MissingCountry,
    /// A date that does not exist in the calendar, or is implausible.
    InvalidDate,
    /// A date with unknown parts (`<` fillers), which Doc 9303 allows.
    IncompleteDate,
    /// The MRZ sex field is not M, F, X or `<`.
    InvalidSex,
    /// Filler characters (`<`) where the layout does not allow them.
    BadFiller,
    /// Digits in a name field: usually an OCR confusion (0/O, 1/I, 5/S, 8/B).
    NameContainsDigits,
    /// The MRZ document code is not one this layout supports.
    UnsupportedDocumentCode,
    /// A phone number that parses but is not a possible number for its region.
    InvalidNumber,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmptyValue => "empty_value",
            Self::InvalidCharacter => "invalid_character",
            Self::InvalidLength => "invalid_length",
            Self::InvalidFormat => "invalid_format",
            Self::InvalidCheckDigit => "invalid_check_digit",
            Self::InvalidComponent => "invalid_component",
            Self::UnknownCountry => "unknown_country",
            Self::UnsupportedCountry => "unsupported_country",
            Self::MissingCountry => "missing_country",
            Self::InvalidDate => "invalid_date",
            Self::IncompleteDate => "incomplete_date",
            Self::InvalidSex => "invalid_sex",
            Self::BadFiller => "bad_filler",
            Self::NameContainsDigits => "name_contains_digits",
            Self::UnsupportedDocumentCode => "unsupported_document_code",
            Self::InvalidNumber => "invalid_number",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: a stable code plus a sentence for humans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckError {
    /// The stable code.
    pub code: ErrorCode,
    /// A human-readable explanation; wording may change between releases.
    pub message: String,
}

impl CheckError {
    /// Builds an error from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
