//! Screening hits: screening a case's parties during its checks, storing what was found,
//! showing it, and the analyst's review (true or false match).
//!
//! A false match is remembered for the applicant: the same listed entry, unchanged (same
//! content fingerprint), on the same party is not reported again — not at the next case, not
//! by monitoring. If the entry's content changes, it is reported again.

use futures_util::future::BoxFuture;
use kycore_domain::check::CheckStatus;
use kycore_domain::event::EventType;
use kycore_domain::ids::ScreeningHitId;
use kycore_domain::tenancy::Scope;
use kycore_store::cases::CaseRecord;
use kycore_store::screening_hits::{self, HitsOf, ScreeningHitRecord};
use kycore_store::{Millis, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::subjects::{FoundHit, subjects_of};
use crate::cases::{load, save_unchanged_status};
use crate::decision::ScreeningSummary;
use crate::providers::{CaseFacts, CheckOutcome};
use crate::record::{AuditEntry, audit, case_event};
use crate::time_format::{now_millis, rfc3339};
use crate::{RequestContext, ServiceError, Services};

const MAX_NOTE_CHARS: usize = 2000;

/// What screening a case found.
pub(crate) struct CaseScreening {
    pub outcome: CheckOutcome,
    /// New hits (remembered false matches left out).
    pub hits: Vec<FoundHit>,
    pub summary: ScreeningSummary,
}

/// An analyst's verdict on a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitVerdict {
    TrueMatch,
    FalseMatch,
}

impl HitVerdict {
    fn as_str(self) -> &'static str {
        match self {
            HitVerdict::TrueMatch => "true_match",
            HitVerdict::FalseMatch => "false_match",
        }
    }
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewHit {
    pub verdict: HitVerdict,
    #[serde(default)]
    pub note: Option<String>,
}

/// A stored hit, as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ScreeningHitView {
    pub id: String,
    pub case_id: String,
    pub applicant_id: String,
    /// Who matched: `applicant`, `business` or `related_person:<id>`.
    pub subject: String,
    pub list: String,
    pub list_version: String,
    pub entity_id: String,
    pub score: f64,
    /// The entry's name, type, matched name and the explanation of the score.
    #[schema(value_type = Object)]
    pub detail: Value,
    /// `case_checks` or `monitoring`.
    pub source: String,
    /// `open`, `true_match` or `false_match`.
    pub status: String,
    pub review_note: Option<String>,
    pub reviewed_at: Option<String>,
    pub created_at: String,
}

pub(crate) fn hit_view(record: ScreeningHitRecord) -> ScreeningHitView {
    ScreeningHitView {
        detail: serde_json::from_str(&record.detail).unwrap_or_default(),
        id: record.id,
        case_id: record.case_id,
        applicant_id: record.applicant_id,
        subject: record.subject,
        list: record.list_id,
        list_version: record.list_version,
        entity_id: record.entity_id,
        score: record.score,
        source: record.source,
        status: record.status,
        review_note: record.review_note,
        reviewed_at: record.reviewed_at.map(rfc3339),
        created_at: rfc3339(record.created_at),
    }
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

/// Stores hits for `case` with a `screening.match_found` event each; the caller saves the case.
pub(crate) async fn record_hits(
    tx: &mut Tx,
    case: &mut CaseRecord,
    hits: &[FoundHit],
    source: &str,
    now: Millis,
) -> Result<(), ServiceError> {
    for found in hits {
        let hit = &found.hit;
        let record = ScreeningHitRecord {
            id: ScreeningHitId::generate().to_string(),
            organization_id: case.organization_id.clone(),
            environment: case.environment.clone(),
            case_id: case.id.clone(),
            applicant_id: case.applicant_id.clone(),
            subject: found.subject.clone(),
            list_id: hit.list.clone(),
            list_version: found.list_version.clone(),
            entity_id: hit.entity_id.clone(),
            entity_fingerprint: found.fingerprint.clone(),
            score: hit.score,
            detail: json!({
                "name": hit.name, "matched_name": hit.matched_name, "entity_type": hit.entity_type,
                "explanation": hit.explanation,
            })
            .to_string(),
            source: source.to_owned(),
            status: "open".to_owned(),
            review_note: None,
            reviewed_by: None,
            reviewed_at: None,
            created_at: now,
            updated_at: now,
        };
        screening_hits::insert(tx.conn(), &record).await?;
        let payload = json!({
            "case_id": case.id, "hit_id": record.id, "subject": record.subject, "list": record.list_id,
            "entity_id": record.entity_id, "score": record.score, "source": source,
        });
        case_event(tx, case, EventType::ScreeningMatchFound, payload, now);
    }
    Ok(())
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
        let scope = crate::links::scope_of_case(case);
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
    ) -> Result<Vec<ScreeningHitView>, ServiceError> {
        let reader = self.store().reader();
        kycore_store::cases::get(reader, scope, case_id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        let records = screening_hits::list(reader, scope, HitsOf::Case(case_id)).await?;
        Ok(records.into_iter().map(hit_view).collect())
    }

    /// An analyst marks a hit a true or a false match (again, if they change their mind).
    pub async fn review_screening_hit(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        hit_id: &str,
        mut input: ReviewHit,
    ) -> Result<ScreeningHitView, ServiceError> {
        if let Some(note) = input.note.as_mut() {
            *note = note.trim().to_owned();
            if note.chars().count() > MAX_NOTE_CHARS {
                return Err(ServiceError::invalid(
                    "note_too_long",
                    format!("at most {MAX_NOTE_CHARS} characters"),
                ));
            }
        }
        let unit_ctx = ctx.clone();
        let (case_id, hit_id) = (case_id.to_owned(), hit_id.to_owned());
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<ScreeningHitView, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = load(tx, &unit_ctx.scope, &case_id).await?;
                    let mut hit = screening_hits::get(tx.conn(), &unit_ctx.scope, &hit_id)
                        .await?
                        .filter(|h| h.case_id == case.id)
                        .ok_or(ServiceError::not_found("screening hit"))?;
                    let previous = std::mem::take(&mut hit.status);
                    hit.status = input.verdict.as_str().to_owned();
                    hit.review_note = input.note;
                    hit.reviewed_by = unit_ctx.actor.id();
                    hit.reviewed_at = Some(now);
                    hit.updated_at = now;
                    screening_hits::review(tx.conn(), &hit).await?;
                    let payload = json!({
                        "case_id": case.id, "hit_id": hit.id, "status": hit.status, "previous_status": previous,
                    });
                    case_event(tx, &mut case, EventType::ScreeningHitReviewed, payload, now);
                    save_unchanged_status(tx, &mut case, now).await?;
                    let entry = AuditEntry {
                        action: "screening_hit.reviewed",
                        target_type: "screening_hit",
                        target_id: &hit.id,
                        detail: json!({ "case_id": case.id, "from": previous, "to": hit.status }),
                    };
                    audit(tx, &unit_ctx.scope, &unit_ctx.actor, entry, now);
                    Ok(hit_view(hit))
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
