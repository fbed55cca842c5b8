//! Webhooks: endpoints (CRUD, validation, tenancy, the SSRF guard), Standard Webhooks
//! signatures checked by the specification's reference library for Python, delivery to real
//! receivers on loopback — failing then recovering, recovering releases the backlog at once,
//! a receiver that never answers delays nobody else, `Retry-After` is heeded, redirects,
//! endless bodies and silence are bounded — rotation, redelivery and replay, the delivery log
//! and disabling an endpoint that keeps failing or answers 410 Gone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use base64::Engine;
use kycore_services::ServiceConfig;
use kycore_services::webhooks::WebhookSettings;
use kycore_store::testing::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::helpers::{TestApp, send};

/// One request a receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: String,
    /// The status the receiver answered with.
    pub(crate) status: u16,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// A webhook receiver on loopback: answers `status` (or never, when `hang`), failing the
/// first `fail_first` requests with 503, with a `Retry-After` header when one is set, and
/// records every request.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    pub(crate) url: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    fail_first: Arc<AtomicUsize>,
    hang: Arc<AtomicBool>,
    retry_after: Arc<Mutex<Option<String>>>,
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> (AxumStatus, HeaderMap) {
    if receiver.hang.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    let status = if receiver
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        503
    } else {
        receiver.status.load(Ordering::SeqCst)
    };
    receiver.received.lock().unwrap().push(Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        status,
    });
    let mut answer = HeaderMap::new();
    if let Some(wait) = receiver.retry_after.lock().unwrap().as_deref() {
        answer.insert("retry-after", wait.parse().unwrap());
    }
    (AxumStatus::from_u16(status).unwrap(), answer)
}

impl Receiver {
    pub(crate) async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut receiver = Receiver {
            url: format!("http://{}/hook", listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        receiver.status.store(200, Ordering::SeqCst);
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        receiver.url = receiver.url.clone();
        receiver
    }

    /// Answers `status` from now on.
    pub(crate) fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// Fails the next `n` requests with 503.
    pub(crate) fn fail_next(&self, n: usize) {
        self.fail_first.store(n, Ordering::SeqCst);
    }

    pub(crate) fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The events received with a 2xx answer, by event id.
    fn delivered_event_ids(&self) -> BTreeSet<String> {
        self.all()
            .iter()
            .filter(|r| (200..300).contains(&r.status))
            .map(|r| r.json()["data"]["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Settings for delivering to loopback receivers, with retries `wait` apart.
pub(crate) fn settings(wait: Duration) -> WebhookSettings {
    WebhookSettings {
        allow_private_targets: true,
        retry_schedule: vec![wait; 7],
        poll_interval: Duration::from_millis(20),
        ..WebhookSettings::default()
    }
}

async fn spawn(db: &TestDatabase, webhooks: WebhookSettings) -> TestApp {
    TestApp::spawn_with(db, |config| ServiceConfig { webhooks, ..config }).await
}

/// Runs the test once per configured database with the given delivery settings.
pub(crate) async fn for_each_database_with<F, Fut>(webhooks: WebhookSettings, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in TestDatabase::all().await {
        let app = spawn(&db, webhooks.clone()).await;
        test(app).await;
        db.cleanup().await;
    }
}

pub(crate) async fn create_endpoint(app: &TestApp, key: &str, body: Value) -> Value {
    app.post_json(key, "/v1/webhook_endpoints", &body, StatusCode::CREATED)
        .await
}

/// A receiver answering `status`, an endpoint for it and a case whose events were attempted
/// there; returns the receiver and the endpoint's id.
async fn endpoint_answering(app: &TestApp, key: &str, status: u16) -> (Receiver, String) {
    let receiver = Receiver::start().await;
    receiver.status.store(status, Ordering::SeqCst);
    let endpoint = create_endpoint(app, key, json!({"url": receiver.url})).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    app.create_case(key).await;
    deliver_until(app, || !receiver.all().is_empty()).await;
    (receiver, id)
}

/// Delivers until `done` holds, at most 5 s.
pub(crate) async fn deliver_until(app: &TestApp, mut done: impl FnMut() -> bool) {
    for _ in 0..250 {
        app.services.deliver_due_webhooks().await.unwrap();
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the deliveries did not arrive in time");
}

/// The ids of every event of the sandbox, oldest first.
async fn event_ids(app: &TestApp) -> BTreeSet<String> {
    app.list_ids(&app.sandbox.secret, "/v1/events")
        .await
        .into_iter()
        .collect()
}

/// Checks a delivery with the Standard Webhooks reference library for Python; `Err` with
/// its message when it refuses.
fn verify_with_reference_library(secret: &str, received: &Received) -> Result<(), String> {
    let script = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
request = json.load(sys.stdin)
Webhook(request["secret"]).verify(request["body"], request["headers"])
"#;
    let input = json!({
        "secret": secret,
        "body": received.body,
        "headers": {
            "webhook-id": received.header("webhook-id"),
            "webhook-timestamp": received.header("webhook-timestamp"),
            "webhook-signature": received.header("webhook-signature"),
        },
    });
    let output = crate::helpers::run_python(script, &input);
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[tokio::test]
async fn endpoints_are_created_listed_changed_and_deleted_per_tenant() {
    // Private targets refused, as in production; endpoints point at a public literal address.
    crate::helpers::for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let created = create_endpoint(
            &app,
            &key,
            json!({"url": "https://93.184.215.14/hooks", "description": "ops", "events": ["case.*", "document.accepted"]}),
        )
        .await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("whep_"), "{id}");
        assert_eq!(created["enabled"], true);
        assert_eq!(created["format"], "native");
        let secret = created["secret"].as_str().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        assert!(decoded.len() >= 24);

        let got = app
            .get_json(&key, &format!("/v1/webhook_endpoints/{id}"))
            .await;
        assert!(got.get("secret").is_none(), "the secret is shown only once");
        assert_eq!(got["events"], json!(["case.*", "document.accepted"]));

        let second = create_endpoint(&app, &key, json!({"url": "https://93.184.215.14/b"})).await;
        assert_eq!(second["events"], Value::Null);
        let page = app
            .get_json(&key, "/v1/webhook_endpoints?limit=1")
            .await;
        assert_eq!(page["data"][0]["id"], second["id"], "newest first");
        assert_eq!(page["has_more"], true);
        let next = app
            .get_json(
                &key,
                &format!(
                    "/v1/webhook_endpoints?limit=1&starting_after={}",
                    page["next_cursor"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(next["data"][0]["id"], created["id"]);

        let patched = send(app.request_json(
            Method::PATCH,
            &format!("/v1/webhook_endpoints/{id}"),
            &key,
            &json!({"description": null, "events": null, "enabled": false}),
        ))
        .await
        .json(StatusCode::OK);
        assert_eq!(patched["description"], Value::Null);
        assert_eq!(patched["events"], Value::Null);
        assert_eq!(patched["enabled"], false);

        // Another tenant sees none of it.
        for other in [&app.other_sandbox.secret, &app.live.secret] {
            app.get_problem(
                other,
                &format!("/v1/webhook_endpoints/{id}"),
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
            assert!(app.list(other, "/v1/webhook_endpoints").await.is_empty());
            app.get_problem(
                other,
                &format!("/v1/webhook_endpoints/{id}/attempts"),
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
            let reply = send(app.request(
                Method::DELETE,
                &format!("/v1/webhook_endpoints/{id}"),
                other,
            ))
            .await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND);
        }

        let reply = send(app.request(Method::DELETE, &format!("/v1/webhook_endpoints/{id}"), &key)).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        app.get_problem(
            &key,
            &format!("/v1/webhook_endpoints/{id}"),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn bad_endpoints_are_refused_with_the_field_and_a_stable_code() {
    crate::helpers::for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let long = format!("https://93.184.215.14/{}", "a".repeat(10 * 1024));
        let cases = [
            (
                json!({"url": "ftp://93.184.215.14/x"}),
                "url",
                "unsupported_scheme",
            ),
            (
                json!({"url": "https://user:pw@93.184.215.14/x"}),
                "url",
                "url_has_credentials",
            ),
            (json!({"url": long}), "url", "url_too_long"),
            (
                json!({"url": "http://127.0.0.1:9/x"}),
                "url",
                "private_address",
            ),
            (
                json!({"url": "http://10.0.0.8/x"}),
                "url",
                "private_address",
            ),
            (
                json!({"url": "http://169.254.169.254/latest/meta-data"}),
                "url",
                "private_address",
            ),
            (json!({"url": "http://[::1]/x"}), "url", "private_address"),
            (
                json!({"url": "http://100.64.1.1/x"}),
                "url",
                "private_address",
            ),
            (
                json!({"url": "https://93.184.215.14/x", "events": ["case.*", "nope.happened"]}),
                "events[1]",
                "unknown_event_type",
            ),
            (
                json!({"url": "https://93.184.215.14/x", "format": "carrier_pigeon"}),
                "format",
                "unknown_format",
            ),
        ];
        for (body, field, code) in cases {
            let problem = app
                .post_problem(
                    &key,
                    "/v1/webhook_endpoints",
                    &body,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
            let errors = problem["errors"].as_array().unwrap();
            assert!(
                errors
                    .iter()
                    .any(|e| e["field"] == field && e["code"] == code),
                "{body}: expected {field}/{code}, got {errors:?}"
            );
        }
        assert!(app.list(&key, "/v1/webhook_endpoints").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn deliveries_are_signed_as_standard_webhooks_say_and_carry_no_personal_data() {
    for_each_database_with(settings(Duration::from_millis(10)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        let endpoint = create_endpoint(&app, &key, json!({"url": receiver.url, "events": ["case.*"]})).await;
        let secret = endpoint["secret"].as_str().unwrap().to_owned();
        let case = app
            .create_case_with(
                &key,
                json!({"kind": "kyc", "applicant": crate::helpers::individual("SE"),
                       "metadata": {"crm": "secret-value"}, "redirect_url": "https://shop.example/done"}),
            )
            .await;
        let case_id = case["id"].as_str().unwrap().to_owned();
        deliver_until(&app, || !receiver.all().is_empty()).await;

        let got = receiver.all().remove(0);
        verify_with_reference_library(&secret, &got).unwrap();
        assert!(got.header("webhook-id").starts_with("msg_"));
        let body = got.json();
        assert_eq!(body["type"], "case.created");
        assert_eq!(body["data"]["case_id"], case_id.as_str());
        assert_eq!(body["data"]["sequence"], 1);
        assert_eq!(body["data"]["case"]["id"], case_id.as_str());
        assert_eq!(body["data"]["case"]["status"], "created");
        for personal in ["metadata", "redirect_url", "token", "verification_url"] {
            assert!(body["data"]["case"].get(personal).is_none(), "{personal} leaked");
        }
        assert!(!got.body.contains("secret-value") && !got.body.contains("shop.example"));

        // A tampered body or another secret fails the same verifier.
        let mut tampered = got.clone();
        tampered.body = tampered.body.replace("case.created", "case.decided");
        assert!(verify_with_reference_library(&secret, &tampered).is_err());
        assert!(
            verify_with_reference_library("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", &got).is_err()
        );

        // The log has the attempt.
        let attempts = app
            .list(&key, &format!("/v1/webhook_endpoints/{}/attempts", endpoint["id"].as_str().unwrap()))
            .await;
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0]["status_code"], 200);
        assert_eq!(attempts[0]["event_id"], body["data"]["id"]);
        assert_eq!(attempts[0]["message_id"], got.header("webhook-id"));
        assert!(attempts[0]["duration_ms"].as_i64().unwrap() >= 0);
        for limit in [0, 101] {
            app.get_problem(
                &key,
                &format!(
                    "/v1/webhook_endpoints/{}/attempts?limit={limit}",
                    endpoint["id"].as_str().unwrap()
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_limit",
            )
            .await;
        }

        let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("kycore_webhook_attempts_total{result=\"delivered\"} 1"), "{metrics}");
        assert!(metrics.contains("kycore_webhook_attempt_duration_seconds_count 1"), "{metrics}");
    })
    .await;
}

#[tokio::test]
async fn a_receiver_failing_for_a_while_gets_every_event_once_it_recovers() {
    for_each_database_with(settings(Duration::from_millis(30)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        receiver.fail_first.store(12, Ordering::SeqCst);
        create_endpoint(&app, &key, json!({"url": receiver.url})).await;
        for _ in 0..4 {
            app.create_case(&key).await;
        }
        let expected = event_ids(&app).await;
        assert!(expected.len() >= 4);
        deliver_until(&app, || receiver.delivered_event_ids() == expected).await;
        let all = receiver.all();
        assert!(all.iter().filter(|r| r.status == 503).count() >= 12);
        // Duplicates come only from retries after failures: one success per event.
        let successes = all.iter().filter(|r| r.status == 200).count();
        assert_eq!(successes, expected.len());
        // Every attempt of an event carries the same webhook-id.
        let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in &all {
            ids.entry(r.json()["data"]["id"].as_str().unwrap().to_owned())
                .or_default()
                .insert(r.header("webhook-id").to_owned());
        }
        assert!(ids.values().all(|set| set.len() == 1), "{ids:?}");
    })
    .await;
}

#[tokio::test]
async fn a_success_releases_the_endpoints_waiting_retries_at_once() {
    // Retries an hour apart: only the release can bring the backlog in during the test. One
    // delivery in flight per endpoint, so the arrival order is the release order.
    let webhooks = WebhookSettings {
        per_endpoint_concurrency: 1,
        ..settings(Duration::from_secs(3600))
    };
    for_each_database_with(webhooks, |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        receiver.status.store(503, Ordering::SeqCst);
        let endpoint = create_endpoint(&app, &key, json!({"url": receiver.url})).await;
        for _ in 0..3 {
            app.create_case(&key).await;
        }
        let waiting = event_ids(&app).await.len();
        deliver_until(&app, || receiver.all().len() >= waiting).await;
        assert_eq!(
            app.services.deliver_due_webhooks().await.unwrap(),
            0,
            "retries wait"
        );
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let backlog = format!(
            "kycore_webhook_backlog{{endpoint_id=\"{}\"}} {waiting}",
            endpoint["id"].as_str().unwrap()
        );
        assert!(metrics.contains(&backlog), "{metrics}");

        receiver.status.store(200, Ordering::SeqCst);
        app.create_case(&key).await;
        let expected = event_ids(&app).await;
        // The new event's success makes the waiting ones due: one round each, no waiting.
        for _ in 0..expected.len() {
            app.services.deliver_due_webhooks().await.unwrap();
        }
        assert_eq!(receiver.delivered_event_ids(), expected);
        // The new case's events first (they were due), then the released ones in commit order.
        let delivered: Vec<i64> = receiver
            .all()
            .iter()
            .filter(|r| r.status == 200)
            .map(|r| r.json()["data"]["position"].as_i64().unwrap())
            .collect();
        let first_success = delivered[0];
        let released: Vec<i64> = delivered
            .into_iter()
            .filter(|p| *p < first_success)
            .collect();
        assert_eq!(released.len(), waiting);
        let mut sorted = released.clone();
        sorted.sort_unstable();
        assert_eq!(released, sorted);
    })
    .await;
}

#[tokio::test]
async fn receivers_that_never_answer_do_not_delay_another_endpoint() {
    let webhooks = WebhookSettings {
        timeout: Duration::from_secs(15),
        ..settings(Duration::from_millis(10))
    };
    for_each_database_with(webhooks, |app| async move {
        let key = app.sandbox.secret.clone();
        // Three dead endpoints, created first: the oldest backlog is theirs.
        for _ in 0..3 {
            let dead = Receiver::start().await;
            dead.hang.store(true, Ordering::SeqCst);
            create_endpoint(&app, &key, json!({"url": dead.url})).await;
        }
        let alive = Receiver::start().await;
        create_endpoint(&app, &key, json!({"url": alive.url})).await;
        let shutdown = tokio_util::sync::CancellationToken::new();
        let worker = {
            let services = app.services.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move { services.run_webhook_worker(shutdown).await })
        };
        for _ in 0..8 {
            app.create_case(&key).await;
        }
        let expected = event_ids(&app).await;
        let started = std::time::Instant::now();
        while alive.delivered_event_ids() != expected {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the live endpoint waited for the dead one"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        shutdown.cancel();
        worker.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one_during_the_overlap() {
    for_each_database_with(settings(Duration::from_millis(10)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        let endpoint = create_endpoint(&app, &key, json!({"url": receiver.url})).await;
        let id = endpoint["id"].as_str().unwrap();
        let old = endpoint["secret"].as_str().unwrap().to_owned();
        let rotated = app
            .post_json(
                &key,
                &format!("/v1/webhook_endpoints/{id}/rotate_secret"),
                &json!({}),
                StatusCode::OK,
            )
            .await;
        let new = rotated["secret"].as_str().unwrap().to_owned();
        assert_ne!(old, new);
        app.create_case(&key).await;
        deliver_until(&app, || !receiver.all().is_empty()).await;
        let got = receiver.all().remove(0);
        let signatures: Vec<&str> = got.header("webhook-signature").split(' ').collect();
        assert_eq!(signatures.len(), 2, "{signatures:?}");
        assert!(signatures.iter().all(|s| s.starts_with("v1,")));
        verify_with_reference_library(&old, &got).unwrap();
        verify_with_reference_library(&new, &got).unwrap();

        // Without an overlap, only the new secret signs.
        let rotated = app
            .post_json(
                &key,
                &format!("/v1/webhook_endpoints/{id}/rotate_secret"),
                &json!({"overlap_seconds": 0}),
                StatusCode::OK,
            )
            .await;
        let newest = rotated["secret"].as_str().unwrap().to_owned();
        app.create_case(&key).await;
        let all = event_ids(&app).await.len();
        deliver_until(&app, || receiver.all().len() >= all).await;
        let got = receiver.all().pop().unwrap();
        assert_eq!(got.header("webhook-signature").split(' ').count(), 1);
        verify_with_reference_library(&newest, &got).unwrap();
        assert!(verify_with_reference_library(&new, &got).is_err());
    })
    .await;
}

#[tokio::test]
async fn events_are_redelivered_and_replayed_with_their_webhook_ids() {
    for_each_database_with(settings(Duration::from_millis(10)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        let endpoint = create_endpoint(&app, &key, json!({"url": receiver.url})).await;
        let endpoint_id = endpoint["id"].as_str().unwrap().to_owned();
        app.create_case(&key).await;
        app.create_case(&key).await;
        let expected = event_ids(&app).await;
        deliver_until(&app, || receiver.delivered_event_ids() == expected).await;
        let first = receiver.all();
        let event_id = expected.iter().next().unwrap().clone();

        let redelivered = app
            .post_json(
                &key,
                &format!("/v1/events/{event_id}/redeliver"),
                &json!({}),
                StatusCode::ACCEPTED,
            )
            .await;
        assert_eq!(redelivered["endpoint_ids"], json!([endpoint_id]));
        deliver_until(&app, || receiver.all().len() == first.len() + 1).await;
        let again = receiver.all().pop().unwrap();
        assert_eq!(again.json()["data"]["id"], event_id.as_str());
        let original = first
            .iter()
            .find(|r| r.json()["data"]["id"] == event_id.as_str())
            .unwrap();
        assert_eq!(again.header("webhook-id"), original.header("webhook-id"));

        let since = kycore_services::time_format::rfc3339(
            kycore_services::time_format::now_millis() - 3_600_000,
        );
        let replayed = app
            .post_json(
                &key,
                &format!("/v1/webhook_endpoints/{endpoint_id}/replay"),
                &json!({ "since": since }),
                StatusCode::ACCEPTED,
            )
            .await;
        assert_eq!(replayed["queued"], expected.len());
        let before = receiver.all().len();
        deliver_until(&app, || receiver.all().len() == before + expected.len()).await;
        let replay: BTreeSet<String> = receiver.all()[before..]
            .iter()
            .map(|r| r.json()["data"]["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(replay, expected);

        app.post_problem(
            &key,
            &format!("/v1/webhook_endpoints/{endpoint_id}/replay"),
            &json!({"since": "yesterday"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        // Another tenant can neither redeliver nor replay.
        app.post_problem(
            &app.other_sandbox.secret,
            &format!("/v1/events/{event_id}/redeliver"),
            &json!({}),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_url_that_now_points_inside_is_refused_at_delivery() {
    // The guard is on: the endpoint is saved with a public address, then (as a DNS change
    // would) its URL comes to point at loopback.
    crate::helpers::for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        let endpoint =
            create_endpoint(&app, &key, json!({"url": "https://93.184.215.14/hook"})).await;
        let id = endpoint["id"].as_str().unwrap().to_owned();
        let mut conn = sqlx::AnyConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::query("UPDATE webhook_endpoints SET url = $1 WHERE id = $2")
            .bind(receiver.url.clone())
            .bind(id.clone())
            .execute(&mut conn)
            .await
            .unwrap();
        app.create_case(&key).await;
        app.services.deliver_due_webhooks().await.unwrap();
        assert!(receiver.all().is_empty(), "nothing reached loopback");
        let attempts = app
            .list(&key, &format!("/v1/webhook_endpoints/{id}/attempts"))
            .await;
        assert_eq!(attempts.len(), event_ids(&app).await.len());
        for attempt in &attempts {
            assert_eq!(attempt["status_code"], Value::Null);
            assert!(
                attempt["error"]
                    .as_str()
                    .unwrap()
                    .contains("not a public address"),
                "{attempts:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn an_endpoint_failing_for_days_is_disabled_with_an_event() {
    for_each_database_with(settings(Duration::from_millis(10)), |app| async move {
        let key = app.sandbox.secret.clone();
        let (receiver, id) = endpoint_answering(&app, &key, 500).await;
        // The streak began six days ago.
        let six_days_ago = kycore_services::time_format::now_millis() - 6 * 24 * 3_600_000;
        let mut conn = sqlx::AnyConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::query("UPDATE webhook_endpoints SET failing_since = $1 WHERE id = $2")
            .bind(six_days_ago)
            .bind(id.clone())
            .execute(&mut conn)
            .await
            .unwrap();
        app.create_case(&key).await;
        let before = receiver.all().len();
        deliver_until(&app, || receiver.all().len() > before).await;
        let got = app
            .get_json(&key, &format!("/v1/webhook_endpoints/{id}"))
            .await;
        assert_eq!(got["enabled"], false);
        assert_eq!(got["disabled_reason"], "failing_continuously");
        let events = app
            .list(&key, "/v1/events?type=webhook_endpoint.disabled")
            .await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["data"]["endpoint_id"], id.as_str());
        // Disabled: nothing more is attempted until it is enabled again.
        let before = receiver.all().len();
        tokio::time::sleep(Duration::from_millis(50)).await;
        app.services.deliver_due_webhooks().await.unwrap();
        assert_eq!(receiver.all().len(), before);

        receiver.status.store(200, Ordering::SeqCst);
        send(app.request_json(
            Method::PATCH,
            &format!("/v1/webhook_endpoints/{id}"),
            &key,
            &json!({"enabled": true}),
        ))
        .await
        .json(StatusCode::OK);
        deliver_until(&app, || !receiver.delivered_event_ids().is_empty()).await;
    })
    .await;
}

#[tokio::test]
async fn a_receiver_that_answers_gone_has_its_endpoint_disabled_at_once() {
    for_each_database_with(settings(Duration::from_millis(10)), |app| async move {
        let key = app.sandbox.secret.clone();
        let (receiver, id) = endpoint_answering(&app, &key, 410).await;
        let got = app
            .get_json(&key, &format!("/v1/webhook_endpoints/{id}"))
            .await;
        assert_eq!(got["enabled"], false);
        assert_eq!(got["disabled_reason"], "gone");
        let events = app
            .list(&key, "/v1/events?type=webhook_endpoint.disabled")
            .await;
        assert_eq!(events.len(), 1);
        // No retry: the receiver said the endpoint is gone.
        let attempted = receiver.all().len();
        tokio::time::sleep(Duration::from_millis(50)).await;
        app.services.deliver_due_webhooks().await.unwrap();
        assert_eq!(receiver.all().len(), attempted);
    })
    .await;
}

#[tokio::test]
async fn retry_after_postpones_the_next_attempt_until_a_success_releases_it() {
    for_each_database_with(settings(Duration::from_millis(10)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        receiver.status.store(429, Ordering::SeqCst);
        *receiver.retry_after.lock().unwrap() = Some("3600".to_owned());
        create_endpoint(&app, &key, json!({"url": receiver.url})).await;
        app.create_case(&key).await;
        let events = event_ids(&app).await.len();
        deliver_until(&app, || receiver.all().len() >= events).await;
        // The schedule says 10 ms; the receiver asked for an hour.
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            app.services.deliver_due_webhooks().await.unwrap();
        }
        assert_eq!(
            receiver.all().len(),
            events,
            "retried before the asked pause"
        );

        // A later event that gets through shows the receiver is back: the waiting
        // delivery goes at once.
        receiver.status.store(200, Ordering::SeqCst);
        *receiver.retry_after.lock().unwrap() = None;
        app.create_case(&key).await;
        let expected = event_ids(&app).await;
        deliver_until(&app, || receiver.delivered_event_ids() == expected).await;
    })
    .await;
}

/// A raw HTTP peer on loopback that answers every connection with `answer` (bytes written
/// after the request head), then, when `endless`, streams body chunks until the client
/// goes away; with `answer` empty it never answers.
async fn raw_receiver(answer: &'static str, endless: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = socket.read(&mut head).await;
                if answer.is_empty() {
                    std::future::pending::<()>().await;
                }
                if socket.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("4000\r\n{}\r\n", "x".repeat(0x4000));
                while endless && socket.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    url
}

#[tokio::test]
async fn receivers_that_redirect_stream_forever_or_stay_silent_are_bounded_and_logged() {
    let webhooks = WebhookSettings {
        timeout: Duration::from_millis(800),
        ..settings(Duration::from_secs(3600))
    };
    for_each_database_with(webhooks, |app| async move {
        let key = app.sandbox.secret.clone();
        let target = Receiver::start().await;
        let redirect: &'static str = Box::leak(
            format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {}\r\ncontent-length: 0\r\n\r\n",
                target.url
            )
            .into_boxed_str(),
        );
        let urls = [
            ("redirect", raw_receiver(redirect, false).await),
            (
                "endless",
                raw_receiver(
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
                    true,
                )
                .await,
            ),
            (
                "huge",
                raw_receiver(
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 104857600\r\n\r\n",
                    true,
                )
                .await,
            ),
            ("silent", raw_receiver("", false).await),
        ];
        let mut endpoints = BTreeMap::new();
        for (name, url) in &urls {
            let endpoint = create_endpoint(&app, &key, json!({"url": url})).await;
            endpoints.insert(*name, endpoint["id"].as_str().unwrap().to_owned());
        }
        app.create_case(&key).await;
        let started = std::time::Instant::now();
        app.services.deliver_due_webhooks().await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the attempts were not bounded: {:?}",
            started.elapsed()
        );
        // One attempt per event and endpoint; each endpoint's first is looked at.
        let events = event_ids(&app).await.len();
        let mut attempts = BTreeMap::new();
        for (name, id) in &endpoints {
            let logged = app
                .list(&key, &format!("/v1/webhook_endpoints/{id}/attempts"))
                .await;
            assert_eq!(logged.len(), events, "{name}: {logged:?}");
            attempts.insert(*name, logged[0].clone());
        }
        let attempt = |name: &str| attempts[name].clone();
        let redirected = attempt("redirect");
        assert_eq!(redirected["status_code"], 307);
        assert!(target.all().is_empty(), "the redirect was followed");
        for name in ["endless", "huge"] {
            let streamed = attempt(name);
            let kept = streamed["response_body"].as_str().unwrap_or_default();
            assert!(
                !kept.is_empty() && kept.len() <= 1024,
                "{name}: {} bytes kept",
                kept.len()
            );
        }
        assert_eq!(attempt("endless")["status_code"], 200);
        assert_eq!(attempt("huge")["status_code"], 500);
        let silent = attempt("silent");
        assert_eq!(silent["status_code"], Value::Null);
        assert!(
            silent["error"].as_str().unwrap().contains("timeout"),
            "{silent}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_message_kycore_cannot_render_does_not_count_against_the_endpoint() {
    for_each_database_with(settings(Duration::from_millis(10)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        let endpoint = create_endpoint(&app, &key, json!({"url": receiver.url})).await;
        let id = endpoint["id"].as_str().unwrap().to_owned();
        // A format this server does not have (as after a downgrade): kycore's own failure.
        let mut conn = sqlx::AnyConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::query("UPDATE webhook_endpoints SET format = 'from_the_future' WHERE id = $1")
            .bind(id.clone())
            .execute(&mut conn)
            .await
            .unwrap();
        app.create_case(&key).await;
        app.services.deliver_due_webhooks().await.unwrap();
        let attempts = app
            .list(&key, &format!("/v1/webhook_endpoints/{id}/attempts"))
            .await;
        assert!(!attempts.is_empty());
        for attempt in &attempts {
            assert!(
                attempt["error"]
                    .as_str()
                    .unwrap()
                    .starts_with("kycore could not render"),
                "{attempt}"
            );
        }
        assert!(receiver.all().is_empty(), "nothing was sent");
        let (failing_since,): (Option<i64>,) =
            sqlx::query_as("SELECT failing_since FROM webhook_endpoints WHERE id = $1")
                .bind(id.clone())
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(failing_since, None, "the receiver is not to blame");
    })
    .await;
}
