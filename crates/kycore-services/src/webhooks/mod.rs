//! Webhooks: a tenant's endpoints (URL, event filter, format, signing secrets), their
//! delivery log, and asking for events to be sent again (redeliver, replay). Delivery itself
//! — fan-out from the outbox, claims, HTTP, retries — is `delivery.rs`; how an event becomes
//! requests is a [`format::WebhookFormat`]; which URLs may be called is `ssrf.rs`.
//!
//! Secrets are sealed under the organization's key (the endpoint's id as associated data)
//! and shown in full only when created or rotated.

mod content;
pub mod delivery;
pub mod format;
pub mod ssrf;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::future::BoxFuture;
use kycore_domain::FieldError;
use kycore_domain::event::EventType;
use kycore_domain::ids::{WebhookEndpointId, WebhookMessageId};
use kycore_domain::tenancy::Scope;
use kycore_store::webhooks::{self as stored, AttemptRecord, DeliveryRecord, EndpointRecord};
use kycore_store::{Millis, Tx, events};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use self::format::OutgoingRequest;
use crate::crypto::DataKey;
use crate::pagination::{Page, PageRequest};
use crate::record::{AuditEntry, audit};
use crate::sealing::{open_json, seal_json};
use crate::time_format::{datetime_of, now_millis};
use crate::{RequestContext, ServiceError, Services};

/// Every secret starts with this, as Standard Webhooks has it.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a secret (the specification asks for 24 to 64).
const SECRET_BYTES: usize = 32;
/// The format endpoints get unless they name one.
pub const NATIVE_FORMAT: &str = "native";
/// How long a rotated-out secret still signs, unless the rotation says otherwise.
pub const DEFAULT_ROTATION_OVERLAP_SECONDS: u32 = 86_400;
/// The longest overlap a rotation may ask for: a week.
const MAX_ROTATION_OVERLAP_SECONDS: u32 = 7 * 86_400;
/// Events a replay queues at most; a later replay continues from a later `since`.
pub const MAX_REPLAY_EVENTS: usize = 10_000;
const REPLAY_PAGE: i64 = 500;
const MAX_DESCRIPTION_CHARS: usize = 500;
const MAX_EVENT_PATTERNS: usize = 64;

/// How webhooks are delivered; [`Default`] is production's, tests shorten the waits.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Call loopback, private and other non-public addresses (a trusted network or tests).
    pub allow_private_targets: bool,
    /// How long one request may take, connecting included.
    pub timeout: Duration,
    /// The wait after each failed attempt (±20 % jitter); when they are used up the delivery
    /// has failed for good. About a day and a half in all.
    pub retry_schedule: Vec<Duration>,
    /// Deliveries to one endpoint in flight at once, across every process.
    pub per_endpoint_concurrency: i64,
    /// Deliveries in flight at once in this process.
    pub max_in_flight: usize,
    /// How often the worker looks for new events and due retries when nothing woke it.
    pub poll_interval: Duration,
    /// An endpoint failing every attempt for this long is disabled.
    pub disable_after: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        const MINUTE: u64 = 60;
        const HOUR: u64 = 3600;
        WebhookSettings {
            allow_private_targets: false,
            timeout: Duration::from_secs(15),
            retry_schedule: [
                5,
                5 * MINUTE,
                30 * MINUTE,
                2 * HOUR,
                5 * HOUR,
                10 * HOUR,
                10 * HOUR,
            ]
            .into_iter()
            .map(Duration::from_secs)
            .collect(),
            per_endpoint_concurrency: 32,
            max_in_flight: 128,
            poll_interval: Duration::from_millis(100),
            disable_after: Duration::from_secs(5 * 24 * HOUR),
        }
    }
}

/// An endpoint to create.
#[derive(Clone, Debug, Default)]
pub struct NewEndpoint {
    pub url: String,
    pub description: Option<String>,
    /// Event types and `prefix.*` patterns; every event when not given.
    pub events: Option<Vec<String>>,
    /// True when not given.
    pub enabled: Option<bool>,
    /// `native` when not given.
    pub format: Option<String>,
    /// Headers sent with every delivery (a receiver's own credentials: an API key, HTTP
    /// basic authentication); kept sealed and never shown again.
    pub headers: Option<Vec<(String, String)>>,
}

/// Changes to an endpoint; what is `None` stays.
#[derive(Clone, Debug, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    /// `Some(None)` removes the description.
    pub description: Option<Option<String>>,
    /// `Some(None)` subscribes to every event.
    pub events: Option<Option<Vec<String>>>,
    /// Enabling an endpoint kycore disabled also clears why.
    pub enabled: Option<bool>,
    pub format: Option<String>,
    /// Replaces the headers sent with every delivery; empty removes them.
    pub headers: Option<Vec<(String, String)>>,
}

/// An endpoint as the API shows it (never with its secret).
#[derive(Clone, Debug)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// `None`: every event.
    pub events: Option<Vec<String>>,
    pub enabled: bool,
    pub format: String,
    /// Why kycore disabled the endpoint, if it did.
    pub disabled_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An endpoint with its secret, shown once: at creation and rotation.
#[derive(Clone, Debug)]
pub struct EndpointWithSecret {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

/// One attempt of the delivery log.
#[derive(Clone, Debug)]
pub struct WebhookAttempt {
    pub id: String,
    pub event_id: String,
    /// The delivery's `webhook-id`.
    pub message_id: String,
    pub url: String,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// The first 1 KB of the answer.
    pub response_body: Option<String>,
    pub attempted_at: OffsetDateTime,
}

/// An endpoint's signing secrets as sealed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Secrets {
    pub current: String,
    /// The rotated-out secret and when it stops signing.
    #[serde(default)]
    pub previous: Option<(String, Millis)>,
    /// The endpoint's own headers, sent with every delivery: sealed with the secrets, since
    /// they usually carry the receiver's credentials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

impl Secrets {
    /// The secrets that sign at `now`, the current one first.
    pub(crate) fn signing(&self, now: Millis) -> Vec<String> {
        let mut secrets = vec![self.current.clone()];
        if let Some((previous, until)) = &self.previous
            && *until > now
        {
            secrets.push(previous.clone());
        }
        secrets
    }
}

fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

pub(crate) fn open_secrets(
    key: &DataKey,
    record: &EndpointRecord,
) -> Result<Secrets, ServiceError> {
    open_json(
        Some(key),
        &record.id,
        Some(&record.secrets_sealed),
        "webhook secrets",
    )?
    .ok_or_else(|| ServiceError::corrupt("webhook secrets"))
}

/// The most headers an endpoint sends of its own.
const MAX_ENDPOINT_HEADERS: usize = 10;
const MAX_HEADER_VALUE_LEN: usize = 1024;
/// Headers kycore sets itself (the formats' signatures besides): an endpoint cannot send
/// its own.
const RESERVED_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

/// An endpoint's own headers: at most ten, names that are HTTP tokens and not kycore's,
/// each once, values of visible characters.
fn validate_headers(headers: &[(String, String)], errors: &mut Vec<FieldError>) {
    let mut refuse = |field: String, code: &'static str, message: String| {
        errors.push(FieldError {
            field,
            code,
            message,
        });
    };
    if headers.len() > MAX_ENDPOINT_HEADERS {
        refuse(
            "headers".into(),
            "too_many_headers",
            format!("at most {MAX_ENDPOINT_HEADERS} headers"),
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (name, value) in headers {
        let field = format!("headers.{name}");
        let lower = name.to_ascii_lowercase();
        let token = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            refuse(
                field,
                "invalid_header_name",
                "not an HTTP header name".into(),
            );
        } else if RESERVED_HEADERS.contains(&lower.as_str()) {
            refuse(
                field,
                "reserved_header",
                format!("kycore sets `{name}` itself"),
            );
        } else if !seen.insert(lower) {
            refuse(field, "duplicate_header", "sent once at most".into());
        } else if value.len() > MAX_HEADER_VALUE_LEN
            || !value
                .bytes()
                .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
        {
            refuse(
                field,
                "invalid_header_value",
                format!("at most {MAX_HEADER_VALUE_LEN} visible ASCII characters"),
            );
        }
    }
}

/// Adds the endpoint's own headers to each of a format's requests, except those the format
/// sets itself (its signature wins).
pub(crate) fn with_endpoint_headers(
    mut requests: Vec<OutgoingRequest>,
    headers: &[(String, String)],
) -> Vec<OutgoingRequest> {
    for request in &mut requests {
        for (name, value) in headers {
            let lower = name.to_ascii_lowercase();
            if !request.headers.iter().any(|(set, _)| *set == lower) {
                request.headers.push((lower, value.clone()));
            }
        }
    }
    requests
}

/// Whether an event type matches an endpoint's patterns (`None`: everything).
pub(crate) fn subscribes(patterns: Option<&[String]>, event_type: &str) -> bool {
    let Some(patterns) = patterns else {
        return true;
    };
    patterns.iter().any(|p| match p.strip_suffix(".*") {
        Some(prefix) => event_type
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.')),
        None => p == "*" || p == event_type,
    })
}

/// Checks event patterns: each is `*`, a known event type or `<prefix>.*` matching one.
fn validate_patterns(patterns: &[String], errors: &mut Vec<FieldError>) {
    if patterns.is_empty() || patterns.len() > MAX_EVENT_PATTERNS {
        errors.push(FieldError {
            field: "events".to_owned(),
            code: "invalid_event_filter",
            message: format!(
                "give between 1 and {MAX_EVENT_PATTERNS} event types or patterns, or leave `events` out for every event"
            ),
        });
        return;
    }
    for (i, pattern) in patterns.iter().enumerate() {
        let matches_some = EventType::ALL
            .iter()
            .any(|t| subscribes(Some(std::slice::from_ref(pattern)), t.as_str()));
        if !matches_some {
            errors.push(FieldError {
                field: format!("events[{i}]"),
                code: "unknown_event_type",
                message: format!(
                    "`{pattern}` is neither an event type nor a pattern (`case.*`) matching one"
                ),
            });
        }
    }
}

fn endpoint_view(record: &EndpointRecord) -> Result<WebhookEndpoint, ServiceError> {
    Ok(WebhookEndpoint {
        id: record.id.clone(),
        url: record.url.clone(),
        description: record.description.clone(),
        events: patterns_of(record)?,
        enabled: record.enabled != 0,
        format: record.format.clone(),
        disabled_reason: record.disabled_reason.clone(),
        created_at: datetime_of(record.created_at),
        updated_at: datetime_of(record.updated_at),
    })
}

pub(crate) fn patterns_of(record: &EndpointRecord) -> Result<Option<Vec<String>>, ServiceError> {
    record
        .events
        .as_deref()
        .map(|raw| {
            serde_json::from_str(raw)
                .map_err(|e| ServiceError::corrupt(format!("webhook endpoint events: {e}")))
        })
        .transpose()
}

fn attempt_view(record: AttemptRecord) -> Result<WebhookAttempt, ServiceError> {
    let status_code = record
        .status_code
        .map(|code| {
            u16::try_from(code)
                .map_err(|_| ServiceError::corrupt(format!("webhook attempt status {code}")))
        })
        .transpose()?;
    Ok(WebhookAttempt {
        id: record.id,
        event_id: record.event_id,
        message_id: record.delivery_id,
        url: record.url,
        status_code,
        error: record.error,
        duration_ms: record.duration_ms,
        response_body: record.response_body,
        attempted_at: datetime_of(record.attempted_at),
    })
}

/// A delivery row for `event` to `endpoint`, due at `now`.
pub(crate) fn delivery_for(
    endpoint: &EndpointRecord,
    event_id: &str,
    event_position: i64,
    now: Millis,
) -> DeliveryRecord {
    DeliveryRecord {
        id: WebhookMessageId::generate().to_string(),
        organization_id: endpoint.organization_id.clone(),
        environment: endpoint.environment.clone(),
        endpoint_id: endpoint.id.clone(),
        event_id: event_id.to_owned(),
        event_position,
        status: "pending".to_owned(),
        attempts: 0,
        next_attempt_at: Some(now),
        locked_until: None,
        claim_token: None,
        created_at: now,
        finished_at: None,
    }
}

impl Services {
    fn validation(errors: Vec<FieldError>) -> Result<(), ServiceError> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Validation(errors))
        }
    }

    /// Checks a format name against the installed formats.
    fn check_format(&self, format: &str, errors: &mut Vec<FieldError>) {
        if self.webhook_formats().get(format).is_none() {
            let known: Vec<&str> = self.webhook_formats().names().collect();
            errors.push(FieldError {
                field: "format".to_owned(),
                code: "unknown_format",
                message: format!(
                    "`{format}` is not a webhook format; known: {}",
                    known.join(", ")
                ),
            });
        }
    }

    /// Checks a case's own webhook receiver (`webhook_url`) when the case is created: its
    /// form, and a literal address. Its host is not resolved then — a per-request URL must not
    /// fail the request it comes with because DNS is slow — but at every delivery, inside the
    /// HTTP client's resolver, as an endpoint's is.
    pub(crate) fn check_case_webhook_url(
        &self,
        url: &str,
        errors: &mut kycore_domain::validation::ValidationErrors,
    ) {
        let allow = self.config().webhooks.allow_private_targets;
        let refusal = match ssrf::parse_url(url) {
            Err(refusal) => Some((refusal.code, refusal.message)),
            Ok(parsed) => ssrf::refused_literal(&parsed, allow).map(|ip| {
                (
                    "non_public_address",
                    format!("{ip} is not a public address"),
                )
            }),
        };
        if let Some((code, message)) = refusal {
            errors.add("webhook_url", code, message);
        }
    }

    async fn check_endpoint_url(&self, url: &str, errors: &mut Vec<FieldError>) {
        let allow = self.config().webhooks.allow_private_targets;
        if let Err(refusal) = ssrf::check_url(url, allow).await {
            errors.push(refusal);
        }
    }

    pub async fn create_webhook_endpoint(
        &self,
        ctx: &RequestContext,
        input: NewEndpoint,
    ) -> Result<EndpointWithSecret, ServiceError> {
        let mut errors = Vec::new();
        self.check_endpoint_url(&input.url, &mut errors).await;
        check_description(input.description.as_deref(), &mut errors);
        if let Some(patterns) = &input.events {
            validate_patterns(patterns, &mut errors);
        }
        let format = input.format.unwrap_or_else(|| NATIVE_FORMAT.to_owned());
        self.check_format(&format, &mut errors);
        if let Some(headers) = &input.headers {
            validate_headers(headers, &mut errors);
        }
        Self::validation(errors)?;

        let key = self.organization_key(&ctx.scope).await?;
        let now = now_millis();
        let id = WebhookEndpointId::generate().to_string();
        let secret = new_secret();
        let secrets = Secrets {
            current: secret.clone(),
            previous: None,
            headers: input.headers.unwrap_or_default(),
        };
        let record = EndpointRecord {
            secrets_sealed: seal_json(&key, &id, &secrets)?,
            id,
            organization_id: ctx.scope.organization_id.to_string(),
            environment: ctx.scope.environment.as_str().to_owned(),
            url: input.url,
            description: input.description,
            events: input
                .events
                .map(|p| serde_json::to_string(&p))
                .transpose()
                .map_err(|e| ServiceError::internal(format!("event patterns: {e}")))?,
            enabled: i64::from(input.enabled.unwrap_or(true)),
            format,
            failing_since: None,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
        };
        let endpoint = endpoint_view(&record)?;
        let unit_ctx = ctx.clone();
        let view = EndpointWithSecret { endpoint, secret };
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<EndpointWithSecret, ServiceError>> {
                Box::pin(async move {
                    stored::insert_endpoint(tx.conn().await?, &record).await?;
                    let entry = AuditEntry {
                        action: "webhook_endpoint.created",
                        target_type: "webhook_endpoint",
                        target_id: &record.id,
                        case_id: None,
                        detail: json!({ "url": record.url, "format": record.format }),
                    };
                    audit(tx, &unit_ctx.scope, &unit_ctx.principal, entry, now);
                    Ok(view)
                })
            },
        )
        .await
    }

    async fn endpoint_record(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<EndpointRecord, ServiceError> {
        stored::get_endpoint(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("webhook endpoint"))
    }

    pub async fn get_webhook_endpoint(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<WebhookEndpoint, ServiceError> {
        endpoint_view(&self.endpoint_record(scope, id).await?)
    }

    /// An endpoint's current signing secret, for APIs that let its owner read it again
    /// (Svix's and Caliza's do; kycore's own shows it only at creation and rotation).
    pub async fn webhook_endpoint_secret(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<String, ServiceError> {
        let record = self.endpoint_record(scope, id).await?;
        let key = self.organization_key(scope).await?;
        Ok(open_secrets(&key, &record)?.current)
    }

    /// Newest first.
    pub async fn list_webhook_endpoints(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> Result<Page<WebhookEndpoint>, ServiceError> {
        let limit = page.fetch_limit()?;
        let rows =
            stored::list_endpoints(self.store().reader(), scope, &page.starting_after, limit)
                .await?;
        Page::from_rows(rows, limit, |r| r.id.clone(), |r| endpoint_view(&r))
    }

    pub async fn update_webhook_endpoint(
        &self,
        ctx: &RequestContext,
        id: &str,
        changes: EndpointChanges,
    ) -> Result<WebhookEndpoint, ServiceError> {
        let mut record = self.endpoint_record(&ctx.scope, id).await?;
        let read_updated_at = record.updated_at;
        let mut errors = Vec::new();
        if let Some(url) = changes.url {
            self.check_endpoint_url(&url, &mut errors).await;
            record.url = url;
        }
        if let Some(description) = changes.description {
            check_description(description.as_deref(), &mut errors);
            record.description = description;
        }
        if let Some(events) = changes.events {
            if let Some(patterns) = &events {
                validate_patterns(patterns, &mut errors);
            }
            record.events = events
                .map(|p| serde_json::to_string(&p))
                .transpose()
                .map_err(|e| ServiceError::internal(format!("event patterns: {e}")))?;
        }
        if let Some(format) = changes.format {
            self.check_format(&format, &mut errors);
            record.format = format;
        }
        if let Some(enabled) = changes.enabled {
            record.enabled = i64::from(enabled);
            if enabled {
                record.disabled_reason = None;
                record.failing_since = None;
            }
        }
        if let Some(headers) = &changes.headers {
            validate_headers(headers, &mut errors);
        }
        Self::validation(errors)?;
        if let Some(headers) = changes.headers {
            let key = self.organization_key(&ctx.scope).await?;
            let secrets = Secrets {
                headers,
                ..open_secrets(&key, &record)?
            };
            record.secrets_sealed = seal_json(&key, &record.id, &secrets)?;
        }
        record.updated_at = now_millis();
        let view = endpoint_view(&record)?;
        self.save_endpoint(
            ctx,
            (record, read_updated_at),
            "webhook_endpoint.updated",
            view,
        )
        .await
    }

    /// Writes an endpoint read before when it is still as read (`read_updated_at`), else
    /// fails with `concurrent_modification`, and answers with `view`. A PATCH beside a
    /// rotation, or beside kycore disabling the endpoint, would otherwise undo it.
    async fn save_endpoint<T: Send + 'static>(
        &self,
        ctx: &RequestContext,
        (record, read_updated_at): (EndpointRecord, Millis),
        action: &'static str,
        view: T,
    ) -> Result<T, ServiceError> {
        let unit_ctx = ctx.clone();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<T, ServiceError>> {
                Box::pin(async move {
                    let conn = tx.conn().await?;
                    if !stored::update_endpoint(&mut *conn, &record, read_updated_at).await? {
                        return Err(
                            match stored::endpoint_by_id(&mut *conn, &record.id).await? {
                                Some(_) => ServiceError::concurrent_change("webhook endpoint"),
                                None => ServiceError::not_found("webhook endpoint"),
                            },
                        );
                    }
                    let entry = AuditEntry {
                        action,
                        target_type: "webhook_endpoint",
                        target_id: &record.id,
                        case_id: None,
                        detail: json!({}),
                    };
                    audit(
                        tx,
                        &unit_ctx.scope,
                        &unit_ctx.principal,
                        entry,
                        record.updated_at,
                    );
                    Ok(view)
                })
            },
        )
        .await
    }

    /// Deletes an endpoint with its pending deliveries and its log.
    pub async fn delete_webhook_endpoint(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(), ServiceError> {
        let (scope, principal, id) = (ctx.scope.clone(), ctx.principal.clone(), id.to_owned());
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        if !stored::delete_endpoint(tx.conn().await?, &scope, &id).await? {
                            return Err(ServiceError::not_found("webhook endpoint"));
                        }
                        let entry = AuditEntry {
                            action: "webhook_endpoint.deleted",
                            target_type: "webhook_endpoint",
                            target_id: &id,
                            case_id: None,
                            detail: json!({}),
                        };
                        audit(tx, &scope, &principal, entry, now_millis());
                        Ok(())
                    })
                },
            )
            .await
    }

    /// Replaces an endpoint's secret; the old one keeps signing (beside the new) for
    /// `overlap_seconds`, so receivers can switch without missing a delivery.
    pub async fn rotate_webhook_secret(
        &self,
        ctx: &RequestContext,
        id: &str,
        overlap_seconds: Option<u32>,
    ) -> Result<EndpointWithSecret, ServiceError> {
        let overlap = overlap_seconds.unwrap_or(DEFAULT_ROTATION_OVERLAP_SECONDS);
        if overlap > MAX_ROTATION_OVERLAP_SECONDS {
            return Err(ServiceError::Validation(vec![FieldError {
                field: "overlap_seconds".to_owned(),
                code: "out_of_range",
                message: format!("the overlap is at most {MAX_ROTATION_OVERLAP_SECONDS} seconds"),
            }]));
        }
        let mut record = self.endpoint_record(&ctx.scope, id).await?;
        let read_updated_at = record.updated_at;
        let key = self.organization_key(&ctx.scope).await?;
        let old = open_secrets(&key, &record)?;
        let now = now_millis();
        let secret = new_secret();
        let secrets = Secrets {
            current: secret.clone(),
            previous: (overlap > 0).then(|| (old.current, now + i64::from(overlap) * 1000)),
            headers: old.headers,
        };
        record.secrets_sealed = seal_json(&key, &record.id, &secrets)?;
        record.updated_at = now;
        let view = EndpointWithSecret {
            endpoint: endpoint_view(&record)?,
            secret,
        };
        self.save_endpoint(
            ctx,
            (record, read_updated_at),
            "webhook_endpoint.secret_rotated",
            view,
        )
        .await
    }

    /// An endpoint's attempts, newest first.
    pub async fn list_webhook_attempts(
        &self,
        scope: &Scope,
        endpoint_id: &str,
        page: &PageRequest,
    ) -> Result<Page<WebhookAttempt>, ServiceError> {
        let limit = page.fetch_limit()?;
        self.endpoint_record(scope, endpoint_id).await?;
        let rows = stored::list_attempts(
            self.store().reader(),
            scope,
            endpoint_id,
            &page.starting_after,
            limit,
        )
        .await?;
        Page::from_rows(rows, limit, |r| r.id.clone(), attempt_view)
    }

    /// Sends an event again: to one endpoint (subscribed or not), or to every enabled
    /// endpoint that subscribes to it. Returns the endpoints it was queued for.
    pub async fn redeliver_event(
        &self,
        ctx: &RequestContext,
        event_id: &str,
        endpoint_id: Option<&str>,
    ) -> Result<Vec<String>, ServiceError> {
        let event = events::get(self.store().reader(), &ctx.scope, event_id)
            .await?
            .ok_or(ServiceError::not_found("event"))?;
        let position = event
            .position
            .ok_or_else(|| ServiceError::corrupt("a committed event without a position"))?;
        let endpoints = match endpoint_id {
            Some(id) => vec![self.endpoint_record(&ctx.scope, id).await?],
            None => {
                let mut subscribed = Vec::new();
                for e in stored::enabled_endpoints(
                    self.store().reader(),
                    &event.organization_id,
                    &event.environment,
                )
                .await?
                {
                    if subscribes(patterns_of(&e)?.as_deref(), &event.event_type) {
                        subscribed.push(e);
                    }
                }
                subscribed
            }
        };
        let now = now_millis();
        let rows: Vec<DeliveryRecord> = endpoints
            .iter()
            .map(|e| delivery_for(e, &event.id, position, now))
            .collect();
        let ids: Vec<String> = endpoints.into_iter().map(|e| e.id).collect();
        self.requeue_deliveries(
            ctx,
            rows,
            "webhook.redelivered",
            json!({ "event_id": event.id }),
        )
        .await?;
        self.wake_webhooks();
        Ok(ids)
    }

    /// Sends an endpoint every event of its subscription created at or after `since` (at
    /// most [`MAX_REPLAY_EVENTS`]), in commit order. Returns how many were queued.
    pub async fn replay_webhooks(
        &self,
        ctx: &RequestContext,
        endpoint_id: &str,
        since: Millis,
    ) -> Result<usize, ServiceError> {
        let endpoint = self.endpoint_record(&ctx.scope, endpoint_id).await?;
        let patterns = patterns_of(&endpoint)?;
        let mut position = 0;
        let mut queued = 0;
        while queued < MAX_REPLAY_EVENTS {
            let page = events::since(
                self.store().reader(),
                &ctx.scope,
                since,
                position,
                REPLAY_PAGE,
            )
            .await?;
            let Some(last) = page.last() else { break };
            position = last
                .position
                .ok_or_else(|| ServiceError::corrupt("a committed event without a position"))?;
            let now = now_millis();
            let rows: Vec<DeliveryRecord> = page
                .iter()
                .filter(|e| subscribes(patterns.as_deref(), &e.event_type))
                .take(MAX_REPLAY_EVENTS - queued)
                .filter_map(|e| e.position.map(|p| delivery_for(&endpoint, &e.id, p, now)))
                .collect();
            queued += rows.len();
            let full = i64::try_from(page.len()).unwrap_or(i64::MAX) >= REPLAY_PAGE;
            self.requeue_deliveries(
                ctx,
                rows,
                "webhook_endpoint.replayed",
                json!({ "endpoint_id": endpoint.id, "since": since }),
            )
            .await?;
            if !full {
                break;
            }
        }
        self.wake_webhooks();
        Ok(queued)
    }

    async fn requeue_deliveries(
        &self,
        ctx: &RequestContext,
        rows: Vec<DeliveryRecord>,
        action: &'static str,
        detail: serde_json::Value,
    ) -> Result<(), ServiceError> {
        if rows.is_empty() {
            return Ok(());
        }
        let (scope, principal) = (ctx.scope.clone(), ctx.principal.clone());
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        for row in &rows {
                            stored::requeue(tx.conn().await?, row).await?;
                        }
                        let target = rows
                            .first()
                            .map(|r| r.endpoint_id.clone())
                            .unwrap_or_default();
                        let entry = AuditEntry {
                            action,
                            target_type: "webhook_endpoint",
                            target_id: &target,
                            case_id: None,
                            detail,
                        };
                        audit(tx, &scope, &principal, entry, now_millis());
                        Ok(())
                    })
                },
            )
            .await
    }
}

fn check_description(description: Option<&str>, errors: &mut Vec<FieldError>) {
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        errors.push(FieldError {
            field: "description".to_owned(),
            code: "too_long",
            message: format!("at most {MAX_DESCRIPTION_CHARS} characters"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_types_and_prefixes() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(subscribes(None, "case.created"));
        assert!(subscribes(Some(&p(&["case.*"])), "case.status_changed"));
        assert!(!subscribes(Some(&p(&["case.*"])), "cases.x"));
        assert!(!subscribes(Some(&p(&["case.*"])), "document.accepted"));
        assert!(subscribes(
            Some(&p(&["document.accepted"])),
            "document.accepted"
        ));
        assert!(subscribes(Some(&p(&["*"])), "document.accepted"));

        let mut errors = Vec::new();
        validate_patterns(
            &p(&["case.*", "document.accepted", "nope", "nope.*"]),
            &mut errors,
        );
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["events[2]", "events[3]"]);
        assert!(errors.iter().all(|e| e.code == "unknown_event_type"));
    }

    #[test]
    fn endpoint_headers_are_checked_and_never_replace_a_formats_own() {
        let header = |name: &str, value: &str| (name.to_owned(), value.to_owned());
        let mut errors = Vec::new();
        validate_headers(
            &[
                header("X-Api-Key", "k1"),
                header("Bad Name", "v"),
                header("Webhook-Signature", "v"),
                header("x-api-key", "again"),
                header("X-Split", "a\r\nInjected: yes"),
            ],
            &mut errors,
        );
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                "invalid_header_name",
                "reserved_header",
                "duplicate_header",
                "invalid_header_value"
            ]
        );
        let request = OutgoingRequest {
            body: Vec::new(),
            headers: vec![("reb-signature".into(), "t=1,v1=aa".into())],
        };
        let sent = with_endpoint_headers(
            vec![request],
            &[
                header("REB-Signature", "forged"),
                header("Authorization", "Basic eA=="),
            ],
        );
        assert_eq!(
            sent[0].headers,
            [
                ("reb-signature".to_owned(), "t=1,v1=aa".to_owned()),
                ("authorization".to_owned(), "Basic eA==".to_owned())
            ]
        );
    }

    #[test]
    fn secrets_are_standard_and_the_previous_one_signs_until_its_end() {
        let secret = new_secret();
        let decoded = STANDARD
            .decode(secret.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(decoded.len(), SECRET_BYTES);
        let secrets = Secrets {
            current: "a".into(),
            previous: Some(("b".into(), 100)),
            headers: Vec::new(),
        };
        assert_eq!(secrets.signing(99), ["a", "b"]);
        assert_eq!(secrets.signing(100), ["a"]);
    }
}
