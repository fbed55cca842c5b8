//! Name normalisation shared by indexing and querying, so both sides always
//! see the same tokens: casefolding, accent stripping, transliteration of
//! non-Latin scripts to ASCII, tokenisation, token classes (numbers, initials,
//! weak words) and a consonant skeleton used as a phonetic key.
//!
//! Weak words (honorifics, legal forms, particles such as "al" or "bin") are
//! kept and only down-weighted later: dropping them is how other engines turned
//! "11420 CORP." into just "corp".

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// How a token takes part in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    /// An ordinary name word.
    Word,
    /// Contains a digit: matches only exactly, and is never dropped.
    Number,
    /// A single letter, matched against the first letter of a word.
    Initial,
    /// Honorifics, legal forms, particles: matched normally, weighed lightly.
    Weak,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub class: TokenClass,
}

/// Legal forms and their canonical short form, so "Limited" meets "Ltd".
const CANONICAL_FORMS: &[(&str, &str)] = &[
    ("limited", "ltd"),
    ("company", "co"),
    ("corporation", "corp"),
    ("incorporated", "inc"),
    ("aktiengesellschaft", "ag"),
    ("gesellschaft", "ges"),
    ("sociedad", "soc"),
    ("societe", "soc"),
    ("societa", "soc"),
    ("holdings", "holding"),
];

/// Words that carry little identifying power on their own. Sorted for
/// binary search.
const WEAK_WORDS: &[&str] = &[
    "ab",
    "abu",
    "ag",
    "al",
    "and",
    "ao",
    "as",
    "bank",
    "ben",
    "bhd",
    "bin",
    "bint",
    "bv",
    "cjsc",
    "co",
    "col",
    "colonel",
    "corp",
    "da",
    "das",
    "de",
    "del",
    "della",
    "den",
    "der",
    "di",
    "do",
    "doctor",
    "doo",
    "dos",
    "dr",
    "du",
    "el",
    "et",
    "for",
    "fzc",
    "fzco",
    "fze",
    "gen",
    "general",
    "ges",
    "gmbh",
    "group",
    "haji",
    "hajji",
    "holding",
    "ibn",
    "inc",
    "international",
    "jsc",
    "jv",
    "kft",
    "kg",
    "la",
    "le",
    "llc",
    "llp",
    "lp",
    "ltd",
    "ltda",
    "madam",
    "maulana",
    "miss",
    "mr",
    "mrs",
    "ms",
    "mullah",
    "nv",
    "oao",
    "of",
    "ojsc",
    "ooo",
    "oy",
    "pao",
    "pjsc",
    "plc",
    "pt",
    "pte",
    "pty",
    "sa",
    "sae",
    "sarl",
    "sas",
    "sdn",
    "shaikh",
    "sheikh",
    "sir",
    "sl",
    "soc",
    "spa",
    "srl",
    "tbk",
    "the",
    "tov",
    "trading",
    "und",
    "van",
    "von",
    "zao",
];

/// Given names and surnames so frequent worldwide that a match on them alone
/// says little, even when a list happens to contain them rarely. Sorted.
const COMMON_NAMES: &[&str] = &[
    "abdul",
    "abdullah",
    "ahmad",
    "ahmed",
    "alexander",
    "ali",
    "ana",
    "andrey",
    "anna",
    "chen",
    "daniel",
    "david",
    "elena",
    "hassan",
    "hussein",
    "ibrahim",
    "ivan",
    "ivanov",
    "james",
    "jose",
    "juan",
    "khan",
    "kim",
    "lee",
    "li",
    "liu",
    "luis",
    "maria",
    "michael",
    "mohamed",
    "mohammad",
    "mohammed",
    "muhammad",
    "nguyen",
    "olga",
    "omar",
    "park",
    "peter",
    "robert",
    "sergey",
    "singh",
    "smith",
    "wang",
    "william",
    "yang",
    "zhang",
];

/// Reduces text to lower-case ASCII words separated by single spaces.
pub fn fold(text: &str) -> String {
    let chars: Vec<char> = text.nfkd().filter(|c| !is_combining_mark(*c)).collect();
    let mut out = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if is_apostrophe(c) || is_joining_dot(&chars, i) {
            // Joined: O'Brien is "obrien", S.A. is "sa".
        } else if c.is_alphanumeric() {
            push_transliterated(&mut out, c);
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{02BC}' | '\u{00B4}'
    )
}

/// A dot directly followed by a letter joins an abbreviation ("L.L.C").
fn is_joining_dot(chars: &[char], i: usize) -> bool {
    chars[i] == '.' && chars.get(i + 1).is_some_and(|n| n.is_alphabetic())
}

fn push_transliterated(out: &mut String, c: char) {
    // Ideographic and syllabic scripts romanise one syllable per character;
    // spacing them lets "xi jin ping" align with the listed "XI Jinping".
    let syllabic = is_syllabic(c);
    if syllabic {
        out.push(' ');
    }
    let ascii = any_ascii::any_ascii_char(c);
    out.extend(
        ascii
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|a| a.to_ascii_lowercase()),
    );
    if syllabic {
        out.push(' ');
    }
}

fn is_syllabic(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Folds and splits into classified tokens, canonicalising legal forms.
pub fn tokenize(text: &str) -> Vec<Token> {
    fold(text)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(classify)
        .collect()
}

fn classify(word: &str) -> Token {
    // "dzh" is how Cyrillic "Дж" romanises; Latin sources write "j" (Джамал / Jamal).
    let word = if word.contains("dzh") {
        word.replace("dzh", "j")
    } else {
        word.to_owned()
    };
    let text = canonical_form(&word).map_or(word, str::to_owned);
    let class = if text.bytes().any(|b| b.is_ascii_digit()) {
        TokenClass::Number
    } else if text.len() == 1 {
        TokenClass::Initial
    } else if WEAK_WORDS.binary_search(&text.as_str()).is_ok() {
        TokenClass::Weak
    } else {
        TokenClass::Word
    };
    Token { text, class }
}

/// The short form of a legal-form word, tolerating one typo in long ones
/// ("Limted", "Comapny") so a misspelt "Company" still meets "Co".
fn canonical_form(word: &str) -> Option<&'static str> {
    let tolerance = if word.len() >= 6 { 1 } else { 0 };
    CANONICAL_FORMS
        .iter()
        .find(|(long, _)| {
            word.len().abs_diff(long.len()) <= tolerance
                && strsim::osa_distance(word, long) <= tolerance
        })
        .map(|(_, short)| *short)
}

/// Whether a word is so common as a personal name that its list frequency
/// understates how often innocent people carry it.
pub fn is_common_name(word: &str) -> bool {
    COMMON_NAMES.binary_search(&word).is_ok()
}

/// A consonant skeleton that survives vowel spelling differences and the
/// usual transliteration variants (Mohammed/Muhammad, Yevgeniy/Evgeny,
/// Aleksandr/Alexander, and unvowelled Arabic). `None` when too short to be
/// a useful key.
pub fn skeleton(word: &str) -> Option<String> {
    let mut out = String::with_capacity(word.len());
    let mut rest = word.as_bytes();
    while let Some(&c) = rest.first() {
        let (mapped, consumed) = map_sound(rest, c);
        for m in mapped.bytes() {
            if out.as_bytes().last() != Some(&m) {
                out.push(char::from(m));
            }
        }
        rest = rest.get(consumed..).unwrap_or_default();
    }
    (out.len() >= 3).then_some(out)
}

/// Spellings of one sound, longest first. "dzh"/"dj"/"zh" are Cyrillic and
/// French renderings of English "j"; "kh"/"gh" of "h".
const SOUNDS: &[(&str, &str)] = &[
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("ph", "f"),
    ("kh", "h"),
    ("gh", "h"),
    ("ck", "k"),
    ("th", "t"),
    ("dh", "d"),
];

fn map_sound(rest: &[u8], c: u8) -> (&'static str, usize) {
    if let Some((from, to)) = SOUNDS
        .iter()
        .find(|(from, _)| rest.starts_with(from.as_bytes()))
    {
        return (to, from.len());
    }
    let mapped = match c {
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y' => "",
        b'c' | b'q' => "k",
        b'z' => "s",
        b'x' => "ks",
        b'v' | b'w' => "f",
        _ => ascii_str(c),
    };
    (mapped, 1)
}

fn ascii_str(c: u8) -> &'static str {
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
    LETTERS
        .find(char::from(c))
        .and_then(|i| LETTERS.get(i..=i))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_tables_for_binary_search() {
        assert!(
            WEAK_WORDS.windows(2).all(|w| w[0] < w[1]),
            "WEAK_WORDS unsorted"
        );
        assert!(
            COMMON_NAMES.windows(2).all(|w| w[0] < w[1]),
            "COMMON_NAMES unsorted"
        );
    }

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(fold("Raúl  CASTRO-Ruz"), "raul castro ruz");
        assert_eq!(fold("O'Brien, S.A."), "obrien sa");
        assert_eq!(fold("Müller\u{0007}GmbH"), "muller gmbh");
    }

    #[test]
    fn transliterates_other_scripts() {
        assert_eq!(fold("Владимир Путин"), "vladimir putin");
        assert_eq!(fold("习近平"), "xi jin ping");
        assert!(!fold("صدام حسين").is_empty());
        assert_eq!(fold("😀🔥"), "");
    }

    #[test]
    fn keeps_numbers_and_marks_weak_words() {
        let tokens = tokenize("11420 Corporation");
        assert_eq!(tokens[0].class, TokenClass::Number);
        assert_eq!(tokens[1].text, "corp");
        assert_eq!(tokens[1].class, TokenClass::Weak);
        assert_eq!(tokenize("J Smith")[0].class, TokenClass::Initial);
        assert_eq!(tokenize("Comapny")[0].text, "co");
        assert_eq!(tokenize("Limted")[0].text, "ltd");
        assert_eq!(tokenize("Lima")[0].text, "lima");
        assert_eq!(tokenize("Джамал")[0].text, "jamal");
    }

    #[test]
    fn skeleton_bridges_spelling_variants() {
        assert_eq!(skeleton("mohammed"), skeleton("muhammad"));
        assert_eq!(skeleton("yevgeniy"), skeleton("evgeny"));
        assert_eq!(skeleton("aleksandr"), skeleton("alexander"));
        assert_eq!(skeleton("hussein"), skeleton("husain"));
        assert_eq!(skeleton("al"), None);
        assert_eq!(skeleton("dzhames"), skeleton("james"));
        assert_eq!(skeleton("khossein"), skeleton("hossein"));
    }
}
