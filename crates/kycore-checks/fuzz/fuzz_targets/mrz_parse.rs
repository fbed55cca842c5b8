//! Fuzz target: the MRZ parser (and the ad-hoc MRZ validation built on it)
//! must return a result for any input, never panic.
//!
//! Each input is tried twice: as raw text, which exercises input hygiene,
//! and reshaped into a zone of a real MRZ geometry over the MRZ alphabet, so
//! that most runs get past hygiene into field decoding and the rules.
#![no_main]

use kycore_checks::{IdentifierKind, ValidationRequest, validate_on};
use libfuzzer_sys::fuzz_target;
use time::{Date, Month};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
const GEOMETRIES: [(usize, usize); 3] = [(3, 30), (2, 36), (2, 44)];

fn reshape(data: &[u8]) -> Option<String> {
    let (&selector, body) = data.split_first()?;
    let (lines, width) = GEOMETRIES[usize::from(selector) % GEOMETRIES.len()];
    let cells: Vec<u8> = body
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()])
        .chain(std::iter::repeat(b'<'))
        .take(lines * width)
        .collect();
    let rows: Vec<&[u8]> = cells.chunks(width).collect();
    let joined = rows.join(&b'\n');
    String::from_utf8(joined).ok()
}

fn check(text: &str, today: Date) {
    if let Ok(parsed) = kycore_checks::mrz::parse(text, today) {
        assert_eq!(
            parsed.is_valid(),
            parsed.check_digits.all_verified() && parsed.issues.is_empty()
        );
    }
    let request = ValidationRequest {
        r#type: IdentifierKind::Mrz,
        value: text.to_owned(),
        country: None,
    };
    let outcome = validate_on(&request, today);
    assert_eq!(outcome.valid, outcome.errors.is_empty());
}

fuzz_target!(|data: &[u8]| {
    let Ok(today) = Date::from_calendar_date(2026, Month::November, 21) else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(data) {
        check(text, today);
    }
    if let Some(zone) = reshape(data) {
        check(&zone, today);
    }
});
