//! Caliza's token endpoint, Keycloak's: `POST /auth/realms/caliza/protocol/openid-connect/token`,
//! form-encoded. The client is the integrator's key pair — `client_id` its publishable key,
//! `client_secret` its secret key, in the body or as HTTP Basic — and the grants are
//! `client_credentials`, `password` (`username` the publishable key, `password` the secret
//! key: kycore has no API users apart from keys) and `refresh_token`. Access and refresh
//! tokens are tokens minted from the secret key, expiring; errors are OAuth's
//! `{"error", "error_description"}`.

use std::net::SocketAddr;

use axum::Json as Answer;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kycore_services::keys::Authenticated;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth;
use crate::dialects::authorization;
use crate::error::ApiError;

/// How long an access token works: Caliza's older documents give 36,000 s (10 h).
pub const ACCESS_TOKEN_SECONDS: u32 = 36_000;
/// How long a refresh token works.
const REFRESH_TOKEN_SECONDS: u32 = 86_400;
/// What a refresh token's subject starts with; such a token cannot call the API.
pub const REFRESH_PREFIX: &str = "refresh:";

#[derive(Deserialize, Default)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
}

/// An OAuth error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Answer(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn invalid_client() -> Response {
    oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Invalid client or Invalid client credentials",
    )
}

/// The client's id and secret: HTTP Basic when sent, else the body's.
fn client_credentials(headers: &HeaderMap, form: &TokenRequest) -> Option<(String, String)> {
    if let Some(basic) = authorization(headers, "basic") {
        let decoded = STANDARD.decode(basic.trim()).ok()?;
        let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
        return Some((id.to_owned(), secret.to_owned()));
    }
    Some((form.client_id.clone()?, form.client_secret.clone()?))
}

/// Authenticates a (publishable key, secret key) pair of one organization and environment,
/// under the edge's failure limits.
async fn key_pair(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    publishable: &str,
    secret: &str,
) -> Result<Authenticated, Response> {
    let missing = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_client", "no secret");
    let auth::Authenticated(authenticated) =
        auth::authenticate(state, headers, peer, Some(secret), missing)
            .await
            .map_err(|refused| match refused.status {
                StatusCode::TOO_MANY_REQUESTS => {
                    crate::dialects::Failure::<super::Caliza>::new(refused).into_response()
                }
                _ => invalid_client(),
            })?;
    match state
        .services
        .publishable_key_of(publishable, &authenticated.scope)
        .await
    {
        Ok(Some(_)) => Ok(authenticated),
        Ok(None) => Err(invalid_client()),
        Err(e) => Err(crate::dialects::Failure::<super::Caliza>::from(e).into_response()),
    }
}

/// The key a grant authenticates, or the refusal.
async fn grant(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    form: &TokenRequest,
) -> Result<Authenticated, Response> {
    match form.grant_type.as_deref() {
        Some("client_credentials") => {
            let (id, secret) = client_credentials(headers, form).ok_or_else(invalid_client)?;
            key_pair(state, headers, peer, &id, &secret).await
        }
        Some("password") => {
            let (Some(username), Some(password)) = (&form.username, &form.password) else {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing parameter: username and password",
                ));
            };
            if client_credentials(headers, form).is_some_and(|(id, _)| id != *username) {
                return Err(invalid_client());
            }
            key_pair(state, headers, peer, username, password)
                .await
                .map_err(|_| {
                    oauth_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_grant",
                        "Invalid user credentials",
                    )
                })
        }
        Some("refresh_token") => refreshed(state, form).await,
        Some(_) => Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type",
        )),
        None => Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing form parameter: grant_type",
        )),
    }
}

/// The key behind a live refresh token.
async fn refreshed(state: &AppState, form: &TokenRequest) -> Result<Authenticated, Response> {
    let invalid = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid refresh token",
        )
    };
    let token = form.refresh_token.as_deref().ok_or_else(invalid)?;
    let holder = state
        .services
        .authenticate_key_token(token)
        .await
        .map_err(|_| invalid())?;
    if !holder.subject.starts_with(REFRESH_PREFIX) {
        return Err(invalid());
    }
    state.services.minter_of(&holder).map_err(|_| invalid())
}

pub async fn token(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let headers = &parts.headers;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
    let is_form = crate::extract::media_type(headers)
        .is_some_and(|m| m.eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    let Some(form) = is_form
        .then(|| serde_urlencoded::from_bytes::<TokenRequest>(&body).ok())
        .flatten()
    else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send the parameters form-encoded (application/x-www-form-urlencoded)",
        );
    };
    let minter = match grant(&state, headers, peer, &form).await {
        Ok(minter) => minter,
        Err(refused) => return refused,
    };
    let integrator = format!("integrator:{}", minter.scope.organization_id);
    let minted = state
        .services
        .mint_expiring_key_token(&minter, &integrator, ACCESS_TOKEN_SECONDS)
        .and_then(|access| {
            let refresh = state.services.mint_expiring_key_token(
                &minter,
                &format!("{REFRESH_PREFIX}{integrator}"),
                REFRESH_TOKEN_SECONDS,
            )?;
            Ok((access, refresh))
        });
    match minted {
        Ok((access, refresh)) => Answer(json!({
            "access_token": access.token,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "refresh_expires_in": REFRESH_TOKEN_SECONDS,
            "refresh_token": refresh.token,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "session_state": access.id,
            "scope": "profile email",
        }))
        .into_response(),
        Err(e) => crate::dialects::Failure::<super::Caliza>::from(e).into_response(),
    }
}
