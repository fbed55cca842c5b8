//! Document intake: an upload as received (the API's multipart form, the portal's file
//! inputs), checked field by field, typed by its content (never by a file name), its content
//! inspected (`uploads.rs`), and sealed into the blob store — all before the unit of work that
//! records it (the kernel's `record_document`), since no I/O but the database's may run
//! inside one. A failed unit leaves an unreferenced sealed blob behind, never a record without
//! its file.

use kycore_checks::reading::{DocumentReading, MrzReading};
use kycore_domain::applicant::parse_date;
use kycore_domain::flow::Step;
use kycore_domain::ids::DocumentId;
use kycore_domain::tenancy::Scope;
use kycore_domain::validation::ValidationErrors;
use kycore_store::documents::DocumentRecord;
use sha2::{Digest, Sha256};

use crate::crypto::DataKey;
use crate::reading::{self, TURNED_SELFIE};
use crate::sealing::seal_json;
use crate::time_format::{datetime_of, now_millis};
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

/// The hosted flow's step that collects documents of `document_type`.
pub fn collecting_step(document_type: &str) -> Option<Step> {
    match document_type {
        "selfie" => Some(Step::Selfie),
        "proof-of-address" => Some(Step::ProofOfAddress),
        t if IDENTITY_DOCUMENT_TYPES.contains(&t) => Some(Step::IdentityDocument),
        t if SINGLE_SIDED_TYPES.contains(&t) => Some(Step::CompanyDocuments),
        _ => None,
    }
}

/// An upload as received.
#[derive(Debug, Default)]
pub struct NewDocument {
    pub document_type: String,
    pub subtype: Option<String>,
    pub side: Option<String>,
    /// The machine-readable zone, lines joined by `\n`, when the platform read it.
    pub mrz: Option<String>,
    /// What was read off an identity document without an MRZ (a driving licence).
    pub details: TypedDetails,
    pub file: Vec<u8>,
    /// The held file the upload is made of, if it is (set by the services).
    pub held_file_id: Option<String>,
}

/// The data of an identity document without a machine-readable zone, as the applicant (or
/// the platform) typed it: the checks take the expiry date and number from here. Stored
/// sealed, as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypedDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
}

impl TypedDetails {
    pub fn is_empty(&self) -> bool {
        self.document_number.is_none() && self.expiry_date.is_none()
    }

    /// Checks each field, trimming it; `field_prefix` names them as the form does.
    pub fn validate(&mut self, field_prefix: &str, errors: &mut ValidationErrors) {
        for value in [&mut self.document_number, &mut self.expiry_date] {
            *value = value
                .take()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
        }
        if let Some(number) = &self.document_number
            && !is_document_number(number)
        {
            errors.add(
                format!("{field_prefix}document_number"),
                "invalid_format",
                "1 to 40 letters, digits, spaces or dashes",
            );
        }
        if let Some(date) = &self.expiry_date
            && parse_date(date).is_none()
        {
            errors.add(
                format!("{field_prefix}expiry_date"),
                "invalid_date",
                "a date as YYYY-MM-DD",
            );
        }
    }

    /// The number as printed, without spaces and dashes, for the duplicate lookup.
    fn normalized_number(&self) -> Option<String> {
        self.document_number.as_ref().map(|n| {
            n.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_uppercase()
        })
    }
}

fn is_document_number(number: &str) -> bool {
    (1..=40).contains(&number.chars().count())
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
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
        self.details.validate("", &mut errors);
        if !self.details.is_empty() && !IDENTITY_DOCUMENT_TYPES.contains(&document_type) {
            errors.add(
                "document_number",
                "field_not_allowed",
                "only identity documents carry a number and an expiry date",
            );
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

impl Services {
    /// Validates an upload and seals its file into the blob store; the kernel records it in
    /// a unit of work.
    /// Checks an upload as [`Services::add_document`] would — its fields, its type by its
    /// first bytes, its content — with no case and nothing written, so an edge that creates
    /// a case and its documents in one request refuses a bad file before creating anything.
    pub async fn check_document(
        &self,
        mut upload: NewDocument,
    ) -> Result<NewDocument, ServiceError> {
        let file_type = upload.validate(self.config().max_upload_bytes)?;
        upload.file = self.inspect_upload(upload.file, file_type).await?;
        // A selfie without exactly one face is refused here too, before the edge creates
        // anything (the reading itself is taken again when the document is added).
        if upload.document_type == "selfie" {
            self.readers().read("selfie", "front", &upload.file).await?;
        }
        Ok(upload)
    }

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
        let key = self
            .required_applicant_key(self.store().reader(), &ctx.scope, &case.applicant_id)
            .await?;
        upload.file = self.inspect_upload(upload.file, file_type).await?;
        let side = upload.side.clone().unwrap_or_else(|| "front".to_owned());
        let reading = match file_type.is_image() {
            true => {
                self.readers()
                    .read(&upload.document_type, &side, &upload.file)
                    .await?
            }
            false => None,
        };
        if upload.document_type == "selfie" && upload.subtype.as_deref() == Some(TURNED_SELFIE) {
            self.refuse_copied_selfie(&ctx.scope, case_id, &key, &upload.file)
                .await?;
        }
        let max_attempts = self
            .pinned_flow(&ctx.scope, &case.flow_id, case.flow_version)
            .await?
            .max_attempts_at(collecting_step(&upload.document_type));
        let id = DocumentId::generate();
        let now = now_millis();
        // The number read from the MRZ (typed, else read from the photo) is keyed by its
        // issuing state; a typed one has no reliable state, so the two never match each
        // other, only their own kind.
        let number_key = upload
            .mrz
            .as_deref()
            .or_else(|| reading.as_ref().and_then(read_zone))
            .and_then(|mrz| kycore_checks::mrz::parse(mrz, datetime_of(now).date()).ok())
            .map(|parsed| format!("{}:{}", parsed.issuing_state.code, parsed.document_number))
            .or_else(|| {
                upload
                    .details
                    .normalized_number()
                    .map(|n| format!("typed:{n}"))
            });
        let document_number_hash = number_key.map(|key| {
            self.keyring()
                .lookup_hash(&ctx.scope, "document_number", &key)
        });
        let details_sealed = if upload.details.is_empty() {
            None
        } else {
            let json = serde_json::to_vec(&upload.details)
                .map_err(|e| ServiceError::internal(format!("document details: {e}")))?;
            Some(key.seal(&details_context(id.as_str()), &json)?)
        };
        let reading_sealed = reading
            .map(|reading| seal_json(&key, &reading_context(id.as_str()), &reading))
            .transpose()?;
        let blob_key = format!(
            "{}/{}/{case_id}/{id}",
            ctx.scope.organization_id, ctx.scope.environment
        );
        self.blobs()
            .put_sealed(&key, &blob_key, &upload.file)
            .await?;
        let record = DocumentRecord {
            id: id.to_string(),
            organization_id: ctx.scope.organization_id.to_string(),
            environment: ctx.scope.environment.as_str().to_owned(),
            case_id: case_id.to_owned(),
            document_type: upload.document_type,
            subtype: upload.subtype,
            side,
            status: "pending".to_owned(),
            attempt: 0,
            rejection_sealed: None,
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
                .map(|mrz| key.seal(id.as_str(), mrz.as_bytes()))
                .transpose()?,
            details_sealed,
            reading_sealed,
            document_number_hash,
            reviewed_by: None,
            reviewed_at: None,
            review_started_by: None,
            review_started_at: None,
            held_file_id: upload.held_file_id,
            created_at: now,
            updated_at: now,
        };
        Ok(PreparedDocument {
            record,
            max_attempts,
        })
    }

    /// A head-turned selfie that is the case's first selfie again, or its mirror image, would
    /// fake the liveness heuristic's head turn: refused, before anything is stored.
    async fn refuse_copied_selfie(
        &self,
        scope: &Scope,
        case_id: &str,
        key: &DataKey,
        turned: &[u8],
    ) -> Result<(), ServiceError> {
        let records =
            kycore_store::documents::for_case(self.store().reader(), scope, case_id).await?;
        let Some(first) = records
            .iter()
            .rev()
            .find(|d| d.document_type == "selfie" && d.subtype.as_deref() != Some(TURNED_SELFIE))
        else {
            return Ok(());
        };
        let first = self.blobs().get_opened(key, &first.blob_key).await?;
        let turned = turned.to_vec();
        let copy = blocking(move || reading::copied(&first, &turned)).await?;
        if copy.is_none() {
            return Ok(());
        }
        let mut errors = ValidationErrors::default();
        errors.add(
            "file",
            "copied_selfie",
            "this is the first selfie again, or its mirror image: take a new photo with your head turned",
        );
        Err(errors.into())
    }

    /// Inspects the file on the blocking pool, at most one per CPU at a time; hands back the
    /// bytes to store (an image without its metadata) when it is usable.
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
        blocking(move || uploads::inspect(file, file_type))
            .await?
            .map_err(|refusal| {
                let mut errors = ValidationErrors::default();
                errors.add("file", refusal.code, refusal.message);
                ServiceError::from(errors)
            })
    }
}

/// A validated upload whose file is sealed in the blob store, not yet recorded.
pub(crate) struct PreparedDocument {
    pub record: DocumentRecord,
    /// The flow's limit of uploads per type and side; 0 for unlimited.
    pub max_attempts: u32,
}

/// What a document's typed details are sealed to: not the MRZ's context, so neither can
/// stand in for the other.
pub(crate) fn details_context(document_id: &str) -> String {
    format!("{document_id}:details")
}

/// What a document's reading is sealed to, apart from its MRZ and details.
pub(crate) fn reading_context(document_id: &str) -> String {
    format!("{document_id}:reading")
}

/// The zone a reading found, if it found one.
fn read_zone(reading: &DocumentReading) -> Option<&str> {
    match &reading.mrz {
        Some(MrzReading::Read { text, .. }) => Some(text),
        _ => None,
    }
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
