//! What a round of checks finds, recorded on the case: check results (`check.completed`),
//! screening hits (`screening.match_found`), each identity document's verdict
//! (`document.accepted` / `document.rejected`), and a person's review of a hit
//! (`screening.hit_reviewed`) or of a document (the same document events, naming who). What they say about the applicant (results, explanations,
//! the screened names, rejection reasons, review notes) is sealed under the applicant's data
//! key; statuses, scores and codes stay readable.

use std::collections::BTreeSet;

use kycore_checks::document::RejectionCode;
use kycore_domain::case::CaseStatus;
use kycore_domain::event::EventType;
use kycore_domain::flow::Step;
use kycore_domain::ids::{CheckId, ScreeningHitId};
use kycore_store::checks::CheckRecord;
use kycore_store::documents::DocumentRecord;
use kycore_store::screening_hits::{self, ScreeningHitRecord};
use kycore_store::{Millis, Tx, documents};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::OpenCase;
use crate::crypto::DataKey;
use crate::intake::collecting_step;
use crate::providers::CheckOutcome;
use crate::record::AuditEntry;
use crate::screening::FoundHit;
use crate::sealing::seal_json;
use crate::{Principal, ServiceError};

/// What a check record keeps sealed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct SealedCheck {
    pub result: Value,
    pub explanation: String,
    /// The provider's own representation, kept for audit.
    pub raw: Value,
}

/// A document's status once the checks ran.
#[derive(Clone, Debug)]
pub(crate) struct DocumentVerdict {
    pub document_id: String,
    pub document_type: String,
    pub side: String,
    pub accepted: bool,
    /// `[{code, message}]`: why it was rejected; empty when accepted.
    pub reasons: Vec<Value>,
    /// The person who gave the verdict; `None` for the checks'.
    pub reviewed_by: Option<String>,
}

/// What an acceptance leaves behind, as `document.accepted` announces it.
#[derive(Debug, Default)]
struct AfterAcceptance {
    /// Uploads for the same purpose still waiting for a verdict.
    superseded: Vec<String>,
    /// The flow steps with an accepted upload, the new one's included.
    steps_accepted: BTreeSet<Step>,
}

/// A person's verdict on a document: the checks judge identity documents only, so a proof of
/// address waits for one, and a person may overrule the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentReview {
    Accept,
    Reject {
        code: RejectionCode,
        /// A sentence for the applicant and the record, sealed like the checks' reasons.
        message: String,
    },
}

/// A person's work on a document that gives it no verdict: taking it to review, letting it
/// go, or confirming its status as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewMark {
    Start,
    Stop,
    Confirm,
}

impl ReviewMark {
    fn event(self) -> EventType {
        match self {
            ReviewMark::Start => EventType::DocumentReviewStarted,
            ReviewMark::Stop => EventType::DocumentReviewStopped,
            ReviewMark::Confirm => EventType::DocumentReviewed,
        }
    }
}

/// An analyst's review of a hit.
#[derive(Clone, Debug)]
pub struct HitReview {
    pub verdict: HitVerdict,
    pub note: Option<String>,
}

/// An analyst's verdict on a screening hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitVerdict {
    TrueMatch,
    FalseMatch,
}

impl HitVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            HitVerdict::TrueMatch => "true_match",
            HitVerdict::FalseMatch => "false_match",
        }
    }
}

impl OpenCase {
    /// Stores a provider's check result with a `check.completed` event.
    pub(crate) fn record_check(
        &mut self,
        tx: &mut Tx,
        key: &DataKey,
        provider: &str,
        outcome: CheckOutcome,
        now: Millis,
    ) -> Result<(), ServiceError> {
        let id = CheckId::generate().to_string();
        let sealed = SealedCheck {
            result: outcome.result,
            explanation: outcome.explanation,
            raw: outcome.raw,
        };
        let record = CheckRecord {
            sealed: Some(seal_json(key, &id, &sealed)?),
            id,
            organization_id: self.record.organization_id.clone(),
            environment: self.record.environment.clone(),
            case_id: self.record.id.clone(),
            kind: outcome.kind,
            status: outcome.status.as_str().to_owned(),
            score: outcome.score,
            provider: provider.to_owned(),
            created_at: now,
        };
        let payload = json!({
            "case_id": self.record.id, "check_id": record.id, "kind": record.kind,
            "status": record.status,
        });
        self.emit(tx, EventType::CheckCompleted, payload, now);
        tx.append_check(record);
        Ok(())
    }

    /// Stores screening hits for the case, each announced by `screening.match_found`;
    /// `source` is `case_checks` or `monitoring`.
    pub(crate) async fn record_hits(
        &mut self,
        tx: &mut Tx,
        key: &DataKey,
        hits: &[FoundHit],
        source: &str,
        now: Millis,
    ) -> Result<(), ServiceError> {
        for found in hits {
            let hit = &found.hit;
            let id = ScreeningHitId::generate().to_string();
            let detail = json!({
                "name": hit.name, "matched_name": hit.matched_name,
                "entity_type": hit.entity_type, "explanation": hit.explanation,
            });
            let record = ScreeningHitRecord {
                detail_sealed: Some(seal_json(key, &id, &detail)?),
                id,
                organization_id: self.record.organization_id.clone(),
                environment: self.record.environment.clone(),
                case_id: self.record.id.clone(),
                applicant_id: self.record.applicant_id.clone(),
                subject: found.subject.clone(),
                list_id: hit.list.clone(),
                list_version: found.list_version.clone(),
                entity_id: hit.entity_id.clone(),
                entity_fingerprint: found.fingerprint.clone(),
                score: hit.score,
                source: source.to_owned(),
                status: "open".to_owned(),
                review_note_sealed: None,
                reviewed_by: None,
                reviewed_at: None,
                created_at: now,
                updated_at: now,
            };
            screening_hits::insert(tx.conn().await?, &record).await?;
            let payload = json!({
                "case_id": self.record.id, "hit_id": record.id, "subject": record.subject,
                "list": record.list_id, "entity_id": record.entity_id, "score": record.score,
                "source": source,
            });
            self.emit(tx, EventType::ScreeningMatchFound, payload, now);
        }
        Ok(())
    }

    /// Sets a document's status with `document.accepted` or `document.rejected`.
    pub(crate) async fn record_verdict(
        &mut self,
        tx: &mut Tx,
        key: &DataKey,
        verdict: &DocumentVerdict,
        now: Millis,
    ) -> Result<(), ServiceError> {
        let (status, event) = if verdict.accepted {
            ("accepted", EventType::DocumentAccepted)
        } else {
            ("rejected", EventType::DocumentRejected)
        };
        let reasons = (!verdict.accepted)
            .then(|| seal_json(key, &verdict.document_id, &verdict.reasons))
            .transpose()?;
        documents::set_verdict(
            tx.conn().await?,
            &self.scope,
            &verdict.document_id,
            status,
            reasons.as_deref(),
            verdict.reviewed_by.as_deref(),
            now,
        )
        .await?;
        let codes: Vec<&Value> = verdict
            .reasons
            .iter()
            .filter_map(|r| r.get("code"))
            .collect();
        let mut payload = json!({
            "case_id": self.record.id, "document_id": verdict.document_id,
            "type": verdict.document_type, "side": verdict.side, "status": status,
            "rejection_reasons": codes,
        });
        if verdict.accepted {
            let after = self.after_acceptance(tx, verdict).await?;
            payload["superseded"] = json!(after.superseded);
            payload["steps_accepted"] = json!(after.steps_accepted);
        }
        if let Some(person) = &verdict.reviewed_by {
            payload["reviewed_by"] = json!(person);
        }
        self.emit(tx, event, payload, now);
        Ok(())
    }

    /// A person accepts or rejects one of the case's documents (again, if they change their
    /// mind): the same status and event as the checks' verdict, naming the reviewer, and an
    /// audit entry. Returns the document as reviewed.
    pub(crate) async fn review_document(
        &mut self,
        tx: &mut Tx,
        key: &DataKey,
        principal: &Principal,
        document_id: &str,
        review: DocumentReview,
        now: Millis,
    ) -> Result<DocumentRecord, ServiceError> {
        let document = self.reviewable_document(tx, document_id).await?;
        let reasons = match &review {
            DocumentReview::Accept => Vec::new(),
            DocumentReview::Reject { code, message } => {
                vec![json!({ "code": code, "message": message })]
            }
        };
        let verdict = DocumentVerdict {
            document_id: document.id.clone(),
            document_type: document.document_type.clone(),
            side: document.side.clone(),
            accepted: review == DocumentReview::Accept,
            reasons,
            reviewed_by: Some(principal.id()),
        };
        self.record_verdict(tx, key, &verdict, now).await?;
        let to = if verdict.accepted {
            "accepted"
        } else {
            "rejected"
        };
        self.audit(
            tx,
            principal,
            AuditEntry {
                action: "document.reviewed",
                target_type: "document",
                target_id: &document.id,
                case_id: Some(&self.record.id),
                detail: json!({ "case_id": self.record.id, "from": document.status, "to": to }),
            },
            now,
        );
        documents::get(tx.conn().await?, &self.scope, document_id)
            .await?
            .ok_or(ServiceError::not_found("document"))
    }

    /// What an accepted document means for the case's other uploads: those waiting for a
    /// verdict that it makes moot (other front sides gathered for the same purpose: any
    /// identity document for an identity document, a proof of address for a proof of
    /// address), and the steps that now have an accepted upload.
    async fn after_acceptance(
        &self,
        tx: &mut Tx,
        accepted: &DocumentVerdict,
    ) -> Result<AfterAcceptance, ServiceError> {
        let purpose = |document_type: &str| match collecting_step(document_type) {
            Some(Step::CompanyDocuments) | None => None,
            step => step,
        };
        let wanted = purpose(&accepted.document_type);
        let all = documents::for_case(tx.conn().await?, &self.scope, &self.record.id).await?;
        let mut after = AfterAcceptance::default();
        after.steps_accepted.extend(wanted);
        for document in all
            .iter()
            .filter(|d| d.side == "front" && d.id != accepted.document_id)
        {
            let step = purpose(&document.document_type);
            match document.status.as_str() {
                "pending" if wanted.is_some() && step == wanted => {
                    after.superseded.push(document.id.clone());
                }
                "accepted" => after.steps_accepted.extend(step),
                _ => {}
            }
        }
        Ok(after)
    }

    /// One of the case's documents, which a person may review while the case is open.
    async fn reviewable_document(
        &self,
        tx: &mut Tx,
        document_id: &str,
    ) -> Result<DocumentRecord, ServiceError> {
        let status = self.status()?;
        if matches!(status, CaseStatus::Canceled | CaseStatus::Expired) {
            return Err(ServiceError::conflict(
                "case_closed",
                format!("the documents of a case that is {status} are not reviewed"),
            ));
        }
        documents::get(tx.conn().await?, &self.scope, document_id)
            .await?
            .filter(|d| d.case_id == self.record.id)
            .ok_or(ServiceError::not_found("document"))
    }

    /// A person takes one of the case's documents to review, lets it go, or confirms its
    /// status: who and when are recorded, announced and audited; the status stays.
    pub(crate) async fn mark_document_review(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        document_id: &str,
        mark: ReviewMark,
        now: Millis,
    ) -> Result<DocumentRecord, ServiceError> {
        let mut document = self.reviewable_document(tx, document_id).await?;
        let person = principal.id();
        let started = (mark == ReviewMark::Start).then(|| person.clone());
        document.review_started_at = started.as_ref().map(|_| now);
        document.review_started_by = started;
        if mark == ReviewMark::Confirm {
            document.reviewed_by = Some(person.clone());
            document.reviewed_at = Some(now);
        }
        document.updated_at = now;
        documents::set_review_marks(tx.conn().await?, &self.scope, &document).await?;
        let event = mark.event();
        let payload = json!({
            "case_id": self.record.id, "document_id": document.id,
            "type": document.document_type, "side": document.side, "status": document.status,
            "by": person,
        });
        self.emit(tx, event, payload, now);
        self.audit(
            tx,
            principal,
            AuditEntry {
                action: event.as_str(),
                target_type: "document",
                target_id: &document.id,
                case_id: Some(&self.record.id),
                detail: json!({ "case_id": self.record.id, "status": document.status }),
            },
            now,
        );
        Ok(document)
    }

    /// An analyst marks one of the case's hits a true or a false match (again, if they change
    /// their mind); returns the hit as reviewed.
    pub(crate) async fn review_hit(
        &mut self,
        tx: &mut Tx,
        key: &DataKey,
        principal: &Principal,
        hit_id: &str,
        review: HitReview,
        now: Millis,
    ) -> Result<ScreeningHitRecord, ServiceError> {
        let HitReview { verdict, note } = review;
        let mut hit = screening_hits::get(tx.conn().await?, &self.scope, hit_id)
            .await?
            .filter(|h| h.case_id == self.record.id)
            .ok_or(ServiceError::not_found("screening hit"))?;
        let previous = std::mem::take(&mut hit.status);
        hit.status = verdict.as_str().to_owned();
        hit.review_note_sealed = note
            .map(|note| seal_json(key, &hit.id, &note))
            .transpose()?;
        hit.reviewed_by = Some(principal.id());
        hit.reviewed_at = Some(now);
        hit.updated_at = now;
        screening_hits::review(tx.conn().await?, &hit).await?;
        let payload = json!({
            "case_id": self.record.id, "hit_id": hit.id, "status": hit.status,
            "previous_status": previous,
        });
        self.emit(tx, EventType::ScreeningHitReviewed, payload, now);
        self.audit(
            tx,
            principal,
            AuditEntry {
                action: "screening_hit.reviewed",
                target_type: "screening_hit",
                target_id: &hit.id,
                case_id: Some(&self.record.id),
                detail: json!({ "case_id": self.record.id, "from": previous, "to": hit.status }),
            },
            now,
        );
        Ok(hit)
    }
}
