//! Every identifier check in `kycore_checks::identifiers` (company number, country, EIN,
//! e-mail, IBAN, LEI, phone, VAT) and the ad-hoc dispatch `kycore_checks::validate_on`.
//!
//! Input: the value, then optionally (after a 0x1E separator) the country parameter.
//! Every check sees every input, so what one scheme's parser learns helps the others.
//!
//! Beyond "no panic", for every check:
//! - the outcome is deterministic, `valid` is "no errors", and `details` is a JSON object;
//! - a valid value has a normalized form, and that form is itself valid and normalizes to
//!   itself (normalizing is idempotent);
//! - `validate_on` gives exactly what the check gives, and refuses values over 1 KiB.
#![no_main]

use kycore_checks::identifiers::{company_number, country, ein, email, iban, lei, phone, vat};
use kycore_checks::{ErrorCode, IdentifierKind, ValidationOutcome, ValidationRequest, validate_on};
use kycore_fuzz::{fields, text, today};
use libfuzzer_sys::fuzz_target;

/// `validate_on` refuses longer values before any scheme runs (documented in its module).
const MAX_VALUE_BYTES: usize = 1024;

type Check = fn(&str, Option<&str>) -> ValidationOutcome;

/// Each check with the kind `validate_on` dispatches to it.
const CHECKS: [(IdentifierKind, Check); 8] = [
    (IdentifierKind::CompanyNumber, company_number::validate),
    (IdentifierKind::Country, |value, _| country::validate(value)),
    (IdentifierKind::Ein, |value, _| ein::validate(value)),
    (IdentifierKind::Email, |value, _| email::validate(value)),
    (IdentifierKind::Iban, |value, _| iban::validate(value)),
    (IdentifierKind::Lei, |value, _| lei::validate(value)),
    (IdentifierKind::Phone, phone::validate),
    (IdentifierKind::Vat, vat::validate),
];

fn check(kind: IdentifierKind, validate: Check, value: &str, country: Option<&str>) {
    let outcome = validate(value, country);
    assert_eq!(
        outcome,
        validate(value, country),
        "{kind:?} is not deterministic"
    );
    assert_eq!(outcome.valid, outcome.errors.is_empty(), "{outcome:?}");
    assert!(outcome.details.is_object(), "{outcome:?}");

    let request = ValidationRequest {
        r#type: kind,
        value: value.to_owned(),
        country: country.map(str::to_owned),
    };
    let dispatched = validate_on(&request, today());
    if value.len() > MAX_VALUE_BYTES {
        assert!(!dispatched.valid);
        assert_eq!(dispatched.errors[0].code, ErrorCode::InvalidLength);
    } else {
        assert_eq!(
            dispatched, outcome,
            "validate_on differs from the {kind:?} check"
        );
    }

    if outcome.valid {
        let normalized = outcome
            .normalized
            .as_deref()
            .unwrap_or_else(|| panic!("{kind:?}: valid without a normalized form: {outcome:?}"));
        let again = validate(normalized, country);
        assert!(
            again.valid,
            "{kind:?}: {value:?} normalizes to {normalized:?}, which is refused: {again:?}"
        );
        assert_eq!(
            again.normalized.as_deref(),
            Some(normalized),
            "{kind:?}: normalizing {value:?} is not idempotent"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let parts = fields(data);
    let value = text(parts[0]);
    let country = parts.get(1).map(|bytes| text(bytes));
    for (kind, validate) in CHECKS {
        check(kind, validate, &value, country.as_deref());
    }
    // The MRZ kind goes through the same dispatch (its parser has a target of its own).
    let request = ValidationRequest {
        r#type: IdentifierKind::Mrz,
        value,
        country,
    };
    let outcome = validate_on(&request, today());
    assert_eq!(outcome.valid, outcome.errors.is_empty());
    assert!(outcome.details.is_object());
});
