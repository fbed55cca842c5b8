//! Quality evaluation. Builds a labelled set of query/list-entry pairs from
//! the loaded lists themselves, deterministically from a seed: true variants
//! (exact, typos, reorderings, aliases, dropped middle names, Cyrillic
//! re-spellings, original-script names, case/punctuation noise) and hard
//! negatives (same name with a contradicting birth year, same surname with
//! another given name, only the common words of a longer name), plus
//! synthetic names that are not listed, for the false-positive rate. Then it
//! runs the screener and reports precision, recall, F1, FPR and a score
//! calibration table at `DEFAULT_THRESHOLD`.
//!
//! That generator shares the engine's ideas of what a variant is, so it
//! mostly shows regressions. The second part is independent of them: name
//! pairs per category of the screening-quality issue, written down from
//! published romanization standards and name knowledge (`data/eval/pairs.tsv`
//! and `pairs_sixth_round.tsv`, and `pairs_held_out.tsv` written after the
//! rules were set) or taken from the lists' own alias and original-script
//! names, plus real given and
//! family names of 32 locales combined into people who are on no list
//! (`data/eval/unlisted_names.tsv`), for the false-alarm rate. The list pairs
//! and unlisted people split into a tuning and a held-out half (`Split`).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

mod named_as_listed;

pub use named_as_listed::named_as_listed;

use crate::lists::{ListError, eu_uk_combined_csv, ofac_csv, un_xml};
use crate::model::{Entity, EntityType, LoadedList, NameKind, NameQuality, PartialDate};
use crate::normalize;
use crate::screener::{DEFAULT_THRESHOLD, MAX_LIMIT, Query, Screener};

/// Loads the reference corpus from the shared watchlist directory: OFAC SDN
/// (2024-05-03), OFAC Consolidated (2025-12), UN (2026-02-27) and the
/// combined EU/UK CSV (EU and UK rows, or every row with `all_combined`).
pub fn reference_lists(
    watchlists: &Path,
    all_combined: bool,
) -> Result<Vec<LoadedList>, ListError> {
    let sdn_dir = watchlists.join("us_ofac_sdn/2024-05-03_git-scrape");
    let cons_dir = watchlists.join("us_ofac_non_sdn/2025-12_csv");
    let sdn = ofac_csv::OfacPaths::in_dir(&sdn_dir, ofac_csv::OfacFlavor::Sdn);
    let cons = ofac_csv::OfacPaths::in_dir(&cons_dir, ofac_csv::OfacFlavor::Consolidated);
    let combined = watchlists
        .join("combined_fca_sanctiontoolkit/2022-05-05/combined_sanction_lists_20220505_main.csv");
    Ok(vec![
        ofac_csv::load(&sdn, "us_ofac_sdn", Some("2024-05-03".to_owned()))?,
        ofac_csv::load(&cons, "us_ofac_cons", Some("2025-12".to_owned()))?,
        un_xml::load(
            &watchlists.join("un_sc/2026-02-27/UN_consolidated.xml"),
            "un_sc",
        )?,
        eu_uk_combined_csv::load(&combined, "eu_uk_combined", |list| {
            all_combined || list == "EU" || list.starts_with("UK")
        })?,
    ])
}

/// What a labelled case tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Exact,
    Typo,
    Reordered,
    Alias,
    MissingMiddleName,
    Cyrillic,
    OriginalScript,
    CasePunctuation,
    ContradictingDob,
    OtherGivenName,
    CommonWordsOnly,
    /// A name that is on no list: any hit is a false positive.
    Unlisted,
}

impl Category {
    pub fn is_positive(self) -> bool {
        matches!(
            self,
            Self::Exact
                | Self::Typo
                | Self::Reordered
                | Self::Alias
                | Self::MissingMiddleName
                | Self::Cyrillic
                | Self::OriginalScript
                | Self::CasePunctuation
        )
    }
}

/// One labelled query: for listed categories, paired with one entry.
#[derive(Debug, Clone)]
pub struct Case {
    pub category: Category,
    pub query: Query,
    /// `(list id, entity id)` of the paired entry; `None` for `Unlisted`.
    pub target: Option<(String, String)>,
}

/// A small deterministic generator (SplitMix64), so the set is stable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// Builds about `per_category` cases of each category.
pub fn generate(lists: &[LoadedList], per_category: usize, seed: u64) -> Vec<Case> {
    let mut rng = Rng(seed);
    let pool: Vec<(&str, &Entity)> = lists
        .iter()
        .flat_map(|l| {
            l.entities
                .iter()
                .map(move |e| (l.source.list_id.as_str(), e))
        })
        .filter(|(_, e)| e.names.first().is_some_and(|n| words(&n.full).len() >= 2))
        .collect();
    let given_names: Vec<String> = pool
        .iter()
        .filter(|(_, e)| e.entity_type == EntityType::Person)
        .filter_map(|(_, e)| words(e.primary_name()).last().map(|w| w.to_string()))
        .collect();
    let mut cases = Vec::new();
    for category in ALL_LISTED {
        let mut made = 0;
        for _ in 0..per_category * 40 {
            if made == per_category {
                break;
            }
            let Some(&(list, entity)) = rng.pick(&pool) else {
                break;
            };
            let Some(query) = variant(category, entity, &given_names, &mut rng) else {
                continue;
            };
            let target = Some((list.to_owned(), entity.id.clone()));
            cases.push(Case {
                category,
                query,
                target,
            });
            made += 1;
        }
    }
    let mut dob_rng = Rng(UNLISTED_DOB_SEED);
    cases.extend((0..per_category * 2).map(|_| unlisted(&mut rng, &mut dob_rng)));
    cases
}

const ALL_LISTED: [Category; 11] = [
    Category::Exact,
    Category::Typo,
    Category::Reordered,
    Category::Alias,
    Category::MissingMiddleName,
    Category::Cyrillic,
    Category::OriginalScript,
    Category::CasePunctuation,
    Category::ContradictingDob,
    Category::OtherGivenName,
    Category::CommonWordsOnly,
];

/// Words of a listed name in reading order (`SURNAME, Given` → `Given SURNAME`).
fn words(name: &str) -> Vec<&str> {
    let reordered: Vec<&str> = match name.split_once(", ") {
        Some((surname, given)) if !given.contains(',') => given
            .split_whitespace()
            .chain(surname.split_whitespace())
            .collect(),
        _ => name.split_whitespace().collect(),
    };
    reordered
}

fn variant(category: Category, entity: &Entity, given: &[String], rng: &mut Rng) -> Option<Query> {
    let primary = words(entity.primary_name());
    let person = entity.entity_type == EntityType::Person;
    let name = match category {
        Category::Exact => primary.join(" "),
        Category::Typo => typo(&primary, rng)?,
        Category::Reordered => reorder(&primary, rng)?,
        Category::Alias => alias(entity, rng)?,
        Category::MissingMiddleName if person && primary.len() >= 3 => {
            let drop = 1 + rng.below(primary.len() - 2);
            let kept: Vec<&str> = primary
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, w)| *w)
                .collect();
            kept.join(" ")
        }
        Category::Cyrillic if person => to_cyrillic(&primary.join(" ")),
        Category::OriginalScript => entity
            .names
            .iter()
            .find(|n| n.kind == NameKind::OriginalScript)?
            .full
            .clone(),
        Category::CasePunctuation => punctuation_noise(entity.primary_name()),
        Category::ContradictingDob if person => return contradicting_dob(entity, &primary, rng),
        Category::OtherGivenName if person && primary.len() >= 2 => {
            other_given(&primary, given, rng)?
        }
        Category::CommonWordsOnly => common_words_only(&primary)?,
        _ => return None,
    };
    // A real screening of a listed person carries their birth date; the
    // first listed one is the one the list leads with. Hard negatives stay
    // name-only: they test what the name alone can tell apart.
    let date_of_birth = category
        .is_positive()
        .then(|| entity.birth_dates.first().copied())
        .flatten();
    Some(Query {
        date_of_birth,
        ..Query::name(name)
    })
}

fn typo(words: &[&str], rng: &mut Rng) -> Option<String> {
    let long: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().count() >= 5)
        .collect();
    let &at = rng.pick(&long)?;
    let mut chars: Vec<char> = words[at].chars().collect();
    let pos = 1 + rng.below(chars.len() - 2);
    match rng.below(4) {
        0 => chars[pos] = char::from(b'a' + rng.below(26) as u8),
        1 => {
            chars.remove(pos);
        }
        2 => chars.insert(pos, char::from(b'a' + rng.below(26) as u8)),
        _ => chars.swap(pos, pos + 1),
    }
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[at] = chars.into_iter().collect();
    Some(out.join(" "))
}

fn reorder(words: &[&str], rng: &mut Rng) -> Option<String> {
    let mut out: Vec<&str> = words.to_vec();
    out.rotate_left(1 + rng.below(words.len().max(2) - 1));
    (out != words).then(|| out.join(" "))
}

fn alias(entity: &Entity, rng: &mut Rng) -> Option<String> {
    let aliases: Vec<&str> = entity
        .names
        .iter()
        .filter(|n| n.kind != NameKind::Primary && n.kind != NameKind::OriginalScript)
        .filter(|n| n.quality == NameQuality::Strong && words(&n.full).len() >= 2)
        .map(|n| n.full.as_str())
        .collect();
    rng.pick(&aliases).map(|a| (*a).to_owned())
}

fn punctuation_noise(name: &str) -> String {
    name.to_lowercase()
        .replace([',', '.'], "")
        .replace('-', " ")
}

fn contradicting_dob(entity: &Entity, words: &[&str], rng: &mut Rng) -> Option<Query> {
    let dob = entity.birth_dates.first()?;
    let shift = 5 + rng.below(15) as u16;
    let year = if dob.year > 1950 {
        dob.year - shift
    } else {
        dob.year + shift
    };
    if entity
        .birth_dates
        .iter()
        .any(|d| d.year.abs_diff(year) <= 1)
    {
        return None;
    }
    Some(Query {
        date_of_birth: Some(PartialDate {
            year,
            month: dob.month,
            day: dob.day,
        }),
        ..Query::name(words.join(" "))
    })
}

fn other_given(words: &[&str], given: &[String], rng: &mut Rng) -> Option<String> {
    let replacement = rng.pick(given)?;
    let fold = normalize::fold;
    if fold(replacement) == fold(words[0])
        || normalize::skeleton(&fold(replacement)) == normalize::skeleton(&fold(words[0]))
    {
        return None;
    }
    let mut out: Vec<&str> = words.to_vec();
    out[0] = replacement;
    Some(out.join(" "))
}

fn common_words_only(words: &[&str]) -> Option<String> {
    let common: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| normalize::is_common_name(&normalize::fold(w)))
        .collect();
    (common.len() >= 2 && common.len() < words.len()).then(|| common.join(" "))
}

/// Re-spells a Latin name in Cyrillic the way Russian-language sources do.
fn to_cyrillic(name: &str) -> String {
    const DIGRAPHS: [(&str, &str); 9] = [
        ("shch", "щ"),
        ("kh", "х"),
        ("zh", "ж"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("ts", "ц"),
        ("yu", "ю"),
        ("ya", "я"),
        ("yo", "ё"),
    ];
    const LATIN: &str = "abcdefghijklmnopqrstuvwxyz";
    const CYRILLIC: [&str; 26] = [
        "а", "б", "к", "д", "е", "ф", "г", "х", "и", "дж", "к", "л", "м", "н", "о", "п", "к", "р",
        "с", "т", "у", "в", "в", "кс", "й", "з",
    ];
    let lower = name.to_lowercase();
    let mut out = String::new();
    let mut rest = lower.as_str();
    while let Some(c) = rest.chars().next() {
        if let Some((latin, cyr)) = DIGRAPHS.iter().find(|(l, _)| rest.starts_with(l)) {
            out.push_str(cyr);
            rest = &rest[latin.len()..];
            continue;
        }
        match LATIN.find(c) {
            Some(i) => out.push_str(CYRILLIC[i]),
            None => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

const FIRST_NAMES: [&str; 24] = [
    "Emily",
    "Lukas",
    "Sophie",
    "Mateo",
    "Aiko",
    "Priya",
    "Oliver",
    "Chloe",
    "Henrik",
    "Ingrid",
    "Tomasz",
    "Agnieszka",
    "Rafael",
    "Beatriz",
    "Kwame",
    "Amara",
    "Nikolai",
    "Svetlana",
    "Yusuf",
    "Leila",
    "Hiroshi",
    "Mei",
    "Diego",
    "Camille",
];
const LAST_NAMES: [&str; 24] = [
    "Thornbury",
    "Vasquez",
    "Lindqvist",
    "Okafor",
    "Kowalczyk",
    "Delacroix",
    "Haverford",
    "Moreau",
    "Brennan",
    "Castellano",
    "Nakamura",
    "Pellegrini",
    "Johansson",
    "Abernathy",
    "Fitzgerald",
    "Oyelaran",
    "Marchetti",
    "Van der Berg",
    "Kristiansen",
    "Whitfield",
    "Sorensen",
    "Hargreaves",
    "Lefebvre",
    "Dubois",
];

fn unlisted(rng: &mut Rng, dob_rng: &mut Rng) -> Case {
    let first = FIRST_NAMES[rng.below(FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.below(LAST_NAMES.len())];
    Case {
        category: Category::Unlisted,
        query: Query {
            date_of_birth: Some(adult_birth_date(dob_rng)),
            ..Query::name(format!("{first} {last}"))
        },
        target: None,
    }
}

/// Seed of the birth dates given to unlisted people. It is fixed and
/// separate from the evaluation's seed so that the dates depend neither on
/// the lists nor on which names were drawn: the i-th unlisted person always
/// gets the i-th date.
const UNLISTED_DOB_SEED: u64 = 0x00d0_b18e_a2c0_2026;

/// The year screenings are taken to happen in, for ages.
const SCREENING_YEAR: u16 = 2026;

/// Ages of adult customers, by band `[from, to)` with the share of people in
/// it: roughly the adult age structure of an ageing European or North
/// American population (fewer people in each older band past 60). Written
/// down for this evaluation, not taken from a census table.
const ADULT_AGE_BANDS: [(u16, u16, u32); 7] = [
    (18, 30, 20),
    (30, 40, 18),
    (40, 50, 17),
    (50, 60, 17),
    (60, 70, 14),
    (70, 80, 10),
    (80, 91, 4),
];

/// A full birth date of an adult drawn from `ADULT_AGE_BANDS`.
fn adult_birth_date(rng: &mut Rng) -> PartialDate {
    let total: u32 = ADULT_AGE_BANDS.iter().map(|b| b.2).sum();
    let mut pick = rng.below(total as usize) as u32;
    let (from, to) = ADULT_AGE_BANDS
        .iter()
        .find(|(_, _, share)| {
            let inside = pick < *share;
            pick = pick.saturating_sub(*share);
            inside
        })
        .map_or((18, 91), |b| (b.0, b.1));
    let age = from + rng.below(usize::from(to - from)) as u16;
    let month = 1 + rng.below(12) as u8;
    let days = match month {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    PartialDate {
        year: SCREENING_YEAR - age,
        month: Some(month),
        day: Some(1 + rng.below(days) as u8),
    }
}

/// Birth dates for `count` unlisted people, the same for every list and
/// seed (see `UNLISTED_DOB_SEED`).
pub fn unlisted_birth_dates(count: usize) -> Vec<PartialDate> {
    let mut rng = Rng(UNLISTED_DOB_SEED);
    (0..count).map(|_| adult_birth_date(&mut rng)).collect()
}

/// Counts for one category.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub cases: usize,
    /// Positives found / negatives (wrongly) matched / unlisted with any hit.
    pub flagged: usize,
    /// The same, with the query's birth date left out (equal to `flagged`
    /// for cases that have none).
    pub flagged_name_only: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub threshold: f64,
    pub true_positives: usize,
    pub false_negatives: usize,
    pub false_positives: usize,
    pub true_negatives: usize,
    pub unlisted_queries: usize,
    pub unlisted_with_hits: usize,
    /// Positives found and unlisted names with a hit when the queries'
    /// birth dates are left out, to show what the date adds.
    pub true_positives_name_only: usize,
    pub unlisted_with_hits_name_only: usize,
    pub per_category: Vec<(Category, Tally)>,
    /// Per score decile of labelled pairs: (pairs, true pairs).
    pub calibration: [(usize, usize); 10],
    /// Cases decided wrongly: (category, query name, score of the paired
    /// entry or of the best hit for an unlisted name).
    pub errors: Vec<(Category, String, f64)>,
}

impl Report {
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    /// Share of unlisted names that produced at least one hit.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.unlisted_with_hits, self.unlisted_queries)
    }
    /// Recall with the queries' birth dates left out.
    pub fn recall_name_only(&self) -> f64 {
        ratio(
            self.true_positives_name_only,
            self.true_positives + self.false_negatives,
        )
    }
    /// `false_positive_rate` with the birth dates left out.
    pub fn false_positive_rate_name_only(&self) -> f64 {
        ratio(self.unlisted_with_hits_name_only, self.unlisted_queries)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Runs every case and tallies the outcome at `DEFAULT_THRESHOLD`.
pub fn evaluate(screener: &Screener, cases: &[Case]) -> Report {
    let mut report = Report {
        threshold: DEFAULT_THRESHOLD,
        ..Report::default()
    };
    for case in cases {
        let flagged = match &case.target {
            Some(target) => record_pair(screener, case, target, &mut report),
            None => record_unlisted(screener, case, &mut report),
        };
        let flagged_name_only = if case.query.date_of_birth.is_some() {
            let name_only = Case {
                query: Query {
                    date_of_birth: None,
                    ..case.query.clone()
                },
                ..case.clone()
            };
            match &case.target {
                Some(target) => target_score(screener, &name_only, target) >= DEFAULT_THRESHOLD,
                None => best_hit_score(screener, &name_only).is_some(),
            }
        } else {
            flagged
        };
        if case.category.is_positive() {
            report.true_positives_name_only += usize::from(flagged_name_only);
        } else if case.target.is_none() {
            report.unlisted_with_hits_name_only += usize::from(flagged_name_only);
        }
        tally(&mut report, case.category, flagged, flagged_name_only);
    }
    report
}

/// The score of the paired entry for a case's query (0 when not found).
fn target_score(screener: &Screener, case: &Case, target: &(String, String)) -> f64 {
    let query = Query {
        threshold: Some(0.0),
        limit: Some(MAX_LIMIT),
        lists: Some(vec![target.0.clone()]),
        ..case.query.clone()
    };
    screener
        .search(&query)
        .ok()
        .and_then(|hits| {
            hits.into_iter()
                .find(|h| h.entity_id == target.1)
                .map(|h| h.score)
        })
        .unwrap_or(0.0)
}

/// The best hit's score at the default threshold, if any.
fn best_hit_score(screener: &Screener, case: &Case) -> Option<f64> {
    screener
        .search(&case.query)
        .ok()
        .and_then(|hits| hits.first().map(|h| h.score))
}

fn record_pair(
    screener: &Screener,
    case: &Case,
    target: &(String, String),
    report: &mut Report,
) -> bool {
    let score = target_score(screener, case, target);
    let flagged = score >= DEFAULT_THRESHOLD;
    let positive = case.category.is_positive();
    if positive != flagged {
        report
            .errors
            .push((case.category, case.query.name.clone(), score));
    }
    match (positive, flagged) {
        (true, true) => report.true_positives += 1,
        (true, false) => report.false_negatives += 1,
        (false, true) => report.false_positives += 1,
        (false, false) => report.true_negatives += 1,
    }
    let decile = ((score * 10.0) as usize).min(9);
    report.calibration[decile].0 += 1;
    report.calibration[decile].1 += usize::from(positive);
    flagged
}

fn record_unlisted(screener: &Screener, case: &Case, report: &mut Report) -> bool {
    let best = best_hit_score(screener, case);
    let flagged = best.is_some();
    if let Some(score) = best {
        report
            .errors
            .push((case.category, case.query.name.clone(), score));
    }
    report.unlisted_queries += 1;
    report.unlisted_with_hits += usize::from(flagged);
    flagged
}

fn tally(report: &mut Report, category: Category, flagged: bool, flagged_name_only: bool) {
    let slot = match report.per_category.iter().position(|(c, _)| *c == category) {
        Some(i) => i,
        None => {
            report.per_category.push((category, Tally::default()));
            report.per_category.len() - 1
        }
    };
    let entry = &mut report.per_category[slot].1;
    entry.cases += 1;
    entry.flagged += usize::from(flagged);
    entry.flagged_name_only += usize::from(flagged_name_only);
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "threshold {:.2}", self.threshold)?;
        writeln!(
            f,
            "pairs: TP {} FN {} FP {} TN {}",
            self.true_positives, self.false_negatives, self.false_positives, self.true_negatives
        )?;
        writeln!(
            f,
            "precision {:.3}  recall {:.3}  F1 {:.3}  unlisted-name FPR {:.3} ({} of {})",
            self.precision(),
            self.recall(),
            self.f1(),
            self.false_positive_rate(),
            self.unlisted_with_hits,
            self.unlisted_queries
        )?;
        writeln!(
            f,
            "without the queries' birth dates: recall {:.3}  unlisted-name FPR {:.3} ({} of {})",
            self.recall_name_only(),
            self.false_positive_rate_name_only(),
            self.unlisted_with_hits_name_only,
            self.unlisted_queries
        )?;
        writeln!(
            f,
            "per category (flagged / cases; without birth dates in brackets):"
        )?;
        for (category, tally) in &self.per_category {
            let label = if category.is_positive() {
                "found"
            } else {
                "matched"
            };
            writeln!(
                f,
                "  {category:?}: {label} {} / {} ({})",
                tally.flagged, tally.cases, tally.flagged_name_only
            )?;
        }
        writeln!(f, "calibration (score decile: true pairs / pairs):")?;
        for (i, (pairs, positives)) in self.calibration.iter().enumerate() {
            if *pairs > 0 {
                let share = ratio(*positives, *pairs);
                writeln!(
                    f,
                    "  {:.1}-{:.1}: {positives} / {pairs} ({share:.2})",
                    i as f64 / 10.0,
                    (i + 1) as f64 / 10.0
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_helpers() {
        assert_eq!(
            words("MADURO MOROS, Nicolas"),
            vec!["Nicolas", "MADURO", "MOROS"]
        );
        assert_eq!(to_cyrillic("Putin"), "путин");
        assert_eq!(
            normalize::fold(&to_cyrillic("Vladimir Putin")),
            "vladimir putin"
        );
        let mut rng = Rng(7);
        let a: Vec<u64> = (0..3).map(|_| rng.next()).collect();
        let mut rng = Rng(7);
        assert_eq!(a, (0..3).map(|_| rng.next()).collect::<Vec<_>>());
    }

    #[test]
    fn unlisted_people_are_adults_with_real_dates() {
        let dates = unlisted_birth_dates(20_000);
        assert_eq!(dates, unlisted_birth_dates(20_000), "not reproducible");
        let ages: Vec<u16> = dates.iter().map(|d| SCREENING_YEAR - d.year).collect();
        assert!(ages.iter().all(|a| (18..=90).contains(a)));
        for d in &dates {
            let (Some(month), Some(day)) = (d.month, d.day) else {
                panic!("{d} is not a full date");
            };
            let formatted = format!("{:04}-{month:02}-{day:02}", d.year);
            assert_eq!(PartialDate::parse(&formatted), Some(*d), "{formatted}");
            assert!(!(month == 2 && day > 28), "{formatted}");
        }
        // The bands' shares hold: a fifth under 30, a seventh 70 or over.
        let share = |pred: &dyn Fn(u16) -> bool| {
            ages.iter().filter(|a| pred(**a)).count() as f64 / ages.len() as f64
        };
        assert!((share(&|a| a < 30) - 0.20).abs() < 0.02);
        assert!((share(&|a| a >= 70) - 0.14).abs() < 0.02);
        // Every birth year of adults turns up: the dates are spread, not a
        // few repeated years.
        let mut years: Vec<u16> = dates.iter().map(|d| d.year).collect();
        years.sort_unstable();
        years.dedup();
        assert_eq!(years.len(), 73);
    }
}

/// One labelled name pair: is `listed` the same party as `query`?
#[derive(Debug, Clone)]
pub struct LabelledPair {
    pub category: String,
    pub positive: bool,
    pub schema: String,
    pub query: String,
    pub listed: String,
}

/// The written pairs of the tuning half (`data/eval/pairs.tsv`, and
/// `pairs_sixth_round.tsv`, written in a later round to find what was
/// still missed).
pub fn written_pairs() -> Vec<LabelledPair> {
    let mut pairs = parse_pairs(include_str!("../data/eval/pairs.tsv"));
    pairs.extend(parse_pairs(include_str!(
        "../data/eval/pairs_sixth_round.tsv"
    )));
    pairs
}

/// Pairs written after the engine's rules were set, for the held-out half
/// (`data/eval/pairs_held_out.tsv`).
pub fn written_pairs_held_out() -> Vec<LabelledPair> {
    parse_pairs(include_str!("../data/eval/pairs_held_out.tsv"))
}

fn parse_pairs(text: &str) -> Vec<LabelledPair> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let [category, label, schema, query, listed] = cols.as_slice() else {
                return None;
            };
            Some(LabelledPair {
                category: (*category).to_owned(),
                positive: *label == "1",
                schema: (*schema).to_owned(),
                query: (*query).to_owned(),
                listed: (*listed).to_owned(),
            })
        })
        .collect()
}

/// The list-pair category of aliases against primary names.
const ALIAS_CATEGORY: &str = "list_alias";

/// Which half of an independent set to use: rules and numbers are tuned on
/// one half and checked on the other, so a gain that only memorised the
/// tuning half shows up as a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    All,
    Tuning,
    HeldOut,
}

impl Split {
    /// Whether the item with this key belongs to the split.
    fn keeps(self, key: u64) -> bool {
        match self {
            Self::All => true,
            Self::Tuning => key.is_multiple_of(2),
            Self::HeldOut => !key.is_multiple_of(2),
        }
    }
}

/// A stable hash of an entity id, to split entities into halves.
fn id_key(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Pairs from the lists' own names, up to `per_category` each: an entry's
/// original-script name against its Latin primary name, a strong alias
/// sharing a word with the primary name against it (both true), and two different people's primary
/// names that share the family name (false).
pub fn list_pairs(
    lists: &[LoadedList],
    per_category: usize,
    seed: u64,
    split: Split,
) -> Vec<LabelledPair> {
    let mut rng = Rng(seed);
    let entities: Vec<&Entity> = lists.iter().flat_map(|l| &l.entities).collect();
    let mut out = Vec::new();
    let pair =
        |category: &str, positive: bool, e: &Entity, query: &str, listed: &str| LabelledPair {
            category: category.to_owned(),
            positive,
            schema: format!("{:?}", e.entity_type),
            query: query.to_owned(),
            listed: listed.to_owned(),
        };
    let (mut script, mut alias) = (Vec::new(), Vec::new());
    for e in entities.iter().filter(|e| split.keeps(id_key(&e.id))) {
        let primary = e.primary_name();
        for n in e.names.iter().skip(1) {
            if n.kind == NameKind::OriginalScript {
                script.push(pair("list_original_script", true, e, &n.full, primary));
            } else if n.quality == NameQuality::Strong
                && words(&n.full).len() >= 2
                && shares_a_word(&n.full, primary)
            {
                alias.push(pair(ALIAS_CATEGORY, true, e, &n.full, primary));
            }
        }
    }
    // Two entries of one list (and sub-list) are two people; across lists
    // the same person is listed again under another spelling, a true pair.
    let mut by_surname: std::collections::BTreeMap<(usize, Option<&str>, String), Vec<&Entity>> =
        Default::default();
    for (list_no, list) in lists.iter().enumerate() {
        for e in list
            .entities
            .iter()
            .filter(|e| e.entity_type == EntityType::Person && split.keeps(id_key(&e.id)))
        {
            if let Some(last) = words(e.primary_name()).last().map(|w| normalize::fold(w))
                && last.len() >= 4
            {
                by_surname
                    .entry((list_no, e.sublist.as_deref(), last))
                    .or_default()
                    .push(e);
            }
        }
    }
    let mut shared = Vec::new();
    for group in by_surname.values().filter(|g| g.len() >= 2) {
        let (a, b) = (group[0], group[1]);
        let firsts = |e: &Entity| words(e.primary_name()).first().map(|w| normalize::fold(w));
        let joined = |e: &Entity| normalize::fold(e.primary_name()).replace(' ', "");
        // One list sometimes holds a person twice (the EU list per
        // transliteration): the same full birth date or the same letters
        // say so.
        let same_birth = a
            .birth_dates
            .iter()
            .any(|d| d.month.is_some() && d.day.is_some() && b.birth_dates.contains(d));
        if firsts(a) != firsts(b) && joined(a) != joined(b) && !same_birth {
            shared.push(pair(
                "list_shared_surname",
                false,
                a,
                a.primary_name(),
                b.primary_name(),
            ));
        }
    }
    for mut set in [script, alias, shared] {
        for _ in 0..per_category.min(set.len()) {
            let i = rng.below(set.len());
            out.push(set.swap_remove(i));
        }
    }
    out
}

/// `count` people on no list: a given and a family name of one locale of
/// `data/eval/unlisted_names.tsv` (family name first, unspaced, for Chinese,
/// Japanese and Korean), leaving out anyone whose words all are words of one
/// listed name.
pub fn unlisted_names(lists: &[LoadedList], count: usize, seed: u64, split: Split) -> Vec<String> {
    // Listed names by word, to leave out anyone whose given and family
    // name are both words of one listed name: "Nikita Zakharov" may well be
    // the listed "Nikita Aleksandrovich Zakharov", a hit that is no false
    // alarm.
    let mut names_with_word: HashMap<String, Vec<u32>> = HashMap::new();
    let listed_names = lists
        .iter()
        .flat_map(|l| &l.entities)
        .flat_map(|e| &e.names);
    for (id, name) in listed_names.enumerate() {
        let mut words: Vec<String> = normalize::fold(&name.full)
            .split(' ')
            .map(str::to_owned)
            .collect();
        words.sort_unstable();
        words.dedup();
        for w in words {
            names_with_word.entry(w).or_default().push(id as u32);
        }
    }
    let listed = |name: &str| {
        let folded = normalize::fold(name);
        let mut shared: Option<Vec<u32>> = None;
        for w in folded.split(' ') {
            let ids = names_with_word.get(w).map_or(&[][..], Vec::as_slice);
            shared = Some(match shared {
                None => ids.to_vec(),
                Some(prev) => prev
                    .into_iter()
                    .filter(|i| ids.binary_search(i).is_ok())
                    .collect(),
            });
        }
        shared.is_some_and(|s| !s.is_empty())
    };
    let locales: Vec<(&str, Vec<&str>, Vec<&str>)> =
        include_str!("../data/eval/unlisted_names.tsv")
            .lines()
            .filter_map(|line| {
                let mut cols = line.split('\t');
                let locale = cols.next()?;
                // Each locale's names alternate between the two halves.
                let half = |names: &'static str| -> Vec<&'static str> {
                    names
                        .split('|')
                        .enumerate()
                        .filter(|(i, _)| split.keeps(*i as u64))
                        .map(|(_, n)| n)
                        .collect()
                };
                let given = half(cols.next()?);
                let family = half(cols.next()?);
                Some((locale, given, family))
            })
            .collect();
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count * 2 {
        if out.len() == count {
            break;
        }
        let Some((locale, given, family)) = rng.pick(&locales) else {
            break;
        };
        let (Some(g), Some(f)) = (rng.pick(given), rng.pick(family)) else {
            continue;
        };
        let name = if matches!(*locale, "zh_CN" | "ja_JP" | "ko_KR") {
            format!("{f}{g}")
        } else {
            format!("{g} {f}")
        };
        if !listed(&name) {
            out.push(name);
        }
    }
    out
}

/// Whether two names share a word of four letters or more: an alias that
/// shares none is another name, not a spelling of the same one.
fn shares_a_word(a: &str, b: &str) -> bool {
    let b = normalize::fold(b);
    normalize::fold(a)
        .split(' ')
        .any(|w| w.len() >= 4 && b.split(' ').any(|x| x == w))
}

/// Outcomes of one category of labelled pairs.
#[derive(Debug, Clone, Default)]
pub struct PairTally {
    pub true_positives: usize,
    pub false_negatives: usize,
    pub false_positives: usize,
    pub true_negatives: usize,
}

impl PairTally {
    fn add(&mut self, other: &PairTally) {
        self.true_positives += other.true_positives;
        self.false_negatives += other.false_negatives;
        self.false_positives += other.false_positives;
        self.true_negatives += other.true_negatives;
    }
    pub fn precision(&self) -> Option<f64> {
        let flagged = self.true_positives + self.false_positives;
        (flagged > 0).then(|| ratio(self.true_positives, flagged))
    }
    pub fn recall(&self) -> Option<f64> {
        let positives = self.true_positives + self.false_negatives;
        (positives > 0).then(|| ratio(self.true_positives, positives))
    }
    pub fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        Some(if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        })
    }
    /// Share of false pairs scored as matches.
    pub fn false_match_rate(&self) -> Option<f64> {
        let negatives = self.false_positives + self.true_negatives;
        (negatives > 0).then(|| ratio(self.false_positives, negatives))
    }
}

/// The independent evaluation: labelled pairs per category and unlisted names.
#[derive(Debug, Clone, Default)]
pub struct PairReport {
    pub threshold: f64,
    pub per_category: Vec<(String, PairTally)>,
    /// Pairs a category's reader may want to look at: (category, query, listed, score).
    pub errors: Vec<(String, String, String, f64)>,
    pub unlisted_queries: usize,
    /// Unlisted people with a hit when screened by name alone.
    pub unlisted_with_hits: usize,
    /// Unlisted people who got a hit by name alone: (query, best hit's
    /// matched name, score, whether the name is the hit's listed name or
    /// words of it, written in another script or spacing: `named_as_listed`).
    /// Such a person is named as the listed one, so the hit is no false
    /// alarm by name, though the set counts it as one.
    pub unlisted_hits: Vec<(String, String, f64, bool)>,
    /// The same people screened with a birth date each
    /// (`unlisted_birth_dates`): real customers have one.
    pub unlisted_dob: UnlistedHits,
    /// The same people screened as kycore screens an individual: with the
    /// birth date and as a person, so a company or vessel of the same name
    /// counts against the hit.
    pub unlisted_as_person: UnlistedHits,
}

/// Unlisted people with a hit under one way of screening them.
#[derive(Debug, Clone, Default)]
pub struct UnlistedHits {
    pub with_hits: usize,
    /// (query, birth date given, best hit's matched name, score).
    pub hits: Vec<(String, String, String, f64)>,
}

impl PairReport {
    pub fn total(&self) -> PairTally {
        let mut total = PairTally::default();
        self.per_category.iter().for_each(|(_, t)| total.add(t));
        total
    }

    /// The total over the categories whose pairs are spellings of one name:
    /// all but `list_alias`, whose aliases are often other names of the
    /// same party (a maiden name, a translation) that no name matcher
    /// should meet.
    pub fn total_of_spellings(&self) -> PairTally {
        let mut total = PairTally::default();
        self.per_category
            .iter()
            .filter(|(c, _)| c != ALIAS_CATEGORY)
            .for_each(|(_, t)| total.add(t));
        total
    }
    pub fn unlisted_rate(&self) -> f64 {
        ratio(self.unlisted_with_hits, self.unlisted_queries)
    }
    /// Share of unlisted people with a hit when screened with a birth date.
    pub fn unlisted_rate_with_dob(&self) -> f64 {
        ratio(self.unlisted_dob.with_hits, self.unlisted_queries)
    }
}

/// Scores every pair with [`Screener::score_pair`] at `DEFAULT_THRESHOLD`
/// and screens every unlisted name with a full search.
pub fn evaluate_pairs(
    screener: &Screener,
    pairs: &[LabelledPair],
    unlisted: &[String],
) -> PairReport {
    let mut report = PairReport {
        threshold: DEFAULT_THRESHOLD,
        ..PairReport::default()
    };
    for pair in pairs {
        let score = screener.score_pair(&pair.schema, &pair.query, &pair.listed);
        let flagged = score >= DEFAULT_THRESHOLD;
        let slot = match report
            .per_category
            .iter()
            .position(|(c, _)| *c == pair.category)
        {
            Some(i) => i,
            None => {
                report
                    .per_category
                    .push((pair.category.clone(), PairTally::default()));
                report.per_category.len() - 1
            }
        };
        let tally = &mut report.per_category[slot].1;
        match (pair.positive, flagged) {
            (true, true) => tally.true_positives += 1,
            (true, false) => tally.false_negatives += 1,
            (false, true) => tally.false_positives += 1,
            (false, false) => tally.true_negatives += 1,
        }
        if pair.positive != flagged {
            report.errors.push((
                pair.category.clone(),
                pair.query.clone(),
                pair.listed.clone(),
                score,
            ));
        }
    }
    let birth_dates = unlisted_birth_dates(unlisted.len());
    for (name, dob) in unlisted.iter().zip(birth_dates) {
        report.unlisted_queries += 1;
        let best = |query: Query| {
            screener
                .search(&query)
                .ok()
                .and_then(|hits| hits.into_iter().next())
        };
        if let Some(hit) = best(Query::name(name.clone())) {
            report.unlisted_with_hits += 1;
            let named = named_as_listed(name, &hit.matched_name);
            report
                .unlisted_hits
                .push((name.clone(), hit.matched_name, hit.score, named));
        }
        let with_dob = Query {
            date_of_birth: Some(dob),
            ..Query::name(name.clone())
        };
        let as_person = Query {
            entity_type: Some(EntityType::Person),
            ..with_dob.clone()
        };
        for (query, tally) in [
            (with_dob, &mut report.unlisted_dob),
            (as_person, &mut report.unlisted_as_person),
        ] {
            if let Some(hit) = best(query) {
                tally.with_hits += 1;
                tally
                    .hits
                    .push((name.clone(), dob.to_string(), hit.matched_name, hit.score));
            }
        }
    }
    report
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
}

impl fmt::Display for PairReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "labelled pairs at threshold {:.2}", self.threshold)?;
        writeln!(
            f,
            "| category | true pairs | false pairs | precision | recall | F1 | false-match rate |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|")?;
        let rows = self
            .per_category
            .iter()
            .map(|(c, t)| (c.as_str(), t.clone()));
        let totals = [
            ("all", self.total()),
            ("all but list_alias", self.total_of_spellings()),
        ];
        for (category, t) in rows.chain(totals) {
            writeln!(
                f,
                "| {category} | {} | {} | {} | {} | {} | {} |",
                t.true_positives + t.false_negatives,
                t.false_positives + t.true_negatives,
                cell(t.precision()),
                cell(t.recall()),
                cell(t.f1()),
                cell(t.false_match_rate()),
            )?;
        }
        let share = |hits: usize| 100.0 * ratio(hits, self.unlisted_queries);
        writeln!(
            f,
            "unlisted people with a hit: {} of {} ({:.3} %) by name alone; {} ({:.3} %) with a birth date; {} ({:.3} %) with a birth date, as a person",
            self.unlisted_with_hits,
            self.unlisted_queries,
            share(self.unlisted_with_hits),
            self.unlisted_dob.with_hits,
            share(self.unlisted_dob.with_hits),
            self.unlisted_as_person.with_hits,
            share(self.unlisted_as_person.with_hits),
        )?;
        let named = self.unlisted_hits.iter().filter(|h| h.3).count();
        let other = self.unlisted_with_hits - named;
        writeln!(
            f,
            "  by name alone, {} of those hits are the listed name or words of it in another script or spacing; without them {} ({:.3} %)",
            named,
            other,
            share(other),
        )
    }
}
