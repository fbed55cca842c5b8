//! The vendor dialects: each one translates a vendor's API onto kycore's services — its
//! routes, credentials, shapes, statuses and errors — and decides nothing itself. One module
//! per vendor.
//!
//! What every dialect shares is here: a [`Dialect`] says where its caller's key travels and
//! how its errors look, and the extractors below ([`Caller`], [`Json`], [`Query`],
//! [`PathParam`]) authenticate and parse the way the native API does — the same limits, the
//! same strict JSON — answering every refusal in that vendor's shape ([`Failure`]).

pub mod provide;
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
