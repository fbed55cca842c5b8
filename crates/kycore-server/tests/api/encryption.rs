//! Personal data at rest. After a full flow — an applicant created every way there is, a
//! case with metadata and a redirect URL, a passport with its MRZ, the checks, a screening
//! hit reviewed with a note and a decision with a note — none of the applicant's personal
//! values is found in clear in anything kycore stored: the SQLite database and its WAL, a
//! `pg_dump` of the PostgreSQL schema, and the blob directory.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, document_photo, for_each_database, send};

/// The ICAO Doc 9303 specimen passport: its holder, number and birth date are personal values
/// too (the MRZ writes the birth date as YYMMDD).
const UTOPIA_TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

/// Distinctive values that would be easy to find in a file. "Viktor Sandboxov" is a name the
/// sandbox's own watchlist lists, so screening finds a hit that names the applicant.
pub(crate) const SECRETS: [&str; 14] = [
    "Sandboxov",
    "SANDBOXOV",
    "1970-03-04",
    "700304",
    "viktor.quaxworth@example.org",
    "+46709998877",
    "ZQX9988776655",
    "Quibbleford",
    "Quaxworth",
    "ERIKSSON",
    "Eriksson",
    "L898902C3",
    "740812",
    "1974-08-12",
];

pub(crate) fn applicant() -> Value {
    json!({"type": "individual", "external_id": "plain-ref-1", "individual": {
        "first_name": "Viktor", "last_name": "Sandboxov", "date_of_birth": "1970-03-04",
        "email": "viktor.quaxworth@example.org", "phone": "+46 70 999 88 77",
        "id_number": "ZQX9988776655", "nationality": "SE",
        "address": {"line1": "742 Quibbleford Terrace", "city": "Malmö", "country": "SE"}}})
}

pub(crate) async fn run_jobs(app: &TestApp) {
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

/// Every path that writes an applicant: plain, with an Idempotency-Key (whose response is
/// stored for replay), and an update.
async fn write_applicants(app: &TestApp) -> String {
    let key = &app.sandbox.secret;
    let created = app.create_applicant(key, applicant()).await;
    let request = app.request_json(Method::POST, "/v1/applicants", key, &applicant());
    send(request.header("idempotency-key", "pii-1"))
        .await
        .json(StatusCode::CREATED);
    let path = format!("/v1/applicants/{}", created["id"].as_str().unwrap());
    let update = json!({"individual": applicant()["individual"]});
    let request = app.request_json(Method::PATCH, &path, key, &update);
    send(request.header("idempotency-key", "pii-2"))
        .await
        .json(StatusCode::OK);
    created["id"].as_str().unwrap().to_owned()
}

/// A case through its whole life, with personal data in every field that takes some.
pub(crate) async fn run_case(app: &TestApp) -> Value {
    let key = &app.sandbox.secret;
    let body = json!({"kind": "kyc", "applicant": applicant(),
        "metadata": {"crm_contact": "viktor.quaxworth@example.org"},
        "redirect_url": "https://shop.example/done?street=Quibbleford"});
    let request = app.request_json(Method::POST, "/v1/cases", key, &body);
    let case = send(request.header("idempotency-key", "pii-3"))
        .await
        .json(StatusCode::CREATED);
    let id = case["id"].as_str().unwrap();
    let form = Form::new()
        .text("type", "passport")
        .text("mrz", UTOPIA_TD3)
        .part("file", Part::bytes(document_photo()).file_name("scan.jpg"));
    let path = format!("/v1/cases/{id}/documents");
    send(app.request(Method::POST, &path, key).multipart(form))
        .await
        .json(StatusCode::CREATED);
    let submit = format!("/v1/cases/{id}/submit");
    app.post_json(key, &submit, &json!({}), StatusCode::OK)
        .await;
    run_jobs(app).await;

    let decided = app.get_case(key, id).await;
    assert_eq!(decided["status"], "in_review", "{decided}");
    let hit = &decided["screening_hits"][0];
    assert_eq!(hit["detail"]["name"], "Viktor Sandboxov", "{decided}");
    let review = format!(
        "/v1/cases/{id}/screening-hits/{}/review",
        hit["id"].as_str().unwrap()
    );
    let note = json!({"verdict": "false_match", "note": "Sandboxov born 1970-03-04 is not the listed one"});
    app.post_json(key, &review, &note, StatusCode::OK).await;
    let decision =
        json!({"decision": "approve", "note": "called Viktor Sandboxov on +46709998877"});
    app.decide(key, id, &decision, StatusCode::OK).await;
    app.get_case(key, id).await
}

/// Everything SQLite wrote: the database file, its WAL and any journal.
pub(crate) fn sqlite_bytes(app: &TestApp) -> Vec<u8> {
    let path = app
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next())
        .unwrap();
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        if let Ok(content) = std::fs::read(format!("{path}{suffix}")) {
            bytes.extend(content);
        }
    }
    bytes
}

/// A `pg_dump` of the test's schema (named by the connections' `application_name`).
pub(crate) fn postgres_dump(app: &TestApp) -> Vec<u8> {
    let schema = app.database_url.split("application_name=").nth(1).unwrap();
    let base = app.database_url.split('?').next().unwrap();
    let dump = std::process::Command::new("pg_dump")
        .args([base, "--schema", schema])
        .output()
        .expect("pg_dump is installed where PostgreSQL is tested");
    assert!(dump.status.success(), "{dump:?}");
    dump.stdout
}

/// Every file under `dir`.
pub(crate) fn files_under(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            bytes.extend(files_under(&path));
        } else {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

pub(crate) fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn personal_data_is_stored_nowhere_in_clear() {
    for_each_database(|app| async move {
        let applicant_id = write_applicants(&app).await;
        let case = run_case(&app).await;

        // The API gives the data back in clear...
        assert_eq!(
            case["metadata"]["crm_contact"],
            "viktor.quaxworth@example.org"
        );
        assert_eq!(
            case["decision"]["note"],
            "called Viktor Sandboxov on +46709998877"
        );
        let checks = case["checks"].as_array().unwrap();
        assert!(
            checks.iter().any(|c| c.to_string().contains("L898902C3")),
            "a check reports the document number: {case}"
        );
        let hits = app
            .get_json(
                &app.sandbox.secret,
                &format!("/v1/cases/{}/screening-hits", case["id"].as_str().unwrap()),
            )
            .await;
        assert!(
            hits["data"][0]["review_note"]
                .as_str()
                .unwrap()
                .contains("Sandboxov")
        );

        // ...but what is stored holds the rows (their ids and the plain reference are there)
        // without any personal value.
        let stored = match app.backend {
            kycore_services::Backend::Sqlite => sqlite_bytes(&app),
            kycore_services::Backend::Postgres => postgres_dump(&app),
        };
        for expected in [
            applicant_id.as_str(),
            case["id"].as_str().unwrap(),
            "plain-ref-1",
        ] {
            assert!(
                contains(&stored, expected),
                "the test reads the wrong data: no {expected}"
            );
        }
        let blobs = files_under(&app.data_dir.path().join("blobs"));
        assert!(blobs.len() > 10_000, "the passport photo is stored");
        for secret in SECRETS {
            assert!(!contains(&stored, secret), "`{secret}` is stored in clear");
            assert!(
                !contains(&blobs, secret),
                "`{secret}` is in a blob in clear"
            );
        }
    })
    .await;
}
