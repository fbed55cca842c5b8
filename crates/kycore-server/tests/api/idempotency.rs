//! `Idempotency-Key` on POST: a retry replays the stored answer byte for byte and changes
//! nothing; the same key with another body is refused; keys belong to one tenant; and a burst
//! of concurrent requests with one key makes one change.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::{Reply, TestApp, for_each_database, individual, send};

async fn post_with_key(
    app: &TestApp,
    key: &str,
    path: &str,
    idempotency_key: &str,
    body: &Value,
) -> Reply {
    send(
        app.request_json(Method::POST, path, key, body)
            .header("idempotency-key", idempotency_key),
    )
    .await
}

fn case_body(external_id: &str) -> Value {
    json!({"kind": "kyc", "applicant": individual("SE"), "external_id": external_id})
}

async fn count_events(app: &TestApp, key: &str, event_type: &str) -> usize {
    app.list(key, &format!("/v1/events?type={event_type}"))
        .await
        .len()
}

#[tokio::test]
async fn a_retry_replays_the_answer_and_changes_nothing() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let body = case_body("retry-1");
        let first = post_with_key(&app, key, "/v1/cases", "create-1", &body).await;
        let created = first.json(StatusCode::CREATED);
        assert_eq!(first.header("idempotent-replayed"), None);

        let second = post_with_key(&app, key, "/v1/cases", "create-1", &body).await;
        second.json(StatusCode::CREATED);
        assert_eq!(second.header("idempotent-replayed"), Some("true"));
        assert_eq!(second.body, first.body, "the replay is not byte-identical");

        assert_eq!(
            app.list_ids(key, "/v1/cases").await,
            vec![created["id"].as_str().unwrap().to_owned()]
        );
        assert_eq!(app.list(key, "/v1/applicants").await.len(), 1);
        assert_eq!(count_events(&app, key, "case.created").await, 1);

        // A state change replays too, instead of failing as a second cancel would.
        let cancel = format!("/v1/cases/{}/cancel", created["id"].as_str().unwrap());
        let canceled = post_with_key(&app, key, &cancel, "cancel-1", &json!({})).await;
        let again = post_with_key(&app, key, &cancel, "cancel-1", &json!({})).await;
        assert_eq!(canceled.json(StatusCode::OK)["status"], "canceled");
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.body, canceled.body);
        assert_eq!(count_events(&app, key, "case.status_changed").await, 1);
    })
    .await;
}

#[tokio::test]
async fn the_same_key_with_another_request_is_409() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        post_with_key(&app, key, "/v1/cases", "reused", &case_body("a"))
            .await
            .json(StatusCode::CREATED);
        post_with_key(&app, key, "/v1/cases", "reused", &case_body("b"))
            .await
            .problem(StatusCode::CONFLICT, "idempotency_key_reused");
        // Another path is another request, too.
        post_with_key(&app, key, "/v1/applicants", "reused", &individual("SE"))
            .await
            .problem(StatusCode::CONFLICT, "idempotency_key_reused");
        assert_eq!(app.list(key, "/v1/cases").await.len(), 1);
        assert_eq!(app.list(key, "/v1/applicants").await.len(), 1);

        for bad in ["", "with space", &"k".repeat(256)] {
            post_with_key(&app, key, "/v1/cases", bad, &case_body("c"))
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_idempotency_key");
        }
        assert_eq!(app.list(key, "/v1/cases").await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn keys_belong_to_one_tenant() {
    for_each_database(|app| async move {
        let body = case_body("per-tenant");
        let mut created = Vec::new();
        for key in [
            &app.sandbox.secret,
            &app.live.secret,
            &app.other_sandbox.secret,
        ] {
            let reply = post_with_key(&app, key, "/v1/cases", "shared-key", &body).await;
            assert_eq!(reply.header("idempotent-replayed"), None);
            let case = reply.json(StatusCode::CREATED);
            assert_eq!(
                app.list_ids(key, "/v1/cases").await,
                vec![case["id"].as_str().unwrap().to_owned()]
            );
            created.push(case["id"].as_str().unwrap().to_owned());
        }
        created.sort();
        created.dedup();
        assert_eq!(created.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn concurrent_requests_with_one_key_make_one_case() {
    for_each_database(|app| async move {
        let body = case_body("burst");
        let mut requests = JoinSet::new();
        for _ in 0..8 {
            let request = app
                .request_json(Method::POST, "/v1/cases", &app.sandbox.secret, &body)
                .header("idempotency-key", "burst-1");
            requests.spawn(send(request));
        }
        let replies = requests.join_all().await;

        let cases = app.list(&app.sandbox.secret, "/v1/cases").await;
        assert_eq!(cases.len(), 1, "one key made {} cases", cases.len());
        assert_eq!(
            app.list(&app.sandbox.secret, "/v1/applicants").await.len(),
            1
        );
        for reply in &replies {
            if reply.status == StatusCode::CREATED {
                assert_eq!(reply.json(StatusCode::CREATED)["id"], cases[0]["id"]);
            } else {
                reply.problem(StatusCode::CONFLICT, "idempotency_key_in_use");
            }
        }
        assert!(replies.iter().any(|r| r.status == StatusCode::CREATED));
        // Afterwards the key replays the one case.
        let replay = post_with_key(&app, &app.sandbox.secret, "/v1/cases", "burst-1", &body).await;
        assert_eq!(replay.json(StatusCode::CREATED)["id"], cases[0]["id"]);
    })
    .await;
}

#[tokio::test]
async fn a_retry_that_encodes_the_same_request_differently_replays() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let raw = |body: &str| {
            app.request(Method::POST, "/v1/cases", key)
                .header("content-type", "application/json")
                .header("idempotency-key", "same-json")
                .body(body.to_owned())
        };
        let first = send(raw(
            r#"{"kind": "kyc", "external_id": "enc-1", "applicant": {"type": "individual"}}"#,
        ))
        .await;
        first.json(StatusCode::CREATED);
        // The same JSON, serialized again: other whitespace, other key order.
        let again = send(raw(
            "{\"applicant\":{\"type\":\"individual\"},\n\t\"external_id\":\"enc-1\",\"kind\":\"kyc\"}",
        ))
        .await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
        // A value that differs is another request, however it is spelled.
        send(raw(
            r#"{"kind": "kyc", "external_id": "enc-2", "applicant": {"type": "individual"}}"#,
        ))
        .await
        .problem(StatusCode::CONFLICT, "idempotency_key_reused");
        assert_eq!(app.list(key, "/v1/cases").await.len(), 1);

        // A form built again gets another multipart boundary; it is the same upload.
        let case = app.create_case(key).await;
        let documents = format!("/v1/cases/{}/documents", case["id"].as_str().unwrap());
        let upload = || {
            let form = reqwest::multipart::Form::new().text("type", "passport").part(
                "file",
                reqwest::multipart::Part::bytes(crate::helpers::document_photo())
                    .file_name("scan.jpg"),
            );
            send(
                app.request(Method::POST, &documents, key)
                    .header("idempotency-key", "same-form")
                    .multipart(form),
            )
        };
        let uploaded = upload().await;
        uploaded.json(StatusCode::CREATED);
        let retried = upload().await;
        assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.text());
        assert_eq!(retried.header("idempotent-replayed"), Some("true"));
        assert_eq!(retried.body, uploaded.body);
        assert_eq!(app.get_json(key, &documents).await["data"].as_array().unwrap().len(), 1);
    })
    .await;
}
