//! `Idempotency-Key` on POST: a retry with the same body gets the stored response; the same
//! key with a different body is a 409. A new key is passed on to the use case, which stores
//! its response in the same transaction as the change.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kycore_services::idempotency::{IdempotencyLookup, validate_key};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::api::upload_body_limit;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::body_too_large;

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
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash = hasher.finalize().to_vec();

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

fn replay(status: u16, body: Vec<u8>) -> Response {
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
