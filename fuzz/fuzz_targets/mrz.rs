//! `kycore_checks::mrz`: `parse`, `compare`, `normalize_name` and `name_similarity`.
//!
//! Input: the zone text, then optionally (after 0x1E separators) the applicant's entered
//! surname, given names, date of birth, document number, date of expiry and nationality.
//! The zone is tried as written (input hygiene) and reshaped into a real MRZ geometry over
//! the MRZ alphabet (so most runs reach field decoding and the rules).
//!
//! Beyond "no panic", for every zone:
//! - parsing is deterministic, and a parsed zone's `normalized()` text parses to the same result;
//! - the lines are 3×30, 2×36 or 2×44 over `A-Z0-9<`, and `is_valid` is what its doc says;
//! - a birth date is never after "today" and an expiry at most 50 years ahead (the doc's rules);
//! - name discrepancies carry a similarity in [0, 1] and are graded by the 0.8 threshold;
//! - a valid zone agrees with its own data;
//! - `normalize_name` gives sorted, distinct forms of A-Z words; `name_similarity` is in
//!   [0, 1], symmetric, and 1 for equal names.
#![no_main]

use kycore_checks::dates::parse_iso_date;
use kycore_checks::mrz::{
    self, DiscrepancyKind, EnteredData, MrzFormat, ParsedMrz, name_similarity, normalize_name,
};
use kycore_fuzz::{fields, text, today};
use libfuzzer_sys::fuzz_target;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
const GEOMETRIES: [(usize, usize); 3] = [(3, 30), (2, 36), (2, 44)];
const EXPIRY_WINDOW_YEARS: i32 = 50;
const MINOR_NAME_SIMILARITY: f64 = 0.8;

/// The bytes mapped onto the MRZ alphabet and cut into a zone of the geometry the first
/// byte picks, padded with fillers.
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
    String::from_utf8(rows.join(&b'\n')).ok()
}

fn check_zone(zone: &str, entered: &EnteredData) {
    let today = today();
    let parsed = mrz::parse(zone, today);
    assert_eq!(
        parsed,
        mrz::parse(zone, today),
        "parse is not deterministic"
    );
    let Ok(parsed) = parsed else {
        return;
    };

    assert_eq!(
        parsed.is_valid(),
        parsed.check_digits.all_verified() && parsed.issues.is_empty()
    );
    let (count, width) = match parsed.format {
        MrzFormat::Td1 => (3, 30),
        MrzFormat::Td2 | MrzFormat::MrvB => (2, 36),
        MrzFormat::Td3 | MrzFormat::MrvA => (2, 44),
    };
    assert_eq!(parsed.lines.len(), count, "{:?}", parsed.lines);
    for line in &parsed.lines {
        assert_eq!(line.len(), width, "{line:?}");
        assert!(line.bytes().all(|b| ALPHABET.contains(&b)), "{line:?}");
    }
    let again = mrz::parse(&parsed.normalized(), today);
    assert_eq!(
        again.as_ref(),
        Ok(&parsed),
        "normalized zone reads differently"
    );

    if let Some(birth) = parsed.date_of_birth.date {
        assert!(birth <= today, "birth date {birth} after today");
    }
    if let Some(expiry) = parsed.date_of_expiry.date {
        assert!(
            expiry.year() <= today.year() + EXPIRY_WINDOW_YEARS,
            "expiry {expiry} beyond the window"
        );
    }

    check_discrepancies(&parsed, entered);
    if parsed.is_valid() {
        let own = EnteredData {
            surname: Some(parsed.surname.clone()),
            given_names: Some(parsed.given_names.clone()),
            date_of_birth: parsed.date_of_birth.date,
            document_number: Some(parsed.document_number.clone()),
            date_of_expiry: parsed.date_of_expiry.date,
            nationality: Some(parsed.nationality.code.clone()),
        };
        let found = mrz::compare(&parsed, &own);
        assert!(
            found.is_empty(),
            "a valid zone disagrees with itself: {found:?}"
        );
    }
}

fn check_discrepancies(parsed: &ParsedMrz, entered: &EnteredData) {
    for discrepancy in mrz::compare(parsed, entered) {
        let Some(similarity) = discrepancy.similarity else {
            continue;
        };
        assert!((0.0..=1.0).contains(&similarity), "{discrepancy:?}");
        let expected = if similarity >= MINOR_NAME_SIMILARITY {
            DiscrepancyKind::MinorDifference
        } else {
            DiscrepancyKind::Mismatch
        };
        assert_eq!(discrepancy.kind, expected, "{discrepancy:?}");
    }
}

fn check_names(a: &str, b: &str) {
    for typed in [a, b] {
        let forms = normalize_name(typed);
        assert!(!forms.is_empty());
        assert!(forms.windows(2).all(|w| w[0] < w[1]), "{forms:?}");
        for form in &forms {
            let words_only = form
                .split(' ')
                .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(form.is_empty() || words_only, "{typed:?} gave {form:?}");
        }
    }
    let forward = name_similarity(a, b);
    assert!((0.0..=1.0).contains(&forward), "{forward}");
    assert_eq!(
        forward,
        name_similarity(b, a),
        "similarity is not symmetric"
    );
    assert_eq!(name_similarity(a, a), 1.0);
}

fuzz_target!(|data: &[u8]| {
    let parts = fields(data);
    let optional = |i: usize| parts.get(i).map(|bytes| text(bytes));
    let date = |i: usize| optional(i).and_then(|t| parse_iso_date(&t).ok());
    let entered = EnteredData {
        surname: optional(1),
        given_names: optional(2),
        date_of_birth: date(3),
        document_number: optional(4),
        date_of_expiry: date(5),
        nationality: optional(6),
    };
    let zone = parts[0];
    if let Ok(zone) = std::str::from_utf8(zone) {
        check_zone(zone, &entered);
    }
    if let Some(reshaped) = reshape(zone) {
        check_zone(&reshaped, &entered);
    }
    check_names(
        entered.surname.as_deref().unwrap_or_default(),
        entered.given_names.as_deref().unwrap_or_default(),
    );
});
