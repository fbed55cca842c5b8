//! The API description: `/v1/openapi.json` is OpenAPI 3.1 and documents every route the
//! router serves (and serves every route it documents); `/docs` renders it as HTML.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{for_each_database, send};

/// Every `/v1` operation the router serves.
const OPERATIONS: [(&str, &str); 24] = [
    ("get", "/v1/applicants"),
    ("post", "/v1/applicants"),
    ("get", "/v1/applicants/{id}"),
    ("patch", "/v1/applicants/{id}"),
    ("get", "/v1/flows"),
    ("post", "/v1/flows"),
    ("get", "/v1/flows/{id}"),
    ("get", "/v1/cases"),
    ("post", "/v1/cases"),
    ("get", "/v1/cases/{id}"),
    ("post", "/v1/cases/{id}/cancel"),
    ("post", "/v1/cases/{id}/decision"),
    ("post", "/v1/cases/{id}/link"),
    ("post", "/v1/cases/{id}/submit"),
    ("put", "/v1/cases/{id}/details"),
    ("get", "/v1/cases/{id}/documents"),
    ("post", "/v1/cases/{id}/documents"),
    ("get", "/v1/cases/{id}/documents/{document_id}/file"),
    ("post", "/v1/checks/validate"),
    ("post", "/v1/screenings"),
    ("get", "/v1/cases/{id}/screening-hits"),
    ("post", "/v1/cases/{id}/screening-hits/{hit_id}/review"),
    ("get", "/v1/events"),
    ("get", "/v1/events/{id}"),
];
const SANDBOX_OPERATION: (&str, &str) = ("post", "/v1/sandbox/cases/{id}/complete");

fn documented(document: &Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.push((method.to_owned(), path.clone()));
            }
        }
    }
    operations.sort();
    operations
}

#[tokio::test]
async fn the_document_matches_the_router() {
    for_each_database(|app| async move {
        let reply = send(app.client.get(app.url("/v1/openapi.json"))).await;
        let document = reply.json(StatusCode::OK);
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(document["components"]["securitySchemes"]["api_key"].is_object());

        let mut expected: Vec<(String, String)> = OPERATIONS
            .iter()
            .chain([&SANDBOX_OPERATION])
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        expected.sort();
        assert_eq!(documented(&document), expected);

        // Every documented operation is routed: it never answers "no such route" or 405.
        for (method, path) in documented(&document) {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let concrete = path.replace("{id}", "case_01jzzzzzzzzzzzzzzzzzzzzzzz");
            let reply = send(
                app.request(method.clone(), &concrete, &app.sandbox.secret)
                    .json(&serde_json::json!({})),
            )
            .await;
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_ne!(
                reply.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {path}"
            );
            if reply.status == StatusCode::NOT_FOUND {
                let problem: Value = serde_json::from_slice(&reply.body).unwrap();
                assert_ne!(problem["detail"], "no such route", "{method} {path}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn docs_render_as_html() {
    for_each_database(|app| async move {
        let html = send(app.client.get(app.url("/docs")))
            .await
            .html(StatusCode::OK);
        assert!(html.contains("/v1/cases"));
        assert!(html.contains("/v1/openapi.json"));
        assert!(!html.contains("<script"));
    })
    .await;
}
