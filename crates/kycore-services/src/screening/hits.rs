//! Screening hits: screening a case's parties during its checks, showing what was found, and
//! the analyst's review (true or false match). The kernel stores hits and reviews.
//!
//! A false match is remembered for the applicant: the same listed entry, unchanged (same
//! content fingerprint), on the same party is not reported again — not at the next case, not
//! by monitoring. If the entry's content changes, it is reported again.

use futures_util::future::BoxFuture;
use kycore_domain::check::CheckStatus;
use kycore_domain::tenancy::Scope;
use kycore_store::Tx;
use kycore_store::cases::CaseRecord;
use kycore_store::screening_hits::{self, HitsOf, ScreeningHitRecord};
use serde_json::{Value, json};

use super::subjects::{FoundHit, subjects_of};
use crate::decision::ScreeningSummary;
use crate::error::trim_within;
use crate::kernel::{self, HitReview, HitVerdict};
use crate::providers::{CaseFacts, CheckOutcome};
use crate::time_format::now_millis;
use crate::views::{self, ScreeningHit};
use crate::{RequestContext, ServiceError, Services};

const MAX_NOTE_CHARS: usize = 2000;

/// What screening a case found.
pub(crate) struct CaseScreening {
    pub outcome: CheckOutcome,
    /// New hits (remembered false matches left out).
    pub hits: Vec<FoundHit>,
    pub summary: ScreeningSummary,
}

/// Whether `found` is an entry already reviewed as a false match for this party.
pub(crate) fn remembered_false_match(known: &[ScreeningHitRecord], found: &FoundHit) -> bool {
    known
        .iter()
        .any(|k| k.status == HitVerdict::FalseMatch.as_str() && same_entry(k, found))
}

/// Whether a stored hit is `found` again: the same party, list entry and entry content.
pub(crate) fn same_entry(known: &ScreeningHitRecord, found: &FoundHit) -> bool {
    known.subject == found.subject
        && known.list_id == found.hit.list
        && known.entity_id == found.hit.entity_id
        && known.entity_fingerprint == found.fingerprint
}

impl Services {
    /// Screens the case's parties; a live case with no list loaded needs a person, since
    /// approving it would approve someone nobody screened.
    pub(crate) async fn screen_case(
        &self,
        case: &CaseRecord,
        facts: &CaseFacts,
    ) -> Result<CaseScreening, ServiceError> {
        let subjects = subjects_of(facts.kind, &facts.profile);
        let subject_count = subjects.len();
        let Some((found, lists)) = self.screen_subjects(facts.environment, subjects).await? else {
            return Ok(CaseScreening {
                outcome: screening_outcome(
                    CheckStatus::NeedsReview,
                    json!({ "lists": [], "hits": [] }),
                    "No watchlist is loaded, so nobody was screened.".to_owned(),
                ),
                hits: Vec::new(),
                summary: ScreeningSummary::default(),
            });
        };
        let scope = crate::scope::of_case(case)?;
        let known = screening_hits::list(
            self.store().reader(),
            &scope,
            HitsOf::Applicant(&case.applicant_id),
        )
        .await?;
        let (suppressed, hits): (Vec<FoundHit>, Vec<FoundHit>) = found
            .into_iter()
            .partition(|f| remembered_false_match(&known, f));
        let result = json!({
            "subjects": subject_count,
            "lists": lists,
            "hits": hits.iter().map(|f| json!({
                "subject": f.subject, "list": f.hit.list, "entity_id": f.hit.entity_id, "score": f.hit.score,
            })).collect::<Vec<_>>(),
            "remembered_false_matches": suppressed.len(),
        });
        let (status, explanation) = if hits.is_empty() {
            (
                CheckStatus::Passed,
                format!(
                    "{subject_count} part(ies) screened against {}: no match.",
                    lists.join(", ")
                ),
            )
        } else {
            (
                CheckStatus::NeedsReview,
                format!(
                    "{} possible match(es) on {}; best score {:.2}.",
                    hits.len(),
                    lists.join(", "),
                    max_score(&hits)
                ),
            )
        };
        Ok(CaseScreening {
            outcome: screening_outcome(status, result, explanation),
            summary: ScreeningSummary {
                open_hits: hits.len(),
                max_score: max_score(&hits),
                lists,
            },
            hits,
        })
    }

    /// A case's screening hits, oldest first.
    pub async fn case_screening_hits(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<Vec<ScreeningHit>, ServiceError> {
        let key = self.case_key(scope, case_id).await?;
        let reader = self.store().reader();
        let records = screening_hits::list(reader, scope, HitsOf::Case(case_id)).await?;
        records
            .into_iter()
            .map(|h| views::screening_hit(h, key.as_ref()))
            .collect()
    }

    /// An analyst marks a hit a true or a false match (again, if they change their mind).
    pub async fn review_screening_hit(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        hit_id: &str,
        mut review: HitReview,
    ) -> Result<ScreeningHit, ServiceError> {
        if let Some(note) = review.note.as_mut() {
            trim_within(note, MAX_NOTE_CHARS, "note_too_long")?;
        }
        let unit_ctx = ctx.clone();
        let services = self.clone();
        let (case_id, hit_id) = (case_id.to_owned(), hit_id.to_owned());
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<ScreeningHit, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = kernel::open(tx, &unit_ctx.scope, &case_id).await?;
                    let key = case.applicant_key(tx, &services).await?;
                    let hit = case
                        .review_hit(tx, &key, &unit_ctx.principal, &hit_id, review, now)
                        .await?;
                    case.save(tx, now).await?;
                    views::screening_hit(hit, Some(&key))
                })
            },
        )
        .await
    }
}

fn max_score(hits: &[FoundHit]) -> f64 {
    hits.iter().map(|f| f.hit.score).fold(0.0, f64::max)
}

fn screening_outcome(status: CheckStatus, result: Value, explanation: String) -> CheckOutcome {
    CheckOutcome::new("screening", status, result, explanation)
}
