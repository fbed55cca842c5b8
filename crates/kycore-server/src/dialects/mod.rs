//! The vendor dialects: each one translates a vendor's API onto kycore's services — its
//! routes, credentials, shapes, statuses and errors — and decides nothing itself. One module
//! per vendor.
//!
//! What every dialect shares is here: a [`Dialect`] says where its caller's key travels and
//! how its errors look, and the extractors below ([`Caller`], [`Json`], [`Query`],
//! [`PathParam`]) authenticate and parse the way the native API does — the same limits, the
//! same strict JSON — answering every refusal in that vendor's shape ([`Failure`]). Idempotent
//! POSTs go through [`idempotency`]; numbered pages are a [`PageNumber`]; webhook formats
//! read a case's status change with [`status_change`]; vendors' time formats are here too.

pub mod caliza;
pub mod idempotency;
pub mod link;
pub mod provide;
pub mod rebilly;
pub mod vove;

use std::marker::PhantomData;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kycore_domain::applicant::ApplicantType;
use kycore_domain::case::CaseStatus;
use kycore_domain::event::EventType;
use kycore_domain::tenancy::Scope;
use kycore_services::applicants::ApplicantQuery;
use kycore_services::cases::CaseQuery;
use kycore_services::pagination::Window;
use kycore_services::views::{Applicant, Case, Event};
use kycore_services::webhooks::format::{FormatError, Message};
use kycore_services::{RequestContext, ServiceError};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::AppState;
use crate::auth::{self, Accepts, Authenticated};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};

/// A vendor's API as the shared extractors need to know it.
pub trait Dialect: Send + Sync + 'static {
    /// Whether the vendor's clients may present a token minted from a secret key (a bearer
    /// JWT) as well as the key itself.
    const ACCEPTS_TOKENS: bool = false;

    /// The secret key (or token) the request presents, read from the vendor's header.
    fn presented_key(headers: &HeaderMap) -> Option<&str>;

    /// Whether a minted token of `subject` may call the vendor's API (a refresh token, say,
    /// may not).
    fn accepts_subject(_subject: &str) -> bool {
        true
    }

    /// The refusal of a request that presents no key.
    fn missing_key() -> ApiError;

    /// An error in the vendor's own shape. `Retry-After` is added by [`Failure`].
    fn render(error: ApiError) -> Response;
}

/// An error on its way out of dialect `D`: converted from the services' or the edge's error
/// once, rendered in the vendor's shape.
pub struct Failure<D>(pub ApiError, PhantomData<fn() -> D>);

impl<D> Failure<D> {
    pub fn new(error: ApiError) -> Self {
        Failure(error, PhantomData)
    }

    /// A request that does not fit, in one sentence.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Failure::new(ApiError::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            message,
        ))
    }
}

impl<D> std::fmt::Debug for Failure<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<D> From<ApiError> for Failure<D> {
    fn from(error: ApiError) -> Self {
        Failure::new(error)
    }
}

impl<D> From<ServiceError> for Failure<D> {
    fn from(error: ServiceError) -> Self {
        Failure::new(ApiError::from(error))
    }
}

impl<D: Dialect> IntoResponse for Failure<D> {
    fn into_response(self) -> Response {
        let retry_after = self.0.retry_after_header();
        let mut response = D::render(self.0);
        if let Some((name, value)) = retry_after {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// The authenticated caller of a dialect's route.
pub struct Caller<D> {
    auth: Authenticated,
    /// A minted token's subject; `None` for a secret key.
    subject: Option<String>,
    _dialect: PhantomData<fn() -> D>,
}

impl<D> Caller<D> {
    pub fn scope(&self) -> &Scope {
        &self.auth.0.scope
    }

    /// The subject the caller's token was minted for; `None` when it presented a key.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// How the caller authenticated, as the services know it.
    pub fn authenticated(&self) -> &kycore_services::keys::Authenticated {
        &self.auth.0
    }

    /// The context for a use case acting on the caller's behalf.
    pub fn context(&self) -> RequestContext {
        RequestContext::new(self.scope().clone(), self.auth.0.principal.clone())
    }
}

impl<D: Dialect> FromRequestParts<AppState> for Caller<D> {
    type Rejection = Failure<D>;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        let key = D::presented_key(&parts.headers).map(str::trim);
        let accepts = if D::ACCEPTS_TOKENS {
            Accepts::SecretKeysAndTokens
        } else {
            Accepts::SecretKeys
        };
        let (auth, subject) =
            auth::authenticate_as(state, &parts.headers, peer, key, accepts, D::missing_key)
                .await?;
        if subject.as_deref().is_some_and(|s| !D::accepts_subject(s)) {
            return Err(Failure::new(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_token",
                "this token cannot call the API",
            )));
        }
        Ok(Caller {
            auth,
            subject,
            _dialect: PhantomData,
        })
    }
}

/// A page number or size from a query string: `default` when absent, `None` when it is not
/// a whole number from 1 to `max`. Vendors differ only in what they call it and how they
/// refuse it.
pub fn bounded_number(raw: Option<&str>, default: u32, max: u32) -> Option<u32> {
    let Some(raw) = raw else {
        return Some(default);
    };
    raw.parse::<u32>().ok().filter(|n| (1..=max).contains(n))
}

/// The credential of `Authorization: <scheme> <credential>` when the scheme is `scheme`,
/// compared case-insensitively as RFC 9110 says (clients send `bearer` and `Bearer`).
pub fn authorization<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (given, credential) = value.trim_start().split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then_some(credential)
        .filter(|c| !c.trim().is_empty())
}

/// A JSON body, parsed as strictly as the native API's.
pub struct Json<D, T>(pub T, PhantomData<fn() -> D>);

impl<D: Dialect, T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<D, T> {
    type Rejection = Failure<D>;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiJson(value) = ApiJson::from_request(request, state).await?;
        Ok(Json(value, PhantomData))
    }
}

/// A query string.
pub struct Query<D, T>(pub T, PhantomData<fn() -> D>);

impl<D: Dialect, T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<D, T> {
    type Rejection = Failure<D>;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiQuery(value) = ApiQuery::from_request_parts(parts, state).await?;
        Ok(Query(value, PhantomData))
    }
}

/// Path parameters.
pub struct PathParam<D, T>(pub T, PhantomData<fn() -> D>);

impl<D: Dialect, T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S>
    for PathParam<D, T>
{
    type Rejection = Failure<D>;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiPath(value) = ApiPath::from_request_parts(parts, state).await?;
        Ok(PathParam(value, PhantomData))
    }
}

/// `at` in UTC to the second, `2024-01-15T10:30:00`, and the rest of its second.
fn utc_seconds(at: OffsetDateTime) -> (String, OffsetDateTime) {
    let at = at.to_offset(time::UtcOffset::UTC);
    let seconds = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    );
    (seconds, at)
}

/// UTC with milliseconds and a `Z`, `2024-01-15T10:30:00.000Z`: the time format of the
/// vendors whose servers are JavaScript or Java (VOVE, Caliza).
pub fn utc_millis(at: OffsetDateTime) -> String {
    let (seconds, at) = utc_seconds(at);
    format!("{seconds}.{:03}Z", at.millisecond())
}

/// UTC to the second with a `Z`, `2024-11-04T14:00:00Z` (LINK's).
pub fn utc_whole_seconds(at: OffsetDateTime) -> String {
    format!("{}Z", utc_seconds(at).0)
}

/// UTC without a zone, with microseconds, `2024-09-20T17:20:28.935890` (Caliza's webhooks).
pub fn zoneless_micros(at: OffsetDateTime) -> String {
    let (seconds, at) = utc_seconds(at);
    format!("{seconds}.{:06}", at.microsecond())
}

/// A case's move from one status to another, as a webhook message tells it.
pub struct StatusChange<'a> {
    /// The case as it is now, without personal data.
    pub case: &'a Case,
    pub from: CaseStatus,
    pub to: CaseStatus,
}

/// The status change a message carries; `None` for any other event: the vendors' formats
/// speak of status changes only.
pub fn status_change<'a>(
    message: &'a Message<'_>,
) -> Result<Option<StatusChange<'a>>, FormatError> {
    let event = message.event;
    let Some(case) = message.case else {
        return Ok(None);
    };
    if event.event_type != EventType::CaseStatusChanged.as_str() {
        return Ok(None);
    }
    Ok(Some(StatusChange {
        case,
        from: changed_status(event, "previous_status")?,
        to: changed_status(event, "status")?,
    }))
}

fn changed_status(event: &Event, key: &str) -> Result<CaseStatus, FormatError> {
    event
        .data
        .get(key)
        .and_then(serde_json::Value::as_str)
        .and_then(CaseStatus::parse)
        .ok_or_else(|| FormatError(format!("a status change without a valid `{key}`")))
}

/// The newest applicant of a type with this external id: a vendor's customer, user or
/// business named by the caller's own id, which a second case for it must reuse.
pub async fn known_applicant(
    state: &AppState,
    scope: &Scope,
    applicant_type: ApplicantType,
    external_id: &str,
) -> Result<Option<Applicant>, ServiceError> {
    let query = ApplicantQuery {
        applicant_type: Some(applicant_type),
        external_id: Some(external_id.to_owned()),
    };
    let newest = Window {
        offset: 0,
        limit: 1,
    };
    let found = state
        .services
        .list_applicants_numbered(scope, query, newest)
        .await?;
    Ok(found.data.into_iter().next())
}

/// The newest case a query selects, if any.
pub async fn newest_case(
    state: &AppState,
    scope: &Scope,
    query: CaseQuery,
) -> Result<Option<Case>, ServiceError> {
    let newest = Window {
        offset: 0,
        limit: 1,
    };
    let found = state
        .services
        .list_cases_numbered(scope, query, newest)
        .await?;
    Ok(found.data.into_iter().next())
}

/// A vendor's numbered page: `page` from 1, `limit` from 1 to a maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageNumber {
    pub page: u32,
    pub limit: u32,
}

impl PageNumber {
    /// The page the query asks for: the first, of `default_limit`, unless it says otherwise.
    pub fn parse<D>(
        page: Option<&str>,
        limit: Option<&str>,
        default_limit: u32,
        max_limit: u32,
    ) -> Result<Self, Failure<D>> {
        Ok(PageNumber {
            page: bounded(page, "page", 1, u32::MAX)?,
            limit: bounded(limit, "limit", default_limit, max_limit)?,
        })
    }

    /// The rows the page covers.
    pub fn window(self) -> Window {
        Window {
            offset: u64::from(self.page - 1) * u64::from(self.limit),
            limit: self.limit,
        }
    }
}

fn bounded<D>(raw: Option<&str>, name: &str, default: u32, max: u32) -> Result<u32, Failure<D>> {
    bounded_number(raw, default, max)
        .ok_or_else(|| Failure::bad_request(format!("{name} must be a number between 1 and {max}")))
}

/// What the dialects' unit tests share.
#[cfg(test)]
pub(crate) mod testing {
    use axum::http::StatusCode;
    use axum::response::Response;
    use serde_json::Value;

    /// An answer's status and JSON body.
    pub(crate) async fn body(response: Response) -> (StatusCode, Value) {
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_times_are_utc_with_their_own_precision() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_705_314_600_123_456_789).unwrap();
        assert_eq!(utc_millis(at), "2024-01-15T10:30:00.123Z");
        assert_eq!(zoneless_micros(at), "2024-01-15T10:30:00.123456");
        let elsewhere = at.to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
        assert_eq!(utc_whole_seconds(elsewhere), "2024-01-15T10:30:00Z");
    }

    struct Any;

    #[test]
    fn pages_are_numbered_from_one_within_their_limit() {
        let page = PageNumber::parse::<Any>(Some("3"), Some("10"), 20, 100).unwrap();
        let window = page.window();
        assert_eq!((window.offset, window.limit), (20, 10));
        let first = PageNumber::parse::<Any>(None, None, 20, 100).unwrap();
        assert_eq!((first.page, first.limit), (1, 20));
        for (page, limit) in [("0", "1"), ("1", "101"), ("x", "1"), ("1", "-1")] {
            assert!(PageNumber::parse::<Any>(Some(page), Some(limit), 20, 100).is_err());
        }
    }
}
