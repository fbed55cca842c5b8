//! Rules and decisions: flows with their own rules (validated on creation), resubmission of
//! exactly the failed steps with the flow's attempt limit, duplicate applicants and
//! documents, the sandbox's magic values, and screening hits with their review.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, for_each_database, individual, send};

const FLOWS: &str = "/v1/flows";

/// The ICAO Doc 9303 specimen passport (Utopia): valid check digits, expired in 2012.
const UTOPIA_TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn photo() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fixtures/kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg"
    );
    std::fs::read(path).unwrap()
}

async fn run_jobs(app: &TestApp) {
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

async fn upload_passport(
    app: &TestApp,
    key: &str,
    case_id: &str,
    file: Vec<u8>,
) -> crate::helpers::Reply {
    let form = Form::new()
        .text("type", "passport")
        .text("mrz", UTOPIA_TD3)
        .part("file", Part::bytes(file).file_name("scan.jpg"));
    send(
        app.request(Method::POST, &format!("/v1/cases/{case_id}/documents"), key)
            .multipart(form),
    )
    .await
}

/// Submits a case and runs the checks; returns the decided case.
async fn submit_and_decide(app: &TestApp, key: &str, case_id: &str) -> Value {
    app.post_json(
        key,
        &format!("/v1/cases/{case_id}/submit"),
        &json!({}),
        StatusCode::OK,
    )
    .await;
    run_jobs(app).await;
    app.get_case(key, case_id).await
}

fn applicant_named(first: &str, last: &str) -> Value {
    let mut applicant = individual("SE");
    applicant["individual"]["first_name"] = json!(first);
    applicant["individual"]["last_name"] = json!(last);
    applicant
}

async fn case_for(app: &TestApp, key: &str, applicant: Value, flow_id: Option<&str>) -> String {
    let mut body = json!({"kind": "kyc", "applicant": applicant});
    if let Some(flow) = flow_id {
        body["flow_id"] = json!(flow);
    }
    app.create_case_with(key, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn error_codes(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_broken_rule_is_refused_when_the_flow_is_created() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let rule = |name: &str, when: &str| json!({"name": name, "when": when, "outcome": "reject", "reason_code": "r"});
        // Under 2 KB, but cubic: it would build 27 million values on every case.
        let list = vec!["1"; 300].join(",");
        let cubic = format!("[{list}].map(x, [{list}].map(y, [{list}])).size() > 0");
        let body = json!({
            "name": "Strict", "kind": "kyc",
            "rules": [
                rule("a", "applicant.age <"),
                rule("b", "customer.age < 18"),
                rule("c", "applicant.age"),
                {"name": "redo", "when": "true", "outcome": "request_resubmission", "reason_code": "x", "steps": ["company_details"]},
                rule("d", &cubic),
            ],
        });
        let problem = app
            .post_problem(key, FLOWS, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
        let codes = error_codes(&problem);
        assert!(codes.contains(&("rules[3].steps[0]".into(), "step_not_in_flow".into())), "{codes:?}");
        assert!(codes.contains(&("rules[0].when".into(), "rule_syntax".into())), "{codes:?}");
        assert!(codes.contains(&("rules[1].when".into(), "rule_unknown_fact".into())), "{codes:?}");
        assert!(codes.contains(&("rules[2].when".into(), "rule_not_boolean".into())), "{codes:?}");
        assert!(codes.contains(&("rules[4].when".into(), "rule_too_expensive".into())), "{codes:?}");
        assert!(app.list(key, FLOWS).await.iter().all(|f| f["builtin"] == true));
    })
    .await;
}

#[tokio::test]
async fn a_flow_rule_decides_and_the_decision_shows_what_it_read() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let flow = app
            .create_flow(key, json!({
                "name": "No Ruritania", "kind": "kyc",
                "rules": [
                    {"name": "restricted_country", "when": "applicant.nationality in ['IR', 'KP']",
                     "outcome": "reject", "reason_code": "restricted_country"},
                    {"name": "young", "when": "applicant.age != null && applicant.age < 21",
                     "outcome": "review", "reason_code": "young_applicant"},
                ],
            }))
            .await;
        assert_eq!(flow["custom_rules"], true);
        assert_eq!(flow["steps"][0], "consent");
        let flow_id = flow["id"].as_str().unwrap();

        let case_id = case_for(&app, key, individual("IR"), Some(flow_id)).await;
        let decided = submit_and_decide(&app, key, &case_id).await;
        assert_eq!(decided["status"], "rejected", "{decided}");
        assert_eq!(decided["decision"]["reason_code"], "restricted_country");
        assert_eq!(
            decided["decision"]["rules"][0]["inputs"],
            json!({"applicant.nationality": "IR"})
        );

        let case_id = case_for(&app, key, individual("SE"), Some(flow_id)).await;
        let decided = submit_and_decide(&app, key, &case_id).await;
        assert_eq!(decided["status"], "approved", "{decided}");
        assert_eq!(decided["decision"]["reason_code"], "no_rule_fired");
    })
    .await;
}

#[tokio::test]
async fn a_review_four_eyes_rule_makes_an_approval_wait_for_a_second_person() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let flow = app
            .create_flow(
                key,
                json!({
                    "name": "High risk twice", "kind": "kyc",
                    "rules": [
                        {"name": "high_risk_country", "when": "applicant.nationality in ['IR']",
                         "outcome": "review_four_eyes", "reason_code": "high_risk_country"},
                    ],
                }),
            )
            .await;
        assert_eq!(flow["four_eyes"], false);
        assert_eq!(flow["rules"][0]["outcome"], "review_four_eyes");
        let flow_id = flow["id"].as_str().unwrap();
        let approve = json!({"decision": "approve"});

        let risky = case_for(&app, key, individual("IR"), Some(flow_id)).await;
        let decided = submit_and_decide(&app, key, &risky).await;
        assert_eq!(decided["status"], "in_review", "{decided}");
        assert_eq!(
            decided["decision"]["rules"][0]["outcome"],
            "review_four_eyes"
        );
        let first = app.decide(key, &risky, &approve, StatusCode::OK).await;
        let first = first.json(StatusCode::OK);
        assert_eq!(first["status"], "in_review", "{first}");
        assert!(
            first["first_approval"]["approved_by"].is_string(),
            "{first}"
        );
        app.decide(key, &risky, &approve, StatusCode::CONFLICT)
            .await
            .problem(StatusCode::CONFLICT, "second_approver_required");
        let (_, other_key) = app.extra_sandbox_key().await;
        let second = app
            .decide(&other_key, &risky, &approve, StatusCode::OK)
            .await;
        assert_eq!(second.json(StatusCode::OK)["status"], "approved");

        // Where the rule did not fire, one approval is enough.
        let plain = case_for(&app, key, individual("SE"), Some(flow_id)).await;
        app.complete_sandbox(key, &plain, "in_review").await;
        let decided = app.decide(key, &plain, &approve, StatusCode::OK).await;
        assert_eq!(decided.json(StatusCode::OK)["status"], "approved");
    })
    .await;
}

#[tokio::test]
async fn a_rejected_document_reopens_its_step_until_the_attempts_run_out() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let flow = app
            .create_flow(
                key,
                json!({"name": "Two tries", "kind": "kyc", "max_attempts": 2}),
            )
            .await;
        let applicant = json!({"type": "individual", "individual": {
            "first_name": "Anna Maria", "last_name": "Eriksson", "date_of_birth": "1974-08-12"}});
        let case_id = case_for(&app, key, applicant, flow["id"].as_str()).await;

        upload_passport(&app, key, &case_id, photo())
            .await
            .json(StatusCode::CREATED);
        let first = submit_and_decide(&app, key, &case_id).await;
        assert_eq!(first["status"], "resubmission_requested", "{first}");
        assert_eq!(
            first["decision"]["resubmission_steps"],
            json!(["identity_document"])
        );

        // The link reopens; a second upload is attempt 2, the last one the flow allows.
        let second = upload_passport(&app, key, &case_id, photo())
            .await
            .json(StatusCode::CREATED);
        assert_eq!(second["attempt"], 2);
        let decided = submit_and_decide(&app, key, &case_id).await;
        assert_eq!(decided["status"], "rejected", "{decided}");
        assert_eq!(decided["decision"]["reason_code"], "check_failed");
        // Both rounds' checks are shown, the first round's marked as superseded.
        let checks = decided["checks"].as_array().unwrap();
        let rules: Vec<(u64, bool)> = checks
            .iter()
            .filter(|c| c["kind"] == "document_rules")
            .map(|c| {
                (
                    c["round"].as_u64().unwrap(),
                    c["superseded"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(rules, [(1, true), (2, false)], "{checks:?}");
        let first_round = checks.iter().filter(|c| c["round"] == 1).count();
        assert!(first_round > 1, "a round holds every check it ran");
        assert!(
            checks
                .iter()
                .filter(|c| c["round"] == 1)
                .all(|c| c["superseded"] == true)
        );
        let documents = app
            .get_json(key, &format!("/v1/cases/{case_id}/documents"))
            .await["data"]
            .clone();
        assert_eq!(documents.as_array().unwrap().len(), 2);
        assert!(
            documents
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["status"] == "rejected")
        );
    })
    .await;
}

#[tokio::test]
async fn uploads_past_the_flows_limit_are_refused() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let flow = app
            .create_flow(
                key,
                json!({"name": "One try", "kind": "kyc", "max_attempts": 1}),
            )
            .await;
        let case_id = case_for(&app, key, individual("SE"), flow["id"].as_str()).await;
        upload_passport(&app, key, &case_id, photo())
            .await
            .json(StatusCode::CREATED);
        upload_passport(&app, key, &case_id, photo())
            .await
            .problem(StatusCode::CONFLICT, "attempts_exhausted");

        // A flow without a limit of its own still stops a case at 50 documents, and a flow
        // that names no limit gets 3 tries.
        let unlimited = app
            .create_flow(
                key,
                json!({"name": "No limit", "kind": "kyc", "max_attempts": 0}),
            )
            .await;
        let defaulted = app
            .create_flow(key, json!({"name": "Default", "kind": "kyc"}))
            .await;
        assert_eq!(defaulted["max_attempts"], 3);
        let case_id = case_for(&app, key, individual("SE"), unlimited["id"].as_str()).await;
        let pdf =
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        let upload = || {
            let form = Form::new()
                .text("type", "other")
                .part("file", Part::bytes(pdf.to_vec()).file_name("page.pdf"));
            send(
                app.request(Method::POST, &format!("/v1/cases/{case_id}/documents"), key)
                    .multipart(form),
            )
        };
        for _ in 0..50 {
            upload().await.json(StatusCode::CREATED);
        }
        upload()
            .await
            .problem(StatusCode::CONFLICT, "too_many_documents");
    })
    .await;
}

#[tokio::test]
async fn look_alike_applicants_and_reused_documents_go_to_a_person() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let mut first = individual("SE");
        first["individual"]["id_number"] = json!("19851210-1234");
        let first_case = case_for(&app, key, first.clone(), None).await;
        upload_passport(&app, key, &first_case, photo())
            .await
            .json(StatusCode::CREATED);
        let first_applicant = app.get_case(key, &first_case).await["applicant_id"].clone();

        // Same id number written differently, and the same file uploaded.
        first["individual"]["id_number"] = json!("198512101234");
        first["individual"]["first_name"] = json!("Augusta");
        let second_case = case_for(&app, key, first, None).await;
        upload_passport(&app, key, &second_case, photo())
            .await
            .json(StatusCode::CREATED);
        let decided = submit_and_decide(&app, key, &second_case).await;
        assert_eq!(decided["status"], "in_review", "{decided}");
        assert_eq!(decided["decision"]["reason_code"], "duplicate_applicant");
        let duplicate = decided["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "duplicate_applicant")
            .unwrap();
        assert_eq!(
            duplicate["result"]["applicant_ids"],
            json!([first_applicant])
        );
        let documents = app
            .get_json(key, &format!("/v1/cases/{second_case}/documents"))
            .await["data"]
            .clone();
        let reasons: Vec<&str> = documents[0]["rejection_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap())
            .collect();
        assert!(reasons.contains(&"document_duplicate"), "{reasons:?}");
        // Another organization's applicants are never compared.
        let other = case_for(&app, &app.other_sandbox.secret, individual("SE"), None).await;
        let decided = submit_and_decide(&app, &app.other_sandbox.secret, &other).await;
        assert_eq!(decided["status"], "approved", "{decided}");
    })
    .await;
}

#[tokio::test]
async fn sandbox_magic_values_force_each_outcome() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let expectations = [
            ("Sandbox-Reject", "rejected", "check_failed"),
            ("Sandbox-Review", "in_review", "check_needs_review"),
            (
                "Sandbox-Resubmit",
                "resubmission_requested",
                "resubmission_needed",
            ),
            ("Lovelace", "approved", "no_rule_fired"),
        ];
        for (last_name, status, reason) in expectations {
            let case_id = case_for(&app, key, applicant_named("Ada", last_name), None).await;
            let decided = submit_and_decide(&app, key, &case_id).await;
            assert_eq!(decided["status"], status, "{last_name}: {decided}");
            assert_eq!(decided["decision"]["reason_code"], reason, "{last_name}");
        }
        // Magic values mean nothing in live: there the sandbox check does not run.
        let live = &app.live.secret;
        let case_id = case_for(&app, live, applicant_named("Ada", "Sandbox-Reject"), None).await;
        let decided = submit_and_decide(&app, live, &case_id).await;
        assert!(
            decided["checks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["kind"] != "sandbox")
        );
        // …and with no watchlist loaded, a live case is not approved unscreened.
        assert_eq!(decided["status"], "in_review", "{decided}");
        assert_eq!(decided["decision"]["reason_code"], "check_needs_review");
    })
    .await;
}

#[tokio::test]
async fn a_hit_reviewed_as_a_false_match_does_not_come_back() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let mut applicant = applicant_named("Viktor", "Sandboxov");
        applicant["individual"]["date_of_birth"] = json!("1970-03-04");
        let created = app
            .create_case_with(key, json!({"kind": "kyc", "applicant": applicant}))
            .await;
        let case_id = created["id"].as_str().unwrap();
        let decided = submit_and_decide(&app, key, case_id).await;
        assert_eq!(decided["status"], "in_review", "{decided}");
        assert_eq!(decided["decision"]["reason_code"], "screening_hit");
        let hits = decided["screening_hits"].as_array().unwrap();
        assert_eq!(hits.len(), 1, "{decided}");
        assert_eq!(hits[0]["list"], "kycore_sandbox");
        assert_eq!(hits[0]["status"], "open");
        assert_eq!(hits[0]["detail"]["name"], "Viktor Sandboxov");
        assert!(hits[0]["detail"]["explanation"].is_object());
        let hit_id = hits[0]["id"].as_str().unwrap();
        let events: Vec<String> = app
            .case_events(key, case_id)
            .await
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect();
        assert!(events.contains(&"screening.match_found".to_owned()));

        let review = format!("/v1/cases/{case_id}/screening-hits/{hit_id}/review");
        app.post_problem(
            key,
            &review,
            &json!({"verdict": "maybe"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        )
        .await;
        app.post_problem(
            &app.other_sandbox.secret,
            &review,
            &json!({"verdict": "false_match"}),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let reviewed = app
            .post_json(
                key,
                &review,
                &json!({"verdict": "false_match", "note": "born 1970, other person"}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(reviewed["status"], "false_match");
        let listed = app
            .get_json(key, &format!("/v1/cases/{case_id}/screening-hits"))
            .await;
        assert_eq!(listed["data"][0]["status"], "false_match");
        app.decide(
            key,
            case_id,
            &json!({"decision": "approve"}),
            StatusCode::OK,
        )
        .await;

        // The same applicant's next case: the remembered false match stays away.
        let applicant_id = created["applicant_id"].as_str().unwrap();
        let next = app
            .create_case_with(key, json!({"kind": "kyc", "applicant_id": applicant_id}))
            .await;
        let next_id = next["id"].as_str().unwrap();
        let decided = submit_and_decide(&app, key, next_id).await;
        assert_eq!(decided["status"], "approved", "{decided}");
        assert_eq!(decided["screening_hits"], json!([]));
        let screening = decided["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "screening")
            .unwrap();
        assert_eq!(screening["result"]["remembered_false_matches"], 1);
    })
    .await;
}

#[tokio::test]
async fn a_manual_resubmission_names_its_steps() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case_id = case_for(&app, key, applicant_named("Ada", "Sandbox-Review"), None).await;
        submit_and_decide(&app, key, &case_id).await;
        let path = format!("/v1/cases/{case_id}/decision");
        let problem = app
            .post_problem(
                key,
                &path,
                &json!({"decision": "request_resubmission", "steps": ["company_details"]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
        assert_eq!(
            error_codes(&problem),
            [("steps[0]".to_owned(), "step_not_in_flow".to_owned())]
        );
        let decided = app
            .post_json(
                key,
                &path,
                &json!({"decision": "request_resubmission", "steps": ["selfie"]}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(decided["status"], "resubmission_requested");
        assert_eq!(decided["decision"]["resubmission_steps"], json!(["selfie"]));
    })
    .await;
}

#[tokio::test]
async fn a_business_and_each_related_person_are_screened() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let applicant = json!({
            "type": "business",
            "business": {"legal_name": "Sandbox Sanctioned Trading LLC", "country": "SE"},
            "related_persons": [
                {"role": "ubo", "ownership_percent": 60, "first_name": "Viktor", "last_name": "Sandboxov"},
                {"role": "director", "first_name": "Ada", "last_name": "Lovelace"},
            ],
        });
        let case = app
            .create_case_with(key, json!({"kind": "kyb", "applicant": applicant}))
            .await;
        let decided = submit_and_decide(&app, key, case["id"].as_str().unwrap()).await;
        assert_eq!(decided["status"], "in_review", "{decided}");
        let subjects: Vec<&str> = decided["screening_hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["subject"].as_str().unwrap())
            .collect();
        assert_eq!(subjects.len(), 2, "{decided}");
        assert_eq!(subjects[0], "business");
        assert!(subjects[1].starts_with("related_person:"), "{subjects:?}");
        let screening = decided["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "screening")
            .unwrap();
        assert_eq!(screening["result"]["subjects"], 3);
    })
    .await;
}
