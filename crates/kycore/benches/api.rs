//! End-to-end API benchmark (run: `cargo bench -p kycore --bench api`).
//!
//! Serves the real application on loopback over the embedded, durable SQLite default (WAL,
//! `synchronous=FULL`: a 2xx means the row is on disk) and drives it with 64 concurrent HTTP
//! clients in the same process. Reports case creations/s with p50/p99, reads/s of a case, and
//! the start-up time and idle memory of the real `kycore serve` binary.

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kycore_services::ServiceConfig;
use sqlx::{Connection, Row};
use support::{Request, Server, create_request, report};

const CREATIONS: usize = 30_000;
const READS: usize = 60_000;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let server = Arc::new(Server::start(&url, dir.path(), |config: ServiceConfig| config).await);
    report_durability(&url).await;

    server.run(500, create_request).await; // warm-up
    let (elapsed, latencies, ids) = server
        .run(CREATIONS, |i| create_request(i + 1_000_000))
        .await;
    report(
        "case creations (POST /v1/cases, durable)",
        CREATIONS,
        elapsed,
        latencies,
    );

    let ids = Arc::new(ids);
    let (elapsed, latencies, _) = server
        .run(READS, move |i| {
            Request::Get(format!("/v1/cases/{}", ids[i % ids.len()]))
        })
        .await;
    report("case reads (GET /v1/cases/{id})", READS, elapsed, latencies);

    report_process_figures();
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
