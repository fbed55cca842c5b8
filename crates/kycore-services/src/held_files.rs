//! Files a platform uploads before saying which case they belong to — a vendor API whose
//! documents name files uploaded earlier. A held file is checked like any upload (type by
//! its first bytes, content, size) and sealed under the organization's key; a document that
//! takes it stores its own copy under the applicant's key, as every document is.

use kycore_domain::ids::HeldFileId;
use kycore_domain::tenancy::Scope;
use kycore_store::Millis;
use kycore_store::held_files::{self, HeldFileRecord};
use time::OffsetDateTime;

use crate::documents::NewDocument;
use crate::time_format::{datetime_of, now_millis};
use crate::uploads;
use crate::views::Document;
use crate::{RequestContext, ServiceError, Services};

/// The most labels one file carries, and the longest label or description.
const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 64;
const MAX_DESCRIPTION_CHARS: usize = 1000;
const MAX_NAME_CHARS: usize = 255;

/// A file as uploaded, before a document takes it.
#[derive(Debug, Default)]
pub struct NewHeldFile {
    pub name: Option<String>,
    pub file: Vec<u8>,
    pub tags: Vec<String>,
    pub description: Option<String>,
}

/// A held file, without its content.
#[derive(Clone, Debug)]
pub struct HeldFile {
    pub id: String,
    pub name: Option<String>,
    pub content_type: String,
    pub size_bytes: i64,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub created_at: OffsetDateTime,
}

fn view(record: &HeldFileRecord) -> Result<HeldFile, ServiceError> {
    let tags = serde_json::from_str(&record.tags)
        .map_err(|e| ServiceError::corrupt(format!("held file {}'s tags: {e}", record.id)))?;
    Ok(HeldFile {
        id: record.id.clone(),
        name: record.name.clone(),
        content_type: record.content_type.clone(),
        size_bytes: record.size_bytes,
        tags,
        description: record.description.clone(),
        created_at: datetime_of(record.created_at),
    })
}

/// A short text without control characters, at most `max` characters.
fn short_text(value: &str, max: usize) -> bool {
    value.chars().count() <= max && !value.chars().any(char::is_control)
}

impl NewHeldFile {
    fn validate(&self) -> Result<(), ServiceError> {
        let mut errors = kycore_domain::ValidationErrors::default();
        if self
            .name
            .as_deref()
            .is_some_and(|n| !short_text(n, MAX_NAME_CHARS))
        {
            errors.add(
                "name",
                "invalid_format",
                "at most 255 characters, no control characters",
            );
        }
        if self.tags.len() > MAX_TAGS
            || self
                .tags
                .iter()
                .any(|t| t.is_empty() || !short_text(t, MAX_TAG_CHARS))
        {
            errors.add(
                "tags",
                "invalid_format",
                "at most 20 labels of 1 to 64 characters",
            );
        }
        if self
            .description
            .as_deref()
            .is_some_and(|d| !short_text(d, MAX_DESCRIPTION_CHARS))
        {
            errors.add("description", "invalid_format", "at most 1000 characters");
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.into())
        }
    }
}

/// How long an uploaded file is held: a platform names it in a document soon after uploading
/// it, and a document keeps its own copy, so after a week the held one only costs storage.
pub const HELD_FILE_RETENTION_MS: Millis = 7 * 24 * 3_600_000;
/// Held files erased per housekeeping round; a full round makes the next one come sooner.
const EXPIRY_BATCH: i64 = 500;

impl Services {
    /// Erases held files older than [`HELD_FILE_RETENTION_MS`]: the row first (nothing names
    /// the file any more), then its blob (a crash between the two leaves an orphaned blob,
    /// never a row without its file). Returns how many.
    pub async fn expire_held_files(&self) -> Result<u64, ServiceError> {
        let before = now_millis() - HELD_FILE_RETENTION_MS;
        let old = held_files::older_than(self.store().reader(), before, EXPIRY_BATCH).await?;
        for file in &old {
            let id = file.id.clone();
            self.store()
                .write(move |tx| {
                    Box::pin(async move {
                        held_files::delete(tx.conn().await?, &id).await?;
                        Ok::<_, ServiceError>(())
                    })
                })
                .await?;
            self.blobs().delete(&file.blob_key).await?;
        }
        Ok(u64::try_from(old.len()).unwrap_or(u64::MAX))
    }

    /// Checks a file like a document upload and holds it, sealed, until a document takes it.
    pub async fn hold_file(
        &self,
        ctx: &RequestContext,
        upload: NewHeldFile,
    ) -> Result<HeldFile, ServiceError> {
        upload.validate()?;
        let checked = self
            .check_document(NewDocument {
                document_type: "other".to_owned(),
                file: upload.file,
                ..NewDocument::default()
            })
            .await?;
        let scope = &ctx.scope;
        let id = HeldFileId::generate();
        let blob_key = format!("{}/{}/held/{id}", scope.organization_id, scope.environment);
        let key = self.organization_key(scope).await?;
        self.blobs()
            .put_sealed(&key, &blob_key, &checked.file)
            .await?;
        // The check passed, so its type is known; an image comes back re-encoded as its type.
        let file_type = uploads::sniff(&checked.file)
            .map_err(|r| ServiceError::internal(format!("a checked file: {}", r.message)))?;
        let tags = serde_json::to_string(&upload.tags)
            .map_err(|e| ServiceError::internal(format!("a held file's tags: {e}")))?;
        let record = HeldFileRecord {
            id: id.to_string(),
            organization_id: scope.organization_id.to_string(),
            environment: scope.environment.as_str().to_owned(),
            name: upload.name,
            content_type: file_type.content_type().to_owned(),
            size_bytes: i64::try_from(checked.file.len()).unwrap_or(i64::MAX),
            blob_key,
            tags,
            description: upload.description,
            created_at: now_millis(),
        };
        let stored = record.clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    held_files::insert(tx.conn().await?, &stored).await?;
                    Ok::<(), ServiceError>(())
                })
            })
            .await?;
        view(&record)
    }

    /// One held file of the scope; 404 for one it does not have.
    pub async fn get_held_file(&self, scope: &Scope, id: &str) -> Result<HeldFile, ServiceError> {
        let record = held_files::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("file"))?;
        view(&record)
    }

    /// A document of the case made of a held file: `upload` names its type and side, the
    /// held file gives its content. The held file stays, for other documents to take too.
    pub async fn add_held_document(
        &self,
        ctx: &RequestContext,
        case_id: &str,
        held_file_id: &str,
        mut upload: NewDocument,
    ) -> Result<Document, ServiceError> {
        let record = held_files::get(self.store().reader(), &ctx.scope, held_file_id)
            .await?
            .ok_or(ServiceError::not_found("file"))?;
        let key = self.organization_key(&ctx.scope).await?;
        upload.file = self.blobs().get_opened(&key, &record.blob_key).await?;
        upload.held_file_id = Some(record.id);
        self.add_document(ctx, case_id, upload).await
    }
}
