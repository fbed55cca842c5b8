//! Stage 2: the scorer. It aligns query terms one-to-one with the tokens of a
//! listed name, turns the alignment into a name score, applies the
//! date-of-birth, country and entity-type qualifiers, and explains the result.
//!
//! Name score: `M / (P + 0.8·Uq + k·Uc + 1.5·min(Uq, Uc))` where `M` is the
//! similarity-weighted weight of aligned tokens, `P` their full weight,
//! `Uq`/`Uc` the weight of unaligned query/list tokens (`k` is 0.25 when the
//! list simply has more tokens, 0.6 when both sides have unaligned words: a
//! conflict, not an omission, which the last term charges again). Weights
//! are IDF from the loaded lists, so rare tokens dominate.
//! The score is then damped when the matched evidence is thin (only common
//! or few words), which is what makes "Mohammed Ali" weigh less than a rare
//! name.

use std::cell::RefCell;

use serde::Serialize;

use crate::index::{
    ACRONYM_SIM, Index, IndexedName, JOINED_SIM, MatchHow, MatchesByWord, QueryTerm, TermMatch,
    acronyms, class_weight, edit_budget, edit_similarity, reads_as_acronym,
};
use crate::knowledge;
use crate::model::{CountryRole, Entity, EntityType, PartialDate};
use crate::normalize::{self, Script, TokenClass};

const UNMATCHED_QUERY_PENALTY: f32 = 0.8;
const UNMATCHED_LIST_PENALTY: f32 = 0.25;
const CONFLICT_LIST_PENALTY: f32 = 0.6;
const CONFLICT_PENALTY: f32 = 1.5;
const SYLLABLE_LIST_PENALTY: f32 = 1.0;
/// Share of its weight a patronymic missing on one side counts.
const PATRONYMIC_FACTOR: f32 = 0.7;
/// An unmatched real word counts at least this much, however common: a
/// different "Mohammed" still means a different name.
const UNMATCHED_WORD_FLOOR: f32 = 3.5;
const INITIAL_SIM: f32 = 0.9;
/// Largest share of the score thin evidence can take away.
const THIN_EVIDENCE_DAMPING: f32 = 0.35;
/// Largest share thin evidence takes from a name met whole and exactly:
/// the listed name itself stays above the default bar.
const WHOLE_NAME_DAMPING: f32 = 0.2;
const _: () = assert!(1.0 - (WHOLE_NAME_DAMPING as f64) > crate::screener::DEFAULT_THRESHOLD);
/// Matched weight (in IDF units) at which damping has fallen to 1/e.
const EVIDENCE_SCALE: f32 = 5.0;
/// What each difference between two names beyond the first leaves of the
/// score (an approximate word match, query words left over, listed words
/// left over).
const COMPOUND_DIFFERENCE_FACTOR: f32 = 0.9;
/// What is left of the score when a syllabic name's syllables are met out
/// of their order (`syllables_in_order`): another person's name.
const REORDERED_SYLLABLES_FACTOR: f32 = 0.7;
/// What is left of a pair's similarity when one side's word is a kunya's
/// child ("Abu Ibrahim") and the other's is a name of its own
/// (`kunya_apart`): two people, a relative at most.
const KUNYA_FACTOR: f32 = 0.5;
/// Below this similarity a reading of one word across scripts, in a name
/// met on two words or fewer, is another word that resembles the listed
/// one (`עלי`, Ali, against LU'AY at 0.62; `נסאר`, Nassar, against NASR), a
/// difference, not a respelling (`count_differences`). Beside two or more
/// other words, or read with an article or a compound's part, it is more
/// often a spelling the reading tables do not know (`چوہدری` / CHAUDHRY,
/// `رجب` / Recep, `العبيدي` / AL-UBAIDI).
const FAR_READING_SIM: f32 = 0.7;
/// Longest word in which a typo is a difference however it sounds
/// (`is_short_typo`).
const SHORT_WORD_LEN: usize = 4;
/// How far below a search's bar a name's score bound must fall before the
/// name is left unaligned (`align_reaching`).
const BOUND_MARGIN: f32 = 0.01;
/// Shortest query word that may be two listed words written as one
/// (`add_split_words`, and the bound's `JoinableQueryWords`).
const SPLIT_WORD_MIN_LEN: usize = 5;
/// Weak (low-quality) aliases are trusted a little less.
pub const WEAK_ALIAS_FACTOR: f64 = 0.95;

/// How one query token relates to one list token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MatchKind {
    Exact,
    Typo {
        edits: u8,
    },
    /// Same consonant skeleton: a spelling or transliteration variant.
    Phonetic,
    /// A single letter against a word with that initial.
    Initial,
    /// One side writes as one word what the other writes as two.
    Joined,
    /// A nickname or short form (Bob / Robert, Bibi / Benjamin).
    Nickname,
    /// The same given name in another language or script (Iskander /
    /// Alexander, محمد / Mohammed).
    NameEquivalent,
    /// A Han or Hangul syllable against a Latin spelling of it.
    Transliteration,
    /// Digits written for letters ("0sama" / "Osama").
    DigitsForLetters,
    /// Two legal forms of the same kind or the same form written differently
    /// (OOO / LLC, Open Joint Stock Company / OJSC).
    LegalForm,
    /// Titles on both sides (Sheikh / Shaikh).
    Honorific,
    /// A number written in words against digits (Forty-Four / 44, First / 1st).
    NumberWord,
    /// An acronym against the words it abbreviates (PLA / People's
    /// Liberation Army): weaker evidence.
    Acronym,
}

impl From<MatchHow> for MatchKind {
    fn from(how: MatchHow) -> Self {
        match how {
            MatchHow::Exact => Self::Exact,
            MatchHow::Edits(edits) => Self::Typo { edits },
            MatchHow::Phonetic => Self::Phonetic,
            MatchHow::Joined => Self::Joined,
            MatchHow::Nickname => Self::Nickname,
            MatchHow::Equivalent | MatchHow::Translated => Self::NameEquivalent,
            MatchHow::Transliterated => Self::Transliteration,
            MatchHow::Digits => Self::DigitsForLetters,
        }
    }
}

/// A span of query terms aligned with a span of list tokens.
#[derive(Debug, Clone, Copy)]
struct Pair {
    q_first: u8,
    q_span: u8,
    c_first: u8,
    c_span: u8,
    sim: f32,
    kind: MatchKind,
    /// The words differ by more than spelling (`TermMatch::differs`).
    differs: bool,
    /// One given name in another language's form (`MatchHow::Translated`).
    translated: bool,
}

impl Pair {
    /// Query terms `q_first..+q_span` against list tokens `c_first..+c_span`.
    fn spans(q: (u8, u8), c: (u8, u8), sim: f32, kind: MatchKind) -> Self {
        Self {
            q_first: q.0,
            q_span: q.1,
            c_first: c.0,
            c_span: c.1,
            sim,
            kind,
            differs: false,
            translated: false,
        }
    }

    /// One query term against one list token.
    fn words(q: u8, c: u8, sim: f32, kind: MatchKind) -> Self {
        Self::spans((q, 1), (c, 1), sim, kind)
    }

    fn q_mask(&self) -> u64 {
        span_mask(self.q_first, self.q_span)
    }
    fn c_mask(&self) -> u64 {
        span_mask(self.c_first, self.c_span)
    }
}

/// A listed word as the pairing rules see it: its text, its class in this
/// name and its position.
#[derive(Clone, Copy)]
struct ListedWord<'a> {
    word: &'a str,
    class: TokenClass,
    at: u8,
}

/// Pairs chosen so far, and the query terms and list tokens they use.
#[derive(Default)]
struct Chosen {
    pairs: Vec<Pair>,
    q_used: u64,
    c_used: u64,
}

impl Chosen {
    /// Takes `pair` if neither of its sides is used yet.
    fn take(&mut self, pair: Pair) -> bool {
        let free = pair.q_mask() & self.q_used == 0 && pair.c_mask() & self.c_used == 0;
        if free {
            self.q_used |= pair.q_mask();
            self.c_used |= pair.c_mask();
            self.pairs.push(pair);
        }
        free
    }
}

fn span_mask(first: u8, span: u8) -> u64 {
    let ones = (1u64 << span) - 1;
    ones.checked_shl(u32::from(first)).unwrap_or(0)
}

/// The best one-to-one alignment of a query with one listed name.
pub struct Alignment {
    pairs: Vec<Pair>,
    q_used: u64,
    c_used: u64,
    /// Name score in [0, 1], after thin-evidence damping.
    pub score: f32,
    pub evidence_factor: f32,
    pub differences_factor: f32,
}

/// Everything the scorer needs about the query, prepared once per search.
pub struct PreparedQuery<'a> {
    pub terms: &'a [QueryTerm],
    pub matches: MatchesByWord<'a>,
    /// Positions of single-letter query terms.
    pub initials: Vec<u8>,
    /// Whether some long query word matched no listed word: it may still be
    /// two listed words written as one (`add_split_words`).
    unmatched_long_word: bool,
    /// Positions of query words written more than once ("Ali Ali").
    repeated: u64,
    joinable: JoinableQueryWords,
    /// The candidate pairs of the name being aligned, one buffer for every
    /// name a search aligns.
    pairs_buffer: RefCell<Vec<Pair>>,
}

impl<'a> PreparedQuery<'a> {
    pub fn new(terms: &'a [QueryTerm], matches: &'a [TermMatch]) -> Self {
        let initials = (0..terms.len())
            .filter(|&i| terms[i].token.class == TokenClass::Initial)
            .map(|i| i as u8)
            .collect();
        let unmatched_long_word = terms.iter().enumerate().any(|(i, t)| {
            t.token.text.len() >= SPLIT_WORD_MIN_LEN
                && !matches.iter().any(|m| usize::from(m.term) == i)
        });
        let repeated = (0..terms.len().min(64))
            .filter(|&i| {
                terms
                    .iter()
                    .enumerate()
                    .any(|(o, t)| o != i && t.token.text == terms[i].token.text)
            })
            .fold(0u64, |mask, i| mask | 1 << i);
        Self {
            terms,
            matches: MatchesByWord::new(matches),
            initials,
            unmatched_long_word,
            repeated,
            joinable: JoinableQueryWords::new(terms),
            pairs_buffer: RefCell::new(Vec::new()),
        }
    }

    /// Whether aligning a listed name can give it any score: some word of it
    /// is related to the query, or an acronym or a split word may join them.
    pub fn worth_aligning(&self, name: &IndexedName) -> bool {
        self.terms.len() == 1
            || name.tokens.len() == 1
            || self.unmatched_long_word
            || name.tokens.iter().any(|&v| self.matches.contains(v))
    }
}

/// Aligns a query with one listed name. `listed`: the listed entry's
/// type. A person's, a vessel's or an aircraft's name: a word read as a
/// legal form on either side ("Ek", "Sá", "Pao") is a name word there,
/// scored as missing when unmatched. An organization's, a
/// vessel's or an aircraft's: the name tables' nicknames are people's,
/// and a name given to a thing is written as given (`Laurie Yu` is no
/// vessel LAUREN).
pub fn align(
    index: &Index,
    query: &PreparedQuery<'_>,
    name: &IndexedName,
    listed: EntityType,
) -> Alignment {
    let mut pairs = query.pairs_buffer.borrow_mut();
    candidate_pairs(index, query, name, listed, &mut pairs);
    align_pairs(index, query, name, listed, &mut pairs)
}

/// `align`, unless the name cannot score `at_least`: then `None`, found
/// from its candidate pairs alone (`score_bound`) without aligning them.
/// A search aligns every name of every candidate, and most share only a
/// word or two with the query; only those that may pass its threshold
/// need their score.
pub fn align_reaching(
    index: &Index,
    query: &PreparedQuery<'_>,
    name: &IndexedName,
    listed: EntityType,
    at_least: f32,
) -> Option<Alignment> {
    let mut pairs = query.pairs_buffer.borrow_mut();
    candidate_pairs(index, query, name, listed, &mut pairs);
    // The margin covers the bound's other order of float sums.
    if score_bound(index, query, name, &pairs) < at_least - BOUND_MARGIN {
        return None;
    }
    Some(align_pairs(index, query, name, listed, &mut pairs))
}

/// The best alignment of `pairs`: most similar first, or phrases first
/// when that leaves a phrase broken.
fn align_pairs(
    index: &Index,
    query: &PreparedQuery<'_>,
    name: &IndexedName,
    listed: EntityType,
    pairs: &mut [Pair],
) -> Alignment {
    // People, vessels and aircraft are not incorporated: a query word read
    // as a legal form is a name word against their names ("Jasmine Ek" is
    // no vessel JASMINE).
    let unincorporated = matches!(
        listed,
        EntityType::Person | EntityType::Vessel | EntityType::Aircraft
    );
    pairs.sort_unstable_by(|a, b| b.sim.total_cmp(&a.sim).then(b.q_span.cmp(&a.q_span)));
    let best_first = align_in_order(index, query, name, unincorporated, pairs);
    // Taking the most similar pairs first can let one word of a phrase
    // take its partner alone ("عبد الله العبيدي": the article of "Allah"
    // pairs with the listed "AL-" of AL-UBAIDI and "عبد الله" no longer
    // meets ABDALLAH; "عارف" takes AREF before "عارف الله" meets
    // AREFULLAH). When a phrase pair was left out for a pair of single
    // words overlapping it, phrases first is tried as well, and the better
    // alignment kept.
    let phrase = |p: &Pair| p.q_span > 1 || p.c_span > 1;
    let overlaps =
        |a: &Pair, b: &Pair| a.q_mask() & b.q_mask() != 0 || a.c_mask() & b.c_mask() != 0;
    let broken = pairs.iter().filter(|p| phrase(p)).any(|p| {
        let taken = best_first.pairs.iter().any(|c| {
            (c.q_first, c.q_span, c.c_first, c.c_span) == (p.q_first, p.q_span, p.c_first, p.c_span)
        });
        !taken
            && best_first
                .pairs
                .iter()
                .any(|c| !phrase(c) && overlaps(c, p))
    });
    if !broken {
        return best_first;
    }
    pairs.sort_by_key(|p| std::cmp::Reverse(p.q_span + p.c_span));
    let phrases_first = align_in_order(index, query, name, unincorporated, pairs);
    if phrases_first.score > best_first.score {
        phrases_first
    } else {
        best_first
    }
}

/// Takes `pairs` in their order wherever both sides are still free, adds
/// the split, regrouped and acronym pairs, and scores the result.
fn align_in_order(
    index: &Index,
    query: &PreparedQuery<'_>,
    name: &IndexedName,
    unincorporated: bool,
    pairs: &[Pair],
) -> Alignment {
    let mut chosen = Chosen {
        pairs: Vec::with_capacity(query.terms.len().min(name.tokens.len()) + 1),
        ..Chosen::default()
    };
    for pair in pairs {
        chosen.take(*pair);
    }
    add_split_words(index, query, name, &mut chosen);
    add_regrouped_words(index, query, name, &mut chosen);
    add_acronym(index, query, name, &mut chosen);
    let used = (chosen.q_used, chosen.c_used);
    let NameScore {
        score,
        evidence_factor,
        differences_factor,
    } = name_score(
        index,
        query.terms,
        name,
        &chosen.pairs,
        used,
        unincorporated,
    );
    Alignment {
        pairs: chosen.pairs,
        q_used: used.0,
        c_used: used.1,
        score,
        evidence_factor,
        differences_factor,
    }
}

/// An upper bound of the score `align_pairs` can give a name from its
/// candidate `pairs`. A word that no candidate pair covers, and that no
/// split or regrouped pair could (`add_split_words`,
/// `add_regrouped_words`), stays unmatched whatever is chosen; `name_score`
/// charges it in the denominator at least its floor weight, while the
/// matched weight is at most every other word's weight. Only name words
/// that are neither repeated nor patronymics are counted as charged (their
/// charge depends on the rest), and a one-word side is never bounded (an
/// acronym may meet the whole of the other).
fn score_bound(
    index: &Index,
    query: &PreparedQuery<'_>,
    name: &IndexedName,
    pairs: &[Pair],
) -> f32 {
    let (q_len, c_len) = (query.terms.len(), name.tokens.len());
    if q_len <= 1 || c_len <= 1 || q_len > 64 || c_len > 64 {
        return 1.0;
    }
    let (mut q_coverable, mut c_coverable) = joinable_words(index, query, name);
    for pair in pairs {
        q_coverable |= pair.q_mask();
        c_coverable |= pair.c_mask();
    }
    let (mut possible, mut q_left, mut c_left) = (0.0f32, 0.0f32, 0.0f32);
    for (i, term) in query.terms.iter().enumerate() {
        if bit_set(q_coverable, i) {
            possible += term.weight.max(0.0) / 2.0;
        } else if surely_charged(term.token.class, i > 0 && term.patronymic, || {
            bit_set(query.repeated, i)
        }) {
            q_left += unmatched_weight(term.token.class, term.weight);
        }
    }
    for (j, &vocab) in name.tokens.iter().enumerate() {
        let class = name.class(j);
        if bit_set(c_coverable, j) {
            possible += index.weight(vocab, class).max(0.0) / 2.0;
        } else if surely_charged(class, j > 0 && index.is_patronymic(vocab), || {
            name.tokens.iter().filter(|&&v| v == vocab).count() > 1
        }) {
            c_left += unmatched_weight(class, index.weight(vocab, class));
        }
    }
    let least_charged = UNMATCHED_QUERY_PENALTY * q_left
        + UNMATCHED_LIST_PENALTY.min(CONFLICT_LIST_PENALTY) * c_left
        + CONFLICT_PENALTY * q_left.min(c_left);
    if possible <= 0.0 {
        return 0.0;
    }
    possible / (possible + least_charged)
}

/// Whether an unmatched word is surely charged as a word of its own by
/// `name_score`: a name word (of its class as written), not a patronymic
/// and not repeated.
fn surely_charged(class: TokenClass, patronymic: bool, repeated: impl FnOnce() -> bool) -> bool {
    matches!(class, TokenClass::Word | TokenClass::Syllable) && !patronymic && !repeated()
}

/// The query words and listed words a split or regrouped pair might cover,
/// as masks, by the cheap conditions those rules start with: a split query
/// word is five letters or more and begins as a listed word that has a
/// next one; regrouped words are two adjacent regroupable words on each
/// side, as long within one letter, beginning alike unless both are
/// written as one word (`JoinableQueryWords`).
fn joinable_words(index: &Index, query: &PreparedQuery<'_>, name: &IndexedName) -> (u64, u64) {
    let c_len = name.tokens.len().min(64);
    let joinable = &query.joinable;
    let (mut q_mask, mut c_mask) = (0u64, 0u64);
    let mut before: Option<(Option<u8>, usize)> = None;
    for (j, &vocab) in name.tokens.iter().enumerate().take(c_len) {
        let word = index.word(vocab);
        let (first, len) = (first_byte(word), word.len());
        if j + 1 < c_len {
            for &(i, split_first) in &joinable.split {
                if split_first == first {
                    q_mask |= 1 << i;
                    c_mask |= span_mask(j as u8, 3.min(c_len - j) as u8);
                }
            }
        }
        let attached = name.attached(j);
        let regroupable_here = j > 0
            && regroupable(name.class(j - 1), attached)
            && regroupable(name.class(j), attached);
        if let (true, Some((first_before, len_before))) = (regroupable_here, before) {
            for &(i, q_first, q_len, q_attached) in &joinable.regroup {
                let near_length = q_len.abs_diff(len_before + len) <= 1;
                if near_length && (q_first == first_before || q_attached && attached) {
                    q_mask |= span_mask(i, 2);
                    c_mask |= span_mask(j as u8 - 1, 2);
                }
            }
        }
        before = Some((first, len));
    }
    (q_mask, c_mask)
}

/// What `joinable_words` needs of the query, read once per search.
struct JoinableQueryWords {
    /// (position, first letter) of each word of five letters or more.
    split: Vec<(u8, Option<u8>)>,
    /// (position, first letter, letters of both, written as one word) of
    /// each regroupable pair of adjacent words.
    regroup: Vec<(u8, Option<u8>, usize, bool)>,
}

impl JoinableQueryWords {
    fn new(terms: &[QueryTerm]) -> Self {
        let terms = &terms[..terms.len().min(64)];
        let split = (terms.iter().enumerate())
            .filter(|(_, t)| t.token.text.len() >= SPLIT_WORD_MIN_LEN)
            .map(|(i, t)| (i as u8, first_byte(&t.token.text)))
            .collect();
        let regroup = (terms.windows(2).enumerate())
            .filter(|(_, w)| {
                let attached = w[1].token.attached;
                regroupable(w[0].token.class, attached) && regroupable(w[1].token.class, attached)
            })
            .map(|(i, w)| {
                let (a, b) = (&w[0].token, &w[1].token);
                (
                    i as u8,
                    first_byte(&a.text),
                    a.text.len() + b.text.len(),
                    b.attached,
                )
            })
            .collect();
        Self { split, regroup }
    }
}

fn first_byte(text: &str) -> Option<u8> {
    text.as_bytes().first().copied()
}

/// The pairs of words that may be aligned, into `pairs` (emptied first).
fn candidate_pairs(
    index: &Index,
    query: &PreparedQuery<'_>,
    name: &IndexedName,
    listed: EntityType,
    pairs: &mut Vec<Pair>,
) {
    pairs.clear();
    let person = listed == EntityType::Person;
    let thing = matches!(
        listed,
        EntityType::Organization | EntityType::Vessel | EntityType::Aircraft
    );
    for (j, &vocab) in name.tokens.iter().enumerate().take(64) {
        let j = j as u8;

        let class = name.class(usize::from(j));
        // Legal forms are paired by their own rule below, or as written (or
        // read: 인 is "in"): the same word is the same word whatever its
        // role. Against a company's legal form, an Arabic or Hebrew word
        // whose letters may be spelt as one (עודה / OOD) is a name word:
        // legal forms are abbreviations written in Latin letters (in a
        // person's name such a word is a name word, SA'D / سعد). A listed
        // title may meet a query word that is a spelling of it ("Kari" /
        // "Qari").
        let matches = query.matches.of(vocab).iter().filter(|m| {
            let syllable = || {
                query
                    .terms
                    .get(usize::from(m.term))
                    .is_some_and(|t| t.token.class == TokenClass::Syllable)
            };
            let legal_form_met = class != TokenClass::LegalForm
                || m.how == MatchHow::Exact
                || m.how == MatchHow::Transliterated && (person || syllable());
            legal_form_met && !(thing && m.how == MatchHow::Nickname)
        });
        for m in matches {
            let number_word = query
                .terms
                .get(usize::from(m.term))
                .is_some_and(|t| t.token.class == TokenClass::Number && t.token.surface.is_some());
            let kind = if number_word && m.how == MatchHow::Exact {
                MatchKind::NumberWord
            } else {
                m.how.into()
            };
            pairs.push(Pair {
                differs: m.differs,
                translated: m.how == MatchHow::Translated,
                ..Pair::spans((m.term, m.span), (j, 1), m.sim, kind)
            });
        }
        let listed = ListedWord {
            word: index.word(vocab),
            class,
            at: j,
        };
        push_light_pairs(query, &listed, pairs);
        push_initial_pairs(query, &listed, pairs);
    }
}

/// Legal forms pair with legal forms (fully when the same form, nearly when
/// of the same kind, LLC / OOO), titles with titles. Legal forms of two
/// kinds do not pair: they are no evidence of one party, and a query word
/// read as a legal form is as often a name ("Martina Pou", "Tim Vos").
fn push_light_pairs(query: &PreparedQuery<'_>, listed: &ListedWord<'_>, pairs: &mut Vec<Pair>) {
    let ListedWord { word, class, at } = *listed;
    if !matches!(class, TokenClass::LegalForm | TokenClass::Honorific) {
        return;
    }
    let k = knowledge::knowledge();
    for (i, term) in query.terms.iter().enumerate().take(64) {
        if term.token.class != class {
            continue;
        }
        let (sim, kind) = if class == TokenClass::Honorific {
            (1.0, MatchKind::Honorific)
        } else if k.legal_canonical(&term.token.text) == k.legal_canonical(word) {
            (1.0, MatchKind::LegalForm)
        } else if k.legal_generic(k.legal_canonical(&term.token.text))
            == k.legal_generic(k.legal_canonical(word))
        {
            (0.9, MatchKind::LegalForm)
        } else {
            continue;
        };
        pairs.push(Pair::words(i as u8, at, sim, kind));
    }
}

/// A one-word query that is the acronym of the listed name, or a listed
/// one-word name that is the acronym of the query.
fn add_acronym(index: &Index, query: &PreparedQuery<'_>, name: &IndexedName, chosen: &mut Chosen) {
    let (q_len, c_len) = (query.terms.len(), name.tokens.len());
    if !chosen.pairs.is_empty() || q_len > 63 || c_len > 63 {
        return;
    }
    let list_acronyms = || {
        acronyms((0..c_len).map(|j| {
            (
                index.word(name.tokens[j]),
                name.class(j),
                name.attached(j + 1),
            )
        }))
    };
    let query_acronyms = || {
        acronyms(query.terms.iter().enumerate().map(|(j, t)| {
            let joined_to_next = query.terms.get(j + 1).is_some_and(|n| n.token.attached);
            (t.token.text.as_str(), t.token.class, joined_to_next)
        }))
    };
    let found = match (q_len, c_len) {
        (1, c) if c >= 3 && reads_as_acronym(&query.terms[0].token.text) => list_acronyms()
            .iter()
            .any(|a| *a == query.terms[0].token.text),
        (q, 1) if q >= 3 => {
            let listed = index.word(name.tokens[0]);
            query_acronyms().iter().any(|a| a == listed)
        }
        _ => false,
    };
    if found {
        let all = |len: usize| (0, len as u8);
        chosen.take(Pair::spans(
            all(q_len),
            all(c_len),
            ACRONYM_SIM,
            MatchKind::Acronym,
        ));
    }
}

/// Initials on either side: a query initial against listed words, or a
/// listed initial against query words.
fn push_initial_pairs(query: &PreparedQuery<'_>, listed: &ListedWord<'_>, pairs: &mut Vec<Pair>) {
    let ListedWord { word, class, at } = *listed;
    if class == TokenClass::Number {
        return;
    }
    let list_initial = class == TokenClass::Initial;
    // A listed initial meets every query word; a listed word, the query's
    // initials.
    let candidates =
        (0..query.terms.len().min(64) as u8).filter(|i| list_initial || query.initials.contains(i));
    for i in candidates {
        let Some(term) = query.terms.get(usize::from(i)) else {
            continue;
        };
        let q = &term.token;
        if q.class == TokenClass::Number || q.text.as_bytes().first() != word.as_bytes().first() {
            continue;
        }
        let (sim, kind) = if list_initial && q.class == TokenClass::Initial {
            (1.0, MatchKind::Exact)
        } else {
            (INITIAL_SIM, MatchKind::Initial)
        };
        pairs.push(Pair::words(i, at, sim, kind));
    }
}

/// A query word that the list writes as two adjacent words ("jscargument"
/// against "JSC ARGUMENT"), or as three around an Arabic article
/// ("Abdulrahman" against "Abd al-Rahman", the article's vowel as any
/// spelling writes it) or hyphenated into one written word ("Chanocha",
/// romanized from Thai, against "Chan-o-cha"). The opposite direction is
/// found by the index.
fn add_split_words(
    index: &Index,
    query: &PreparedQuery<'_>,
    name: &IndexedName,
    chosen: &mut Chosen,
) {
    for (i, term) in query.terms.iter().enumerate().take(64) {
        if bit_set(chosen.q_used, i) || term.token.text.len() < SPLIT_WORD_MIN_LEN {
            continue;
        }
        let text = term.token.text.as_str();
        for (j, w) in name.tokens.windows(2).enumerate().take(63) {
            if span_mask(j as u8, 2) & chosen.c_used != 0 {
                continue;
            }
            if let Some(pair) = split_word_pair(text, index.word(w[0]), index.word(w[1]), i, j) {
                chosen.take(pair);
                break;
            }
        }
        if bit_set(chosen.q_used, i) {
            continue;
        }
        let k = knowledge::knowledge();
        for (j, w) in name.tokens.windows(3).enumerate().take(62) {
            // Cheap rejections first: this runs for every listed name.
            let one_written_word = name.attached(j + 1) && name.attached(j + 2);
            if !one_written_word && name.class(j + 1) != TokenClass::Weak
                || span_mask(j as u8, 3) & chosen.c_used != 0
            {
                continue;
            }
            let middle = index.word(w[1]);
            if !one_written_word && (middle.len() > 3 || !k.is_weak_in_any_script(middle)) {
                continue;
            }
            let rest = format!("{middle}{}", index.word(w[2]));
            if let Some(mut pair) = split_word_pair(text, index.word(w[0]), &rest, i, j) {
                pair.c_span = 3;
                chosen.take(pair);
                break;
            }
        }
    }
}

/// Query word `i` against listed words `j` and `j + 1` written together:
/// joined when the letters are the same, and when they are not, a typo of
/// the joined word, weighed and counted as a difference as any typo is
/// (`Almasi` / AL-MASRI is one name misspelt as well as joined).
fn split_word_pair(text: &str, a: &str, b: &str, i: usize, j: usize) -> Option<Pair> {
    let edits = joined_edits(text, a, b)?;
    let spans = ((i as u8, 1), (j as u8, 2));
    if edits == 0 {
        return Some(Pair::spans(spans.0, spans.1, JOINED_SIM, MatchKind::Joined));
    }
    let joined = format!("{a}{b}");
    let sim = JOINED_SIM * edit_similarity(edits, text.len().max(joined.len()));
    let edits = u8::try_from(edits).unwrap_or(u8::MAX);
    let mut pair = Pair::spans(spans.0, spans.1, sim, MatchKind::Typo { edits });
    pair.differs = !normalize::same_sounds(text, &joined);
    Some(pair)
}

/// Two query words that are two listed words with the space (or hyphen)
/// moved: "PROPERTYV-B" against "PROPERTY-VB". Word by word they meet at
/// most as a typo and a left-over on each side, which reads as a conflict;
/// written together they are the same letters. Within one written word on
/// both sides ("AL-BUSTAN" typed "ALB-USTAN" or "ALg-AQSA") the mark is a
/// letter like any other: an article may move with it, and one edit of the
/// written word is a typo, a first letter of its second part too
/// ("ALFA-dANK"). Taken only when every pair
/// already chosen for those four words lies among them, so nothing else is
/// undone.
fn add_regrouped_words(
    index: &Index,
    query: &PreparedQuery<'_>,
    name: &IndexedName,
    chosen: &mut Chosen,
) {
    let (q_len, c_len) = (query.terms.len().min(64), name.tokens.len().min(64));
    for i in 0..q_len.saturating_sub(1) {
        let (Some(a), Some(b)) = (query.terms.get(i), query.terms.get(i + 1)) else {
            continue;
        };
        let q_attached = b.token.attached;
        if !regroupable(a.token.class, q_attached) || !regroupable(b.token.class, q_attached) {
            continue;
        }
        let (a, b) = (a.token.text.as_str(), b.token.text.as_str());
        let q_mask = span_mask(i as u8, 2);
        // Something of the two must be left over, or there is nothing to gain.
        if chosen.q_used & q_mask == q_mask {
            continue;
        }
        for j in 0..c_len.saturating_sub(1) {
            let c_attached = name.attached(j + 1);
            if !regroupable(name.class(j), c_attached)
                || !regroupable(name.class(j + 1), c_attached)
            {
                continue;
            }
            let (x, y) = (index.word(name.tokens[j]), index.word(name.tokens[j + 1]));
            let same_letters = a.len() + b.len() == x.len() + y.len()
                && a != x
                && a.bytes().chain(b.bytes()).eq(x.bytes().chain(y.bytes()));
            let sim = if same_letters {
                JOINED_SIM
            } else if q_attached
                && c_attached
                && (a, b) != (x, y)
                && (a.len() + b.len()).abs_diff(x.len() + y.len()) <= 1
            {
                // (Lengths first: this runs for every pair of written words.)
                match one_letter_apart(&format!("{a}{b}"), &format!("{x}{y}")) {
                    Some(sim) => sim,
                    None => continue,
                }
            } else {
                continue;
            };
            let c_mask = span_mask(j as u8, 2);
            let inside = chosen.pairs.iter().all(|p| {
                let (touches_q, touches_c) = (p.q_mask() & q_mask != 0, p.c_mask() & c_mask != 0);
                touches_q == touches_c
                    && (!touches_q || (p.q_mask() & !q_mask == 0 && p.c_mask() & !c_mask == 0))
            });
            if !inside {
                continue;
            }
            chosen
                .pairs
                .retain(|p| p.q_mask() & q_mask == 0 && p.c_mask() & c_mask == 0);
            chosen.q_used |= q_mask;
            chosen.c_used |= c_mask;
            chosen.pairs.push(Pair::spans(
                (i as u8, 2),
                (j as u8, 2),
                sim,
                MatchKind::Joined,
            ));
            return;
        }
    }
}

/// Whether a word may be regrouped with its neighbour (`attached`: the two
/// are written as one word): name words and initials; an article or
/// particle only within one written word: between words written apart,
/// moving it ("Al Ibrahim" / "Ali Brahim") changes the name.
fn regroupable(class: TokenClass, attached: bool) -> bool {
    matches!(class, TokenClass::Word | TokenClass::Initial) || attached && class == TokenClass::Weak
}

/// The similarity of two spellings one edit apart; `None` for anything
/// else. A changed letter only from eight letters, as `first_sound_kept`
/// allows it: in a shorter word it may be another word's first letter
/// (Al-Kadi / Al-Hadi).
fn one_letter_apart(a: &str, b: &str) -> Option<f32> {
    let (shorter, longer) = (a.len().min(b.len()), a.len().max(b.len()));
    if longer < 5 || longer - shorter > 1 || crate::edits::osa_distance_within(a, b, 1) != Some(1) {
        return None;
    }
    let changed = a.len() == b.len() && {
        let (mut x, mut y) = (a.as_bytes().to_vec(), b.as_bytes().to_vec());
        x.sort_unstable();
        y.sort_unstable();
        x != y
    };
    (!changed || shorter >= 8).then(|| edit_similarity(1, longer))
}

/// How many edits `text` is from `a` and `b` written together, when within
/// the edit budget.
fn joined_edits(text: &str, a: &str, b: &str) -> Option<usize> {
    let joined_len = a.len() + b.len();
    let budget = edit_budget(text.len().min(joined_len));
    // Cheap rejections first: this runs for every adjacent pair of a name.
    let same_ends = text.as_bytes().first() == a.as_bytes().first()
        && text.as_bytes().last() == b.as_bytes().last();
    if !same_ends || text.len().abs_diff(joined_len) > budget {
        return None;
    }
    let joined = format!("{a}{b}");
    crate::edits::osa_distance_within(text, &joined, budget)
}

/// A name score and the factors that lowered it.
struct NameScore {
    score: f32,
    evidence_factor: f32,
    differences_factor: f32,
}

/// A typo, a shared skeleton, a nickname or another language's form.
fn is_approximate(pair: &Pair) -> bool {
    pair.sim < 1.0
        && matches!(
            pair.kind,
            MatchKind::Typo { .. }
                | MatchKind::Phonetic
                | MatchKind::Nickname
                | MatchKind::NameEquivalent
        )
}

/// Whether a pair is an approximate match of two words of one script that
/// differ by more than spelling (a typo, a nickname, another language's
/// form, two names of the tables): a difference between the names.
/// Spellings of one name (Mubarak / Mobarak, Gaddafi / Qadhafi: the same
/// consonant sounds) are how romanizations differ, and between Latin and
/// Arabic, Hebrew or a syllabary approximate spellings are the rule;
/// neither is a difference. Cyrillic, Greek and the scripts of India write
/// their vowels and map onto Latin letter by letter, so other consonants
/// there are one.
fn is_difference(index: &Index, terms: &[QueryTerm], name: &IndexedName, pair: &Pair) -> bool {
    pair.differs
        && is_approximate(pair)
        && cross_script(index, terms, name, pair).is_none_or(|s| {
            matches!(s, Script::Cyrillic | Script::Greek) || s.indic_block().is_some()
        })
}

/// Whether a pair is one given name in another language's form (Jan /
/// John, Ian / Yahya): people are seldom listed so, so beside another
/// difference or a respelling it is a second one, in any script.
fn is_translation(pair: &Pair) -> bool {
    pair.translated
}

/// Whether a pair is a typo in a word of four letters or fewer ("Rita" /
/// Rida, "Abdi" / Abd): a quarter of the word, a difference of its own
/// even where the sounds stay, unlike a respelt long word.
fn is_short_typo(index: &Index, terms: &[QueryTerm], name: &IndexedName, pair: &Pair) -> bool {
    let short = |len: usize| len <= SHORT_WORD_LEN;
    if !matches!(pair.kind, MatchKind::Typo { .. }) || pair.q_span != 1 || pair.c_span != 1 {
        return false;
    }
    let (Some(term), Some(&listed)) = (
        terms.get(usize::from(pair.q_first)),
        name.tokens.get(usize::from(pair.c_first)),
    ) else {
        return false;
    };
    let (query, listed) = (term.token.text.as_str(), index.word(listed));
    short(query.len()) && short(listed.len()) && !i_written_y(query, listed)
}

/// Whether two words differ only where one writes "i" and the other "y",
/// the one sound romanizations spell either way (Kony / Koni, Aly / Ali,
/// Hany / Hani): a spelling, not a typo, however short the word.
fn i_written_y(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x == y || matches!((x, y), (b'i', b'y') | (b'y', b'i')))
}

fn name_score(
    index: &Index,
    terms: &[QueryTerm],
    name: &IndexedName,
    pairs: &[Pair],
    (q_used, c_used): (u64, u64),
    unincorporated: bool,
) -> NameScore {
    let (mut matched, mut possible, mut evidence) = (0.0f32, 0.0f32, 0.0f32);
    // What an initial leaves unconfirmed of the word it stands against: a
    // list that only knows "A." cannot confirm "Adebisi".
    let (mut q_beyond_initial, mut c_beyond_initial) = (0.0f32, 0.0f32);
    let mut kunyas_apart = 0usize;
    for pair in pairs {
        let (wq, wc) = pair_weights(index, terms, name, pair);
        let sim = if kunya_apart(index, terms, name, pair, (q_used, c_used)) {
            kunyas_apart += 1;
            pair.sim * KUNYA_FACTOR
        } else {
            pair.sim
        };
        matched += sim * (wq + wc) / 2.0;
        possible += (wq + wc) / 2.0;
        evidence += sim * wq;
        if pair.kind == MatchKind::Initial {
            let (fq, fc) = full_pair_weights(index, terms, name, pair);
            q_beyond_initial += fq - wq;
            c_beyond_initial += fc - wc;
        }
    }
    // In Chinese, Japanese and Korean names every syllable is part of the
    // name: one the other side lacks is a different name, not an omitted
    // middle name ("Han Chang" / "Han Chang-su"), however common.
    let syllabic = terms.iter().any(|t| t.token.class == TokenClass::Syllable)
        || name.classes.contains(&TokenClass::Syllable);
    let floor = if syllabic && !pairs.is_empty() {
        possible / pairs.len() as f32
    } else {
        0.0
    };
    // A word repeated on one side ("Ali Ali") is not missing on the other
    // when one copy of it is matched, unless the other side has a word of
    // its own left over: then the copy stands where that word stands
    // ("Ali Htun Naung" / "Htun Htun Naung"), a conflict. Syllables are
    // never a repeat: 유유진 is not 유진.
    let q_repeat = |i: usize| {
        !syllabic
            && terms
                .iter()
                .enumerate()
                .any(|(o, t)| o != i && bit_set(q_used, o) && t.token.text == terms[i].token.text)
    };
    let c_repeat = |j: usize| {
        !syllabic
            && name
                .tokens
                .iter()
                .enumerate()
                .any(|(o, &v)| o != j && bit_set(c_used, o) && v == name.tokens[j])
    };
    // (own words, repeated words, patronymics) left unmatched on each side.
    let (mut q_own, mut q_repeated, mut q_patronymic) = (0.0f32, 0.0f32, 0.0f32);
    let (mut q_words_left, mut c_words_left) = (0usize, 0usize);
    for (i, t) in terms
        .iter()
        .enumerate()
        .filter(|(i, _)| !bit_set(q_used, *i))
    {
        // A person's or a vessel's name has no legal form: "Ek" or "Sá"
        // is a name word.
        let class = match t.token.class {
            TokenClass::LegalForm if unincorporated => TokenClass::Word,
            class => class,
        };
        let weight = if class == t.token.class {
            t.weight
        } else {
            class_weight(&t.token.text, class, t.idf)
        };
        let w = unmatched_weight(class, weight);
        if q_repeat(i) {
            q_repeated += w;
        } else if class == TokenClass::Word && i > 0 && t.patronymic {
            q_patronymic += w;
        } else if matches!(class, TokenClass::Word | TokenClass::Syllable) {
            q_own += w.max(floor);
            q_words_left += 1;
        } else {
            q_own += w;
        }
    }
    let (mut c_own, mut c_repeated, mut c_patronymic) = (0.0f32, 0.0f32, 0.0f32);
    for (j, &v) in name
        .tokens
        .iter()
        .enumerate()
        .filter(|(j, _)| !bit_set(c_used, *j))
    {
        let class = match name.class(j) {
            TokenClass::LegalForm if unincorporated => TokenClass::Word,
            class => class,
        };
        let w = unmatched_weight(class, index.weight(v, class));
        if c_repeat(j) {
            c_repeated += w;
        } else if class == TokenClass::Word && j > 0 && index.is_patronymic(v) {
            c_patronymic += w;
        } else if matches!(class, TokenClass::Word | TokenClass::Syllable) {
            c_own += w.max(floor);
            c_words_left += usize::from(!is_own_acronym(index, name, j));
        } else {
            c_own += w;
        }
    }
    // A patronymic one side leaves out is no conflict (lists give or omit
    // it freely); two different ones are. A name's first word is no
    // patronymic (Haidukevich is a surname).
    // A patronymic the query gives and the list omits ("Ramzan
    // Akhmatovich Kadyrov" / "Ramzan Kadyrov") costs what one the list
    // gives and the query omits costs: identity documents carry it, lists
    // often do not. Only beside a given name and a surname: in a name of
    // two words, "-vich" is the surname (Isaievych, Vasilevich).
    let q_full_name = terms
        .iter()
        .filter(|t| t.token.class == TokenClass::Word)
        .count()
        >= 3;
    let (q_patronymic, c_patronymic, q_patronymic_omitted) =
        if q_patronymic > 0.0 && c_patronymic > 0.0 {
            (q_patronymic, c_patronymic, 0.0)
        } else if q_full_name {
            (
                0.0,
                c_patronymic * PATRONYMIC_FACTOR,
                q_patronymic * PATRONYMIC_FACTOR,
            )
        } else {
            (
                q_patronymic * PATRONYMIC_FACTOR,
                c_patronymic * PATRONYMIC_FACTOR,
                0.0,
            )
        };
    let unmatched_q = q_own + q_patronymic + if c_own > 0.5 { q_repeated } else { 0.0 };
    let unmatched_c = c_own + c_patronymic + if q_own > 0.5 { c_repeated } else { 0.0 };
    let list_penalty = if syllabic {
        SYLLABLE_LIST_PENALTY
    } else if unmatched_q > 0.5 {
        CONFLICT_LIST_PENALTY
    } else {
        UNMATCHED_LIST_PENALTY
    };
    // Words present on both sides but different (another given name: often
    // a relative) are evidence against, beyond merely missing words.
    let conflict = unmatched_q.min(unmatched_c);
    let denominator = possible
        + UNMATCHED_QUERY_PENALTY * (unmatched_q + q_beyond_initial)
        + list_penalty * (unmatched_c + c_beyond_initial)
        + UNMATCHED_LIST_PENALTY * q_patronymic_omitted
        + CONFLICT_PENALTY * conflict;
    if denominator <= 0.0 || matched <= 0.0 {
        return NameScore {
            score: 0.0,
            evidence_factor: 1.0,
            differences_factor: 1.0,
        };
    }
    // The whole name met word for word, nothing left on either side, is
    // the listed name itself: common words still weigh less (Mohammed Ali
    // below Nicolas Maduro), but never so little that the listed name
    // misses itself (INT LTD EOOD).
    let whole_name = pairs.iter().all(|p| p.sim >= 1.0)
        && (0..terms.len()).all(|i| bit_set(q_used, i))
        && (0..name.tokens.len()).all(|j| bit_set(c_used, j));
    let damping = if whole_name {
        WHOLE_NAME_DAMPING
    } else {
        THIN_EVIDENCE_DAMPING
    };
    let factor = 1.0 - damping * (-evidence / EVIDENCE_SCALE).exp();
    // Differences compound: one typo, one nickname or one omitted middle
    // name is what a true match looks like; a typo and another typo, or a
    // typo and a name word one side lacks, is as often another person
    // whose name happens to be close ("Anne Townsend" / "TOWSENT, Anna",
    // "Martine Garcia" / "GARCIA CORRALES, Martin"). Counted only once
    // some word matched approximately: words left over on both sides are
    // a conflict, charged above.
    let left = usize::from(q_words_left > 0) + usize::from(c_words_left > 0);
    let differences = count_differences(index, terms, name, pairs, (left, q_used)) + kunyas_apart;
    let mut differences_factor =
        COMPOUND_DIFFERENCE_FACTOR.powi(differences.saturating_sub(1).min(4) as i32);
    if syllabic && !syllables_in_order(terms, pairs) {
        differences_factor *= REORDERED_SYLLABLES_FACTOR;
    }
    NameScore {
        score: (matched / denominator).clamp(0.0, 1.0) * factor * differences_factor,
        evidence_factor: factor,
        differences_factor,
    }
}

/// How many differences between the two names compound (`name_score`):
/// each approximate pair of words that differ by more than spelling
/// (`is_difference`, `is_short_typo`),
/// each side with own words left over, a name matched on one word only,
/// and the respelling of the name as one difference however many of its
/// words it touches: a name romanized another way differs in every word
/// ("Moammar Gadhafi" / "Muammar Qaddafi"), which alone is no difference,
/// but beside another one it is a second ("Gustavo Lopes" / "Gustavo
/// González López", "Amri Abdi" / "Amru Absi").
fn count_differences(
    index: &Index,
    terms: &[QueryTerm],
    name: &IndexedName,
    pairs: &[Pair],
    (left, q_used): (usize, u64),
) -> usize {
    let (mut differing, mut respelt) = (0usize, false);
    let few_words = pairs.len() <= 2;
    for pair in pairs {
        if is_approximate(pair) {
            if is_difference(index, terms, name, pair)
                || is_short_typo(index, terms, name, pair)
                || is_translation(pair)
            {
                differing += 1;
            } else {
                respelt = true;
            }
        } else if pair.kind == MatchKind::Transliteration
            && few_words
            && (pair.q_span, pair.c_span) == (1, 1)
            && pair.sim < FAR_READING_SIM
        {
            differing += 1;
        } else if pair.kind == MatchKind::Transliteration && pair.sim < 1.0 {
            respelt = true;
        }
    }
    let thin = one_word_matched(terms, pairs, q_used);
    // Without an approximate pair or a thin match, words left over on both
    // sides are a conflict, charged by the name score already.
    if differing == 0 && !respelt && !thin {
        return 0;
    }
    differing + left + usize::from(respelt) + usize::from(thin)
}

/// Whether a pair's word follows "Abu" or "Umm" on one side only, that
/// particle left unmatched (an article may stand between): there it names
/// the person's child in a kunya ("Abu Ibrahim", father of Ibrahim), so
/// the other side's own name meets it as a relative's.
fn kunya_apart(
    index: &Index,
    terms: &[QueryTerm],
    name: &IndexedName,
    pair: &Pair,
    (q_used, c_used): (u64, u64),
) -> bool {
    let query_word = |i: usize| terms.get(i).map(|t| t.token.text.as_str());
    let listed_word = |j: usize| name.tokens.get(j).map(|&v| index.word(v));
    let in_query = follows_lone_kunya(&query_word, usize::from(pair.q_first), q_used);
    let in_list = follows_lone_kunya(&listed_word, usize::from(pair.c_first), c_used);
    in_query != in_list
}

/// Whether the word at `at` follows a kunya's first word, left unmatched
/// (`used`), with at most articles between.
fn follows_lone_kunya<'w>(
    word_at: &dyn Fn(usize) -> Option<&'w str>,
    at: usize,
    used: u64,
) -> bool {
    let Some(before) = (0..at)
        .rev()
        .find(|&i| !matches!(word_at(i), Some("al" | "el")))
    else {
        return false;
    };
    !bit_set(used, before) && word_at(before).is_some_and(|w| knowledge::knowledge().opens_kunya(w))
}

/// Whether the name words matched are one query word while the query holds
/// more that matched nothing and is no name word (those are charged as
/// words left over): a title, a particle or a word read as a legal form ("Queen Ramadan" / "ABDALLAH, Ramadan", "Arie Sas" / "ARIES"), so
/// one word, often a common one, carries the whole match of a longer name.
/// (A listed name of one word and a legal form, met whole, is not thin:
/// that word is all the name there is.)
fn one_word_matched(terms: &[QueryTerm], pairs: &[Pair], q_used: u64) -> bool {
    let light_left = terms
        .iter()
        .enumerate()
        .any(|(i, t)| !bit_set(q_used, i) && !is_name_word(t.token.class));
    if !light_left {
        return false;
    }
    let mut covered = 0usize;
    for pair in pairs {
        if matches!(
            pair.kind,
            MatchKind::Initial | MatchKind::Honorific | MatchKind::LegalForm
        ) {
            continue;
        }
        let names = terms
            .iter()
            .skip(usize::from(pair.q_first))
            .take(usize::from(pair.q_span))
            .filter(|t| is_name_word(t.token.class))
            .count();
        covered += names;
    }
    covered == 1
}

/// Words that name the party, as against titles, particles, legal forms
/// and initials.
fn is_name_word(class: TokenClass) -> bool {
    matches!(
        class,
        TokenClass::Word | TokenClass::Syllable | TokenClass::Number
    )
}

/// Whether the `j`th listed word is the acronym of the name's other words
/// ("TARIQ GIDAR GROUP (TGG)", with or without its weak words): the name
/// written short beside itself, no word of its own a query leaves out.
fn is_own_acronym(index: &Index, name: &IndexedName, j: usize) -> bool {
    let Some(&word) = name.tokens.get(j) else {
        return false;
    };
    let word = index.word(word);
    // Compared letter by letter, not built: this runs for every listed word
    // left over in every aligned name.
    let initials_spell_word = |weak_too: bool| {
        name.tokens
            .iter()
            .enumerate()
            .filter(|&(o, _)| o != j)
            .filter(|&(o, _)| match name.class(o) {
                TokenClass::Word | TokenClass::Number => true,
                TokenClass::Weak => weak_too,
                _ => false,
            })
            .filter_map(|(_, &v)| index.word(v).chars().next())
            .eq(word.chars())
    };
    // One letter per other word at most: most words are longer than that.
    let possible = (2..name.tokens.len()).contains(&word.len());
    possible && (initials_spell_word(true) || initials_spell_word(false))
}

/// Whether the query's syllables meet the listed ones in their order, the
/// family name allowed at either end (정영수 / JONG Yong Su / Yong Su
/// JONG). A Chinese, Japanese or Korean given name is its syllables in
/// their order: 최민석 is not CH'OE So'k-min (최석민), nor 정서영 JONG Yong
/// Su. Two syllables may stand in any order.
fn syllables_in_order(terms: &[QueryTerm], pairs: &[Pair]) -> bool {
    let mut met: Vec<(u8, u8)> = pairs
        .iter()
        .filter(|p| p.q_span == 1 && p.c_span == 1)
        .filter(|p| {
            terms
                .get(usize::from(p.q_first))
                .is_some_and(|t| t.token.class == TokenClass::Syllable)
        })
        .map(|p| (p.q_first, p.c_first))
        .collect();
    if met.len() < 3 {
        return true;
    }
    met.sort_unstable();
    let listed: Vec<u8> = met.iter().map(|&(_, c)| c).collect();
    (0..listed.len()).any(|turn| {
        let mut turned = listed.clone();
        turned.rotate_left(turn);
        turned.windows(2).all(|w| w[0] < w[1])
    })
}

fn unmatched_weight(class: TokenClass, weight: f32) -> f32 {
    match class {
        TokenClass::Word | TokenClass::Number | TokenClass::Syllable => {
            weight.max(UNMATCHED_WORD_FLOOR)
        }
        TokenClass::Weak | TokenClass::Initial | TokenClass::LegalForm | TokenClass::Honorific => {
            weight
        }
    }
}

fn bit_set(mask: u64, i: usize) -> bool {
    i < 64 && mask & (1 << i) != 0
}

/// Weights of both sides of a pair. An initial only ever counts for as much
/// as the initial itself, so "J" neither confirms nor denies "John" much
/// (the rest of the word counts as unmatched).
fn pair_weights(index: &Index, terms: &[QueryTerm], name: &IndexedName, pair: &Pair) -> (f32, f32) {
    let (wq, wc) = full_pair_weights(index, terms, name, pair);
    if pair.kind == MatchKind::Initial {
        let w = wq.min(wc);
        return (w, w);
    }
    (wq, wc)
}

/// The weights of both sides' words in a pair.
fn full_pair_weights(
    index: &Index,
    terms: &[QueryTerm],
    name: &IndexedName,
    pair: &Pair,
) -> (f32, f32) {
    let wq: f32 = terms
        .iter()
        .skip(pair.q_first as usize)
        .take(pair.q_span as usize)
        .map(|t| t.weight)
        .sum();
    let wc: f32 = name
        .tokens
        .iter()
        .enumerate()
        .skip(pair.c_first as usize)
        .take(pair.c_span as usize)
        .map(|(j, &v)| index.weight(v, name.class(j)))
        .sum();
    (wq, wc)
}

/// What a qualifier compared and what it did to the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualifierEffect {
    pub qualifier: Qualifier,
    pub verdict: Verdict,
    /// Added to the name score (negative lowers it).
    pub delta: f64,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    DateOfBirth,
    Country,
    EntityType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agrees,
    Close,
    Contradicts,
}

/// The query facts qualifiers compare against an entity.
pub struct QueryFacts<'a> {
    pub entity_type: Option<EntityType>,
    pub date_of_birth: Option<PartialDate>,
    /// ISO alpha-2 codes.
    pub countries: &'a [String],
}

impl QueryFacts<'_> {
    /// The queried party's type: as given, or a person when the query
    /// carries a birth date (only people have one).
    fn party_type(&self) -> Option<(EntityType, bool)> {
        match (self.entity_type, self.date_of_birth) {
            (Some(t), _) => Some((t, false)),
            (None, Some(_)) => Some((EntityType::Person, true)),
            (None, None) => None,
        }
    }
}

/// Both birth dates in full and the same (or with day and month swapped,
/// as US and European forms write them): strong support, since few people
/// share a full birth date.
const DOB_SAME_DATE: f64 = 0.1;
/// The same year (and month when both give one) where one side gives less:
/// weak support, many people are born in any one year.
const DOB_SAME_YEAR: f64 = 0.03;
/// A year apart where one side gives only a year (lists' years are often
/// estimates), or the same day and month a year apart (a mistyped year).
const DOB_CLOSE: f64 = -0.05;
/// The same year but another month or day in full dates: a slip in one
/// field happens on forms and lists, so this is a contradiction, not a
/// refutation.
const DOB_OTHER_DAY: f64 = -0.15;
/// Years apart beyond the tolerance, or another year and another day in
/// full dates: another person. Enough to take an exact name (1.0) well
/// below the threshold.
const DOB_CONTRADICTS: f64 = -0.35;

// Support grows with what the dates share, contradiction with what they
// do not; a birth year contradicted takes an exact name with an agreeing
// country below the threshold. Checked when compiling, so retuning a value
// cannot silently break the order.
const _: () = assert!(DOB_SAME_DATE > DOB_SAME_YEAR && DOB_SAME_YEAR > 0.0);
const _: () = assert!(DOB_CONTRADICTS < DOB_OTHER_DAY && DOB_OTHER_DAY < DOB_CLOSE);
const _: () = assert!(1.0 + DOB_CONTRADICTS + COUNTRY_AGREES < 0.7);

/// A country of the party shared with the list.
const COUNTRY_AGREES: f64 = 0.03;
/// None of the query's countries among the listed nationalities,
/// citizenships or jurisdictions: people hold several nationalities and
/// move, so this weighs far less than a birth date.
const COUNTRY_CONTRADICTS: f64 = -0.1;
/// None of the query's countries among listed places only (addresses,
/// residence, place of birth): weaker still, a nationality and a place of
/// residence differ for many people.
const PLACE_CONTRADICTS: f64 = -0.05;

/// The qualifiers' effects with their explanations.
pub fn qualify(facts: &QueryFacts<'_>, entity: &Entity) -> Vec<QualifierEffect> {
    let dob = facts.date_of_birth.and_then(|q| {
        let best = birth_date_reading(q, &entity.birth_dates)?;
        let others = entity.birth_dates.len() - 1;
        let listed = if others == 0 {
            best.listed.to_string()
        } else {
            format!(
                "{} (the closest of {} listed dates)",
                best.listed,
                others + 1
            )
        };
        let shared = if best.years > 1 && matches!(best.reading, DateReading::SameYear { .. }) {
            format!(", one of {} years the list allows", best.years)
        } else {
            String::new()
        };
        Some(QualifierEffect {
            qualifier: Qualifier::DateOfBirth,
            verdict: best.reading.verdict(),
            delta: best.delta,
            detail: format!(
                "query {q} vs listed {listed}: {}{shared}",
                best.reading.describe()
            ),
        })
    });
    let country = country_reading(facts.countries, entity).map(|(verdict, delta)| {
        let listed: Vec<String> = entity
            .countries
            .iter()
            .map(|c| format!("{} ({})", c.code, role_word(c.role)))
            .collect();
        QualifierEffect {
            qualifier: Qualifier::Country,
            verdict,
            delta,
            detail: format!(
                "query {} vs listed {}",
                facts.countries.join(","),
                listed.join(", ")
            ),
        }
    });
    let kind = facts.party_type().and_then(|(party, inferred)| {
        let delta = type_delta(party, entity.entity_type)?;
        let why = if inferred {
            " (it has a birth date)"
        } else {
            ""
        };
        Some(QualifierEffect {
            qualifier: Qualifier::EntityType,
            verdict: Verdict::Contradicts,
            delta,
            detail: format!("query {party:?}{why} vs listed {:?}", entity.entity_type),
        })
    });
    [dob, country, kind].into_iter().flatten().collect()
}

/// The sum of the qualifiers' deltas, as `qualify` gives them, without
/// building explanations: it runs for every candidate of a search.
pub fn qualifier_delta(facts: &QueryFacts<'_>, entity: &Entity) -> f64 {
    let dob = facts
        .date_of_birth
        .and_then(|q| birth_date_reading(q, &entity.birth_dates))
        .map_or(0.0, |best| best.delta);
    let country = country_reading(facts.countries, entity).map_or(0.0, |(_, delta)| delta);
    let kind = facts
        .party_type()
        .and_then(|(party, _)| type_delta(party, entity.entity_type))
        .unwrap_or(0.0);
    dob + country + kind
}

/// How a query's birth date relates to one listed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateReading {
    SameDate,
    SwappedDayMonth,
    /// `placeholder`: a full date of 1 January was read as its year only.
    SameYear {
        placeholder: bool,
    },
    YearApart,
    YearMistyped,
    OtherDay,
    YearsApart(u16),
}

impl DateReading {
    fn delta(self) -> f64 {
        match self {
            Self::SameDate | Self::SwappedDayMonth => DOB_SAME_DATE,
            Self::SameYear { .. } => DOB_SAME_YEAR,
            Self::YearApart | Self::YearMistyped => DOB_CLOSE,
            Self::OtherDay => DOB_OTHER_DAY,
            Self::YearsApart(_) => DOB_CONTRADICTS,
        }
    }

    fn verdict(self) -> Verdict {
        match self {
            Self::SameDate | Self::SwappedDayMonth | Self::SameYear { .. } => Verdict::Agrees,
            Self::YearApart | Self::YearMistyped => Verdict::Close,
            Self::OtherDay | Self::YearsApart(_) => Verdict::Contradicts,
        }
    }

    fn describe(self) -> String {
        match self {
            Self::SameDate => "the same date".to_owned(),
            Self::SwappedDayMonth => "the same date with day and month swapped".to_owned(),
            Self::SameYear { placeholder: false } => "the same year".to_owned(),
            Self::SameYear { placeholder: true } => {
                "the same year (1 January, often written for an unknown day, read as the year only)"
                    .to_owned()
            }
            Self::YearApart => "one year apart (one side gives only the year)".to_owned(),
            Self::YearMistyped => "the same day and month one year apart".to_owned(),
            Self::OtherDay => "the same year, another month or day".to_owned(),
            Self::YearsApart(1) => "another year and another day".to_owned(),
            Self::YearsApart(n) => format!("{n} years apart"),
        }
    }
}

/// The listed date that agrees best with a query's.
#[derive(Debug, Clone, Copy, PartialEq)]
struct DateJudgement {
    reading: DateReading,
    listed: PartialDate,
    /// How many distinct years the list allows.
    years: usize,
    delta: f64,
}

/// The listed date that agrees best with the query's, and how; `None` when
/// the list gives no birth date (missing evidence is neutral). Several
/// listed dates (alternatives, or a range or estimate the loaders spell out
/// year by year) are each the person's possible date, so the best one
/// counts. Sharing only the year with a list that allows several years is
/// that much likelier by chance, so the support for a shared year is
/// divided among them; a full date shared keeps its weight.
fn birth_date_reading(query: PartialDate, listed: &[PartialDate]) -> Option<DateJudgement> {
    let mut years: Vec<u16> = listed.iter().map(|d| d.year).collect();
    years.sort_unstable();
    years.dedup();
    let years = years.len();
    listed
        .iter()
        .map(|&d| {
            let reading = compare_dates(query, d);
            let delta = match reading {
                DateReading::SameYear { .. } => DOB_SAME_YEAR / years.max(1) as f64,
                _ => reading.delta(),
            };
            DateJudgement {
                reading,
                listed: d,
                years,
                delta,
            }
        })
        .max_by(|a, b| a.delta.total_cmp(&b.delta))
}

fn compare_dates(q: PartialDate, l: PartialDate) -> DateReading {
    let years_apart = q.year.abs_diff(l.year);
    let full = |d: PartialDate| d.month.zip(d.day);
    match (full(q), full(l)) {
        (Some(a), Some(b)) if a == b && years_apart == 0 => DateReading::SameDate,
        (Some(a), Some(b)) if a == (b.1, b.0) && years_apart == 0 => DateReading::SwappedDayMonth,
        (Some(a), Some(b)) if a == b && years_apart == 1 => DateReading::YearMistyped,
        // 1 January stands for an unknown day in many registers and lists:
        // it says no more than the year.
        (Some(a), Some(b)) if a == (1, 1) || b == (1, 1) => {
            partial_reading(years_apart, None, true)
        }
        (Some(_), Some(_)) if years_apart == 0 => DateReading::OtherDay,
        (Some(_), Some(_)) => DateReading::YearsApart(years_apart),
        _ => {
            let months = q.month.zip(l.month).filter(|(a, b)| a != b);
            partial_reading(years_apart, months, false)
        }
    }
}

/// Dates of which one gives less than a full date (or 1 January).
/// `other_months`: both give a month and the months differ.
fn partial_reading(
    years_apart: u16,
    other_months: Option<(u8, u8)>,
    placeholder: bool,
) -> DateReading {
    match years_apart {
        0 if other_months.is_some() => DateReading::OtherDay,
        0 => DateReading::SameYear { placeholder },
        1 => DateReading::YearApart,
        n => DateReading::YearsApart(n),
    }
}

fn role_word(role: CountryRole) -> &'static str {
    match role {
        CountryRole::Nationality => "nationality",
        CountryRole::Citizenship => "citizenship",
        CountryRole::Residence => "residence",
        CountryRole::Address => "address",
        CountryRole::BirthPlace => "place of birth",
        CountryRole::Jurisdiction => "jurisdiction",
    }
}

/// Whether the query's countries meet the listed ones: any shared country
/// agrees; none shared contradicts, more weakly when the list gives only
/// places (addresses, residence, birth place) and not whose national the
/// party is. `None` when either side gives none.
fn country_reading(query: &[String], entity: &Entity) -> Option<(Verdict, f64)> {
    if query.is_empty() || entity.countries.is_empty() {
        return None;
    }
    if entity.countries.iter().any(|c| query.contains(&c.code)) {
        return Some((Verdict::Agrees, COUNTRY_AGREES));
    }
    let national = entity.countries.iter().any(|c| {
        matches!(
            c.role,
            CountryRole::Nationality | CountryRole::Citizenship | CountryRole::Jurisdiction
        )
    });
    let delta = if national {
        COUNTRY_CONTRADICTS
    } else {
        PLACE_CONTRADICTS
    };
    Some((Verdict::Contradicts, delta))
}

/// A person against an organization, vessel or aircraft, or two kinds of
/// non-person: `None` when they agree or either is unknown.
fn type_delta(query: EntityType, listed: EntityType) -> Option<f64> {
    if query == listed || query == EntityType::Unknown || listed == EntityType::Unknown {
        return None;
    }
    let person_involved = query == EntityType::Person || listed == EntityType::Person;
    Some(if person_involved { -0.25 } else { -0.15 })
}

/// One aligned token pair, for the explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenMatch {
    pub query: String,
    pub list: String,
    #[serde(flatten)]
    pub kind: MatchKind,
    pub similarity: f64,
    /// The query side's weight (list IDF, down-weighted for weak words).
    pub weight: f64,
    /// The non-Latin script involved when the two sides are written in
    /// different scripts (`"Hangul"`, `"Arabic"`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<Script>,
}

/// Why a hit scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The name score before qualifiers.
    pub name_score: f64,
    /// Multiplier below 1 when the matched words are few or common.
    pub evidence_factor: f64,
    /// Multiplier below 1 when the names differ in more than one way (an
    /// approximate word match and another, or words one side lacks).
    pub differences_factor: f64,
    pub token_matches: Vec<TokenMatch>,
    pub unmatched_query_tokens: Vec<String>,
    pub unmatched_list_tokens: Vec<String>,
    pub qualifiers: Vec<QualifierEffect>,
}

pub fn explain(
    index: &Index,
    terms: &[QueryTerm],
    name: &IndexedName,
    alignment: &Alignment,
    name_factor: f64,
    qualifiers: Vec<QualifierEffect>,
) -> Explanation {
    let join_terms = |first: u8, span: u8| -> String {
        let parts: Vec<&str> = terms
            .iter()
            .skip(first as usize)
            .take(span as usize)
            .map(|t| t.token.surface.as_deref().unwrap_or(&t.token.text))
            .collect();
        parts.join(" ")
    };
    let join_list = |first: u8, span: u8| -> String {
        let parts: Vec<&str> = name
            .tokens
            .iter()
            .skip(first as usize)
            .take(span as usize)
            .map(|&v| index.word(v))
            .collect();
        parts.join(" ")
    };
    let token_matches = alignment
        .pairs
        .iter()
        .map(|p| TokenMatch {
            query: join_terms(p.q_first, p.q_span),
            list: join_list(p.c_first, p.c_span),
            kind: p.kind,
            similarity: round3(f64::from(p.sim)),
            weight: round3(f64::from(pair_weights(index, terms, name, p).0)),
            script: cross_script(index, terms, name, p),
        })
        .collect();
    Explanation {
        name_score: round3(f64::from(alignment.score) * name_factor),
        evidence_factor: round3(f64::from(alignment.evidence_factor)),
        differences_factor: round3(f64::from(alignment.differences_factor)),
        token_matches,
        unmatched_query_tokens: terms
            .iter()
            .enumerate()
            .filter(|(i, _)| !bit_set(alignment.q_used, *i))
            .map(|(_, t)| t.token.text.clone())
            .collect(),
        unmatched_list_tokens: name
            .tokens
            .iter()
            .enumerate()
            .filter(|(j, _)| !bit_set(alignment.c_used, *j))
            .map(|(_, &v)| index.word(v).to_owned())
            .collect(),
        qualifiers,
    }
}

/// The non-Latin script of a pair whose sides are in different scripts.
fn cross_script(
    index: &Index,
    terms: &[QueryTerm],
    name: &IndexedName,
    p: &Pair,
) -> Option<Script> {
    let q = terms.get(usize::from(p.q_first))?.token.script;
    let c = index.script(*name.tokens.get(usize::from(p.c_first))?);
    (q != c).then_some(if q == Script::Latin { c } else { q })
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of one person per name, listed under it.
    fn people(names: &[&str]) -> Index {
        use crate::model::{NameKind, NameQuality};
        let entities: Vec<Entity> = names
            .iter()
            .map(|n| {
                let mut e = Entity::new(*n, EntityType::Person);
                e.add_name(n, NameKind::Primary, NameQuality::Strong);
                e
            })
            .collect();
        Index::build(&entities)
    }

    /// `query` aligned with entity `e`'s first name.
    fn align_query(index: &Index, query: &str, e: u32, person: bool) -> Alignment {
        let (terms, matches) = index.prepare(crate::normalize::tokenize(query));
        let prepared = PreparedQuery::new(&terms, &matches);
        let listed = if person {
            EntityType::Person
        } else {
            EntityType::Unknown
        };
        align(index, &prepared, &index.names_of(e)[0], listed)
    }

    /// A legal form closing a name is ignorable against a company of that
    /// name, but a name word against a vessel: vessels are not incorporated.
    #[test]
    fn a_legal_form_is_a_name_word_against_a_vessel() {
        use crate::model::{NameKind, NameQuality};
        let types = [EntityType::Vessel, EntityType::Organization];
        let entities: Vec<Entity> = types
            .iter()
            .map(|&t| {
                let mut e = Entity::new("JASMINE", t);
                e.add_name("JASMINE", NameKind::Primary, NameQuality::Strong);
                e
            })
            .collect();
        let index = Index::build(&entities);
        let (terms, matches) = index.prepare(crate::normalize::tokenize("Jasmine Ek"));
        let query = PreparedQuery::new(&terms, &matches);
        let score = |e: u32| align(&index, &query, &index.names_of(e)[0], types[e as usize]).score;
        let (vessel, company) = (score(0), score(1));
        assert!(vessel < company - 0.1, "{vessel} / {company}");
    }

    /// An alignment's score before thin evidence damps it: a tiny index
    /// makes every word common, and the exact name is damped less than any
    /// variant, so comparing a variant with it would measure the damping.
    fn undamped(alignment: &Alignment) -> f32 {
        alignment.score / alignment.evidence_factor
    }

    fn date(raw: &str) -> PartialDate {
        PartialDate::parse(raw).unwrap()
    }

    /// The bound that lets a search skip aligning a name never falls below
    /// the name's score: over every written pair of both halves (true
    /// variants and hard negatives, every script), a name is aligned
    /// whenever asked for the score it gets. And the bound does skip
    /// names: the search would gain nothing otherwise.
    #[test]
    fn the_score_bound_never_skips_a_name_that_reaches_the_bar() {
        let mut pairs = crate::eval::written_pairs();
        pairs.extend(crate::eval::written_pairs_held_out());
        let listed: Vec<&str> = pairs.iter().map(|p| p.listed.as_str()).collect();
        let index = people(&listed);
        let mut skipped_at_default = 0;
        for (e, pair) in pairs.iter().enumerate() {
            let (terms, matches) = index.prepare(crate::normalize::tokenize(&pair.query));
            let query = PreparedQuery::new(&terms, &matches);
            let Some(name) = index.names_of(e as u32).first() else {
                continue;
            };
            for listed in [EntityType::Person, EntityType::Organization] {
                let score = align(&index, &query, name, listed).score;
                assert!(
                    align_reaching(&index, &query, name, listed, score).is_some(),
                    "{} / {} ({listed:?}) scores {score} but was skipped",
                    pair.query,
                    pair.listed
                );
                let skipped = align_reaching(&index, &query, name, listed, 0.75).is_none();
                skipped_at_default += usize::from(skipped);
            }
        }
        assert!(
            skipped_at_default > pairs.len() / 10,
            "{skipped_at_default}"
        );
    }

    #[test]
    fn dates_agree_contradict_or_are_close() {
        let full = date("1957-11-08");
        let reading = |listed: &str| compare_dates(full, date(listed));
        assert_eq!(reading("1957-11-08"), DateReading::SameDate);
        assert_eq!(reading("1957-08-11"), DateReading::SwappedDayMonth);
        assert_eq!(
            reading("1957"),
            DateReading::SameYear { placeholder: false }
        );
        assert_eq!(
            reading("Nov 1957"),
            DateReading::SameYear { placeholder: false }
        );
        assert_eq!(reading("Mar 1957"), DateReading::OtherDay);
        assert_eq!(reading("1957-03-02"), DateReading::OtherDay);
        assert_eq!(reading("1958"), DateReading::YearApart);
        assert_eq!(reading("1956-11-08"), DateReading::YearMistyped);
        // Another year and another day in full dates is no mistyped year.
        assert_eq!(reading("1958-03-02"), DateReading::YearsApart(1));
        assert_eq!(reading("1959"), DateReading::YearsApart(2));
        assert_eq!(reading("1970"), DateReading::YearsApart(13));
        // 1 January is read as the year alone, on either side.
        assert_eq!(
            reading("1957-01-01"),
            DateReading::SameYear { placeholder: true }
        );
        assert_eq!(
            compare_dates(date("1957-01-01"), full),
            DateReading::SameYear { placeholder: true }
        );
        assert_eq!(reading("1960-01-01"), DateReading::YearsApart(3));
    }

    #[test]
    fn the_best_listed_date_counts_and_none_is_neutral() {
        let query = date("1965-06-15");
        // A range the list gives (1960 to 1966) is spelt out year by year.
        let range: Vec<PartialDate> = (1960..=1966).map(PartialDate::year).collect();
        let best = birth_date_reading(query, &range).unwrap();
        assert_eq!(best.reading, DateReading::SameYear { placeholder: false });
        assert_eq!(best.listed, PartialDate::year(1965));
        // One year of seven shared is weaker support than a year stated.
        assert!((best.delta - DOB_SAME_YEAR / 7.0).abs() < 1e-9);
        let single = birth_date_reading(query, &[PartialDate::year(1965)]).unwrap();
        assert_eq!(single.delta, DOB_SAME_YEAR);
        let alternatives = [date("1940-02-03"), date("1964-06-15")];
        assert_eq!(
            birth_date_reading(query, &alternatives).map(|r| r.reading),
            Some(DateReading::YearMistyped)
        );
        // A full date shared keeps its weight among alternatives.
        let alternatives = [date("1940-02-03"), date("1965-06-15")];
        assert_eq!(
            birth_date_reading(query, &alternatives).map(|r| r.delta),
            Some(DOB_SAME_DATE)
        );
        assert_eq!(birth_date_reading(query, &[]), None);
    }

    #[test]
    fn qualifiers_explain_what_moved_the_score() {
        use crate::model::CountryLink;
        let mut person = Entity::new("p", EntityType::Person);
        person.add_birth_date(date("1957-11-08"));
        person.countries.push(CountryLink {
            code: "RU".into(),
            role: CountryRole::Nationality,
        });
        let company = Entity::new("c", EntityType::Organization);
        let (ru, fr) = (&["RU".to_owned()][..], &["FR".to_owned()][..]);
        fn facts<'a>(dob: &str, countries: &'a [String]) -> QueryFacts<'a> {
            QueryFacts {
                entity_type: None,
                date_of_birth: PartialDate::parse(dob),
                countries,
            }
        }
        let total = |f: &QueryFacts<'_>, e: &Entity| {
            let effects = qualify(f, e);
            let sum: f64 = effects.iter().map(|q| q.delta).sum();
            assert!((sum - qualifier_delta(f, e)).abs() < 1e-9, "{effects:?}");
            (sum, effects)
        };
        let (agreeing, effects) = total(&facts("1957-11-08", ru), &person);
        assert!((agreeing - (DOB_SAME_DATE + COUNTRY_AGREES)).abs() < 1e-9);
        assert!(effects[0].detail.contains("the same date"), "{effects:?}");
        let (against, effects) = total(&facts("1975-02-03", fr), &person);
        assert!((against - (DOB_CONTRADICTS + COUNTRY_CONTRADICTS)).abs() < 1e-9);
        assert!(effects[0].detail.contains("18 years apart"), "{effects:?}");
        assert!(
            effects[1].detail.contains("RU (nationality)"),
            "{effects:?}"
        );
        // A birth date says the party is a person: a company of that name
        // is another party, though it has no birth date to compare.
        let (typed, effects) = total(&facts("1975-02-03", &[]), &company);
        assert_eq!(typed, -0.25);
        assert!(
            effects[0].detail.contains("it has a birth date"),
            "{effects:?}"
        );
        // Nothing to compare is no evidence either way.
        assert_eq!(total(&facts("", &[]), &person).0, 0.0);
        assert_eq!(
            total(
                &facts("1975-02-03", ru),
                &Entity::new("x", EntityType::Person)
            )
            .0,
            0.0
        );
    }

    #[test]
    fn differences_compound_but_spellings_do_not() {
        let names = [
            "TOWNSEND, Anna",
            "QADHAFI, Muammar",
            "GARCIA CORRALES, Martin",
            "KOZLOV Sergei Ivan",
            "GARCIA LOPEZ, Gustavo",
            "HASSAN DAHIR AWEYS (HDA)",
        ];
        let index = people(&names);
        let aligned = |query: &str, e: u32| align_query(&index, query, e, true);
        // One typo is what a true match looks like.
        assert_eq!(aligned("Anna Townsand", 0).differences_factor, 1.0);
        // A nickname and a typo, or a typo and a listed word left over,
        // compound.
        let two = aligned("Hannah Townsand", 0);
        assert!(two.differences_factor < 1.0, "{}", two.differences_factor);
        assert!(two.score < aligned("Anna Townsand", 0).score * 0.9);
        assert!(aligned("Marvin Garcia", 2).differences_factor < 1.0);
        assert_eq!(aligned("Martin Garcia", 2).differences_factor, 1.0);
        // Romanizations of one name differ in every word, and that is no
        // difference.
        assert_eq!(aligned("Moammar Gadhafi", 1).differences_factor, 1.0);
        // Beside another difference, the respelling is a second one.
        assert!(aligned("Gustavo Lopes", 4).differences_factor < 1.0);
        assert_eq!(aligned("Gustavo Lopez", 4).differences_factor, 1.0);
        // A listed acronym of the name is no word left over.
        assert_eq!(aligned("Hasan Dahir Aweys", 5).differences_factor, 1.0);
        // So from Cyrillic: a respelling alone is none, beside words left
        // over it is one more.
        assert_eq!(aligned("Сергей Иван Козлав", 3).differences_factor, 1.0);
        assert!(aligned("Сергей Козлав Петр", 3).differences_factor < 1.0);
    }

    #[test]
    fn syllables_met_out_of_order_are_another_name() {
        let index = people(&["JONG, Yong Su"]);
        let factor = |query: &str| align_query(&index, query, 0, true).differences_factor;
        assert_eq!(factor("정영수"), 1.0);
        assert_eq!(factor("Yong Su Jong"), 1.0);
        assert!(factor("정수영") < 0.75);
    }

    #[test]
    fn short_typos_and_consonants_from_indic_scripts_are_differences() {
        let index = people(&["GULL, Rida", "SAHAB, Haji"]);
        let factor = |query: &str, e: u32| align_query(&index, query, e, true).differences_factor;
        // A typo in each of two four-letter words.
        assert!(factor("Rita Gual", 0) < 1.0);
        assert_eq!(factor("Rida Gull", 0), 1.0);
        // Devanagari writes its vowels: Hari is not Haji, nor Saha Sahab.
        assert!(factor("हरि साहा", 1) < 1.0);
    }

    #[test]
    fn one_name_word_beside_a_title_is_thin() {
        let index = people(&["ABDALLAH, Ramadan", "ARIES"]);
        let aligned = |query: &str, e: u32| align_query(&index, query, e, false);
        assert!(aligned("Queen Ramadan", 0).differences_factor < 1.0);
        assert_eq!(aligned("Abdallah Ramadan", 0).differences_factor, 1.0);
        // A listed name of one word met whole is not thin.
        assert_eq!(aligned("Aries", 1).differences_factor, 1.0);
    }

    #[test]
    fn a_phrase_is_not_broken_up_by_a_word_of_it_paired_alone() {
        use crate::normalize::tokenize;
        let names = ["ABDALLAH AL-UBAIDI", "AREFULLAH AREF GHAZI"];
        let index = people(&names);
        for (query, e) in [("عبد الله العبيدي", 0), ("عارف الله عارف غازی", 1)]
        {
            let (terms, matches) = index.prepare(tokenize(query));
            let alignment = align(
                &index,
                &PreparedQuery::new(&terms, &matches),
                &index.names_of(e)[0],
                EntityType::Person,
            );
            // Every query word is aligned: "عبد الله" with ABDALLAH,
            // "عارف الله" with AREFULLAH.
            assert_eq!(alignment.q_used, (1 << terms.len()) - 1, "{query}");
            assert!(alignment.score > 0.6, "{query}: {}", alignment.score);
        }
    }

    #[test]
    fn a_patronymic_omitted_costs_the_same_on_either_side() {
        let names = ["Ramzan Kadyrov", "Ramzan Akhmatovich Kadyrov", "Martin"];
        let index = people(&names);
        let score = |query: &str, e: u32| align_query(&index, query, e, true).score;
        let query_gives = score("Ramzan Akhmatovich Kadyrov", 0);
        let list_gives = score("Ramzan Kadyrov", 1);
        assert!(
            (query_gives - list_gives).abs() < 0.02,
            "{query_gives} {list_gives}"
        );
        // Beside a given name alone, "-vich" is a surname, which the list
        // lacks.
        assert!(score("Martin Isaievich", 2) < query_gives - 0.1);
    }

    #[test]
    fn syllabic_names_miss_no_syllable_and_initials_confirm_little() {
        use crate::model::{NameKind, NameQuality};
        let mut a = Entity::new("a", EntityType::Person);
        a.add_name("Chang-Su Han", NameKind::Primary, NameQuality::Strong);
        let mut b = Entity::new("b", EntityType::Person);
        b.add_name(
            "OGUNGBUYI, Oluwole A.",
            NameKind::Primary,
            NameQuality::Strong,
        );
        let mut c = Entity::new("c", EntityType::Person);
        c.add_name("Chang Han", NameKind::Primary, NameQuality::Strong);
        let index = Index::build(&[a, b, c]);
        let score = |query: &str, e: u32| align_query(&index, query, e, true).score;
        assert!(score("韩畅", 0) < score("韩畅", 2) * 0.8);
        assert!(score("Oluwole Adebisi Ogungbuyi", 1) < score("Oluwole A. Ogungbuyi", 1) * 0.9);
    }

    #[test]
    fn a_moved_word_boundary_is_one_joined_pair() {
        use crate::model::{NameKind, NameQuality};
        let mut a = Entity::new("a", EntityType::Organization);
        a.add_name("PROPERTY-VB OOD", NameKind::Primary, NameQuality::Strong);
        let mut b = Entity::new("b", EntityType::Person);
        b.add_name("Ali Brahim", NameKind::Primary, NameQuality::Strong);
        let index = Index::build(&[a, b]);
        let align_with = |query: &str, e: u32| {
            let alignment = align_query(&index, query, e, e == 1);
            let kinds: Vec<MatchKind> = alignment.pairs.iter().map(|p| p.kind).collect();
            (undamped(&alignment), kinds)
        };
        let (moved, kinds) = align_with("PROPERTYV-B OOD", 0);
        assert!(kinds.contains(&MatchKind::Joined), "{kinds:?}");
        let (exact, _) = align_with("PROPERTY-VB OOD", 0);
        assert!(moved >= 0.9 * exact, "{moved} against {exact}");
        // An article is no name word to regroup.
        let (article, kinds) = align_with("Al Ibrahim", 1);
        assert!(!kinds.contains(&MatchKind::Joined), "{kinds:?}");
        assert!(article < 0.75, "{article}");
    }

    #[test]
    fn an_arabic_compound_written_as_one_word_meets_its_three_listed_words() {
        let index = people(&["Abd al-Rahman Ali", "Abd al-Rahim Ali"]);
        let score = |query: &str, e: u32| undamped(&align_query(&index, query, e, true));
        let exact = score("Abd al-Rahman Ali", 0);
        for query in ["Abdulrahman Ali", "Abdelrahman Ali"] {
            let joined = score(query, 0);
            assert!(joined >= 0.85 * exact, "{query}: {joined} against {exact}");
        }
        // The article assimilated is a second consonant changed: weaker.
        assert!(score("Abdurrahman Ali", 0) >= 0.75 * exact);
        // Another name of the same shape stays another name.
        assert!(score("Abdulrahman Ali", 1) < 0.5 * exact);
    }

    #[test]
    fn a_name_hyphenated_in_three_meets_the_word_it_is_written_as() {
        let index = people(&["Prayut Chan-o-cha", "Prayut Chan O Cha"]);
        let score = |query: &str, e: u32| undamped(&align_query(&index, query, e, true));
        let exact = score("Prayut Chan-o-cha", 0);
        assert!(score("Prayut Chanocha", 0) >= 0.9 * exact);
        // Three names written apart are three names, not one word's parts.
        assert!(score("Prayut Chanocha", 1) < 0.75);
    }

    #[test]
    fn a_typo_by_a_hyphen_stays_inside_its_written_word() {
        let index = people(&["AL-BUSTAN, Ahmad", "AL-TIKRITI, Abid", "Al Kadi, Ahmad"]);
        let joined = |query: &str, e: u32| {
            let alignment = align_query(&index, query, e, true);
            let joined = alignment.pairs.iter().any(|p| p.kind == MatchKind::Joined);
            (joined, alignment.score)
        };
        // The hyphen moved, a letter added, lost or (from eight letters)
        // changed next to it: one written word with one typo.
        for (query, e) in [
            ("Ahmad ALB-USTAN", 0),
            ("Ahmad ALg-BUSTAN", 0),
            ("Abid AL-fIKRITI", 1),
        ] {
            let (regrouped, score) = joined(query, e);
            assert!(regrouped && score >= 0.75, "{query}: {score}");
        }
        // Words written apart, or a changed first letter in a short word,
        // are other names.
        assert!(!joined("Ahmad Alk Adi", 2).0);
        assert!(!joined("Ahmad AL-HADI", 2).0);
    }

    #[test]
    fn a_word_joining_two_listed_words_with_a_typo_is_a_typo() {
        let index = people(&["AL-MASRI, Mohamed"]);
        let pair_of = |query: &str| {
            let alignment = align_query(&index, query, 0, true);
            let joined = alignment.pairs.iter().find(|p| p.c_span == 2).copied();
            (joined, alignment.score)
        };
        let (same_letters, exact_score) = pair_of("Almasri Mohamed");
        assert!(same_letters.is_some_and(|p| p.kind == MatchKind::Joined && !p.differs));
        let (misspelt, score) = pair_of("Almasi Mohamed");
        let misspelt = misspelt.expect("joined with a typo");
        assert_eq!(misspelt.kind, MatchKind::Typo { edits: 1 });
        assert!(
            misspelt.differs && misspelt.sim < JOINED_SIM,
            "{misspelt:?}"
        );
        assert!(score < exact_score, "{score} against {exact_score}");
    }

    #[test]
    fn a_companys_legal_form_meets_no_arabic_or_hebrew_spelling_of_it() {
        use crate::model::{NameKind, NameQuality};
        let mut company = Entity::new("c", EntityType::Organization);
        company.add_name(
            "TIA TRADING LTD OOD",
            NameKind::Primary,
            NameQuality::Strong,
        );
        let index = Index::build(&[company]);
        // עודה (Oda) could be spelt "ood", but a legal form is written in
        // Latin letters: the word is a name word left over.
        let alignment = align_query(&index, "תיא עודה", 0, false);
        assert!(alignment.pairs.iter().all(|p| p.q_first != 1));
        assert!(alignment.score < 0.75, "{}", alignment.score);
    }

    #[test]
    fn nicknames_meet_people_not_things() {
        let index = people(&["Lauren"]);
        let (terms, matches) = index.prepare(crate::normalize::tokenize("Laurie"));
        let prepared = PreparedQuery::new(&terms, &matches);
        let name = &index.names_of(0)[0];
        let nickname = |a: &Alignment| a.pairs.iter().any(|p| p.kind == MatchKind::Nickname);
        assert!(nickname(&align(
            &index,
            &prepared,
            name,
            EntityType::Person
        )));
        assert!(nickname(&align(
            &index,
            &prepared,
            name,
            EntityType::Unknown
        )));
        // A vessel LAUREN is named as written.
        let vessel = align(&index, &prepared, name, EntityType::Vessel);
        assert!(!nickname(&vessel));
        assert!(vessel.score < 0.75, "{}", vessel.score);
    }

    #[test]
    fn span_masks() {
        assert_eq!(span_mask(0, 1), 1);
        assert_eq!(span_mask(2, 2), 0b1100);
        assert_eq!(span_mask(70, 1), 0);
    }
}
