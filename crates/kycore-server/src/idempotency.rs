//! `Idempotency-Key` on POST: a retry with the same body gets the stored response; the same
//! key with a different body is a 409. A new key is passed on to the use case, which stores
//! its response in the same transaction as the change.
//!
//! "The same body" is the body as the handler reads it, not its bytes: a client that
//! serializes its JSON again (other whitespace, other key order) or builds its form again
//! (another multipart boundary) is sending the same request.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kycore_services::idempotency::{IdempotencyLookup, validate_key};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::api::upload_body_limit;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{body_too_large, canonical_json, is_json, is_multipart_form};

pub const HEADER: &str = "idempotency-key";
/// The API surface whose keys and responses this middleware keeps.
pub const SURFACE: &str = "native";

/// A fresh key, waiting for the use case to store its answer.
#[derive(Clone, Debug)]
pub struct PendingIdempotency {
    pub key: String,
    pub request_hash: Vec<u8>,
}

pub async fn idempotent_posts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match handle(&state, request, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn handle(state: &AppState, request: Request, next: Next) -> Result<Response, Response> {
    if request.method() != Method::POST {
        return Ok(next.run(request).await);
    }
    let Some(key) = request.headers().get(HEADER) else {
        return Ok(next.run(request).await);
    };
    let key = key.to_str().unwrap_or_default().to_owned();
    validate_key(&key).map_err(|e| ApiError::from(e).into_response())?;
    let Some(auth) = request.extensions().get::<Authenticated>().cloned() else {
        return Ok(next.run(request).await);
    };

    let (parts, body) = request.into_parts();
    // An upload is the largest body any POST may have; each route's own limit still applies.
    let limit = upload_body_limit(state.services.config().max_upload_bytes);
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| body_too_large(limit).into_response())?;
    let request_hash = request_hash(&parts, &bytes, limit).await;

    let lookup = state
        .services
        .idempotency_lookup(&auth.0.scope, SURFACE, &key, &request_hash)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    match lookup {
        IdempotencyLookup::Replay { status, body } => Ok(replay(status, body)),
        IdempotencyLookup::Mismatch => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
        )
        .into_response()),
        IdempotencyLookup::Fresh => {
            let mut request = Request::from_parts(parts, Body::from(bytes));
            request
                .extensions_mut()
                .insert(PendingIdempotency { key, request_hash });
            Ok(next.run(request).await)
        }
    }
}

/// What a stored response is keyed to: the method, the path and the body as its handler
/// reads it — JSON in canonical form, a form as its fields in order — or, for a body that
/// does not parse (the handler refuses it, so nothing is stored), its bytes.
pub(crate) async fn request_hash(parts: &Parts, bytes: &Bytes, limit: usize) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(b"\n");
    let canonical = if is_json(&parts.headers) {
        canonical_json(bytes).map(|json| (b"json\n", json))
    } else if is_multipart_form(&parts.headers) {
        form_fields(parts, bytes, limit)
            .await
            .map(|fields| (b"form\n", fields))
    } else {
        None
    };
    match canonical {
        Some((kind, body)) => {
            hasher.update(kind);
            hasher.update(&body);
        }
        None => {
            hasher.update(b"raw\n");
            hasher.update(bytes);
        }
    }
    hasher.finalize().to_vec()
}

/// A multipart form's fields in order, each part's name, file name, content type and
/// content, length-prefixed so no two forms run together into the same bytes.
async fn form_fields(parts: &Parts, bytes: &Bytes, limit: usize) -> Option<Vec<u8>> {
    let mut request = Request::new(Body::from(bytes.clone()));
    if let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) {
        request
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type.clone());
    }
    // Without this the multipart reader stops at axum's default of 2 MB.
    DefaultBodyLimit::max(limit).apply(&mut request);
    let mut multipart = Multipart::from_request(request, &()).await.ok()?;
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.ok()? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().unwrap_or_default().to_owned();
        let content = field.bytes().await.ok()?;
        for part in [
            name.as_bytes(),
            file_name.as_bytes(),
            content_type.as_bytes(),
            &content,
        ] {
            fields.extend_from_slice(&(part.len() as u64).to_be_bytes());
            fields.extend_from_slice(part);
        }
    }
    Some(fields)
}

pub(crate) fn replay(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
