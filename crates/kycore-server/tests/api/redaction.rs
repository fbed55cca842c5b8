//! Redaction and retention: a final case's personal data and files are erased on request
//! while its decision and trail stay; an applicant is erased with their data key; a case in
//! use is refused without anything changing; an organization's retention policy redacts
//! cases a set time after their decision, and erases applicants whose cases all are.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::encryption::{
    SECRETS, applicant, contains, postgres_dump, run_case, run_jobs, sqlite_bytes,
};
use crate::helpers::{TestApp, for_each_database, individual, send};

async fn redact(app: &TestApp, key: &str, path: &str) -> Value {
    app.post_json(key, &format!("{path}/redact"), &json!({}), StatusCode::OK)
        .await
}

fn stored_bytes(app: &TestApp) -> Vec<u8> {
    match app.backend {
        kycore_services::Backend::Sqlite => sqlite_bytes(app),
        kycore_services::Backend::Postgres => postgres_dump(app),
    }
}

/// How many files the blob store holds (only documents' files are stored there).
fn stored_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .map(|entry| entry.unwrap().path())
            .map(|path| {
                if path.is_dir() {
                    stored_files(&path)
                } else {
                    1
                }
            })
            .sum()
    })
}

#[tokio::test]
async fn a_redacted_case_keeps_its_decision_and_loses_its_personal_data() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = run_case(&app).await;
        let id = case["id"].as_str().unwrap();
        let path = format!("/v1/cases/{id}");
        let documents = app.get_json(key, &format!("{path}/documents")).await["data"].clone();
        let document_id = documents[0]["id"].as_str().unwrap().to_owned();
        let blobs = app.data_dir.path().join("blobs");
        assert_eq!(stored_files(&blobs), 1, "the passport photo is stored");

        let request = app.request_json(Method::POST, &format!("{path}/redact"), key, &json!({}));
        let redacted = send(request.header("idempotency-key", "redact-1"))
            .await
            .json(StatusCode::OK);
        assert_eq!(redacted["status"], "approved", "{redacted}");
        assert_eq!(
            redacted["decision"]["decision"],
            case["decision"]["decision"]
        );
        assert!(redacted["redacted_at"].is_string(), "{redacted}");
        assert_eq!(redacted["metadata"], json!({}), "{redacted}");
        assert_eq!(redacted["redirect_url"], Value::Null);
        assert_eq!(redacted["decision"]["note"], Value::Null, "{redacted}");
        for secret in SECRETS {
            assert!(
                !redacted.to_string().contains(secret),
                "`{secret}` in {redacted}"
            );
        }
        let checks = redacted["checks"].as_array().unwrap();
        assert_eq!(checks.len(), case["checks"].as_array().unwrap().len());

        // The file is gone, from the API and from the blob store.
        let file = format!("{path}/documents/{document_id}/file");
        app.get_problem(key, &file, StatusCode::GONE, "document_redacted")
            .await;
        assert_eq!(stored_files(&blobs), 0, "the passport photo was deleted");

        // The trail says so; a second request changes nothing; the case changes no more.
        let events = app.case_events(key, id).await;
        let types: Vec<_> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(
            types.iter().filter(|t| **t == "case.redacted").count(),
            1,
            "{types:?}"
        );
        let again = redact(&app, key, &path).await;
        assert_eq!(again["redacted_at"], redacted["redacted_at"]);
        assert_eq!(again["revision"], redacted["revision"]);
        let reopen = json!({"decision": "request_resubmission", "steps": ["identity_document"]});
        let reply = app
            .decide(&app.sandbox.secret, id, &reopen, StatusCode::CONFLICT)
            .await;
        reply.problem(StatusCode::CONFLICT, "case_redacted");
        assert_eq!(app.case_events(key, id).await.len(), events.len());

        // Another organization cannot redact it, nor learn that it exists.
        let other = app
            .post_problem(
                &app.other_sandbox.secret,
                &format!("{path}/redact"),
                &json!({}),
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
        assert_eq!(other["status"], 404);
    })
    .await;
}

#[tokio::test]
async fn a_case_in_use_is_not_redacted() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = app.create_case(key).await;
        let path = format!("/v1/cases/{}", case["id"].as_str().unwrap());
        app.post_problem(
            key,
            &format!("{path}/redact"),
            &json!({}),
            StatusCode::CONFLICT,
            "case_not_final",
        )
        .await;
        let after = app.get_case(key, case["id"].as_str().unwrap()).await;
        assert_eq!(after["revision"], case["revision"]);
        assert!(after.get("redacted_at").is_none(), "{after}");
    })
    .await;
}

#[tokio::test]
async fn an_erased_applicant_leaves_nothing_that_opens() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = run_case(&app).await;
        let applicant_id = case["applicant_id"].as_str().unwrap();
        let applicant_path = format!("/v1/applicants/{applicant_id}");

        // A second case still in use holds the erasure back, and nothing changes.
        let open = app
            .create_case_with(key, json!({"kind": "kyc", "applicant_id": applicant_id}))
            .await;
        app.post_problem(
            key,
            &format!("{applicant_path}/redact"),
            &json!({}),
            StatusCode::CONFLICT,
            "case_not_final",
        )
        .await;
        let kept = app.get_case(key, case["id"].as_str().unwrap()).await;
        assert!(
            kept.get("redacted_at").is_none(),
            "a refused erasure redacted a case: {kept}"
        );
        assert_eq!(
            app.get_json(key, &applicant_path).await["individual"]["last_name"],
            "Sandboxov"
        );

        let cancel = format!("/v1/cases/{}/cancel", open["id"].as_str().unwrap());
        app.post_json(key, &cancel, &json!({}), StatusCode::OK)
            .await;
        let erased = redact(&app, key, &applicant_path).await;
        assert!(erased["redacted_at"].is_string(), "{erased}");
        assert!(erased.get("individual").is_none(), "{erased}");
        assert_eq!(erased["external_id"], "plain-ref-1");
        for case_id in [case["id"].as_str().unwrap(), open["id"].as_str().unwrap()] {
            assert!(app.get_case(key, case_id).await["redacted_at"].is_string());
        }
        let events = app.list(key, "/v1/events?type=applicant.redacted").await;
        assert_eq!(events.len(), 1, "{events:?}");

        // Its data key is gone: what was sealed under it stays in the database's free pages
        // or a backup only as ciphertext no key opens.
        let stored = stored_bytes(&app);
        assert!(contains(&stored, applicant_id));
        assert_eq!(
            app.count_in_database("SELECT COUNT(*) FROM data_keys WHERE id = $1", applicant_id)
                .await,
            0
        );
        // A new applicant with the same person gets a fresh key and finds no duplicate.
        let again = app.create_applicant(key, applicant()).await;
        assert_eq!(again["individual"]["last_name"], "Sandboxov");
        let repeat = app.get_json(key, &applicant_path).await;
        assert_eq!(repeat["revision"], erased["revision"]);
    })
    .await;
}

#[tokio::test]
async fn retention_redacts_cases_a_set_time_after_their_decision() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let invalid = app
            .services
            .set_retention(app.organization_id.as_str(), Some(0))
            .await;
        assert_eq!(invalid.unwrap_err().code(), "invalid_retention");
        app.services
            .set_retention(app.organization_id.as_str(), Some(30))
            .await
            .unwrap();

        let body = |last_name: &str| {
            let mut applicant = individual("DE");
            applicant["individual"]["last_name"] = json!(last_name);
            json!({"kind": "kyc", "applicant": applicant})
        };
        let old = app.create_case_with(key, body("Oldcase")).await;
        let old_id = old["id"].as_str().unwrap();
        app.complete_sandbox(key, old_id, "approved").await;
        let recent = app.create_case_with(key, body("Recentcase")).await;
        let recent_id = recent["id"].as_str().unwrap();
        app.complete_sandbox(key, recent_id, "approved").await;
        let pending = app.create_case_with(key, body("Pendingcase")).await;
        let pending_id = pending["id"].as_str().unwrap();
        // The other organization keeps everything: its policy is unset.
        let foreign = app
            .create_case_with(&app.other_sandbox.secret, body("Foreigncase"))
            .await;
        let foreign_id = foreign["id"].as_str().unwrap();
        app.complete_sandbox(&app.other_sandbox.secret, foreign_id, "approved")
            .await;
        app.age_closure_in_database(old_id).await;
        app.age_closure_in_database(foreign_id).await;

        app.make_jobs_due().await;
        run_jobs(&app).await;

        let old = app.get_case(key, old_id).await;
        assert!(old["redacted_at"].is_string(), "{old}");
        assert_eq!(old["status"], "approved");
        let applicant = app
            .get_json(
                key,
                &format!("/v1/applicants/{}", old["applicant_id"].as_str().unwrap()),
            )
            .await;
        assert!(applicant["redacted_at"].is_string(), "{applicant}");
        assert!(!applicant.to_string().contains("Oldcase"));
        for (id, key) in [
            (recent_id, key),
            (pending_id, key),
            (foreign_id, &app.other_sandbox.secret),
        ] {
            let kept = app.get_case(key, id).await;
            assert!(kept.get("redacted_at").is_none(), "{kept}");
        }
        let events = app.case_events(key, old_id).await;
        let last = events.last().unwrap();
        assert_eq!(last["type"], "case.redacted", "{events:?}");
    })
    .await;
}

#[tokio::test]
async fn an_applicant_without_cases_is_erased_too() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        for body in [individual("SE"), crate::helpers::business("DE")] {
            let applicant = app.create_applicant(key, body).await;
            let path = format!("/v1/applicants/{}", applicant["id"].as_str().unwrap());
            // With an Idempotency-Key: the stored answer is the applicant, replayed as such.
            let request =
                app.request_json(Method::POST, &format!("{path}/redact"), key, &json!({}));
            let erased = send(request.header("idempotency-key", &path))
                .await
                .json(StatusCode::OK);
            assert!(erased["redacted_at"].is_string(), "{erased}");
            assert!(erased.get("individual").is_none() && erased.get("business").is_none());
            let request =
                app.request_json(Method::POST, &format!("{path}/redact"), key, &json!({}));
            let replayed = send(request.header("idempotency-key", &path))
                .await
                .json(StatusCode::OK);
            assert_eq!(replayed, erased);
        }
    })
    .await;
}
