//! Our own policies on top of the identifier crates, and the shape of the
//! validation response.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use kycore_checks::{ErrorCode, IdentifierKind, ValidationOutcome, ValidationRequest, validate_on};
use serde_json::json;

fn check(kind: IdentifierKind, value: &str, country: Option<&str>) -> ValidationOutcome {
    let request = ValidationRequest {
        r#type: kind,
        value: value.to_owned(),
        country: country.map(str::to_owned),
    };
    validate_on(&request, common::today())
}

fn first_code(outcome: &ValidationOutcome) -> Option<ErrorCode> {
    outcome.errors.first().map(|e| e.code)
}

#[test]
fn request_and_response_bodies_have_the_documented_shape() {
    let request: ValidationRequest = serde_json::from_value(
        json!({"type": "company_number", "value": "sc 123456", "country": "GB"}),
    )
    .unwrap();
    let outcome = kycore_checks::validate(&request);
    let body = serde_json::to_value(&outcome).unwrap();
    assert_eq!(body["valid"], true);
    assert_eq!(body["normalized"], "SC123456");
    assert_eq!(body["details"]["register"], "Scotland");
    assert_eq!(body["errors"], json!([]));
    let request: ValidationRequest =
        serde_json::from_value(json!({"type": "lei", "value": "x"})).unwrap();
    let body = serde_json::to_value(validate_on(&request, common::today())).unwrap();
    assert_eq!(body["errors"][0]["code"], "invalid_length");
    assert!(body["errors"][0]["message"].is_string());
}

#[test]
fn error_codes_serialise_as_their_wire_names() {
    for code in [
        ErrorCode::InvalidCheckDigit,
        ErrorCode::UnsupportedCountry,
        ErrorCode::NameContainsDigits,
    ] {
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
    }
}

#[test]
fn identifiers_tolerate_spaces_dashes_and_lower_case() {
    let lei = check(IdentifierKind::Lei, " 5493001kjtiigc8y1r12 ", None);
    assert_eq!(lei.normalized.as_deref(), Some("5493001KJTIIGC8Y1R12"));
    let iban = check(IdentifierKind::Iban, "gb82 west 1234 5698 7654 32", None);
    assert_eq!(iban.normalized.as_deref(), Some("GB82WEST12345698765432"));
    assert_eq!(iban.details["bank_identifier"], "WEST");
    let vat = check(IdentifierKind::Vat, "de 136-695-976", None);
    assert_eq!(vat.normalized.as_deref(), Some("DE136695976"));
}

#[test]
fn lei_and_iban_errors_are_precise() {
    assert_eq!(
        first_code(&check(IdentifierKind::Lei, "5493001KJTIIGC8Y1R13", None)),
        Some(ErrorCode::InvalidCheckDigit)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Lei, "5493001KJTIIGC8Y1R1", None)),
        Some(ErrorCode::InvalidLength)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Iban, "GB82WEST12345698765433", None)),
        Some(ErrorCode::InvalidCheckDigit)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Iban, "QQ44WEST12345698765432", None)),
        Some(ErrorCode::UnknownCountry)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Iban, "GB82_WEST", None)),
        Some(ErrorCode::InvalidCharacter)
    );
}

#[test]
fn vat_country_comes_from_prefix_or_request() {
    assert!(check(IdentifierKind::Vat, "136695976", Some("de")).valid);
    assert_eq!(
        first_code(&check(IdentifierKind::Vat, "136695976", None)),
        Some(ErrorCode::MissingCountry)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Vat, "DE136695976", Some("FR"))),
        Some(ErrorCode::InvalidComponent)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Vat, "123456", Some("US"))),
        Some(ErrorCode::UnsupportedCountry)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Vat, "DE136695978", None)),
        Some(ErrorCode::InvalidCheckDigit)
    );
}

/// Found by the fuzzer: "GBGB577" was accepted and normalized to "GB577", which is refused.
#[test]
fn uk_government_vat_numbers_start_with_gd_or_ha_and_normalize_stably() {
    for (value, code) in [
        ("GBGB577", ErrorCode::InvalidComponent),
        ("GBXX123", ErrorCode::InvalidComponent),
        ("GB577", ErrorCode::InvalidLength),
    ] {
        assert_eq!(
            first_code(&check(IdentifierKind::Vat, value, None)),
            Some(code),
            "{value}"
        );
    }
    for (value, normalized) in [("GBGD123", "GBGD123"), ("ha 600", "GBHA600")] {
        let valid = check(IdentifierKind::Vat, value, Some("GB"));
        assert_eq!(
            valid.normalized.as_deref(),
            Some(normalized),
            "{value}: {valid:?}"
        );
        let again = check(IdentifierKind::Vat, normalized, None);
        assert_eq!(again.normalized.as_deref(), Some(normalized), "idempotent");
    }
}

#[test]
fn companies_house_numbers() {
    let padded = check(IdentifierKind::CompanyNumber, "4366849", Some("GB"));
    assert_eq!(padded.normalized.as_deref(), Some("04366849"));
    assert!(check(IdentifierKind::CompanyNumber, "NI 012345", Some("gb")).valid);
    assert!(check(IdentifierKind::CompanyNumber, "R0000123", Some("GB")).valid);
    let cases = [
        ("XX123456", ErrorCode::InvalidComponent),
        ("SC12345", ErrorCode::InvalidFormat),
        ("123456789", ErrorCode::InvalidLength),
        ("SC12345A", ErrorCode::InvalidFormat),
    ];
    for (value, code) in cases {
        assert_eq!(
            first_code(&check(IdentifierKind::CompanyNumber, value, Some("GB"))),
            Some(code),
            "{value}"
        );
    }
    assert_eq!(
        first_code(&check(IdentifierKind::CompanyNumber, "04366849", None)),
        Some(ErrorCode::MissingCountry)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::CompanyNumber, "123", Some("AQ"))),
        Some(ErrorCode::UnsupportedCountry)
    );
}

#[test]
fn ein_grouping_and_campus_prefix() {
    assert_eq!(
        check(IdentifierKind::Ein, "911144442", None)
            .normalized
            .as_deref(),
        Some("91-1144442")
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Ein, "911-14-4442", None)),
        Some(ErrorCode::InvalidFormat)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Ein, "07-1144442", None)),
        Some(ErrorCode::InvalidComponent)
    );
}

#[test]
fn phone_numbers() {
    let intl = check(IdentifierKind::Phone, "+44 20 7946 0958", None);
    assert!(intl.valid, "{:?}", intl.errors);
    assert_eq!(intl.normalized.as_deref(), Some("+442079460958"));
    assert_eq!(intl.details["region"], "GB");
    let national = check(IdentifierKind::Phone, "020 7946 0958", Some("GB"));
    assert_eq!(national.normalized.as_deref(), Some("+442079460958"));
    assert_eq!(
        first_code(&check(IdentifierKind::Phone, "hello", None)),
        Some(ErrorCode::InvalidFormat)
    );
    assert_eq!(
        first_code(&check(
            IdentifierKind::Phone,
            "+44 20 7946 0958 1234 5678 9999",
            None
        )),
        Some(ErrorCode::InvalidLength)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Phone, "020 7946 0958", Some("ZZ"))),
        Some(ErrorCode::UnknownCountry)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Phone, "+44 99 9999 9999", None)),
        Some(ErrorCode::InvalidNumber)
    );
}

/// Found by the `identifiers` fuzz target: libphonenumber's metadata read this number as
/// valid with a leading zero that its own E.164 form then lost, so the normalized form was
/// refused. A number is valid only when its normalized form reads back as itself.
#[test]
fn a_valid_phone_number_normalizes_to_a_valid_number() {
    for (value, country) in [
        ("+881000 75 166997", Some("DE")),
        ("+881000 75 166997", None),
        ("+44 20 7946 0958", None),
    ] {
        let outcome = check(IdentifierKind::Phone, value, country);
        let Some(normalized) = outcome.normalized.as_deref() else {
            continue;
        };
        if outcome.valid {
            let again = check(IdentifierKind::Phone, normalized, country);
            assert!(again.valid, "{value} -> {normalized}: {:?}", again.errors);
            assert_eq!(again.normalized.as_deref(), Some(normalized));
        }
    }
}

#[test]
fn email_addresses() {
    let ok = check(IdentifierKind::Email, " Anna.Eriksson@Example.COM ", None);
    assert_eq!(ok.normalized.as_deref(), Some("Anna.Eriksson@example.com"));
    for bad in [
        "anna",
        "anna@localhost",
        "Anna <anna@example.com>",
        "anna@[127.0.0.1]",
        "a@@b.com",
    ] {
        assert!(!check(IdentifierKind::Email, bad, None).valid, "{bad}");
    }
    assert_eq!(
        first_code(&check(IdentifierKind::Email, "  ", None)),
        Some(ErrorCode::EmptyValue)
    );
}

#[test]
fn country_codes() {
    let alpha3 = check(IdentifierKind::Country, " deu", None);
    assert_eq!(alpha3.normalized.as_deref(), Some("DE"));
    assert_eq!(alpha3.details["alpha3"], "DEU");
    assert!(check(IdentifierKind::Country, "gb", None).valid);
    assert_eq!(
        first_code(&check(IdentifierKind::Country, "ZZ", None)),
        Some(ErrorCode::UnknownCountry)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Country, "D", None)),
        Some(ErrorCode::InvalidFormat)
    );
    assert_eq!(
        first_code(&check(IdentifierKind::Country, "Deutschland", None)),
        Some(ErrorCode::InvalidFormat)
    );
}

#[test]
fn mrz_through_validate() {
    let value = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let outcome = check(IdentifierKind::Mrz, value, None);
    assert!(outcome.valid);
    assert_eq!(outcome.normalized.as_deref(), Some(value));
    assert_eq!(outcome.details["check_digits"]["composite"], "verified");
    assert_eq!(outcome.details["date_of_birth"]["date"], "1974-08-12");
    assert_eq!(outcome.details["expired"], true);
    let broken = check(
        IdentifierKind::Mrz,
        &value.replace("7408122", "7408132"),
        None,
    );
    assert!(!broken.valid);
    assert_eq!(first_code(&broken), Some(ErrorCode::InvalidCheckDigit));
}

#[test]
fn oversized_values_are_refused_up_front() {
    let huge = "1".repeat(5000);
    for kind in [
        IdentifierKind::Phone,
        IdentifierKind::Mrz,
        IdentifierKind::Email,
    ] {
        assert_eq!(
            first_code(&check(kind, &huge, None)),
            Some(ErrorCode::InvalidLength)
        );
    }
}
