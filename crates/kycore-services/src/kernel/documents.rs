//! Recording an upload on a case: the next attempt of its type and side, refused past the
//! flow's `max_attempts` and past [`MAX_DOCUMENTS_PER_CASE`] in all (whichever link, session
//! or key they come through), announced by `document.uploaded`.

use kycore_domain::event::EventType;
use kycore_store::documents::{self, DocumentRecord};
use kycore_store::{Millis, Tx};
use serde_json::json;

use super::OpenCase;
use crate::intake::PreparedDocument;
use crate::record::AuditEntry;
use crate::{Principal, ServiceError};

/// The most documents one case holds: every type and side a flow can ask for, with their
/// attempts, fits many times over; past it uploads are abuse, not verification.
pub const MAX_DOCUMENTS_PER_CASE: i64 = 50;

impl OpenCase {
    /// Records a prepared upload (its file already sealed in the blob store) as the next
    /// attempt of its type and side.
    pub(crate) async fn record_document(
        &mut self,
        tx: &mut Tx,
        principal: &Principal,
        prepared: PreparedDocument,
        now: Millis,
    ) -> Result<DocumentRecord, ServiceError> {
        let PreparedDocument {
            mut record,
            max_attempts,
        } = prepared;
        if record.case_id != self.record.id {
            return Err(ServiceError::internal(
                "a document prepared for another case",
            ));
        }
        let on_case =
            documents::count_for_case(tx.conn().await?, &self.scope, &self.record.id).await?;
        if on_case >= MAX_DOCUMENTS_PER_CASE {
            return Err(ServiceError::conflict(
                "too_many_documents",
                format!("a case holds at most {MAX_DOCUMENTS_PER_CASE} documents"),
            ));
        }
        let earlier = documents::count_of_type(
            tx.conn().await?,
            &self.scope,
            &record.case_id,
            &record.document_type,
            &record.side,
        )
        .await?;
        if max_attempts != 0 && earlier >= i64::from(max_attempts) {
            return Err(ServiceError::conflict(
                "attempts_exhausted",
                format!(
                    "the flow allows {max_attempts} upload(s) of a {} {} side",
                    record.document_type, record.side
                ),
            ));
        }
        record.attempt = earlier + 1;
        documents::insert(tx.conn().await?, &record).await?;
        let payload = json!({
            "case_id": self.record.id, "document_id": record.id, "type": record.document_type,
            "side": record.side, "attempt": record.attempt,
        });
        self.emit(tx, EventType::DocumentUploaded, payload, now);
        self.audit(
            tx,
            principal,
            AuditEntry {
                action: "document.uploaded",
                target_type: "document",
                target_id: &record.id,
                case_id: Some(&self.record.id),
                detail: json!({ "case_id": self.record.id }),
            },
            now,
        );
        Ok(record)
    }
}
