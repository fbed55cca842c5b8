//! `/v1/cases/{id}/documents`: documents submitted through the API (multipart).

use axum::Json;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kycore_services::documents::{DocumentView, NewDocument};

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, body_too_large};

/// The multipart form of an upload (for the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// Identity documents: `passport`, `id-card`, `driver-license`, `residence-permit`,
    /// `visa`. One-sided (`side` must be `front`): `selfie` (JPEG or PNG only),
    /// `proof-of-address`, `certificate-of-incorporation`, `register-extract`,
    /// `company-proof-of-address`, `articles-of-association`, `shareholder-register`, `other`.
    #[schema(rename = "type")]
    document_type: String,
    subtype: Option<String>,
    /// `front` (default) or `back` (identity documents only).
    side: Option<String>,
    /// The machine-readable zone, lines joined by `\n`.
    mrz: Option<String>,
    /// JPEG, PNG or PDF, at most 10 MiB unless the server is configured otherwise
    /// (`max_upload_bytes`); the type is read from the content, not the name. Images are
    /// decoded: unreadable (`unreadable_image`), smaller than 300 px on the shorter side
    /// (`image_too_small`), over 12000 px a side (`image_too_large`) or one flat colour
    /// (`blank_image`) are refused; so is a PDF without its end (`unreadable_pdf`) and HEIC
    /// (`unsupported_file_type`: send JPEG or PNG).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn bad_form(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_multipart", detail)
}

/// The body limit of an upload: the file plus room for the form's other fields and the
/// multipart boundaries and headers.
pub fn upload_body_limit(max_upload_bytes: usize) -> usize {
    max_upload_bytes.saturating_add(64 * 1024)
}

async fn read_form(mut multipart: Multipart, body_limit: usize) -> Result<NewDocument, ApiError> {
    // A body over the limit is a 413, like any other; other multipart errors are the client's
    // malformed form.
    let form_error = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            body_too_large(body_limit)
        } else {
            bad_form(e.body_text())
        }
    };
    let mut upload = NewDocument::default();
    while let Some(field) = multipart.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => upload.file = field.bytes().await.map_err(form_error)?.to_vec(),
            "type" | "subtype" | "side" | "mrz" => {
                let text = field.text().await.map_err(form_error)?;
                match name.as_str() {
                    "type" => upload.document_type = text,
                    "subtype" => upload.subtype = Some(text),
                    "side" => upload.side = Some(text),
                    _ => upload.mrz = Some(text),
                }
            }
            other => return Err(bad_form(format!("unknown form field `{other}`"))),
        }
    }
    Ok(upload)
}

/// Submit a document for a case (multipart: `type`, `subtype`, `side`, `mrz`, `file`).
#[utoipa::path(post, path = "/v1/cases/{id}/documents", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the stored response when retried")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = "4XX", body = Problem)), security(("api_key" = [])))]
pub async fn upload_document(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<DocumentView>), ApiError> {
    let body_limit = upload_body_limit(state.services.config().max_upload_bytes);
    let upload = read_form(multipart, body_limit).await?;
    let view = state
        .services
        .add_document(&caller.context(StatusCode::CREATED), &id, upload)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The documents of a case, oldest first.
#[utoipa::path(get, path = "/v1/cases/{id}/documents", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Vec<DocumentView>), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn list_documents(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    state.services.get_case(caller.scope(), &id).await?;
    Ok(Json(
        state.services.list_documents(caller.scope(), &id).await?,
    ))
}

/// The original file of a document.
#[utoipa::path(get, path = "/v1/cases/{id}/documents/{document_id}/file", tag = "cases",
    params(("id" = String, Path), ("document_id" = String, Path)),
    responses((status = 200, description = "The file as uploaded"), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn document_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, document_id)): Path<(String, String)>,
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
