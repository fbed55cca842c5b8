//! Webhook delivery across real `kycore serve` processes: a server killed with SIGKILL in
//! the middle of a burst still delivers every change it acknowledged once restarted, and two
//! servers on one PostgreSQL database deliver each event once between them. The receivers
//! are real HTTP servers on loopback, which the servers may call only because
//! `KYCORE_ALLOW_PRIVATE_WEBHOOK_TARGETS=true` says so.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_store::testing::TestDatabase;
use serde_json::{Value, json};
use support::{Server, printed_sandbox_key};

const ALLOW_PRIVATE: (&str, &str) = ("KYCORE_ALLOW_PRIVATE_WEBHOOK_TARGETS", "true");

/// A receiver on loopback answering 200, counting deliveries per `webhook-id` and noting
/// the case of each `case.created`.
#[derive(Clone, Default)]
struct Receiver {
    url: String,
    deliveries: Arc<Mutex<BTreeMap<String, usize>>>,
    created_cases: Arc<Mutex<BTreeSet<String>>>,
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    *receiver.deliveries.lock().unwrap().entry(id).or_default() += 1;
    let message: Value = serde_json::from_slice(&body).unwrap();
    if message["type"] == "case.created" {
        let case = message["data"]["case_id"].as_str().unwrap().to_owned();
        receiver.created_cases.lock().unwrap().insert(case);
    }
    StatusCode::OK
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            url: format!("http://{}/hook", listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        receiver
    }

    /// Waits until every one of `cases` was announced, at most `limit`.
    async fn wait_for_cases(&self, cases: &BTreeSet<String>, limit: Duration) {
        let started = Instant::now();
        loop {
            let missing: Vec<String> = cases
                .difference(&self.created_cases.lock().unwrap())
                .cloned()
                .collect();
            if missing.is_empty() {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "{} acknowledged cases were never announced, e.g. {}",
                missing.len(),
                missing[0]
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn post(base: &str, key: &str, path: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn create_endpoint(base: &str, key: &str, url: &str) {
    let response = post(base, key, "/v1/webhook_endpoints", &json!({"url": url})).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
}

fn case_body(i: usize) -> Value {
    json!({"kind": "kyc", "external_id": format!("burst-{i}"), "applicant": {"type": "individual"}})
}

/// Creates `count` cases from 8 concurrent clients spread over `bases`, stopping early when
/// a server goes away; returns the ids of the cases acknowledged with a 2xx, and counts them
/// in `progress` as they come.
async fn create_cases(
    bases: &[String],
    key: &str,
    count: usize,
    progress: Arc<AtomicUsize>,
) -> BTreeSet<String> {
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..8 {
        let (bases, key) = (bases.to_vec(), key.to_owned());
        let progress = Arc::clone(&progress);
        clients.spawn(async move {
            let mut acknowledged = Vec::new();
            for i in (client..count).step_by(8) {
                let base = &bases[i % bases.len()];
                let Ok(response) = reqwest::Client::new()
                    .post(format!("{base}/v1/cases"))
                    .bearer_auth(&key)
                    .json(&case_body(i))
                    .send()
                    .await
                else {
                    break;
                };
                if !response.status().is_success() {
                    break;
                }
                let Ok(case) = response.json::<Value>().await else {
                    break;
                };
                acknowledged.push(case["id"].as_str().unwrap().to_owned());
                progress.fetch_add(1, Ordering::SeqCst);
            }
            acknowledged
        });
    }
    let mut acknowledged = BTreeSet::new();
    while let Some(ids) = clients.join_next().await {
        acknowledged.extend(ids.unwrap());
    }
    acknowledged
}

fn start(data_dir: &Path, database: Option<&str>) -> (Server, String) {
    let mut env = vec![ALLOW_PRIVATE];
    if let Some(url) = database {
        env.push(("KYCORE_DATABASE_URL", url));
    }
    Server::start_with(data_dir, None, &env)
}

#[tokio::test]
async fn a_server_killed_during_a_burst_delivers_every_acknowledged_change_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;

    // Without the setting, a loopback receiver is refused.
    let (guarded, printed) = Server::start(dir.path());
    let key = printed_sandbox_key(&printed);
    let refused = post(
        &guarded.base,
        &key,
        "/v1/webhook_endpoints",
        &json!({"url": receiver.url}),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "validation_failed", "{problem}");
    assert_eq!(problem["errors"][0]["code"], "private_address", "{problem}");
    guarded.crash();

    let (server, _) = start(dir.path(), None);
    create_endpoint(&server.base, &key, &receiver.url).await;
    let bases = vec![server.base.clone()];
    let progress = Arc::new(AtomicUsize::new(0));
    let burst = tokio::spawn({
        let (key, progress) = (key.clone(), Arc::clone(&progress));
        async move { create_cases(&bases, &key, 400, progress).await }
    });
    // SIGKILL while the burst runs: once some creations were acknowledged, whatever the
    // machine's speed.
    for _ in 0..3000 {
        if progress.load(Ordering::SeqCst) >= 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.crash();
    let acknowledged = burst.await.unwrap();
    assert!(
        !acknowledged.is_empty() && acknowledged.len() < 400,
        "the kill came during the burst ({} acknowledged)",
        acknowledged.len()
    );

    // Deliveries the killed server had claimed wait for their lease to run out (twice the
    // 15 s timeout and 5 s), and hold the endpoint's concurrency slots until then.
    let (server, _) = start(dir.path(), None);
    receiver
        .wait_for_cases(&acknowledged, Duration::from_secs(90))
        .await;
    server.crash();
}

#[tokio::test]
async fn two_servers_on_one_postgresql_database_deliver_each_event_once() {
    let Ok(base) = std::env::var(kycore_store::testing::POSTGRES_ENV) else {
        eprintln!(
            "skipped: {} is not set",
            kycore_store::testing::POSTGRES_ENV
        );
        return;
    };
    let db = TestDatabase::postgres(&base).await;
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    // The first server initializes the database; the second finds it ready.
    let (first, printed) = start(dir.path(), Some(&db.url));
    let key = printed_sandbox_key(&printed);
    let (second, _) = start(dir.path(), Some(&db.url));
    create_endpoint(&first.base, &key, &receiver.url).await;

    let bases = vec![first.base.clone(), second.base.clone()];
    let acknowledged = create_cases(&bases, &key, 200, Arc::default()).await;
    assert_eq!(acknowledged.len(), 200);
    receiver
        .wait_for_cases(&acknowledged, Duration::from_secs(30))
        .await;
    // Time for a second delivery of anything, had both servers claimed it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let deliveries = receiver.deliveries.lock().unwrap().clone();
    // Each case comes with its applicant: `applicant.created` and `case.created`.
    assert_eq!(deliveries.len(), 400, "one message per event");
    let twice: Vec<_> = deliveries.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    first.crash();
    second.crash();
    db.cleanup().await;
}
