//! The vendor dialects: each one translates a vendor's API onto kycore's services — its
//! routes, credentials, shapes, statuses and errors — and decides nothing itself. One module
//! per vendor.
//!
//! What every dialect shares is here: a [`Dialect`] says where its caller's key travels and
//! how its errors look, and the extractors below ([`Caller`], [`Json`], [`Query`],
//! [`PathParam`]) authenticate and parse the way the native API does — the same limits, the
//! same strict JSON — answering every refusal in that vendor's shape ([`Failure`]). Idempotent
//! POSTs go through [`idempotency`]; numbered pages are a [`PageNumber`]; webhook formats
//! read a KYB case's status change with [`kyb_status_change`].

pub mod idempotency;
pub mod link;
pub mod vove;

use std::marker::PhantomData;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::tenancy::Scope;
use kycore_services::pagination::Window;
use kycore_services::views::Case;
use kycore_services::webhooks::format::{FormatError, Message};
use kycore_services::{RequestContext, ServiceError};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::AppState;
use crate::auth::{self, Authenticated};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};

/// A vendor's API as the shared extractors need to know it.
pub trait Dialect: Send + Sync + 'static {
    /// The secret key the request presents, read from the vendor's header.
    fn presented_key(headers: &HeaderMap) -> Option<&str>;

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
    _dialect: PhantomData<fn() -> D>,
}

impl<D> Caller<D> {
    pub fn scope(&self) -> &Scope {
        &self.auth.0.scope
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
        let auth = auth::authenticate(state, &parts.headers, peer, key, D::missing_key).await?;
        Ok(Caller {
            auth,
            _dialect: PhantomData,
        })
    }
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
    let Some(raw) = raw else { return Ok(default) };
    raw.parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| Failure::bad_request(format!("{name} must be a number between 1 and {max}")))
}

/// What a vendor's KYB webhook is about: a KYB case whose status changed, with its status
/// before and after (canonical); `None` for any other event, which such formats skip.
pub fn kyb_status_change<'a>(
    message: &Message<'a>,
) -> Result<Option<(&'a Case, CaseStatus, CaseStatus)>, FormatError> {
    let Some(case) = message.case else {
        return Ok(None);
    };
    if message.event.event_type != "case.status_changed" || case.kind != CaseKind::Kyb {
        return Ok(None);
    }
    let data = &message.event.data;
    let previous = status_field(data, "previous_status")?;
    let current = status_field(data, "status")?;
    Ok(Some((case, previous, current)))
}

fn status_field(data: &Value, key: &str) -> Result<CaseStatus, FormatError> {
    data.get(key)
        .and_then(Value::as_str)
        .and_then(CaseStatus::parse)
        .ok_or_else(|| FormatError(format!("a status change without a valid `{key}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

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
