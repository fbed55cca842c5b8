//! API authentication: `Authorization: Bearer <secret key>` or `x-api-key` natively, and the
//! one check of a presented key every surface uses ([`authenticate`]). A valid key puts
//! its tenant scope on the request; everything downstream reads the scope from there. The
//! edge's limits apply here: an address that failed too often is refused before its key is
//! looked at, and a valid key over its rate is refused before the request goes on.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use kycore_services::metrics::Refusal;
use kycore_services::{Principal, ServiceError};

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
    let key = presented_key(request.headers()).map(str::to_owned);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .cloned();
    let missing = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "send your secret key as `Authorization: Bearer <key>`",
        )
    };
    match authenticate(
        &state,
        request.headers(),
        peer.as_ref(),
        key.as_deref(),
        missing,
    )
    .await
    {
        Ok(auth) => {
            request.extensions_mut().insert(auth);
            next.run(request).await
        }
        Err(refused) => refused.into_response(),
    }
}

/// What an API surface takes as a credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Accepts {
    SecretKeys,
    /// Secret keys, and tokens minted from them (a dialect's bearer JWTs).
    SecretKeysAndTokens,
}

/// Authenticates a presented secret key under the edge's limits: an address that failed too
/// often is refused before its key is looked at, a failure counts against the address, and a
/// valid key over its rate is refused. `missing` is the refusal when no key was presented.
/// Every API surface — the native one and each vendor's dialect — authenticates here, so
/// the limits hold whichever one a client speaks.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    key: Option<&str>,
    missing: impl FnOnce() -> ApiError,
) -> Result<Authenticated, ApiError> {
    let (auth, _) =
        authenticate_as(state, headers, peer, key, Accepts::SecretKeys, missing).await?;
    Ok(auth)
}

/// [`authenticate`], taking what `accepts` allows; a token's subject comes back with it.
pub(crate) async fn authenticate_as(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    key: Option<&str>,
    accepts: Accepts,
    missing: impl FnOnce() -> ApiError,
) -> Result<(Authenticated, Option<String>), ApiError> {
    let limits = &state.limits;
    let address = limits.client_address(headers, peer);
    if let Some(refused) = limits.check_address(address) {
        state.services.count_refused_request(Refusal::AuthFailures);
        return Err(refused);
    }
    let Some(key) = key else {
        limits.record_failure(address);
        return Err(missing());
    };
    // A JWT has two dots; a kycore key has none.
    let checked = if accepts == Accepts::SecretKeysAndTokens && key.contains('.') {
        state
            .services
            .authenticate_key_token(key)
            .await
            .map(|holder| (holder.authenticated, Some(holder.subject)))
    } else {
        state
            .services
            .authenticate(key)
            .await
            .map(|auth| (auth, None))
    };
    match checked {
        Ok((auth, subject)) => {
            // Tokens count against the key they were minted from: minting more buys no rate.
            let rated = match &auth.principal {
                Principal::KeyToken { key_id, .. } => key_id.to_string(),
                principal => principal.id(),
            };
            if let Some(refused) = limits.check_key(&rated) {
                state.services.count_refused_request(Refusal::KeyRateLimit);
                return Err(refused);
            }
            Ok((Authenticated(auth), subject))
        }
        Err(e) => {
            if matches!(e, ServiceError::Unauthenticated { .. }) {
                limits.record_failure(address);
            }
            Err(ApiError::from(e))
        }
    }
}
