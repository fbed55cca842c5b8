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
use time::OffsetDateTime;

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

/// LINK's time format: UTC to the second, `2024-11-04T14:00:00Z`.
fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_to_the_second() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_730_728_800_987_000_000)
            .unwrap()
            .to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
        assert_eq!(timestamp(at), "2024-11-04T14:00:00Z");
    }
}
