//! `kycore_checks::dates` (strict ISO dates, ages, the serde adapters the API's date fields
//! use) and `kycore_checks::checks::run_case`, which feeds such dates and an MRZ to the
//! document rules.
//!
//! Input: two date texts and an MRZ text separated by 0x1E; the whole input is also read
//! as the JSON of `EnteredData` (the applicant data an MRZ is compared with).
//!
//! Beyond "no panic":
//! - a date that parses prints back as the trimmed text (strict `YYYY-MM-DD` round-trips),
//!   and `calendar_date` agrees with the parser;
//! - `age_on` is 0 on the birth date itself, never negative when birth is not after today,
//!   and is the year difference or one less;
//! - `EnteredData` read from JSON writes and reads back unchanged;
//! - `run_case` gives one result per check, each score (where there is one) in [0, 1].
#![no_main]

use kycore_checks::checks::{CaseInput, CheckKind, DocumentSubmission, run_case};
use kycore_checks::dates::{age_on, calendar_date, parse_iso_date};
use kycore_checks::document::{DocumentPolicy, DocumentSide, DocumentType, DuplicateLookup};
use kycore_checks::mrz::EnteredData;
use kycore_checks::{IdentifierKind, ValidationRequest};
use kycore_fuzz::{fields, text, today};
use libfuzzer_sys::fuzz_target;
use time::Date;

fn check_date_text(raw: &str) -> Option<Date> {
    let date = parse_iso_date(raw).ok()?;
    assert_eq!(date.to_string(), raw.trim(), "{raw:?} does not round-trip");
    let rebuilt = calendar_date(
        date.year(),
        u8::from(date.month()).into(),
        date.day().into(),
    );
    assert_eq!(rebuilt, Some(date));
    Some(date)
}

fn check_age(birth: Date, on: Date) {
    assert_eq!(age_on(birth, birth), 0);
    let age = age_on(birth, on);
    let years = on.year() - birth.year();
    assert!(age == years || age == years - 1, "{birth} {on}: {age}");
    if birth <= on {
        assert!(age >= 0, "{birth} {on}: {age}");
    }
}

fn check_entered_json(data: &[u8]) {
    let Ok(entered) = serde_json::from_slice::<EnteredData>(data) else {
        return;
    };
    let written = serde_json::to_vec(&entered).expect("EnteredData serializes");
    let read: EnteredData = serde_json::from_slice(&written).expect("its own JSON reads back");
    assert_eq!(read, entered);
}

/// The case a document upload makes, with the input's dates as entered data and its MRZ.
fn check_case(birth: Option<Date>, expiry: Option<Date>, mrz: Option<String>, selector: u8) {
    let document_types = [
        DocumentType::Passport,
        DocumentType::IdCard,
        DocumentType::DriverLicense,
        DocumentType::ResidencePermit,
        DocumentType::Visa,
        DocumentType::Other,
    ];
    let document_type = document_types[usize::from(selector) % document_types.len()];
    let case = CaseInput {
        today: today(),
        policy: DocumentPolicy {
            min_age: selector,
            max_attempts: u32::from(selector % 4),
        },
        document: DocumentSubmission {
            document_type,
            sides_present: vec![DocumentSide::Front],
            mrz_text: mrz,
            submitted_on: birth,
            attempt: u32::from(selector % 7),
            duplicate: DuplicateLookup::NotChecked,
        },
        entered: EnteredData {
            date_of_birth: birth,
            date_of_expiry: expiry,
            ..EnteredData::default()
        },
        record: Some(EnteredData::default()),
        identifiers: vec![ValidationRequest {
            r#type: IdentifierKind::Country,
            value: "SE".to_owned(),
            country: None,
        }],
    };
    let results = run_case(&case);
    // Integrity, two MRZ comparisons (when there is an MRZ), document rules, one identifier.
    let expected = if case.document.mrz_text.is_some() {
        5
    } else {
        3
    };
    assert_eq!(results.len(), expected, "{results:?}");
    assert!(results.iter().any(|r| r.kind == CheckKind::DocumentRules));
    for result in &results {
        if let Some(score) = result.score {
            assert!((0.0..=1.0).contains(&score), "{result:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let parts = fields(data);
    let first = check_date_text(&text(parts[0]));
    let second = parts.get(1).and_then(|raw| check_date_text(&text(raw)));
    if let (Some(first), Some(second)) = (first, second) {
        check_age(first, second);
        check_age(second, first);
    }
    check_entered_json(data);
    let mrz = parts.get(2).map(|raw| text(raw));
    check_case(
        first,
        second,
        mrz,
        data.first().copied().unwrap_or_default(),
    );
});
