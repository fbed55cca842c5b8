//! The case kernel: the one place that writes a case and what travels with it — its status
//! (through the domain's state machine), revision, events, audit entries, hosted-link token,
//! progress through the hosted flow, documents, checks, screening hits, document verdicts,
//! redaction, and the applicant records cases are made for (`applicants`).
//!
//! Every use case that changes a case does so inside one unit of work: it opens the case
//! ([`open`], [`open_awaiting_applicant`]), changes it through [`OpenCase`], and ends with
//! [`OpenCase::save`], which writes the case only if nobody changed it since it was opened.
//! A concurrent change makes the whole unit fail with `concurrent_modification`, so no
//! read-modify-write loses another's update, on either backend. Use cases call the kernel;
//! the kernel calls no use case.

pub(crate) mod applicants;
mod create;
pub(crate) mod details;
mod documents;
pub(crate) mod findings;
mod redaction;

use kycore_domain::case::{CaseAction, CaseStatus, Decision, ManualDecision, transition};
use kycore_domain::event::EventType;
use kycore_domain::ids::LinkTokenId;
use kycore_domain::progress::Progress;
use kycore_domain::tenancy::Scope;
use kycore_store::cases::{self, CaseRecord};
use kycore_store::{Millis, Tx, case_progress, jobs, related_person_cases};
use serde_json::{Value, json};

pub(crate) use self::create::write_new_case;
pub use self::create::{CaseApplicant, CaseAttachments, NewCaseRequest};
use self::details::{CaseDetails, DecisionNote};
pub(crate) use self::findings::DocumentVerdict;
pub use self::findings::{DocumentReview, HitReview, HitVerdict, ReviewMark};
pub(crate) use self::redaction::{all_cases_redacted, open_for_redaction, redact_applicant};
use crate::crypto::DataKey;
use crate::jobs::Job;
use crate::record::{self, AuditEntry};
use crate::{Principal, ServiceError};

/// A case opened for change inside a unit of work. Dropping it without [`OpenCase::save`]
/// discards the changes made to the case row (and the unit should then fail).
#[must_use = "a changed case is written only by `save`"]
pub(crate) struct OpenCase {
    record: CaseRecord,
    scope: Scope,
    /// The revision read; the write is refused if the stored one moved meanwhile.
    opened_revision: i64,
    /// The case's progress as read and as changed, once a change asked for it.
    progress: Option<(Progress, Progress)>,
    changed: bool,
    /// Status changes applied: each counts as a revision of its own, so a reader sees the
    /// revision each `case.status_changed` names.
    transitions: i64,
    /// Whether a status change reached a final status (decided, expired, canceled).
    reached_final: bool,
}

/// Opens a case of the scope for change. Its row is locked until the unit's transaction
/// ends (on PostgreSQL; SQLite's one writer is exclusive anyway), so two units changing one
/// case take turns, each reading what the other wrote — neither writes events numbered
/// from a stale count.
/// A redacted case changes no more (`case_redacted`).
pub(crate) async fn open(tx: &mut Tx, scope: &Scope, id: &str) -> Result<OpenCase, ServiceError> {
    let case = open_any(tx, scope, id).await?;
    if case.record.redacted_at.is_some() {
        return Err(ServiceError::conflict(
            "case_redacted",
            "the case's personal data was erased; it changes no more",
        ));
    }
    Ok(case)
}

/// Opens a case whatever its state.
async fn open_any(tx: &mut Tx, scope: &Scope, id: &str) -> Result<OpenCase, ServiceError> {
    let backend = tx.backend();
    let record = cases::get_for_update(tx.conn().await?, backend, scope, id)
        .await?
        .ok_or(ServiceError::not_found("case"))?;
    Ok(OpenCase {
        opened_revision: record.revision,
        scope: scope.clone(),
        record,
        progress: None,
        changed: false,
        transitions: 0,
        reached_final: false,
    })
}

/// Opens a case that still waits for its applicant (new details, documents, a new link);
/// any other status is a 409 naming it.
pub(crate) async fn open_awaiting_applicant(
    tx: &mut Tx,
    scope: &Scope,
    id: &str,
    refused: &str,
) -> Result<OpenCase, ServiceError> {
    let case = open(tx, scope, id).await?;
    case.ensure_awaiting_applicant(refused)?;
    Ok(case)
}

pub(crate) fn status_of(record: &CaseRecord) -> Result<CaseStatus, ServiceError> {
    stored_status(&record.status)
}

/// A case status as stored; one that does not parse is corrupt data, never a default.
pub(crate) fn stored_status(raw: &str) -> Result<CaseStatus, ServiceError> {
    CaseStatus::parse(raw).ok_or_else(|| ServiceError::corrupt(format!("case status `{raw}`")))
}

pub(crate) fn decision_of(record: &CaseRecord) -> Result<Option<Decision>, ServiceError> {
    record
        .decision
        .as_deref()
        .map(|d| {
            serde_json::from_str(d).map_err(|e| ServiceError::corrupt(format!("decision: {e}")))
        })
        .transpose()
}

/// Reads a case's progress; a case nobody has started has the empty one.
pub(crate) async fn read_progress(
    db: impl kycore_store::Executor<'_, Database = kycore_store::Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<Progress, ServiceError> {
    case_progress::get(db, scope, case_id)
        .await?
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| ServiceError::corrupt(format!("case progress: {e}")))
        })
        .transpose()
        .map(Option::unwrap_or_default)
}

impl OpenCase {
    pub(crate) fn record(&self) -> &CaseRecord {
        &self.record
    }

    pub(crate) fn id(&self) -> &str {
        &self.record.id
    }

    pub(crate) fn scope(&self) -> &Scope {
        &self.scope
    }

    pub(crate) fn status(&self) -> Result<CaseStatus, ServiceError> {
        status_of(&self.record)
    }

    pub(crate) fn decision(&self) -> Result<Option<Decision>, ServiceError> {
        decision_of(&self.record)
    }

    /// Refuses (409, naming the status) unless the case still waits for its applicant;
    /// `refused` says what is refused ("takes no more documents").
    pub(crate) fn ensure_awaiting_applicant(&self, refused: &str) -> Result<(), ServiceError> {
        if self.status()?.awaits_applicant() {
            return Ok(());
        }
        Err(ServiceError::conflict(
            "case_not_awaiting_applicant",
            format!("a case that is {} {refused}", self.record.status),
        ))
    }

    /// Moves the case through `action`: the state machine decides, and a
    /// `case.status_changed` (plus `case.decided` when a decision is given) and an audit
    /// entry are written. A decision's note is personal data: it is not stored here but
    /// sealed by [`OpenCase::set_decision_note`], and a decision still carrying one is refused.
    pub(crate) fn apply(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        action: CaseAction,
        decision: Option<Decision>,
        now: Millis,
    ) -> Result<(), ServiceError> {
        if decision.as_ref().is_some_and(|d| d.note.is_some()) {
            return Err(ServiceError::internal(
                "a decision note must be sealed with set_decision_note",
            ));
        }
        let from = self.status()?;
        let to = transition(from, action)?;
        self.record.status = to.as_str().to_owned();
        if to == CaseStatus::Submitted {
            self.record.submitted_at = Some(now);
        }
        if to.is_final() {
            self.record.closed_at = Some(now);
            self.reached_final = true;
        }
        if action == CaseAction::OpenLink {
            self.record.link_opened_at.get_or_insert(now);
        }
        self.transitions += 1;
        let revision = self.opened_revision + self.transitions;
        let changed = json!({
            "case_id": self.record.id, "previous_status": from, "status": to, "revision": revision,
        });
        self.emit(tx, EventType::CaseStatusChanged, changed, now);
        if let Some(decision) = decision {
            let decided = json!({
                "case_id": self.record.id, "outcome": decision.outcome,
                "decided_by": decision.decided_by, "reason_code": decision.reason_code,
            });
            self.record.decision = Some(
                serde_json::to_string(&decision)
                    .map_err(|e| ServiceError::internal(format!("decision: {e}")))?,
            );
            self.emit(tx, EventType::CaseDecided, decided, now);
        }
        let action_name = format!("case.{}", action.name());
        self.audit(
            tx,
            principal,
            AuditEntry {
                action: &action_name,
                target_type: "case",
                target_id: &self.record.id,
                case_id: Some(&self.record.id),
                detail: json!({ "from": from, "to": to }),
            },
            now,
        );
        Ok(())
    }

    /// Four eyes: a person's approval of a case whose flow asks for two. True when it takes
    /// effect now (a second, different person confirms); false when it was recorded as the
    /// first, announced by `case.first_approval` and audited, the status unchanged. The
    /// first approver approving again is refused.
    pub(crate) fn four_eyes_approval(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        now: Millis,
    ) -> Result<bool, ServiceError> {
        let person = principal.id();
        match &self.record.first_approved_by {
            Some(first) if *first == person => Err(ServiceError::conflict(
                "second_approver_required",
                "this case needs four eyes: a second, different person confirms the approval",
            )),
            Some(_) => Ok(true),
            None => {
                // Refused here as the approval itself would be (a final or gathering case).
                transition(self.status()?, CaseAction::Decide(ManualDecision::Approve))?;
                self.record.first_approved_by = Some(person.clone());
                self.record.first_approved_at = Some(now);
                let payload = json!({ "case_id": self.record.id, "approved_by": person });
                self.emit(tx, EventType::CaseFirstApproval, payload, now);
                let entry = AuditEntry {
                    action: "case.first_approval",
                    target_type: "case",
                    target_id: &self.record.id,
                    case_id: Some(&self.record.id),
                    detail: json!({ "status": self.record.status }),
                };
                self.audit(tx, principal, entry, now);
                Ok(false)
            }
        }
    }

    /// Gives the case to `assignee` (a principal id) or to nobody, audited as
    /// `case.assigned` or `case.unassigned`; the status does not move.
    pub(crate) fn assign(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        assignee: Option<String>,
        now: Millis,
    ) {
        if self.record.assigned_to == assignee {
            return;
        }
        let previous = std::mem::replace(&mut self.record.assigned_to, assignee);
        self.changed = true;
        let action = if self.record.assigned_to.is_some() {
            "case.assigned"
        } else {
            "case.unassigned"
        };
        let entry = AuditEntry {
            action,
            target_type: "case",
            target_id: &self.record.id,
            case_id: Some(&self.record.id),
            detail: json!({ "from": previous, "to": self.record.assigned_to }),
        };
        self.audit(tx, principal, entry, now);
    }

    /// A decision other than an approval ends a first approval waiting for its second.
    pub(crate) fn forget_first_approval(&mut self) {
        if self.record.first_approved_by.take().is_some() {
            self.record.first_approved_at = None;
            self.changed = true;
        }
    }

    /// Appends an event about the case, with the case's next sequence number.
    pub(crate) fn emit(&mut self, tx: &mut Tx, event_type: EventType, payload: Value, now: Millis) {
        self.record.last_event_seq += 1;
        self.changed = true;
        tx.append_event(record::event(
            &self.scope,
            event_type,
            Some((&self.record.id, self.record.last_event_seq)),
            Some(&self.record.applicant_id),
            payload,
            now,
        ));
    }

    pub(crate) fn audit(
        &self,
        tx: &mut Tx,
        principal: &Principal,
        entry: AuditEntry<'_>,
        now: Millis,
    ) {
        record::audit(tx, &self.scope, principal, entry, now);
    }

    /// The case's progress through its hosted flow, to read and change; saved with the case
    /// when it changed.
    pub(crate) async fn progress(&mut self, tx: &mut Tx) -> Result<&mut Progress, ServiceError> {
        if self.progress.is_none() {
            let progress = read_progress(tx.conn().await?, &self.scope, &self.record.id).await?;
            self.progress = Some((progress.clone(), progress));
        }
        Ok(&mut self.progress.get_or_insert_default().1)
    }

    /// The progress, when a change asked for it and changed it.
    fn changed_progress(&self) -> Option<&Progress> {
        self.progress
            .as_ref()
            .filter(|(read, current)| read != current)
            .map(|(_, current)| current)
    }

    /// The applicant starts (or, after a resubmission request, restarts) entering data: the
    /// case moves to `in_progress`, and a resubmission reopens the steps it names. Nothing
    /// happens when the applicant is already at it.
    pub(crate) async fn start_applicant_round(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        now: Millis,
    ) -> Result<(), ServiceError> {
        let status = self.status()?;
        if !matches!(
            status,
            CaseStatus::Created | CaseStatus::ResubmissionRequested
        ) {
            return Ok(());
        }
        if status == CaseStatus::ResubmissionRequested
            && let Some(decision) = self.decision()?
        {
            self.progress(tx)
                .await?
                .reopen(&decision.resubmission_steps);
        }
        self.apply(tx, principal, CaseAction::OpenLink, None, now)
    }

    /// The applicant has finished: the case is submitted and its processing queued.
    pub(crate) async fn submit(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        now: Millis,
    ) -> Result<(), ServiceError> {
        self.start_applicant_round(tx, principal, now).await?;
        self.apply(tx, principal, CaseAction::Submit, None, now)?;
        self.enqueue_processing(tx, self.record.id.clone(), now)
            .await
    }

    /// Queues the `process_case` job of `case_id`, a case of this case's scope.
    async fn enqueue_processing(
        &self,
        tx: &mut Tx,
        case_id: String,
        now: Millis,
    ) -> Result<(), ServiceError> {
        let job = Job::ProcessCase {
            organization_id: self.record.organization_id.clone(),
            environment: self.record.environment.clone(),
            case_id,
        };
        jobs::enqueue(tx.conn().await?, &job.record(now)?).await?;
        Ok(())
    }

    /// The data key of the case's applicant, which seals what the case holds about them.
    pub(crate) async fn applicant_key(
        &self,
        tx: &mut Tx,
        services: &crate::Services,
    ) -> Result<DataKey, ServiceError> {
        services
            .required_applicant_key(tx.conn().await?, &self.scope, &self.record.applicant_id)
            .await
    }

    /// Seals `note` as the note of the decision made at `decided_at`, in the case's details.
    pub(crate) fn set_decision_note(
        &mut self,
        key: &DataKey,
        decided_at: time::OffsetDateTime,
        note: String,
    ) -> Result<(), ServiceError> {
        let mut details = CaseDetails::open(Some(key), &self.record)?;
        details.decision_note = Some(DecisionNote { decided_at, note });
        self.record.sealed = Some(details.seal(key, &self.record.id)?);
        self.changed = true;
        Ok(())
    }

    /// Replaces what the platform attached to the case (its redirect URL, its metadata),
    /// where `attachments` gives them, sealed like the rest of its details.
    pub(crate) fn set_attachments(
        &mut self,
        key: &DataKey,
        attachments: CaseAttachments,
    ) -> Result<(), ServiceError> {
        let mut details = CaseDetails::open(Some(key), &self.record)?;
        if let Some(redirect_url) = attachments.redirect_url {
            details.redirect_url = redirect_url;
        }
        if let Some(metadata) = attachments.metadata {
            details.metadata = metadata;
        }
        self.record.sealed = Some(details.seal(key, &self.record.id)?);
        self.changed = true;
        Ok(())
    }

    /// Changes the case's applicant (its details, its related persons); refused if the
    /// applicant changed since it was read in this unit.
    pub(crate) async fn update_applicant(
        &self,
        tx: &mut Tx,
        keys: applicants::ApplicantKeys<'_>,
        principal: &Principal,
        changes: applicants::ApplicantChanges,
        now: Millis,
    ) -> Result<applicants::PreparedApplicant, ServiceError> {
        let applicant_id = self.record.applicant_id.clone();
        applicants::update(
            tx,
            keys,
            principal,
            &self.scope,
            &applicant_id,
            changes,
            now,
        )
        .await
    }

    /// A new hosted link: a new token id (the previous link stops working) and expiry.
    pub(crate) fn reissue_link(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        lifetime_millis: Millis,
        now: Millis,
    ) {
        self.record.link_token_id = LinkTokenId::generate().to_string();
        self.record.link_expires_at = now + lifetime_millis;
        self.changed = true;
        self.audit(
            tx,
            principal,
            AuditEntry {
                action: "case.link_reissued",
                target_type: "case",
                target_id: &self.record.id,
                case_id: Some(&self.record.id),
                detail: json!({}),
            },
            now,
        );
    }

    /// Writes the case (and its progress) if anything changed, refusing if its revision
    /// moved since it was opened; the revision increments once per status change, and once
    /// for any other change. Returns the case as saved.
    pub(crate) async fn save(
        mut self,
        tx: &mut Tx,
        now: Millis,
    ) -> Result<CaseRecord, ServiceError> {
        if !self.changed && self.changed_progress().is_none() {
            return Ok(self.record);
        }
        if let Some(progress) = self.changed_progress() {
            let json = serde_json::to_string(progress)
                .map_err(|e| ServiceError::internal(format!("case progress: {e}")))?;
            case_progress::put(tx.conn().await?, &self.scope, &self.record.id, &json, now).await?;
        }
        self.record.revision = self.opened_revision + self.transitions.max(1);
        self.record.updated_at = now;
        if !cases::update(tx.conn().await?, &self.record, self.opened_revision).await? {
            return Err(ServiceError::concurrent_change("case"));
        }
        if self.reached_final {
            self.resume_parent(tx, now).await?;
        }
        Ok(self.record)
    }

    /// A related person's case that reached a final status may be the last one its business
    /// case waits for: the business's processing runs again, and goes on only once every
    /// one of its related persons' cases is final.
    async fn resume_parent(&self, tx: &mut Tx, now: Millis) -> Result<(), ServiceError> {
        let parent =
            related_person_cases::of_child(tx.conn().await?, &self.scope, &self.record.id).await?;
        match parent {
            Some(child) => self.enqueue_processing(tx, child.parent_case_id, now).await,
            None => Ok(()),
        }
    }
}
