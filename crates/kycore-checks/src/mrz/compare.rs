//! Comparison of a parsed zone with data from elsewhere: what the applicant
//! entered, or the applicant's stored record. The caller runs it once per source.

use serde::{Deserialize, Serialize};
use time::Date;

use super::ParsedMrz;
use super::names::{name_similarity, normalize_name};

/// Names at least this similar after transliteration are reported as a minor
/// difference (a typo or a transliteration variant) rather than a mismatch.
const MINOR_NAME_SIMILARITY: f64 = 0.8;

/// Applicant data to hold against the zone. Absent fields are not compared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnteredData {
    /// Family name(s), in any script Doc 9303 transliterates.
    pub surname: Option<String>,
    /// Given name(s).
    pub given_names: Option<String>,
    /// Date of birth.
    #[serde(default, with = "crate::dates::iso_option")]
    pub date_of_birth: Option<Date>,
    /// Document number, with or without spaces and dashes.
    pub document_number: Option<String>,
    /// Date of expiry.
    #[serde(default, with = "crate::dates::iso_option")]
    pub date_of_expiry: Option<Date>,
    /// Nationality as ISO 3166 alpha-2, alpha-3, or an ICAO code.
    pub nationality: Option<String>,
}

/// The field a discrepancy concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparedField {
    /// Family name.
    Surname,
    /// Given names.
    GivenNames,
    /// Date of birth.
    DateOfBirth,
    /// Document number.
    DocumentNumber,
    /// Date of expiry.
    DateOfExpiry,
    /// Nationality.
    Nationality,
}

impl ComparedField {
    /// The field's name as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Surname => "surname",
            Self::GivenNames => "given_names",
            Self::DateOfBirth => "date_of_birth",
            Self::DocumentNumber => "document_number",
            Self::DateOfExpiry => "date_of_expiry",
            Self::Nationality => "nationality",
        }
    }
}

/// How far apart the two values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// Close but not equal (a typo or transliteration variant): worth a human look.
    MinorDifference,
    /// Different values.
    Mismatch,
    /// The zone's value is unreadable, so nothing could be compared.
    Unverifiable,
}

/// One difference between the zone and the entered data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discrepancy {
    /// Which field.
    pub field: ComparedField,
    /// How different.
    pub kind: DiscrepancyKind,
    /// The value in the zone, normalised.
    pub mrz_value: String,
    /// The value entered, as given.
    pub entered_value: String,
    /// Name similarity in `0..=1`, for name fields.
    pub similarity: Option<f64>,
}

/// Every difference between `mrz` and `entered`; empty when they agree.
pub fn compare(mrz: &ParsedMrz, entered: &EnteredData) -> Vec<Discrepancy> {
    let truncated = mrz.name_possibly_truncated;
    [
        entered
            .surname
            .as_deref()
            .and_then(|v| compare_name(ComparedField::Surname, &mrz.surname, v, truncated)),
        entered
            .given_names
            .as_deref()
            .and_then(|v| compare_name(ComparedField::GivenNames, &mrz.given_names, v, truncated)),
        entered
            .date_of_birth
            .and_then(|v| compare_date(ComparedField::DateOfBirth, &mrz.date_of_birth, v)),
        entered
            .date_of_expiry
            .and_then(|v| compare_date(ComparedField::DateOfExpiry, &mrz.date_of_expiry, v)),
        entered
            .document_number
            .as_deref()
            .and_then(|v| compare_document_number(mrz, v)),
        entered
            .nationality
            .as_deref()
            .and_then(|v| compare_nationality(mrz, v)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn discrepancy(
    field: ComparedField,
    kind: DiscrepancyKind,
    mrz: &str,
    entered: &str,
) -> Discrepancy {
    Discrepancy {
        field,
        kind,
        mrz_value: mrz.to_owned(),
        entered_value: entered.to_owned(),
        similarity: None,
    }
}

/// A zone name filled to its last cell may be cut short, so a typed name that
/// starts with it still matches.
fn compare_name(
    field: ComparedField,
    mrz: &str,
    typed: &str,
    truncated: bool,
) -> Option<Discrepancy> {
    let forms = normalize_name(typed);
    let agrees =
        |form: &String| form == mrz || (truncated && !mrz.is_empty() && form.starts_with(mrz));
    if forms.iter().any(agrees) {
        return None;
    }
    let similarity = forms
        .iter()
        .map(|form| name_similarity(form, mrz))
        .fold(0.0_f64, f64::max);
    let kind = if similarity >= MINOR_NAME_SIMILARITY {
        DiscrepancyKind::MinorDifference
    } else {
        DiscrepancyKind::Mismatch
    };
    Some(Discrepancy {
        similarity: Some(similarity),
        ..discrepancy(field, kind, mrz, typed)
    })
}

fn compare_date(
    field: ComparedField,
    mrz: &super::MrzDateField,
    entered: Date,
) -> Option<Discrepancy> {
    let entered_text = entered.to_string();
    match mrz.date {
        Some(date) if date == entered => None,
        Some(date) => Some(discrepancy(
            field,
            DiscrepancyKind::Mismatch,
            &date.to_string(),
            &entered_text,
        )),
        None => Some(discrepancy(
            field,
            DiscrepancyKind::Unverifiable,
            &mrz.raw,
            &entered_text,
        )),
    }
}

fn compare_document_number(mrz: &ParsedMrz, typed: &str) -> Option<Discrepancy> {
    let compact: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (compact != mrz.document_number).then(|| {
        discrepancy(
            ComparedField::DocumentNumber,
            DiscrepancyKind::Mismatch,
            &mrz.document_number,
            typed,
        )
    })
}

/// Accepts alpha-2 by mapping it to alpha-3, then lets the ICAO table decide
/// equivalence, so `DE`, `DEU` and the zone's `D` all agree.
fn compare_nationality(mrz: &ParsedMrz, typed: &str) -> Option<Discrepancy> {
    let typed_code = typed.trim().to_ascii_uppercase();
    let alpha3 = celes::Country::from_alpha2(&typed_code)
        .map(|country| country.alpha3.to_owned())
        .unwrap_or(typed_code);
    let code = &mrz.nationality.code;
    (!same_nationality(code, &alpha3)).then(|| {
        discrepancy(
            ComparedField::Nationality,
            DiscrepancyKind::Mismatch,
            code,
            typed,
        )
    })
}

/// The British nationality categories (GBD, GBN, GBO, GBP, GBS) are all
/// United Kingdom nationality, which an applicant will enter as GB or GBR.
fn same_nationality(mrz_code: &str, entered_alpha3: &str) -> bool {
    ::mrz::codes_equivalent(mrz_code, entered_alpha3)
        || (mrz_code.starts_with("GB") && entered_alpha3 == "GBR")
}
