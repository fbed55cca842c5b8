//! Abuse, as an attacker would try it: connections that send nothing or dribble their
//! headers, more connections than the server takes, a body that stalls, guessing keys, and
//! one key flooding the API. Each is cut off or answered 429 with `Retry-After`, and the
//! refusals are counted in `/metrics`.

use std::time::{Duration, Instant};

use kycore_store::testing::TestDatabase;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Edge, TestApp};

fn address(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

/// Whether the server closes `stream` within `within`, having sent nothing (or only an
/// error answer) first.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

async fn spawn(edge: Edge) -> (TestApp, TestDatabase) {
    let db = TestDatabase::sqlite();
    (TestApp::spawn_edge(&db, |config| config, edge).await, db)
}

#[tokio::test]
async fn silent_and_slow_clients_are_cut_off() {
    let mut edge = Edge::unlimited();
    edge.serve_limits.header_read_timeout = Duration::from_secs(1);
    let (app, _db) = spawn(edge).await;
    let mut silent = Vec::new();
    for i in 0..60 {
        let mut stream = TcpStream::connect(address(&app)).await.unwrap();
        if i % 2 == 0 {
            // Half send part of their headers and stop; the rest send nothing at all.
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: kycore\r\nX-Slow: ")
                .await
                .unwrap();
        }
        silent.push(stream);
    }
    // A client that finished a request and then sits on the kept-alive connection.
    let mut idle = TcpStream::connect(address(&app)).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: kycore\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 256];
    let n = idle.read(&mut answer).await.unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));

    for stream in silent.iter_mut().chain(std::iter::once(&mut idle)) {
        assert!(
            closed_within(stream, Duration::from_secs(5)).await,
            "a connection outlived the header timeout"
        );
    }
    // Meanwhile, and after, the server answers others.
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn connections_past_the_limit_wait_until_one_closes() {
    let mut edge = Edge::unlimited();
    edge.serve_limits.max_connections = 4;
    edge.serve_limits.header_read_timeout = Duration::from_secs(60);
    let (app, _db) = spawn(edge).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(address(&app)).await.unwrap());
    }
    // The listener accepted the four; a fifth client is not served while they are open.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::new();
    let waiting = tokio::spawn({
        let url = app.url("/healthz");
        async move { client.get(url).send().await.map(|r| r.status()) }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!waiting.is_finished(), "served past the connection limit");
    drop(held.pop());
    let status = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("served once a connection closed")
        .unwrap()
        .unwrap();
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_that_stalls_is_cut_off() {
    let mut edge = Edge::unlimited();
    edge.serve_limits.body_idle_timeout = Duration::from_secs(1);
    let (app, _db) = spawn(edge).await;
    let mut stream = TcpStream::connect(address(&app)).await.unwrap();
    let head = format!(
        "POST /v1/cases HTTP/1.1\r\nHost: kycore\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"kind\":",
        app.sandbox.secret
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the stalled request was still open after 10 s"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let text = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || text.starts_with("HTTP/1.1 4"),
        "a stalled body gets a 4xx or the connection closed: {text}"
    );
}

async fn refused_count(app: &TestApp, reason: &str) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("kycore_http_requests_refused_total{{reason=\"{reason}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn guessing_keys_from_one_address_is_refused_for_a_while() {
    let mut edge = Edge::unlimited();
    edge.rate_limits.auth_failures_per_minute = 5;
    edge.rate_limits.client_ip_header =
        Some(reqwest::header::HeaderName::from_static("x-forwarded-for"));
    let (app, _db) = spawn(edge).await;
    let guess = |from: &'static str, key: String| {
        app.client
            .get(app.url("/v1/cases"))
            .bearer_auth(key)
            .header("x-forwarded-for", from)
            .send()
    };
    let mut statuses = Vec::new();
    for i in 0..8 {
        let response = guess("198.51.100.7", format!("kc_test_guess{i}"))
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..5], [401; 5], "{statuses:?}");
    assert_eq!(statuses[7], 429, "{statuses:?}");
    // Refused before its key is looked at: even the right key waits, with a time to wait.
    let blocked = guess("198.51.100.7", app.sandbox.secret.clone())
        .await
        .unwrap();
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        blocked.headers()["content-type"],
        "application/problem+json"
    );
    let wait: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = blocked.json().await.unwrap();
    assert_eq!(body["code"], "too_many_failed_authentications");
    // Another address is not affected.
    let other = guess("203.0.113.9", app.sandbox.secret.clone())
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert!(refused_count(&app, "auth_failures").await >= 2);
}

#[tokio::test]
async fn one_key_flooding_the_api_is_slowed_down_alone() {
    let mut edge = Edge::unlimited();
    edge.rate_limits.per_key_per_second = 5;
    let (app, _db) = spawn(edge).await;
    let mut limited = None;
    for _ in 0..40 {
        let response = app
            .client
            .get(app.url("/v1/cases"))
            .bearer_auth(&app.sandbox.secret)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
    }
    let limited = limited.expect("40 requests at once never hit a rate of 5 per second");
    assert!(limited.headers().contains_key("retry-after"));
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // Another key of the same organization has its own rate.
    let other = app
        .client
        .get(app.url("/v1/cases"))
        .bearer_auth(&app.live.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert!(refused_count(&app, "key_rate_limit").await >= 1);
}
