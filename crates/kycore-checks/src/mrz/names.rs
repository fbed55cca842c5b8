//! Name normalisation for comparing what an applicant typed with what the
//! zone holds: Doc 9303 transliteration, then A–Z words separated by spaces.

use ::mrz::{CyrillicLanguage, TransliterationStyle, transliterate, transliterate_cyrillic};

/// The forms a typed name may take in an MRZ. Doc 9303 allows more than one
/// transliteration for some letters (Ä as AE or A, Ø as OE or O…), and
/// Cyrillic names have their own table, so each style is produced.
pub fn normalize_name(typed: &str) -> Vec<String> {
    let mut forms: Vec<String> = [
        transliterate(typed, TransliterationStyle::Expanded),
        transliterate(typed, TransliterationStyle::Simple),
        transliterate_cyrillic(typed, CyrillicLanguage::Russian),
    ]
    .iter()
    .map(|form| words(form))
    .collect();
    forms.sort();
    forms.dedup();
    forms
}

/// Keeps A–Z runs, so hyphens, apostrophes, fillers and spaces all become one separator.
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_uppercase())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Similarity in `0.0..=1.0`: one minus the edit distance over the longer length.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let longest = a.chars().count().max(b.chars().count());
    if longest == 0 {
        return 1.0;
    }
    1.0 - edit_distance(a, b) as f64 / longest as f64
}

/// Levenshtein distance over characters, in one row of memory.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterates_and_separates_words() {
        assert!(
            normalize_name("Müller-Lüdenscheidt").contains(&"MUELLER LUEDENSCHEIDT".to_owned())
        );
        assert!(normalize_name("Müller-Lüdenscheidt").contains(&"MULLER LUDENSCHEIDT".to_owned()));
        assert!(normalize_name("  anna  maria ").contains(&"ANNA MARIA".to_owned()));
        assert!(normalize_name("Иванов").contains(&"IVANOV".to_owned()));
    }

    #[test]
    fn similarity_is_an_edit_ratio() {
        assert_eq!(name_similarity("ERIKSSON", "ERIKSSON"), 1.0);
        assert!((name_similarity("ERIKSSON", "ERIKSON") - 0.875).abs() < 1e-9);
        assert_eq!(name_similarity("", ""), 1.0);
        assert_eq!(name_similarity("ABC", "XYZ"), 0.0);
    }
}
