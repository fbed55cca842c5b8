//! Watchlist screening: owns the deployment's loaded screener (one for all organizations),
//! loads it from the imported list versions, swaps it whole when a new version appears, and
//! answers ad-hoc screenings.
//!
//! Parsing lists and searching are CPU work, so both run on tokio's blocking pool, never on
//! the async reactor. A version that fails to load is marked failed and its list's previous
//! version is served instead; when no version of a list loads, the screener already serving
//! stays in place. Either way the failure is logged, counted, kept in the status and told
//! to every organization as a `watchlist.refresh_failed` event (`refresh.rs`).

mod format;
mod hits;
mod import;
mod monitoring;
mod refresh;
mod subjects;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use futures_util::future::BoxFuture;
use kycore_domain::FieldError;
use kycore_screening::{EntityType, LoadedList, PartialDate, Query, QueryError, Screener};
use kycore_store::watchlists::{self, WatchlistVersionRecord};
use kycore_store::{Millis, Tx};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use crate::kernel::HitReview;
pub use format::ListFormat;
pub(crate) use hits::CaseScreening;
pub use import::{ImportOutcome, ImportProgress, ImportRequest};
/// A listed entry as the engine holds it: its names, birth dates, countries, identifiers and
/// programs.
pub use kycore_screening::Entity as ListEntry;
/// A listed entry that matches a screened name (the engine's hit: the entry's id, names,
/// type, score and the explanation of the score).
pub use kycore_screening::Hit as ListMatch;
pub use monitoring::MonitoringRun;
pub use refresh::{RefreshFailure, SourceStatusView};
pub(crate) use subjects::FoundHit;
pub use subjects::{SANDBOX_LIST, screened_query};

use crate::time_format::{now_millis, rfc3339};
use crate::{ServiceError, Services, blocking};

/// The served screener and what it was built from. Replaced whole, never changed.
struct Loaded {
    screener: Arc<Screener>,
    /// The version of each list it serves.
    versions: Vec<WatchlistVersionRecord>,
    loaded_at: Millis,
}

/// The deployment's screening state, one per [`Services`].
#[derive(Default)]
pub(crate) struct Registry {
    current: RwLock<Option<Arc<Loaded>>>,
    state: Mutex<LoadState>,
    /// One load at a time: a refresh and an explicit load never parse the same files twice.
    loading: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct LoadState {
    /// The current version ids of the last load attempted, before and after its failures,
    /// to skip attempting the same again.
    last_attempt: Vec<Vec<String>>,
    last_error: Option<String>,
    load_failures: u64,
    /// Versions whose file this host lacks, already reported: they stay usable (another
    /// host may have the file) and are attempted again whenever the versions change, but
    /// one event each is enough.
    reported_missing: HashSet<String>,
}

impl Registry {
    fn current(&self) -> Option<Arc<Loaded>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn swap(&self, loaded: Loaded) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(loaded));
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LoadState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An ad-hoc screening of one name.
#[derive(Clone, Debug, Default)]
pub struct ScreeningRequest {
    /// The name to screen, in any script (at most 300 characters, 24 words).
    pub name: String,
    /// What the name belongs to; a clash with a listed entry's type lowers its score.
    pub entity_type: Option<ScreeningType>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; agreement raises a score, a different year lowers it.
    pub date_of_birth: Option<String>,
    /// A country (ISO 3166 code or name): nationality, residence or registration.
    pub country: Option<String>,
    /// More countries, like `country`.
    pub countries: Vec<String>,
    /// Lowest score reported, 0–1; 0.75 when not given.
    pub threshold: Option<f64>,
    /// Only these list ids (see `kycore lists status`); every loaded list when not given.
    pub lists: Option<Vec<String>>,
    /// Most hits returned, 1–100; 10 when not given.
    pub limit: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreeningType {
    Person,
    Organization,
    Vessel,
    Aircraft,
}

/// One imported list version, as `kycore lists status` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ListVersionView {
    pub id: String,
    pub list_id: String,
    pub format: String,
    pub path: String,
    pub sha256: String,
    pub source_version: Option<String>,
    pub entity_count: i64,
    pub name_count: i64,
    pub imported_at: String,
    /// `ok` or `failed`.
    pub status: String,
    pub last_error: Option<String>,
    /// Whether this is the version of its list that is screened against.
    pub current: bool,
}

/// The imported versions and, in a serving process, what is loaded.
#[derive(Clone, Debug, Serialize)]
pub struct WatchlistStatus {
    pub versions: Vec<ListVersionView>,
    /// The ids of the versions the loaded screener serves; empty when nothing is loaded.
    pub loaded_versions: Vec<String>,
    pub loaded_at: Option<String>,
    pub loaded_entities: usize,
    /// Why the last load failed, if it did.
    pub last_error: Option<String>,
    /// Versions that failed to load since this process started.
    pub load_failures: u64,
}

/// What a load did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadOutcome {
    /// A new screener is served, built from these version ids.
    Loaded(Vec<String>),
    /// The current versions are already served (or were already tried).
    Unchanged,
    /// No list is imported.
    NoLists,
    /// Some list had no loadable version; the previous screener (if any) stays.
    Failed(String),
}

/// A version that did not load.
struct Failure {
    version: WatchlistVersionRecord,
    error: String,
    /// The file is not in this process's data directory. Another server may have it (a
    /// data directory not shared between hosts), so the version is not marked failed for all.
    missing: bool,
}

/// Lists parsed from their versions' files, plus the versions that failed.
struct Parsed {
    lists: Vec<LoadedList>,
    served: Vec<WatchlistVersionRecord>,
    failures: Vec<Failure>,
    /// Lists none of whose versions loaded.
    lost: Vec<String>,
}

impl Services {
    /// Screens one name against the loaded lists, on the blocking pool.
    pub async fn screen(&self, request: ScreeningRequest) -> Result<Vec<ListMatch>, ServiceError> {
        let query = query_of(request)?;
        let screener = self.screener().ok_or_else(|| {
            ServiceError::unavailable(
                "screening_unavailable",
                "no watchlist is loaded yet: import one with `kycore lists import`",
            )
        })?;
        blocking(move || screener.search(&query))
            .await?
            .map_err(query_error)
    }

    /// The entry `entity_id` of `list` as the lists served now hold it; `None` when that
    /// list is not loaded or no longer has it (the hit may be from an older version).
    pub fn watchlist_entry(&self, list: &str, entity_id: &str) -> Option<ListEntry> {
        let screener = if list == SANDBOX_LIST {
            subjects::sandbox_screener()
        } else {
            self.screener()?
        };
        screener.entry(list, entity_id).cloned()
    }

    /// The screener now served, if any list is loaded.
    pub fn screener(&self) -> Option<Arc<Screener>> {
        self.inner
            .screening
            .current()
            .map(|l| Arc::clone(&l.screener))
    }

    /// Loads each list's current version from `data_dir` unless exactly those versions are
    /// already served, and swaps the new screener in. Parsing runs on the blocking pool.
    pub async fn load_watchlists(&self, data_dir: &Path) -> Result<LoadOutcome, ServiceError> {
        let registry = &self.inner.screening;
        let _one_at_a_time = registry.loading.lock().await;
        let usable = watchlists::usable(self.store().reader()).await?;
        if usable.is_empty() {
            return Ok(LoadOutcome::NoLists);
        }
        let wanted = current_ids(&usable);
        let served = registry.current().map(|l| ids_of(&l.versions));
        if served.as_ref() == Some(&wanted) || registry.state().last_attempt.contains(&wanted) {
            return Ok(LoadOutcome::Unchanged);
        }
        let data_dir = data_dir.to_path_buf();
        let rows = usable.clone();
        let parsed = blocking(move || parse_versions(&data_dir, usable)).await?;
        self.record_failures(&parsed.failures).await;
        // The next round sees the same versions again (a missing file is not marked failed)
        // or those left once the failed ones are marked: attempting either would parse the
        // same files for the same outcome.
        let failed: HashSet<&str> = parsed
            .failures
            .iter()
            .map(|f| f.version.id.as_str())
            .collect();
        let remaining: Vec<WatchlistVersionRecord> = rows
            .into_iter()
            .filter(|r| !failed.contains(r.id.as_str()))
            .collect();
        registry.state().last_attempt = vec![wanted, current_ids(&remaining)];
        let outcome = self.install(parsed)?;
        if let LoadOutcome::Loaded(versions) = &outcome
            && let Err(e) = self.schedule_monitoring(versions).await
        {
            tracing::warn!(error = %e, "cannot schedule ongoing monitoring for the new lists");
        }
        Ok(outcome)
    }

    /// Parses every list's current version (falling back to older ones) without serving
    /// them: for the command line's batch scoring and evaluation.
    pub async fn configured_lists(&self, data_dir: &Path) -> Result<Vec<LoadedList>, ServiceError> {
        let usable = watchlists::usable(self.store().reader()).await?;
        let data_dir = data_dir.to_path_buf();
        let parsed = blocking(move || parse_versions(&data_dir, usable)).await?;
        for Failure { version, error, .. } in &parsed.failures {
            tracing::warn!(version = %version.id, list = %version.list_id, %error, "watchlist version failed to load");
        }
        Ok(parsed.lists)
    }

    /// The imported versions and what this process serves.
    pub async fn watchlist_status(&self) -> Result<WatchlistStatus, ServiceError> {
        let versions = watchlists::list(self.store().reader()).await?;
        let current = current_ids(&versions_ok(&versions));
        let loaded = self.inner.screening.current();
        let state = self.inner.screening.state();
        Ok(WatchlistStatus {
            versions: versions
                .into_iter()
                .map(|v| {
                    let is_current = current.contains(&v.id);
                    view(v, is_current)
                })
                .collect(),
            loaded_versions: loaded
                .as_ref()
                .map(|l| ids_of(&l.versions))
                .unwrap_or_default(),
            loaded_at: loaded.as_ref().map(|l| rfc3339(l.loaded_at)),
            loaded_entities: loaded.as_ref().map_or(0, |l| l.screener.entities().len()),
            last_error: state.last_error.clone(),
            load_failures: state.load_failures,
        })
    }

    /// Loads the imported lists now, then looks for new versions every `interval` until
    /// `shutdown`: a version imported beside a running server is served within `interval`.
    pub async fn run_watchlist_refresh(
        &self,
        data_dir: PathBuf,
        interval: Duration,
        shutdown: CancellationToken,
    ) {
        loop {
            match self.load_watchlists(&data_dir).await {
                Ok(LoadOutcome::Loaded(versions)) => {
                    tracing::info!(?versions, "watchlists loaded");
                }
                Ok(LoadOutcome::Failed(error)) => {
                    tracing::warn!(%error, "watchlists not reloaded; the previous ones are served");
                }
                Ok(LoadOutcome::Unchanged | LoadOutcome::NoLists) => {}
                Err(e) => tracing::warn!(error = %e, "checking for new watchlist versions failed"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// Marks versions that failed to load, so the next load serves their predecessors, and
    /// reports each: counted, logged, and a `watchlist.refresh_failed` event in the unit that
    /// marks it. A marked version is never attempted again, so it is reported once; a missing
    /// file once per process.
    async fn record_failures(&self, failures: &[Failure]) {
        if failures.is_empty() {
            return;
        }
        let newly_missing: Vec<bool> = {
            let mut state = self.inner.screening.state();
            state.load_failures += failures.len() as u64;
            state.last_error = failures
                .last()
                .map(|f| format!("{} ({}): {}", f.version.list_id, f.version.id, f.error));
            failures
                .iter()
                .map(|f| f.missing && state.reported_missing.insert(f.version.id.clone()))
                .collect()
        };
        self.metrics().load_failures.inc_by(failures.len() as u64);
        for (
            Failure {
                version,
                error,
                missing,
            },
            newly_missing,
        ) in failures.iter().zip(newly_missing)
        {
            tracing::warn!(version = %version.id, list = %version.list_id, %error, missing, "watchlist version failed to load; serving the previous one");
            if *missing && !newly_missing {
                continue;
            }
            let report = RefreshFailure {
                source: version.path.clone(),
                list_id: Some(version.list_id.clone()),
                code: if *missing {
                    "list_file_missing"
                } else {
                    "list_unreadable"
                },
                // The file's absolute path is this host's business, not the tenants'.
                message: if *missing {
                    format!(
                        "version {}: the file is not in this server's data directory",
                        version.id
                    )
                } else {
                    format!("version {} did not load: {error}", version.id)
                },
            };
            let (id, error, mark) = (version.id.clone(), error.clone(), !*missing);
            let now = now_millis();
            let recorded = self
                .store()
                .write(
                    move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                        Box::pin(async move {
                            // Another server may have marked it already: then it told too.
                            if mark
                                && !watchlists::mark_failed(tx.conn().await?, &id, &error, now)
                                    .await?
                            {
                                return Ok(());
                            }
                            refresh::append_load_failure(tx, &report, now).await?;
                            Ok(())
                        })
                    },
                )
                .await;
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "cannot record the watchlist version's failure");
            }
        }
    }

    /// Serves what was parsed, unless a list now served would be lost.
    fn install(&self, mut parsed: Parsed) -> Result<LoadOutcome, ServiceError> {
        let registry = &self.inner.screening;
        if let Some(loaded) = registry.current() {
            // A list whose every version failed is no longer usable, so it is not even in
            // `parsed`; it is still lost if the served screener has it.
            let kept: HashSet<&str> = parsed.served.iter().map(|v| v.list_id.as_str()).collect();
            let dropped: Vec<String> = loaded
                .versions
                .iter()
                .filter(|v| !kept.contains(v.list_id.as_str()) && !parsed.lost.contains(&v.list_id))
                .map(|v| v.list_id.clone())
                .collect();
            parsed.lost.extend(dropped);
        }
        if !parsed.lost.is_empty() {
            let error = format!("no version of {} could be loaded", parsed.lost.join(", "));
            registry.state().last_error = Some(error.clone());
            if registry.current().is_some() || parsed.lists.is_empty() {
                return Ok(LoadOutcome::Failed(error));
            }
        }
        let clean = parsed.lost.is_empty() && parsed.failures.is_empty();
        let ids = ids_of(&parsed.served);
        if registry
            .current()
            .is_some_and(|l| ids_of(&l.versions) == ids)
        {
            // Only fallbacks loaded, and they are what is served already.
            return Ok(LoadOutcome::Unchanged);
        }
        let screener = Screener::new(parsed.lists);
        let metrics = self.metrics();
        metrics
            .loaded_entities
            .set(i64::try_from(screener.entities().len()).unwrap_or(i64::MAX));
        for version in &parsed.served {
            metrics.list_succeeded(&version.list_id);
        }
        registry.swap(Loaded {
            screener: Arc::new(screener),
            versions: parsed.served,
            loaded_at: now_millis(),
        });
        if clean {
            registry.state().last_error = None;
        }
        Ok(LoadOutcome::Loaded(ids))
    }
}

/// Builds the engine's query, refusing what the engine cannot judge (dates, list types).
fn query_of(request: ScreeningRequest) -> Result<Query, ServiceError> {
    let date_of_birth = request
        .date_of_birth
        .as_deref()
        .map(|raw| {
            PartialDate::parse(raw).ok_or_else(|| {
                field_error(
                    "date_of_birth",
                    "invalid_date",
                    "use YYYY, YYYY-MM or YYYY-MM-DD",
                )
            })
        })
        .transpose()?;
    let mut countries = request.countries;
    countries.extend(request.country);
    Ok(Query {
        name: request.name,
        entity_type: request.entity_type.map(|t| match t {
            ScreeningType::Person => EntityType::Person,
            ScreeningType::Organization => EntityType::Organization,
            ScreeningType::Vessel => EntityType::Vessel,
            ScreeningType::Aircraft => EntityType::Aircraft,
        }),
        date_of_birth,
        countries,
        threshold: request.threshold,
        lists: request.lists,
        limit: request.limit.map(|l| l as usize),
    })
}

/// The engine's refusals as field errors with stable codes.
fn query_error(error: QueryError) -> ServiceError {
    let (field, code) = match &error {
        QueryError::EmptyName => ("name", "empty_name"),
        QueryError::NameTooLong { .. } => ("name", "name_too_long"),
        QueryError::TooManyWords { .. } => ("name", "too_many_words"),
        QueryError::InvalidThreshold => ("threshold", "invalid_threshold"),
        QueryError::InvalidLimit { .. } => ("limit", "invalid_limit"),
        QueryError::UnknownList(_) => ("lists", "unknown_list"),
    };
    field_error(field, code, &error.to_string())
}

fn field_error(field: &str, code: &'static str, message: &str) -> ServiceError {
    ServiceError::Validation(vec![FieldError {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    }])
}

/// Parses each list's newest usable version, falling back to older ones when it fails.
/// `usable` is grouped by list, newest first (as `watchlists::usable` returns it).
fn parse_versions(data_dir: &Path, usable: Vec<WatchlistVersionRecord>) -> Parsed {
    let mut parsed = Parsed {
        lists: Vec::new(),
        served: Vec::new(),
        failures: Vec::new(),
        lost: Vec::new(),
    };
    for versions in group_by_list(usable) {
        let list_id = versions[0].list_id.clone();
        let mut loaded = false;
        for version in versions {
            match parse_version(data_dir, &version) {
                Ok(list) => {
                    parsed.lists.push(list);
                    parsed.served.push(version);
                    loaded = true;
                    break;
                }
                Err(error) => parsed.failures.push(Failure {
                    missing: !data_dir.join(&version.path).is_file(),
                    version,
                    error,
                }),
            }
        }
        if !loaded {
            parsed.lost.push(list_id);
        }
    }
    parsed
}

fn parse_version(data_dir: &Path, version: &WatchlistVersionRecord) -> Result<LoadedList, String> {
    let format = ListFormat::parse(&version.format)
        .ok_or_else(|| format!("unknown format {:?}", version.format))?;
    let version_name = version.source_version.clone().or(Some(version.id.clone()));
    format
        .load(
            &data_dir.join(&version.path),
            &version.list_id,
            version_name,
        )
        .map_err(|e| e.to_string())
}

/// Splits rows ordered by list into one group per list, keeping the order.
fn group_by_list(rows: Vec<WatchlistVersionRecord>) -> Vec<Vec<WatchlistVersionRecord>> {
    let mut groups: Vec<Vec<WatchlistVersionRecord>> = Vec::new();
    for row in rows {
        match groups.last_mut() {
            Some(group) if group[0].list_id == row.list_id => group.push(row),
            _ => groups.push(vec![row]),
        }
    }
    groups
}

/// The id of each list's first (newest) row.
fn current_ids(rows: &[WatchlistVersionRecord]) -> Vec<String> {
    let mut seen = HashSet::new();
    rows.iter()
        .filter(|r| seen.insert(r.list_id.as_str()))
        .map(|r| r.id.clone())
        .collect()
}

fn versions_ok(rows: &[WatchlistVersionRecord]) -> Vec<WatchlistVersionRecord> {
    rows.iter()
        .filter(|r| r.status == watchlists::STATUS_OK)
        .cloned()
        .collect()
}

fn ids_of(rows: &[WatchlistVersionRecord]) -> Vec<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

fn view(v: WatchlistVersionRecord, current: bool) -> ListVersionView {
    ListVersionView {
        id: v.id,
        list_id: v.list_id,
        format: v.format,
        path: v.path,
        sha256: v.sha256,
        source_version: v.source_version,
        entity_count: v.entity_count,
        name_count: v.name_count,
        imported_at: rfc3339(v.imported_at),
        status: v.status,
        last_error: v.last_error,
        current,
    }
}
