//! The hosted link as the applicant sees it. For now a minimal status page: opening a valid
//! link moves the case to `in_progress` once; expired, replaced and invalid links each say
//! so plainly. The full verification portal builds on this module.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kycore_domain::case::CaseStatus;
use kycore_services::links::LinkError;

use crate::AppState;

pub async fn open_link(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state.services.open_link(&token, None).await {
        Ok(opened) => page(
            StatusCode::OK,
            status_title(opened.status),
            status_message(opened.status),
        ),
        Err(error) => link_error_page(&error),
    }
}

fn link_error_page(error: &LinkError) -> Response {
    let (status, title, message) = match error {
        LinkError::Invalid => (
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "Check that you copied the whole link, or ask the company that sent it for a new one.",
        ),
        LinkError::Expired => (
            StatusCode::GONE,
            "This link has expired",
            "Ask the company that sent it for a new verification link.",
        ),
        LinkError::Revoked => (
            StatusCode::GONE,
            "This link has been replaced",
            "A newer link was sent for this verification. Please use the most recent one.",
        ),
        LinkError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "We could not open your verification",
            "Please try again in a few minutes.",
        ),
    };
    page(status, title, message)
}

fn status_title(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Created | CaseStatus::InProgress | CaseStatus::ResubmissionRequested => {
            "Verify your identity"
        }
        CaseStatus::Submitted | CaseStatus::Processing | CaseStatus::InReview => {
            "Verification submitted"
        }
        CaseStatus::Approved => "Verification complete",
        CaseStatus::Rejected => "Verification finished",
        CaseStatus::Expired => "This verification has expired",
        CaseStatus::Canceled => "This verification was canceled",
    }
}

fn status_message(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Created | CaseStatus::InProgress | CaseStatus::ResubmissionRequested => {
            "Your verification has started. The steps to complete it will appear here."
        }
        CaseStatus::Submitted | CaseStatus::Processing | CaseStatus::InReview => {
            "Thank you. Your information is being reviewed; you can close this page."
        }
        CaseStatus::Approved | CaseStatus::Rejected => {
            "The company that asked for this verification has been told the result."
        }
        CaseStatus::Expired | CaseStatus::Canceled => {
            "Ask the company that sent it for a new verification link."
        }
    }
}

/// A small, self-contained page: phone-first, no scripts, no external resources. Every text
/// placed in it is one of our own constants, so nothing needs escaping.
fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{title}</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1a1a1a;background:#fff}}\
         main{{max-width:32rem;margin:0 auto}}h1{{font-size:1.5rem}}</style></head>\
         <body><main><h1>{title}</h1><p>{message}</p></main></body></html>"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
