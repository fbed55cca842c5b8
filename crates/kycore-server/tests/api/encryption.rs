//! Personal data at rest: the SQLite database file and its write-ahead log never contain an
//! applicant's personal details in clear — neither in the applicant row nor in anything else
//! written alongside it (events, audit, stored idempotent responses).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, for_each_database, send};

/// Distinctive values that would be easy to find in a file.
const SECRETS: [&str; 6] = [
    "1931-07-29",
    "zebulon.quaxworth@example.org",
    "ZQX9988776655",
    "742 Quibbleford Terrace",
    "Quaxworth",
    "+46709998877",
];

/// Every byte SQLite has written: the database file, its WAL and any journal.
fn database_bytes(app: &TestApp) -> Vec<u8> {
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

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn personal_data_is_not_stored_in_clear() {
    for_each_database(|app| async move {
        if app.backend != kycore_services::Backend::Sqlite {
            return;
        }
        let applicant = json!({"type": "individual", "external_id": "plain-ref-1", "individual": {
            "first_name": "Zebulon", "last_name": "Quaxworth", "date_of_birth": "1931-07-29",
            "email": "zebulon.quaxworth@example.org", "phone": "+46 70 999 88 77",
            "id_number": "ZQX9988776655", "nationality": "SE",
            "address": {"line1": "742 Quibbleford Terrace", "city": "Malmö", "country": "SE"}}});
        // Through every path that writes an applicant: plain, with an Idempotency-Key (whose
        // response is stored for replay), inline in a case, and an update.
        let created = app
            .create_applicant(&app.sandbox.secret, applicant.clone())
            .await;
        send(
            app.request_json(
                Method::POST,
                "/v1/applicants",
                &app.sandbox.secret,
                &applicant,
            )
            .header("idempotency-key", "pii-1"),
        )
        .await
        .json(StatusCode::CREATED);
        app.create_case_with(
            &app.sandbox.secret,
            json!({"kind": "kyc", "applicant": applicant}),
        )
        .await;
        let path = format!("/v1/applicants/{}", created["id"].as_str().unwrap());
        send(
            app.request_json(
                Method::PATCH,
                &path,
                &app.sandbox.secret,
                &json!({"individual": applicant["individual"]}),
            )
            .header("idempotency-key", "pii-2"),
        )
        .await
        .json(StatusCode::OK);
        // The API gives the data back in clear...
        let read = app.get_json(&app.sandbox.secret, &path).await;
        assert_eq!(read["individual"]["email"], "zebulon.quaxworth@example.org");

        // ...but the files hold the rows (the id and the non-personal reference are there)
        // without any of the personal values.
        let bytes = database_bytes(&app);
        assert!(
            contains(&bytes, created["id"].as_str().unwrap()),
            "the test reads the wrong files"
        );
        assert!(contains(&bytes, "plain-ref-1"));
        for secret in SECRETS {
            assert!(!contains(&bytes, secret), "`{secret}` is stored in clear");
        }
    })
    .await;
}
