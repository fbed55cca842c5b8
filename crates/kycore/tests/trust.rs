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

/// An ICAO Doc 9303 specimen zone: holder, number and birth date are personal values too.
const SPECIMEN_MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

/// Every personal value the flow below sends; none may reach the log.
const PERSONAL: [&str; 12] = [
    "Sandboxov",
    "SANDBOXOV",
    "1970-03-04",
    "viktor.quaxworth@example.org",
    "+46709998877",
    "70 999 88 77",
    "ZQX9988776655",
    "Quibbleford",
    "ERIKSSON",
    "L898902C3",
    "740812",
    "called Viktor",
];

async fn send(request: reqwest::RequestBuilder, status: u16) -> Value {
    let response = request.send().await.unwrap();
    let code = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(code, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A case through its life over HTTP, with personal data in every field that takes some:
/// created, read, documented, submitted, screened (the sandbox list names Viktor Sandboxov),
/// its hit reviewed, decided with a note, its link opened; and a request with a wrong key.
async fn run_logged_flow(base: &str, key: &str) -> String {
    let client = reqwest::Client::new();
    let body = json!({"kind": "kyc", "external_id": "log-ref-1",
        "metadata": {"crm_contact": "viktor.quaxworth@example.org"},
        "redirect_url": "https://shop.example/done?street=Quibbleford",
        "applicant": {"type": "individual", "individual": {
            "first_name": "Viktor", "last_name": "Sandboxov", "date_of_birth": "1970-03-04",
            "email": "viktor.quaxworth@example.org", "phone": "+46 70 999 88 77",
            "id_number": "ZQX9988776655", "nationality": "SE",
            "address": {"line1": "742 Quibbleford Terrace", "city": "Malmö", "country": "SE"}}}});
    let case = send(
        client
            .post(format!("{base}/v1/cases"))
            .bearer_auth(key)
            .json(&body),
        201,
    )
    .await;
    let id = case["id"].as_str().unwrap().to_owned();
    let token = case["token"].as_str().unwrap().to_owned();
    // Opening the link trades its token for a session cookie and redirects.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    send(browser.get(case["verification_url"].as_str().unwrap()), 303).await;
    let form = reqwest::multipart::Form::new()
        .text("type", "passport")
        .text("mrz", SPECIMEN_MRZ)
        .part(
            "file",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("passport.pdf"),
        );
    let documents = format!("{base}/v1/cases/{id}/documents");
    send(
        client.post(&documents).bearer_auth(key).multipart(form),
        201,
    )
    .await;
    let submit = format!("{base}/v1/cases/{id}/submit");
    send(client.post(&submit).bearer_auth(key).json(&json!({})), 200).await;
    let mut case = read_case(base, key, &id).await;
    let started = std::time::Instant::now();
    while case["status"] == "processing" || case["status"] == "submitted" {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{case}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        case = read_case(base, key, &id).await;
    }
    assert_eq!(
        case["status"], "in_review",
        "the sandbox list names the applicant: {case}"
    );
    let hit = case["screening_hits"][0]["id"].as_str().unwrap();
    let review = format!("{base}/v1/cases/{id}/screening-hits/{hit}/review");
    let note =
        json!({"verdict": "false_match", "note": "Sandboxov born 1970-03-04 is another man"});
    send(client.post(&review).bearer_auth(key).json(&note), 200).await;
    let decision =
        json!({"decision": "approve", "note": "called Viktor Sandboxov on +46709998877"});
    let decide = format!("{base}/v1/cases/{id}/decision");
    send(client.post(&decide).bearer_auth(key).json(&decision), 200).await;
    // The key with its last character changed (to one it is not).
    let last = if key.ends_with('x') { 'y' } else { 'x' };
    let wrong = format!("{}{last}", &key[..key.len() - 1]);
    send(
        client
            .get(format!("{base}/v1/cases/{id}"))
            .bearer_auth(&wrong),
        401,
    )
    .await;
    token
}

#[tokio::test]
async fn a_debug_log_holds_no_personal_data_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log_path = dir.path().join("kycore.log");
    let (server, printed) = Server::start_logging(&data, Some(&log_path));
    let key = support::printed_sandbox_key(&printed);
    let link_token = run_logged_flow(&server.base, &key).await;
    server.crash();

    let log = std::fs::read_to_string(&log_path).unwrap();
    // The log is the real thing: debug lines, one per request at least.
    assert!(log.contains("DEBUG"), "no debug lines: {log}");
    assert!(log.matches("route=\"/v1/cases").count() >= 3, "{log}");
    let master_key = std::fs::read_to_string(data.join("master.key")).unwrap();
    let secrets = [
        key.as_str(),
        key.trim_start_matches("kc_test_"),
        &link_token,
        master_key.trim(),
    ];
    for value in PERSONAL.iter().chain(&secrets) {
        let found = log.lines().find(|line| line.contains(value));
        assert!(found.is_none(), "`{value}` is in the log: {found:?}");
    }
}
