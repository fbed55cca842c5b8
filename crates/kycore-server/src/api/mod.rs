//! The native `/v1` API. Handlers are thin: extract, map the wire shape onto the service's
//! types, call one use case, map its answer back. The wire shapes (serde, OpenAPI schemas)
//! live here, next to their routes, and nowhere else: the services and the domain know
//! nothing of them. Routes are registered with their OpenAPI descriptions so the document
//! cannot drift from the code.

mod applicants;
mod audit;
pub(crate) mod cases;
mod checks;
pub(crate) mod documents;
mod events;
pub(crate) mod flows;
mod organization;
mod sandbox;
mod screenings;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use kycore_services::pagination::Page;
use serde::Serialize;
use utoipa::ToSchema;
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
        .routes(routes!(applicants::redact_applicant))
        .routes(routes!(flows::create_flow, flows::list_flows))
        .routes(routes!(flows::get_flow))
        .routes(routes!(cases::create_case, cases::list_cases))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::cancel_case))
        .routes(routes!(cases::redact_case))
        .routes(routes!(cases::decide_case))
        .routes(routes!(cases::reissue_link))
        .routes(routes!(cases::submit_case))
        .routes(routes!(cases::update_details))
        .routes(routes!(checks::validate))
        .routes(routes!(documents::document_file))
        .routes(routes!(documents::review_document))
        .routes(routes!(documents::mark_document_review))
        .routes(routes!(events::list_events))
        .routes(routes!(events::get_event))
        .routes(routes!(audit::list_audit))
        .routes(routes!(sandbox::complete_case))
        .routes(routes!(screenings::screen))
        .routes(routes!(screenings::list_case_hits))
        .routes(routes!(screenings::review_hit))
        .routes(routes!(webhooks::create_endpoint, webhooks::list_endpoints))
        .routes(routes!(
            webhooks::get_endpoint,
            webhooks::update_endpoint,
            webhooks::delete_endpoint
        ))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::list_attempts))
        .routes(routes!(webhooks::replay))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(
            organization::get_branding,
            organization::update_branding
        ))
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

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageBody<T: ToSchema> {
    pub data: Vec<T>,
    pub has_more: bool,
    /// Pass as `starting_after` (or `after`, for the events feed and the audit trail) to get
    /// the next page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> PageBody<T> {
    fn of<S>(page: &Page<S>) -> Self
    where
        T: for<'a> From<&'a S>,
    {
        PageBody {
            data: page.data.iter().map(T::from).collect(),
            has_more: page.has_more,
            next_cursor: page.next_cursor.clone(),
        }
    }
}

impl<S, T: ToSchema + for<'a> From<&'a S>> From<&Page<S>> for PageBody<T> {
    fn from(page: &Page<S>) -> Self {
        PageBody::of(page)
    }
}

/// A wire enum mirroring a domain enum variant for variant, converting both ways, so the
/// API's schema is its own while the values stay the domain's.
// `$case` is a `tt`, not a `literal`: a `literal` fragment reaches the derive wrapped in an
// invisible group that utoipa does not read, and the schema then listed the variants as
// `Kyc`, `InReview`, … instead of the values sent.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident <=> $domain:path, $case:tt { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = $case)]
        pub enum $name {
            $($variant),+
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => <$domain>::$variant),+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $(<$domain>::$variant => $name::$variant),+
                }
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum!(
    /// Which kind of verification: a person (`kyc`) or a business (`kyb`).
    CaseKindBody <=> kycore_domain::case::CaseKind, "snake_case" { Kyc, Kyb }
);

wire_enum!(
    CaseStatusBody <=> kycore_domain::case::CaseStatus, "snake_case" {
        Created, InProgress, Submitted, Processing, InReview, ResubmissionRequested,
        Approved, Rejected, Expired, Canceled,
    }
);

wire_enum!(
    EnvironmentBody <=> kycore_domain::tenancy::Environment, "snake_case" { Sandbox, Live }
);

wire_enum!(
    /// A step of the hosted flow.
    StepBody <=> kycore_domain::flow::Step, "snake_case" {
        Consent, PersonalDetails, IdentityDocument, Selfie, ProofOfAddress, CompanyDetails,
        CompanyDocuments, RelatedPersons, Review,
    }
);

wire_enum!(
    OutcomeBody <=> kycore_domain::case::Outcome, "snake_case" {
        Approved, Rejected, InReview, ResubmissionRequested,
    }
);

wire_enum!(
    CheckStatusBody <=> kycore_domain::check::CheckStatus, "snake_case" {
        Passed, Failed, NeedsReview, NotApplicable, NotAvailable,
    }
);

/// Steps on the wire, as the domain's.
fn steps_in(steps: Vec<StepBody>) -> Vec<kycore_domain::flow::Step> {
    steps.into_iter().map(Into::into).collect()
}

fn steps_out(steps: &[kycore_domain::flow::Step]) -> Vec<StepBody> {
    steps.iter().copied().map(Into::into).collect()
}

/// A timestamp as the API writes it: RFC 3339, UTC.
pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    kycore_services::time_format::rfc3339_of(at)
}
