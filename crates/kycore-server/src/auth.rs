//! API authentication: `Authorization: Bearer <secret key>` or `x-api-key`. A valid key puts
//! its tenant scope on the request; everything downstream reads the scope from there.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

#[derive(Clone, Debug)]
pub struct Authenticated(pub kycore_services::keys::Authenticated);

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    bearer
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
        .map(str::trim)
}

pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(key) = presented_key(request.headers()) else {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "send your secret key as `Authorization: Bearer <key>`",
        )
        .into_response();
    };
    match state.services.authenticate(key).await {
        Ok(auth) => {
            request.extensions_mut().insert(Authenticated(auth));
            next.run(request).await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
