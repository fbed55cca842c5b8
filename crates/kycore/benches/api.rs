//! End-to-end API benchmark (run: `cargo bench -p kycore --bench api`).
//!
//! Serves the real application on loopback over the embedded, durable SQLite default (WAL,
//! `synchronous=FULL`: a 2xx means the row is on disk) and drives it with 64 concurrent HTTP
//! clients in the same process. Reports case creations/s with p50/p99, reads/s of a case, and
//! the start-up time and idle memory of the real `kycore serve` binary.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kycore_services::crypto::MasterKey;
use kycore_services::{Deployment, ServiceConfig, Services};
use serde_json::{Value, json};
use sqlx::{Connection, Row};

const CLIENTS: usize = 64;
const CREATIONS: usize = 30_000;
const READS: usize = 60_000;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let deployment = Deployment::open(&url).await.expect("open database");
    report_durability(&url).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (services, keys) = Services::start(
        deployment,
        &MasterKey::generate(),
        ServiceConfig::new(base.clone(), dir.path()),
    )
    .await
    .expect("start");
    let keys = keys.expect("a new deployment");
    // The per-key rate limit is off: this measures what the server can do, and every
    // request here comes from one key.
    let unlimited = kycore_server::RateLimits {
        per_key_per_second: 0,
        ..kycore_server::RateLimits::default()
    };
    let app = kycore_server::app_with(services, &unlimited);
    tokio::spawn(kycore_server::serve(
        listener,
        app,
        kycore_server::ServeLimits::default(),
        std::future::pending(),
    ));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let auth = format!("Bearer {}", keys.sandbox.secret_key);

    run(&client, &base, &auth, 500, create_request).await; // warm-up
    let (elapsed, latencies, ids) = run(&client, &base, &auth, CREATIONS, |i| {
        create_request(i + 1_000_000)
    })
    .await;
    report(
        "case creations (POST /v1/cases, durable)",
        CREATIONS,
        elapsed,
        latencies,
    );

    let ids = Arc::new(ids);
    let (elapsed, latencies, _) = run(&client, &base, &auth, READS, move |i| {
        Request::Get(format!("/v1/cases/{}", ids[i % ids.len()]))
    })
    .await;
    report("case reads (GET /v1/cases/{id})", READS, elapsed, latencies);

    report_process_figures();
}

enum Request {
    Post(String, Value),
    Get(String),
}

fn create_request(i: usize) -> Request {
    Request::Post(
        "/v1/cases".into(),
        json!({
            "kind": "kyc",
            "external_id": format!("bench-{i}"),
            "applicant": {"type": "individual", "external_id": format!("user-{i}"),
                "individual": {"first_name": "Ada", "last_name": format!("Bench{i}"),
                    "date_of_birth": "1974-08-12", "nationality": "SE", "email": format!("u{i}@example.com"),
                    "address": {"line1": "1 Main St", "city": "Stockholm", "country": "SE"}}},
        }),
    )
}

/// Sends `total` requests from `CLIENTS` concurrent workers; returns the wall time, every
/// latency, and the ids of created objects.
async fn run(
    client: &reqwest::Client,
    base: &str,
    auth: &str,
    total: usize,
    make: impl Fn(usize) -> Request + Send + Sync + 'static,
) -> (Duration, Vec<Duration>, Vec<String>) {
    let make = Arc::new(make);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        let (client, base, auth, make, next) = (
            client.clone(),
            base.to_owned(),
            auth.to_owned(),
            make.clone(),
            next.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return (latencies, ids);
                }
                let t = Instant::now();
                let response = match make(i) {
                    Request::Post(path, body) => client.post(format!("{base}{path}")).json(&body),
                    Request::Get(path) => client.get(format!("{base}{path}")),
                }
                .header("authorization", &auth)
                .send()
                .await
                .expect("request");
                let status = response.status();
                let body: Value = response.json().await.expect("json body");
                latencies.push(t.elapsed());
                assert!(status.is_success(), "{status}: {body}");
                if let Some(id) = body.get("id").and_then(Value::as_str) {
                    ids.push(id.to_owned());
                }
            }
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut ids = Vec::new();
    for w in workers {
        let (l, i) = w.await.expect("worker");
        latencies.extend(l);
        ids.extend(i);
    }
    (started.elapsed(), latencies, ids)
}

fn report(what: &str, count: usize, elapsed: Duration, mut latencies: Vec<Duration>) {
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{what}: {count} in {:.2} s = {:.0}/s with {CLIENTS} clients; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3,
    );
}

/// The journal mode the database file keeps (WAL). That every store connection commits
/// with `synchronous=FULL` is the store's own setting, checked by its test suite.
async fn report_durability(url: &str) {
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connection");
    let journal: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .expect("pragma")
        .get(0);
    println!("SQLite journal_mode={journal}; the store commits with synchronous=FULL (fsync)");
}

/// Start-up time (process start to first 200 from /healthz) and idle RSS of `kycore serve`.
fn report_process_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    for label in ["first start (initializes the data dir)", "restart"] {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kycore"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn kycore");
        while !healthy(port) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "kycore did not start"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let startup = started.elapsed();
        std::thread::sleep(Duration::from_secs(2));
        let rss = rss_kib(child.id());
        println!(
            "kycore serve {label}: ready in {:.0} ms; idle RSS {:.1} MiB",
            startup.as_secs_f64() * 1e3,
            rss as f64 / 1024.0
        );
        let _ = Command::new("kill").arg(child.id().to_string()).status();
        let _ = child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}
