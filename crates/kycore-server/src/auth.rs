//! API authentication: `Authorization: Bearer <secret key>` or `x-api-key`. A valid key puts
//! its tenant scope on the request; everything downstream reads the scope from there. The
//! edge's limits apply here: an address that failed too often is refused before its key is
//! looked at, and a valid key over its rate is refused before the request goes on.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use kycore_services::ServiceError;
use kycore_services::metrics::Refusal;

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
    let limits = &state.limits;
    let address = limits.client_address(request.headers(), request.extensions().get());
    if let Some(refused) = limits.check_address(address) {
        state.services.count_refused_request(Refusal::AuthFailures);
        return refused;
    }
    let Some(key) = presented_key(request.headers()) else {
        limits.record_failure(address);
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "send your secret key as `Authorization: Bearer <key>`",
        )
        .into_response();
    };
    match state.services.authenticate(key).await {
        Ok(auth) => {
            if let Some(refused) = limits.check_key(&auth.principal.id()) {
                state.services.count_refused_request(Refusal::KeyRateLimit);
                return refused;
            }
            request.extensions_mut().insert(Authenticated(auth));
            next.run(request).await
        }
        Err(e) => {
            if matches!(e, ServiceError::Unauthenticated { .. }) {
                limits.record_failure(address);
            }
            ApiError::from(e).into_response()
        }
    }
}
