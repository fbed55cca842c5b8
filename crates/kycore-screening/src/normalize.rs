//! Name normalisation shared by indexing and querying, so both sides always
//! see the same tokens: Unicode compatibility folding, accent stripping,
//! romanization (name-aware tables for Arabic, Hebrew, Greek, kana, Thai and
//! Khmer; generic transliteration for other scripts), tokenisation, phrase
//! reduction (legal forms, number words, abbreviations, leading titles) and
//! token classes, plus a consonant skeleton used as a phonetic key.
//!
//! Han and Hangul characters each stay a token of their own (one character is
//! one syllable of the name, and one different character is another person),
//! with their Latin readings attached for matching Latin-script names.
//!
//! Weak words (particles such as "al" or "bin", generic business words) are
//! kept and only down-weighted later: dropping them is how other engines
//! turned "11420 CORP." into just "corp".

use serde::Serialize;
use std::cell::OnceCell;
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

use crate::knowledge::{self, CharTable, IndicSign, IndicTable, PhraseKind};

/// How a token takes part in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    /// An ordinary name word.
    Word,
    /// Contains a digit: matches only exactly, and is never dropped.
    Number,
    /// A single letter, matched against the first letter of a word.
    Initial,
    /// Particles and generic words: matched normally, weighed lightly.
    Weak,
    /// A legal form (LLC, OOO, GmbH…): equivalent to other legal forms,
    /// never a reason to miss.
    LegalForm,
    /// A leading title (Sheikh, Dr, President): ignorable.
    Honorific,
    /// One Han or Hangul character: matched exactly, or by its readings
    /// against Latin script.
    Syllable,
}

/// The writing system a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Hangul,
    Kana,
    Han,
    Thai,
    Khmer,
    Devanagari,
    Bengali,
    Gurmukhi,
    Gujarati,
    Oriya,
    Tamil,
    Telugu,
    Kannada,
    Malayalam,
    Other,
}

impl Script {
    /// One bit per script, for sets of scripts a word was seen in.
    pub fn bit(self) -> u32 {
        1 << (self as u32 % 32)
    }

    pub fn of(c: char) -> Option<Self> {
        let script = match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Self::Latin,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Self::Greek,
            0x400..=0x52F => Self::Cyrillic,
            0x590..=0x5FF => Self::Hebrew,
            0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                Self::Arabic
            }
            0xE00..=0xE7F => Self::Thai,
            0x900..=0x97F => Self::Devanagari,
            0x980..=0x9FF => Self::Bengali,
            0xA00..=0xA7F => Self::Gurmukhi,
            0xA80..=0xAFF => Self::Gujarati,
            0xB00..=0xB7F => Self::Oriya,
            0xB80..=0xBFF => Self::Tamil,
            0xC00..=0xC7F => Self::Telugu,
            0xC80..=0xCFF => Self::Kannada,
            0xD00..=0xD7F => Self::Malayalam,
            0x1780..=0x17FF => Self::Khmer,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7A3 => Self::Hangul,
            0x3040..=0x30FF | 0x31F0..=0x31FF => Self::Kana,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF => Self::Han,
            _ if c.is_alphabetic() => Self::Other,
            _ => return None,
        };
        Some(script)
    }

    fn is_syllabic(self) -> bool {
        matches!(self, Self::Han | Self::Hangul)
    }

    /// The first code point of a Brahmic script of India, whose blocks share
    /// one layout.
    pub(crate) fn indic_block(self) -> Option<u32> {
        let base = match self {
            Self::Devanagari => 0x900,
            Self::Bengali => 0x980,
            Self::Gurmukhi => 0xA00,
            Self::Gujarati => 0xA80,
            Self::Oriya => 0xB00,
            Self::Tamil => 0xB80,
            Self::Telugu => 0xC00,
            Self::Kannada => 0xC80,
            Self::Malayalam => 0xD00,
            _ => return None,
        };
        Some(base)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The comparison form: lower-case ASCII, or the character itself for a
    /// syllable.
    pub text: String,
    pub class: TokenClass,
    pub script: Script,
    /// Latin readings of a syllable (Hangul: several romanizations).
    pub readings: Vec<String>,
    /// The folded words this token stands for, when a phrase was reduced
    /// ("open joint stock company" → `ojsc`, "forty four" → `44`).
    pub surface: Option<String>,
    /// Written joined to the previous token by a hyphen or another mark,
    /// with no space between ("AL-AQSA"): a typo may move that mark.
    pub attached: bool,
    /// Another reading tried as well: a kana word read as the foreign name
    /// it transcribes (`puchin` as putin).
    pub also: Option<String>,
}

/// One word out of the folding stage.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    script: Script,
    syllable: Option<char>,
    /// The word as written when letters repeated three times were collapsed
    /// ("raaaq"): a typo can look like a repeat, so both are tried.
    repeated: Option<String>,
    /// Joined to the previous word by a mark, not a space (`Token::attached`).
    attached: bool,
    /// Another reading tried as well (`Token::also`).
    also: Option<String>,
}

/// Reduces text to lower-case ASCII words separated by single spaces
/// (syllables by their first reading).
pub fn fold(text: &str) -> String {
    let words: Vec<String> = fold_words(text)
        .into_iter()
        .filter_map(|w| match w.syllable {
            Some(c) => syllable_readings(c, w.script, false).into_iter().next(),
            None => Some(w.text),
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

/// Builds words one character at a time, splitting where a separator or a
/// syllable comes.
#[derive(Default)]
struct WordBuilder {
    words: Vec<Word>,
    current: String,
    script: Option<Script>,
    /// A space came since the last word.
    spaced: bool,
    /// Another reading of the word being built (`Token::also`).
    also: Option<String>,
}

impl WordBuilder {
    fn push_str(&mut self, latin: &str, script: Script) {
        for c in latin.chars() {
            if c == ' ' {
                self.space();
            } else if c.is_ascii_alphanumeric() {
                self.current.push(c.to_ascii_lowercase());
                if self.script.is_none_or(|s| s == Script::Latin) {
                    self.script = Some(script);
                }
            }
        }
    }

    fn at_word_start(&self) -> bool {
        self.current.is_empty()
    }

    /// Ends the word at a space.
    fn space(&mut self) {
        self.flush();
        self.spaced = true;
    }

    /// Another reading of the word being built, tried as well.
    fn also(&mut self, reading: String) {
        self.also = Some(reading);
    }

    fn flush(&mut self) {
        let also = self.also.take();
        if !self.current.is_empty() {
            let raw = std::mem::take(&mut self.current);
            let text = tidy(&raw);
            let repeated = (collapse_repeats(&raw).len() < raw.len()).then(|| spell_j(&raw));
            let attached = !self.spaced && !self.words.is_empty();
            self.words.push(Word {
                text,
                script: self.script.take().unwrap_or(Script::Latin),
                syllable: None,
                repeated,
                attached,
                also,
            });
            self.spaced = false;
        }
        self.script = None;
    }

    fn syllable(&mut self, c: char, script: Script) {
        self.flush();
        self.words.push(Word {
            text: c.to_string(),
            script,
            syllable: Some(c),
            repeated: None,
            attached: false,
            also: None,
        });
        self.spaced = false;
    }
}

/// Collapses letters repeated three times or more ("Puuutin") and writes
/// Cyrillic "dzh" the way Latin sources write it ("j": Джамал / Jamal).
/// Each step can make work for the other ("dzhjjose" → "jjjose" →
/// "jose", "dzzzh" → "dzh" → "j"), so both run until nothing changes:
/// folding a folded name then changes nothing. Each change shortens the
/// word, so the loop ends.
fn tidy(word: &str) -> String {
    let mut word = spell_j(&collapse_repeats(word));
    loop {
        let next = spell_j(&collapse_repeats(&word));
        if next.len() == word.len() {
            return word;
        }
        word = next;
    }
}

fn collapse_repeats(word: &str) -> String {
    let bytes = word.as_bytes();
    // A word of one letter repeated ("OOO", the Russian legal form) is
    // written so on purpose.
    if bytes.iter().all(|&b| Some(&b) == bytes.first()) {
        return word.to_owned();
    }
    let mut out = String::with_capacity(word.len());
    for (i, &b) in bytes.iter().enumerate() {
        let tripled = i >= 2 && bytes[i - 1] == b && bytes[i - 2] == b;
        let next_tripled = bytes.get(i + 1) == Some(&b) && i >= 1 && bytes[i - 1] == b;
        if !(tripled || next_tripled) || b.is_ascii_digit() {
            out.push(char::from(b));
        }
    }
    out
}

fn spell_j(word: &str) -> String {
    if word.contains("dzh") {
        word.replace("dzh", "j")
    } else {
        word.to_owned()
    }
}

fn fold_words(text: &str) -> Vec<Word> {
    // Greek accents are stripped before the table's digraphs are looked up:
    // ού is ου (u), αύ is αυ (av).
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    for c in text.nfkc() {
        if Script::of(c) == Some(Script::Greek) {
            chars.extend(std::iter::once(c).nfd().filter(|&d| !is_combining_mark(d)));
        } else {
            chars.push(c);
        }
    }
    let japanese = chars.iter().any(|&c| Script::of(c) == Some(Script::Kana));
    let tables = knowledge::romanization();
    let mut b = WordBuilder::default();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let c = chars[i];
        let script = Script::of(c);
        match script {
            Some(s) if s.is_syllabic() && !(0x1100..=0x11FF).contains(&(c as u32)) => {
                // Kanji in a name that also has kana are Japanese: their
                // Chinese readings would be wrong, so they get none.
                let s = if s == Script::Han && japanese {
                    Script::Kana
                } else {
                    s
                };
                b.syllable(c, s);
                i += 1;
            }
            Some(Script::Kana) => i = romanize_kana(&chars, i, &tables.kana, &mut b),
            Some(Script::Thai) => i = romanize_thai(&chars, i, &tables.thai, &mut b),
            Some(s) if s.indic_block().is_some() => {
                i = romanize_indic(&chars, i, s, &tables.indic, &mut b);
            }
            Some(s @ (Script::Arabic | Script::Hebrew | Script::Greek | Script::Khmer)) => {
                let table = match s {
                    Script::Arabic => &tables.arabic,
                    Script::Hebrew => &tables.hebrew,
                    Script::Greek => &tables.greek,
                    _ => &tables.khmer,
                };
                i = romanize_run(&chars, i, s, table, &mut b);
            }
            _ => {}
        }
        // A run that read nothing (the script's own punctuation) or any
        // other character: one character, generically.
        if i == start {
            push_generic(&chars, i, &mut b);
            i += 1;
        }
    }
    b.flush();
    b.words
}

/// Any other character: accents stripped, apostrophes and abbreviation dots
/// joined, format characters (zero-width, direction marks) ignored, other
/// letters transliterated, the rest separates words.
fn push_generic(chars: &[char], i: usize, b: &mut WordBuilder) {
    let c = chars[i];
    if is_apostrophe(c) || is_joining_dot(chars, i) || is_format(c) {
        return;
    }
    let script = Script::of(c).unwrap_or(Script::Latin);
    for d in std::iter::once(c).nfkd() {
        if is_combining_mark(d) {
            continue;
        }
        if d.is_ascii_alphanumeric() {
            b.push_str(d.encode_utf8(&mut [0; 4]), script);
        } else if d.is_alphanumeric() {
            b.push_str(&any_ascii::any_ascii_char(d).to_ascii_lowercase(), script);
        } else if d.is_whitespace() {
            b.space();
        } else {
            b.flush();
        }
    }
}

fn is_format(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF | 0xAD)
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

/// Romanizes a run of one alphabetic script through its table. Marks the
/// table does not know (Arabic shadda, Hebrew points) are skipped; the
/// Arabic article "al-" written joined to the word becomes a word of its own,
/// as Latin spellings write it.
fn romanize_run(
    chars: &[char],
    start: usize,
    script: Script,
    table: &CharTable,
    b: &mut WordBuilder,
) -> usize {
    let in_run = |c: char| Script::of(c).is_none_or(|s| s == script) && !is_separator(c);
    let end = chars[start..]
        .iter()
        .position(|&c| !in_run(c))
        .map_or(chars.len(), |p| start + p);
    let tables = knowledge::romanization();
    let mut i = start;
    while i < end {
        if script == Script::Arabic {
            let rest = &chars[i..end];
            // A compound's second part written joined ("نصرالله") is a
            // word of its own, as Latin spellings often write it.
            if !b.at_word_start() && tables.arabic_suffixes.iter().any(|p| rest == p.as_slice()) {
                b.flush();
            }
            if b.at_word_start() {
                // "عبدالجبار": "Abd" and the rest, as "Abdul Jabbar".
                if let Some(prefix) = tables
                    .arabic_prefixes
                    .iter()
                    .find(|p| rest.len() >= p.len() + 2 && rest.starts_with(p))
                {
                    for k in 0..prefix.len() {
                        if let Some((latin, _)) = table.lookup(chars, i + k, k == 0) {
                            b.push_str(latin, script);
                        }
                    }
                    b.flush();
                    i += prefix.len();
                    continue;
                }
                // The article "al-" joined to its word is a word of its own.
                if rest.len() > 3 && rest.starts_with(&['ا', 'ل']) {
                    b.push_str("al ", script);
                    i += 2;
                    continue;
                }
            }
        }
        let word_start = b.at_word_start();
        match table.lookup(chars, i, word_start) {
            Some((latin, len)) => {
                b.push_str(latin, script);
                i += len;
            }
            None => {
                if !is_combining_mark(chars[i]) && chars[i].is_alphanumeric() {
                    b.push_str(
                        &any_ascii::any_ascii_char(chars[i]).to_ascii_lowercase(),
                        script,
                    );
                }
                i += 1;
            }
        }
    }
    i
}

fn is_separator(c: char) -> bool {
    !c.is_alphanumeric() && !is_combining_mark(c) && !is_format(c)
}

/// Katakana (hiragana mapped onto it) after Hepburn: a small tsu doubles the
/// next consonant, the long-vowel mark is dropped, and "ou"/"uu" before a
/// consonant or the end are written as one vowel, as passports do.
fn romanize_kana(chars: &[char], start: usize, table: &CharTable, b: &mut WordBuilder) -> usize {
    let mut run: Vec<char> = Vec::new();
    let mut i = start;
    while let Some(&c) = chars
        .get(i)
        .filter(|c| Script::of(**c) == Some(Script::Kana))
    {
        let k = if ('\u{3041}'..='\u{3096}').contains(&c) {
            char::from_u32(c as u32 + 0x60).unwrap_or(c)
        } else {
            c
        };
        run.push(k);
        i += 1;
    }
    let mut out = String::new();
    // The same with the long-vowel mark written as its vowel again, which
    // tells a written vowel from one transcription adds (`foreign_reading`).
    let mut marked = String::new();
    let mut double_next = false;
    let mut j = 0;
    while j < run.len() {
        match run[j] {
            'ッ' => {
                double_next = true;
                j += 1;
            }
            'ー' => {
                marked.extend(marked.chars().last().filter(|c| "aeiou".contains(*c)));
                j += 1;
            }
            '・' => {
                out.push(' ');
                marked.push(' ');
                j += 1;
            }
            _ => match table.lookup(&run, j, false) {
                Some((latin, len)) => {
                    if double_next {
                        out.extend(latin.chars().next());
                        marked.extend(latin.chars().next());
                        double_next = false;
                    }
                    out.push_str(latin);
                    marked.push_str(latin);
                    j += len;
                }
                None => j += 1,
            },
        }
    }
    for (n, (word, marked)) in out.split(' ').zip(marked.split(' ')).enumerate() {
        if n > 0 {
            b.space();
        }
        b.push_str(&shorten_long_vowels(word), Script::Kana);
        b.also(foreign_reading(marked));
    }
    i
}

fn shorten_long_vowels(word: &str) -> String {
    let bytes = word.as_bytes();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = (bytes[i], bytes.get(i + 1).copied());
        let next_is_vowel = bytes.get(i + 2).is_some_and(|c| b"aeiou".contains(c));
        if matches!(
            pair,
            (b'o', Some(b'u')) | (b'u', Some(b'u')) | (b'o', Some(b'o'))
        ) && !next_is_vowel
        {
            out.push(char::from(bytes[i]));
            i += 2;
        } else {
            out.push(char::from(bytes[i]));
            i += 1;
        }
    }
    out
}

/// Thai after RTGS: vowels written before their consonant are read after it;
/// a consonant closing the word takes its final value; a consonant under the
/// silencer is not read.
fn romanize_thai(chars: &[char], start: usize, table: &CharTable, b: &mut WordBuilder) -> usize {
    let end = chars[start..]
        .iter()
        .position(|&c| {
            Script::of(c) != Some(Script::Thai) || !c.is_alphanumeric() && !is_combining_mark(c)
        })
        .map_or(chars.len(), |p| start + p);
    let letters = thai_sounded(&chars[start..end]);
    b.push_str(&thai_syllables(&letters, table), Script::Thai);
    end
}

/// A Thai word's letters that are sounded: tone marks dropped, and the
/// letter under the silencer (์) dropped with it, with the vowel sign
/// between them (สวัสดิ์ Sawat, วงศ์ Wong).
fn thai_sounded(word: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(word.len());
    for &c in word {
        match c {
            '\u{0E4C}' => {
                if out
                    .last()
                    .is_some_and(|&v| matches!(v, '\u{0E34}' | '\u{0E38}'))
                {
                    out.pop();
                }
                if out.last().is_some_and(|&v| is_thai_consonant(v)) {
                    out.pop();
                }
            }
            '\u{0E47}'..='\u{0E4B}' | '\u{0E4D}' | '\u{0E4E}' => {}
            _ => out.push(c),
        }
    }
    out
}

fn is_thai_consonant(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c)
}

/// Pairs that begin one syllable together (ปร pr, กล kl, ขว khw).
fn is_thai_cluster(first: char, second: char) -> bool {
    matches!(first, 'ก' | 'ข' | 'ค' | 'ต' | 'ป' | 'ผ' | 'พ') && matches!(second, 'ร' | 'ล' | 'ว')
}

/// RTGS spelling of a Thai word's sounded letters. Thai leaves a syllable's
/// vowel unwritten when it is "o" between two consonants (สม som) or "a"
/// before another syllable (สวัสดิ์ sawat, อภิ aphi); a consonant closing a
/// syllable takes its final value (ส t, ย i); a vowel written before its
/// consonant (เ แ โ ใ ไ) is read after it; รร is "an", or "a" before a
/// final; a consonant left after a final one is silent (ตร t).
fn thai_syllables(letters: &[char], table: &CharTable) -> String {
    let value = |c: char, initial: bool| table.lookup(&[c], 0, initial).map_or("", |(v, _)| v);
    let is_leading = |c: char| ('\u{0E40}'..='\u{0E44}').contains(&c);
    let consonant_at = |j: usize| letters.get(j).copied().filter(|&c| is_thai_consonant(c));
    let mut out = String::new();
    let mut pending: Option<&str> = None;
    // The current syllable has its vowel; the last letter closed a syllable.
    let mut voweled = false;
    let mut after_final = false;
    let mut j = 0;
    while let Some(&c) = letters.get(j) {
        j += 1;
        if is_leading(c) {
            pending = Some(value(c, true));
            voweled = false;
            after_final = false;
            continue;
        }
        if !is_thai_consonant(c) {
            out.push_str(value(c, true));
            voweled = true;
            after_final = false;
            continue;
        }
        if c == 'ร' && consonant_at(j) == Some('ร') {
            j += 1;
            out.push_str(if consonant_at(j).is_some() { "a" } else { "an" });
            voweled = true;
            continue;
        }
        let next = consonant_at(j);
        // A vowel sign after the consonant; a vowel written before the next
        // consonant is that one's.
        let next_vowel = letters
            .get(j)
            .is_some_and(|&n| !is_thai_consonant(n) && !is_leading(n));
        let before_rr = next == Some('ร') && letters.get(j + 1) == Some(&'ร');
        if let Some(v) = pending.take() {
            out.push_str(value(c, true));
            out.push_str(v);
            voweled = true;
            after_final = false;
        } else if before_rr {
            out.push_str(value(c, true));
            after_final = false;
        } else if voweled && !next_vowel {
            out.push_str(value(c, false));
            voweled = false;
            after_final = true;
        } else if after_final && !next_vowel && next.is_none() {
            // ตร, จันทร์: silent after the final.
        } else if next_vowel {
            out.push_str(value(c, true));
            voweled = false;
            after_final = false;
        } else if next.is_some_and(|n| is_thai_cluster(c, n))
            && letters.get(j + 1).is_some_and(|&v| !is_thai_consonant(v))
        {
            out.push_str(value(c, true));
            after_final = false;
        } else {
            let closes = next.is_some()
                && letters
                    .get(j + 1)
                    .is_none_or(|&n| is_thai_consonant(n) || is_leading(n));
            out.push_str(value(c, true));
            out.push_str(if closes { "o" } else { "a" });
            voweled = true;
            after_final = false;
        }
    }
    if let Some(v) = pending {
        out.push_str(v);
    }
    out
}

/// A Brahmic script of India: each consonant carries the vowel "a" unless a
/// vowel sign or the virama follows, and loses it at the end of a word of
/// more than one syllable (Hindi, Bengali: "राम" Ram, "कविता" Kavita).
fn romanize_indic(
    chars: &[char],
    start: usize,
    script: Script,
    table: &IndicTable,
    b: &mut WordBuilder,
) -> usize {
    let base = script.indic_block().unwrap_or(0);
    let sign = |i: usize| {
        chars
            .get(i)
            .filter(|c| Script::of(**c) == Some(script))
            .and_then(|&c| table.sign(c as u32 - base))
    };
    let mut out = String::new();
    let mut i = start;
    // A word ending in a cluster keeps its last vowel ("नरेन्द्र" Narendra).
    let mut after_virama = false;
    while let Some(current) = chars.get(i).filter(|c| Script::of(**c) == Some(script)) {
        let Some(s) = table.sign(*current as u32 - base) else {
            break;
        };
        i += 1;
        match s {
            IndicSign::Consonant { plain, nukta } => {
                let mut value = plain;
                if sign(i) == Some(IndicSign::Nukta) {
                    value = nukta;
                    i += 1;
                }
                let single = !out.contains(['a', 'e', 'i', 'o', 'u']);
                out.push_str(value);
                match sign(i) {
                    Some(IndicSign::VowelSign(v)) => {
                        out.push_str(v);
                        i += 1;
                    }
                    Some(IndicSign::Virama) => {
                        i += 1;
                        after_virama = true;
                        continue;
                    }
                    Some(_) => out.push('a'),
                    None if single || after_virama => out.push('a'),
                    None => {}
                }
            }
            IndicSign::Vowel(v) | IndicSign::VowelSign(v) | IndicSign::Other(v) => {
                out.push_str(v);
            }
            IndicSign::Virama | IndicSign::Nukta => {}
        }
        after_virama = false;
    }
    b.push_str(&out, script);
    i
}

/// Latin readings of a syllable: Hangul by its romanizations, Han by its
/// Mandarin reading (none for Japanese kanji, whose readings differ).
fn syllable_readings(c: char, script: Script, all: bool) -> Vec<String> {
    match script {
        Script::Hangul => {
            let mut readings = knowledge::romanization().hangul_readings(c);
            if !all {
                readings.truncate(1);
            }
            readings
        }
        Script::Han => {
            let reading = any_ascii::any_ascii_char(c).to_ascii_lowercase();
            if reading.is_empty() {
                Vec::new()
            } else {
                vec![reading]
            }
        }
        _ => Vec::new(),
    }
}

/// Folds and splits into classified tokens, reducing phrases: legal forms to
/// their canonical short form, number words to digits, long words to their
/// abbreviation, and leading titles to honorific tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let words = fold_words(text);
    let k = knowledge::knowledge();
    let corrections = Corrections::of(&words, k);
    let mut tokens: Vec<Token> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if let Some((token, used)) = phrase_at(&words, &corrections, i, &tokens, k) {
            tokens.push(token);
            i += used;
            continue;
        }
        tokens.push(classify(&words[i]));
        i += 1;
    }
    gather_legal_form(&mut tokens, k);
    name_trailing_particle(&mut tokens, k);
    name_word_after_particle(&mut tokens, k);
    // A name of single letters ("J & E, S. de R.L. de C.V.") is written
    // with its letters as its words.
    let letters_only = tokens.iter().all(|t| {
        !matches!(
            t.class,
            TokenClass::Word | TokenClass::Number | TokenClass::Syllable
        )
    });
    if letters_only {
        for t in tokens.iter_mut().filter(|t| t.class == TokenClass::Initial) {
            t.class = TokenClass::Word;
        }
    }
    tokens
}

/// A particle introduces the name word after it (de Gaulle, bin Laden);
/// ending a name after a name word it introduces nothing, so it is a name
/// of its own there (Vietnamese Lê in `John Lê`, Văn in `Nguyen Van`) and
/// weighs as one. So is a title ending a name: titles lead a name, and
/// the ones that are also family names (Maulana, Sheikh, Haji) end one
/// only as such (`Siti Maulana`, `Abdi Haji`).
fn name_trailing_particle(tokens: &mut [Token], k: &knowledge::Knowledge) {
    let Some((last, before)) = tokens.split_last_mut() else {
        return;
    };
    let after_name_word = before
        .iter()
        .any(|t| matches!(t.class, TokenClass::Word | TokenClass::Syllable));
    let title = || {
        k.phrase(&last.text)
            .is_some_and(|p| matches!(p.kind, PhraseKind::Honorific { .. }))
    };
    if last.class == TokenClass::Weak && after_name_word && (k.is_particle(&last.text) || title()) {
        last.class = TokenClass::Word;
    }
}

/// The word a particle introduces is a name (de Vos, de Sá, van Ek), not a
/// legal form written alone: a legal form is introduced by nothing.
fn name_word_after_particle(tokens: &mut [Token], k: &knowledge::Knowledge) {
    for i in 1..tokens.len() {
        let introduced =
            tokens[i - 1].class == TokenClass::Weak && k.is_particle(&tokens[i - 1].text);
        let written_alone = !tokens[i]
            .surface
            .as_deref()
            .is_some_and(|s| s.contains(' '));
        if introduced && written_alone && tokens[i].class == TokenClass::LegalForm {
            tokens[i].class = TokenClass::Word;
        }
    }
}

/// The longest known phrase starting at word `i`, if any applies there. A
/// legal form or abbreviation of several words may have one misspelt word
/// ("Limited Liabiity Company").
/// The legal-form and abbreviation words one edit away from each word
/// (`Knowledge::org_word_corrections`), looked up only for a phrase whose
/// other words are the tables' own: one word may be corrected.
struct Corrections<'a, 'k> {
    words: &'a [Word],
    known: Vec<bool>,
    found: Vec<OnceCell<Vec<&'k str>>>,
    k: &'k knowledge::Knowledge,
}

impl<'a, 'k> Corrections<'a, 'k> {
    fn of(words: &'a [Word], k: &'k knowledge::Knowledge) -> Self {
        Self {
            words,
            known: words.iter().map(|w| k.is_org_word(&w.text)).collect(),
            found: words.iter().map(|_| OnceCell::new()).collect(),
            k,
        }
    }

    /// Whether the words `span` may spell a phrase with one corrected.
    fn may_fix(&self, span: std::ops::Range<usize>) -> bool {
        self.known
            .get(span)
            .is_some_and(|known| known.iter().filter(|k| !**k).count() <= 1)
    }

    fn at(&self, i: usize) -> &[&'k str] {
        self.found[i].get_or_init(|| match self.words[i].syllable {
            Some(_) => Vec::new(),
            None => self.k.org_word_corrections(&self.words[i].text),
        })
    }
}

fn phrase_at(
    words: &[Word],
    corrections: &Corrections<'_, '_>,
    i: usize,
    before: &[Token],
    k: &knowledge::Knowledge,
) -> Option<(Token, usize)> {
    let leading = before.iter().all(|t| t.class == TokenClass::Honorific);
    for n in (1..=k.max_phrase_words().min(words.len() - i)).rev() {
        let span = &words[i..i + n];
        if span.iter().any(|w| w.syllable.is_some()) {
            continue;
        }
        let texts: Vec<&str> = span.iter().map(|w| w.text.as_str()).collect();
        let key = texts.join(" ");
        let mut found = k.phrase(&key);
        if found.is_none() && n >= 2 && corrections.may_fix(i..i + n) {
            found = (0..n)
                .flat_map(|p| corrections.at(i + p).iter().map(move |c| (p, *c)))
                .find_map(|(p, c)| {
                    let mut fixed = texts.clone();
                    fixed[p] = c;
                    k.phrase(&fixed.join(" ")).filter(|ph| {
                        matches!(ph.kind, PhraseKind::LegalForm | PhraseKind::Abbreviation)
                    })
                });
        }
        let Some(phrase) = found.filter(|ph| ph.read_from(span[0].script)) else {
            continue;
        };
        let rest = words.len() - i - n;
        let class = match phrase.kind {
            PhraseKind::Honorific { ambiguous } => {
                if !leading || rest < if ambiguous { 2 } else { 1 } {
                    continue;
                }
                TokenClass::Honorific
            }
            // A legal form alone is the whole name, not a form of it; a
            // two-letter one (AG, SA, KY) only closes a name, where
            // elsewhere it is more likely a name's syllable.
            PhraseKind::LegalForm if rest + i == 0 || key.len() <= 2 && rest > 0 => continue,
            PhraseKind::LegalForm => TokenClass::LegalForm,
            PhraseKind::Number => TokenClass::Number,
            PhraseKind::Abbreviation => word_class(&phrase.text, span[0].script, k),
        };
        // A two-letter legal form keeps its letters: as often as not it is a
        // name's syllable ("Jae-in", "Sá"), matched as written; legal forms
        // are compared by their canonical form anyway.
        let text = if class == TokenClass::LegalForm && key.len() <= 2 {
            key.clone()
        } else {
            phrase.text.clone()
        };
        let surface = (key != text).then_some(key);
        return Some((
            Token {
                text,
                class,
                script: span[0].script,
                readings: Vec::new(),
                surface,
                attached: span[0].attached,
                also: None,
            },
            n,
        ));
    }
    None
}

/// Most scattered legal-form words looked at together (2^8 subsets).
const MAX_SCATTERED: usize = 8;

/// The words of a legal form written apart, in another order ("Stock
/// Company Sberbank Joint", "C.V. Punto S.A. de"): joined into one legal
/// form where the first of them stands, as long as other words remain.
fn gather_legal_form(tokens: &mut Vec<Token>, k: &knowledge::Knowledge) {
    let word_of = |t: &Token| -> Option<String> {
        let text = t.surface.as_deref().unwrap_or(&t.text);
        (t.class != TokenClass::Syllable && !text.contains(' ') && k.is_legal_form_word(text))
            .then(|| text.to_owned())
    };
    let members: Vec<(usize, String)> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| word_of(t).map(|w| (i, w)))
        .take(MAX_SCATTERED)
        .collect();
    if members.len() < 2 || members.len() == tokens.len() {
        return;
    }
    let mut best: Option<(u32, &str)> = None;
    for subset in 1u32..(1 << members.len()) {
        let size = subset.count_ones();
        if !(2..=4).contains(&size) || best.is_some_and(|(b, _)| b.count_ones() >= size) {
            continue;
        }
        let mut words: Vec<&str> = members
            .iter()
            .enumerate()
            .filter(|(m, _)| subset & (1 << m) != 0)
            .map(|(_, (_, w))| w.as_str())
            .collect();
        words.sort_unstable();
        if let Some(canonical) = k.legal_form_of_words(&words.join(" ")) {
            best = Some((subset, canonical));
        }
    }
    let Some((subset, canonical)) = best else {
        return;
    };
    let chosen: Vec<usize> = members
        .iter()
        .enumerate()
        .filter(|(m, _)| subset & (1 << m) != 0)
        .map(|(_, (i, _))| *i)
        .collect();
    let surface: Vec<&str> = chosen
        .iter()
        .filter_map(|&i| tokens.get(i))
        .map(|t| t.surface.as_deref().unwrap_or(&t.text))
        .collect();
    let joined = Token {
        text: canonical.to_owned(),
        class: TokenClass::LegalForm,
        script: tokens[chosen[0]].script,
        readings: Vec::new(),
        surface: Some(surface.join(" ")),
        attached: false,
        also: None,
    };
    let mut position = 0;
    tokens.retain(|_| {
        position += 1;
        !chosen[1..].contains(&(position - 1))
    });
    tokens[chosen[0]] = joined;
}

/// A word's class. Weak words are particles and business words of
/// languages written in Latin letters (and in Cyrillic or Greek, which
/// borrow them); romanized from another script, "de", "la" or "do" are a
/// name's syllables (Bengali দে, Arabic لا), and only the particles of
/// Arabic names (al, abu, bin) stay weak.
fn word_class(text: &str, script: Script, k: &knowledge::Knowledge) -> TokenClass {
    let european = matches!(
        script,
        Script::Latin | Script::Cyrillic | Script::Greek | Script::Other
    );
    if text.bytes().any(|b| b.is_ascii_digit()) {
        TokenClass::Number
    } else if text.len() == 1 {
        TokenClass::Initial
    } else if k.is_weak(text) && (european || k.is_weak_in_any_script(text)) {
        TokenClass::Weak
    } else {
        TokenClass::Word
    }
}

fn classify(word: &Word) -> Token {
    let k = knowledge::knowledge();
    if let Some(c) = word.syllable {
        return Token {
            text: word.text.clone(),
            class: TokenClass::Syllable,
            script: word.script,
            readings: syllable_readings(c, word.script, true),
            surface: None,
            attached: false,
            also: None,
        };
    }
    let (text, surface) = match (ordinal_digits(&word.text), k.misspelt_long_form(&word.text)) {
        (Some(digits), _) => (digits.to_owned(), Some(word.text.clone())),
        (None, Some(short)) => (short.to_owned(), Some(word.text.clone())),
        (None, None) => (word.text.clone(), word.repeated.clone()),
    };
    let also = word
        .also
        .clone()
        .or_else(|| greek_foreign_reading(&text, word.script))
        .or_else(|| french_reading(&text, word.script))
        .or_else(|| diphthong_reading(&text, word.script))
        .or_else(|| slavic_transcription_reading(&text, word.script))
        .filter(|reading| *reading != text);
    Token {
        class: word_class(&text, word.script, k),
        text,
        script: word.script,
        readings: Vec::new(),
        surface,
        attached: word.attached,
        also,
    }
}

/// A Greek word read as Greek writes foreign names: ου as the u it sounds
/// and ντ inside a word as d (Λουκασένκο Lukashenko, Βλαντίμιρ Vladimir),
/// where the standard reading keeps "ou" and "nt" for Greek names
/// (Papadopoulos, Pantelis).
fn greek_foreign_reading(text: &str, script: Script) -> Option<String> {
    (script == Script::Greek && (text.contains("ou") || text.contains("nt")))
        .then(|| text.replace("ou", "u").replace("nt", "d"))
}

/// A Latin word with "ou" read as French spells names of other languages:
/// ou for u, ss for s, -ine for -in (Oussama Usama, Moussa Koussa Musa
/// Kusa, Poutine Putin). Without "ou" a word is left as it is: a final
/// -ine is more often a woman's name there (Sabine, Martine).
fn french_reading(text: &str, script: Script) -> Option<String> {
    if script != Script::Latin || text.len() < 4 || !text.contains("ou") {
        return None;
    }
    let mut reading = text.replace("ou", "u").replace("ss", "s");
    if reading.len() > 5 && reading.ends_with("ine") {
        reading.pop();
    }
    Some(reading)
}

/// A Latin word transcribed from Cyrillic the Swedish way, or with the j
/// German and Czech write for й (the EU lists give each name in every
/// member state's language), read the English way: `tj` is ch (Leonidovitj), `sj` sh, `zj` zh, `sjtj` shch,
/// then `ch` was kh (Bachanovitj, Bakhanovich) and every `j` y (Jurij,
/// Yuriy; Andrej, Andrey). Only a word marked as such a transcription by
/// one of those clusters or by a final `j` after a vowel (`-ij`, `-ej`):
/// Juan and Jan keep their j.
fn slavic_transcription_reading(text: &str, script: Script) -> Option<String> {
    if script != Script::Latin || text.len() < 4 {
        return None;
    }
    let clusters = ["tj", "sj", "zj"].iter().any(|c| text.contains(c));
    let final_j = matches!(text.as_bytes(), [.., v, b'j'] if crate::translit::is_vowel(*v));
    if !clusters && !final_j {
        return None;
    }
    let mut reading = if clusters {
        text.replace("ch", "kh")
    } else {
        text.to_owned()
    };
    for (from, to) in [("sjtj", "shch"), ("tj", "ch"), ("sj", "sh"), ("zj", "zh")] {
        reading = reading.replace(from, to);
    }
    Some(reading.replace('j', "y"))
}

/// A Latin word with "aw" before a consonant read with "u" for it, as
/// Arabic names' diphthong is spelt either way (Jawlani / Julani, Mawlawi /
/// Mulawi); "aw" before a vowel is a consonant w there (Nawaz).
fn diphthong_reading(text: &str, script: Script) -> Option<String> {
    if script != Script::Latin || text.len() < 5 {
        return None;
    }
    let bytes = text.as_bytes();
    let mut reading = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        let diphthong = bytes.get(i..i + 2) == Some(b"aw".as_slice())
            && bytes
                .get(i + 2)
                .is_some_and(|&next| !crate::translit::is_vowel(next));
        if diphthong {
            reading.push('u');
            i += 2;
        } else {
            reading.push(char::from(c));
            i += 1;
        }
    }
    (reading.len() < text.len()).then_some(reading)
}

/// A kana word's Hepburn reading (the long-vowel mark written as its vowel
/// again) undone as Japanese transcribes foreign names: the vowel it adds
/// after a consonant dropped (`u` before a consonant or ending the word,
/// `o` after t and d before r or ending it: キム kimu Kim, ドナルド donarudo
/// Donald, トランプ toranpu Trump), `chi` for ti (プーチン Putin), `n` before
/// p, b, m as m, a long vowel written once, and a first `u` before a
/// consonant as v (ウラジーミル Vladimir).
fn foreign_reading(reading: &str) -> String {
    let letters: Vec<char> = reading.replace("chi", "ti").chars().collect();
    let is_vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u');
    let mut out = String::with_capacity(letters.len());
    for (j, &c) in letters.iter().enumerate() {
        let before = j.checked_sub(1).and_then(|p| letters.get(p)).copied();
        let after = letters.get(j + 1).copied();
        let closes = after.is_none_or(|a| !is_vowel(a) && a != 'y');
        // `o` after t and d is added at a word's end and before r (Trump);
        // before another consonant it is written (Donald).
        let added = match c {
            'u' => before.is_some_and(|b| "kgszbpmfrh".contains(b)) && closes,
            'o' => before.is_some_and(|b| "td".contains(b)) && after.is_none_or(|a| a == 'r'),
            _ => false,
        };
        if j > 0 && added || before.is_some_and(|b| b == c && is_vowel(c)) {
            continue;
        }
        let c = match (c, after) {
            ('n', Some('p' | 'b' | 'm')) => 'm',
            ('u', Some(a)) if j == 0 && !is_vowel(a) && a != 'n' => 'v',
            _ => c,
        };
        out.push(c);
    }
    out
}

/// "1st", "44th", "3rd" → the digits.
fn ordinal_digits(word: &str) -> Option<&str> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[digits.len()..];
    let ordinal = matches!(suffix, "st" | "nd" | "rd" | "th");
    (ordinal && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Whether a word is so common as a personal name that its list frequency
/// understates how often innocent people carry it.
pub fn is_common_name(word: &str) -> bool {
    knowledge::knowledge().is_common(word)
}

/// Letters that digits stand in for when a name is disguised ("0sama",
/// "b1n"); `None` when the word has no digit or no letter.
pub fn digits_as_letters(word: &str) -> Option<String> {
    let has_letter = word.bytes().any(|b| b.is_ascii_alphabetic());
    if !has_letter || !word.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        word.chars()
            .map(|c| match c {
                '0' => 'o',
                '1' => 'i',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                '8' => 'b',
                '9' => 'g',
                other => other,
            })
            .collect(),
    )
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

/// The sound class of a word's first sound (vowels, lips, throat and
/// hissing sounds, teeth, nasals, breath), as spelling variants of one name
/// keep it: "Khakkani" and "Haqqani" both start with a breath.
pub fn first_sound(word: &str) -> u8 {
    let bytes = word.as_bytes();
    let Some(&c) = bytes.first() else {
        return 255;
    };
    // Ghain is written "gh", "g" or, through Cyrillic, "gkh": a G sound.
    if bytes.starts_with(b"gh") {
        return 2;
    }
    let (mapped, _) = map_sound(bytes, c);
    mapped.bytes().next().map_or(0, sound_class)
}

fn sound_class(mapped: u8) -> u8 {
    match mapped {
        b'b' | b'f' | b'p' | b'v' => 1,
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => 2,
        b'd' | b't' => 3,
        b'm' | b'n' => 4,
        b'h' | b'w' => 5,
        other => other,
    }
}

/// Whether two words are spellings of one sequence of consonant sounds by
/// the classes of `first_sound` (Gaddafi / Qadhafi, Moammar / Muammar,
/// Khaled / Haled), however short; Townsend / Towsent and Abdi / Absi are
/// not.
pub fn same_sounds(a: &str, b: &str) -> bool {
    /// The sound classes of a word's consonants, a class repeated once.
    fn classes(word: &str) -> impl Iterator<Item = u8> + '_ {
        let mut rest = word.as_bytes();
        let mut last = None;
        std::iter::from_fn(move || {
            loop {
                let &c = rest.first()?;
                let (mapped, consumed) = map_sound(rest, c);
                rest = rest.get(consumed..).unwrap_or_default();
                // A mapped sound has at most two letters ("x" → "ks"), both
                // of one class.
                if let Some(class) = mapped.bytes().next().map(sound_class)
                    && last != Some(class)
                {
                    last = Some(class);
                    return Some(class);
                }
            }
        })
    }
    classes(a).eq(classes(b))
}

fn map_sound(rest: &[u8], c: u8) -> (&'static str, usize) {
    // Only these letters start a spelling of `SOUNDS`.
    if matches!(c, b'c' | b'd' | b'g' | b'k' | b'p' | b't' | b'z')
        && let Some((from, to)) = SOUNDS
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
    let i = match c {
        b'a'..=b'z' => usize::from(c - b'a'),
        b'0'..=b'9' => 26 + usize::from(c - b'0'),
        _ => return "",
    };
    LETTERS.get(i..=i).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(name: &str) -> Vec<String> {
        tokenize(name).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(fold("Raúl  CASTRO-Ruz"), "raul castro ruz");
        assert_eq!(fold("O'Brien, S.A."), "obrien sa");
        assert_eq!(fold("Müller\u{0007}GmbH"), "muller gmbh");
        assert_eq!(fold("Ma\u{200b}duro\u{202e}"), "maduro");
        assert_eq!(fold("Puuuutin"), "putin");
    }

    #[test]
    fn a_particle_or_title_ending_a_name_is_a_name_word() {
        let classes = |name: &str| -> Vec<TokenClass> {
            tokenize(name).into_iter().map(|t| t.class).collect()
        };
        assert_eq!(classes("John Lê"), [TokenClass::Word, TokenClass::Word]);
        assert_eq!(
            classes("Siti Maulana"),
            [TokenClass::Word, TokenClass::Word]
        );
        assert_eq!(classes("Maulana Masood Azhar")[0], TokenClass::Honorific);
        assert_eq!(classes("Abdi Haji Ali")[1], TokenClass::Weak);
        assert_eq!(classes("Le Pen"), [TokenClass::Weak, TokenClass::Word]);
        assert_eq!(classes("Osama bin Laden")[1], TokenClass::Weak);
        // Business words stay weak wherever they stand.
        assert_eq!(classes("Alfa Bank")[1], TokenClass::Weak);
        // The word a particle introduces is a name, not a legal form.
        assert_eq!(classes("Amber de Vos")[2], TokenClass::Word);
        assert_eq!(classes("Amber Vos")[1], TokenClass::LegalForm);
    }

    #[test]
    fn sounds_start_with_the_letters_map_sound_checks() {
        for (from, to) in SOUNDS {
            let c = from.as_bytes()[0];
            assert_eq!(map_sound(from.as_bytes(), c), (*to, from.len()), "{from}");
        }
        assert!(same_sounds("gaddafi", "qadhafi") && !same_sounds("townsend", "towsent"));
    }

    #[test]
    fn folding_twice_changes_nothing() {
        // Spelling "dzh" as "j" can make a letter tripled, and collapsing a
        // tripled letter can make "dzh".
        assert_eq!(fold("Dzhjjose"), "jose");
        assert_eq!(fold("Dzzzhamal"), "jamal");
        for name in [
            "Dzhjjose",
            "Dzzzhamal",
            "ddzhzzzh",
            "Джджжоза",
            "OOO Dzhdzhdzh",
        ] {
            let once = fold(name);
            assert_eq!(fold(&once), once, "{name:?}");
        }
    }

    #[test]
    fn romanizes_other_scripts() {
        assert_eq!(fold("Владимир Путин"), "vladimir putin");
        assert_eq!(fold("习近平"), "xi jin ping");
        assert_eq!(fold("محمد"), "mhmd");
        // An ayn opening a word carries its vowel; inside one, nothing.
        assert_eq!(fold("علي سعد"), "ali sd");
        assert_eq!(fold("عيسى"), "aisa");
        // Before an alif, the ayn's vowel is the alif's.
        assert_eq!(fold("عادل العاني"), "adl al ani");
        // So does an alif before ya or waw.
        assert_eq!(fold("ایران اوسامة"), "iran usama");
        assert_eq!(fold("Αλέξανδρος"), "alexandros");
        // Accents do not hide a digraph: αύ is av, ού is ou.
        assert_eq!(fold("Παύλος Πούλος"), "pavlos poulos");
        assert_eq!(fold("タナカ タロウ"), "tanaka taro");
        assert_eq!(fold("김정은"), "gim jeong eun");
        assert_eq!(fold("😀🔥"), "");
        assert_eq!(fold("नरेन्द्र मोदी"), "narendra modi");
        assert_eq!(fold("কবিতা দে"), "kabita de");
        assert_eq!(fold("ਮਨਮੋਹਨ ਸਿੰਘ"), "manamohan singh");
    }

    #[test]
    fn katakana_is_also_read_as_the_foreign_name_it_transcribes() {
        let also = |name: &str| -> Vec<String> {
            tokenize(name)
                .into_iter()
                .map(|t| t.also.unwrap_or(t.text))
                .collect()
        };
        assert_eq!(also("プーチン"), ["putin"]);
        assert_eq!(also("キム・ジョンウン"), ["kim", "jonun"]);
        assert_eq!(also("ドナルド・トランプ"), ["donard", "tramp"]);
        assert_eq!(also("ウラジーミル"), ["vrajimir"]);
        assert_eq!(also("セルゲイ"), ["sergei"]);
        // A Japanese name keeps its own reading beside it.
        assert_eq!(tokenize("タナカ")[0].also, None);
        // Greek writes foreign names with ου for u and ντ for d.
        assert_eq!(also("Βλαντίμιρ Πούτιν"), ["vladimir", "putin"]);
        assert_eq!(tokenize("Αλέξανδρος")[0].also, None);
        // French writes ou for u, ss for s, -ine for -in.
        assert_eq!(also("Moussa Koussa Poutine"), ["musa", "kusa", "putin"]);
        assert_eq!(tokenize("Sabine")[0].also, None);
        // Cyrillic transcribed the Swedish way, read the English way.
        let reading = |name: &str| tokenize(name)[0].also.clone();
        assert_eq!(reading("Leonidovitj").as_deref(), Some("leonidovich"));
        assert_eq!(reading("Bachanovitj").as_deref(), Some("bakhanovich"));
        assert_eq!(reading("Jurij").as_deref(), Some("yuriy"));
        assert_eq!(
            reading("Isjmuchametovitj").as_deref(),
            Some("ishmukhametovich")
        );
        assert_eq!(reading("Juan"), None);
        assert_eq!(reading("Charles"), None);
        // An Arabic name's diphthong "aw" before a consonant is also read u.
        assert_eq!(also("Jawlani Nawaz"), ["julani", "nawaz"]);
    }

    #[test]
    fn thai_reads_unwritten_vowels_finals_and_silent_letters() {
        let texts =
            |name: &str| -> Vec<String> { tokenize(name).into_iter().map(|t| t.text).collect() };
        assert_eq!(texts("สมชาย วงศ์สวัสดิ์"), ["somchai", "wongsawat"]);
        assert_eq!(texts("ประวิตร วงษ์สุวรรณ"), ["prawit", "wongsuwan"]);
        assert_eq!(texts("ทักษิณ ชินวัตร"), ["thaksin", "chinwat"]);
        assert_eq!(texts("ประยุทธ์ จันทร์โอชา"), ["prayut", "chanocha"]);
        assert_eq!(texts("อภิสิทธิ์"), ["aphisit"]);
    }

    #[test]
    fn syllables_keep_the_character_and_readings() {
        let tokens = tokenize("김정은");
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[0].class, TokenClass::Syllable);
        assert_eq!(tokens[0].text, "김");
        assert!(tokens[0].readings.contains(&"kim".to_owned()));
        assert_eq!(tokens[1].script, Script::Hangul);
        // Kanji beside kana are Japanese: no Chinese reading.
        assert!(tokenize("田中タロウ")[0].readings.is_empty());
    }

    #[test]
    fn reduces_phrases_and_classes() {
        let tokens = tokenize("11420 Corporation");
        assert_eq!(tokens[0].class, TokenClass::Number);
        assert_eq!(tokens[1].text, "corp");
        assert_eq!(texts("Forty-Four Holdings"), texts("44 Holdings"));
        assert_eq!(texts("First Bank")[0], "1");
        assert_eq!(texts("1st Bank")[0], "1");
        assert_eq!(
            texts("Sberbank Open Joint Stock Company"),
            texts("Sberbank OJSC")
        );
        assert_eq!(tokenize("Sberbank OOO")[1].class, TokenClass::LegalForm);
        assert_eq!(
            tokenize("Sheikh Ahmed Yassin")[0].class,
            TokenClass::Honorific
        );
        assert_eq!(tokenize("Amir Khan")[0].class, TokenClass::Word);
        assert_eq!(tokenize("J Smith")[0].class, TokenClass::Initial);
        assert_eq!(texts("Comapny")[0], "co");
        assert_eq!(texts("Int'l Trading Corp.")[0], "intl");
        assert_eq!(texts("Джамал")[0], "jamal");
    }

    #[test]
    fn legal_forms_misspelt_or_scattered() {
        let form = |name: &str| {
            tokenize(name)
                .into_iter()
                .filter(|t| t.class == TokenClass::LegalForm)
                .map(|t| t.text)
                .collect::<Vec<_>>()
        };
        assert_eq!(form("Limited Liabiity Company Auto"), form("LLC Auto"));
        assert_eq!(form("Public Jint Stock Company VTB"), form("PJSC VTB"));
        // A misspelling the tables keep in one phrase is still corrected in
        // another: "Compnay", "Pubic" and "Limitd" are PLC spellings there.
        assert_eq!(form("Limited Liability Compnay Auto"), form("LLC Auto"));
        assert_eq!(form("Pubic Joint Stock Company VTB"), form("PJSC VTB"));
        assert_eq!(form("Limitd Liability Company Auto"), form("LLC Auto"));
        assert_eq!(texts("Stock Company Sberbank Joint"), texts("JSC Sberbank"));
        let sorted = |name: &str| {
            let mut t = texts(name);
            t.sort();
            t
        };
        assert_eq!(sorted("C.V. Punto S.A. de"), sorted("Punto S.A. de C.V."));
        // A word of one repeated letter stays: "OOO" is a legal form.
        assert_eq!(tokenize("Romashka OOO")[1].class, TokenClass::LegalForm);
        // A name of letters keeps its letters as words.
        assert_eq!(
            tokenize("J & E, S. de R.L. de C.V.")[0].class,
            TokenClass::Word
        );
        // A tripled letter is collapsed but kept as written for typos.
        let raaaq = &tokenize("Raaaq")[0];
        assert_eq!(
            (raaaq.text.as_str(), raaaq.surface.as_deref()),
            ("raq", Some("raaaq"))
        );
    }

    #[test]
    fn arabic_and_hebrew_letters_read_only_their_own_writings_of_a_phrase() {
        let classes = |name: &str| tokenize(name).iter().map(|t| t.class).collect::<Vec<_>>();
        // עווד (Awad) folds as the Bulgarian ООД, which the tables write in
        // Latin and Cyrillic letters only.
        assert_eq!(classes("גליה עווד"), [TokenClass::Word, TokenClass::Word]);
        assert_eq!(tokenize("Romashka OOD")[1].class, TokenClass::LegalForm);
        // "Limited" spelt in Arabic letters is written so in the tables.
        assert_eq!(tokenize("راحت لمتد")[1].class, TokenClass::LegalForm);
        assert_eq!(
            tokenize("شركة راحت المحدودة")[2].class,
            TokenClass::LegalForm
        );
    }

    #[test]
    fn disguised_digits() {
        assert_eq!(digits_as_letters("0sama").as_deref(), Some("osama"));
        assert_eq!(digits_as_letters("b1n").as_deref(), Some("bin"));
        assert_eq!(digits_as_letters("11420"), None);
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
        assert_eq!(skeleton(&fold("محمد")), skeleton("mohamed"));
    }
}
