//! The MRZ specimen vectors from the shared fixtures, and the mutation test:
//! every single-digit substitution inside a check-digit-covered field of each
//! valid specimen must be detected.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use kycore_checks::ErrorCode;
use kycore_checks::mrz::{CheckDigitStatus, MrzFormat, ParsedMrz, parse};
use serde_json::Value;

fn cases() -> Vec<Value> {
    common::fixture("mrz/mrz_vectors.json")
        .map(|v| v["cases"].as_array().unwrap().clone())
        .unwrap_or_default()
}

fn zone(case: &Value, key: &str) -> String {
    case[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn status_of(parsed: &ParsedMrz, field: &str) -> CheckDigitStatus {
    parsed
        .check_digits
        .iter()
        .find(|(name, _)| *name == field)
        .unwrap()
        .1
}

#[test]
fn every_vector_gives_its_expected_check_digits() {
    let cases = cases();
    for case in cases.iter().filter(|c| !c["expected_checks"].is_null()) {
        let id = case["id"].as_str().unwrap();
        let parsed =
            parse(&zone(case, "lines"), common::today()).unwrap_or_else(|e| panic!("{id}: {e}"));
        for (field, expected) in case["expected_checks"].as_object().unwrap() {
            let got = status_of(&parsed, field);
            let ok = match expected.as_bool() {
                Some(true) => got == CheckDigitStatus::Verified,
                Some(false) => got == CheckDigitStatus::Refuted,
                // Doc 9303 lets an all-filler personal number carry a `<` digit,
                // which reads either as not printed or as a verified 0.
                None => {
                    got == CheckDigitStatus::NotPrinted
                        || (field == "personal_number" && got == CheckDigitStatus::Verified)
                }
            };
            assert!(ok, "{id}: {field} expected {expected}, got {got:?}");
        }
        let expected_valid = case["expected_all_valid"].as_bool().unwrap();
        assert_eq!(
            parsed.is_valid(),
            expected_valid,
            "{id}: issues {:?}",
            parsed.issues
        );
        if let Some(full) = case["expected_document_number_full"].as_str() {
            assert_eq!(parsed.document_number, full, "{id}");
            assert!(parsed.document_number_overflow, "{id}");
        }
        let format = serde_json::to_value(parsed.format).unwrap();
        assert_eq!(format, case["format"], "{id}");
    }
}

#[test]
fn specimen_fields_are_decoded() {
    let Some(case) = cases().into_iter().find(|c| c["id"] == "icao_td3_utopia") else {
        return;
    };
    let parsed = parse(&zone(&case, "lines"), common::today()).unwrap();
    assert_eq!(parsed.format, MrzFormat::Td3);
    assert_eq!(parsed.surname, "ERIKSSON");
    assert_eq!(parsed.given_names, "ANNA MARIA");
    assert_eq!(parsed.issuing_state.code, "UTO");
    assert!(parsed.issuing_state.name.is_some());
    assert_eq!(parsed.date_of_birth.date, Some(common::date("1974-08-12")));
    assert_eq!(parsed.date_of_expiry.date, Some(common::date("2012-04-15")));
    assert_eq!(parsed.is_expired(common::today()), Some(true));
    assert_eq!(parsed.optional_data.as_deref(), Some("ZE184226B"));
}

#[test]
fn century_rules_follow_today() {
    let Some(case) = cases()
        .into_iter()
        .find(|c| c["id"] == "icao_td1_long_document_number")
    else {
        return;
    };
    // Born 340712 and expiring 950712: 1934 and 1995, not 2034 and 2095.
    let parsed = parse(&zone(&case, "lines"), common::today()).unwrap();
    assert_eq!(parsed.date_of_birth.date, Some(common::date("1934-07-12")));
    assert_eq!(parsed.date_of_expiry.date, Some(common::date("1995-07-12")));
}

#[test]
fn ocr_noise_is_reported_not_accepted() {
    let Some(case) = cases().into_iter().find(|c| c["kind"] == "ocr_noise") else {
        return;
    };
    let parsed = parse(&zone(&case, "lines"), common::today()).unwrap();
    assert!(!parsed.is_valid());
    let codes: Vec<ErrorCode> = parsed.issues.iter().map(|i| i.code).collect();
    assert!(codes.contains(&ErrorCode::NameContainsDigits), "{codes:?}");
    assert!(codes.contains(&ErrorCode::UnknownCountry), "{codes:?}");
    assert!(codes.contains(&ErrorCode::InvalidCheckDigit), "{codes:?}");
    let clean = parse(&zone(&case, "clean_lines"), common::today()).unwrap();
    assert!(clean.is_valid());
}

/// Cells covered by a check digit (the digits themselves included), per
/// format, as (line, start, end). Written from Doc 9303 independently of the
/// library's own layout table.
fn covered_cells(format: MrzFormat) -> &'static [(usize, usize, usize)] {
    match format {
        MrzFormat::Td3 => &[(1, 0, 10), (1, 13, 20), (1, 21, 44)],
        MrzFormat::Td2 => &[(1, 0, 10), (1, 13, 20), (1, 21, 36)],
        MrzFormat::MrvA | MrzFormat::MrvB => &[(1, 0, 10), (1, 13, 20), (1, 21, 28)],
        MrzFormat::Td1 => &[(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 30)],
    }
}

#[test]
fn every_single_digit_substitution_in_a_covered_field_is_detected() {
    let mut mutations = 0;
    for case in cases().iter().filter(|c| c["expected_all_valid"] == true) {
        let id = case["id"].as_str().unwrap();
        let lines: Vec<String> = case["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect();
        let format = parse(&lines.join("\n"), common::today()).unwrap().format;
        for &(line, start, end) in covered_cells(format) {
            for column in start..end {
                let original = lines[line].as_bytes()[column];
                if !original.is_ascii_digit() {
                    continue;
                }
                for digit in (b'0'..=b'9').filter(|d| *d != original) {
                    let mut mutated = lines.clone();
                    let mut bytes = mutated[line].clone().into_bytes();
                    bytes[column] = digit;
                    mutated[line] = String::from_utf8(bytes).unwrap();
                    mutations += 1;
                    if let Ok(parsed) = parse(&mutated.join("\n"), common::today()) {
                        assert!(
                            !parsed.check_digits.all_verified() && !parsed.is_valid(),
                            "{id}: line {line} column {column} -> {} undetected",
                            digit as char
                        );
                    }
                }
            }
        }
    }
    eprintln!("{mutations} single-digit mutations checked");
    if !cases().is_empty() {
        assert!(mutations > 1000, "only {mutations} mutations generated");
    }
}
