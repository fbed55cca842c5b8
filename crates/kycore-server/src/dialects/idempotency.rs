//! A dialect's idempotent POSTs, kept by the same machinery as the native API's
//! (`crate::idempotency`, the services' `IdempotencyClaim`): each dialect is its own surface,
//! so its keys and stored answers are apart from the native API's and the other dialects'.
//!
//! Unlike the native API, where a concurrent duplicate is refused as "in use", a dialect's
//! duplicate that lost the race answers what the winner answered: vendors promise that the
//! same key with the same body gets the same response, whenever it arrives.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kycore_services::idempotency::{IdempotencyLookup, validate_key};
use kycore_services::{IdempotencyClaim, RequestContext, ServiceError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Caller, Dialect, Failure};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, MAX_BODY_BYTES, body_too_large, renderer};
use crate::idempotency::{HEADER, PendingIdempotency, replay, request_hash};

/// A JSON body, parsed as strictly as [`super::Json`], with the request's idempotency key
/// (and what identifies the request under it) when it has one.
pub struct IdempotentJson<D, T> {
    pub body: T,
    pub key: Option<PendingIdempotency>,
    _dialect: std::marker::PhantomData<fn() -> D>,
}

impl<D: Dialect, T: DeserializeOwned, S: Send + Sync> FromRequest<S> for IdempotentJson<D, T> {
    type Rejection = Failure<D>;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let key = match request.headers().get(HEADER) {
            None => None,
            Some(value) => {
                let key = value.to_str().unwrap_or_default().to_owned();
                validate_key(&key).map_err(ApiError::from)?;
                Some(key)
            }
        };
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| body_too_large(MAX_BODY_BYTES))?;
        let key = match key {
            Some(key) => Some(PendingIdempotency {
                key,
                request_hash: request_hash(&parts, &bytes, MAX_BODY_BYTES).await,
            }),
            None => None,
        };
        let request = Request::from_parts(parts, Body::from(bytes));
        let ApiJson(body) = ApiJson::from_request(request, state).await?;
        Ok(IdempotentJson {
            body,
            key,
            _dialect: std::marker::PhantomData,
        })
    }
}

/// Runs a dialect's POST once per idempotency key: `run` gets the context to call the use
/// case with (which stores the answer, rendered as `W` from the use case's `S`, with its
/// change), and a key seen before answers its stored response instead. Without a key the
/// request simply runs.
pub async fn run_once<D, S, W, F, Fut>(
    state: &AppState,
    caller: &Caller<D>,
    surface: &'static str,
    key: Option<PendingIdempotency>,
    status: StatusCode,
    run: F,
) -> Result<Response, Failure<D>>
where
    D: Dialect,
    S: 'static,
    W: Serialize + for<'a> From<&'a S>,
    F: FnOnce(RequestContext) -> Fut,
    Fut: Future<Output = Result<S, ServiceError>>,
{
    let answer = |value: &S| (status, axum::Json(W::from(value))).into_response();
    let Some(pending) = key else {
        return Ok(answer(&run(caller.context()).await?));
    };
    if let Some(stored) = stored(state, caller, surface, &pending).await? {
        return Ok(stored);
    }
    let claim = IdempotencyClaim {
        surface,
        key: pending.key.clone(),
        request_hash: pending.request_hash.clone(),
        status: status.as_u16(),
        render: renderer::<S, W>(),
    };
    match run(caller.context().with_idempotency(Some(claim))).await {
        Ok(value) => Ok(answer(&value)),
        // A duplicate committed first (and this request's change was rolled back with the
        // refused claim): its answer is this one's.
        Err(ServiceError::Conflict {
            code: "idempotency_key_in_use",
            message,
        }) => stored(state, caller, surface, &pending)
            .await?
            .ok_or_else(|| {
                Failure::new(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_key_in_use",
                    message,
                ))
            }),
        Err(error) => Err(error.into()),
    }
}

/// The stored answer to the key, if it has one; a 409 if it answered another request.
async fn stored<D: Dialect>(
    state: &AppState,
    caller: &Caller<D>,
    surface: &'static str,
    pending: &PendingIdempotency,
) -> Result<Option<Response>, Failure<D>> {
    let lookup = state
        .services
        .idempotency_lookup(caller.scope(), surface, &pending.key, &pending.request_hash)
        .await?;
    match lookup {
        IdempotencyLookup::Fresh => Ok(None),
        IdempotencyLookup::Replay { status, body } => Ok(Some(replay(status, body))),
        IdempotencyLookup::Mismatch => Err(Failure::new(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "this idempotency-key was used with a different request",
        ))),
    }
}
