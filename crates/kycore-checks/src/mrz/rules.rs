//! Our rules over a parsed zone: century resolution, code lists, fillers,
//! sex and names. Each rule adds [`MrzIssue`]s rather than failing, so one
//! report shows every problem a reviewer needs to see.

use ::mrz::{MrzData, MrzDate};
use time::Date;

use super::layout::Zone;
use super::{CheckDigitStatus, CheckDigits, MrzDateField, MrzIssue, MrzSex, ParsedMrz, StateCode};
use crate::codes::ErrorCode;
use crate::dates::calendar_date;

/// An expiry more than this many years after "today" is read as last century:
/// no travel document is issued for that long, and the window still reaches
/// every expiry a genuine document can carry.
const EXPIRY_WINDOW_YEARS: i32 = 50;

/// Assembles the public result and runs every rule.
pub(super) fn build(zone: &Zone, data: &MrzData, today: Date) -> ParsedMrz {
    let geometry = zone.format.geometry();
    let mut issues = Vec::new();
    let check_digits = check_digits(data, &mut issues);
    let issuing_state = state_code(
        zone.text(&geometry.issuing_state),
        "issuing_state",
        &mut issues,
    );
    let nationality = state_code(zone.text(&geometry.nationality), "nationality", &mut issues);
    let name_field = zone.text(&geometry.name);
    check_name_field(name_field, &mut issues);
    check_document_number(data, &mut issues);
    let sex = sex(zone.text(&geometry.sex), &mut issues);
    let date_of_birth = resolve_date(data.date_of_birth, DateKind::Birth, today, &mut issues);
    let date_of_expiry = resolve_date(data.date_of_expiry, DateKind::Expiry, today, &mut issues);
    check_date_order(&date_of_birth, &date_of_expiry, &mut issues);
    ParsedMrz {
        format: zone.format,
        document_code: data.document_type.clone(),
        issuing_state,
        document_number: data.full_document_number().to_owned(),
        document_number_overflow: data.document_number_full.is_some(),
        surname: data.surname.clone(),
        given_names: data.given_names.clone(),
        name_possibly_truncated: !name_field.ends_with('<'),
        nationality,
        date_of_birth,
        sex,
        date_of_expiry,
        optional_data: data.optional_data_1.clone(),
        optional_data_2: data.optional_data_2.clone(),
        check_digits,
        unverified_fields: zone.format.unverified_fields(),
        issues,
        lines: zone.lines.clone(),
    }
}

fn issue(issues: &mut Vec<MrzIssue>, code: ErrorCode, field: &'static str, message: String) {
    issues.push(MrzIssue {
        code,
        field,
        message,
    });
}

fn check_digits(data: &MrzData, issues: &mut Vec<MrzIssue>) -> CheckDigits {
    let checks = &data.checks;
    let digits = CheckDigits {
        document_number: CheckDigitStatus::from_crate(checks.document_number),
        date_of_birth: CheckDigitStatus::from_crate(checks.date_of_birth),
        date_of_expiry: CheckDigitStatus::from_crate(checks.date_of_expiry),
        personal_number: CheckDigitStatus::from_crate(checks.personal_number),
        composite: CheckDigitStatus::from_crate(checks.composite),
    };
    for (field, status) in digits.iter() {
        if status == CheckDigitStatus::Refuted {
            let message = format!("the {field} check digit does not match the data it covers");
            issue(issues, ErrorCode::InvalidCheckDigit, field, message);
        }
    }
    digits
}

/// A state code is letters followed only by fillers (`D<<`), and must be in
/// the ICAO list, which adds codes such as `D`, `GBN`, `UNO`, `XXA` to ISO 3166.
fn state_code(raw: &str, field: &'static str, issues: &mut Vec<MrzIssue>) -> StateCode {
    let code = raw.trim_end_matches('<');
    if code.is_empty() || code.contains('<') {
        issue(
            issues,
            ErrorCode::BadFiller,
            field,
            format!("{field} {raw:?} is not letters followed by fillers"),
        );
    } else if ::mrz::country_name(code).is_none() {
        issue(
            issues,
            ErrorCode::UnknownCountry,
            field,
            format!("{field} code {code:?} is not in the ICAO code list"),
        );
    }
    StateCode::new(code)
}

/// Doc 9303 name field: primary identifier, then optionally `<<` and the
/// secondary identifiers, components separated by a single `<`, then fillers.
fn check_name_field(raw: &str, issues: &mut Vec<MrzIssue>) {
    let body = raw.trim_end_matches('<');
    let separators = body.matches("<<").count();
    if body.is_empty() || body.starts_with('<') || body.contains("<<<") || separators > 1 {
        issue(
            issues,
            ErrorCode::BadFiller,
            "name",
            format!("name field {raw:?} has fillers where names are expected"),
        );
    }
    if body.chars().any(|c| c.is_ascii_digit()) {
        let message =
            format!("name field {raw:?} contains digits, which no name has; likely an OCR misread");
        issue(issues, ErrorCode::NameContainsDigits, "name", message);
    }
}

/// A filler inside the document number (not the long-number overflow marker)
/// means the field was shifted or misread.
fn check_document_number(data: &MrzData, issues: &mut Vec<MrzIssue>) {
    if data.document_number.contains('<') {
        let message = format!(
            "document number {:?} has a filler inside it",
            data.document_number
        );
        issue(issues, ErrorCode::BadFiller, "document_number", message);
    }
}

fn sex(raw: &str, issues: &mut Vec<MrzIssue>) -> Option<MrzSex> {
    match raw {
        "M" => Some(MrzSex::Male),
        "F" => Some(MrzSex::Female),
        "<" | "X" => Some(MrzSex::Unspecified),
        _ => {
            issue(
                issues,
                ErrorCode::InvalidSex,
                "sex",
                format!("sex {raw:?} is not M, F, X or <"),
            );
            None
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DateKind {
    Birth,
    Expiry,
}

impl DateKind {
    fn field(self) -> &'static str {
        match self {
            Self::Birth => "date_of_birth",
            Self::Expiry => "date_of_expiry",
        }
    }
}

fn resolve_date(
    value: MrzDate,
    kind: DateKind,
    today: Date,
    issues: &mut Vec<MrzIssue>,
) -> MrzDateField {
    let field = kind.field();
    let (raw, parts) = match value {
        MrzDate::Calendar(d) | MrzDate::OutOfCalendar(d) => (
            format!("{:02}{:02}{:02}", d.year.rem_euclid(100), d.month, d.day),
            Some(d),
        ),
        other => (other.to_string(), None),
    };
    let Some(parts) = parts else {
        let message = format!("{field} {raw:?} has unknown or unreadable parts");
        issue(issues, ErrorCode::IncompleteDate, field, message);
        return MrzDateField { raw, date: None };
    };
    let date = with_century(parts, kind, today);
    if date.is_none() {
        issue(
            issues,
            ErrorCode::InvalidDate,
            field,
            format!("{field} {raw:?} is not a calendar date"),
        );
    }
    MrzDateField { raw, date }
}

/// Birth: the latest century that does not put the date after today.
/// Expiry: this century unless that lies beyond the expiry window.
fn with_century(parts: ::mrz::Date, kind: DateKind, today: Date) -> Option<Date> {
    let yy = parts.year.rem_euclid(100);
    let month = u16::try_from(parts.month).ok()?;
    let day = u16::try_from(parts.day).ok()?;
    let this_century = calendar_date(2000 + yy, month, day);
    let last_century = calendar_date(1900 + yy, month, day);
    let too_late = match kind {
        DateKind::Birth => this_century.is_some_and(|d| d > today),
        DateKind::Expiry => 2000 + yy > today.year() + EXPIRY_WINDOW_YEARS,
    };
    // Feb 29 can exist in one century and not the other; fall back to whichever exists.
    if too_late {
        last_century
    } else {
        this_century.or(last_century)
    }
}

fn check_date_order(birth: &MrzDateField, expiry: &MrzDateField, issues: &mut Vec<MrzIssue>) {
    if let (Some(birth), Some(expiry)) = (birth.date, expiry.date)
        && expiry <= birth
    {
        let message = format!("date of expiry {expiry} is not after date of birth {birth}");
        issue(issues, ErrorCode::InvalidDate, "date_of_expiry", message);
    }
}
