//! `kycore lists` and `kycore screening` as an operator uses them, on the real list files in
//! `../shared/data`: import with progress, status, batch scoring and search, evaluation, and
//! a server that serves the imported lists.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
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
