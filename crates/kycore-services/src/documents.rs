//! Documents submitted for a case through the API: validated, typed by their content (never
//! by a file name) and that content inspected (`uploads.rs`), sealed into the blob store,
//! then recorded with a `document.uploaded` event. The blob is written before the unit of
//! work, since no I/O but the database's may run inside one; a failed unit leaves an
//! unreferenced sealed blob behind, never a record without its file.

use futures_util::future::BoxFuture;
use kycore_domain::event::EventType;
use kycore_domain::ids::DocumentId;
use kycore_domain::tenancy::Scope;
use kycore_domain::validation::ValidationErrors;
use kycore_store::Tx;
use kycore_store::documents::{self, DocumentRecord};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::cases::{load_awaiting_applicant, save_unchanged_status};
use crate::providers::SubmittedDocument;
use crate::record::{AuditEntry, audit, case_event};
use crate::time_format::{datetime_of, now_millis, rfc3339};
use crate::uploads::{self, FileType, Refusal};
use crate::{RequestContext, ServiceError, Services, blocking};

const MAX_MRZ_CHARS: usize = 300;
/// Identity documents: the checks read their MRZ and rules, and cards have two sides.
pub const IDENTITY_DOCUMENT_TYPES: [&str; 5] = [
    "passport",
    "id-card",
    "driver-license",
    "residence-permit",
    "visa",
];
/// The other types the API and the hosted pages collect; each is one page or one photo.
pub const SINGLE_SIDED_TYPES: [&str; 8] = [
    "selfie",
    "proof-of-address",
    "certificate-of-incorporation",
    "register-extract",
    "company-proof-of-address",
    "articles-of-association",
    "shareholder-register",
    "other",
];
const SIDES: [&str; 2] = ["front", "back"];

/// An upload as received.
#[derive(Debug, Default)]
pub struct NewDocument {
    pub document_type: String,
    pub subtype: Option<String>,
    pub side: Option<String>,
    /// The machine-readable zone, lines joined by `\n`, when the platform read it.
    pub mrz: Option<String>,
    pub file: Vec<u8>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub case_id: String,
    #[serde(rename = "type")]
    pub document_type: String,
    pub subtype: Option<String>,
    pub side: String,
    /// `pending` until the case's checks have run, then `accepted` or `rejected`.
    pub status: String,
    /// Why the checks rejected it, in Rebilly's vocabulary (`type`) with a sentence
    /// (`message`); empty unless rejected.
    #[schema(value_type = Vec<Object>)]
    pub rejection_reasons: Vec<serde_json::Value>,
    /// The n-th upload of this type and side for the case.
    pub attempt: i64,
    pub content_type: String,
    pub size_bytes: i64,
    pub has_mrz: bool,
    pub created_at: String,
}

impl NewDocument {
    /// The cheap checks: every field, and the file's size and type by its first bytes. The
    /// content is inspected afterwards ([`uploads::inspect`]), only when these pass.
    fn validate(&mut self, max_file_bytes: usize) -> Result<FileType, ServiceError> {
        let mut errors = ValidationErrors::default();
        let document_type = self.document_type.as_str();
        if !IDENTITY_DOCUMENT_TYPES.contains(&document_type)
            && !SINGLE_SIDED_TYPES.contains(&document_type)
        {
            let all: Vec<&str> = IDENTITY_DOCUMENT_TYPES
                .iter()
                .chain(&SINGLE_SIDED_TYPES)
                .copied()
                .collect();
            errors.add(
                "type",
                "invalid_value",
                format!("one of {}", all.join(", ")),
            );
        }
        let side = self.side.get_or_insert_with(|| "front".to_owned());
        if !SIDES.contains(&side.as_str()) {
            errors.add("side", "invalid_value", "front or back");
        } else if side == "back" && SINGLE_SIDED_TYPES.contains(&document_type) {
            errors.add(
                "side",
                "invalid_value",
                format!("a {document_type} has only a front side"),
            );
        }
        if self
            .subtype
            .as_ref()
            .is_some_and(|s| s.len() > 64 || s.chars().any(char::is_control))
        {
            errors.add(
                "subtype",
                "invalid_format",
                "at most 64 characters, no control characters",
            );
        }
        if let Some(mrz) = self.mrz.as_mut() {
            *mrz = mrz.trim().replace("\r\n", "\n");
            if mrz.chars().count() > MAX_MRZ_CHARS
                || mrz.chars().any(|c| c.is_control() && c != '\n')
            {
                errors.add(
                    "mrz",
                    "invalid_format",
                    "the MRZ lines joined by \\n, at most 300 characters",
                );
            }
        }
        match self.file_type(max_file_bytes) {
            Ok(file_type) if errors.is_empty() => Ok(file_type),
            Ok(_) => Err(errors.into()),
            Err(refusal) => {
                errors.add("file", refusal.code, refusal.message);
                Err(errors.into())
            }
        }
    }

    fn file_type(&self, max_file_bytes: usize) -> Result<FileType, Refusal> {
        if self.file.is_empty() {
            return Err(Refusal::new(
                "missing_file",
                "attach the document as `file`",
            ));
        }
        if self.file.len() > max_file_bytes {
            return Err(Refusal::new(
                "file_too_large",
                format!("at most {max_file_bytes} bytes"),
            ));
        }
        match uploads::sniff(&self.file)? {
            file_type if self.document_type == "selfie" && !file_type.is_image() => Err(
                Refusal::new("unsupported_file_type", "a selfie is a photo: JPEG or PNG"),
            ),
            file_type => Ok(file_type),
        }
    }
}

fn view(record: &DocumentRecord) -> DocumentView {
    DocumentView {
        id: record.id.clone(),
        case_id: record.case_id.clone(),
        document_type: record.document_type.clone(),
        subtype: record.subtype.clone(),
        side: record.side.clone(),
        status: record.status.clone(),
        rejection_reasons: record
            .rejection_reason
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default(),
        attempt: record.attempt,
        content_type: record.content_type.clone(),
        size_bytes: record.size_bytes,
        has_mrz: record.mrz_sealed.is_some(),
        created_at: rfc3339(record.created_at),
    }
}

impl Services {
    pub async fn add_document(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        upload: NewDocument,
    ) -> Result<DocumentView, ServiceError> {
        let prepared = self.prepare_document(ctx, case_id, upload).await?;
        let unit_ctx = ctx.clone();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<DocumentView, ServiceError>> {
                Box::pin(async move { record_document(tx, &unit_ctx, prepared).await })
            },
        )
        .await
    }

    /// Validates an upload and seals its file into the blob store; the record is written by
    /// [`record_document`] in a unit of work.
    pub(crate) async fn prepare_document(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        mut upload: NewDocument,
    ) -> Result<PreparedDocument, ServiceError> {
        let file_type = upload.validate(self.config().max_upload_bytes)?;
        // Refuse early, before decoding or storing anything, when the case is not this
        // tenant's.
        let case = kycore_store::cases::get(self.store().reader(), &ctx.scope, case_id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        upload.file = self.inspect_upload(upload.file, file_type).await?;
        let max_attempts = self
            .pinned_flow(&ctx.scope, &case.flow_id, case.flow_version)
            .await?
            .max_attempts;
        let id = DocumentId::generate();
        let now = now_millis();
        let document_number_hash = upload
            .mrz
            .as_deref()
            .and_then(|mrz| kycore_checks::mrz::parse(mrz, datetime_of(now).date()).ok())
            .map(|parsed| {
                let key = format!("{}:{}", parsed.issuing_state.code, parsed.document_number);
                self.keyring()
                    .lookup_hash(&ctx.scope, "document_number", &key)
            });
        let blob_key = format!(
            "{}/{}/{case_id}/{id}",
            ctx.scope.organization_id, ctx.scope.environment
        );
        self.blobs()
            .put_sealed(self.keyring(), &blob_key, &upload.file)
            .await?;
        let record = DocumentRecord {
            id: id.to_string(),
            organization_id: ctx.scope.organization_id.to_string(),
            environment: ctx.scope.environment.as_str().to_owned(),
            case_id: case_id.to_owned(),
            document_type: upload.document_type,
            subtype: upload.subtype,
            side: upload.side.unwrap_or_else(|| "front".to_owned()),
            status: "pending".to_owned(),
            attempt: 0,
            rejection_reason: None,
            blob_key,
            content_type: file_type.content_type().to_owned(),
            size_bytes: i64::try_from(upload.file.len()).unwrap_or(i64::MAX),
            file_hash: self.keyring().lookup_hash(
                &ctx.scope,
                "file",
                &hex(&Sha256::digest(&upload.file)),
            ),
            mrz_sealed: upload
                .mrz
                .map(|mrz| self.keyring().seal(id.as_str(), mrz.as_bytes())),
            document_number_hash,
            created_at: now,
            updated_at: now,
        };
        Ok(PreparedDocument {
            record,
            max_attempts,
        })
    }

    /// Inspects the file on the blocking pool, at most one per CPU at a time; hands the file
    /// back when it is usable.
    async fn inspect_upload(
        &self,
        file: Vec<u8>,
        file_type: FileType,
    ) -> Result<Vec<u8>, ServiceError> {
        // A permit per CPU: each decode may take up to its allocation limit, so many
        // concurrent uploads wait here instead of exhausting memory.
        let _permit = self.decode_permits().acquire().await.map_err(|_| {
            ServiceError::unavailable("shutting_down", "the server is shutting down")
        })?;
        let (file, inspected) = blocking(move || {
            let inspected = uploads::inspect(&file, file_type);
            (file, inspected)
        })
        .await?;
        inspected.map_err(|refusal| {
            let mut errors = ValidationErrors::default();
            errors.add("file", refusal.code, refusal.message);
            ServiceError::from(errors)
        })?;
        Ok(file)
    }

    /// The case's documents, and each as the checks see it (its MRZ opened).
    pub(crate) async fn submitted_documents(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<(Vec<DocumentRecord>, Vec<SubmittedDocument>), ServiceError> {
        let records = documents::for_case(self.store().reader(), scope, case_id).await?;
        let submitted = records
            .iter()
            .map(|d| {
                let mrz = d
                    .mrz_sealed
                    .as_ref()
                    .map(|sealed| {
                        self.keyring()
                            .open(&d.id, sealed)
                            .map_err(|_| ServiceError::Crypto)
                    })
                    .transpose()?
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
                Ok(SubmittedDocument {
                    document_type: d.document_type.clone(),
                    side: d.side.clone(),
                    attempt: d.attempt,
                    mrz,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        Ok((records, submitted))
    }

    pub async fn list_documents(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<Vec<DocumentView>, ServiceError> {
        let records = documents::for_case(self.store().reader(), scope, case_id).await?;
        Ok(records.iter().map(view).collect())
    }

    /// The original file of a document, decrypted.
    pub async fn document_file(
        &self,
        scope: &Scope,
        case_id: &str,
        id: &str,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        let records = documents::for_case(self.store().reader(), scope, case_id).await?;
        let record = records
            .into_iter()
            .find(|d| d.id == id)
            .ok_or(ServiceError::not_found("document"))?;
        let bytes = self
            .blobs()
            .get_opened(self.keyring(), &record.blob_key)
            .await?;
        Ok((record.content_type, bytes))
    }
}

/// A validated upload whose file is sealed in the blob store, not yet recorded.
pub(crate) struct PreparedDocument {
    record: DocumentRecord,
    /// The flow's limit of uploads per type and side; 0 for unlimited.
    max_attempts: u32,
}

/// Records an upload as the next attempt of its type and side; refuses one past the flow's
/// `max_attempts` (0 = unlimited).
pub(crate) async fn record_document(
    tx: &mut Tx,
    ctx: &RequestContext,
    prepared: PreparedDocument,
) -> Result<DocumentView, ServiceError> {
    let PreparedDocument {
        mut record,
        max_attempts,
    } = prepared;
    let now = record.created_at;
    let mut case =
        load_awaiting_applicant(tx, &ctx.scope, &record.case_id, "takes no more documents").await?;
    let earlier = documents::count_of_type(
        tx.conn(),
        &ctx.scope,
        &case.id,
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
    documents::insert(tx.conn(), &record).await?;
    let payload = json!({
        "case_id": case.id, "document_id": record.id, "type": record.document_type, "side": record.side,
        "attempt": record.attempt,
    });
    case_event(tx, &mut case, EventType::DocumentUploaded, payload, now);
    save_unchanged_status(tx, &mut case, now).await?;
    let entry = AuditEntry {
        action: "document.uploaded",
        target_type: "document",
        target_id: &record.id,
        detail: json!({ "case_id": case.id }),
    };
    audit(tx, &ctx.scope, &ctx.actor, entry, now);
    Ok(view(&record))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_validated_field_by_field() {
        let upload = NewDocument {
            document_type: "tax-return".into(),
            side: Some("top".into()),
            mrz: Some("a\u{7}b".into()),
            file: b"GIF89a".to_vec(),
            ..Default::default()
        };
        assert_eq!(
            codes(upload),
            [
                "type invalid_value",
                "side invalid_value",
                "mrz invalid_format",
                "file unsupported_file_type"
            ]
        );
        let too_large = NewDocument {
            document_type: "passport".into(),
            file: [b"%PDF-".as_slice(), &[b' '; 100]].concat(),
            ..Default::default()
        };
        assert_eq!(codes(too_large), ["file file_too_large"]);
    }

    /// `field code` of every error.
    fn codes(mut upload: NewDocument) -> Vec<String> {
        match upload.validate(100) {
            Ok(_) => Vec::new(),
            Err(ServiceError::Validation(errors)) => errors
                .into_iter()
                .map(|e| format!("{} {}", e.field, e.code))
                .collect(),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn only_identity_documents_have_a_back() {
        let upload = |document_type: &str, side: &str| NewDocument {
            document_type: document_type.into(),
            side: Some(side.into()),
            file: vec![0xFF, 0xD8, 0xFF, 0xE0],
            ..Default::default()
        };
        for document_type in IDENTITY_DOCUMENT_TYPES {
            assert_eq!(codes(upload(document_type, "back")), Vec::<String>::new());
        }
        for document_type in SINGLE_SIDED_TYPES {
            assert_eq!(
                codes(upload(document_type, "front")),
                Vec::<String>::new(),
                "{document_type}"
            );
            assert_eq!(
                codes(upload(document_type, "back")),
                ["side invalid_value"],
                "{document_type}"
            );
        }
    }

    #[test]
    fn a_selfie_is_a_photo() {
        let selfie = |file: &[u8]| NewDocument {
            document_type: "selfie".into(),
            file: file.to_vec(),
            ..Default::default()
        };
        assert_eq!(codes(selfie(b"%PDF-1.7")), ["file unsupported_file_type"]);
        assert_eq!(
            codes(selfie(&[0xFF, 0xD8, 0xFF, 0xE0])),
            Vec::<String>::new()
        );
    }
}
