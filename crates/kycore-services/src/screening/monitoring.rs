//! Ongoing monitoring: when the served list versions change, every approved applicant of
//! every organization whose flow keeps monitoring on is screened again, and each hit not seen
//! before (nor remembered as a false match) is stored on the applicant's approved case with a
//! `screening.match_found` event. The case keeps its status: the event tells the platform,
//! and an analyst reviews the hit.
//!
//! The re-screen runs as a chain of `rescreen` jobs, one page of approved cases each; a page's
//! hits, its progress and the job for the next page are committed together, so a crash
//! resumes at the page it interrupted and a page run twice finds its hits already known.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use kycore_domain::applicant::ApplicantType;
use kycore_domain::case::CaseKind;
use kycore_domain::tenancy::{Environment, Scope};
use kycore_screening::Screener;
use kycore_store::applicants::ApplicantRecord;
use kycore_store::monitoring::{self, ApprovedCase};
use kycore_store::screening_hits::HitsOf;
use kycore_store::{Tx, applicants, jobs, screening_hits};

use super::blocking;
use super::hits::same_entry;
use super::subjects::{FoundHit, Subject, sandbox_screener, screen_all, subjects_of};
use crate::jobs::Job;
use crate::kernel;
use crate::time_format::{now_millis, rfc3339};
use crate::{ServiceError, Services};

/// Approved cases re-screened per job.
const PAGE: i64 = 500;

/// One page's work, ready to write.
struct PageResult {
    /// Hits not known before, per approved case.
    new_hits: Vec<(ApprovedCase, Vec<FoundHit>)>,
    screened: i64,
    /// The last case id of a full page; `None` when the run is finished.
    next_after: Option<String>,
}

/// A case to re-screen with its parties.
struct Candidate {
    case: ApprovedCase,
    subjects: Vec<Subject>,
}

/// A monitoring run as people read it.
#[derive(Clone, Debug)]
pub struct MonitoringRun {
    /// The list versions screened against.
    pub versions: Vec<String>,
    pub started_at: String,
    /// `None` while it runs.
    pub finished_at: Option<String>,
    /// Across the deployment: the lists are shared by every organization.
    pub applicants_screened: i64,
    pub hits_found: i64,
}

impl Services {
    /// The latest monitoring runs, newest first.
    pub async fn monitoring_runs(&self, limit: i64) -> Result<Vec<MonitoringRun>, ServiceError> {
        let runs = monitoring::recent_runs(self.store().reader(), limit).await?;
        Ok(runs
            .into_iter()
            .map(|run| MonitoringRun {
                versions: run.versions_key.split(',').map(str::to_owned).collect(),
                started_at: rfc3339(run.started_at),
                finished_at: run.finished_at.map(rfc3339),
                applicants_screened: run.applicants_screened,
                hits_found: run.hits_found,
            })
            .collect())
    }

    /// Starts monitoring for a newly served set of list versions, unless a run for exactly
    /// these versions was already started (by this or another server).
    pub(crate) async fn schedule_monitoring(
        &self,
        versions: &[String],
    ) -> Result<bool, ServiceError> {
        let mut sorted = versions.to_vec();
        sorted.sort();
        let versions_key = sorted.join(",");
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<bool, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        if !monitoring::start_run(tx.conn().await?, &versions_key, now).await? {
                            return Ok(false);
                        }
                        let job = Job::Rescreen {
                            versions_key,
                            after_case_id: String::new(),
                        };
                        jobs::enqueue(tx.conn().await?, &job.record(now)?).await?;
                        Ok(true)
                    })
                },
            )
            .await
    }

    /// One `rescreen` job: a page of approved cases after `after_case_id`.
    pub(crate) async fn rescreen_page(
        &self,
        versions_key: &str,
        after_case_id: &str,
    ) -> Result<(), ServiceError> {
        let page = monitoring::approved_after(self.store().reader(), after_case_id, PAGE).await?;
        let next_after = (page.len() as i64 == PAGE)
            .then(|| page.last().map(|c| c.id.clone()))
            .flatten();
        let screened = i64::try_from(page.len()).unwrap_or(i64::MAX);
        let new_hits = match self.screener() {
            Some(screener) => {
                let candidates = self.candidates(page).await?;
                let found = screen_candidates(screener, candidates).await?;
                self.unknown_hits(found).await?
            }
            None => Vec::new(),
        };
        let result = PageResult {
            new_hits,
            screened,
            next_after,
        };
        self.write_page(versions_key.to_owned(), result).await
    }

    /// The cases of the page whose flow monitors, with their parties; applicants are read
    /// with one query per organization and environment.
    async fn candidates(&self, page: Vec<ApprovedCase>) -> Result<Vec<Candidate>, ServiceError> {
        let mut by_scope: HashMap<(String, String), Vec<ApprovedCase>> = HashMap::new();
        let mut flows: HashMap<(String, String, i64), bool> = HashMap::new();
        for case in page {
            let flow = (
                case.organization_id.clone(),
                case.flow_id.clone(),
                case.flow_version,
            );
            let monitored = match flows.get(&flow) {
                Some(monitored) => *monitored,
                None => {
                    let monitored = self.monitors(&case).await?;
                    flows.insert(flow, monitored);
                    monitored
                }
            };
            if monitored {
                let key = (case.organization_id.clone(), case.environment.clone());
                by_scope.entry(key).or_default().push(case);
            }
        }
        let mut candidates = Vec::new();
        for cases in by_scope.into_values() {
            let scope = scope_of_approved(&cases[0])?;
            let ids: Vec<String> = cases.iter().map(|c| c.applicant_id.clone()).collect();
            let applicants: HashMap<String, ApplicantRecord> =
                applicants::get_many(self.store().reader(), &scope, &ids)
                    .await?
                    .into_iter()
                    .map(|a| (a.id.clone(), a))
                    .collect();
            let keys = self
                .applicant_keys(
                    self.store().reader(),
                    &scope,
                    ids.iter().map(String::as_str),
                )
                .await?;
            for case in cases {
                // An erased applicant is screened no more.
                let (Some(applicant), Some(key)) = (
                    applicants.get(&case.applicant_id),
                    keys.of(&case.applicant_id),
                ) else {
                    continue;
                };
                let profile = kernel::applicants::open_profile(Some(key), applicant)?;
                let kind = match kernel::applicants::type_of(applicant)? {
                    ApplicantType::Business => CaseKind::Kyb,
                    ApplicantType::Individual => CaseKind::Kyc,
                };
                candidates.push(Candidate {
                    subjects: subjects_of(kind, &profile),
                    case,
                });
            }
        }
        Ok(candidates)
    }

    /// Whether the case's flow keeps monitoring on.
    async fn monitors(&self, case: &ApprovedCase) -> Result<bool, ServiceError> {
        let scope = scope_of_approved(case)?;
        let flow = self
            .pinned_flow(&scope, &case.flow_id, case.flow_version)
            .await?;
        Ok(flow.screening.monitoring)
    }

    /// Leaves out hits the applicant already has on record (open, reviewed, or remembered
    /// false matches) for the same entry content.
    async fn unknown_hits(
        &self,
        found: Vec<(ApprovedCase, Vec<FoundHit>)>,
    ) -> Result<Vec<(ApprovedCase, Vec<FoundHit>)>, ServiceError> {
        let mut unknown = Vec::new();
        for (case, hits) in found {
            let scope = scope_of_approved(&case)?;
            let known = screening_hits::list(
                self.store().reader(),
                &scope,
                HitsOf::Applicant(&case.applicant_id),
            )
            .await?;
            let fresh: Vec<FoundHit> = hits
                .into_iter()
                .filter(|f| !known.iter().any(|k| same_entry(k, f)))
                .collect();
            if !fresh.is_empty() {
                unknown.push((case, fresh));
            }
        }
        Ok(unknown)
    }

    async fn write_page(&self, versions_key: String, page: PageResult) -> Result<(), ServiceError> {
        let services = self.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let mut hits = 0;
                        for (approved, found) in &page.new_hits {
                            let scope = scope_of_approved(approved)?;
                            let Some(key) = services
                                .applicant_key(tx.conn().await?, &scope, &approved.applicant_id)
                                .await?
                            else {
                                continue;
                            };
                            let mut case = kernel::open(tx, &scope, &approved.id).await?;
                            case.record_hits(tx, &key, found, "monitoring", now).await?;
                            case.save(tx, now).await?;
                            hits += i64::try_from(found.len()).unwrap_or(i64::MAX);
                        }
                        let finished = page.next_after.is_none().then_some(now);
                        monitoring::record_progress(
                            tx.conn().await?,
                            &versions_key,
                            page.screened,
                            hits,
                            finished,
                        )
                        .await?;
                        if let Some(after_case_id) = page.next_after {
                            let job = Job::Rescreen {
                                versions_key,
                                after_case_id,
                            };
                            jobs::enqueue(tx.conn().await?, &job.record(now)?).await?;
                        }
                        Ok(())
                    })
                },
            )
            .await
    }
}

fn scope_of_approved(case: &ApprovedCase) -> Result<Scope, ServiceError> {
    crate::scope::parse_stored(&case.organization_id, &case.environment)
}

/// Screens a page on the blocking pool, split over the machine's cores; sandbox cases also
/// against the sandbox list.
async fn screen_candidates(
    screener: Arc<Screener>,
    candidates: Vec<Candidate>,
) -> Result<Vec<(ApprovedCase, Vec<FoundHit>)>, ServiceError> {
    blocking(move || {
        let live = [Arc::clone(&screener)];
        let sandbox = [screener, sandbox_screener()];
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = candidates.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let parts: Vec<_> = candidates
                .chunks(chunk)
                .map(|part| scope.spawn(|| screen_part(part, &live, &sandbox)))
                .collect();
            parts
                .into_iter()
                .flat_map(|part| part.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    })
    .await
}

fn screen_part(
    candidates: &[Candidate],
    live: &[Arc<Screener>],
    sandbox: &[Arc<Screener>],
) -> Vec<(ApprovedCase, Vec<FoundHit>)> {
    candidates
        .iter()
        .filter_map(|c| {
            let screeners = match Environment::parse(&c.case.environment) {
                Some(Environment::Sandbox) => sandbox,
                _ => live,
            };
            let (hits, _) = screen_all(screeners, &c.subjects);
            (!hits.is_empty()).then(|| (c.case.clone(), hits))
        })
        .collect()
}
