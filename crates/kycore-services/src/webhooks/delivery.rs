//! Webhook delivery, at least once, from the events outbox. Svix's pipeline, in three steps
//! that each commit before the next:
//!
//! 1. **Fan-out** ([`Services::fan_out_webhooks`]): one unit reads the events after the
//!    fan-out cursor (commit order, a page at a time), adds a delivery per (event,
//!    subscribing endpoint) and moves the cursor — never a scan of the outbox.
//! 2. **Claim**: one unit leases due deliveries, at most `per_endpoint_concurrency` per
//!    endpoint across every process, so a slow or dead endpoint holds its own slots only;
//!    then what the claimed messages say (events, cases) is read for them all at once
//!    (`content.rs`).
//! 3. **Attempt**, outside any transaction: render with the endpoint's format, POST (to the
//!    endpoint's URL, or the case's own receiver when the format names it) with a
//!    timeout and no redirects through the SSRF-guarding resolver, keep the first 1 KB of
//!    the answer; then one unit logs the attempt and settles the delivery (delivered, retry
//!    after the schedule's wait with jitter, or failed). A success also makes the endpoint's
//!    waiting retries due at once, so a recovered receiver gets its backlog in seconds; a
//!    failure extends the endpoint's failing streak, and a streak of `disable_after` disables
//!    it with a `webhook_endpoint.disabled` event.
//!
//! The worker wakes when this process commits events, when a success releases a backlog,
//! and otherwise every `poll_interval` (due retries, other processes' events).
//!
//! Only the claim's holder can settle (its token), so a process whose lease ran out records
//! nothing over another's.

use std::sync::Arc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use kycore_domain::event::EventType;
use kycore_domain::ids::WebhookAttemptId;
use kycore_store::events;
use kycore_store::webhooks::{
    self as stored, AttemptRecord, DeliveryClaim, DeliveryRecord, EndpointRecord, Final, Settlement,
};
use kycore_store::{Millis, Tx};
use rand::Rng;
use serde_json::json;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::content::{Content, Loaded};
use super::format::{Formats, Message, OutgoingRequest};
use super::{
    WebhookSettings, delivery_for, open_secrets, patterns_of, ssrf, subscribes,
    with_endpoint_headers,
};
use crate::context::{Principal, SystemComponent};
use crate::crypto::random_alphanumeric;
use crate::metrics::DeliveryResultLabel;
use crate::record::{AuditEntry, audit, event as event_row};
use crate::scope::parse_stored;
use crate::time_format::{datetime_of, now_millis};
use crate::{ServiceError, Services};

/// A tenant scope as stored: (organization id, environment).
type Scope = (String, String);
/// An enabled endpoint with its event patterns.
type Subscriber = (EndpointRecord, Option<Vec<String>>);

/// Events one fan-out unit reads.
const FANOUT_BATCH: i64 = 500;
/// Deliveries to an endpoint whose attempts are failing in flight at once: a dead receiver
/// ties up this many of the worker's slots at most.
const FAILING_ENDPOINT_CONCURRENCY: i64 = 2;
/// How long a stopping worker waits for the attempts under way.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long the worker waits after an attempt finishes before claiming more.
const REFILL_PAUSE: Duration = Duration::from_millis(2);
/// The most of an answer's body kept in the log.
const KEPT_BODY_BYTES: usize = 1024;
/// Added to twice the timeout to make a claim's lease: the attempt ends before it runs out.
/// A claim of a process that died is taken again once its lease has run out, so the lease
/// is also how long a crash delays the deliveries it held (35 s with the 15 s timeout).
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// The delivery side of a process: the installed formats, the HTTP client and the wake-up.
pub(crate) struct Runtime {
    formats: OnceLock<Formats>,
    client: reqwest::Client,
    wake: Notify,
}

impl Runtime {
    pub(crate) fn new(settings: &WebhookSettings) -> Result<Runtime, ServiceError> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy from the environment would be resolved instead of the target, and the
            // SSRF guard would check the proxy's address.
            .no_proxy()
            .dns_resolver(Arc::new(ssrf::GuardedResolver {
                allow_private: settings.allow_private_targets,
            }))
            .user_agent(concat!("kycore-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ServiceError::internal(format!("the webhook HTTP client: {e}")))?;
        Ok(Runtime {
            formats: OnceLock::new(),
            client,
            wake: Notify::new(),
        })
    }
}

/// The longest `Retry-After` a receiver can ask for; a longer one waits this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Why kycore disables an endpoint.
const FAILING_CONTINUOUSLY: &str = "failing_continuously";
/// The receiver answered 410 Gone: it says the endpoint no longer exists.
const GONE: &str = "gone";

/// What one attempt's HTTP exchange gave.
#[derive(Default)]
struct Exchange {
    status_code: Option<u16>,
    error: Option<String>,
    body: Option<String>,
    duration: Duration,
    /// The receiver's `Retry-After`, in seconds or as an HTTP date.
    retry_after: Option<Duration>,
    /// Nothing was sent: the format had nothing to send for the message, or kycore itself
    /// failed to render it. Either says nothing about the receiver, so neither ends nor
    /// extends its failing streak.
    not_sent: bool,
    /// The case's own receiver, when the format sent there instead of the endpoint's URL.
    case_receiver: Option<String>,
}

/// What a format made of a message: its requests, and the URL they go to when it is not the
/// endpoint's.
struct Rendered {
    requests: Vec<OutgoingRequest>,
    destination: Option<String>,
}

impl Exchange {
    fn failed(error: impl Into<String>) -> Exchange {
        Exchange {
            error: Some(error.into()),
            ..Exchange::default()
        }
    }

    fn gone(&self) -> bool {
        self.status_code == Some(410)
    }

    /// A 410 from the endpoint's own URL: the endpoint no longer exists. One case's
    /// receiver saying so ends that delivery, never the endpoint.
    fn endpoint_gone(&self) -> bool {
        self.gone() && self.case_receiver.is_none()
    }

    /// A 2xx, or nothing to send (a format may make no request of an event).
    fn succeeded(&self) -> bool {
        match self.status_code {
            Some(code) => (200..300).contains(&code),
            None => self.error.is_none(),
        }
    }
}

impl Services {
    /// Installs the webhook formats (once; the HTTP edge does it when it builds the app).
    pub fn install_webhook_formats(&self, formats: Formats) {
        // A second app over the same services (tests) brings the same formats.
        let _ = self.webhook_runtime().formats.set(formats);
    }

    pub(crate) fn webhook_formats(&self) -> &Formats {
        static NONE: OnceLock<Formats> = OnceLock::new();
        self.webhook_runtime()
            .formats
            .get()
            .unwrap_or_else(|| NONE.get_or_init(Formats::default))
    }

    /// Makes the delivery worker look for work now rather than at its next poll.
    pub(crate) fn wake_webhooks(&self) {
        self.webhook_runtime().wake.notify_one();
    }

    fn webhook_settings(&self) -> &WebhookSettings {
        &self.config().webhooks
    }

    /// Delivers webhooks until `shutdown`: fans out new events, claims due deliveries and
    /// runs up to `max_in_flight` attempts at once. Attempts cut short by shutdown are
    /// claimed again after their lease.
    pub async fn run_webhook_worker(&self, shutdown: CancellationToken) {
        let mut running = JoinSet::new();
        // This process's commits of new events wake the worker at once; the poll finds due
        // retries and other processes' events.
        let mut committed = self.store().watch_events();
        let mut finished = Vec::new();
        loop {
            while let Some(done) = running.try_join_next() {
                finished.extend(done.ok());
            }
            self.settle_logged(std::mem::take(&mut finished)).await;
            if let Err(e) = self.fan_out_all().await {
                tracing::warn!(error = %e, "fanning webhooks out failed");
            }
            let free = self
                .webhook_settings()
                .max_in_flight
                .saturating_sub(running.len());
            if free > 0 {
                match self.claim_deliveries(free).await {
                    Ok(claimed) => {
                        for attempt in claimed {
                            let services = self.clone();
                            running.spawn(async move { services.attempt(attempt).await });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming webhook deliveries failed"),
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.webhook_settings().poll_interval) => {}
                () = self.webhook_runtime().wake.notified() => {}
                Ok(()) = committed.changed() => {}
                Some(done) = running.join_next(), if !running.is_empty() => {
                    finished.extend(done.ok());
                    // Let a few more finish, so one claim refills several slots and one unit
                    // settles several attempts.
                    tokio::time::sleep(REFILL_PAUSE).await;
                }
            }
        }
        // Attempts under way get a moment to finish and record themselves; any cut short is
        // attempted again once its lease runs out.
        let finishing = async {
            while let Some(done) = running.join_next().await {
                finished.extend(done.ok());
            }
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, finishing)
            .await
            .is_err()
        {
            running.abort_all();
        }
        self.settle_logged(finished).await;
    }

    /// Settles finished attempts; a failure is logged, and those deliveries are attempted
    /// again once their leases run out.
    async fn settle_logged(&self, finished: Vec<Finished>) {
        if finished.is_empty() {
            return;
        }
        if let Err(e) = self.settle_attempts(finished).await {
            tracing::warn!(error = %e, "recording webhook attempts failed; they run again after their lease");
        }
    }

    /// Fans out, then claims and runs one batch of due deliveries, all at once; returns how
    /// many attempts ran. Tests call this to drive delivery step by step.
    pub async fn deliver_due_webhooks(&self) -> Result<usize, ServiceError> {
        self.fan_out_all().await?;
        let claimed = self
            .claim_deliveries(self.webhook_settings().max_in_flight)
            .await?;
        let count = claimed.len();
        let attempts = claimed.into_iter().map(|a| self.attempt(a));
        let finished = futures_util::future::join_all(attempts).await;
        self.settle_attempts(finished).await?;
        Ok(count)
    }

    async fn fan_out_all(&self) -> Result<(), ServiceError> {
        // An idle worker reads, never writes: a write unit costs SQLite an fsync.
        let reader = self.store().reader();
        let from = stored::fanout_position(reader).await?;
        if events::after_all(reader, from, 1).await?.is_empty() {
            return Ok(());
        }
        while self.fan_out_webhooks().await? >= FANOUT_BATCH {}
        Ok(())
    }

    /// Fans the next page of the outbox out into deliveries; returns how many events it read.
    pub(crate) async fn fan_out_webhooks(&self) -> Result<i64, ServiceError> {
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<i64, ServiceError>> {
                    Box::pin(async move {
                        let conn = tx.conn().await?;
                        let from = stored::lock_fanout(conn).await?;
                        let page = events::after_all(&mut *conn, from, FANOUT_BATCH).await?;
                        let Some(last) = page.last().and_then(|e| e.position) else {
                            return Ok(0);
                        };
                        let now = now_millis();
                        let mut endpoints: Vec<(Scope, Vec<Subscriber>)> = Vec::new();
                        let mut rows = Vec::new();
                        for event in &page {
                            let scope = (event.organization_id.clone(), event.environment.clone());
                            let index = match endpoints.iter().position(|(s, _)| *s == scope) {
                                Some(i) => i,
                                None => {
                                    let mut of_scope = Vec::new();
                                    for e in
                                        stored::enabled_endpoints(&mut *conn, &scope.0, &scope.1)
                                            .await?
                                    {
                                        let patterns = patterns_of(&e)?;
                                        of_scope.push((e, patterns));
                                    }
                                    endpoints.push((scope, of_scope));
                                    endpoints.len() - 1
                                }
                            };
                            let Some(position) = event.position else {
                                continue;
                            };
                            for (endpoint, patterns) in &endpoints[index].1 {
                                // An endpoint gets the events that happened since it was created.
                                if endpoint.created_at <= event.created_at
                                    && subscribes(patterns.as_deref(), &event.event_type)
                                {
                                    rows.push(delivery_for(endpoint, &event.id, position, now));
                                }
                            }
                        }
                        stored::insert_deliveries(conn, &rows).await?;
                        stored::set_fanout(conn, last).await?;
                        Ok(i64::try_from(page.len()).unwrap_or(i64::MAX))
                    })
                },
            )
            .await
    }

    /// Claims up to `limit` due deliveries, each with its endpoint (read once per claim) and
    /// its message's content (read for the whole claim at once, `content.rs`).
    async fn claim_deliveries(&self, limit: usize) -> Result<Vec<Claimed>, ServiceError> {
        let token = random_alphanumeric(24);
        if !stored::any_due(self.store().reader(), now_millis()).await? {
            return Ok(Vec::new());
        }
        let settings = self.webhook_settings();
        let backend = self.store().backend();
        let claim_token = token.clone();
        let lease = millis(settings.timeout * 2 + LEASE_MARGIN);
        let per_endpoint = settings.per_endpoint_concurrency;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let claimed = self
            .store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Vec<DeliveryRecord>, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let claim = DeliveryClaim {
                            token: &claim_token,
                            now,
                            lease_until: now + lease,
                            per_endpoint,
                            per_failing_endpoint: FAILING_ENDPOINT_CONCURRENCY,
                            limit,
                        };
                        Ok(stored::claim(tx.conn().await?, backend, &claim).await?)
                    })
                },
            )
            .await?;
        let contents = self.load_contents(&claimed).await;
        let mut endpoints: Vec<EndpointRecord> = Vec::new();
        let mut attempts = Vec::with_capacity(claimed.len());
        for (delivery, content) in claimed.into_iter().zip(contents) {
            let known = endpoints.iter().find(|e| e.id == delivery.endpoint_id);
            let endpoint = match known {
                Some(endpoint) => endpoint.clone(),
                None => {
                    let reader = self.store().reader();
                    // Deleted meanwhile: its deliveries went with it.
                    let Some(endpoint) =
                        stored::endpoint_by_id(reader, &delivery.endpoint_id).await?
                    else {
                        continue;
                    };
                    endpoints.push(endpoint.clone());
                    endpoint
                }
            };
            attempts.push(Claimed {
                delivery,
                endpoint,
                content,
                token: token.clone(),
            });
        }
        Ok(attempts)
    }

    /// Runs one claimed attempt; what it gave is settled with others ([`Self::settle_attempts`]).
    async fn attempt(&self, claimed: Claimed) -> Finished {
        let Claimed {
            delivery,
            endpoint,
            content,
            token,
        } = claimed;
        let attempted_at = now_millis();
        let rendered = match content {
            Ok(content) => (self
                .render(&delivery, &endpoint, &content, attempted_at)
                .await)
                .map_err(Arc::new),
            Err(unread) => Err(unread),
        };
        let exchange = match rendered {
            // Most formats show only some events: a message with nothing to send is delivered.
            Ok(Rendered { requests, .. }) if requests.is_empty() => Exchange {
                not_sent: true,
                ..Exchange::default()
            },
            Ok(Rendered {
                requests,
                destination: None,
            }) => self.send_all(&endpoint.url, requests).await,
            Ok(Rendered {
                requests,
                destination: Some(url),
            }) => Exchange {
                case_receiver: Some(url.clone()),
                ..self.send_all(&url, requests).await
            },
            Err(e) => {
                tracing::warn!(error = %e, delivery = %delivery.id, "rendering a webhook failed");
                Exchange {
                    not_sent: true,
                    ..Exchange::failed(format!("kycore could not render the message: {e}"))
                }
            }
        };
        self.finish(delivery, endpoint, token, exchange, attempted_at)
    }

    /// The requests the endpoint's format makes of the delivery's content, and where.
    async fn render(
        &self,
        delivery: &DeliveryRecord,
        endpoint: &EndpointRecord,
        content: &Content,
        attempted_at: Millis,
    ) -> Result<Rendered, ServiceError> {
        let scope = parse_stored(&delivery.organization_id, &delivery.environment)?;
        let key = self.organization_key(&scope).await?;
        let sealed = open_secrets(&key, endpoint)?;
        let secrets = sealed.signing(attempted_at);
        let format = self
            .webhook_formats()
            .get(&endpoint.format)
            .ok_or_else(|| {
                ServiceError::internal(format!(
                    "webhook format `{}` is not installed",
                    endpoint.format
                ))
            })?;
        let message = Message {
            webhook_id: &delivery.id,
            scope: &scope,
            event: &content.event,
            case: content.case.as_deref(),
            flow: content.flow.as_deref(),
            secrets: &secrets,
            attempted_at: datetime_of(attempted_at),
        };
        let requests = format
            .requests(&message)
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        Ok(Rendered {
            requests: with_endpoint_headers(requests, &sealed.headers),
            destination: format.destination(&message),
        })
    }

    /// Sends the requests in order, stopping at the first that fails; the last exchange
    /// (the failing one, or the last success) is the attempt's.
    async fn send_all(&self, url: &str, requests: Vec<OutgoingRequest>) -> Exchange {
        let allow_private = self.webhook_settings().allow_private_targets;
        let parsed = match ssrf::parse_url(url) {
            Ok(parsed) => parsed,
            Err(refusal) => return Exchange::failed(refusal.message),
        };
        if let Some(ip) = ssrf::refused_literal(&parsed, allow_private) {
            return Exchange::failed(format!("refused: {ip} is not a public address"));
        }
        // All of a format's requests end within twice the timeout, well inside the lease, so
        // no other claim can take the delivery while they run.
        let deadline = self.webhook_settings().timeout * 2;
        let sending = async {
            let mut last = Exchange::default();
            for request in requests {
                last = self.send(parsed.clone(), request).await;
                if !last.succeeded() {
                    break;
                }
            }
            last
        };
        tokio::time::timeout(deadline, sending)
            .await
            .unwrap_or_else(|_| Exchange::failed("timeout: the requests took too long"))
    }

    async fn send(&self, url: url::Url, request: OutgoingRequest) -> Exchange {
        let mut builder = self
            .webhook_runtime()
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let started = Instant::now();
        let answered = builder.body(request.body).send().await;
        let mut exchange = match answered {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                // Only the first KB is kept: a receiver answering with an endless or huge body
                // costs us one KB and the rest of the timeout, never memory.
                let mut body = Vec::new();
                let mut error = None;
                while body.len() < KEPT_BODY_BYTES {
                    match response.chunk().await {
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => {
                            error = Some(describe(&e));
                            break;
                        }
                    }
                }
                body.truncate(KEPT_BODY_BYTES);
                Exchange {
                    status_code: Some(status),
                    error: error.filter(|_| !(200..300).contains(&status)),
                    body: Some(String::from_utf8_lossy(&body).into_owned()),
                    retry_after,
                    ..Exchange::default()
                }
            }
            Err(e) => Exchange::failed(describe(&e)),
        };
        exchange.duration = started.elapsed();
        exchange
    }

    /// What an attempt gave: its log row and how its delivery goes on.
    fn finish(
        &self,
        delivery: DeliveryRecord,
        endpoint: EndpointRecord,
        token: String,
        exchange: Exchange,
        attempted_at: Millis,
    ) -> Finished {
        let settings = self.webhook_settings();
        let now = now_millis();
        let gone = exchange.endpoint_gone();
        let not_sent = exchange.not_sent;
        let outcome = if exchange.succeeded() {
            Settlement::Delivered
        } else if exchange.gone() {
            Settlement::Failed
        } else {
            let waits = &settings.retry_schedule;
            let used = usize::try_from(delivery.attempts.max(1) - 1).unwrap_or(usize::MAX);
            match waits.get(used) {
                // A receiver asking for a longer pause (429, 503) gets it.
                Some(wait) => {
                    let asked = exchange
                        .retry_after
                        .map_or(0, |w| millis(w.min(MAX_RETRY_AFTER)));
                    Settlement::RetryAt(now + jittered(*wait).max(asked))
                }
                None => Settlement::Failed,
            }
        };
        let metrics = self.metrics();
        metrics
            .webhook_latency
            .observe(exchange.duration.as_secs_f64());
        let result = match outcome {
            Settlement::Delivered => "delivered",
            Settlement::RetryAt(_) => "retrying",
            Settlement::Failed => "failed",
        };
        metrics
            .webhook_attempts
            .get_or_create(&DeliveryResultLabel { result })
            .inc();
        let attempt = AttemptRecord {
            id: WebhookAttemptId::generate().to_string(),
            organization_id: delivery.organization_id.clone(),
            environment: delivery.environment.clone(),
            endpoint_id: endpoint.id.clone(),
            delivery_id: delivery.id.clone(),
            event_id: delivery.event_id.clone(),
            url: exchange
                .case_receiver
                .clone()
                .unwrap_or_else(|| endpoint.url.clone()),
            status_code: exchange.status_code.map(i64::from),
            error: exchange.error,
            duration_ms: i64::try_from(exchange.duration.as_millis()).unwrap_or(i64::MAX),
            response_body: exchange.body,
            attempted_at,
        };
        Finished {
            delivery_id: delivery.id,
            endpoint,
            token,
            attempt,
            outcome,
            gone,
            not_sent,
        }
    }

    /// Logs finished attempts and settles their deliveries, all in one unit: the attempts in
    /// multi-row inserts, the delivered (and the failed for good) in one statement per claim,
    /// each retry with its own time. Every exchange is logged, even one whose delivery another
    /// claim holds now (a lease that ran out, a redelivery); only the holder settles. A success
    /// that ends an endpoint's failing streak releases its waiting retries; a failure extends
    /// the streak, and a streak of `disable_after` or a 410 disables the endpoint.
    async fn settle_attempts(&self, finished: Vec<Finished>) -> Result<(), ServiceError> {
        if finished.is_empty() {
            return Ok(());
        }
        let disable_after = millis(self.webhook_settings().disable_after);
        let released = self
            .store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<u64, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let attempts: Vec<AttemptRecord> =
                            finished.iter().map(|f| f.attempt.clone()).collect();
                        stored::insert_attempts(tx.conn().await?, &attempts).await?;
                        let settled = settle_deliveries(tx, &finished, now).await?;
                        let mut released = 0;
                        for (endpoint, succeeded) in endpoints_settled(&finished, &settled) {
                            let conn = tx.conn().await?;
                            if succeeded {
                                // Retries wait only behind a failing streak; ending it releases them.
                                if stored::mark_succeeding(conn, &endpoint.id).await? {
                                    released +=
                                        stored::release_endpoint(conn, &endpoint.id, now).await?;
                                }
                                continue;
                            }
                            let since = stored::mark_failing(conn, &endpoint.id, now).await?;
                            let gone = finished
                                .iter()
                                .any(|f| f.gone && f.endpoint.id == endpoint.id);
                            if gone {
                                disable_endpoint(tx, endpoint, GONE, now).await?;
                            } else if since.is_some_and(|since| now - since >= disable_after) {
                                disable_endpoint(tx, endpoint, FAILING_CONTINUOUSLY, now).await?;
                            }
                        }
                        Ok(released)
                    })
                },
            )
            .await?;
        if released > 0 {
            self.wake_webhooks();
        }
        Ok(())
    }
}

/// A claimed delivery with its endpoint, its message's content and the claim's token.
struct Claimed {
    delivery: DeliveryRecord,
    endpoint: EndpointRecord,
    content: Loaded,
    token: String,
}

/// An attempt that ran, waiting to be settled.
struct Finished {
    delivery_id: String,
    endpoint: EndpointRecord,
    token: String,
    attempt: AttemptRecord,
    outcome: Settlement,
    /// The endpoint's URL answered 410: the endpoint is disabled.
    gone: bool,
    /// kycore's own failure: it neither extends nor ends the endpoint's failing streak.
    not_sent: bool,
}

/// Settles what the claims still hold; returns the ids of the deliveries settled.
async fn settle_deliveries(
    tx: &mut Tx,
    finished: &[Finished],
    now: Millis,
) -> Result<Vec<String>, ServiceError> {
    let mut settled = Vec::new();
    for outcome in [Final::Delivered, Final::Failed] {
        let wanted = match outcome {
            Final::Delivered => Settlement::Delivered,
            Final::Failed => Settlement::Failed,
        };
        let mut tokens: Vec<&str> = finished
            .iter()
            .filter(|f| f.outcome == wanted)
            .map(|f| f.token.as_str())
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        for token in tokens {
            let ids: Vec<&str> = finished
                .iter()
                .filter(|f| f.outcome == wanted && f.token == token)
                .map(|f| f.delivery_id.as_str())
                .collect();
            let conn = tx.conn().await?;
            settled.extend(stored::settle_held(conn, token, &ids, outcome, now).await?);
        }
    }
    for f in finished {
        if let Settlement::RetryAt(_) = f.outcome
            && stored::settle(tx.conn().await?, &f.delivery_id, &f.token, f.outcome, now).await?
        {
            settled.push(f.delivery_id.clone());
        }
    }
    Ok(settled)
}

/// Each endpoint with a settled attempt that reached it, once, and whether any of its
/// attempts succeeded: a streak is of attempts that all failed, so one success among
/// failures ends it.
fn endpoints_settled<'f>(
    finished: &'f [Finished],
    settled: &[String],
) -> Vec<(&'f EndpointRecord, bool)> {
    let mut endpoints: Vec<(&EndpointRecord, bool)> = Vec::new();
    let counted = finished
        .iter()
        .filter(|f| !f.not_sent && settled.contains(&f.delivery_id));
    for f in counted {
        let succeeded = f.outcome == Settlement::Delivered;
        match endpoints.iter_mut().find(|(e, _)| e.id == f.endpoint.id) {
            Some((_, any_succeeded)) => *any_succeeded |= succeeded,
            None => endpoints.push((&f.endpoint, succeeded)),
        }
    }
    endpoints
}

/// Disables an endpoint that kept failing or said it is gone, with its event and audit entry.
async fn disable_endpoint(
    tx: &mut Tx,
    endpoint: &EndpointRecord,
    reason: &str,
    now: Millis,
) -> Result<(), ServiceError> {
    if !stored::disable(tx.conn().await?, &endpoint.id, reason, now).await? {
        return Ok(());
    }
    let scope = parse_stored(&endpoint.organization_id, &endpoint.environment)?;
    tx.append_event(event_row(
        &scope,
        EventType::WebhookEndpointDisabled,
        None,
        None,
        json!({ "endpoint_id": endpoint.id, "reason": reason }),
        now,
    ));
    let entry = AuditEntry {
        action: "webhook_endpoint.disabled",
        target_type: "webhook_endpoint",
        target_id: &endpoint.id,
        case_id: None,
        detail: json!({ "reason": reason }),
    };
    audit(
        tx,
        &scope,
        &Principal::System(SystemComponent::Webhooks),
        entry,
        now,
    );
    tracing::warn!(endpoint = %endpoint.id, reason, "disabled a webhook endpoint");
    Ok(())
}

/// `wait` give or take 20 %, so retries of many deliveries that failed together spread out.
fn jittered(wait: Duration) -> Millis {
    let factor = rand::rng().random_range(0.8..=1.2);
    millis(wait.mul_f64(factor))
}

/// A `Retry-After` value: delay seconds, or an HTTP date (a date past gives no wait).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn millis(d: Duration) -> Millis {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// An HTTP error with its causes, e.g. `error sending request: connection refused`.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timeout: no answer within the time limit".to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let later =
            httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
        let wait = parse_retry_after(&later).expect("a date");
        assert!(wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-5"), None);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..100 {
            let wait = jittered(Duration::from_secs(100));
            assert!((80_000..=120_000).contains(&wait), "{wait}");
        }
    }
}
