//! Webhook delivery benchmark (run: `cargo bench -p kycore --bench webhooks`; with
//! `KYCORE_BENCH_DATABASE_URL=postgres://…` it runs on PostgreSQL too, in a schema of its own).
//!
//! The real application and its delivery worker on loopback, delivering to a keep-alive
//! HTTP receiver in the same process, with production's delivery settings except that the
//! receiver's loopback address is allowed. Four measures:
//!
//! 1. **drain**: a backlog of events made while the worker was stopped, delivered by the
//!    worker alone;
//! 2. **burst**: deliveries while 64 clients create cases as fast as the server takes them,
//!    until the last one arrives;
//! 3. **latency**: from the 2xx of a case creation to the receipt of its `case.created`, at
//!    a steady rate well below saturation;
//! 4. **recovery**: a receiver answering 503 while 150 events happen over 15 s, then 200:
//!    the time from its recovery until it has every event.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_services::ServiceConfig;
use kycore_store::testing::TestDatabase;
use serde_json::{Value, json};
use support::{Request, Server, create_request, quantile};
use tokio_util::sync::CancellationToken;

/// `applicant.created` and `case.created`: a case with an inline applicant makes both.
const EVENTS_PER_CASE: usize = 2;
const BACKLOG: usize = 5_000;
const BURST: usize = 5_000;
const PACED: usize = 500;
const PACED_PER_SECOND: u64 = 50;
const OUTAGE_EVENTS: usize = 150;
const OUTAGE: Duration = Duration::from_secs(15);

#[tokio::main]
async fn main() {
    let sqlite = TestDatabase::sqlite();
    run("SQLite (embedded, durable)", &sqlite.url).await;
    if let Ok(base) = std::env::var("KYCORE_BENCH_DATABASE_URL") {
        let postgres = TestDatabase::postgres(&base).await;
        run("PostgreSQL", &postgres.url).await;
        postgres.cleanup().await;
    }
}

async fn run(label: &str, url: &str) {
    println!("== {label}");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Arc::new(
        Server::start(url, dir.path(), |mut config: ServiceConfig| {
            config.webhooks.allow_private_targets = true;
            config
        })
        .await,
    );
    let receiver = Receiver::start().await;
    let endpoint = server
        .send(&Request::Post(
            "/v1/webhook_endpoints".into(),
            json!({"url": receiver.url}),
        ))
        .await;

    // 1. Drain: the backlog is made with no worker running.
    server.run(BACKLOG, create_request).await;
    let worker = Worker::start(&server);
    let started = Instant::now();
    let cpu = cpu_seconds();
    let backlog = BACKLOG * EVENTS_PER_CASE;
    receiver.wait_for(backlog, Duration::from_secs(600)).await;
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu;
    println!(
        "drain of a {backlog}-event backlog: {:.2} s = {:.0} deliveries/s; \
         {:.0} µs of this process's CPU per delivery",
        elapsed.as_secs_f64(),
        backlog as f64 / elapsed.as_secs_f64(),
        cpu * 1e6 / backlog as f64
    );

    // 2. Burst: creations and deliveries at once.
    receiver.reset();
    let started = Instant::now();
    let (created_in, _, _) = server.run(BURST, |i| create_request(i + 1_000_000)).await;
    let during = receiver.count();
    let events = BURST * EVENTS_PER_CASE;
    receiver.wait_for(events, Duration::from_secs(600)).await;
    let elapsed = started.elapsed();
    println!(
        "burst of {BURST} case creations ({:.0}/s, {events} events): {during} delivered while it \
         lasted ({:.0}/s); all delivered {:.2} s after it began = {:.0} deliveries/s",
        BURST as f64 / created_in.as_secs_f64(),
        during as f64 / created_in.as_secs_f64(),
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64()
    );

    // 3. Latency at a steady rate.
    receiver.reset();
    let mut acknowledged = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / PACED_PER_SECOND));
    for i in 0..PACED {
        tick.tick().await;
        let case = server.send(&create_request(2_000_000 + i)).await;
        let id = case["id"].as_str().expect("case id").to_owned();
        acknowledged.insert(id, Instant::now());
    }
    receiver
        .wait_for(PACED * EVENTS_PER_CASE, Duration::from_secs(60))
        .await;
    let mut latencies: Vec<Duration> = receiver
        .arrivals()
        .into_iter()
        .filter(|(_, body)| body["type"] == "case.created")
        .filter_map(|(at, body)| {
            let case_id = body["data"]["case_id"].as_str()?.to_owned();
            Some(at.saturating_duration_since(*acknowledged.get(&case_id)?))
        })
        .collect();
    assert_eq!(latencies.len(), PACED, "every paced case arrived once");
    latencies.sort_unstable();
    println!(
        "latency from a creation's 2xx to its webhook's receipt, {PACED_PER_SECOND} creations/s: \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(quantile(&latencies, 0.5)),
        ms(quantile(&latencies, 0.99)),
        ms(latencies[latencies.len() - 1]),
    );

    // 4. Recovery after an outage, on a receiver of its own.
    let endpoint_id = endpoint["id"].as_str().expect("endpoint id");
    server
        .send(&Request::Delete(format!(
            "/v1/webhook_endpoints/{endpoint_id}"
        )))
        .await;
    let down = Receiver::start().await;
    down.status.store(503, Ordering::SeqCst);
    server
        .send(&Request::Post(
            "/v1/webhook_endpoints".into(),
            json!({"url": down.url, "events": ["case.created"]}),
        ))
        .await;
    let gap = OUTAGE / u32::try_from(OUTAGE_EVENTS).expect("a small count");
    for i in 0..OUTAGE_EVENTS {
        server.send(&create_request(3_000_000 + i)).await;
        tokio::time::sleep(gap).await;
    }
    let failed = down.attempts();
    down.reset();
    down.status.store(200, Ordering::SeqCst);
    let recovered = Instant::now();
    down.wait_for(OUTAGE_EVENTS, Duration::from_secs(600)).await;
    println!(
        "recovery: {OUTAGE_EVENTS} events made over a {} s outage ({failed} failed attempts) \
         were all delivered {:.2} s after the receiver recovered",
        OUTAGE.as_secs(),
        recovered.elapsed().as_secs_f64()
    );

    worker.stop().await;
}

/// CPU time this process has used (user and system), from /proc: the server, its worker,
/// SQLite and the receiver, not a PostgreSQL server.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The delivery worker, as `kycore serve` runs it.
struct Worker {
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    fn start(server: &Server) -> Worker {
        let shutdown = CancellationToken::new();
        let services = server.services.clone();
        let token = shutdown.clone();
        let task = tokio::spawn(async move { services.run_webhook_worker(token).await });
        Worker { shutdown, task }
    }

    async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}

/// A keep-alive HTTP receiver answering every POST with `status`, counting the distinct
/// `webhook-id`s it answered with a 2xx.
#[derive(Clone)]
struct Receiver {
    url: String,
    status: Arc<AtomicU16>,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    delivered: HashSet<String>,
    attempts: usize,
    arrivals: Vec<(Instant, Bytes)>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let receiver = Receiver {
            url: format!("http://{}/hook", listener.local_addr().expect("addr")),
            status: Arc::new(AtomicU16::new(200)),
            seen: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver") });
        receiver
    }

    fn count(&self) -> usize {
        self.seen.lock().expect("lock").delivered.len()
    }

    fn attempts(&self) -> usize {
        self.seen.lock().expect("lock").attempts
    }

    fn reset(&self) {
        *self.seen.lock().expect("lock") = Seen::default();
    }

    fn arrivals(&self) -> Vec<(Instant, Value)> {
        let seen = self.seen.lock().expect("lock");
        seen.arrivals
            .iter()
            .map(|(at, body)| (*at, serde_json::from_slice(body).expect("JSON body")))
            .collect()
    }

    async fn wait_for(&self, count: usize, limit: Duration) {
        let started = Instant::now();
        while self.count() < count {
            assert!(
                started.elapsed() < limit,
                "only {} of {count} deliveries arrived",
                self.count()
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> StatusCode {
    let at = Instant::now();
    let status = receiver.status.load(Ordering::SeqCst);
    let mut seen = receiver.seen.lock().expect("lock");
    seen.attempts += 1;
    if (200..300).contains(&status) {
        let id = headers
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        seen.delivered.insert(id);
        seen.arrivals.push((at, body));
    }
    StatusCode::from_u16(status).expect("a status")
}
