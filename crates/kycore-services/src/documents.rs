//! Documents, as a platform handles them through the API: an upload (checked and sealed by
//! `intake.rs`, recorded on its case by the kernel), a person's review of one, the case's
//! documents, and a document's original file.

use futures_util::future::BoxFuture;
use kycore_domain::tenancy::Scope;
use kycore_store::Tx;
use kycore_store::documents;

use crate::error::trim_within;
pub use crate::intake::{IDENTITY_DOCUMENT_TYPES, NewDocument, SINGLE_SIDED_TYPES, TypedDetails};
use crate::kernel;
pub use crate::kernel::DocumentReview;
use crate::time_format::now_millis;
use crate::views::{self, Document};
use crate::{RequestContext, ServiceError, Services};

/// The longest message a person gives with a document's rejection.
pub const MAX_REVIEW_MESSAGE_CHARS: usize = 1000;

impl Services {
    pub async fn add_document(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        upload: NewDocument,
    ) -> Result<Document, ServiceError> {
        let prepared = self.prepare_document(ctx, case_id, upload).await?;
        let unit_ctx = ctx.clone();
        let case_id = case_id.to_owned();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<Document, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = kernel::open_awaiting_applicant(
                        tx,
                        &unit_ctx.scope,
                        &case_id,
                        "takes no more documents",
                    )
                    .await?;
                    let record = case
                        .record_document(tx, &unit_ctx.principal, prepared, now)
                        .await?;
                    case.save(tx, now).await?;
                    // A new upload has no rejection reasons: nothing sealed to open.
                    views::document(&record, None)
                })
            },
        )
        .await
    }

    /// A person accepts or rejects one of the case's documents; the rejection's message is
    /// at most [`MAX_REVIEW_MESSAGE_CHARS`] characters. The case's status does not move: a
    /// decision on the case is its own call.
    pub async fn review_document(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        document_id: &str,
        mut review: DocumentReview,
    ) -> Result<Document, ServiceError> {
        if let DocumentReview::Reject { message, .. } = &mut review {
            trim_within(message, MAX_REVIEW_MESSAGE_CHARS, "message_too_long")?;
        }
        let unit_ctx = ctx.clone();
        let services = self.clone();
        let (case_id, document_id) = (case_id.to_owned(), document_id.to_owned());
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<Document, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = kernel::open(tx, &unit_ctx.scope, &case_id).await?;
                    let key = case.applicant_key(tx, &services).await?;
                    let record = case
                        .review_document(tx, &key, &unit_ctx.principal, &document_id, review, now)
                        .await?;
                    case.save(tx, now).await?;
                    views::document(&record, Some(&key))
                })
            },
        )
        .await
    }

    /// A case's documents, oldest first; 404 for a case the scope does not have.
    pub async fn list_documents(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<Vec<Document>, ServiceError> {
        let key = self.case_key(scope, case_id).await?;
        let reader = self.store().reader();
        let records = documents::for_case(reader, scope, case_id).await?;
        records
            .iter()
            .map(|d| views::document(d, key.as_ref()))
            .collect()
    }

    /// One document of the scope by its id, whatever its case; 404 for one the scope does
    /// not have.
    pub async fn get_document(&self, scope: &Scope, id: &str) -> Result<Document, ServiceError> {
        let record = documents::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("document"))?;
        let key = self.case_key(scope, &record.case_id).await?;
        views::document(&record, key.as_ref())
    }

    /// The original file of a document, decrypted, with its content type.
    pub async fn document_file(
        &self,
        scope: &Scope,
        case_id: &str,
        id: &str,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        let reader = self.store().reader();
        let case = kycore_store::cases::get(reader, scope, case_id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        let records = documents::for_case(reader, scope, case_id).await?;
        let record = records
            .into_iter()
            .find(|d| d.id == id)
            .ok_or(ServiceError::not_found("document"))?;
        if case.redacted_at.is_some() {
            return Err(ServiceError::Gone {
                code: "document_redacted",
                message: "the case was redacted: its document files are erased".into(),
            });
        }
        let key = self
            .required_applicant_key(reader, scope, &case.applicant_id)
            .await?;
        let bytes = self.blobs().get_opened(&key, &record.blob_key).await?;
        Ok((record.content_type, bytes))
    }
}
