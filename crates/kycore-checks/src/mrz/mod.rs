//! Machine-readable zones (ICAO Doc 9303): parsing, our validation rules on top
//! of the parsed fields, and comparison with what the applicant entered.
//!
//! The layout and check-digit arithmetic come from the `mrz` crate (pinned);
//! this module owns what that crate leaves to its callers: input hygiene,
//! century rules relative to a caller-supplied "today", code-list, filler and
//! sex rules, a serialisable result, and the comparison with applicant data.

mod compare;
mod layout;
mod names;
pub mod ocr;
mod rules;

use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::codes::{CheckError, ErrorCode};

pub use compare::{ComparedField, Discrepancy, DiscrepancyKind, EnteredData, compare};
pub use layout::MrzFormat;
pub use names::{name_similarity, normalize_name};
pub use ocr::{FieldCover, OcrField, OcrLine, OcrZone, read_zone};

/// Why an MRZ could not be parsed at all. Field-level problems in a zone that
/// does parse are reported as [`MrzIssue`]s instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    /// Nothing but whitespace.
    #[error("the MRZ is empty")]
    Empty,
    /// More text than any MRZ could hold; refused before any parsing work.
    #[error("the MRZ text is {0} bytes long, far more than any MRZ")]
    TooLong(usize),
    /// A character outside `A-Z`, `0-9` and `<`.
    #[error("character {character:?} at line {line}, column {column} is not allowed in an MRZ")]
    InvalidCharacter {
        /// 1-based line number.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The offending character.
        character: char,
    },
    /// The line count and lengths match none of TD1 (3×30), TD2/MRV-B (2×36) or TD3/MRV-A (2×44).
    #[error("line lengths {0:?} match no MRZ format (TD1 3x30, TD2/MRV-B 2x36, TD3/MRV-A 2x44)")]
    UnrecognisedLayout(Vec<usize>),
    /// The document code does not belong to the layout (for example a 2×44 zone not starting with P or V).
    #[error("document code {0:?} is not valid for this MRZ layout")]
    UnsupportedDocumentCode(String),
    /// A field that must start with data starts with a filler.
    #[error("the {0} field starts with a filler")]
    LeadingFiller(&'static str),
    /// Any other refusal from the underlying parser.
    #[error("the MRZ could not be parsed: {0}")]
    Unparseable(String),
}

impl MrzError {
    /// The stable code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::EmptyValue,
            Self::TooLong(_) | Self::UnrecognisedLayout(_) => ErrorCode::InvalidLength,
            Self::InvalidCharacter { .. } => ErrorCode::InvalidCharacter,
            Self::UnsupportedDocumentCode(_) => ErrorCode::UnsupportedDocumentCode,
            Self::LeadingFiller(_) => ErrorCode::BadFiller,
            Self::Unparseable(_) => ErrorCode::InvalidFormat,
        }
    }

    /// This error as a [`CheckError`].
    pub fn to_check_error(&self) -> CheckError {
        CheckError::new(self.code(), self.to_string())
    }
}

/// Outcome of one printed check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckDigitStatus {
    /// The digit matches the data it covers.
    Verified,
    /// The digit does not match: the data or the digit was altered or misread.
    Refuted,
    /// This format prints no such digit.
    NotPrinted,
}

impl CheckDigitStatus {
    fn from_crate(result: Option<bool>) -> Self {
        match result {
            Some(true) => Self::Verified,
            Some(false) => Self::Refuted,
            None => Self::NotPrinted,
        }
    }
}

/// The result of every check digit a zone can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckDigits {
    /// Document number (the full number when it overflows into optional data).
    pub document_number: CheckDigitStatus,
    /// Date of birth.
    pub date_of_birth: CheckDigitStatus,
    /// Date of expiry.
    pub date_of_expiry: CheckDigitStatus,
    /// Personal number (TD3 only).
    pub personal_number: CheckDigitStatus,
    /// Composite digit over line 2 (absent on visas).
    pub composite: CheckDigitStatus,
}

impl CheckDigits {
    /// Each digit with its field name, in zone order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, CheckDigitStatus)> {
        [
            ("document_number", self.document_number),
            ("date_of_birth", self.date_of_birth),
            ("date_of_expiry", self.date_of_expiry),
            ("personal_number", self.personal_number),
            ("composite", self.composite),
        ]
        .into_iter()
    }

    /// True when no printed digit is refuted.
    pub fn all_verified(&self) -> bool {
        self.iter()
            .all(|(_, status)| status != CheckDigitStatus::Refuted)
    }
}

/// An issuing-state or nationality code with its name in the ICAO list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateCode {
    /// The code as printed, fillers removed (`D`, `UTO`, `GBN`…).
    pub code: String,
    /// The name from the ICAO/ISO list; `None` when the code is unknown.
    pub name: Option<&'static str>,
}

impl StateCode {
    fn new(code: &str) -> Self {
        Self {
            code: code.to_owned(),
            name: ::mrz::country_name(code),
        }
    }
}

/// Sex as printed in the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzSex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<`, or `X` as some issuers print it.
    Unspecified,
}

/// A six-character MRZ date with its century resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MrzDateField {
    /// The six characters as printed (`YYMMDD`, possibly with fillers).
    pub raw: String,
    /// The calendar date, when the field is a real date.
    #[serde(with = "crate::dates::iso_option")]
    pub date: Option<Date>,
}

/// A rule violation found in a zone that parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MrzIssue {
    /// The stable code.
    pub code: ErrorCode,
    /// The zone field concerned (`surname`, `nationality`, `date_of_birth`…).
    pub field: &'static str,
    /// A sentence for a reviewer.
    pub message: String,
}

/// Everything read from a zone, plus the result of every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedMrz {
    /// TD1, TD2, TD3, MRV-A or MRV-B.
    pub format: MrzFormat,
    /// The document code without fillers (`P`, `PO`, `I`, `ID`, `V`…).
    pub document_code: String,
    /// The issuing state or organisation.
    pub issuing_state: StateCode,
    /// The complete document number, including any part that overflowed into optional data.
    pub document_number: String,
    /// Whether the number used the long-number overflow encoding.
    pub document_number_overflow: bool,
    /// Primary identifier, fillers decoded to spaces.
    pub surname: String,
    /// Secondary identifiers, fillers decoded to spaces.
    pub given_names: String,
    /// Whether the name field is full to its last cell, so the name may be truncated.
    pub name_possibly_truncated: bool,
    /// Nationality.
    pub nationality: StateCode,
    /// Date of birth; the century is the latest that is not after "today".
    pub date_of_birth: MrzDateField,
    /// Sex; `None` when the cell holds something other than M, F, X or `<`.
    pub sex: Option<MrzSex>,
    /// Date of expiry; the century keeps it within 50 years after "today".
    pub date_of_expiry: MrzDateField,
    /// Personal number (TD3) or optional data, fillers removed.
    pub optional_data: Option<String>,
    /// Second optional-data field (TD1 line 2).
    pub optional_data_2: Option<String>,
    /// Every check digit.
    pub check_digits: CheckDigits,
    /// Fields no check digit covers: their content is read, not verified.
    pub unverified_fields: &'static [&'static str],
    /// Rule violations; empty for a clean zone.
    pub issues: Vec<MrzIssue>,
    /// The zone's lines after normalisation.
    pub lines: Vec<String>,
}

impl ParsedMrz {
    /// True when every printed check digit verifies and no rule was violated.
    pub fn is_valid(&self) -> bool {
        self.check_digits.all_verified() && self.issues.is_empty()
    }

    /// The zone re-joined with `\n`, the form the API returns as `normalized`.
    pub fn normalized(&self) -> String {
        self.lines.join("\n")
    }

    /// Whether the document has expired on `today` (`None` if the expiry is unreadable).
    pub fn is_expired(&self, today: Date) -> Option<bool> {
        self.date_of_expiry.date.map(|expiry| expiry < today)
    }
}

/// Parses an MRZ given as its lines joined by `\n` (surrounding whitespace,
/// `\r` and lower case are tolerated), and applies every rule.
///
/// `today` anchors the two-digit-year century rules; pass the date of the
/// check, never the time of a later replay.
pub fn parse(text: &str, today: Date) -> Result<ParsedMrz, MrzError> {
    let zone = layout::Zone::read(text)?;
    let data = zone.parse_with_crate()?;
    Ok(rules::build(&zone, &data, today))
}
