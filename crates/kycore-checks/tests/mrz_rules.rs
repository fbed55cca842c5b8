//! Corruptions that no check digit sees, and input that is not an MRZ at
//! all: each must come back as a precise issue or error, never a panic.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use kycore_checks::ErrorCode;
use kycore_checks::mrz::{
    ComparedField, DiscrepancyKind, EnteredData, MrzError, MrzSex, compare, parse,
};

const TD3_LINE1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
const TD3_LINE2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

/// Rewrites every TD3 line-2 check digit so that only our rules, not the
/// arithmetic, can notice a corruption.
fn with_fresh_check_digits(line2: &str) -> String {
    let digit = |field: &str| char::from_digit(::mrz::check_digit(field).unwrap(), 10).unwrap();
    let mut chars: Vec<char> = line2.chars().collect();
    for (start, end) in [(0, 9), (13, 19), (21, 27), (28, 42)] {
        chars[end] = digit(&line2[start..end]);
    }
    let body: String = chars.iter().collect();
    chars[43] = digit(&format!(
        "{}{}{}",
        &body[0..10],
        &body[13..20],
        &body[21..43]
    ));
    chars.into_iter().collect()
}

fn td3(line1: &str, line2: &str) -> kycore_checks::mrz::ParsedMrz {
    parse(&format!("{line1}\n{line2}"), common::today()).unwrap()
}

fn issue_codes(parsed: &kycore_checks::mrz::ParsedMrz) -> Vec<ErrorCode> {
    parsed.issues.iter().map(|i| i.code).collect()
}

#[test]
fn the_clean_specimen_has_no_issues() {
    let parsed = td3(TD3_LINE1, TD3_LINE2);
    assert!(parsed.is_valid(), "{:?}", parsed.issues);
    assert_eq!(parsed.sex, Some(MrzSex::Female));
}

#[test]
fn unknown_country_codes_are_reported() {
    let parsed = td3(
        &TD3_LINE1.replace("UTO", "UTX"),
        &TD3_LINE2.replace("UTO", "QQQ"),
    );
    assert!(
        parsed.check_digits.all_verified(),
        "codes are not covered by check digits"
    );
    let fields: Vec<(&str, ErrorCode)> = parsed.issues.iter().map(|i| (i.field, i.code)).collect();
    assert!(fields.contains(&("issuing_state", ErrorCode::UnknownCountry)));
    assert!(fields.contains(&("nationality", ErrorCode::UnknownCountry)));
}

#[test]
fn icao_only_codes_are_known() {
    for code in ["D<<", "GBN", "GBD", "UNO", "XXA", "XXB", "EUE"] {
        let parsed = td3(&TD3_LINE1.replace("UTO", code), TD3_LINE2);
        assert!(parsed.is_valid(), "{code}: {:?}", parsed.issues);
    }
}

#[test]
fn impossible_dates_are_reported_even_with_matching_check_digits() {
    let parsed = td3(
        TD3_LINE1,
        &with_fresh_check_digits(&TD3_LINE2.replace("740812", "740230")),
    );
    assert!(parsed.check_digits.all_verified());
    assert_eq!(parsed.date_of_birth.date, None);
    assert!(issue_codes(&parsed).contains(&ErrorCode::InvalidDate));
}

#[test]
fn expiry_before_birth_is_reported() {
    let line2 = TD3_LINE2
        .replace("740812", "100101")
        .replace("120415", "090101");
    let parsed = td3(TD3_LINE1, &with_fresh_check_digits(&line2));
    assert!(
        issue_codes(&parsed).contains(&ErrorCode::InvalidDate),
        "{:?}",
        parsed.issues
    );
}

#[test]
fn unknown_date_parts_are_incomplete_not_invalid() {
    let parsed = td3(
        TD3_LINE1,
        &with_fresh_check_digits(&TD3_LINE2.replace("740812", "74<<<<")),
    );
    assert!(
        issue_codes(&parsed).contains(&ErrorCode::IncompleteDate),
        "{:?}",
        parsed.issues
    );
}

#[test]
fn bad_fillers_are_reported() {
    let triple = TD3_LINE1
        .replace("ERIKSSON<<ANNA", "ERIKSSON<<<ANNA")
        .replacen("<<<<", "<<<", 1);
    let triple = format!("{triple:<<44}");
    assert!(issue_codes(&td3(&triple[..44], TD3_LINE2)).contains(&ErrorCode::BadFiller));
    let inner = with_fresh_check_digits(&TD3_LINE2.replace("L898902C3", "L89<902C3"));
    assert!(issue_codes(&td3(TD3_LINE1, &inner)).contains(&ErrorCode::BadFiller));
    let state = TD3_LINE1.replace("UTO", "U<O");
    assert!(issue_codes(&td3(&state, TD3_LINE2)).contains(&ErrorCode::BadFiller));
}

#[test]
fn sex_outside_the_alphabet_is_reported() {
    let mut line2 = TD3_LINE2.to_owned();
    line2.replace_range(20..21, "Q");
    let parsed = td3(TD3_LINE1, &line2);
    assert_eq!(parsed.sex, None);
    assert!(issue_codes(&parsed).contains(&ErrorCode::InvalidSex));
    line2.replace_range(20..21, "X");
    assert_eq!(td3(TD3_LINE1, &line2).sex, Some(MrzSex::Unspecified));
}

#[test]
fn whitespace_crlf_and_lower_case_are_tolerated() {
    let text = format!("  {}\r\n\n{}  \n", TD3_LINE1.to_lowercase(), TD3_LINE2);
    assert!(parse(&text, common::today()).unwrap().is_valid());
}

#[test]
fn garbage_gets_a_precise_error() {
    let today = common::today();
    let cases: [(&str, ErrorCode); 6] = [
        ("", ErrorCode::EmptyValue),
        ("  \n \n", ErrorCode::EmptyValue),
        ("HELLO WORLD", ErrorCode::InvalidCharacter),
        ("P<UTOÉRIKSSON", ErrorCode::InvalidCharacter),
        ("ABC\nDEF", ErrorCode::InvalidLength),
        (&TD3_LINE2[..43], ErrorCode::InvalidLength),
    ];
    for (text, code) in cases {
        assert_eq!(parse(text, today).unwrap_err().code(), code, "{text:?}");
    }
    let long = "<".repeat(10_000);
    assert!(matches!(
        parse(&long, today),
        Err(MrzError::TooLong(10_000))
    ));
    let wrong_code = format!("X{}\n{TD3_LINE2}", &TD3_LINE1[1..]);
    assert_eq!(
        parse(&wrong_code, today).unwrap_err().code(),
        ErrorCode::UnsupportedDocumentCode
    );
    let leading = format!("{TD3_LINE1}\n<{}", &TD3_LINE2[1..]);
    assert_eq!(
        parse(&leading, today).unwrap_err().code(),
        ErrorCode::BadFiller
    );
}

fn entered() -> EnteredData {
    EnteredData {
        surname: Some("Eriksson".into()),
        given_names: Some("Anna-Maria".into()),
        date_of_birth: Some(common::date("1974-08-12")),
        document_number: Some("l898902c3".into()),
        date_of_expiry: Some(common::date("2012-04-15")),
        nationality: Some("uto".into()),
    }
}

#[test]
fn matching_entered_data_has_no_discrepancy() {
    let parsed = td3(TD3_LINE1, TD3_LINE2);
    assert_eq!(compare(&parsed, &entered()), vec![]);
    assert_eq!(compare(&parsed, &EnteredData::default()), vec![]);
}

#[test]
fn differences_are_graded() {
    let parsed = td3(TD3_LINE1, TD3_LINE2);
    let typo = EnteredData {
        surname: Some("Erikson".into()),
        given_names: Some("Beatrice".into()),
        date_of_birth: Some(common::date("1974-08-13")),
        nationality: Some("SE".into()),
        ..entered()
    };
    let found: Vec<(ComparedField, DiscrepancyKind)> = compare(&parsed, &typo)
        .iter()
        .map(|d| (d.field, d.kind))
        .collect();
    assert_eq!(
        found,
        vec![
            (ComparedField::Surname, DiscrepancyKind::MinorDifference),
            (ComparedField::GivenNames, DiscrepancyKind::Mismatch),
            (ComparedField::DateOfBirth, DiscrepancyKind::Mismatch),
            (ComparedField::Nationality, DiscrepancyKind::Mismatch),
        ]
    );
}

#[test]
fn transliterated_and_truncated_names_match() {
    let line1 = format!("{:<<44}", "P<D<<MUELLER<<JOERG");
    let parsed = td3(&line1, &TD3_LINE2.replace("UTO", "D<<"));
    let typed = EnteredData {
        surname: Some("Müller".into()),
        given_names: Some("Jörg".into()),
        nationality: Some("DE".into()),
        ..EnteredData::default()
    };
    assert_eq!(compare(&parsed, &typed), vec![]);
    let truncated = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nCACADOR<DE<ARAUJO<<ANDRE<ESTEV";
    let parsed = parse(truncated, common::today()).unwrap();
    assert!(parsed.name_possibly_truncated);
    let typed = EnteredData {
        surname: Some("Caçador de Araújo".into()),
        given_names: Some("André Estevão".into()),
        ..EnteredData::default()
    };
    assert_eq!(compare(&parsed, &typed), vec![]);
}

#[test]
fn wire_names_match_as_str() {
    use kycore_checks::mrz::MrzFormat;
    for format in [
        MrzFormat::Td1,
        MrzFormat::Td2,
        MrzFormat::Td3,
        MrzFormat::MrvA,
        MrzFormat::MrvB,
    ] {
        assert_eq!(serde_json::to_value(format).unwrap(), format.as_str());
    }
    let fields = [
        ComparedField::Surname,
        ComparedField::GivenNames,
        ComparedField::DateOfBirth,
        ComparedField::DocumentNumber,
        ComparedField::DateOfExpiry,
        ComparedField::Nationality,
    ];
    for field in fields {
        assert_eq!(serde_json::to_value(field).unwrap(), field.as_str());
    }
}

#[test]
fn entered_data_reads_from_json() {
    let typed: EnteredData = serde_json::from_value(serde_json::json!({
        "surname": "Eriksson",
        "date_of_birth": "1974-08-12",
    }))
    .unwrap();
    assert_eq!(typed.date_of_birth, Some(common::date("1974-08-12")));
    assert_eq!(typed.given_names, None);
    let bad =
        serde_json::from_value::<EnteredData>(serde_json::json!({ "date_of_birth": "1974-02-30" }));
    assert!(bad.is_err());
}
