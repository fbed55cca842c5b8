//! Rebilly's files, as far as KYC documents need them: `POST /files` (multipart `file`, with
//! optional `name`, `description` and comma-separated `tags`) → 201 with the file, and
//! `GET /files/{id}`. A file is held, checked and sealed, until `POST /kyc-documents` makes
//! documents of it (`Services::hold_file`); its tags (`id-front`, `id-back`, `face-proof`)
//! say which side of an identity document it is.

use axum::Json as Answer;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kycore_services::held_files::{HeldFile, NewHeldFile};
use serde_json::{Value, json};

use super::requests::{RequestPath, utc_seconds};
use super::{Rebilly, RebillyCaller, Result, not_found};
use crate::AppState;
use crate::api::documents::{bad_form, declared_length, read_file_form, upload_body_limit};
use crate::dialects::{Failure, PathParam};
use crate::extract::{ApiMultipart, body_too_large};

/// A held file as Rebilly shows a file.
pub fn representation(file: &HeldFile) -> Value {
    let extension = match file.content_type.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "pdf",
    };
    json!({
        "id": file.id,
        "name": file.name.clone().unwrap_or_else(|| file.id.clone()),
        "extension": extension,
        "mimeType": file.content_type,
        "size": file.size_bytes,
        "tags": file.tags,
        "description": file.description,
        "createdTime": utc_seconds(file.created_at),
        "updatedTime": utc_seconds(file.created_at),
        "_links": [{"rel": "self", "href": format!("/files/{}", file.id)}],
    })
}

/// `POST /files`: 201 with the file and its `Location`.
pub async fn upload(
    State(state): State<AppState>,
    caller: RebillyCaller,
    headers: HeaderMap,
    multipart: std::result::Result<ApiMultipart, crate::error::ApiError>,
) -> Result<Response> {
    let ApiMultipart(multipart) = multipart.map_err(Failure::new)?;
    let max_file_bytes = state.services.config().max_upload_bytes;
    let body_limit = upload_body_limit(max_file_bytes);
    if declared_length(&headers).is_some_and(|length| length > body_limit) {
        return Err(Failure::new(body_too_large(body_limit)));
    }
    let mut upload = NewHeldFile::default();
    let file = read_file_form(multipart, body_limit, max_file_bytes, |name, text| {
        match name {
            "name" => upload.name = Some(text),
            "description" => upload.description = Some(text),
            "tags" => {
                upload.tags = text
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            other => return Err(bad_form(format!("unknown form field `{other}`"))),
        }
        Ok(())
    })
    .await
    .map_err(Failure::<Rebilly>::new)?;
    upload.file = file;
    let held = state.services.hold_file(&caller.context(), upload).await?;
    let location = format!("/files/{}", held.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Answer(representation(&held)),
    )
        .into_response())
}

/// `GET /files/{id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
) -> Result<Answer<Value>> {
    match state.services.get_held_file(caller.scope(), &path.id).await {
        Ok(file) => Ok(Answer(representation(&file))),
        Err(kycore_services::ServiceError::NotFound { .. }) => Err(not_found("File")),
        Err(e) => Err(e.into()),
    }
}
