//! `/v1/webhook_endpoints` (endpoints, secret rotation, the delivery log, replay) and
//! `/v1/events/{id}/redeliver`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kycore_domain::FieldError;
use kycore_services::ServiceError;
use kycore_services::pagination::PageRequest;
use kycore_services::time_format::parse_rfc3339;
use kycore_services::webhooks::{
    EndpointChanges, EndpointWithSecret, NewEndpoint, WebhookAttempt, WebhookEndpoint,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::{PageBody, rfc3339};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEndpointBody {
    /// An `https://` (or `http://`) URL without credentials, at most 2 KB, whose host
    /// resolves to public addresses only (unless the deployment allows private targets).
    #[schema(max_length = 2048)]
    pub url: String,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Event types (`case.decided`) and patterns (`case.*`); every event when not given.
    #[schema(min_items = 1, max_items = 64)]
    pub events: Option<Vec<String>>,
    /// True when not given.
    pub enabled: Option<bool>,
    /// The payload and signature scheme: `native` (Standard Webhooks), the default.
    pub format: Option<String>,
    /// Headers sent with every delivery, e.g. the receiver's API key (at most 10; not
    /// kycore's own). Kept sealed and never shown again.
    pub headers: Option<BTreeMap<String, String>>,
    /// HTTP basic authentication for the receiver, sent as an `Authorization` header.
    pub basic_auth: Option<BasicAuthBody>,
}

/// A receiver's user name and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicAuthBody {
    pub username: String,
    pub password: String,
}

/// The headers an endpoint sends of its own: `headers`, and `basic_auth` as `Authorization`.
/// `None` when neither is given.
fn endpoint_headers(
    headers: Option<BTreeMap<String, String>>,
    basic_auth: Option<BasicAuthBody>,
) -> Option<Vec<(String, String)>> {
    if headers.is_none() && basic_auth.is_none() {
        return None;
    }
    let mut all: Vec<(String, String)> = headers.unwrap_or_default().into_iter().collect();
    if let Some(BasicAuthBody { username, password }) = basic_auth {
        let credentials = STANDARD.encode(format!("{username}:{password}"));
        all.push(("Authorization".to_owned(), format!("Basic {credentials}")));
    }
    Some(all)
}

/// A PATCH: what is absent stays; `null` clears `description` and makes `events` all.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEndpointBody {
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub events: Option<Option<Vec<String>>>,
    /// Enabling an endpoint kycore disabled clears `disabled_reason`.
    pub enabled: Option<bool>,
    pub format: Option<String>,
    /// Replaces the headers sent with every delivery (`{}` removes them).
    pub headers: Option<BTreeMap<String, String>>,
    /// Replaces the headers with these basic credentials (and `headers`, if given).
    pub basic_auth: Option<BasicAuthBody>,
}

/// A field that is present, `null` or not: `Some(None)` for `null`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointBody {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// `null`: every event.
    pub events: Option<Vec<String>>,
    pub enabled: bool,
    pub format: String,
    /// Why kycore disabled the endpoint, if it did: `failing_continuously` (every attempt
    /// failed for 5 days) or `gone` (the receiver answered 410 Gone).
    pub disabled_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&WebhookEndpoint> for EndpointBody {
    fn from(e: &WebhookEndpoint) -> Self {
        EndpointBody {
            id: e.id.clone(),
            url: e.url.clone(),
            description: e.description.clone(),
            events: e.events.clone(),
            enabled: e.enabled,
            format: e.format.clone(),
            disabled_reason: e.disabled_reason.clone(),
            created_at: rfc3339(e.created_at),
            updated_at: rfc3339(e.updated_at),
        }
    }
}

/// A new endpoint, with its signing secret: shown only here and on rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEndpointBody {
    #[serde(flatten)]
    pub endpoint: EndpointBody,
    /// `whsec_…`: verify deliveries with it (any Standard Webhooks library).
    pub secret: String,
}

impl From<&EndpointWithSecret> for CreatedEndpointBody {
    fn from(e: &EndpointWithSecret) -> Self {
        CreatedEndpointBody {
            endpoint: EndpointBody::from(&e.endpoint),
            secret: e.secret.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretBody {
    /// How long the old secret keeps signing beside the new one: 0–604800, 86400 when
    /// not given.
    #[schema(minimum = 0, maximum = 604800)]
    pub overlap_seconds: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecretBody {
    /// The new `whsec_…` secret.
    pub secret: String,
}

impl From<&EndpointWithSecret> for RotatedSecretBody {
    fn from(e: &EndpointWithSecret) -> Self {
        RotatedSecretBody {
            secret: e.secret.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptBody {
    pub id: String,
    pub event_id: String,
    /// The `webhook-id` the receiver saw.
    pub message_id: String,
    pub url: String,
    /// The receiver's status code; `null` when no answer came (`error` says why).
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// The first 1 KB of the answer's body.
    pub response_body: Option<String>,
    pub attempted_at: String,
}

impl From<&WebhookAttempt> for AttemptBody {
    fn from(a: &WebhookAttempt) -> Self {
        AttemptBody {
            id: a.id.clone(),
            event_id: a.event_id.clone(),
            message_id: a.message_id.clone(),
            url: a.url.clone(),
            status_code: a.status_code,
            error: a.error.clone(),
            duration_ms: a.duration_ms,
            response_body: a.response_body.clone(),
            attempted_at: rfc3339(a.attempted_at),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// An id from the previous page.
    starting_after: Option<String>,
}

impl From<ListQuery> for PageRequest {
    fn from(q: ListQuery) -> Self {
        PageRequest {
            limit: q.limit,
            starting_after: q.starting_after,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeliverBody {
    /// One endpoint (sent even if it does not subscribe to the event); every enabled
    /// endpoint that subscribes when not given.
    pub endpoint_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RedeliveredBody {
    /// The endpoints the event was queued for.
    pub endpoint_ids: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayBody {
    /// RFC 3339: every event of the endpoint's subscription created since then is sent
    /// again, in commit order (at most 10,000 per call).
    pub since: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayedBody {
    /// How many events were queued.
    pub queued: usize,
}

/// Create a webhook endpoint.
#[utoipa::path(post, path = "/v1/webhook_endpoints", tag = "webhooks",
    request_body = CreateEndpointBody,
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 201, body = CreatedEndpointBody),
        (status = 422, description = "`validation_failed`: e.g. `url` with `unsupported_scheme`, `url_has_credentials`, `url_too_long`, `private_address`, `unresolvable_host`; `events[i]` with `unknown_event_type`; `format` with `unknown_format`; `headers.<name>` with `invalid_header_name`, `reserved_header`, `duplicate_header`, `invalid_header_value`")),
    security(("api_key" = [])))]
pub async fn create_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateEndpointBody>,
) -> Result<(StatusCode, Json<CreatedEndpointBody>), ApiError> {
    let ctx = caller.context::<EndpointWithSecret, CreatedEndpointBody>(StatusCode::CREATED);
    let input = NewEndpoint {
        url: body.url,
        description: body.description,
        events: body.events,
        enabled: body.enabled,
        format: body.format,
        headers: endpoint_headers(body.headers, body.basic_auth),
    };
    let created = state.services.create_webhook_endpoint(&ctx, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedEndpointBody::from(&created)),
    ))
}

/// List webhook endpoints, newest first.
#[utoipa::path(get, path = "/v1/webhook_endpoints", tag = "webhooks", params(ListQuery),
    responses((status = 200, body = PageBody<EndpointBody>)), security(("api_key" = [])))]
pub async fn list_endpoints(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<PageBody<EndpointBody>>, ApiError> {
    let page = state
        .services
        .list_webhook_endpoints(caller.scope(), &query.into())
        .await?;
    Ok(Json(PageBody::from(&page)))
}

/// Get a webhook endpoint (without its secret).
#[utoipa::path(get, path = "/v1/webhook_endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path)),
    responses((status = 200, body = EndpointBody)), security(("api_key" = [])))]
pub async fn get_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EndpointBody>, ApiError> {
    let endpoint = state
        .services
        .get_webhook_endpoint(caller.scope(), &id)
        .await?;
    Ok(Json(EndpointBody::from(&endpoint)))
}

/// Change a webhook endpoint.
#[utoipa::path(patch, path = "/v1/webhook_endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path)), request_body = UpdateEndpointBody,
    responses((status = 200, body = EndpointBody)), security(("api_key" = [])))]
pub async fn update_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateEndpointBody>,
) -> Result<Json<EndpointBody>, ApiError> {
    let ctx = caller.context::<WebhookEndpoint, EndpointBody>(StatusCode::OK);
    let changes = EndpointChanges {
        url: body.url,
        description: body.description,
        events: body.events,
        enabled: body.enabled,
        format: body.format,
        headers: endpoint_headers(body.headers, body.basic_auth),
    };
    let endpoint = state
        .services
        .update_webhook_endpoint(&ctx, &id, changes)
        .await?;
    Ok(Json(EndpointBody::from(&endpoint)))
}

/// Delete a webhook endpoint, its pending deliveries and its log.
#[utoipa::path(delete, path = "/v1/webhook_endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted")), security(("api_key" = [])))]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let ctx = caller.context::<WebhookEndpoint, EndpointBody>(StatusCode::NO_CONTENT);
    state.services.delete_webhook_endpoint(&ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rotate an endpoint's signing secret. The old secret keeps signing beside the new one for
/// the overlap, so every delivery meanwhile carries both signatures.
#[utoipa::path(post, path = "/v1/webhook_endpoints/{id}/rotate_secret", tag = "webhooks",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
            description = "Replays the stored response when retried")),
    request_body = RotateSecretBody,
    responses((status = 200, body = RotatedSecretBody)), security(("api_key" = [])))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RotateSecretBody>,
) -> Result<Json<RotatedSecretBody>, ApiError> {
    let ctx = caller.context::<EndpointWithSecret, RotatedSecretBody>(StatusCode::OK);
    let rotated = state
        .services
        .rotate_webhook_secret(&ctx, &id, body.overlap_seconds)
        .await?;
    Ok(Json(RotatedSecretBody::from(&rotated)))
}

/// An endpoint's delivery attempts, newest first.
#[utoipa::path(get, path = "/v1/webhook_endpoints/{id}/attempts", tag = "webhooks",
    params(("id" = String, Path), ListQuery),
    responses((status = 200, body = PageBody<AttemptBody>)), security(("api_key" = [])))]
pub async fn list_attempts(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<PageBody<AttemptBody>>, ApiError> {
    let page = state
        .services
        .list_webhook_attempts(caller.scope(), &id, &query.into())
        .await?;
    Ok(Json(PageBody::from(&page)))
}

/// Send an endpoint every event of its subscription since a time, again.
#[utoipa::path(post, path = "/v1/webhook_endpoints/{id}/replay", tag = "webhooks",
    params(("id" = String, Path)), request_body = ReplayBody,
    responses((status = 202, body = ReplayedBody),
        (status = 422, description = "`validation_failed`: `since` is not an RFC 3339 time")),
    security(("api_key" = [])))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReplayBody>,
) -> Result<(StatusCode, Json<ReplayedBody>), ApiError> {
    let since = parse_rfc3339(&body.since).ok_or_else(|| {
        ApiError::from(ServiceError::Validation(vec![FieldError {
            field: "since".to_owned(),
            code: "invalid_timestamp",
            message: "`since` is an RFC 3339 time, e.g. 2026-01-31T12:00:00Z".to_owned(),
        }]))
    })?;
    let ctx = caller.context::<usize, ReplayedBody>(StatusCode::ACCEPTED);
    let queued = state.services.replay_webhooks(&ctx, &id, since).await?;
    Ok((StatusCode::ACCEPTED, Json(ReplayedBody { queued })))
}

impl From<&usize> for ReplayedBody {
    fn from(queued: &usize) -> Self {
        ReplayedBody { queued: *queued }
    }
}

impl From<&Vec<String>> for RedeliveredBody {
    fn from(ids: &Vec<String>) -> Self {
        RedeliveredBody {
            endpoint_ids: ids.clone(),
        }
    }
}

/// Send an event again: to one endpoint, or to every enabled endpoint that subscribes.
#[utoipa::path(post, path = "/v1/events/{id}/redeliver", tag = "webhooks",
    params(("id" = String, Path)), request_body = RedeliverBody,
    responses((status = 202, body = RedeliveredBody)), security(("api_key" = [])))]
pub async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RedeliverBody>,
) -> Result<(StatusCode, Json<RedeliveredBody>), ApiError> {
    let ctx = caller.context::<Vec<String>, RedeliveredBody>(StatusCode::ACCEPTED);
    let endpoint_ids = state
        .services
        .redeliver_event(&ctx, &id, body.endpoint_id.as_deref())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(RedeliveredBody { endpoint_ids })))
}
