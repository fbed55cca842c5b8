//! `kycore lists` and `kycore screening` as an operator uses them, on the real list files in
//! `../shared/data`: import with progress, status, batch scoring and search, evaluation, a
//! server that serves the imported lists, and one that refreshes a list from a URL.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

fn watchlists() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/watchlists")
}

fn dpl() -> PathBuf {
    watchlists().join("us_bis_dpl/2023-11/dpl.txt")
}

fn ofac_consolidated() -> PathBuf {
    watchlists().join("us_ofac_non_sdn/2025-12_csv/cons_prim.csv")
}

fn kycore(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kycore"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("KYCORE_MASTER_KEY")
        .env_remove("KYCORE_DATABASE_URL")
        .output()
        .unwrap()
}

fn ok(output: Output) -> (String, String) {
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "stdout {stdout}\nstderr {stderr}");
    (stdout, stderr)
}

fn import(data_dir: &Path, file: &Path, extra: &[&str]) -> (String, String) {
    let mut args = vec!["lists", "import", file.to_str().unwrap()];
    args.extend(extra);
    ok(kycore(data_dir, &args))
}

/// An initialized data directory with the BIS Denied Persons List and the OFAC
/// Consolidated list imported; returns the sandbox secret key too.
fn deployment() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let (init, _) = ok(kycore(dir.path(), &["init", "--json"]));
    let init: Value = serde_json::from_str(&init).unwrap();
    let key = init["sandbox"]["secret_key"].as_str().unwrap().to_owned();
    let (stdout, stderr) = import(dir.path(), &dpl(), &["--format", "bis-dpl"]);
    assert!(
        stdout.starts_with("imported us_bis_dpl version wlv_"),
        "{stdout}"
    );
    assert!(stderr.contains("copying 100%"), "{stderr}");
    // The format is detected from the file when not given.
    let (stdout, _) = import(dir.path(), &ofac_consolidated(), &[]);
    assert!(
        stdout.starts_with("imported us_ofac_cons version"),
        "{stdout}"
    );
    (dir, key)
}

fn write_input(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(content.as_bytes())
        .unwrap();
    path
}

#[test]
fn imported_lists_are_recorded_copied_and_listed() {
    let (dir, _) = deployment();
    let (again, _) = import(dir.path(), &dpl(), &["--format", "bis-dpl"]);
    assert!(again.starts_with("us_bis_dpl is unchanged"), "{again}");

    let (status, _) = ok(kycore(dir.path(), &["lists", "status", "--json"]));
    let versions: Vec<Value> = serde_json::from_str(&status).unwrap();
    let lists: Vec<&str> = versions
        .iter()
        .map(|v| v["list_id"].as_str().unwrap())
        .collect();
    assert_eq!(lists, ["us_bis_dpl", "us_ofac_cons"]);
    for v in &versions {
        assert_eq!(v["status"], "ok");
        assert_eq!(v["current"], true);
        assert!(v["entity_count"].as_i64().unwrap() > 100, "{v}");
        assert!(v["name_count"].as_i64().unwrap() >= v["entity_count"].as_i64().unwrap());
        assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
        // The file was copied into the data directory, side files included.
        assert!(
            dir.path().join(v["path"].as_str().unwrap()).is_file(),
            "{v}"
        );
    }
    let ofac_dir = dir
        .path()
        .join(versions[1]["path"].as_str().unwrap())
        .parent()
        .unwrap()
        .to_path_buf();
    assert!(ofac_dir.join("cons_alt.csv").is_file());

    let (text, _) = ok(kycore(dir.path(), &["lists", "status"]));
    assert!(
        text.contains("us_bis_dpl") && text.contains("ok (current)"),
        "{text}"
    );
}

#[test]
fn a_file_that_is_not_the_format_given_is_refused() {
    let (dir, _) = deployment();
    let output = kycore(
        dir.path(),
        &[
            "lists",
            "import",
            dpl().to_str().unwrap(),
            "--format",
            "un-xml",
        ],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a un-xml list"));
    let unknown = write_input(dir.path(), "notes.txt", "hello\n");
    let output = kycore(dir.path(), &["lists", "import", unknown.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("pass --format"));
}

#[test]
fn score_appends_score_and_match_columns() {
    let (dir, _) = deployment();
    let input = write_input(
        dir.path(),
        "pairs.csv",
        "schema,name1,name2,note\n\
         Person,Jose Luis Arevalo Gonzalez,JOSE LUIS AREVALO-GONZALEZ,same\n\
         Company,FJ Technology Service Inc,FJ TECHNOLOGY SERVICE INC.,same\n\
         Person,Ada Lovelace,Brent Dell,different\n",
    );
    let (csv, _) = ok(kycore(
        dir.path(),
        &["screening", "score", "--input", input.to_str().unwrap()],
    ));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "schema,name1,name2,note,score,match");
    assert_eq!(lines.len(), 4);
    for (line, expected) in lines[1..].iter().zip(["true", "true", "false"]) {
        let fields: Vec<&str> = line.rsplitn(3, ',').collect();
        assert_eq!(fields[0], expected, "{line}");
        let score: f64 = fields[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&score), "{line}");
    }
}

#[test]
fn score_needs_no_list() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(
        dir.path(),
        "pairs.csv",
        "schema,name1,name2\n\
         Person,Bob Mugabe,Robert Mugabe\n\
         Company,Sberbank Open Joint Stock Company,SBERBANK OJSC\n\
         Person,Ada Lovelace,Brent Dell\n",
    );
    let (csv, stderr) = ok(kycore(
        dir.path(),
        &["screening", "score", "--input", input.to_str().unwrap()],
    ));
    assert!(stderr.contains("built-in word statistics"), "{stderr}");
    let verdicts: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(verdicts, ["true", "true", "false"], "{csv}");
}

#[test]
fn search_writes_one_json_line_per_query() {
    let (dir, _) = deployment();
    let input = write_input(
        dir.path(),
        "queries.csv",
        "id,full_name,date_of_birth,nationality,schema\n\
         1,Brent Dell,,US,Person\n\
         2,Ada Lovelace,1815-12-10,GB,Person\n\
         3,,,,\n",
    );
    let (out, _) = ok(kycore(
        dir.path(),
        &["screening", "search", "--input", input.to_str().unwrap()],
    ));
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["query"]["name"], "Brent Dell");
    let hit = &lines[0]["hits"][0];
    assert_eq!(hit["name"], "BRENT DELL");
    assert_eq!(hit["list"], "us_bis_dpl");
    for field in ["entity_id", "matched_name", "score", "explanation"] {
        assert!(!hit[field].is_null(), "{field} missing: {hit}");
    }
    assert_eq!(lines[1]["hits"], serde_json::json!([]));
    assert_eq!(lines[2]["hits"], serde_json::json!([]));
    assert!(lines[2]["query"]["error"].is_string());
}

#[test]
fn list_files_given_on_the_command_line_need_no_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), "queries.csv", "name\nDavid Zhou\n");
    let (out, _) = ok(kycore(
        dir.path(),
        &[
            "screening",
            "search",
            "--input",
            input.to_str().unwrap(),
            "--lists",
            dpl().to_str().unwrap(),
        ],
    ));
    let line: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(line["hits"][0]["name"], "DAVID ZHOU");

    let (report, _) = ok(kycore(
        dir.path(),
        &[
            "screening",
            "eval",
            "--per-category",
            "20",
            "--lists",
            dpl().to_str().unwrap(),
        ],
    ));
    assert!(
        report.contains("precision") && report.contains("recall"),
        "{report}"
    );
    assert!(report.contains("FPR"), "{report}");
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `kycore serve` on `data_dir` with `extra` arguments; returns it and its base URL.
fn serve(data_dir: &Path, extra: &[&str]) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_kycore"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .args(extra)
        .env_remove("KYCORE_MASTER_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Server(child), format!("http://127.0.0.1:{port}"))
}

/// Screens `Brent Dell` until the lists are loaded (503 `screening_unavailable` meanwhile);
/// returns the first hit.
async fn first_hit_once_loaded(base: &str, key: &str) -> Value {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the lists were not served"
        );
        let reply = client
            .post(format!("{base}/v1/screenings"))
            .bearer_auth(key)
            .json(&serde_json::json!({"name": "Brent Dell"}))
            .send()
            .await;
        if let Ok(reply) = reply {
            let status = reply.status();
            let body: Value = reply.json().await.unwrap();
            if status == 200 {
                return body["data"][0].clone();
            }
            assert_eq!(body["code"], "screening_unavailable", "{body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn serve_screens_against_the_imported_lists() {
    let (dir, key) = deployment();
    let (_server, base) = serve(dir.path(), &[]);
    let hit = first_hit_once_loaded(&base, &key).await;
    assert_eq!(hit["name"], "BRENT DELL");
}

#[tokio::test]
async fn serve_imports_the_configured_list_files() {
    let dir = tempfile::tempdir().unwrap();
    let (init, _) = ok(kycore(dir.path(), &["init", "--json"]));
    let init: Value = serde_json::from_str(&init).unwrap();
    let key = init["sandbox"]["secret_key"].as_str().unwrap().to_owned();
    let config = write_input(
        dir.path(),
        "kycore.toml",
        &format!(
            "watchlist_import_seconds = 3600\n\n[[watchlists]]\npath = {:?}\nformat = \"bis-dpl\"\nlist_id = \"dpl\"\n",
            dpl().to_str().unwrap()
        ),
    );
    let (_server, base) = serve(dir.path(), &["--config", config.to_str().unwrap()]);
    let hit = first_hit_once_loaded(&base, &key).await;
    assert_eq!(hit["list"], "dpl");

    let (status, _) = ok(kycore(dir.path(), &["lists", "status", "--json"]));
    let versions: Vec<Value> = serde_json::from_str(&status).unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["list_id"], "dpl");
}

/// What the loopback list server answers.
const SERVE_FILE: u8 = 0;
const SERVE_ERROR: u8 = 1;
const SERVE_GARBAGE: u8 = 2;

/// A list publisher on loopback: serves the BIS DPL file at `/lists/dpl.txt` with an ETag
/// (answering 304 to a matching `If-None-Match`), or a 500, or garbage, as `mode` says.
struct ListServer {
    base: String,
    mode: Arc<AtomicU8>,
    not_modified: Arc<AtomicUsize>,
}

async fn list_server() -> ListServer {
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::IntoResponse;

    let content = std::fs::read(dpl()).unwrap();
    let mode = Arc::new(AtomicU8::new(SERVE_FILE));
    let not_modified = Arc::new(AtomicUsize::new(0));
    let (state_mode, state_304) = (Arc::clone(&mode), Arc::clone(&not_modified));
    let handler = move |headers: HeaderMap| {
        let (mode, not_modified, content) = (
            state_mode.load(Ordering::SeqCst),
            Arc::clone(&state_304),
            content.clone(),
        );
        async move {
            match mode {
                SERVE_ERROR => (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response(),
                SERVE_GARBAGE => (StatusCode::OK, "<html>maintenance</html>\n").into_response(),
                _ if headers
                    .get(header::IF_NONE_MATCH)
                    .is_some_and(|v| v == "\"dpl-v1\"") =>
                {
                    not_modified.fetch_add(1, Ordering::SeqCst);
                    StatusCode::NOT_MODIFIED.into_response()
                }
                _ => ([(header::ETAG, "\"dpl-v1\"")], content).into_response(),
            }
        }
    };
    let app = axum::Router::new().route("/lists/dpl.txt", axum::routing::get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    ListServer {
        base,
        mode,
        not_modified,
    }
}

/// Polls `until` every 100 ms for up to 30 s; returns its first `Some`.
async fn eventually<T, F: Future<Output = Option<T>>>(
    what: &str,
    mut until: impl FnMut() -> F,
) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = until().await {
            return value;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the sample whose line starts with `series` (name and labels), if present.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

async fn refresh_failed_events(base: &str, key: &str) -> Vec<Value> {
    let body: Value = reqwest::Client::new()
        .get(format!("{base}/v1/events?type=watchlist.refresh_failed"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn serve_refreshes_a_list_from_a_url_and_reports_failed_refreshes() {
    let publisher = list_server().await;
    let dir = tempfile::tempdir().unwrap();
    let (init, _) = ok(kycore(dir.path(), &["init", "--json"]));
    let init: Value = serde_json::from_str(&init).unwrap();
    let sandbox = init["sandbox"]["secret_key"].as_str().unwrap().to_owned();
    let live = init["live"]["secret_key"].as_str().unwrap().to_owned();
    // No `format`: detected from the downloaded file. The query stands for an access token,
    // which must not show anywhere.
    let url = format!("{}/lists/dpl.txt?token=s3cret", publisher.base);
    let shown = format!("{}/lists/dpl.txt", publisher.base);
    let config = write_input(
        dir.path(),
        "kycore.toml",
        &format!(
            "watchlist_import_seconds = 1\n\n[[watchlists]]\nurl = {url:?}\nlist_id = \"dpl\"\n"
        ),
    );
    let (_server, base) = serve(dir.path(), &["--config", config.to_str().unwrap()]);
    let client = reqwest::Client::new();

    let hit = first_hit_once_loaded(&base, &sandbox).await;
    assert_eq!(
        (hit["name"].as_str(), hit["list"].as_str()),
        (Some("BRENT DELL"), Some("dpl"))
    );
    // Later rounds ask whether the file changed and are told it did not.
    eventually("a conditional request", || async {
        (publisher.not_modified.load(Ordering::SeqCst) > 0).then_some(())
    })
    .await;
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    publisher.mode.store(SERVE_ERROR, Ordering::SeqCst);
    let failures_series = format!("kycore_watchlist_refresh_failures_total{{source=\"{shown}\"}}");
    let metrics = eventually("two failed refreshes", || async {
        let reply = client.get(format!("{base}/metrics")).send().await.ok()?;
        let text = reply.text().await.ok()?;
        (sample(&text, &failures_series)? >= 2.0).then_some(text)
    })
    .await;
    assert!(
        sample(&metrics, "kycore_watchlist_loaded_entities").unwrap() > 100.0,
        "{metrics}"
    );
    assert!(
        sample(
            &metrics,
            "kycore_watchlist_last_success_timestamp_seconds{list=\"dpl\"}"
        )
        .unwrap()
            > 1.7e9,
        "{metrics}"
    );
    assert_eq!(
        sample(&metrics, "kycore_watchlist_load_failures_total"),
        Some(0.0),
        "{metrics}"
    );
    assert!(
        sample(&metrics, "kycore_jobs_pending").is_some(),
        "{metrics}"
    );
    assert!(!metrics.contains("s3cret"), "{metrics}");

    // The last good version is still served.
    let hit = first_hit_once_loaded(&base, &sandbox).await;
    assert_eq!(hit["name"], "BRENT DELL");
    // One event per organization and environment for the whole streak, though every round
    // failed the same way.
    for key in [&sandbox, &live] {
        let events = refresh_failed_events(&base, key).await;
        assert_eq!(events.len(), 1, "{events:?}");
        let data = &events[0]["data"];
        assert_eq!(data["source"], shown.as_str());
        assert_eq!(data["list_id"], "dpl");
        assert_eq!(data["error"]["code"], "download_failed");
        assert!(
            data["error"]["message"].as_str().unwrap().contains("500"),
            "{data}"
        );
        assert!(!data.to_string().contains("s3cret"), "{data}");
    }

    // Failing differently is told again: a page that is no list.
    publisher.mode.store(SERVE_GARBAGE, Ordering::SeqCst);
    let events = eventually("a second event", || async {
        let events = refresh_failed_events(&base, &sandbox).await;
        (events.len() == 2).then_some(events)
    })
    .await;
    assert_eq!(
        events[0]["data"]["error"]["code"], "list_unreadable",
        "{events:?}"
    );
    let hit = first_hit_once_loaded(&base, &sandbox).await;
    assert_eq!(hit["name"], "BRENT DELL");

    let (status, _) = ok(kycore(dir.path(), &["lists", "status"]));
    assert!(
        status.contains(&shown) && status.contains("failing since"),
        "{status}"
    );
    assert!(!status.contains("s3cret"), "{status}");
}

#[tokio::test]
async fn an_ofac_csv_url_brings_its_side_files_along() {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    // The publisher has aliases and addresses beside the main file, but no comments file.
    let files = ofac_consolidated().parent().unwrap().to_path_buf();
    let handler = move |axum::extract::Path(name): axum::extract::Path<String>| {
        let path = files.join(&name);
        async move {
            match std::fs::read(&path) {
                Ok(content) if name != "cons_comments.csv" => content.into_response(),
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        }
    };
    let app = axum::Router::new().route("/ofac/{name}", axum::routing::get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let publisher = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    ok(kycore(dir.path(), &["init", "--json"]));
    let config = write_input(
        dir.path(),
        "kycore.toml",
        &format!("[[watchlists]]\nurl = \"{publisher}/ofac/cons_prim.csv\"\n"),
    );
    let (_server, _) = serve(dir.path(), &["--config", config.to_str().unwrap()]);
    let version = eventually("the import", || async {
        let (status, _) = ok(kycore(dir.path(), &["lists", "status", "--json"]));
        let versions: Vec<Value> = serde_json::from_str(&status).unwrap();
        versions.into_iter().next()
    })
    .await;
    assert_eq!(version["list_id"], "us_ofac_cons", "{version}");
    let stored = dir.path().join(version["path"].as_str().unwrap());
    let stored = stored.parent().unwrap();
    for (name, present) in [
        ("cons_prim.csv", true),
        ("cons_alt.csv", true),
        ("cons_add.csv", true),
        ("cons_comments.csv", false),
    ] {
        assert_eq!(stored.join(name).is_file(), present, "{name}");
    }
    // The download's temporary copy goes once it is imported.
    let downloads = dir.path().join("downloads");
    eventually("the download's removal", || async {
        (std::fs::read_dir(&downloads).unwrap().count() == 0).then_some(())
    })
    .await;
}
