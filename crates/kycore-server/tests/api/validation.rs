//! Bad input: every malformed, mistyped or invalid request gets a problem document with a
//! stable code (never a 500), and none of them writes anything.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{MISSING_CASE, TestApp, business, for_each_database, individual, send};

/// Sends a raw body to `POST path` with `content_type`.
async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> crate::helpers::Reply {
    send(
        app.request(Method::POST, path, &app.sandbox.secret)
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

/// The field paths a problem's `errors` name.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs `bad` and checks that the tenant's lists show nothing new afterwards.
async fn writes_nothing(app: &TestApp, bad: impl AsyncFnOnce()) {
    let before = app.snapshot(&app.sandbox.secret).await;
    bad().await;
    assert_eq!(app.snapshot(&app.sandbox.secret).await, before);
}

#[tokio::test]
async fn malformed_json_is_400() {
    for_each_database(|app| async move {
        for raw in [
            &b"{\"kind\": "[..],
            b"not json",
            b"{\"kind\": \"kyc\"} trailing",
            b"",
        ] {
            writes_nothing(&app, async || {
                post_raw(&app, "/v1/cases", "application/json", raw.to_vec())
                    .await
                    .problem(StatusCode::BAD_REQUEST, "invalid_json");
            })
            .await;
        }
    })
    .await;
}

#[tokio::test]
async fn bodies_that_do_not_fit_the_schema_are_422_naming_the_field() {
    for_each_database(|app| async move {
        let cases = [
            // Wrong type.
            (json!({"kind": 5, "applicant": individual("SE")}), "kind", "invalid_type"),
            (
                json!({"kind": "kyc", "applicant": {"type": "individual", "individual": {"first_name": 7}}}),
                "applicant.individual.first_name",
                "invalid_type",
            ),
            // Unknown enum value.
            (json!({"kind": "kyz", "applicant": individual("SE")}), "kind", "invalid_value"),
            // Unknown field.
            (json!({"kind": "kyc", "applicant": individual("SE"), "colour": "red"}), "colour", "unknown_field"),
            (
                json!({"kind": "kyc", "applicant": {"type": "individual", "individual": {"shoe_size": 44}}}),
                "applicant.individual.shoe_size",
                "unknown_field",
            ),
            // Missing field.
            (json!({"applicant": individual("SE")}), "kind", "missing_field"),
            (json!({"kind": "kyc", "applicant": {"individual": {}}}), "applicant.type", "missing_field"),
        ];
        for (body, field, code) in cases {
            writes_nothing(&app, async || {
                let problem = app
                    .post_problem(&app.sandbox.secret, "/v1/cases", &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
                    .await;
                assert_eq!(problem["errors"][0]["field"], field, "body {body}: {problem}");
                assert_eq!(problem["errors"][0]["code"], code, "body {body}: {problem}");
            })
            .await;
        }
    })
    .await;
}

#[tokio::test]
async fn wrong_content_type_is_415_and_oversized_bodies_413() {
    for_each_database(|app| async move {
        let valid =
            serde_json::to_vec(&json!({"kind": "kyc", "applicant": individual("SE")})).unwrap();
        writes_nothing(&app, async || {
            for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
                post_raw(&app, "/v1/cases", content_type, valid.clone())
                    .await
                    .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
            }
            let no_type = send(
                app.request(Method::POST, "/v1/cases", &app.sandbox.secret)
                    .body(valid.clone()),
            )
            .await;
            no_type.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

            let padding = "x".repeat(1024 * 1024 + 16);
            let huge = serde_json::to_vec(&json!({"kind": "kyc", "applicant": individual("SE"),
                                                   "metadata": {"padding": padding}}))
            .unwrap();
            post_raw(&app, "/v1/cases", "application/json", huge.clone())
                .await
                .problem(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
            // Also when the idempotency layer reads the body first.
            send(
                app.request(Method::POST, "/v1/cases", &app.sandbox.secret)
                    .header("content-type", "application/json")
                    .header("idempotency-key", "huge-1")
                    .body(huge),
            )
            .await
            .problem(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn invalid_personal_data_is_422_with_field_paths() {
    for_each_database(|app| async move {
        let bad = json!({"type": "individual", "individual": {
            "first_name": "Ada", "nationality": "XX", "date_of_birth": "1985-02-30",
            "email": "ada-at-example", "phone": "0701234567",
            "address": {"line1": "1 Road", "country": "Sweden"}}});
        let expected = [
            "individual.date_of_birth",
            "individual.nationality",
            "individual.email",
            "individual.phone",
            "individual.address.country",
        ];
        writes_nothing(&app, async || {
            let problem = app
                .post_problem(
                    &app.sandbox.secret,
                    "/v1/applicants",
                    &bad,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
            assert_same_fields(&fields(&problem), &expected);

            let inline = json!({"kind": "kyc", "applicant": bad});
            let problem = app
                .post_problem(
                    &app.sandbox.secret,
                    "/v1/cases",
                    &inline,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
            let prefixed: Vec<String> = expected.iter().map(|f| format!("applicant.{f}")).collect();
            assert_same_fields(&fields(&problem), &prefixed);

            let future_birth =
                json!({"type": "individual", "individual": {"date_of_birth": "2999-01-01"}});
            let problem = app
                .post_problem(
                    &app.sandbox.secret,
                    "/v1/applicants",
                    &future_birth,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
            assert_eq!(fields(&problem), ["individual.date_of_birth"]);

            let case_fields = json!({"kind": "kyc", "applicant": individual("SE"),
                                     "redirect_url": "javascript:alert(1)"});
            let problem = app
                .post_problem(
                    &app.sandbox.secret,
                    "/v1/cases",
                    &case_fields,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
            assert_eq!(fields(&problem), ["redirect_url"]);
        })
        .await;

        // An update is validated the same way and leaves the stored applicant as it was.
        let applicant = app
            .create_applicant(&app.sandbox.secret, individual("SE"))
            .await;
        let path = format!("/v1/applicants/{}", applicant["id"].as_str().unwrap());
        let patch = json!({"individual": {"email": "nope"}});
        let problem = send(app.request_json(Method::PATCH, &path, &app.sandbox.secret, &patch))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(fields(&problem), ["individual.email"]);
        assert_eq!(app.get_json(&app.sandbox.secret, &path).await, applicant);
    })
    .await;
}

fn assert_same_fields(actual: &[String], expected: &[impl AsRef<str>]) {
    let mut actual = actual.to_vec();
    let mut expected: Vec<String> = expected.iter().map(|f| f.as_ref().to_owned()).collect();
    actual.sort();
    expected.sort();
    assert_eq!(actual, expected);
}

#[tokio::test]
async fn unknown_ids_routes_and_methods() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        writes_nothing(&app, async || {
            for path in [
                format!("/v1/cases/{MISSING_CASE}"),
                "/v1/cases/not-an-id".to_owned(),
                "/v1/applicants/case_01jzzzzzzzzzzzzzzzzzzzzzzz".to_owned(),
                "/v1/flows/nope".to_owned(),
                "/v1/events/evt_nope".to_owned(),
            ] {
                app.get_problem(key, &path, StatusCode::NOT_FOUND, "not_found")
                    .await;
            }
            app.post_problem(
                key,
                "/v1/cases",
                &json!({"kind": "kyc", "applicant_id": "app_nope"}),
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
            app.post_problem(
                key,
                "/v1/cases",
                &json!({"kind": "kyc", "applicant": individual("SE"), "flow_id": "flow_nope"}),
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;

            for path in ["/v1/nothing-here", "/nothing-here", "/v1/cases/x/y/z"] {
                app.get_problem(key, path, StatusCode::NOT_FOUND, "not_found")
                    .await;
            }
            for (method, path) in [
                (Method::DELETE, "/v1/cases".to_owned()),
                (Method::PUT, format!("/v1/cases/{MISSING_CASE}")),
                (Method::GET, format!("/v1/cases/{MISSING_CASE}/cancel")),
                (Method::DELETE, "/v1/events".to_owned()),
            ] {
                send(app.request(method, &path, key))
                    .await
                    .problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
            }
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn bad_query_parameters_are_400_and_bad_limits_422() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        for path in [
            "/v1/cases?colour=red",
            "/v1/cases?status=bogus",
            "/v1/cases?kind=kyz",
            "/v1/cases?limit=ten",
            "/v1/cases?created_after=yesterday",
            "/v1/cases?created_before=2026-13-01T00:00:00Z",
            "/v1/applicants?type=robot",
            "/v1/events?type=case.exploded",
            "/v1/events?case=1",
        ] {
            app.get_problem(key, path, StatusCode::BAD_REQUEST, "invalid_query")
                .await;
        }
        for path in [
            "/v1/cases?limit=0",
            "/v1/cases?limit=101",
            "/v1/applicants?limit=-1",
            "/v1/events?limit=1000",
        ] {
            app.get_problem(key, path, StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit")
                .await;
        }
    })
    .await;
}

#[tokio::test]
async fn applicants_must_fit_the_case() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let company = app.create_applicant(key, business("SE")).await;
        let person = app.create_applicant(key, individual("SE")).await;
        let kyb_flow = app.create_flow(key, json!({"name": "Companies", "kind": "kyb"})).await;
        let bad = [
            (json!({"kind": "kyc", "applicant": business("SE")}), "applicant_type_mismatch"),
            (json!({"kind": "kyc", "applicant_id": company["id"]}), "applicant_type_mismatch"),
            (json!({"kind": "kyb", "applicant": individual("SE")}), "applicant_type_mismatch"),
            (json!({"kind": "kyc"}), "applicant_required"),
            (json!({"kind": "kyc", "applicant_id": person["id"], "applicant": individual("SE")}), "applicant_required"),
            (json!({"kind": "kyc", "applicant_id": person["id"], "flow_id": "flow_kyb_default"}), "flow_kind_mismatch"),
            (json!({"kind": "kyc", "applicant_id": person["id"], "flow_id": kyb_flow["id"]}), "flow_kind_mismatch"),
            (json!({"kind": "kyb", "applicant_id": company["id"], "flow_id": "flow_kyc_default"}), "flow_kind_mismatch"),
        ];
        for (body, code) in bad {
            writes_nothing(&app, async || {
                app.post_problem(key, "/v1/cases", &body, StatusCode::UNPROCESSABLE_ENTITY, code).await;
            })
            .await;
        }
    })
    .await;
}

#[tokio::test]
async fn arrays_and_other_non_objects_are_not_taken_for_objects() {
    for_each_database(|app| async move {
        // serde alone fills a struct from an array by position: `["individual"]` would
        // create an individual applicant.
        let cases: [(&str, &[u8], &str); 7] = [
            ("/v1/applicants", br#"["individual"]"#, ""),
            ("/v1/applicants", br#"[]"#, ""),
            (
                "/v1/applicants",
                br#"{"type": "individual", "individual": []}"#,
                "individual",
            ),
            (
                "/v1/cases",
                br#"{"kind": "kyc", "applicant": ["individual"]}"#,
                "applicant",
            ),
            ("/v1/applicants", br#""individual""#, ""),
            ("/v1/applicants", b"5", ""),
            ("/v1/applicants", b"null", ""),
        ];
        for (path, body, field) in cases {
            writes_nothing(&app, async || {
                let problem = post_raw(&app, path, "application/json", body.to_vec())
                    .await
                    .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
                assert_eq!(problem["errors"][0]["field"], field, "{problem}");
                assert_eq!(problem["errors"][0]["code"], "invalid_type", "{problem}");
            })
            .await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_field_sent_twice_is_refused_naming_it() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = app.create_case(key).await;
        let documents = format!("/v1/cases/{}/documents", case["id"].as_str().unwrap());
        writes_nothing(&app, async || {
            for (body, field) in [
                (
                    &br#"{"kind": "kyc", "kind": "kyb", "applicant": {"type": "individual"}}"#[..],
                    "kind",
                ),
                (
                    br#"{"kind": "kyc", "applicant": {"type": "individual"}, "metadata": {"a": 1, "a": 2}}"#,
                    "metadata.a",
                ),
            ] {
                let problem = post_raw(&app, "/v1/cases", "application/json", body.to_vec())
                    .await
                    .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
                assert_eq!(problem["errors"][0]["field"], field, "{problem}");
                assert_eq!(problem["errors"][0]["code"], "duplicate_field", "{problem}");
            }
            // A form's single-valued fields too: which `type` would count?
            let form = reqwest::multipart::Form::new()
                .text("type", "passport")
                .text("type", "selfie")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(crate::helpers::document_photo())
                        .file_name("scan.jpg"),
                );
            let problem = send(app.request(Method::POST, &documents, key).multipart(form))
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
            assert_eq!(problem["errors"][0]["field"], "type", "{problem}");
            assert_eq!(problem["errors"][0]["code"], "duplicate_field", "{problem}");
        })
        .await;
        let listed = app.get_json(key, &documents).await;
        assert_eq!(listed["data"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn malformed_forms_and_paths_get_problem_documents() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let documents = format!("/v1/cases/{MISSING_CASE}/documents");
        for content_type in ["multipart/form-data", "multipart/form-data; boundary="] {
            post_raw(&app, &documents, content_type, b"--x\r\n".to_vec())
                .await
                .problem(StatusCode::BAD_REQUEST, "invalid_multipart");
        }
        for content_type in ["application/json", "text/plain"] {
            post_raw(&app, &documents, content_type, b"{}".to_vec())
                .await
                .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
        }
        send(app.request(Method::POST, &documents, key))
            .await
            .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

        // No id holds a control character: missing, before PostgreSQL (which refuses a NUL
        // in text) sees it.
        for path in [
            "/v1/cases/case_%00x",
            "/v1/webhook_endpoints/whep_%1b",
            "/v1/events/evt_%7F",
        ] {
            app.get_problem(key, path, StatusCode::NOT_FOUND, "not_found")
                .await;
        }
        // Percent-encoded bytes that are not UTF-8 name nothing: the request is malformed.
        for path in [
            "/v1/cases/%FF".to_owned(),
            "/v1/applicants/app_%C3%28".to_owned(),
            format!("/v1/cases/{MISSING_CASE}/documents/doc_%FF/file"),
        ] {
            app.get_problem(key, &path, StatusCode::BAD_REQUEST, "invalid_path")
                .await;
        }
        post_raw(
            &app,
            "/v1/cases/%FF/cancel",
            "application/json",
            b"{}".to_vec(),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_path");
    })
    .await;
}
