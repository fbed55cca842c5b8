//! Whether an unlisted person of the evaluation is named as a listed one:
//! words of the listed name, written in another script or with other
//! spaces. Such a hit is a correct alert by name, though the unlisted set
//! counts it as a false one, so the report gives the false-alarm rate with
//! and without them. The readings here are published romanizations read
//! strictly (a word must come out as the listed word letter for letter),
//! so a near name (`صیادی`, Sayyadi, against SAEEDI) still counts as a
//! false alarm.

use crate::knowledge;
use crate::normalize::{self, Script};

/// Whether an unlisted person's name is the listed name, or words of it,
/// only written in another script or with other spaces: every word of the
/// name, read by a published romanization of its script, is a word of the
/// listed name of its own (`김영수` / KIM Yong Su, read by McCune-Reischauer
/// or the usual surname spelling; `钟明` / MING CHUNG, read in Wade-Giles;
/// `علی کمالی` / KAMALI Ali; `Андрей Поляков` / POLYAKOV Andrey
/// Aleksandrovich), or the words written together are the listed words
/// written together (`Jim Jones` / JimJones, `ओम सेन` / OMSEN). The
/// unlisted set leaves out a name whose words are all words of one listed
/// name (`unlisted_names`), but compares only each script's first reading;
/// this completes it.
pub fn named_as_listed(name: &str, listed: &str) -> bool {
    let listed_words: Vec<String> = normalize::fold(listed)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let script_of_name = name.chars().find_map(|c| match Script::of(c) {
        Some(s @ (Script::Arabic | Script::Hebrew | Script::Cyrillic)) => Some(s),
        _ => None,
    });
    // Arabic and Hebrew are read only letter by letter (the engine's
    // readings supply vowels); Cyrillic by the engine's reading too.
    match script_of_name {
        Some(Script::Cyrillic)
            if letters_named_as_listed(name, Script::Cyrillic, &listed_words) =>
        {
            return true;
        }
        Some(script) if script != Script::Cyrillic => {
            return letters_named_as_listed(name, script, &listed_words);
        }
        _ => {}
    }
    let tokens = normalize::tokenize(name);
    if tokens.is_empty() {
        return false;
    }
    let readings: Vec<Vec<String>> = tokens.iter().map(readings_of).collect();
    if readings.len() <= listed_words.len() {
        let mut used = vec![false; listed_words.len()];
        let meets = |i: usize, word: &str| readings[i].iter().any(|r| r == word);
        if cover((0, readings.len()), &listed_words, &mut used, &meets) {
            return true;
        }
    }
    // The same letters with the spaces elsewhere: the name's words read
    // together, in the written order or the other way round, against the
    // listed words read together.
    let joined_listed: String = listed_words.concat();
    let mut reversed = readings.clone();
    reversed.reverse();
    reads_together(&readings, &joined_listed) || reads_together(&reversed, &joined_listed)
}

/// A token's Latin readings: a syllable's romanizations (and a Han
/// character's Wade-Giles spellings and Korean readings besides its
/// Pinyin), or the word as folded.
fn readings_of(token: &normalize::Token) -> Vec<String> {
    if token.readings.is_empty() {
        return vec![token.surface.clone().unwrap_or_else(|| token.text.clone())];
    }
    let mut readings = token.readings.clone();
    if token.script == Script::Han {
        let r = knowledge::romanization();
        for pinyin in &token.readings {
            let wade_giles = r.chinese_spellings(pinyin).unwrap_or_default();
            readings.extend(wade_giles.iter().map(|s| (*s).to_owned()));
        }
        if let Some(c) = token.text.chars().next() {
            readings.extend(r.hanja_readings(c));
        }
    }
    readings
}

/// Whether one reading of each word, in order, spells `joined`.
fn reads_together(readings: &[Vec<String>], joined: &str) -> bool {
    let Some((first, rest)) = readings.split_first() else {
        return joined.is_empty();
    };
    first.iter().any(|r| {
        !r.is_empty()
            && joined
                .strip_prefix(r.as_str())
                .is_some_and(|left| reads_together(rest, left))
    })
}

/// Whether the name words from `placed` on (of `n`) each meet a listed
/// word of their own.
fn cover(
    (placed, n): (usize, usize),
    listed: &[String],
    used: &mut [bool],
    meets: &dyn Fn(usize, &str) -> bool,
) -> bool {
    if placed == n {
        return true;
    }
    for i in 0..listed.len() {
        if !used[i] && meets(placed, &listed[i]) {
            used[i] = true;
            if cover((placed + 1, n), listed, used, meets) {
                return true;
            }
            used[i] = false;
        }
    }
    false
}

/// A name in Arabic, Hebrew or Cyrillic letters against the listed words:
/// each word (an Arabic article `ال` aside, as the listed `al` is) reads
/// letter by letter as one listed word (`abjad_reads_as`,
/// `cyrillic_reads_as`).
fn letters_named_as_listed(name: &str, script: Script, listed_words: &[String]) -> bool {
    let words: Vec<Vec<char>> = name
        .split_whitespace()
        .map(|w| match script {
            Script::Cyrillic => w.chars().flat_map(char::to_lowercase).collect(),
            _ => abjad_letters(w),
        })
        .map(|w| match w.as_slice() {
            ['ا', 'ل', rest @ ..] if rest.len() >= 2 => rest.to_vec(),
            _ => w,
        })
        .filter(|w| !w.is_empty())
        .collect();
    let listed: Vec<String> = listed_words
        .iter()
        .filter(|w| script == Script::Cyrillic || !matches!(w.as_str(), "al" | "el"))
        .cloned()
        .collect();
    if words.is_empty() || words.len() > listed.len() {
        return false;
    }
    let mut used = vec![false; listed.len()];
    let meets = |i: usize, word: &str| match script {
        Script::Cyrillic => cyrillic_reads_as(&words[i], word),
        _ => abjad_reads_as(&words[i], word),
    };
    cover((0, words.len()), &listed, &mut used, &meets)
}

/// The letters of a word in Arabic or Hebrew script, without vowel
/// points, the tatweel or a zero-width non-joiner (a Persian word's parts
/// are one word), the Hebrew geresh kept (`ג׳` is j).
fn abjad_letters(word: &str) -> Vec<char> {
    word.chars()
        .map(|c| if c == '\'' { '׳' } else { c })
        .filter(|&c| {
            !matches!(
                c,
                '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{200C}'
            ) && !matches!(c, '\u{0591}'..='\u{05C7}')
        })
        .collect()
}

/// Whether a word in Arabic or Hebrew letters reads as the Latin word
/// (folded), letter by letter: each letter as one of its spellings in the
/// published romanizations (BGN/PCGN, ALA-LC) or the usual English
/// spellings of names (`ou`, `ee`), a consonant possibly doubled (the
/// unwritten shadda), and one unwritten short vowel after a consonant
/// before the next letter. A long vowel is written, so it must be read:
/// an alif in the middle of a word is `a`, never `e` (`صیادی` is Sayyadi,
/// not Saeedi), and an unwritten vowel is `a`, `e` or `o` only, as Latin
/// spellings write the long vowels with `u` and `i` too (`محمد` is
/// Mohammad, Mahmud is written `محمود`; so `عارف` counts as Aref, not
/// Arif, an undercount on the safe side).
fn abjad_reads_as(letters: &[char], latin: &str) -> bool {
    let latin = latin.as_bytes();
    // reached[i][j]: the first `i` letters read as `latin[..j]`.
    let mut reached = vec![vec![false; latin.len() + 1]; letters.len() + 1];
    reached[0][0] = true;
    let mut i = 0;
    while i < letters.len() {
        let geresh = letters.get(i + 1) == Some(&'׳');
        let next = i + 1 + usize::from(geresh);
        let place = Place {
            initial: i == 0,
            last: next >= letters.len(),
        };
        let spellings = abjad_spellings(letters[i], geresh, place);
        for j in 0..=latin.len() {
            if !reached[i][j] {
                continue;
            }
            for spelling in spellings {
                read_letter(
                    spelling.as_bytes(),
                    (j, place.last),
                    latin,
                    &mut reached[next],
                );
            }
        }
        i = next;
    }
    reached[letters.len()][latin.len()]
}

/// Where a letter stands in its word: some letters read otherwise first or
/// last.
#[derive(Clone, Copy)]
struct Place {
    initial: bool,
    last: bool,
}

/// Marks in `to` where a letter spelt `spelling`, read from `latin[from..]`,
/// may end: the spelling, doubled if one consonant, then one short vowel
/// when it ends in a consonant and is not the word's last letter.
fn read_letter(spelling: &[u8], (from, last): (usize, bool), latin: &[u8], to: &mut [bool]) {
    let is_vowel = |b: u8| b"aeiou".contains(&b);
    let doubled = [spelling, spelling].concat();
    let forms: &[&[u8]] = if spelling.len() == 1 && !is_vowel(spelling[0]) {
        &[spelling, &doubled]
    } else {
        &[spelling]
    };
    for form in forms {
        let end = from + form.len();
        if latin.get(from..end) != Some(*form) {
            continue;
        }
        to[end] = true;
        let ends_in_consonant = form.last().is_none_or(|&b| !is_vowel(b));
        if ends_in_consonant && !last && latin.get(end).is_some_and(|b| b"aeo".contains(b)) {
            to[end + 1] = true;
        }
    }
}

/// The Latin spellings of one Arabic, Persian or Hebrew letter.
fn abjad_spellings(letter: char, geresh: bool, place: Place) -> &'static [&'static str] {
    const VOWEL_START: &[&str] = &["a", "e", "i", "o", "u"];
    const SILENT: &[&str] = &[""];
    match (letter, geresh) {
        ('ا' | 'א', _) if place.initial => VOWEL_START,
        ('ا', _) | ('א', _) => &["a", "aa"],
        ('آ', _) => &["a", "aa"],
        ('أ', _) if place.initial => &["a", "o", "u", "e"],
        ('أ' | 'ء' | 'ئ' | 'ؤ' | 'ع' | 'ע', _) => SILENT,
        ('إ', _) => &["i", "e"],
        ('ب', _) => &["b"],
        ('ב', _) => &["b", "v"],
        ('پ', _) => &["p"],
        ('ت' | 'ط' | 'ט', _) => &["t"],
        ('ת', _) => &["t", "th"],
        ('ث', _) => &["th", "s", "t"],
        ('ج', _) => &["j", "dj", "g"],
        ('ג', true) => &["j", "g"],
        ('ג' | 'گ', _) => &["g"],
        ('چ', _) | ('צ' | 'ץ', true) => &["ch"],
        ('ح', _) => &["h"],
        ('ח', _) => &["h", "kh", "ch"],
        ('خ', _) => &["kh", "h"],
        ('د' | 'ד', _) => &["d"],
        ('ذ', _) => &["dh", "z", "d"],
        ('ر' | 'ר', _) => &["r"],
        ('ز', _) | ('ז', false) => &["z"],
        ('ژ', _) | ('ז', true) => &["zh", "j"],
        ('س' | 'ص' | 'ס', _) => &["s"],
        ('ش', _) => &["sh"],
        ('ש', _) => &["sh", "s"],
        ('ض', _) => &["d", "dh", "z"],
        ('ظ', _) => &["z", "dh"],
        ('غ', _) => &["gh", "g"],
        ('ف', _) => &["f"],
        ('פ' | 'ף', _) => &["p", "f", "ph"],
        ('ق', _) => &["q", "gh", "k", "g"],
        ('ק', _) => &["k", "q"],
        ('ك' | 'ک', _) => &["k"],
        ('כ' | 'ך', _) => &["k", "kh", "ch"],
        ('ل' | 'ל', _) => &["l"],
        ('م' | 'מ' | 'ם', _) => &["m"],
        ('ن' | 'נ' | 'ן', _) => &["n"],
        ('ه' | 'ה', _) if place.last && !place.initial => &["h", "e", "a", "eh", "ah"],
        ('ه' | 'ה', _) => &["h"],
        ('ة', _) => &["a", "ah", "e", "eh", "at"],
        ('و' | 'ו', _) => &["w", "v", "u", "o", "ou", "oo"],
        ('ي' | 'ی' | 'י', _) => &["y", "i", "ee", "ei", "ey"],
        ('ى', _) => &["a", "y", "i"],
        ('צ' | 'ץ', false) => &["ts", "tz", "z"],
        _ => &[],
    }
}

/// Whether a word in Cyrillic letters (lower case) reads as the Latin
/// word, letter by letter, each letter as one of its spellings in the
/// published romanizations of Russian, Ukrainian, Belarusian, Bulgarian
/// and Serbian names (BGN/PCGN, the passport standard ICAO 9303, the
/// Ukrainian and Bulgarian national systems): `Михеев` is Mikheev and
/// Mikheyev, never Mikhaylov.
fn cyrillic_reads_as(letters: &[char], latin: &str) -> bool {
    let latin = latin.as_bytes();
    // reached[j]: the letters read so far spell `latin[..j]`.
    let mut reached = vec![false; latin.len() + 1];
    reached[0] = true;
    for (i, &letter) in letters.iter().enumerate() {
        let after_vowel = i
            .checked_sub(1)
            .and_then(|before| letters.get(before))
            .is_none_or(|&c| "аеёиоуыэюяіїєъь".contains(c));
        let mut next = vec![false; latin.len() + 1];
        for j in (0..=latin.len()).filter(|&j| reached[j]) {
            for spelling in cyrillic_spellings(letter, after_vowel) {
                let end = j + spelling.len();
                if latin.get(j..end) == Some(spelling.as_bytes()) {
                    next[end] = true;
                }
            }
        }
        reached = next;
    }
    reached[latin.len()]
}

/// The Latin spellings of one Cyrillic letter; `е` is `ye` only where
/// BGN/PCGN writes it so, first in a word or after a vowel or a sign.
fn cyrillic_spellings(letter: char, after_vowel: bool) -> &'static [&'static str] {
    match letter {
        'а' => &["a"],
        'б' => &["b"],
        'в' => &["v"],
        'г' => &["g", "h"],
        'ґ' => &["g"],
        'д' => &["d"],
        'е' if after_vowel => &["e", "ye", "je"],
        'е' => &["e"],
        'ё' => &["e", "yo", "ye", "io", "jo"],
        'є' => &["ye", "ie", "je"],
        'ж' => &["zh", "j"],
        'з' => &["z"],
        'и' => &["i", "y"],
        'і' => &["i"],
        'ї' => &["yi", "i", "ji"],
        'й' => &["y", "i", "j"],
        'ј' => &["j"],
        'к' => &["k"],
        'л' => &["l"],
        'љ' => &["lj"],
        'м' => &["m"],
        'н' => &["n"],
        'њ' => &["nj"],
        'о' => &["o"],
        'п' => &["p"],
        'р' => &["r"],
        'с' => &["s"],
        'т' => &["t"],
        'ћ' => &["c", "ch"],
        'у' => &["u"],
        'ў' => &["u", "w"],
        'ф' => &["f"],
        'х' => &["kh", "h"],
        'ц' => &["ts", "c"],
        'ч' => &["ch", "c"],
        'џ' => &["dz", "dzh"],
        'ђ' => &["dj", "d"],
        'ш' => &["sh", "s"],
        'щ' => &["shch", "sht"],
        'ъ' => &["", "ie", "a"],
        'ы' => &["y"],
        'ь' => &[""],
        'э' => &["e"],
        'ю' => &["yu", "iu", "ju"],
        'я' => &["ya", "ia", "ja"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_read_as_the_listed_one_is_named_as_listed() {
        assert!(named_as_listed("김영수", "KIM, Yong Su"));
        assert!(named_as_listed("Jim Jones", "JimJones"));
        assert!(named_as_listed("Олег Петров", "PETROV, Oleg"));
        assert!(named_as_listed("ओम सेन", "OMSEN"));
        // Han in Wade-Giles, or as Korean reads it.
        assert!(named_as_listed("钟明", "MING CHUNG"));
        assert!(named_as_listed("姜敏", "KANG, Min"));
        // The listed name with a word more: the unlisted set leaves out a
        // Latin name whose words are all words of one listed name alike.
        assert!(named_as_listed("Jim Jones", "JONES, Jim Robert"));
        // Another word, or a word of the name left over.
        assert!(!named_as_listed("김영수", "KIM, Yong Sun"));
        assert!(!named_as_listed("Jim Robert Jones", "JONES, Jim"));
        assert!(!named_as_listed("席玉华", "YUHUA, Shi"));
    }

    #[test]
    fn cyrillic_letters_are_read_by_the_published_romanizations() {
        assert!(named_as_listed("Григорий Михеев", "GRIGORIY MIKHEYEV"));
        assert!(named_as_listed(
            "Андрей Поляков",
            "POLYAKOV Andrey Aleksandrovich"
        ));
        assert!(named_as_listed(
            "Олександр Шевченко",
            "SHEVCHENKO Oleksandr"
        ));
        // A letter's other spelling only where a standard writes it.
        assert!(named_as_listed("Петр Пеев", "PEYEV Petr"));
        assert!(!named_as_listed("Петр Пеев", "PYETR Peev"));
        assert!(!named_as_listed("Вадим Кузьмин", "Vadim Kumin"));
        assert!(!named_as_listed(
            "Олекса Абраменко",
            "АВРАМЕНКО Алексей Николаевич"
        ));
        assert!(!named_as_listed(
            "Володимир Литвиненко",
            "LITVINENKO, Vladimir"
        ));
        assert!(!named_as_listed("Віктор Гаврилів", "GAVRILOV Victor"));
    }

    #[test]
    fn arabic_and_hebrew_letters_are_read_strictly() {
        assert!(named_as_listed("علی کمالی", "KAMALI, Ali"));
        assert!(named_as_listed("محمد یزدی", "YAZDI, Mohammad"));
        assert!(named_as_listed("حسين زمانی", "ZAMANI, Hosein"));
        assert!(named_as_listed("عامر العارف", "AL-AREF, Amer"));
        assert!(named_as_listed("עלי סעדה", "SAADE, Ali"));
        assert!(named_as_listed("ג׳מאל", "Jamal"));
        // A long vowel written is read; one not written is no letter.
        assert!(!named_as_listed("علی صیادی", "SAEEDI Ali"));
        assert!(!named_as_listed("עלי סעדה", "SAADEH, Alia"));
        assert!(!named_as_listed("רם נסאר", "NASSER, Rim"));
        assert!(!named_as_listed("عامر العارف", "ARIF UMER"));
        assert!(!named_as_listed("محمد", "MAHMOUD"));
        assert!(!named_as_listed("محمد اشتری", "ASHTARI, Mahmud"));
        assert!(!named_as_listed("امیر علی کمالی", "KAMALI, Ali"));
    }
}
