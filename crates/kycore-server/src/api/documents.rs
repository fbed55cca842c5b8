//! `/v1/cases/{id}/documents`: documents submitted through the API (multipart), and a
//! person's review of one.

use axum::Json;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kycore_checks::document::RejectionCode;
use kycore_domain::FieldError;
use kycore_services::documents::{DocumentReview, NewDocument, ReviewMark};
use kycore_services::views::{Document, Rejection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{PageBody, rfc3339};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiMultipart, ApiPath, Caller, body_too_large, read_capped};

/// Why the checks rejected a document.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectionBody {
    /// kycore's stable reason code, e.g. `document_expired`, `underage`, `name_mismatch`.
    pub code: String,
    pub message: String,
}

impl From<&Rejection> for RejectionBody {
    fn from(r: &Rejection) -> Self {
        RejectionBody {
            code: r.code.clone(),
            message: r.message.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentBody {
    pub id: String,
    pub case_id: String,
    #[serde(rename = "type")]
    pub document_type: String,
    pub subtype: Option<String>,
    pub side: String,
    /// `pending` until the case's checks (or a person) judged it, then `accepted` or
    /// `rejected`.
    pub status: String,
    /// Why the checks (or a person) rejected it; empty unless rejected.
    pub rejection_reasons: Vec<RejectionBody>,
    /// The n-th upload of this type and side for the case.
    pub attempt: i64,
    pub content_type: String,
    pub size_bytes: i64,
    pub has_mrz: bool,
    /// Who gave the verdict, when a person did (`key_…`, `user_…`), and when.
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    /// Who is reviewing it now, when a person took it to review, and since when.
    pub review_started_by: Option<String>,
    pub review_started_at: Option<String>,
    pub created_at: String,
}

impl From<&Document> for DocumentBody {
    fn from(d: &Document) -> Self {
        DocumentBody {
            id: d.id.clone(),
            case_id: d.case_id.clone(),
            document_type: d.document_type.clone(),
            subtype: d.subtype.clone(),
            side: d.side.clone(),
            status: d.status.clone(),
            rejection_reasons: d.rejection_reasons.iter().map(Into::into).collect(),
            attempt: d.attempt,
            content_type: d.content_type.clone(),
            size_bytes: d.size_bytes,
            has_mrz: d.has_mrz,
            reviewed_by: d.reviewed_by.clone(),
            reviewed_at: d.reviewed_at.map(rfc3339),
            review_started_by: d.review_started_by.clone(),
            review_started_at: d.review_started_at.map(rfc3339),
            created_at: rfc3339(d.created_at),
        }
    }
}

/// The multipart form of an upload (for the OpenAPI document; `read_form` reads it). It
/// derives `Deserialize` only so that `deny_unknown_fields` tells the schema what
/// `read_form` does: a field not listed here is refused.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// Identity documents: `passport`, `id-card`, `driver-license`, `residence-permit`,
    /// `visa`. One-sided (`side` must be `front`): `selfie` (JPEG or PNG only),
    /// `proof-of-address`, `certificate-of-incorporation`, `register-extract`,
    /// `company-proof-of-address`, `articles-of-association`, `shareholder-register`, `other`.
    #[serde(rename = "type")]
    document_type: String,
    subtype: Option<String>,
    /// `front` (default) or `back` (identity documents only).
    side: Option<String>,
    /// The machine-readable zone, lines joined by `\n`.
    mrz: Option<String>,
    /// An identity document without an MRZ (most driving licences): its number as printed
    /// (1–40 letters, digits, spaces or dashes). Sealed; used for the duplicate lookup.
    document_number: Option<String>,
    /// An identity document without an MRZ: its expiry date (`YYYY-MM-DD`), which the
    /// document rules check; without it such a document is rejected `expiry_date_missing`.
    #[schema(format = Date)]
    expiry_date: Option<String>,
    /// JPEG, PNG or PDF, at most 10 MiB unless the server is configured otherwise
    /// (`max_upload_bytes`); the type is read from the content, not the name. Images are
    /// decoded: unreadable (`unreadable_image`), smaller than 300 px on the shorter side
    /// (`image_too_small`), over 12000 px a side (`image_too_large`) or one flat colour
    /// (`blank_image`) are refused; so is a PDF without its end (`unreadable_pdf`) and HEIC
    /// (`unsupported_file_type`: send JPEG or PNG). A file that is also another kind of file
    /// is refused (`polyglot_file`), and so is a PDF with scripts or actions
    /// (`pdf_active_content`), attached files (`pdf_embedded_file`) or content that cannot
    /// be read to check (`pdf_not_checkable`). Images are stored without their metadata
    /// (EXIF, GPS, XMP) or what trails them; `size_bytes` is what was stored.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

pub fn bad_form(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_multipart", detail)
}

/// The body limit of an upload: the file plus room for the form's other fields and the
/// multipart boundaries and headers.
pub fn upload_body_limit(max_upload_bytes: usize) -> usize {
    max_upload_bytes.saturating_add(64 * 1024)
}

/// The body's length as its `Content-Length` declares it.
pub fn declared_length(headers: &axum::http::HeaderMap) -> Option<usize> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

async fn read_form(
    multipart: Multipart,
    body_limit: usize,
    max_file_bytes: usize,
) -> Result<NewDocument, ApiError> {
    let mut upload = NewDocument::default();
    let file = read_file_form(multipart, body_limit, max_file_bytes, |name, text| {
        match name {
            "type" => upload.document_type = text,
            "subtype" => upload.subtype = Some(text),
            "side" => upload.side = Some(text),
            "mrz" => upload.mrz = Some(text),
            "document_number" => upload.details.document_number = Some(text),
            "expiry_date" => upload.details.expiry_date = Some(text),
            other => return Err(bad_form(format!("unknown form field `{other}`"))),
        }
        Ok(())
    })
    .await?;
    upload.file = file;
    Ok(upload)
}

/// Reads a multipart form of one `file` (empty when absent) and text fields, each sent
/// once, handed to `text` (which refuses the fields it does not know). The file is read no
/// further than one byte past `max_file_bytes`; a body over `body_limit` is a 413.
pub async fn read_file_form(
    mut multipart: Multipart,
    body_limit: usize,
    max_file_bytes: usize,
    mut text: impl FnMut(&str, String) -> Result<(), ApiError>,
) -> Result<Vec<u8>, ApiError> {
    // A body over the limit is a 413, like any other; other multipart errors are the client's
    // malformed form.
    let form_error = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            body_too_large(body_limit)
        } else {
            bad_form(e.body_text())
        }
    };
    let mut file = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        // Each field is single-valued: a repeated one would leave us to guess which counts.
        if seen.contains(&name) {
            return Err(duplicate_field(name));
        }
        seen.push(name.clone());
        if name == "file" {
            match read_capped(&mut field, max_file_bytes)
                .await
                .map_err(form_error)?
            {
                Some(bytes) => file = bytes,
                None => return Err(file_too_large(max_file_bytes)),
            }
        } else {
            text(&name, field.text().await.map_err(form_error)?)?;
        }
    }
    Ok(file)
}

fn duplicate_field(name: String) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        format!("the form does not fit the schema: `{name}` is sent more than once"),
    )
    .with_errors(vec![FieldError {
        field: name,
        code: "duplicate_field",
        message: "send each field once".to_owned(),
    }])
}

fn file_too_large(max_file_bytes: usize) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "the request has invalid fields",
    )
    .with_errors(vec![FieldError {
        field: "file".into(),
        code: "file_too_large",
        message: format!("at most {max_file_bytes} bytes"),
    }])
}

/// Submit a document for a case (multipart: `type`, `subtype`, `side`, `mrz` or
/// `document_number` and `expiry_date`, `file`).
#[utoipa::path(post, path = "/v1/cases/{id}/documents", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentBody),
        (status = 409, description = "`case_not_awaiting_applicant`: the case takes no more documents; \
            `attempts_exhausted`: the flow's `max_attempts` for this type and side are used up"),
        (status = 422, description = "`validation_failed`: `errors[]` names the field, e.g. `file_too_large`, \
            `unsupported_file_type`, `image_too_small`; `invalid_body`: a field is sent twice (`duplicate_field`)")),
    security(("api_key" = [])))]
pub async fn upload_document(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    headers: axum::http::HeaderMap,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<(StatusCode, Json<DocumentBody>), ApiError> {
    let max_file_bytes = state.services.config().max_upload_bytes;
    let body_limit = upload_body_limit(max_file_bytes);
    // A body declared too large is refused before any of it is read.
    if declared_length(&headers).is_some_and(|length| length > body_limit) {
        return Err(body_too_large(body_limit));
    }
    let upload = read_form(multipart, body_limit, max_file_bytes).await?;
    let ctx = caller.context::<Document, DocumentBody>(StatusCode::CREATED);
    let document = state.services.add_document(&ctx, &id, upload).await?;
    Ok((StatusCode::CREATED, Json(DocumentBody::from(&document))))
}

/// The documents of a case, oldest first. A case holds at most 50, so they are always one
/// page (`has_more` false), in the envelope every list has.
#[utoipa::path(get, path = "/v1/cases/{id}/documents", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = PageBody<DocumentBody>)), security(("api_key" = [])))]
pub async fn list_documents(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PageBody<DocumentBody>>, ApiError> {
    let documents = state.services.list_documents(caller.scope(), &id).await?;
    Ok(Json(PageBody {
        data: documents.iter().map(DocumentBody::from).collect(),
        has_more: false,
        next_cursor: None,
    }))
}

/// The original file of a document.
#[utoipa::path(get, path = "/v1/cases/{id}/documents/{document_id}/file", tag = "cases",
    params(("id" = String, Path), ("document_id" = String, Path)),
    responses((status = 200, description = "The file as uploaded",
            content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/pdf"))),
        (status = 503, description = "`blob_store_unavailable`: the file store does not answer; retry shortly")),
    security(("api_key" = [])))]
pub async fn document_file(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, document_id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let (content_type, bytes) = state
        .services
        .document_file(caller.scope(), &id, &document_id)
        .await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// A person's verdict on a document.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewVerdict {
    Accepted,
    Rejected,
}

/// Why a person rejects a document.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewReasonBody {
    /// One of the reason codes the checks use: `document_unreadable`, `document_expired`,
    /// `document_expired_after_submission`, `document_mismatch`, `document_duplicate`,
    /// `document_invalid`, `document_not_open`, `underage`, `third_party_document`,
    /// `expiry_date_missing`, `issue_date_missing`, `subtype_missing`,
    /// `date_of_birth_mismatch`, `name_mismatch`, `name_and_date_of_birth_mismatch`,
    /// `information_missing`, `outdated_address`, `document_tampered`, `other`.
    pub code: String,
    /// A sentence the applicant may be shown.
    #[schema(max_length = 1000)]
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDocumentBody {
    pub status: ReviewVerdict,
    /// Required when rejecting, refused when accepting.
    #[serde(default)]
    pub reason: Option<ReviewReasonBody>,
}

fn review_field_error(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "the request has invalid fields",
    )
    .with_errors(vec![FieldError {
        field: field.to_owned(),
        code: "invalid",
        message: message.into(),
    }])
}

impl TryFrom<ReviewDocumentBody> for DocumentReview {
    type Error = ApiError;

    fn try_from(body: ReviewDocumentBody) -> Result<Self, ApiError> {
        match (body.status, body.reason) {
            (ReviewVerdict::Accepted, None) => Ok(DocumentReview::Accept),
            (ReviewVerdict::Accepted, Some(_)) => Err(review_field_error(
                "reason",
                "an accepted document has no rejection reason",
            )),
            (ReviewVerdict::Rejected, None) => Err(review_field_error(
                "reason",
                "is required to reject a document",
            )),
            (ReviewVerdict::Rejected, Some(reason)) => {
                let code = serde_json::from_value::<RejectionCode>(serde_json::json!(reason.code))
                    .map_err(|_| {
                        review_field_error(
                            "reason.code",
                            format!("`{}` is not a document rejection code", reason.code),
                        )
                    })?;
                Ok(DocumentReview::Reject {
                    code,
                    message: reason.message,
                })
            }
        }
    }
}

/// A person accepts or rejects a document: a proof of address, which no check judges, or a
/// document whose checks a person overrules. The document's status and `document.accepted`
/// or `document.rejected` (with `reviewed_by`) follow; the case's status does not move, its
/// decision is its own call.
#[utoipa::path(post, path = "/v1/cases/{id}/documents/{document_id}/review", tag = "cases",
    params(("id" = String, Path), ("document_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    request_body = ReviewDocumentBody,
    responses((status = 200, body = DocumentBody),
        (status = 409, description = "`case_closed`: the case was canceled or expired; \
            `concurrent_modification`: the case changed meanwhile, read it again"),
        (status = 422, description = "`validation_failed`: a missing or unknown reason code, a message too long")),
    security(("api_key" = [])))]
pub async fn review_document(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, document_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReviewDocumentBody>,
) -> Result<Json<DocumentBody>, ApiError> {
    let review = DocumentReview::try_from(body)?;
    let ctx = caller.context::<Document, DocumentBody>(StatusCode::OK);
    let document = state
        .services
        .review_document(&ctx, &id, &document_id, review)
        .await?;
    Ok(Json(DocumentBody::from(&document)))
}

/// What a person does with a document short of a verdict.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    /// Take the document to review: others see who is looking at it.
    Start,
    /// Let it go without a verdict.
    Stop,
    /// Confirm its status as it stands.
    Confirm,
}

impl From<ReviewAction> for ReviewMark {
    fn from(action: ReviewAction) -> Self {
        match action {
            ReviewAction::Start => ReviewMark::Start,
            ReviewAction::Stop => ReviewMark::Stop,
            ReviewAction::Confirm => ReviewMark::Confirm,
        }
    }
}

/// A person takes a document to review (`start`: `review_started_by`/`_at` set,
/// `document.review_started`), lets it go (`stop`: cleared, `document.review_stopped`) or
/// confirms its status as it stands (`confirm`: `reviewed_by`/`_at` set,
/// `document.reviewed`). The status does not change; a verdict also ends a review in progress.
#[utoipa::path(post, path = "/v1/cases/{id}/documents/{document_id}/review/{action}", tag = "cases",
    params(("id" = String, Path), ("document_id" = String, Path), ("action" = inline(ReviewAction), Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 200, body = DocumentBody),
        (status = 404, description = "`not_found`: no such case, document or action"),
        (status = 409, description = "`case_closed`: the case was canceled or expired; \
            `concurrent_modification`: the case changed meanwhile, read it again")),
    security(("api_key" = [])))]
pub async fn mark_document_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, document_id, action)): ApiPath<(String, String, String)>,
) -> Result<Json<DocumentBody>, ApiError> {
    let action = serde_json::from_value::<ReviewAction>(serde_json::json!(action))
        .map_err(|_| ApiError::not_found("review action"))?;
    let ctx = caller.context::<Document, DocumentBody>(StatusCode::OK);
    let document = state
        .services
        .mark_document_review(&ctx, &id, &document_id, action.into())
        .await?;
    Ok(Json(DocumentBody::from(&document)))
}
