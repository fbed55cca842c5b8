//! Property tests: no input, however malformed, makes a check panic, and
//! every outcome is self-consistent.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use kycore_checks::mrz::parse;
use kycore_checks::{IdentifierKind, ValidationRequest, validate_on};
use proptest::prelude::*;

const KINDS: [IdentifierKind; 9] = [
    IdentifierKind::Mrz,
    IdentifierKind::Lei,
    IdentifierKind::Iban,
    IdentifierKind::Vat,
    IdentifierKind::CompanyNumber,
    IdentifierKind::Ein,
    IdentifierKind::Phone,
    IdentifierKind::Email,
    IdentifierKind::Country,
];

/// Lines over the MRZ alphabet at real MRZ lengths, so the parser gets past
/// input hygiene and into field decoding.
fn mrz_like() -> impl Strategy<Value = String> {
    let line = |len: usize| proptest::string::string_regex(&format!("[A-Z0-9<]{{{len}}}")).unwrap();
    prop_oneof![
        (line(30), line(30), line(30)).prop_map(|(a, b, c)| format!("{a}\n{b}\n{c}")),
        (line(36), line(36)).prop_map(|(a, b)| format!("{a}\n{b}")),
        (line(44), line(44)).prop_map(|(a, b)| format!("{a}\n{b}")),
        (
            prop_oneof![Just("P"), Just("V"), Just("I")],
            line(43),
            line(44)
        )
            .prop_map(|(c, a, b)| format!("{c}{a}\n{b}")),
        (
            prop_oneof![Just("I"), Just("A"), Just("C")],
            line(29),
            line(30),
            line(30)
        )
            .prop_map(|(c, a, b, d)| format!("{c}{a}\n{b}\n{d}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mrz_parse_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse(&text, common::today());
    }

    #[test]
    fn mrz_parse_never_panics_on_mrz_shaped_text(text in mrz_like()) {
        if let Ok(parsed) = parse(&text, common::today()) {
            prop_assert_eq!(parsed.is_valid(), parsed.check_digits.all_verified() && parsed.issues.is_empty());
            prop_assert!(serde_json::to_value(&parsed).is_ok());
        }
    }

    #[test]
    fn validate_never_panics_and_is_consistent(
        kind in proptest::sample::select(KINDS.to_vec()),
        value in any::<String>(),
        country in proptest::option::of("[A-Za-z]{0,3}"),
    ) {
        let outcome = validate_on(&ValidationRequest { r#type: kind, value, country }, common::today());
        prop_assert_eq!(outcome.valid, outcome.errors.is_empty());
        prop_assert!(outcome.details.is_object());
    }

    #[test]
    fn validate_never_panics_on_identifier_shaped_text(
        kind in proptest::sample::select(KINDS.to_vec()),
        value in "[A-Za-z0-9 +@.<-]{0,40}",
        country in proptest::option::of("(GB|DE|FR|US|BR|EL|XI|CH)"),
    ) {
        let outcome = validate_on(&ValidationRequest { r#type: kind, value, country }, common::today());
        prop_assert_eq!(outcome.valid, outcome.errors.is_empty());
    }
}
