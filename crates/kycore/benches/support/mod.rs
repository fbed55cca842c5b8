//! What the benchmarks share: a real kycore server on loopback over a given database, and
//! concurrent HTTP clients creating cases.

#![allow(dead_code)] // each benchmark uses part of this

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kycore_services::crypto::MasterKey;
use kycore_services::{Deployment, ServiceConfig, Services};
use serde_json::{Value, json};

/// Concurrent HTTP clients of the load phases.
pub const CLIENTS: usize = 64;

/// A kycore server on loopback with its sandbox secret key.
pub struct Server {
    pub base: String,
    pub auth: String,
    pub services: Services,
    pub client: reqwest::Client,
}

impl Server {
    /// Starts the real application over `url`, as `kycore serve` does, with the per-key
    /// rate limit off (every request here comes from one key). `configure` adjusts the
    /// services' configuration.
    pub async fn start(
        url: &str,
        data_dir: &std::path::Path,
        configure: impl FnOnce(ServiceConfig) -> ServiceConfig,
    ) -> Server {
        let deployment = Deployment::open(url).await.expect("open database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (services, keys) = Services::start(
            deployment,
            &MasterKey::generate(),
            configure(ServiceConfig::new(base.clone(), data_dir)),
        )
        .await
        .expect("start");
        let keys = keys.expect("a new deployment");
        let unlimited = kycore_server::RateLimits {
            per_key_per_second: 0,
            ..kycore_server::RateLimits::default()
        };
        let app = kycore_server::app_with(services.clone(), &unlimited);
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
        Server {
            base,
            auth: format!("Bearer {}", keys.sandbox.secret_key),
            services,
            client,
        }
    }

    /// One request; panics unless it succeeds. Returns the JSON body (null when empty).
    pub async fn send(&self, request: &Request) -> Value {
        let response = match request {
            Request::Post(path, body) => {
                self.client.post(format!("{}{path}", self.base)).json(body)
            }
            Request::Get(path) => self.client.get(format!("{}{path}", self.base)),
            Request::Delete(path) => self.client.delete(format!("{}{path}", self.base)),
        }
        .header("authorization", &self.auth)
        .send()
        .await
        .expect("request");
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        let body: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("json body")
        };
        assert!(status.is_success(), "{status}: {body}");
        body
    }

    /// Sends `total` requests from [`CLIENTS`] concurrent workers; returns the wall time,
    /// every latency, and the ids of created objects.
    pub async fn run(
        self: &Arc<Self>,
        total: usize,
        make: impl Fn(usize) -> Request + Send + Sync + 'static,
    ) -> (Duration, Vec<Duration>, Vec<String>) {
        let make = Arc::new(make);
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..CLIENTS {
            let (server, make, next) = (Arc::clone(self), make.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut ids = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return (latencies, ids);
                    }
                    let t = Instant::now();
                    let body = server.send(&make(i)).await;
                    latencies.push(t.elapsed());
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
}

pub enum Request {
    Post(String, Value),
    Get(String),
    Delete(String),
}

/// A KYC case with an inline applicant, the API's most common write.
pub fn create_request(i: usize) -> Request {
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

/// The value at quantile `q` of sorted durations.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

pub fn report(what: &str, count: usize, elapsed: Duration, mut latencies: Vec<Duration>) {
    latencies.sort_unstable();
    println!(
        "{what}: {count} in {:.2} s = {:.0}/s with {CLIENTS} clients; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        quantile(&latencies, 0.50).as_secs_f64() * 1e3,
        quantile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3,
    );
}
