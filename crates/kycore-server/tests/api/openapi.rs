//! The API description: `/v1/openapi.json` is OpenAPI 3.1 and documents every route the
//! router serves (and serves every route it documents); `/docs` renders it as HTML.

use kycore_services::ServiceConfig;
use kycore_store::testing::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{MISSING_CASE, TestApp, for_each_database, send};

/// Every `/v1` operation the router serves.
const OPERATIONS: [(&str, &str); 40] = [
    ("get", "/v1/applicants"),
    ("post", "/v1/applicants"),
    ("get", "/v1/applicants/{id}"),
    ("patch", "/v1/applicants/{id}"),
    ("post", "/v1/applicants/{id}/redact"),
    ("get", "/v1/flows"),
    ("post", "/v1/flows"),
    ("get", "/v1/flows/{id}"),
    ("get", "/v1/cases"),
    ("post", "/v1/cases"),
    ("get", "/v1/cases/{id}"),
    ("post", "/v1/cases/{id}/cancel"),
    ("post", "/v1/cases/{id}/redact"),
    ("post", "/v1/cases/{id}/decision"),
    ("post", "/v1/cases/{id}/link"),
    ("post", "/v1/cases/{id}/submit"),
    ("put", "/v1/cases/{id}/details"),
    ("get", "/v1/cases/{id}/documents"),
    ("post", "/v1/cases/{id}/documents"),
    ("get", "/v1/cases/{id}/documents/{document_id}/file"),
    ("post", "/v1/cases/{id}/documents/{document_id}/review"),
    (
        "post",
        "/v1/cases/{id}/documents/{document_id}/review/{action}",
    ),
    ("post", "/v1/checks/validate"),
    ("post", "/v1/screenings"),
    ("get", "/v1/cases/{id}/screening-hits"),
    ("post", "/v1/cases/{id}/screening-hits/{hit_id}/review"),
    ("get", "/v1/events"),
    ("get", "/v1/events/{id}"),
    ("get", "/v1/audit"),
    ("post", "/v1/events/{id}/redeliver"),
    ("get", "/v1/webhook_endpoints"),
    ("post", "/v1/webhook_endpoints"),
    ("get", "/v1/webhook_endpoints/{id}"),
    ("patch", "/v1/webhook_endpoints/{id}"),
    ("delete", "/v1/webhook_endpoints/{id}"),
    ("post", "/v1/webhook_endpoints/{id}/rotate_secret"),
    ("get", "/v1/webhook_endpoints/{id}/attempts"),
    ("post", "/v1/webhook_endpoints/{id}/replay"),
    ("get", "/v1/organization/branding"),
    ("patch", "/v1/organization/branding"),
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

async fn document(app: &TestApp) -> Value {
    send(app.client.get(app.url("/v1/openapi.json")))
        .await
        .json(StatusCode::OK)
}

/// Each documented operation with its method and path.
fn each_operation(document: &Value) -> Vec<(String, String, Value)> {
    documented(document)
        .into_iter()
        .map(|(method, path)| {
            let operation = document["paths"][&path][&method].clone();
            (method, path, operation)
        })
        .collect()
}

/// A path of the operation with every parameter filled with an id that names nothing.
fn concrete(path: &str) -> String {
    path.replace("{id}", MISSING_CASE)
        .replace("{document_id}", "doc_01jzzzzzzzzzzzzzzzzzzzzzzz")
        .replace("{hit_id}", "hit_01jzzzzzzzzzzzzzzzzzzzzzzz")
}

fn parameters_in<'a>(operation: &'a Value, place: &str) -> Vec<&'a Value> {
    operation["parameters"]
        .as_array()
        .map(|all| all.iter().filter(|p| p["in"] == place).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_error_is_documented_as_the_problem_document_it_is() {
    for_each_database(|app| async move {
        let document = document(&app).await;
        for (method, path, operation) in each_operation(&document) {
            let responses = operation["responses"].as_object().unwrap();
            let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
            let label = format!("{method} {path}");
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{label} {status}"
                    );
                    assert_eq!(
                        content["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{label} {status}"
                    );
                    assert!(
                        response["description"].as_str().unwrap().contains('`'),
                        "{label} {status} names no code"
                    );
                }
            }
            assert!(
                !statuses.iter().any(|s| s.contains('X')),
                "{label}: a range instead of statuses"
            );
            assert!(statuses.contains(&"401"), "{label}: 401");
            assert!(statuses.contains(&"500"), "{label}: 500");
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(statuses.contains(&status), "{label}: {status}");
                }
            }
            if !parameters_in(&operation, "path").is_empty() {
                for status in ["400", "404"] {
                    assert!(statuses.contains(&status), "{label}: {status}");
                }
            }
            if !parameters_in(&operation, "query").is_empty() {
                assert!(statuses.contains(&"400"), "{label}: 400");
            }
            if parameters_in(&operation, "header")
                .iter()
                .any(|p| p["name"] == "Idempotency-Key")
            {
                for status in ["409", "422"] {
                    assert!(statuses.contains(&status), "{label}: {status}");
                }
            }

            // What the server answers to no key, a malformed body and the wrong content type
            // is a problem document with a documented status.
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = app.url(&concrete(&path));
            let no_key = send(app.client.request(method.clone(), &url)).await;
            no_key.problem(StatusCode::UNAUTHORIZED, "missing_api_key");
            if let Some(body) = operation.get("requestBody") {
                let is_form = body["content"].get("multipart/form-data").is_some();
                let request = || app.request(method.clone(), &concrete(&path), &app.sandbox.secret);
                let wrong_type = send(
                    request()
                        .header(
                            "content-type",
                            if is_form {
                                "application/json"
                            } else {
                                "text/plain"
                            },
                        )
                        .body("{}"),
                )
                .await;
                wrong_type.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
                let malformed = send(
                    request()
                        .header(
                            "content-type",
                            if is_form {
                                "multipart/form-data"
                            } else {
                                "application/json"
                            },
                        )
                        .body("{\"unfinished\": "),
                )
                .await;
                let code = if is_form {
                    "invalid_multipart"
                } else {
                    "invalid_json"
                };
                malformed.problem(StatusCode::BAD_REQUEST, code);
            }
        }
    })
    .await;
}

/// The schema of a component, or of a `$ref` to one.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_schema_states_the_limits_the_server_enforces() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let document = document(&app).await;

        // `limit` on every list: 1 to 100, refused outside.
        let mut lists = 0;
        for (method, path, operation) in each_operation(&document) {
            let Some(limit) = parameters_in(&operation, "query")
                .into_iter()
                .find(|p| p["name"] == "limit")
            else {
                continue;
            };
            // A list under an object (an endpoint's attempts) is checked by its own tests.
            if path.contains('{') {
                continue;
            }
            lists += 1;
            assert_eq!(method, "get");
            assert_eq!(limit["schema"]["minimum"], 1, "{path}");
            assert_eq!(limit["schema"]["maximum"], 100, "{path}");
            for (limit, ok) in [(0, false), (1, true), (100, true), (101, false)] {
                let reply = send(app.request(Method::GET, &format!("{path}?limit={limit}"), key)).await;
                if ok {
                    reply.json(StatusCode::OK);
                } else {
                    reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit");
                }
            }
        }
        // applicants, cases, events, audit, webhook endpoints
        assert_eq!(lists, 5);

        // Enums are spelled as they are sent.
        let schemas = &document["components"]["schemas"];
        assert_eq!(schemas["CaseKindBody"]["enum"], json!(["kyc", "kyb"]));
        assert_eq!(
            schemas["CompanyDocumentBody"]["enum"][0],
            "certificate-of-incorporation"
        );
        assert!(schemas["StepBody"]["enum"].as_array().unwrap().contains(&json!("personal_details")));
        let cases = &document["paths"]["/v1/cases"]["get"];
        let status = parameters_in(cases, "query").into_iter().find(|p| p["name"] == "status").unwrap();
        assert!(resolve(&document, &status["schema"])["enum"].as_array().unwrap().contains(&json!("in_review")));

        // The Idempotency-Key: 1 to 255 printable ASCII characters.
        let create = &document["paths"]["/v1/cases"]["post"];
        let idempotency = parameters_in(create, "header").into_iter().find(|p| p["name"] == "Idempotency-Key").unwrap();
        assert_eq!(idempotency["schema"]["pattern"], "^[\\x21-\\x7e]{1,255}$");

        // Bodies: no property the server would refuse as unknown, and its length limits.
        for name in ["CreateApplicantBody", "CreateCaseBody", "IndividualBody", "CreateFlowBody"] {
            assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
        }
        let first_name = &schemas["IndividualBody"]["properties"]["first_name"];
        assert_eq!(first_name["maxLength"], 200);
        let long_name = "n".repeat(201);
        app.post_problem(
            key,
            "/v1/applicants",
            &json!({"type": "individual", "individual": {"first_name": long_name}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        // Surrounding spaces count: the schema's limit is on what is sent.
        app.post_problem(
            key,
            "/v1/applicants",
            &json!({"type": "individual", "individual": {"first_name": format!(" {} ", "n".repeat(199))}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        app.create_applicant(key, json!({"type": "individual", "individual": {"first_name": "n".repeat(200)}}))
            .await;
        assert_eq!(schemas["CreateFlowBody"]["properties"]["min_age"]["minimum"], 14);
        assert_eq!(schemas["CreateFlowBody"]["properties"]["min_age"]["maximum"], 25);
        assert_eq!(schemas["DecideCaseBody"]["properties"]["reason_code"]["pattern"], "^[a-z0-9_.-]{1,64}$");
    })
    .await;
}

#[tokio::test]
async fn the_docs_page_runs_under_a_content_security_policy() {
    for_each_database(|app| async move {
        let page = send(app.client.get(app.url("/docs"))).await;
        let html = page.html(StatusCode::OK);
        let policy = page.header("content-security-policy").expect("a CSP");
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        // The page's one stylesheet is allowed by its hash, so the page still renders.
        let start = html.find("<style>").unwrap() + "<style>".len();
        let end = html.find("</style>").unwrap();
        let digest = Sha256::digest(&html.as_bytes()[start..end]);
        use base64::Engine as _;
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        assert!(
            policy.contains(&format!("style-src 'sha256-{hash}'")),
            "{policy}"
        );
        // No HSTS over plain http: the public URL of the test server is http.
        assert_eq!(page.header("strict-transport-security"), None);
    })
    .await;
}

#[tokio::test]
async fn an_https_public_url_turns_on_strict_transport_security() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn_with(&db, |config| ServiceConfig {
            public_url: "https://kyc.example.com".to_owned(),
            ..config
        })
        .await;
        for path in ["/healthz", "/docs", "/v1/cases"] {
            let reply = send(app.client.get(app.url(path))).await;
            assert_eq!(
                reply.header("strict-transport-security"),
                Some("max-age=31536000"),
                "{path}"
            );
        }
        drop(app);
        db.cleanup().await;
    }
}
