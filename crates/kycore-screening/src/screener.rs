//! The public search API: a `Screener` holds the loaded lists and their index
//! and answers `Query`s with scored, explained `Hit`s. It is immutable after
//! construction, hence `Send + Sync`: share it in an `Arc` and swap the whole
//! value on list refresh.

use serde::Serialize;

use crate::index::{Index, IndexedName, MAX_TOKENS};
use crate::model::{
    Entity, EntityType, ListSource, LoadedList, NameKind, NameQuality, PartialDate,
};
use crate::normalize::{self, Script, TokenClass};
use crate::score::{self, Explanation, PreparedQuery, QueryFacts, WEAK_ALIAS_FACTOR};

/// Score at or above which a hit is reported as a match. See the crate docs
/// for what the score means.
pub const DEFAULT_THRESHOLD: f64 = 0.75;
/// Hits returned when the query does not say.
pub const DEFAULT_LIMIT: usize = 10;
/// Longest accepted query name, in characters.
pub const MAX_NAME_CHARS: usize = 300;
/// Most hits a query may ask for.
pub const MAX_LIMIT: usize = 100;
/// Entities passed from the candidate index to the scorer.
const MAX_CANDIDATES: usize = 150;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub name: String,
    pub entity_type: Option<EntityType>,
    pub date_of_birth: Option<PartialDate>,
    /// Country codes or names (nationality, residence…).
    pub countries: Vec<String>,
    /// Minimum score; `DEFAULT_THRESHOLD` when `None`.
    pub threshold: Option<f64>,
    /// Restrict to these list ids; all lists when `None`.
    pub lists: Option<Vec<String>>,
    /// Most hits to return; `DEFAULT_LIMIT` when `None`.
    pub limit: Option<usize>,
}

impl Query {
    pub fn name(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the name has no letters or digits")]
    EmptyName,
    #[error("the name is {chars} characters long; at most {max} are accepted")]
    NameTooLong { chars: usize, max: usize },
    #[error("the name has {tokens} words; at most {max} are accepted")]
    TooManyWords { tokens: usize, max: usize },
    #[error("threshold must be between 0 and 1")]
    InvalidThreshold,
    #[error("limit must be between 1 and {max}")]
    InvalidLimit { max: usize },
    #[error("unknown list id {0:?}")]
    UnknownList(String),
}

/// One matching list entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub entity_id: String,
    /// The entity's primary name.
    pub name: String,
    /// The name (primary or alias) that matched best.
    pub matched_name: String,
    pub score: f64,
    /// The list id.
    pub list: String,
    pub entity_type: EntityType,
    pub explanation: Explanation,
    /// The entry's position in [`Screener::entities`], for callers that need all of it.
    #[serde(skip)]
    pub entity_index: usize,
}

pub struct Screener {
    lists: Vec<ListSource>,
    entities: Vec<Entity>,
    /// Index into `lists` for each entity.
    entity_list: Vec<u16>,
    index: Index,
}

/// A candidate's best name after scoring.
struct Scored {
    entity: u32,
    name: usize,
    score: f64,
}

impl Screener {
    pub fn new(lists: Vec<LoadedList>) -> Self {
        let mut sources = Vec::with_capacity(lists.len());
        let mut entities = Vec::new();
        let mut entity_list = Vec::new();
        for (i, list) in lists.into_iter().enumerate() {
            let list_no = u16::try_from(i).unwrap_or(u16::MAX);
            entity_list.extend(std::iter::repeat_n(list_no, list.entities.len()));
            entities.extend(list.entities);
            sources.push(list.source);
        }
        let index = Index::build(&entities);
        Self {
            lists: sources,
            entities,
            entity_list,
            index,
        }
    }

    pub fn lists(&self) -> &[ListSource] {
        &self.lists
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The entry `entity_id` of the list `list_id`, when that list is loaded and has it
    /// (ids are unique within one list only).
    pub fn entry(&self, list_id: &str, entity_id: &str) -> Option<&Entity> {
        let list_no = self.lists.iter().position(|l| l.list_id == list_id)?;
        let list_no = u16::try_from(list_no).ok()?;
        self.entities
            .iter()
            .zip(&self.entity_list)
            .find(|(entity, list)| **list == list_no && entity.id == entity_id)
            .map(|(entity, _)| entity)
    }

    /// Rough heap bytes of the index alone.
    pub fn index_bytes(&self) -> usize {
        self.index.approx_bytes()
    }

    pub fn search(&self, query: &Query) -> Result<Vec<Hit>, QueryError> {
        let threshold = checked_threshold(query.threshold)?;
        let limit = checked_limit(query.limit)?;
        let allowed = self.allowed_lists(query.lists.as_deref())?;
        let (terms, matches) = self.index.prepare(checked_tokens(&query.name)?);
        let accept = |e: u32| {
            let list = self
                .entity_list
                .get(e as usize)
                .copied()
                .unwrap_or(u16::MAX);
            allowed.as_ref().is_none_or(|a| a.contains(&list))
        };
        let candidates = self
            .index
            .candidates(&terms, &matches, MAX_CANDIDATES, accept);
        let prepared = PreparedQuery::new(&terms, &matches);
        let countries = query_countries(&query.countries);
        let facts = QueryFacts {
            entity_type: query.entity_type,
            date_of_birth: query.date_of_birth,
            countries: &countries,
        };
        let mut scored: Vec<Scored> = candidates
            .into_iter()
            .filter_map(|e| self.score_entity(&prepared, &facts, e, threshold))
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entity.cmp(&b.entity)));
        scored.truncate(limit);
        Ok(scored
            .iter()
            .map(|s| self.hit(&prepared, &facts, s))
            .collect())
    }

    /// Scores a pair of names: how likely they name one party, using the
    /// loaded lists' word statistics. `schema` (Person, Company, Vessel…)
    /// sets both sides' type; unknown schemas are ignored. The order of the
    /// two names does not matter (see [`pair_readings`]).
    pub fn score_pair(&self, schema: &str, name1: &str, name2: &str) -> f64 {
        self.explain_pair(schema, name1, name2)
            .map_or(0.0, |e| e.name_score)
    }

    /// `score_pair` with the explanation of the best-scoring alignment; its
    /// query side is the name read as the query. `None` when either name
    /// has no words.
    pub fn explain_pair(&self, schema: &str, name1: &str, name2: &str) -> Option<Explanation> {
        let entity_type = EntityType::parse(schema).unwrap_or(EntityType::Unknown);
        // A name without words is no pair; one past the query limits is
        // still read as the listed one.
        let tokens1 = checked_tokens(name1);
        let tokens2 = checked_tokens(name2);
        if [&tokens1, &tokens2]
            .iter()
            .any(|t| matches!(t, Err(QueryError::EmptyName)))
        {
            return None;
        }
        let (tokens1, tokens2) = (tokens1.ok(), tokens2.ok());
        let readings = match (&tokens1, &tokens2) {
            (Some(t1), Some(t2)) => pair_readings(entity_type, t1, t2),
            _ => &[false, true],
        };
        readings
            .iter()
            .filter_map(|&swapped| {
                let (query, listed) = if swapped {
                    (tokens2.clone()?, name1)
                } else {
                    (tokens1.clone()?, name2)
                };
                self.explain_read(entity_type, query, listed)
            })
            .max_by(|a, b| a.name_score.total_cmp(&b.name_score))
    }

    /// The explanation of `query` against `listed` as one listed entry.
    fn explain_read(
        &self,
        entity_type: EntityType,
        query: Vec<normalize::Token>,
        listed: &str,
    ) -> Option<Explanation> {
        let mut entity = Entity::new("pair", entity_type);
        entity.add_name(listed, NameKind::Primary, NameQuality::Strong);
        let mut single = Index::build(std::slice::from_ref(&entity));
        single.reweigh(&self.index);
        let (terms, matches) = single.prepare(query);
        let prepared = PreparedQuery::new(&terms, &matches);
        let (name, alignment) = single
            .names_of(0)
            .iter()
            .map(|n| (n, score::align(&single, &prepared, n, entity_type)))
            .max_by(|a, b| a.1.score.total_cmp(&b.1.score))?;
        Some(score::explain(
            &single,
            &terms,
            name,
            &alignment,
            1.0,
            Vec::new(),
        ))
    }

    fn allowed_lists(&self, ids: Option<&[String]>) -> Result<Option<Vec<u16>>, QueryError> {
        let Some(ids) = ids else {
            return Ok(None);
        };
        ids.iter()
            .map(|id| {
                self.lists
                    .iter()
                    .position(|l| &l.list_id == id)
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| QueryError::UnknownList(id.clone()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The entity's best name and score when it reaches `threshold`.
    fn score_entity(
        &self,
        query: &PreparedQuery<'_>,
        facts: &QueryFacts<'_>,
        e: u32,
        threshold: f64,
    ) -> Option<Scored> {
        let entity = self.entities.get(e as usize)?;
        let delta = score::qualifier_delta(facts, entity);
        // The name score that reaches the threshold with the qualifiers'
        // delta, before rounding to three decimals (half a thousandth up).
        let bar = threshold - delta - 0.0005;
        let names = self.index.names_of(e);
        // A query in Han or Hangul is compared with the entry's names in the
        // same script when it has some: there each character is a syllable
        // of the name, and readings would blur characters that differ.
        let script = syllable_script(query.terms.iter().map(|t| (t.token.class, t.token.script)));
        let same_script = |n: &IndexedName| {
            script.is_some()
                && syllable_script(
                    n.tokens
                        .iter()
                        .zip(n.classes.iter())
                        .map(|(&v, &class)| (class, self.index.script(v))),
                ) == script
        };
        let restrict = names.iter().any(same_script);
        let (name, name_score) = names
            .iter()
            .zip(&entity.names)
            .enumerate()
            .filter(|(_, (indexed, _))| {
                (!restrict || same_script(indexed)) && query.worth_aligning(indexed)
            })
            .filter_map(|(i, (indexed, name))| {
                let quality = quality_factor(name.quality);
                let at_least = (bar / quality) as f32;
                let alignment = score::align_reaching(
                    &self.index,
                    query,
                    indexed,
                    entity.entity_type,
                    at_least,
                )?;
                Some((i, f64::from(alignment.score) * quality))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let score = score::round3((name_score + delta).clamp(0.0, 1.0));
        (score >= threshold).then_some(Scored {
            entity: e,
            name,
            score,
        })
    }

    fn hit(&self, query: &PreparedQuery<'_>, facts: &QueryFacts<'_>, s: &Scored) -> Hit {
        let entity = &self.entities[s.entity as usize];
        let indexed = &self.index.names_of(s.entity)[s.name];
        let name = &entity.names[s.name];
        let alignment = score::align(&self.index, query, indexed, entity.entity_type);
        let qualifiers = score::qualify(facts, entity);
        let explanation = score::explain(
            &self.index,
            query.terms,
            indexed,
            &alignment,
            quality_factor(name.quality),
            qualifiers,
        );
        let list_no = self.entity_list[s.entity as usize] as usize;
        Hit {
            entity_id: entity.id.clone(),
            name: entity.primary_name().to_owned(),
            matched_name: name.full.clone(),
            score: s.score,
            list: self
                .lists
                .get(list_no)
                .map(|l| l.list_id.clone())
                .unwrap_or_default(),
            entity_type: entity.entity_type,
            entity_index: s.entity as usize,
            explanation,
        }
    }
}

/// How a pair of names is read: as given (`false`, the first name the
/// query) or swapped (`true`). The scorer reads a query against a listed
/// name, and what it reads across scripts, digits written for letters and
/// acronyms it reads on the query's side, as a customer's name is read
/// against a list. So the name written in another script than Latin is the
/// query; then the one with digits among its letters; then a one-word
/// acronym against a longer name. Names alike on those counts are read both
/// ways and the better reading kept, except the names of organizations,
/// vessels and aircraft, where the name of more words is the query: a word
/// only one side has is there more often a distinguishing one (a
/// subsidiary's place, "II") than a middle name one side omits, and the
/// scorer weighs words a query adds as such.
fn pair_readings(
    entity_type: EntityType,
    first: &[normalize::Token],
    second: &[normalize::Token],
) -> &'static [bool] {
    let named_thing = matches!(
        entity_type,
        EntityType::Organization | EntityType::Vessel | EntityType::Aircraft
    );
    let not_latin = |t: &[normalize::Token]| t.iter().any(|t| t.script != Script::Latin);
    let disguised = |t: &[normalize::Token]| {
        t.iter()
            .any(|t| normalize::digits_as_letters(&t.text).is_some())
    };
    let acronym = |t: &[normalize::Token], other: &[normalize::Token]| matches!(t, [only] if other.len() >= 3 && crate::index::reads_as_acronym(&only.text));
    let keys = |t: &[normalize::Token], other: &[normalize::Token]| {
        let words = if named_thing { t.len() } else { 0 };
        (not_latin(t), disguised(t), acronym(t, other), words)
    };
    match keys(first, second).cmp(&keys(second, first)) {
        std::cmp::Ordering::Greater => &[false],
        std::cmp::Ordering::Less => &[true],
        std::cmp::Ordering::Equal => &[false, true],
    }
}

/// The script of the first Han or Hangul syllable among tokens.
fn syllable_script(mut tokens: impl Iterator<Item = (TokenClass, Script)>) -> Option<Script> {
    tokens
        .find(|(class, _)| *class == TokenClass::Syllable)
        .map(|(_, script)| script)
}

fn quality_factor(quality: NameQuality) -> f64 {
    match quality {
        NameQuality::Strong => 1.0,
        NameQuality::Weak => WEAK_ALIAS_FACTOR,
    }
}

fn checked_threshold(threshold: Option<f64>) -> Result<f64, QueryError> {
    let t = threshold.unwrap_or(DEFAULT_THRESHOLD);
    if (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(QueryError::InvalidThreshold)
    }
}

fn checked_limit(limit: Option<usize>) -> Result<usize, QueryError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(QueryError::InvalidLimit { max: MAX_LIMIT })
    }
}

fn checked_tokens(name: &str) -> Result<Vec<normalize::Token>, QueryError> {
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(QueryError::NameTooLong {
            chars,
            max: MAX_NAME_CHARS,
        });
    }
    let tokens = normalize::tokenize(name);
    if tokens.is_empty() {
        return Err(QueryError::EmptyName);
    }
    if tokens.len() > MAX_TOKENS {
        return Err(QueryError::TooManyWords {
            tokens: tokens.len(),
            max: MAX_TOKENS,
        });
    }
    Ok(tokens)
}

fn query_countries(raw: &[String]) -> Vec<String> {
    let mut codes: Vec<String> = raw
        .iter()
        .filter_map(|c| crate::country::to_iso2(c))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}
