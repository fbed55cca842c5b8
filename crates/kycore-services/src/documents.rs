//! Documents, as a platform handles them through the API: an upload (checked and sealed by
//! `intake.rs`, recorded on its case by the kernel), a person's review of one, the case's
//! documents, and a document's original file.

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use kycore_domain::case::CaseKind;
use kycore_domain::tenancy::Scope;
use kycore_store::documents::{self, DocumentFilter};
use kycore_store::{Millis, Tx};

use crate::crypto::DataKey;
use crate::error::trim_within;
pub use crate::intake::{IDENTITY_DOCUMENT_TYPES, NewDocument, SINGLE_SIDED_TYPES, TypedDetails};
use crate::kernel;
pub use crate::kernel::{DocumentReview, ReviewMark};
use crate::pagination::{Numbered, Window};
use crate::time_format::now_millis;
use crate::views::{self, Document};
use crate::{RequestContext, ServiceError, Services};

/// Which of a scope's documents a listing shows; a filter left empty does not narrow it.
#[derive(Clone, Debug, Default)]
pub struct DocumentQuery {
    /// Any of these cases.
    pub case_ids: Vec<String>,
    /// Any of these types (`passport`, `proof-of-address`…).
    pub types: Vec<String>,
    /// Any of these statuses (`pending`, `accepted`, `rejected`).
    pub statuses: Vec<String>,
    /// `front` or `back`.
    pub side: Option<String>,
    /// Only documents of cases of this kind that were not canceled.
    pub case_kind: Option<CaseKind>,
    pub created_from: Option<Millis>,
    pub created_until: Option<Millis>,
}

/// What a person does with a document.
enum DocumentWork {
    Verdict(DocumentReview),
    Mark(ReviewMark),
}

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
        self.document_work(ctx, case_id, document_id, DocumentWork::Verdict(review))
            .await
    }

    /// A person takes one of the case's documents to review (`Start`), lets it go without a
    /// verdict (`Stop`), or confirms its status as it stands (`Confirm`).
    pub async fn mark_document_review(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        document_id: &str,
        mark: ReviewMark,
    ) -> Result<Document, ServiceError> {
        self.document_work(ctx, case_id, document_id, DocumentWork::Mark(mark))
            .await
    }

    /// A person's work on one document, in one unit with the case.
    async fn document_work(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        document_id: &str,
        work: DocumentWork,
    ) -> Result<Document, ServiceError> {
        let unit_ctx = ctx.clone();
        let services = self.clone();
        let (case_id, document_id) = (case_id.to_owned(), document_id.to_owned());
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<Document, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let principal = &unit_ctx.principal;
                    let mut case = kernel::open(tx, &unit_ctx.scope, &case_id).await?;
                    let key = case.applicant_key(tx, &services).await?;
                    let record = match work {
                        DocumentWork::Verdict(review) => {
                            case.review_document(tx, &key, principal, &document_id, review, now)
                                .await?
                        }
                        DocumentWork::Mark(mark) => {
                            case.mark_document_review(tx, principal, &document_id, mark, now)
                                .await?
                        }
                    };
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

    /// A window of the scope's documents, newest first, whatever their case, with how many
    /// the query selects.
    pub async fn list_scope_documents(
        &self,
        scope: &Scope,
        query: DocumentQuery,
        window: Window,
    ) -> Result<Numbered<Document>, ServiceError> {
        let (limit, offset) = window.bounds()?;
        let filter = DocumentFilter {
            case_ids: query.case_ids,
            types: query.types,
            statuses: query.statuses,
            side: query.side,
            open_case_kind: query.case_kind.map(|k| k.as_str().to_owned()),
            created_from: query.created_from,
            created_until: query.created_until,
            limit,
        };
        let reader = self.store().reader();
        let total = documents::count(reader, scope, &filter).await?;
        let records = if limit == 0 {
            Vec::new()
        } else {
            documents::list_window(reader, scope, &filter, offset).await?
        };
        let mut keys: HashMap<String, Option<DataKey>> = HashMap::new();
        let mut data = Vec::with_capacity(records.len());
        for record in &records {
            if !keys.contains_key(&record.case_id) {
                let key = self.case_key(scope, &record.case_id).await?;
                keys.insert(record.case_id.clone(), key);
            }
            let key = keys.get(&record.case_id).and_then(Option::as_ref);
            data.push(views::document(record, key)?);
        }
        Numbered::counted(data, total)
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
