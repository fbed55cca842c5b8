//! The vendor dialects: each one translates a vendor's API onto kycore's services — its
//! routes, credentials, shapes, statuses and errors — and decides nothing itself. One module
//! per vendor.
//!
//! What every dialect shares is here: a [`Dialect`] says where its caller's key travels and
//! how its errors look, and the extractors below ([`Caller`], [`Json`], [`Query`],
//! [`PathParam`]) authenticate and parse the way the native API does — the same limits, the
//! same strict JSON — answering every refusal in that vendor's shape ([`Failure`]).

pub mod caliza;
pub mod rebilly;
pub mod vove;

use std::marker::PhantomData;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kycore_domain::tenancy::Scope;
use kycore_services::{RequestContext, ServiceError};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

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

/// UTC with milliseconds and a `Z`, `2024-01-15T10:30:00.000Z`: the time format of the
/// vendors whose servers are JavaScript or Java (VOVE, Caliza).
pub fn utc_millis(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_millis_has_three_digits_and_a_z() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_705_314_600_123_456_789).unwrap();
        assert_eq!(utc_millis(at), "2024-01-15T10:30:00.123Z");
    }
}
