//! Sanctions and PEP screening for kycore: list loaders for the official
//! formats, a normalising in-memory candidate index, and an explainable
//! name scorer with date-of-birth, country and entity-type qualifiers.
//!
//! Typical use: load lists with the `lists::*` modules, build one
//! [`Screener`] (immutable, `Send + Sync`, share it in an `Arc`), then call
//! [`Screener::search`] from any thread. A search costs well under a
//! millisecond, so an async server can run it inline or on its blocking pool.
//!
//! # What the score means
//!
//! A hit's `score` is in `[0, 1]` and reads as "how likely this list entry
//! is the queried party, on the evidence given". It is calibrated on the
//! generated evaluation set (`eval`, which prints the table): pairs scoring
//! 0.8 or more were true matches in all but one of about 3,000 cases, pairs
//! at 0.7–0.8 in about 40 %, pairs at 0.2–0.7 in under 5 %.
//! [`DEFAULT_THRESHOLD`] (0.75) sits in the uncertain band on purpose: a
//! missed match costs more than a review. Scores near 1 need an exact or
//! near-exact match of rare name words and no contradicting qualifier; a
//! name-only match of common words stays lower; a contradicting date of
//! birth (different year) takes 0.3 off, a different country 0.1, a
//! person/organisation mix-up 0.25. Agreeing qualifiers add a little
//! (0.03–0.06). Every hit carries an [`Explanation`].

#![forbid(unsafe_code)]

pub mod batch;
mod country;
mod edits;
pub mod eval;
mod index;
mod knowledge;
pub mod lists;
pub mod model;
pub mod normalize;
mod score;
mod screener;
mod translit;

pub use lists::ListError;
pub use model::{
    CountryRole, Entity, EntityType, ListSource, LoadedList, Name, NameKind, NameQuality,
    PartialDate,
};
pub use score::{Explanation, MatchKind, Qualifier, QualifierEffect, TokenMatch, Verdict};
pub use screener::{
    DEFAULT_LIMIT, DEFAULT_THRESHOLD, Hit, MAX_LIMIT, MAX_NAME_CHARS, Query, QueryError, Screener,
};
