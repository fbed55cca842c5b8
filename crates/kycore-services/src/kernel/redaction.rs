//! Redaction: erasing a case's personal data — its sealed details, what its checks, hits and
//! documents say about the applicant, and its document files — while its status, decision,
//! reason codes, events and audit trail stay; and erasing an applicant: its profile, lookup
//! hashes and data key (so copies of anything sealed under it stop opening), after its
//! cases. Only a case that reached a final status can be redacted; redacting twice changes
//! nothing. Files are deleted by the `purge_blobs` job queued in the same unit, so a crash
//! right after the commit cannot leave them behind.

use kycore_domain::event::EventType;
use kycore_domain::tenancy::Scope;
use kycore_store::{
    Millis, Tx, applicants, cases, checks, data_keys, documents, jobs, screening_hits,
};
use serde_json::json;

use super::{OpenCase, open_any};
use crate::jobs::Job;
use crate::record::{self, AuditEntry};
use crate::{Principal, ServiceError};

/// Opens a case to redact it: any state, so that redacting twice is no error.
pub(crate) async fn open_for_redaction(
    tx: &mut Tx,
    scope: &Scope,
    id: &str,
) -> Result<OpenCase, ServiceError> {
    open_any(tx, scope, id).await
}

impl OpenCase {
    /// Erases the case's personal data (see the module doc); a case redacted already is left
    /// as it is. Returns the blob keys of its document files, which the queued job deletes
    /// (and the caller may delete at once, after the commit).
    pub(crate) async fn redact(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        now: Millis,
    ) -> Result<Vec<String>, ServiceError> {
        if self.record.redacted_at.is_some() {
            return Ok(Vec::new());
        }
        if !self.status()?.is_final() {
            return Err(ServiceError::conflict(
                "case_not_final",
                format!(
                    "a case that is {} is still in use: cancel or decide it before redacting",
                    self.record.status
                ),
            ));
        }
        let scope = self.scope.clone();
        let id = self.record.id.clone();
        checks::redact_case(tx.conn().await?, &scope, &id).await?;
        screening_hits::redact_case(tx.conn().await?, &scope, &id).await?;
        let blobs = documents::redact_case(tx.conn().await?, &scope, &id).await?;
        if !blobs.is_empty() {
            let job = Job::PurgeBlobs {
                keys: blobs.clone(),
            };
            jobs::enqueue(tx.conn().await?, &job.record(now)?).await?;
        }
        self.record.sealed = None;
        self.record.redacted_at = Some(now);
        self.changed = true;
        self.emit(tx, EventType::CaseRedacted, json!({ "case_id": id }), now);
        let entry = AuditEntry {
            action: "case.redacted",
            target_type: "case",
            target_id: &id,
            case_id: Some(&id),
            detail: json!({}),
        };
        self.audit(tx, principal, entry, now);
        Ok(blobs)
    }
}

/// Erases an applicant: every case of theirs is redacted (each must be final), then the
/// profile and lookup hashes, and the data key is destroyed. Returns the blob keys of the
/// cases' document files (see [`OpenCase::redact`]); an applicant erased already is left as
/// it is.
pub(crate) async fn redact_applicant(
    tx: &mut Tx,
    principal: &Principal,
    scope: &Scope,
    id: &str,
    now: Millis,
) -> Result<Vec<String>, ServiceError> {
    let applicant = super::applicants::load(tx, scope, id).await?;
    if applicant.redacted_at.is_some() {
        return Ok(Vec::new());
    }
    let mut blobs = Vec::new();
    for case in cases::of_applicant(tx.conn().await?, scope, id).await? {
        let mut open = open_any(tx, scope, &case.id).await?;
        blobs.extend(open.redact(tx, principal, now).await?);
        open.save(tx, now).await?;
    }
    applicants::redact(tx.conn().await?, scope, id, now).await?;
    data_keys::delete(tx.conn().await?, scope.organization_id.as_str(), id).await?;
    tx.append_event(record::event(
        scope,
        EventType::ApplicantRedacted,
        None,
        Some(id),
        json!({ "applicant_id": id }),
        now,
    ));
    let entry = AuditEntry {
        action: "applicant.redacted",
        target_type: "applicant",
        target_id: id,
        case_id: None,
        detail: json!({}),
    };
    record::audit(tx, scope, principal, entry, now);
    Ok(blobs)
}

/// Whether every case of the applicant has been redacted (retention then erases them).
pub(crate) async fn all_cases_redacted(
    tx: &mut Tx,
    scope: &Scope,
    applicant_id: &str,
) -> Result<bool, ServiceError> {
    let cases = cases::of_applicant(tx.conn().await?, scope, applicant_id).await?;
    Ok(cases.iter().all(|c| c.redacted_at.is_some()))
}
