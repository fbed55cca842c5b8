//! Name knowledge, loaded once from the data files under `data/` (compiled
//! in with `include_str!`, parsed on first use): romanization tables per
//! script, legal forms, honorifics, number words, abbreviations, nicknames,
//! given-name equivalents across languages and scripts, Chinese syllable
//! spellings, weak and common words, and built-in word counts for scoring
//! without a list. The crate README names each file's source and licence.
//!
//! Tables hold facts, code holds rules: adding a nickname or a legal form is
//! a data change. Romanization tables are loaded first because folding the
//! other tables' entries (written in many scripts) needs them.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::OnceLock;

use crate::normalize::{self, Script};
use crate::translit::{LatinSounds, SpellingTable};

/// Non-comment, non-blank lines of a data file.
pub fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

/// The scripts of a table entry's letters (`Script::bit`).
fn written_in(raw: &str) -> u32 {
    raw.chars()
        .filter_map(Script::of)
        .fold(0, |bits, script| bits | script.bit())
}

/// A romanization table: one or two source characters to a Latin value at
/// the start of a word and elsewhere (often the same).
#[derive(Default)]
pub struct CharTable {
    entries: HashMap<String, (&'static str, &'static str)>,
}

impl CharTable {
    fn parse(text: &'static str) -> Self {
        let mut entries = HashMap::new();
        for line in data_lines(text) {
            let mut cols = line.split('\t');
            let Some(key) = cols.next() else { continue };
            let initial = cols.next().unwrap_or("");
            let elsewhere = cols.next().unwrap_or(initial);
            entries.insert(key.to_owned(), (initial, elsewhere));
        }
        Self { entries }
    }

    /// The value of the longest entry (two characters, then one) starting at
    /// `chars[i]`, and how many characters it covers.
    pub fn lookup(
        &self,
        chars: &[char],
        i: usize,
        word_start: bool,
    ) -> Option<(&'static str, usize)> {
        for len in [2usize, 1] {
            let Some(slice) = chars.get(i..i + len) else {
                continue;
            };
            let key: String = slice.iter().collect();
            if let Some(&(initial, elsewhere)) = self.entries.get(&key) {
                return Some((if word_start { initial } else { elsewhere }, len));
            }
        }
        None
    }
}

/// What one position of the Brahmic block layout holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicSign {
    /// A consonant, with its value when a nukta follows.
    Consonant {
        plain: &'static str,
        nukta: &'static str,
    },
    /// An independent vowel.
    Vowel(&'static str),
    /// A vowel sign following its consonant.
    VowelSign(&'static str),
    /// The mark that removes a consonant's inherent vowel.
    Virama,
    /// The dot that makes a consonant a borrowed sound.
    Nukta,
    /// Nasal signs, visarga and digits: their value as written.
    Other(&'static str),
}

/// The Brahmic scripts of India, by position in their (alike) blocks.
pub struct IndicTable {
    signs: Vec<Option<IndicSign>>,
}

impl IndicTable {
    fn parse(text: &'static str) -> Self {
        let mut signs = vec![None; 0x80];
        for line in data_lines(text) {
            let cols: Vec<&'static str> = line.split('\t').collect();
            let (Some(pos), Some(kind)) = (cols.first(), cols.get(1)) else {
                continue;
            };
            let Some(slot) = usize::from_str_radix(pos, 16)
                .ok()
                .and_then(|p| signs.get_mut(p))
            else {
                continue;
            };
            let value = cols.get(2).copied().unwrap_or("");
            *slot = match *kind {
                "C" => Some(IndicSign::Consonant {
                    plain: value,
                    nukta: cols.get(3).copied().unwrap_or(value),
                }),
                "V" => Some(IndicSign::Vowel(value)),
                "M" => Some(IndicSign::VowelSign(value)),
                "X" => Some(IndicSign::Virama),
                "K" => Some(IndicSign::Nukta),
                "N" | "H" | "D" => Some(IndicSign::Other(value)),
                _ => None,
            };
        }
        Self { signs }
    }

    /// The sign at `offset` from the start of a script's block.
    pub fn sign(&self, offset: u32) -> Option<IndicSign> {
        self.signs.get(offset as usize).copied().flatten()
    }
}

/// The Japanese readings of one kanji as Latin spellings write a name's
/// syllables: `first` where a name word starts, `later` inside it, where a
/// compound may voice the first consonant (rendaku: 山田 Yamada, 岸田
/// Kishida). Long vowels are also written short (ou, oo, uu as o, o, u),
/// as passports write them, and a kun reading also without its last
/// syllable, the inflection written in kana after the kanji (雄 osu, o).
#[derive(Debug, Default)]
pub struct KanjiReadings {
    pub first: Vec<String>,
    pub later: Vec<String>,
}

/// `kanji_ja.tsv` (character, on readings, kun readings) and
/// `kanji_names.tsv` (character, name readings) into readings per kanji.
fn parse_kanji(readings: &'static str, names: &'static str) -> HashMap<char, KanjiReadings> {
    let mut table: HashMap<char, KanjiReadings> = HashMap::new();
    let rows = data_lines(readings)
        .map(|line| (line, true))
        .chain(data_lines(names).map(|line| (line, false)));
    for (line, with_kun) in rows {
        let mut cols = line.split('\t');
        let Some(c) = cols.next().and_then(|k| k.chars().next()) else {
            continue;
        };
        let on = cols.next().unwrap_or("");
        let kun = if with_kun {
            cols.next().unwrap_or("")
        } else {
            ""
        };
        let entry = table.entry(c).or_default();
        let kun_forms = kun
            .split_whitespace()
            .flat_map(|r| std::iter::once(r).chain(kun_stem(r)));
        for reading in on.split_whitespace().chain(kun_forms) {
            for form in [reading.to_owned(), short_vowels(reading)] {
                for later in voiced(&form).into_iter().chain([form.clone()]) {
                    if !entry.later.contains(&later) {
                        entry.later.push(later);
                    }
                }
                if !entry.first.contains(&form) {
                    entry.first.push(form);
                }
            }
        }
    }
    table
}

/// A kun reading without its last syllable, when that is an inflection's
/// `i` or `u` (yasui → yasu, osu → o, mitsu → mi).
fn kun_stem(reading: &str) -> Option<&str> {
    let bytes = reading.as_bytes();
    let last = *bytes.last()?;
    if !matches!(last, b'i' | b'u') {
        return None;
    }
    let is_vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u');
    let mut cut = bytes.len() - 1;
    while cut > 0 && !is_vowel(bytes[cut - 1]) && bytes.len() - cut < 3 {
        cut -= 1;
    }
    (cut > 0 && bytes.get(cut - 1).copied().is_some_and(is_vowel)).then(|| &reading[..cut])
}

/// Long vowels written short, as in passports: Satou → Sato, Yuuki → Yuki.
fn short_vowels(reading: &str) -> String {
    reading
        .replace("ou", "o")
        .replace("oo", "o")
        .replace("uu", "u")
}

/// The voiced forms a syllable takes inside a compound (rendaku).
fn voiced(reading: &str) -> Vec<String> {
    let swap = |from: &str, to: &[&str]| -> Option<Vec<String>> {
        let rest = reading.strip_prefix(from)?;
        Some(to.iter().map(|t| format!("{t}{rest}")).collect())
    };
    swap("sh", &["j"])
        .or_else(|| swap("ch", &["j"]))
        .or_else(|| swap("ts", &["z"]))
        .or_else(|| swap("k", &["g"]))
        .or_else(|| swap("s", &["z"]))
        .or_else(|| swap("t", &["d"]))
        .or_else(|| swap("h", &["b", "p"]))
        .or_else(|| swap("f", &["b", "p"]))
        .unwrap_or_default()
}

/// `pinyin_wade_giles.tsv` into each spelling's spellings in the other
/// system.
fn parse_pinyin_wade_giles(text: &'static str) -> HashMap<&'static str, Vec<&'static str>> {
    let mut table: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for line in data_lines(text) {
        let Some((pinyin, wade_giles)) = line.split_once('\t') else {
            continue;
        };
        table.entry(pinyin).or_default();
        table.entry(wade_giles).or_default();
        if pinyin != wade_giles {
            for (from, to) in [(pinyin, wade_giles), (wade_giles, pinyin)] {
                let others = table.entry(from).or_default();
                if !others.contains(&to) {
                    others.push(to);
                }
            }
        }
    }
    table
}

/// Romanization tables for the scripts romanized here rather than by the
/// generic transliteration.
pub struct Romanization {
    pub arabic: CharTable,
    pub hebrew: CharTable,
    pub greek: CharTable,
    pub kana: CharTable,
    pub thai: CharTable,
    pub khmer: CharTable,
    pub indic: IndicTable,
    /// Latin spellings of romanized Arabic and Hebrew letters.
    pub arabic_latin: SpellingTable,
    pub hebrew_latin: SpellingTable,
    pub latin_sounds: LatinSounds,
    /// Parts of Arabic compound names written joined ("عبد", "الله").
    pub arabic_prefixes: Vec<Vec<char>>,
    pub arabic_suffixes: Vec<Vec<char>>,
    hangul: [Vec<Vec<JamoSpelling>>; 3],
    korean_surnames: HashMap<char, Vec<&'static str>>,
    kanji: HashMap<char, KanjiReadings>,
    /// A Chinese character → the Hangul syllables Korean reads it as.
    hanja: HashMap<char, Vec<char>>,
    /// A Chinese syllable in Pinyin or Wade-Giles → its spellings in the
    /// other system (none when both write it alike).
    chinese_syllables: HashMap<&'static str, Vec<&'static str>>,
}

/// Most readings kept per Hangul syllable.
const MAX_HANGUL_READINGS: usize = 8;

impl Romanization {
    fn load() -> Self {
        Self {
            arabic: CharTable::parse(include_str!("../data/romanization/arabic.tsv")),
            hebrew: CharTable::parse(include_str!("../data/romanization/hebrew.tsv")),
            greek: CharTable::parse(include_str!("../data/romanization/greek.tsv")),
            kana: CharTable::parse(include_str!("../data/romanization/kana.tsv")),
            thai: CharTable::parse(include_str!("../data/romanization/thai.tsv")),
            khmer: CharTable::parse(include_str!("../data/romanization/khmer.tsv")),
            indic: IndicTable::parse(include_str!("../data/romanization/indic.tsv")),
            arabic_latin: SpellingTable::parse(include_str!(
                "../data/romanization/arabic_latin.tsv"
            )),
            hebrew_latin: SpellingTable::parse(include_str!(
                "../data/romanization/hebrew_latin.tsv"
            )),
            latin_sounds: LatinSounds::parse(include_str!("../data/romanization/latin_sounds.tsv")),
            arabic_prefixes: compound_parts(COMPOUNDS, "prefix"),
            arabic_suffixes: compound_parts(COMPOUNDS, "suffix"),
            hangul: parse_jamo(include_str!("../data/romanization/hangul.tsv")),
            korean_surnames: data_lines(include_str!("../data/romanization/korean_surnames.tsv"))
                .filter_map(|line| {
                    let (syllable, spellings) = line.split_once('\t')?;
                    let c = syllable.chars().next()?;
                    Some((c, spellings.split('|').collect()))
                })
                .collect(),
            kanji: parse_kanji(
                include_str!("../data/romanization/kanji_ja.tsv"),
                include_str!("../data/romanization/kanji_names.tsv"),
            ),
            hanja: data_lines(include_str!("../data/romanization/hanja_ko.tsv"))
                .filter_map(|line| {
                    let (c, syllables) = line.split_once('\t')?;
                    let c = c.chars().next()?;
                    Some((
                        c,
                        syllables
                            .split(' ')
                            .filter_map(|h| h.chars().next())
                            .collect(),
                    ))
                })
                .collect(),
            chinese_syllables: parse_pinyin_wade_giles(include_str!(
                "../data/romanization/pinyin_wade_giles.tsv"
            )),
        }
    }

    /// The Japanese readings of a kanji, when it is one of the Jōyō or
    /// Jinmeiyō kanji.
    pub fn kanji_readings(&self, c: char) -> Option<&KanjiReadings> {
        self.kanji.get(&c)
    }

    /// The Latin readings of a Chinese character as Korean names write it
    /// (金 Kim, Gim, Keum; 正 Jong, Jeong, Chong), through its Hangul
    /// syllables.
    pub fn hanja_readings(&self, c: char) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for &syllable in self.hanja.get(&c).map_or(&[][..], Vec::as_slice) {
            for reading in self.hangul_readings(syllable) {
                if !out.contains(&reading) {
                    out.push(reading);
                }
            }
        }
        out
    }

    /// The other spellings of a Chinese syllable written in Pinyin or
    /// Wade-Giles (`tse` → ze, ce; `deng` → teng); `None` when the word is
    /// no syllable of either.
    pub fn chinese_spellings(&self, word: &str) -> Option<&[&'static str]> {
        self.chinese_syllables.get(word).map(Vec::as_slice)
    }

    /// Whether a Latin word is one Chinese syllable or two written together
    /// (Jinping, Zedong), in Pinyin or Wade-Giles.
    pub fn reads_as_chinese(&self, word: &str) -> bool {
        let syllable = |w: &str| self.chinese_syllables.contains_key(w);
        syllable(word)
            || (1..word.len()).any(|cut| {
                word.is_char_boundary(cut) && syllable(&word[..cut]) && syllable(&word[cut..])
            })
    }

    /// The Hangul syllables a Latin word is a reading of (`eun` and `un`
    /// are both 은), from every syllable's readings, built on first use.
    pub fn hangul_syllables_read(&self, word: &str) -> &[char] {
        static READ: OnceLock<HashMap<String, Vec<char>>> = OnceLock::new();
        let read = READ.get_or_init(|| {
            let mut read: HashMap<String, Vec<char>> = HashMap::new();
            for c in '\u{AC00}'..='\u{D7A3}' {
                for reading in self.hangul_readings(c) {
                    read.entry(reading).or_default().push(c);
                }
            }
            read
        });
        read.get(word).map_or(&[], Vec::as_slice)
    }

    /// Whether a Latin word is a usual spelling of a Korean family name.
    pub fn is_korean_surname_spelling(&self, word: &str) -> bool {
        self.korean_surnames
            .values()
            .any(|spellings| spellings.contains(&word))
    }

    /// Latin readings of a Hangul syllable: the usual surname spellings when
    /// it is a common surname, then Revised Romanization and
    /// McCune-Reischauer combinations of its jamo.
    pub fn hangul_readings(&self, c: char) -> Vec<String> {
        let mut out: Vec<String> = self
            .korean_surnames
            .get(&c)
            .map(|s| s.iter().map(|r| (*r).to_owned()).collect())
            .unwrap_or_default();
        let Some(s) = (c as u32).checked_sub(0xAC00).filter(|s| *s < 11_172) else {
            return out;
        };
        let parts = [s / 588, (s % 588) / 28, s % 28];
        // A jamo the table lacks reads as no sound.
        const SILENT: &[JamoSpelling] = &[JamoSpelling {
            latin: "",
            closed_only: false,
        }];
        let closed = parts[2] != 0;
        let alts: Vec<&[JamoSpelling]> = parts
            .iter()
            .zip(&self.hangul)
            .map(|(&p, table)| table.get(p as usize).map_or(SILENT, Vec::as_slice))
            .collect();
        let spelt = |jamo: &JamoSpelling| (closed || !jamo.closed_only).then_some(jamo.latin);
        for a in alts[0].iter().filter_map(spelt) {
            for b in alts[1].iter().filter_map(spelt) {
                for z in alts[2].iter().filter_map(spelt) {
                    let reading = format!("{a}{b}{z}");
                    if out.len() < MAX_HANGUL_READINGS && !out.contains(&reading) {
                        out.push(reading);
                    }
                }
            }
        }
        out
    }
}

const COMPOUNDS: &str = include_str!("../data/romanization/arabic_compounds.tsv");

/// The letters of the compound-name parts of one kind, longest first.
fn compound_parts(text: &'static str, kind: &str) -> Vec<Vec<char>> {
    let mut parts: Vec<Vec<char>> = data_lines(text)
        .filter_map(|line| line.split_once('\t'))
        .filter(|(k, _)| *k == kind)
        .map(|(_, letters)| letters.chars().collect())
        .collect();
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    parts
}

/// One Latin spelling of a jamo. A `closed_only` one is a passport habit
/// seen only in a syllable with a final consonant: ㅓ as u in Sung, Chun,
/// Hyun, while an open 서 is Seo, So or Suh and never Su (that is 수).
struct JamoSpelling {
    latin: &'static str,
    closed_only: bool,
}

/// `[initial]`, `[medial]`, `[final]` sections of `|`-separated spellings;
/// `-` stands for no sound, a spelling in parentheses is `closed_only`.
fn parse_jamo(text: &'static str) -> [Vec<Vec<JamoSpelling>>; 3] {
    let mut sections: [Vec<Vec<JamoSpelling>>; 3] = Default::default();
    let mut current = 0;
    for line in data_lines(text) {
        match line {
            "[initial]" => current = 0,
            "[medial]" => current = 1,
            "[final]" => current = 2,
            _ => sections[current].push(
                line.split('|')
                    .map(|s| {
                        let inner = s.strip_prefix('(').and_then(|s| s.strip_suffix(')'));
                        JamoSpelling {
                            latin: match inner.unwrap_or(s) {
                                "-" => "",
                                latin => latin,
                            },
                            closed_only: inner.is_some(),
                        }
                    })
                    .collect(),
            ),
        }
    }
    sections
}

pub fn romanization() -> &'static Romanization {
    static TABLES: OnceLock<Romanization> = OnceLock::new();
    TABLES.get_or_init(Romanization::load)
}

/// What a multi-word or single-word phrase stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhraseKind {
    /// A legal form, reduced to its canonical short form.
    LegalForm,
    /// A number written in words, reduced to digits.
    Number,
    /// A title; `ambiguous` ones are also given names.
    Honorific { ambiguous: bool },
    /// An abbreviation's long form, reduced to the abbreviation.
    Abbreviation,
}

#[derive(Debug, Clone)]
pub struct Phrase {
    pub text: String,
    pub kind: PhraseKind,
    /// The scripts the tables write the phrase in (`Script::bit`).
    written_in: u32,
}

impl Phrase {
    /// Whether a word in `script` may be read as this phrase. Arabic and
    /// Hebrew letters fold to their consonants, which can spell another
    /// script's phrase by chance (`עווד`, Awad, folds as the Bulgarian
    /// legal form ООД): there only the phrase's own writings count.
    pub fn read_from(&self, script: Script) -> bool {
        !matches!(script, Script::Arabic | Script::Hebrew) || self.written_in & script.bit() != 0
    }
}

/// The role of a word in Arabic (and Persian, Pashto) compound names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompoundPart {
    /// Opens a compound and is no name alone: "abd" (Abd al-Rahman).
    Prefix,
    /// Closes a compound after the article: "lh" (Nasr Allah), "din".
    Suffix,
    /// Joined in Latin to the name before it: "zadh" (Akhundzada).
    Joined,
}

/// How the members of a group of names are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// A given name and its nicknames and short forms.
    Nickname,
    /// One given name across languages and scripts.
    Equivalent,
    /// Spellings of one Chinese syllable in different romanizations.
    Phonetic,
    /// One given name across languages from our curated table (Joseph /
    /// Giuseppe / Yusuf).
    Translation,
}

pub struct Knowledge {
    phrases: HashMap<String, Phrase>,
    max_phrase_words: usize,
    /// Long forms of abbreviations at least six letters long, for typo-tolerant lookup.
    long_forms: Vec<(String, String)>,
    /// Words of legal forms and abbreviations ("limited", "joint",
    /// "obshchestvo"), and the hashes of each with one letter deleted, so a
    /// misspelt one is recognised inside a phrase.
    org_words: Vec<String>,
    org_word_variants: HashMap<u64, Vec<u32>>,
    /// Legal forms of two to four words keyed by their words in sorted order,
    /// for legal forms whose words are scattered through a name.
    legal_word_sets: HashMap<String, String>,
    legal_set_words: HashSet<String>,
    legal_generic: HashMap<String, String>,
    groups: HashMap<String, Vec<u32>>,
    group_kinds: Vec<GroupKind>,
    /// The first member of each group (for Chinese syllables: the Pinyin).
    group_heads: Vec<String>,
    weak: HashSet<String>,
    weak_any_script: HashSet<String>,
    /// Weak words that introduce the name word after them (de, bin, van).
    particles: HashSet<String>,
    common: HashSet<String>,
    /// Words opening a kunya (Abu, Umm), as folded.
    kunya_openers: HashSet<String>,
    counts: HashMap<String, u32>,
    counted_names: u32,
    /// Endings of patronymics ("ovich", "ovna") and Turkic patronymic words.
    patronymic_endings: Vec<&'static str>,
    /// Romanized parts of Arabic compound names by role ("abd" opens one,
    /// "lh" of "al lh" closes one, "zadh" is joined to the name before it).
    compound_parts: HashMap<String, CompoundPart>,
    /// The given-name tables' forms in the scripts whose words they tell
    /// apart from a Latin name (`written_otherwise_in`).
    writings: [(Script, Writings); 2],
}

/// One script's forms of the name tables' groups: each Latin form of a
/// group with the group's forms in the script, folded as a query's word in
/// that script is ("mahmud" → "mhmud" in Arabic letters, "yurii" for
/// `юрий`), and each such form with the Latin forms of its groups.
#[derive(Default)]
struct Writings {
    by_latin: HashMap<String, Vec<String>>,
    latin_spellings: HashMap<String, Vec<String>>,
}

impl Knowledge {
    fn load() -> Self {
        let mut k = Self {
            phrases: HashMap::new(),
            max_phrase_words: 1,
            long_forms: Vec::new(),
            org_words: Vec::new(),
            org_word_variants: HashMap::new(),
            legal_word_sets: HashMap::new(),
            legal_set_words: HashSet::new(),
            legal_generic: HashMap::new(),
            groups: HashMap::new(),
            group_kinds: Vec::new(),
            group_heads: Vec::new(),
            weak: weak_words_marked(None),
            weak_any_script: weak_words_marked(Some("*")),
            particles: weak_words_marked(Some(">")),
            common: word_set(include_str!("../data/common_names.txt")),
            kunya_openers: word_set(include_str!("../data/kunya.txt")),
            counts: HashMap::new(),
            counted_names: 1,
            patronymic_endings: data_lines(include_str!("../data/patronymics.txt")).collect(),
            writings: [
                (Script::Arabic, Writings::default()),
                (Script::Cyrillic, Writings::default()),
            ],
            compound_parts: data_lines(COMPOUNDS)
                .filter_map(|line| {
                    let (kind, letters) = line.split_once('\t')?;
                    let folded = normalize::fold(letters);
                    // A suffix after the article is known by its last word.
                    let word = folded.rsplit(' ').next()?.to_owned();
                    let part = match kind {
                        "prefix" => CompoundPart::Prefix,
                        "suffix" => CompoundPart::Suffix,
                        "joins" => CompoundPart::Joined,
                        _ => return None,
                    };
                    Some((word, part))
                })
                .collect(),
        };
        k.load_legal_forms(include_str!("../data/legal_forms.tsv"));
        k.load_numbers(include_str!("../data/numbers.tsv"));
        k.load_abbreviations(include_str!("../data/abbreviations.tsv"));
        k.load_honorifics(include_str!("../data/honorifics.txt"));
        k.load_nicknames(include_str!("../data/nicknames.tsv"));
        k.load_nicknames(include_str!("../data/diminutives.tsv"));
        k.load_groups(
            include_str!("../data/given_names.txt"),
            GroupKind::Equivalent,
        );
        k.load_groups(
            include_str!("../data/romanization/chinese_variants.tsv"),
            GroupKind::Phonetic,
        );
        k.load_groups(
            include_str!("../data/given_name_equivalents.txt"),
            GroupKind::Translation,
        );
        k.load_groups(
            include_str!("../data/particle_spellings.txt"),
            GroupKind::Phonetic,
        );
        for forms in k.writings.iter_mut().flat_map(|(_, w)| {
            w.by_latin
                .values_mut()
                .chain(w.latin_spellings.values_mut())
        }) {
            forms.sort_unstable();
            forms.dedup();
        }
        k.load_counts(include_str!("../data/token_counts.tsv"));
        k.index_org_words();
        k
    }

    /// Collects the words of legal forms and abbreviations with their
    /// one-deletion hashes.
    fn index_org_words(&mut self) {
        let mut words: Vec<String> = self
            .phrases
            .iter()
            .filter(|(_, p)| matches!(p.kind, PhraseKind::LegalForm | PhraseKind::Abbreviation))
            .flat_map(|(key, _)| key.split(' ').map(str::to_owned).collect::<Vec<_>>())
            .filter(|w| w.len() >= MIN_CORRECTED_LEN && w.bytes().all(|b| b.is_ascii_lowercase()))
            .collect();
        words.sort_unstable();
        words.dedup();
        for (id, word) in words.iter().enumerate() {
            for_each_deletion(word, |hash| {
                self.org_word_variants
                    .entry(hash)
                    .or_default()
                    .push(id as u32);
            });
        }
        self.org_words = words;
    }

    fn add_phrase(&mut self, raw: &str, text: &str, kind: PhraseKind) {
        let key = normalize::fold(raw);
        if key.is_empty() || key == text && kind != PhraseKind::LegalForm {
            return;
        }
        // A Roman numeral is a number ("Sovcomflot II"), whatever a legal
        // form's abbreviation happens to be (Romanian II).
        if kind == PhraseKind::LegalForm && is_roman_numeral(&key) {
            return;
        }
        self.max_phrase_words = self.max_phrase_words.max(key.split(' ').count());
        self.claim_phrase(key, text, kind, raw);
    }

    /// Records `key` (folded from `raw`) as a phrase standing for `text`.
    /// The first table to claim a phrase keeps it (legal forms first); every
    /// writing adds its scripts (`Phrase::read_from`).
    fn claim_phrase(&mut self, key: String, text: &str, kind: PhraseKind, raw: &str) {
        let phrase = self.phrases.entry(key).or_insert_with(|| Phrase {
            text: text.to_owned(),
            kind,
            written_in: 0,
        });
        phrase.written_in |= written_in(raw);
    }

    fn load_legal_forms(&mut self, text: &'static str) {
        for line in data_lines(text) {
            let mut cols = line.split('\t');
            let (Some(canonical), Some(generic), Some(aliases)) =
                (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let canonical = normalize::fold(canonical).replace(' ', "");
            if canonical.is_empty() {
                continue;
            }
            let generic = normalize::fold(generic).replace(' ', "");
            self.legal_generic
                .entry(canonical.clone())
                .or_insert(generic);
            self.add_phrase(&canonical.clone(), &canonical, PhraseKind::LegalForm);
            for alias in aliases.split('|') {
                self.add_phrase(alias, &canonical, PhraseKind::LegalForm);
                let mut words: Vec<String> = normalize::fold(alias)
                    .split(' ')
                    .map(str::to_owned)
                    .collect();
                if (2..=4).contains(&words.len()) {
                    self.legal_set_words.extend(words.iter().cloned());
                    words.sort_unstable();
                    self.legal_word_sets
                        .entry(words.join(" "))
                        .or_insert_with(|| canonical.clone());
                }
            }
        }
    }

    fn load_numbers(&mut self, text: &'static str) {
        for (number, form) in alternatives(text) {
            self.add_phrase(form, number, PhraseKind::Number);
        }
    }

    fn load_abbreviations(&mut self, text: &'static str) {
        for (short, long) in alternatives(text) {
            self.add_phrase(long, short, PhraseKind::Abbreviation);
            if long.len() >= 6 {
                self.long_forms.push((long.to_owned(), short.to_owned()));
            }
        }
    }

    fn load_honorifics(&mut self, text: &'static str) {
        for line in data_lines(text) {
            let (raw, ambiguous) = match line.strip_prefix('?') {
                Some(rest) => (rest, true),
                None => (line, false),
            };
            let folded = normalize::fold(raw);
            self.add_phrase(
                raw,
                &folded.replace(' ', ""),
                PhraseKind::Honorific { ambiguous },
            );
            // Honorifics are never their own replacement, so add the folded
            // word itself too (add_phrase skips a phrase equal to its text).
            if !folded.contains(' ') {
                self.claim_phrase(
                    folded.clone(),
                    &folded,
                    PhraseKind::Honorific { ambiguous },
                    raw,
                );
            }
        }
    }

    fn new_group(&mut self, kind: GroupKind, members: impl Iterator<Item = String>) {
        let id = self.group_kinds.len() as u32;
        let mut added = false;
        let mut head = None;
        for member in members {
            // Forms that fold to several words (Hangul transcriptions split
            // per syllable) are no single-word equivalents.
            // Short given-name forms (Yu, Ho, Li) join unrelated names across
            // languages; only spelling tables keep them. The table of one
            // name across languages is ours and holds no such noise: its
            // three-letter forms are that name (Jan, Ian: John).
            let shortest = match kind {
                GroupKind::Equivalent => 4,
                GroupKind::Nickname | GroupKind::Translation => 3,
                GroupKind::Phonetic => 2,
            };
            if member.len() < shortest || member.contains(' ') {
                continue;
            }
            head.get_or_insert_with(|| member.clone());
            let ids = self.groups.entry(member).or_default();
            if !ids.contains(&id) {
                ids.push(id);
                added = true;
            }
        }
        if added {
            self.group_kinds.push(kind);
            self.group_heads.push(head.unwrap_or_default());
        }
    }

    fn load_nicknames(&mut self, text: &'static str) {
        for line in data_lines(text) {
            let Some((name, nicks)) = line.split_once('\t') else {
                continue;
            };
            let members = std::iter::once(name)
                .chain(nicks.split(' '))
                .map(normalize::fold)
                .collect::<Vec<_>>();
            self.new_group(GroupKind::Nickname, members.into_iter());
        }
    }

    fn load_groups(&mut self, text: &'static str, kind: GroupKind) {
        for line in data_lines(text) {
            let members = line.split('|').map(normalize::fold).collect::<Vec<_>>();
            if kind == GroupKind::Equivalent {
                self.add_writings(line.split('|').zip(&members));
            }
            self.new_group(kind, members.into_iter());
        }
    }

    /// Records the group's forms in each script of `writings` under each of
    /// its Latin forms (`written_otherwise_in`).
    fn add_writings<'m>(&mut self, members: impl Iterator<Item = (&'m str, &'m String)>) {
        let in_script = |raw: &str, script| raw.chars().any(|c| Script::of(c) == Some(script));
        let members: Vec<(&str, &String)> = members
            .filter(|(_, f)| !f.is_empty() && !f.contains(' '))
            .collect();
        // Short forms (Ali, Bin) stand for unrelated names across
        // languages, as `new_group` says.
        let latin: Vec<&String> = members
            .iter()
            .filter(|(raw, folded)| {
                folded.len() >= 4 && raw.chars().all(|c| Script::of(c) == Some(Script::Latin))
            })
            .map(|(_, folded)| *folded)
            .collect();
        if latin.is_empty() {
            return;
        }
        for (script, writings) in &mut self.writings {
            let forms: Vec<&String> = members
                .iter()
                .filter(|(raw, _)| in_script(raw, *script))
                .map(|(_, folded)| *folded)
                .collect();
            if forms.is_empty() {
                continue;
            }
            for word in &latin {
                let known = writings.by_latin.entry((*word).clone()).or_default();
                known.extend(forms.iter().map(|f| (*f).clone()));
            }
            for form in forms {
                let spellings = writings.latin_spellings.entry(form.clone()).or_default();
                spellings.extend(latin.iter().map(|l| (*l).clone()));
            }
        }
    }

    fn load_counts(&mut self, text: &'static str) {
        for line in data_lines(text) {
            let Some((count, word)) = line.split_once('\t') else {
                continue;
            };
            let Ok(count) = count.parse::<u32>() else {
                continue;
            };
            if word == "<names>" {
                self.counted_names = count.max(1);
            } else {
                self.counts.insert(word.to_owned(), count);
            }
        }
    }

    pub fn phrase(&self, folded: &str) -> Option<&Phrase> {
        self.phrases.get(folded)
    }

    pub fn max_phrase_words(&self) -> usize {
        self.max_phrase_words
    }

    /// The abbreviation of a long word misspelt by one letter ("Limted",
    /// "Comapny"), so a typo does not hide a generic word.
    pub fn misspelt_long_form(&self, word: &str) -> Option<&str> {
        if word.len() < 6 {
            return None;
        }
        self.long_forms
            .iter()
            .find(|(long, _)| {
                long.as_bytes().first() == word.as_bytes().first()
                    && long.len().abs_diff(word.len()) <= 1
                    && crate::edits::osa_distance(word, long) <= 1
            })
            .map(|(_, short)| short.as_str())
    }

    /// Legal-form and abbreviation words one edit away from `word` (same
    /// first letter, four letters or more): "liabiity" → "liability",
    /// "cmopany" → "company". A word that is one itself has them too: the
    /// tables keep some misspellings seen in the lists ("compnay"), and
    /// those do not make every phrase.
    pub fn org_word_corrections(&self, word: &str) -> Vec<&str> {
        if word.len() < MIN_CORRECTED_LEN {
            return Vec::new();
        }
        let mut ids: Vec<u32> = Vec::new();
        for_each_deletion(word, |hash| {
            if let Some(found) = self.org_word_variants.get(&hash) {
                ids.extend_from_slice(found);
            }
        });
        ids.sort_unstable();
        ids.dedup();
        ids.iter()
            .filter_map(|&id| self.org_words.get(id as usize))
            .filter(|w| {
                w.as_bytes().first() == word.as_bytes().first()
                    && crate::edits::osa_distance(w, word) == 1
            })
            .map(String::as_str)
            .collect()
    }

    /// Whether a word may stand in a legal form or abbreviation of the
    /// tables as written: one of their words, or one too short to be
    /// corrected (`org_word_corrections`).
    pub fn is_org_word(&self, word: &str) -> bool {
        word.len() < MIN_CORRECTED_LEN
            || self
                .org_words
                .binary_search_by(|w| w.as_str().cmp(word))
                .is_ok()
    }

    /// Whether a word belongs to a legal form of two to four words.
    pub fn is_legal_form_word(&self, word: &str) -> bool {
        self.legal_set_words.contains(word)
    }

    /// The canonical legal form whose words, in any order, are `sorted_words`.
    pub fn legal_form_of_words(&self, sorted_words: &str) -> Option<&str> {
        self.legal_word_sets.get(sorted_words).map(String::as_str)
    }

    /// The canonical form of a legal form as written (two-letter ones keep
    /// their letters as token text: "ag", "in").
    pub fn legal_canonical<'a>(&'a self, word: &'a str) -> &'a str {
        match self.phrases.get(word) {
            Some(p) if p.kind == PhraseKind::LegalForm => &p.text,
            _ => word,
        }
    }

    /// The generic class of a legal form (JSC, LLC…), for pairing forms that
    /// differ by country but mean the same kind of company.
    pub fn legal_generic(&self, canonical: &str) -> Option<&str> {
        self.legal_generic.get(canonical).map(String::as_str)
    }

    pub fn groups_of(&self, word: &str) -> &[u32] {
        self.groups.get(word).map_or(&[], Vec::as_slice)
    }

    pub fn group_kind(&self, group: u32) -> Option<GroupKind> {
        self.group_kinds.get(group as usize).copied()
    }

    /// The first member of a group: for a Chinese syllable, its Pinyin.
    pub fn group_head(&self, group: u32) -> &str {
        self.group_heads
            .get(group as usize)
            .map_or("", String::as_str)
    }

    fn writings(&self, script: Script) -> Option<&Writings> {
        self.writings
            .iter()
            .find(|(s, _)| *s == script)
            .map(|(_, w)| w)
    }

    /// Whether the tables give a Latin name word forms in `script`: only
    /// then can `written_otherwise_in` hold for it.
    pub fn writes_in(&self, script: Script, latin: &str) -> bool {
        self.writings(script)
            .is_some_and(|w| w.by_latin.contains_key(latin))
    }

    /// Whether the tables know a word in `script` (as folded) as a name:
    /// only then can `written_otherwise_in` hold for it.
    pub fn reads_from(&self, script: Script, word: &str) -> bool {
        self.writings(script)
            .is_some_and(|w| w.latin_spellings.contains_key(word))
    }

    /// Whether a name's Latin form and a word in `script` (both as folded)
    /// are two different names by the name tables: the Latin name is known
    /// to be written otherwise in that script, and the word is known as
    /// another name none of whose Latin spellings is a letter from it.
    /// In Arabic letters, unvowelled, Muhammad and Mahmoud are the same
    /// consonants (محمد is not Mahmoud, written محمود): only the tables
    /// know the long vowel is written in one and not the other. In
    /// Cyrillic, a name is spelt, not translated: `Юрий` is Yuri, never
    /// Georgy (`Георгий`), though the two are one name across languages.
    /// A Latin spelling may stand for two names the tables give one
    /// writing of (Kamel for كامل Kamil and for كمال Kamal, said the
    /// Egyptian way): a letter apart from the other name's spelling
    /// (Kamal), it is no difference, nor is a word unknown on either side.
    pub fn written_otherwise_in(&self, script: Script, latin: &str, word: &str) -> bool {
        let Some(writings) = self.writings(script) else {
            return false;
        };
        let Some(spellings) = writings.latin_spellings.get(word) else {
            return false;
        };
        let written_otherwise = writings
            .by_latin
            .get(latin)
            .is_some_and(|forms| !forms.iter().any(|w| w == word));
        written_otherwise
            && !spellings.iter().any(|s| {
                s.len().abs_diff(latin.len()) <= 1
                    && crate::edits::osa_distance_within(s, latin, 1).is_some()
            })
    }

    /// The role of a romanized word in Arabic compound names, if any.
    pub fn compound_part(&self, word: &str) -> Option<CompoundPart> {
        self.compound_parts.get(word).copied()
    }

    /// Whether a word is a patronymic (Vladimirovich, Ivanovna, ogly).
    pub fn is_patronymic(&self, word: &str) -> bool {
        self.patronymic_endings
            .iter()
            .any(|e| word == *e || word.len() >= MIN_PATRONYMIC_LEN && word.ends_with(e))
    }

    pub fn is_weak(&self, word: &str) -> bool {
        self.weak.contains(word)
    }

    /// A weak word that is one also romanized from other scripts: the
    /// particles of Arabic names (al, abu, bin), marked `*` in the table.
    pub fn is_weak_in_any_script(&self, word: &str) -> bool {
        self.weak_any_script.contains(word)
    }

    /// Whether a word (as folded) opens a kunya: Abu, Umm (`kunya.txt`).
    pub fn opens_kunya(&self, word: &str) -> bool {
        self.kunya_openers.contains(word)
    }

    /// A particle that introduces the name word after it (de, bin, van),
    /// marked `>` in the table of weak words.
    pub fn is_particle(&self, word: &str) -> bool {
        self.particles.contains(word)
    }

    pub fn is_common(&self, word: &str) -> bool {
        self.common.contains(word)
    }

    /// Inverse document frequency of a word from the built-in counts, for
    /// scoring when no list is loaded. Words not counted count as rare.
    pub fn builtin_idf(&self, word: &str) -> f32 {
        let n = self.counted_names as f32;
        let df = self.counts.get(word).copied().unwrap_or(0).max(1) as f32;
        (1.0 + n / df).ln()
    }

    pub fn builtin_unknown_idf(&self) -> f32 {
        (1.0 + self.counted_names as f32).ln()
    }
}

/// Shortest patronymic recognised by its ending: shorter words ending alike
/// are surnames.
const MIN_PATRONYMIC_LEN: usize = 7;

/// Whether a folded word is a small Roman numeral (i to xxxix).
fn is_roman_numeral(word: &str) -> bool {
    !word.is_empty() && word.len() <= 6 && word.bytes().all(|b| matches!(b, b'i' | b'v' | b'x'))
}

/// Shortest word corrected towards a legal-form word: shorter ones are
/// other words one letter away ("ooo" / "oao").
const MIN_CORRECTED_LEN: usize = 4;

/// Calls `f` with the hash of `word` and of each of its one-letter deletions.
fn for_each_deletion(word: &str, mut f: impl FnMut(u64)) {
    let bytes = word.as_bytes();
    let hash = |skip: usize| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (i, &b) in bytes.iter().enumerate() {
            if i != skip {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    };
    f(hash(usize::MAX));
    for i in 0..bytes.len() {
        f(hash(i));
    }
}

/// `(first column, alternative)` for each `|`-separated alternative of the
/// second column of a two-column table.
fn alternatives(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    data_lines(text)
        .filter_map(|line| line.split_once('\t'))
        .flat_map(|(head, alts)| alts.split('|').map(move |alt| (head, alt)))
}

/// The words of `weak_words.txt`, all or those carrying `mark` after them.
fn weak_words_marked(mark: Option<&str>) -> HashSet<String> {
    data_lines(include_str!("../data/weak_words.txt"))
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let word = fields.next()?;
            let marked = mark.is_none_or(|m| fields.any(|f| f == m));
            marked.then(|| word.to_owned())
        })
        .collect()
}

fn word_set(text: &'static str) -> HashSet<String> {
    data_lines(text).map(str::to_owned).collect()
}

pub fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(Knowledge::load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load_and_relate_names() {
        let k = knowledge();
        let shared = |a: &str, b: &str| k.groups_of(a).iter().any(|g| k.groups_of(b).contains(g));
        assert!(shared("robert", "bob"));
        assert!(shared("alexander", "iskander") || shared("alexander", "aleksandr"));
        assert!(shared("xi", "shi"));
        assert_eq!(k.phrase("forty four").map(|p| p.text.as_str()), Some("44"));
        assert_eq!(
            k.phrase("open joint stock company").map(|p| &p.kind),
            Some(&PhraseKind::LegalForm)
        );
        assert!(matches!(
            k.phrase("sheikh").map(|p| &p.kind),
            Some(PhraseKind::Honorific { ambiguous: false })
        ));
        assert_eq!(k.misspelt_long_form("limted"), Some("ltd"));
        // A Roman numeral is no legal form (Romanian "II").
        assert!(k.phrase("ii").is_none());
        assert!(k.is_patronymic("vladimirovich") && k.is_patronymic("ogly"));
        assert!(!k.is_patronymic("milosevic"));
        assert!(shared("sasha", "aleksandr") && shared("bibi", "binyamin"));
        assert!(k.is_weak("al") && k.is_common("mohammed"));
        assert!(k.is_weak_in_any_script("al") && k.is_weak_in_any_script("bin"));
        assert!(k.is_weak("de") && !k.is_weak_in_any_script("de"));
        assert!(k.is_particle("le") && k.is_particle("bin") && !k.is_particle("bank"));
        assert!(k.is_weak("bank") && k.is_weak_in_any_script("abu"));
    }

    #[test]
    fn kanji_read_as_names_write_them() {
        let r = romanization();
        let yama = r.kanji_readings('山').unwrap();
        assert!(yama.first.contains(&"yama".to_owned()));
        let ta = r.kanji_readings('田').unwrap();
        assert!(ta.later.contains(&"da".to_owned()) && !ta.first.contains(&"da".to_owned()));
        // An inflection dropped, a long vowel written short, a name reading.
        assert!(
            r.kanji_readings('雄')
                .unwrap()
                .later
                .contains(&"o".to_owned())
        );
        assert!(
            r.kanji_readings('藤')
                .unwrap()
                .later
                .contains(&"to".to_owned())
        );
        assert!(
            r.kanji_readings('倍')
                .unwrap()
                .later
                .contains(&"be".to_owned())
        );
        assert!(r.kanji_readings('a').is_none());
    }

    #[test]
    fn hangul_readings_cover_both_romanizations() {
        let r = romanization();
        let kim = r.hangul_readings('김');
        assert!(kim.contains(&"kim".to_owned()) && kim.contains(&"gim".to_owned()));
        let jeong = r.hangul_readings('정');
        assert!(jeong.contains(&"jong".to_owned()), "{jeong:?}");
        assert!(r.hangul_readings('은').contains(&"un".to_owned()));
        assert!(r.hangul_readings('a').is_empty());
        // ㅓ is u only before a final consonant: 성 Sung, 서 never Su (수).
        assert!(r.hangul_readings('성').contains(&"sung".to_owned()));
        assert!(!r.hangul_readings('서').contains(&"su".to_owned()));
        assert!(r.hangul_readings('수').contains(&"su".to_owned()));
    }
}
