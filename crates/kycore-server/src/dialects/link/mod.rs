//! LINK's dialect (linkio / NGNC): business customers under `/v2/business_customer` with the
//! secret key in `ngnc-sec-key`, `idempotency-key` on creation, LINK's five KYB statuses
//! (`status.rs`), errors in the `{"status": "error", "code", "message"}` envelope
//! (`error.rs`) and `bridge-webhook-secret` webhooks (`webhook.rs`).
//!
//! A LINK customer is a kycore business applicant, and its `customer_id` the applicant's id:
//! its verification is the applicant's newest KYB case, and `kyb_link` that case's hosted
//! link. LINK promises a customer a working link until they finish, so a customer whose link
//! ran out gets a new one when read (`customers.rs`).

mod customers;
mod error;
mod status;
pub mod webhook;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

pub(crate) use super::utc_whole_seconds as timestamp;
use super::{Caller, Dialect};
use crate::AppState;
use crate::error::ApiError;

/// The marker of LINK's dialect for the shared extractors.
pub struct Link;

impl Dialect for Link {
    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        headers.get("ngnc-sec-key").and_then(|v| v.to_str().ok())
    }

    fn missing_key() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "No valid API key provided.",
        )
    }

    fn render(error: ApiError) -> Response {
        error::render(error)
    }
}

type LinkCaller = Caller<Link>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v2/business_customer",
            get(customers::list).post(customers::create),
        )
        .route("/v2/business_customer/{customer_id}", get(customers::get))
}
