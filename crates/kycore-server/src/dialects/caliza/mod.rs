//! Caliza's dialect: beneficiaries (`beneficiaries.rs`), their interactive verification
//! sessions (`verification.rs`), the integrator and its webhook configuration
//! (`integrators.rs`), Caliza's statuses (`status.rs`), its two error shapes (`error.rs`)
//! and its signed webhooks (`webhook.rs`). Every route is served under `/core-api/v1/…`
//! (Caliza's base URL) and `/v1/…` (the paths its documents name), with
//! `Authorization: Bearer <access token>` from Caliza's (Keycloak's) token endpoint
//! (`token.rs`) or the secret key itself.

mod beneficiaries;
mod error;
mod integrators;
mod status;
mod token;
mod verification;
pub mod webhook;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};

use super::{Caller, Dialect, Failure, authorization};
use crate::AppState;
use crate::error::ApiError;

/// The marker of Caliza's dialect for the shared extractors.
pub struct Caliza;

impl Dialect for Caliza {
    const ACCEPTS_TOKENS: bool = true;

    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        authorization(headers, "bearer")
    }

    fn accepts_subject(subject: &str) -> bool {
        !subject.starts_with(token::REFRESH_PREFIX)
    }

    fn missing_key() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Full authentication is required to access this resource",
        )
    }

    fn render(error: ApiError) -> Response {
        error::render(error)
    }
}

type CalizaCaller = Caller<Caliza>;

/// A refusal with one of Caliza's documented codes.
fn failure(status: StatusCode, code: &'static str, message: &str) -> Failure<Caliza> {
    Failure::new(ApiError::new(status, code, message))
}

fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/integrators/me", get(integrators::me))
        .route(
            "/integrators/{integrator_id}/webhooks",
            get(integrators::get_webhooks)
                .patch(integrators::set_webhooks)
                .post(integrators::set_webhooks),
        )
        .route(
            "/integrators/{integrator_id}/webhook-secret",
            get(integrators::webhook_secret),
        )
        .route(
            "/integrators/{integrator_id}/update-webhook-secret",
            post(integrators::rotate_webhook_secret),
        )
        .route(
            "/beneficiaries",
            get(beneficiaries::list).post(beneficiaries::create),
        )
        .route(
            "/beneficiaries/{id}",
            get(beneficiaries::get)
                .put(beneficiaries::update)
                .patch(beneficiaries::update),
        )
        .route(
            "/beneficiaries/{id}/verification",
            get(verification::current).post(verification::start),
        )
        .route(
            "/beneficiaries/{id}/verification/approve",
            post(verification::approve_in_sandbox),
        )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/auth/realms/caliza/protocol/openid-connect/token",
            post(token::token),
        )
        .nest("/v1", api_routes())
        .nest("/core-api/v1", api_routes())
}
