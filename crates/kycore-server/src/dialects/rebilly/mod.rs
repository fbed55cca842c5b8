//! Rebilly's dialect: KYC requests (`requests.rs`) — a kycore KYC case whose hosted flow asks
//! for the requested documents — and their KYC documents with a person's review
//! (`documents.rs`, their analysis in `matches.rs`), with the status Rebilly derives from a
//! request's documents (`status.rs`), the request's own settings (`settings.rs`), Rebilly's list parameters
//! (`collection.rs`), its problem-details errors (`error.rs`) and its webhooks
//! (`webhook.rs`); documents a merchant makes itself (`new_documents.rs`) of the files it
//! uploaded (`files.rs`).
//!
//! Every route answers both at the root (`/kyc-requests`) and under
//! `/organizations/{organizationId}/…`, the base URL Rebilly's documents give; an
//! organization id other than the key's answers 404, like a missing request. The secret key
//! travels in `REB-APIKEY` or as `Authorization: Bearer`.

mod collection;
mod credit_file;
mod documents;
mod error;
mod files;
mod matches;
mod new_documents;
mod requests;
mod settings;
mod status;
pub mod webhook;

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use kycore_domain::tenancy::Scope;
use kycore_services::RequestContext;

use self::settings::Problems;
use super::{Caller, Dialect, Failure};
use crate::AppState;
use crate::error::ApiError;

/// The marker of Rebilly's dialect for the shared extractors.
pub struct Rebilly;

/// Rebilly's own key header; `Authorization: Bearer` is its other way in.
const KEY_HEADER: &str = "reb-apikey";

impl Dialect for Rebilly {
    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        if let Some(key) = headers.get(KEY_HEADER) {
            return key.to_str().ok();
        }
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(token)
    }

    fn missing_key() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "Invalid authentication credentials",
        )
    }

    fn render(error: ApiError) -> Response {
        error::render(error)
    }
}

type Result<T> = std::result::Result<T, Failure<Rebilly>>;

/// A request missing in the caller's organization and environment: the same answer for a
/// foreign id as for an unknown one.
fn not_found(what: &str) -> Failure<Rebilly> {
    Failure::new(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("{what} not found"),
    ))
}

/// A body or query that breaks Rebilly's rules: 422 naming every field.
pub(crate) fn invalid(problems: Problems) -> Failure<Rebilly> {
    Failure::new(
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "The request is invalid",
        )
        .with_errors(problems.0),
    )
}

/// The authenticated caller, also checked against the organization the path names, if it
/// names one.
pub struct RebillyCaller(Caller<Rebilly>);

impl RebillyCaller {
    fn scope(&self) -> &Scope {
        self.0.scope()
    }

    fn context(&self) -> RequestContext {
        self.0.context()
    }
}

/// The organization a `/organizations/{organizationId}/…` path names, if it names one.
fn named_organization(path: &str) -> Option<&str> {
    path.strip_prefix("/organizations/")?.split('/').next()
}

impl FromRequestParts<AppState> for RebillyCaller {
    type Rejection = Failure<Rebilly>;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        // Authentication first: an unauthenticated caller learns nothing about ids.
        let caller = Caller::<Rebilly>::from_request_parts(parts, state).await?;
        // A nested router sees its path without the prefix: the original URI names it.
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |original| &original.0);
        let named = named_organization(uri.path());
        if named.is_some_and(|id| id != caller.scope().organization_id.as_str()) {
            return Err(not_found("Organization"));
        }
        Ok(RebillyCaller(caller))
    }
}

fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/kyc-requests", get(requests::list).post(requests::create))
        .route(
            "/kyc-documents",
            get(documents::list).post(new_documents::create),
        )
        // Rebilly's JS SDK creates a document at `kyc-documents/` (an empty id appended).
        .route("/kyc-documents/", post(new_documents::create))
        .route(
            "/kyc-documents/{id}",
            get(documents::get).put(new_documents::update),
        )
        .route("/files", post(files::upload))
        .route("/files/{id}", get(files::get))
        .route("/kyc-documents/{id}/acceptance", post(documents::accept))
        .route("/kyc-documents/{id}/rejection", post(documents::reject))
        .route(
            "/kyc-documents/{id}/review",
            post(documents::confirm_review),
        )
        .route(
            "/kyc-documents/{id}/start-review",
            post(documents::start_review),
        )
        .route(
            "/kyc-documents/{id}/stop-review",
            post(documents::stop_review),
        )
        .route(
            "/kyc-requests/{id}",
            get(requests::get)
                .patch(requests::update)
                .put(requests::update)
                .delete(requests::delete),
        )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(api_routes())
        .nest("/organizations/{organization_id}", api_routes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organization_comes_from_the_prefix_only() {
        assert_eq!(
            named_organization("/organizations/org_1/kyc-requests"),
            Some("org_1")
        );
        assert_eq!(named_organization("/kyc-requests/organizations"), None);
    }
}
