//! API-driven collection and processing: details, submission, the checks the native provider
//! runs, the rules' decision and its events; and ad-hoc validation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, business, for_each_database, send};

/// Runs the worker until no job is due.
async fn run_jobs(app: &TestApp) {
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

async fn submit(app: &TestApp, key: &str, case_id: &str) -> Value {
    app.post_json(
        key,
        &format!("/v1/cases/{case_id}/submit"),
        &json!({}),
        StatusCode::OK,
    )
    .await
}

fn statuses_by_kind(case: &Value) -> Vec<(String, String)> {
    case["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_submitted_case_is_checked_and_decided_by_the_rules() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = app.create_case(key).await;
        let case_id = case["id"].as_str().unwrap();
        assert_eq!(submit(&app, key, case_id).await["status"], "submitted");
        run_jobs(&app).await;

        let decided = app.get_case(key, case_id).await;
        assert_eq!(decided["status"], "approved", "{decided}");
        assert_eq!(decided["decision"]["decided_by"], "rules");
        assert_eq!(decided["decision"]["reason_code"], "no_rule_fired");
        assert_eq!(
            statuses_by_kind(&decided),
            [
                ("email", "passed"),
                ("phone", "passed"),
                ("country", "passed"),
                ("duplicate_applicant", "passed"),
                ("screening", "passed")
            ]
            .map(|(k, s)| (k.to_owned(), s.to_owned()))
        );
        assert!(decided["checks"][0]["explanation"].as_str().unwrap().len() > 10);
        assert_eq!(decided["checks"][0]["provider"], "native");

        let types: Vec<String> = app
            .case_events(key, case_id)
            .await
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(types.iter().filter(|t| *t == "check.completed").count(), 5);
        assert_eq!(types.iter().filter(|t| *t == "case.decided").count(), 1);
        // Running the worker again changes nothing: the job is gone and the case final.
        run_jobs(&app).await;
        assert_eq!(app.get_case(key, case_id).await, decided);
    })
    .await;
}

#[tokio::test]
async fn a_failed_identifier_rejects_a_business() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let mut applicant = business("DE");
        applicant["business"]["vat_number"] = json!("DE136695978");
        applicant["business"]["lei"] = json!("5493001KJTIIGC8Y1R12");
        let case = app
            .create_case_with(key, json!({"kind": "kyb", "applicant": applicant}))
            .await;
        let case_id = case["id"].as_str().unwrap();
        submit(&app, key, case_id).await;
        run_jobs(&app).await;
        let decided = app.get_case(key, case_id).await;
        assert_eq!(decided["status"], "rejected");
        assert_eq!(decided["decision"]["reason_code"], "check_failed");
        // The decision records the rule that fired and the facts it read.
        let fired = &decided["decision"]["rules"][0];
        assert_eq!(fired["name"], "check_failed");
        assert_eq!(fired["inputs"]["failed_checks"], json!(["vat"]));
        let vat = decided["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "vat")
            .unwrap();
        assert_eq!(vat["status"], "failed");
        assert_eq!(vat["result"]["valid"], false);
    })
    .await;
}

#[tokio::test]
async fn details_are_taken_until_submission() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = app.create_case(key).await;
        let case_id = case["id"].as_str().unwrap();
        let path = format!("/v1/cases/{case_id}/details");
        let details = json!({"individual": {"first_name": "Grace", "last_name": "Hopper", "nationality": "US"}});
        send(app.request_json(Method::PUT, &path, key, &details)).await.json(StatusCode::OK);
        let applicant = app.get_json(key, &format!("/v1/applicants/{}", case["applicant_id"].as_str().unwrap())).await;
        assert_eq!(applicant["individual"]["last_name"], "Hopper");

        let invalid = json!({"individual": {"nationality": "XX"}});
        send(app.request_json(Method::PUT, &path, key, &invalid))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        submit(&app, key, case_id).await;
        send(app.request_json(Method::PUT, &path, key, &details))
            .await
            .problem(StatusCode::CONFLICT, "case_not_awaiting_applicant");
        app.post_problem(key, &format!("/v1/cases/{case_id}/submit"), &json!({}), StatusCode::CONFLICT, "invalid_transition")
            .await;
        // Another tenant cannot submit or fill it.
        app.post_problem(&app.other_sandbox.secret, &format!("/v1/cases/{case_id}/submit"), &json!({}), StatusCode::NOT_FOUND, "not_found")
            .await;
    })
    .await;
}

#[tokio::test]
async fn identifiers_validate_ad_hoc() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let validate = |body: Value| {
            let app = &app;
            async move { app.post_json(key, "/v1/checks/validate", &body, StatusCode::OK).await }
        };
        let lei = validate(json!({"type": "lei", "value": "5493001kjtiigc8y1r12"})).await;
        assert_eq!((lei["valid"].clone(), lei["normalized"].clone()), (json!(true), json!("5493001KJTIIGC8Y1R12")));

        let iban = validate(json!({"type": "iban", "value": "GB82 WEST 1234 5698 7654 33"})).await;
        assert_eq!(iban["valid"], false);
        assert_eq!(iban["errors"][0]["code"], "invalid_check_digit");

        let mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let parsed = validate(json!({"type": "mrz", "value": mrz})).await;
        assert_eq!(parsed["valid"], true, "{parsed}");

        app.post_problem(key, "/v1/checks/validate", &json!({"type": "nope", "value": "x"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
            .await;
        app.post_problem("", "/v1/checks/validate", &json!({"type": "lei", "value": "x"}), StatusCode::UNAUTHORIZED, "missing_api_key")
            .await;
    })
    .await;
}
