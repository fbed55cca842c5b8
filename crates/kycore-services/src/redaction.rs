//! Redaction and retention as a platform asks for them: erase a case's personal data and
//! document files (`POST /v1/cases/{id}/redact`), erase an applicant with its cases
//! (`POST /v1/applicants/{id}/redact`), and keep personal data for a limited time: an
//! organization's retention policy redacts each case that many days after its final
//! decision, and erases the applicant once all their cases are redacted. The kernel does the
//! erasing (`kernel/redaction.rs`); document files are deleted here after the commit, and
//! again by the `purge_blobs` job the unit queued, should this process stop first.

use futures_util::future::BoxFuture;
use kycore_domain::tenancy::Scope;
use kycore_store::{Tx, cases, documents, organizations};

use crate::kernel;
use crate::time_format::now_millis;
use crate::views::{Applicant, Case};
use crate::{RequestContext, ServiceError, Services, SystemComponent};

/// Cases one retention sweep redacts at most; a full sweep runs again at once.
pub(crate) const RETENTION_BATCH: i64 = 100;
const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// The longest retention period accepted: ten years.
const MAX_RETENTION_DAYS: u32 = 3653;

impl Services {
    /// Erases a final case's personal data and document files; its status, decision,
    /// reason codes, events and audit trail stay. Redacting again changes nothing.
    pub async fn redact_case(&self, ctx: &RequestContext, id: &str) -> Result<Case, ServiceError> {
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let unit_id = id.to_owned();
        // The unit answers with the case alone (an idempotent replay renders it); the files
        // it erased are read back after the commit.
        let case = self
            .write_idempotent(
                ctx,
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Case, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let scope = &unit_ctx.scope;
                        let mut case = kernel::open_for_redaction(tx, scope, &unit_id).await?;
                        case.redact(tx, &unit_ctx.principal, now).await?;
                        let saved = case.save(tx, now).await?;
                        services.full_case_view(tx.conn().await?, &saved).await
                    })
                },
            )
            .await?;
        let blobs = self
            .document_files(&ctx.scope, std::slice::from_ref(&case.id))
            .await?;
        self.purge_blobs(&blobs).await;
        Ok(case)
    }

    /// Erases an applicant: every case of theirs (each must be final) is redacted, then the
    /// profile and lookup hashes, and the applicant's data key is destroyed — so no copy of
    /// what was sealed under it opens again.
    pub async fn redact_applicant(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<Applicant, ServiceError> {
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let unit_id = id.to_owned();
        let applicant = self
            .write_idempotent(
                ctx,
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Applicant, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let scope = &unit_ctx.scope;
                        let principal = &unit_ctx.principal;
                        kernel::redact_applicant(tx, principal, scope, &unit_id, now).await?;
                        let record = kernel::applicants::load(tx, scope, &unit_id).await?;
                        services.applicant_view(&record, None)
                    })
                },
            )
            .await?;
        self.forget_data_key(&applicant.id);
        let cases = cases::of_applicant(self.store().reader(), &ctx.scope, &applicant.id).await?;
        let ids: Vec<String> = cases.into_iter().map(|c| c.id).collect();
        let blobs = self.document_files(&ctx.scope, &ids).await?;
        self.purge_blobs(&blobs).await;
        Ok(applicant)
    }

    /// The blob keys of the cases' documents (a redacted document keeps its key, so that its
    /// file can be deleted again).
    async fn document_files(
        &self,
        scope: &Scope,
        case_ids: &[String],
    ) -> Result<Vec<String>, ServiceError> {
        let mut keys = Vec::new();
        for case_id in case_ids {
            let documents = documents::for_case(self.store().reader(), scope, case_id).await?;
            keys.extend(documents.into_iter().map(|d| d.blob_key));
        }
        Ok(keys)
    }

    /// Sets how many days after a case's final decision its personal data is redacted
    /// (`None`: kept until redacted on request).
    pub async fn set_retention(
        &self,
        organization_id: &str,
        days: Option<u32>,
    ) -> Result<(), ServiceError> {
        if days.is_some_and(|d| d == 0 || d > MAX_RETENTION_DAYS) {
            return Err(ServiceError::invalid(
                "invalid_retention",
                format!("a retention period is 1 to {MAX_RETENTION_DAYS} days"),
            ));
        }
        let organization_id = organization_id.to_owned();
        let found = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let days = days.map(i64::from);
                    Ok::<_, ServiceError>(
                        organizations::set_retention(tx.conn().await?, &organization_id, days)
                            .await?,
                    )
                })
            })
            .await?;
        if found {
            Ok(())
        } else {
            Err(ServiceError::not_found("organization"))
        }
    }

    /// The `apply_retention` job: redacts up to `limit` cases whose organization's retention
    /// period has passed since they closed; returns how many were due.
    pub(crate) async fn apply_retention(&self, limit: i64) -> Result<usize, ServiceError> {
        let now = now_millis();
        let mut done = 0;
        for organization in organizations::with_retention(self.store().reader()).await? {
            let Some(days) = organization.retention_days else {
                continue;
            };
            let closed_before = now.saturating_sub(days.saturating_mul(DAY_MILLIS));
            let due = cases::due_for_retention(
                self.store().reader(),
                &organization.id,
                closed_before,
                limit,
            )
            .await?;
            for case in &due {
                let scope = crate::scope::of_case(case)?;
                self.retire_case(scope, case.id.clone()).await?;
            }
            done += due.len();
        }
        Ok(done)
    }

    /// Redacts one case past retention, and erases its applicant when no case of theirs
    /// keeps personal data any more.
    async fn retire_case(&self, scope: Scope, id: String) -> Result<(), ServiceError> {
        let ctx = RequestContext::system(scope, SystemComponent::Retention);
        let (applicant, blobs) = self
            .store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(String, Vec<String>), ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let mut case = kernel::open_for_redaction(tx, &ctx.scope, &id).await?;
                        let mut blobs = case.redact(tx, &ctx.principal, now).await?;
                        let applicant = case.save(tx, now).await?.applicant_id;
                        if kernel::all_cases_redacted(tx, &ctx.scope, &applicant).await? {
                            let erased = kernel::redact_applicant(
                                tx,
                                &ctx.principal,
                                &ctx.scope,
                                &applicant,
                                now,
                            );
                            blobs.extend(erased.await?);
                        }
                        Ok((applicant, blobs))
                    })
                },
            )
            .await?;
        self.forget_data_key(&applicant);
        self.purge_blobs(&blobs).await;
        Ok(())
    }

    /// Deletes redacted documents' files, now; a failure is left to the `purge_blobs` job.
    pub(crate) async fn purge_blobs(&self, keys: &[String]) {
        if let Err(e) = self.delete_blobs(keys).await {
            tracing::warn!(error = %e, "deleting redacted files failed; the purge job retries");
        }
    }

    /// Deletes files from the blob store (the `purge_blobs` job); missing ones count as
    /// deleted.
    pub(crate) async fn delete_blobs(&self, keys: &[String]) -> Result<(), ServiceError> {
        for key in keys {
            self.blobs().delete(key).await?;
        }
        Ok(())
    }
}
