//! An application's documents: `GET /api/v1/kyc_applications/{id}/documents`, `POST` one,
//! and `GET …/documents/{document_id}` for its file (research §2.2). Provide passes these
//! through to its provider and documents no shapes ("documentation forthcoming"), so the
//! shapes are kycore's [PROPOSED] ones: an upload is `{"type", "data"}`, `type` naming the
//! image as create's params do (`id_photo`, `id_photo_back`, `selfie`) and `data` its base64
//! (or a `data:` URL), checked as create checks it; a document is `{"id", "created_at",
//! "kyc_application_id", "type", "side", "status", "content_type", "size_bytes"}`. A user
//! sees only their own applications' documents, as everywhere else.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kycore_domain::ids::{DocumentId, id_as_uuid, id_from_uuid};
use kycore_services::ServiceError;
use kycore_services::views::Document;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use super::applications::{find, image_document};
use super::error::reasons;
use super::{
    Bearer, Provide, ProvideCaller, Result, answer, application_id_of_case, not_found, refusal,
};
use crate::AppState;
use crate::dialects::{Failure, Json, PathParam};
use crate::error::ApiError;

/// A document as this dialect shows it; nulls are written, as Provide writes them.
#[derive(Serialize)]
struct ApplicationDocument {
    id: Option<String>,
    created_at: String,
    kyc_application_id: Option<String>,
    #[serde(rename = "type")]
    document_type: String,
    side: String,
    /// kycore's: `pending` until the application's checks ran, then `accepted` or
    /// `rejected`.
    status: String,
    content_type: String,
    size_bytes: i64,
}

impl From<&Document> for ApplicationDocument {
    fn from(document: &Document) -> Self {
        ApplicationDocument {
            id: id_as_uuid(&document.id, DocumentId::PREFIX),
            created_at: document.created_at.format(&Rfc3339).unwrap_or_default(),
            kyc_application_id: application_id_of_case(&document.case_id),
            document_type: document.document_type.clone(),
            side: document.side.clone(),
            status: document.status.clone(),
            content_type: document.content_type.clone(),
            size_bytes: document.size_bytes,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: ProvideCaller,
    PathParam(id, ..): PathParam<Provide, String>,
) -> Result<Response> {
    let case = find(&state, &caller, &Bearer::of(&caller)?, &id).await?;
    let documents = state
        .services
        .list_documents(caller.scope(), &case.id)
        .await?;
    let shown: Vec<ApplicationDocument> = documents.iter().map(Into::into).collect();
    Ok(answer(StatusCode::OK, &shown))
}

#[derive(Deserialize)]
pub struct Upload {
    #[serde(rename = "type", default)]
    kind: Option<Value>,
    #[serde(default)]
    data: Option<Value>,
}

/// An upload's refusals: 422 `Failed to upload KYC application document; <reason>`, in the
/// words create uses for its own.
fn cannot_upload(reason: String) -> Failure<Provide> {
    refusal(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("Failed to upload KYC application document; {reason}"),
    )
}

pub async fn upload(
    State(state): State<AppState>,
    caller: ProvideCaller,
    PathParam(id, ..): PathParam<Provide, String>,
    Json(body, ..): Json<Provide, Upload>,
) -> Result<Response> {
    let case = find(&state, &caller, &Bearer::of(&caller)?, &id).await?;
    let (Some(Value::String(kind)), Some(Value::String(data))) = (body.kind, body.data) else {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "a document upload must include type and data",
        ));
    };
    let upload = image_document(&state, &kind, &data, &cannot_upload).await?;
    let document = state
        .services
        .add_document(&caller.context(), &case.id, upload)
        .await
        .map_err(|e| match e {
            ServiceError::Validation(_) | ServiceError::InvalidRequest { .. } => {
                cannot_upload(reasons(&ApiError::from(e)))
            }
            other => other.into(),
        })?;
    Ok(answer(
        StatusCode::CREATED,
        &ApplicationDocument::from(&document),
    ))
}

pub async fn download(
    State(state): State<AppState>,
    caller: ProvideCaller,
    PathParam((id, document), ..): PathParam<Provide, (String, String)>,
) -> Result<Response> {
    let case = find(&state, &caller, &Bearer::of(&caller)?, &id).await?;
    let document_id = id_from_uuid(&document, DocumentId::PREFIX).ok_or_else(not_found)?;
    let (content_type, bytes) = match state
        .services
        .document_file(caller.scope(), &case.id, &document_id)
        .await
    {
        Err(ServiceError::NotFound { .. }) => return Err(not_found()),
        found => found?,
    };
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}
