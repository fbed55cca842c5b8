//! What the binary promises about the data it keeps: files only its user can read, and a
//! master key that can be replaced while servers keep serving.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::{Server, kycore, stdout_json};

/// A minimal, complete PDF: enough for an upload to be stored.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn create_case(base: &str, key: &str, last_name: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/cases"))
        .bearer_auth(key)
        .json(&json!({
            "kind": "kyc",
            "metadata": {"crm_note": format!("call {last_name} back")},
            "applicant": {"type": "individual", "individual": {
                "first_name": "Ilse", "last_name": last_name, "date_of_birth": "1961-03-14",
            }},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn read_case(base: &str, key: &str, id: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/cases/{id}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn upload_pdf(base: &str, key: &str, case_id: &str) {
    let form = reqwest::multipart::Form::new()
        .text("type", "proof-of-address")
        .part(
            "file",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("bill.pdf"),
        );
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/cases/{case_id}/documents"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// Every file and directory under `dir` that group or others could read, write or enter.
fn shared_paths(dir: &Path) -> Vec<String> {
    let mut shared = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        if mode & 0o077 != 0 {
            shared.push(format!("{} {:o}", path.display(), mode & 0o777));
        }
        if path.is_dir() {
            shared.extend(shared_paths(&path));
        }
    }
    shared
}

#[tokio::test]
async fn the_data_dir_and_everything_in_it_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // An operator-made directory that others could read is closed at start.
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (server, printed) = Server::start(&data);
    let key = support::printed_sandbox_key(&printed);
    let case = create_case(&server.base, &key, "Brandt").await;
    upload_pdf(&server.base, &key, case["id"].as_str().unwrap()).await;

    let mode = std::fs::metadata(&data).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    let names: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for expected in ["master.key", "kycore.db", "kycore.db-wal", "blobs"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert_eq!(shared_paths(&data), Vec::<String>::new());
    server.crash();
}

#[tokio::test]
async fn the_master_key_rotates_while_servers_serve() {
    let dir = tempfile::tempdir().unwrap();
    let init = stdout_json(&kycore(dir.path(), &["init", "--json"]));
    let key = init["sandbox"]["secret_key"].as_str().unwrap().to_owned();
    let old_master = std::fs::read_to_string(dir.path().join("master.key")).unwrap();

    let (server, _) = Server::start(dir.path());
    let before = create_case(&server.base, &key, "Vogel").await;
    server.crash();

    // Step 1: a new key, the old one kept as the previous key.
    let started = kycore(dir.path(), &["master-key", "new"]);
    assert!(started.status.success(), "{started:?}");
    assert!(dir.path().join("master.key.previous").exists());
    assert_ne!(
        std::fs::read_to_string(dir.path().join("master.key")).unwrap(),
        old_master
    );
    let status = stdout_json(&kycore(dir.path(), &["master-key", "status", "--json"]));
    let previous = status
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == "previous")
        .unwrap_or_else(|| panic!("{status}"));
    assert_eq!(previous["wraps_root"], true);
    assert!(previous["data_keys"].as_i64().unwrap() >= 1);
    let again = kycore(dir.path(), &["master-key", "new"]);
    assert!(
        !again.status.success(),
        "a second rotation waits for the first"
    );

    // Step 2: a server with both keys reads the old data and writes new data.
    let (server, _) = Server::start(dir.path());
    let id = before["id"].as_str().unwrap();
    let read = read_case(&server.base, &key, id).await;
    assert_eq!(read["metadata"]["crm_note"], "call Vogel back");
    let during = create_case(&server.base, &key, "Kranz").await;

    // Step 3: the rotation runs beside the serving server.
    let rotated = stdout_json(&kycore(dir.path(), &["master-key", "rotate", "--json"]));
    assert_eq!(rotated["root_rewrapped"], true);
    assert!(rotated["data_keys_rewrapped"].as_u64().unwrap() >= 1);
    assert!(!dir.path().join("master.key.previous").exists());
    for case in [&before, &during] {
        let id = case["id"].as_str().unwrap();
        assert_eq!(
            read_case(&server.base, &key, id).await["metadata"],
            case["metadata"]
        );
    }
    create_case(&server.base, &key, "Lorenz").await;
    server.crash();

    let status = stdout_json(&kycore(dir.path(), &["master-key", "status", "--json"]));
    let roles: Vec<&str> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["current"], "{status}");

    // The new key alone opens everything; the old key alone opens nothing.
    let (server, _) = Server::start(dir.path());
    let read = read_case(&server.base, &key, id).await;
    assert_eq!(read["metadata"]["crm_note"], "call Vogel back");
    server.crash();
    let old_only = Command::new(env!("CARGO_BIN_EXE_kycore"))
        .args(["keys", "list", "--data-dir"])
        .arg(dir.path())
        .env("KYCORE_MASTER_KEY", old_master.trim())
        .env_remove("KYCORE_PREVIOUS_MASTER_KEY")
        .env_remove("KYCORE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!old_only.status.success());
    assert!(String::from_utf8_lossy(&old_only.stderr).contains("master key is not the one"));
}
