//! Provide's dialect (provide.services "ident", formerly "bookie"): KYC applications under
//! `/api/v1/kyc_applications` with `Authorization: bearer <credential>` — a kycore secret
//! key, or a JWT kycore minted from one (`POST /api/v1/tokens`, `kycore tokens mint`) for an
//! Application (`application:<uuid>`) or one of its users (`user:<uuid>`). Provide's seven
//! statuses (`status.rs`), its `{"message"}` errors (`error.rs`), its render details (4-space
//! pretty JSON, `application/json; charset=UTF-8`, CORS on every answer, `OPTIONS` → 204),
//! an application's documents (`documents.rs`) and its signed webhooks (`webhook.rs`, to
//! each application's own `params.webhook_url`). Each application is dispatched to the
//! provider it names (`providers/`): its params mapped into that provider's payload and,
//! when the deployment configured the provider, sent.
//!
//! Provide's clients parse `id`, `user_id` and `application_id` as UUIDs. A kycore id is a
//! prefix and a ULID, and a ULID is 128 bits like a UUID, so a case id travels as the UUID of
//! its ULID and is read back the same way (`kycore_domain::ids::id_as_uuid`): no mapping is
//! stored.

mod applications;
mod documents;
mod error;
pub mod providers;
mod representation;
mod status;
mod tokens;

pub use tokens::{SubjectError, subject_for as token_subject};
pub mod webhook;

use axum::Router;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kycore_domain::ids::{CaseId, OrganizationId, id_as_uuid, id_from_uuid};
use kycore_domain::tenancy::Scope;
use serde::Serialize;

use super::{Caller, Dialect, Failure, authorization};
use crate::AppState;
use crate::error::ApiError;

/// The marker of Provide's dialect for the shared extractors.
pub struct Provide;

impl Dialect for Provide {
    const ACCEPTS_TOKENS: bool = true;

    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        authorization(headers, "bearer")
    }

    fn missing_key() -> ApiError {
        unauthorized()
    }

    fn render(error: ApiError) -> Response {
        error::render(error)
    }
}

type ProvideCaller = Caller<Provide>;
type Result<T> = std::result::Result<T, Failure<Provide>>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tokens", post(tokens::mint).options(preflight))
        .route(
            "/api/v1/kyc_applications",
            get(applications::list)
                .post(applications::create)
                .options(preflight),
        )
        .route(
            "/api/v1/kyc_applications/{id}",
            get(applications::get)
                .put(applications::update)
                .options(preflight),
        )
        .route(
            "/api/v1/kyc_applications/{id}/documents",
            get(documents::list)
                .post(documents::upload)
                .options(preflight),
        )
        .route(
            "/api/v1/kyc_applications/{id}/documents/{document_id}",
            get(documents::download).options(preflight),
        )
        .route(
            "/api/v1/users/{id}/kyc_applications",
            get(applications::of_user).options(preflight),
        )
        .layer(axum::middleware::map_response(cors))
}

/// The CORS headers Provide's API sends with every answer.
const CORS: [(&str, &str); 5] = [
    ("access-control-allow-origin", "*"),
    ("access-control-allow-credentials", "true"),
    (
        "access-control-allow-headers",
        "Accept, Accept-Encoding, Authorization, Cache-Control, Content-Length, Content-Type, Origin, User-Agent, X-CSRF-Token, X-Requested-With",
    ),
    (
        "access-control-allow-methods",
        "GET, POST, PUT, DELETE, OPTIONS",
    ),
    ("access-control-expose-headers", "X-Total-Results-Count"),
];

async fn cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in CORS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// An answer as Provide renders one: JSON pretty-printed with four spaces, in UTF-8.
pub fn answer(status: StatusCode, body: &impl Serialize) -> Response {
    let mut bytes = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, formatter);
    if body.serialize(&mut serializer).is_err() {
        // Our own wire types always serialize; never a half-written body.
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        )],
        bytes,
    )
        .into_response()
}

fn unauthorized() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "unauthorized")
}

fn refusal(status: StatusCode, message: impl Into<String>) -> Failure<Provide> {
    Failure::new(ApiError::new(status, "provide_refusal", message))
}

fn not_found() -> Failure<Provide> {
    refusal(StatusCode::NOT_FOUND, "kyc application not found")
}

/// Who a bearer speaks for: the Application (a secret key, or a token minted for
/// `application:<uuid>`) or one of its users (`user:<uuid>`, whose applications only it sees).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bearer {
    Application,
    User(String),
}

/// `first last`, or whichever of them there is: Provide's derived `name`, and IdentityMind's
/// `man`.
fn full_name(first: Option<String>, last: Option<String>) -> Option<String> {
    let full = [first, last]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    (!full.is_empty()).then_some(full)
}

/// A UUID in its canonical lowercase spelling, if `raw` is one.
fn uuid(raw: &str) -> Option<String> {
    uuid::Uuid::parse_str(raw)
        .ok()
        .filter(|_| raw.len() == 36)
        .map(|u| u.to_string())
}

impl Bearer {
    fn of(caller: &ProvideCaller) -> Result<Bearer> {
        let Some(subject) = caller.subject() else {
            return Ok(Bearer::Application);
        };
        let refused = || Failure::new(unauthorized());
        let (kind, id) = subject.split_once(':').ok_or_else(refused)?;
        let id = uuid(id).ok_or_else(refused)?;
        match kind {
            "application" => Ok(Bearer::Application),
            "user" => Ok(Bearer::User(id)),
            _ => Err(refused()),
        }
    }
}

/// The UUID an Application bearer's tenant goes by: its organization's id.
fn application_uuid(scope: &Scope) -> Option<String> {
    id_as_uuid(scope.organization_id.as_str(), OrganizationId::PREFIX)
}

/// A case's id as Provide's clients see it.
fn application_id_of_case(case_id: &str) -> Option<String> {
    id_as_uuid(case_id, CaseId::PREFIX)
}

/// The case a Provide id names; `None` for anything but a UUID.
fn case_id_of(raw: &str) -> Option<String> {
    id_from_uuid(raw, CaseId::PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_are_pretty_printed_with_four_spaces_in_utf8() {
        let response = answer(StatusCode::CREATED, &serde_json::json!({"a": [1]}));
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/json; charset=UTF-8"
        );
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(body, "{\n    \"a\": [\n        1\n    ]\n}");
    }

    #[test]
    fn case_ids_travel_as_uuids_and_back() {
        let id = CaseId::generate();
        let uuid = application_id_of_case(id.as_str()).unwrap();
        assert_eq!(case_id_of(&uuid).as_deref(), Some(id.as_str()));
        assert_eq!(case_id_of(id.as_str()), None);
        assert_eq!(super::uuid("NOT-A-UUID"), None);
        assert_eq!(
            super::uuid("CB2037F7-79FC-40F4-9720-ADA636DA4183").as_deref(),
            Some("cb2037f7-79fc-40f4-9720-ada636da4183")
        );
    }
}
