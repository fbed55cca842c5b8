//! `kycore_screening::normalize` (the name normaliser both the index and every query go
//! through) and the small text parsers of the list model (`PartialDate`, `EntityType`).
//!
//! Input: any text, used whole as a name and as a date.
//!
//! Beyond "no panic":
//! - `fold` gives lower-case ASCII words separated by single spaces, and folding a folded
//!   name changes nothing;
//! - `tokenize` is deterministic and gives no empty token; a syllable (Han, Hangul, kana…)
//!   is one character of its own script, every other token lower-case ASCII; phrases may
//!   be reduced (legal forms, number words), so tokens never outnumber the folded words
//!   plus the syllables;
//! - `skeleton` is `None` or at least 3 characters of `[a-z0-9]` with no letter doubled;
//! - a `PartialDate` that parses is plausible: year 1800–2100, month 1–12, day 1–31, and
//!   a day only with a month.
#![no_main]

use kycore_fuzz::text;
use kycore_screening::normalize::{TokenClass, fold, is_common_name, skeleton, tokenize};
use kycore_screening::{EntityType, PartialDate};
use libfuzzer_sys::fuzz_target;

fn is_folded(text: &str) -> bool {
    text.is_empty()
        || text.split(' ').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn check_name(name: &str) {
    let folded = fold(name);
    assert!(is_folded(&folded), "{name:?} folds to {folded:?}");
    assert_eq!(fold(&folded), folded, "{name:?} folds to {folded:?}");

    let tokens = tokenize(name);
    assert_eq!(format!("{tokens:?}"), format!("{:?}", tokenize(name)));
    let syllables = tokens
        .iter()
        .filter(|t| t.class == TokenClass::Syllable)
        .count();
    assert!(
        tokens.len() <= folded.split_whitespace().count() + syllables,
        "{folded:?} -> {tokens:?}"
    );
    for token in &tokens {
        assert!(!token.text.is_empty(), "{token:?}");
        if token.class == TokenClass::Syllable {
            let mut chars = token.text.chars();
            assert!(
                chars.next().is_some_and(|c| !c.is_ascii()) && chars.next().is_none(),
                "{token:?}"
            );
            continue;
        }
        assert!(is_folded(&token.text), "{token:?}");
        if let Some(key) = skeleton(&token.text) {
            assert!(key.len() >= 3 && is_folded(&key), "{token:?} -> {key:?}");
            assert!(key.as_bytes().windows(2).all(|w| w[0] != w[1]), "{key:?}");
        }
        is_common_name(&token.text);
    }
    // Any word, not only a folded one, may reach `skeleton` through a caller.
    if let Some(key) = skeleton(name) {
        assert!(key.len() >= 3, "{key:?}");
    }
}

fn check_date(raw: &str) {
    let Some(date) = PartialDate::parse(raw) else {
        return;
    };
    assert!((1800..=2100).contains(&date.year), "{raw:?}: {date:?}");
    assert!(
        date.month.is_none_or(|m| (1..=12).contains(&m)),
        "{raw:?}: {date:?}"
    );
    assert!(
        date.day.is_none_or(|d| (1..=31).contains(&d)),
        "{raw:?}: {date:?}"
    );
    assert!(
        date.day.is_none() || date.month.is_some(),
        "{raw:?}: {date:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    check_name(&input);
    check_date(&input);
    EntityType::parse(&input);
});
