//! The native `/v1` API. Handlers are thin: extract, call one use case, answer. Routes are
//! registered with their OpenAPI descriptions so the document cannot drift from the code.

mod applicants;
mod cases;
mod checks;
mod documents;
mod events;
mod flows;
mod sandbox;
mod screenings;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use documents::upload_body_limit;

/// The `/v1` routes; uploads accept bodies of up to `upload_body_limit(max_upload_bytes)`.
pub fn router(max_upload_bytes: usize) -> OpenApiRouter<AppState> {
    // axum's multipart extractor stops at 2 MB unless told otherwise.
    let uploads = OpenApiRouter::new()
        .routes(routes!(
            documents::upload_document,
            documents::list_documents
        ))
        .layer(DefaultBodyLimit::max(upload_body_limit(max_upload_bytes)));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(
            applicants::create_applicant,
            applicants::list_applicants
        ))
        .routes(routes!(
            applicants::get_applicant,
            applicants::update_applicant
        ))
        .routes(routes!(flows::create_flow, flows::list_flows))
        .routes(routes!(flows::get_flow))
        .routes(routes!(cases::create_case, cases::list_cases))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::cancel_case))
        .routes(routes!(cases::decide_case))
        .routes(routes!(cases::reissue_link))
        .routes(routes!(cases::submit_case))
        .routes(routes!(cases::update_details))
        .routes(routes!(checks::validate))
        .routes(routes!(documents::document_file))
        .routes(routes!(events::list_events))
        .routes(routes!(events::get_event))
        .routes(routes!(sandbox::complete_case))
        .routes(routes!(screenings::screen))
        .routes(routes!(screenings::list_case_hits))
        .routes(routes!(screenings::review_hit))
}

/// Parses an optional query value with `parse`, naming the parameter when it fails.
fn parse_param<T>(
    value: Option<String>,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, crate::error::ApiError> {
    value
        .map(|raw| {
            parse(&raw).ok_or_else(|| {
                crate::error::ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("`{raw}` is not a valid value for `{name}`"),
                )
            })
        })
        .transpose()
}
