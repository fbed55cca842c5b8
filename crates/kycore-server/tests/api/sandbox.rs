//! The sandbox simulator: `POST /v1/sandbox/cases/{id}/complete` drives a sandbox case to each
//! outcome through the same transitions and events as a real completion, and does not exist
//! for live keys.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_event_trail, completion_trail, for_each_database};

#[tokio::test]
async fn every_outcome_leaves_the_trail_of_a_real_completion() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        for outcome in [
            "approved",
            "rejected",
            "in_review",
            "resubmission_requested",
        ] {
            let case = app.create_case(key).await;
            let case_id = case["id"].as_str().unwrap();
            let completed = app.complete_sandbox(key, case_id, outcome).await;
            assert_eq!(completed["status"], outcome);
            assert_eq!(completed["revision"], 5);
            assert_eq!(completed["decision"]["outcome"], outcome);
            assert_eq!(completed["decision"]["decided_by"], "sandbox");
            assert_eq!(
                completed["decision"]["reason_code"],
                format!("sandbox_{outcome}")
            );
            assert_eq!(app.get_case(key, case_id).await, completed);

            let events = app.case_events(key, case_id).await;
            assert_event_trail(&events, &completion_trail(outcome));
            assert_eq!(events[5]["data"]["outcome"], outcome);
        }
    })
    .await;
}

#[tokio::test]
async fn completion_continues_from_where_the_case_is() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = app.create_case(key).await;
        let case_id = case["id"].as_str().unwrap();
        // The applicant opened the link: the simulation starts from in_progress.
        crate::helpers::open_link(&app, &crate::helpers::verification_path(&case))
            .await
            .html(StatusCode::OK);
        app.complete_sandbox(key, case_id, "approved").await;
        assert_event_trail(
            &app.case_events(key, case_id).await,
            &completion_trail("approved"),
        );

        // A final case cannot be completed again.
        app.post_problem(
            key,
            &format!("/v1/sandbox/cases/{case_id}/complete"),
            &json!({"outcome": "rejected"}),
            StatusCode::CONFLICT,
            "invalid_transition",
        )
        .await;
        app.post_problem(
            key,
            &format!("/v1/sandbox/cases/{case_id}/complete"),
            &json!({"outcome": "bogus"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn live_keys_have_no_sandbox() {
    for_each_database(|app| async move {
        let live_case = app.create_case(&app.live.secret).await;
        let case_id = live_case["id"].as_str().unwrap();
        assert_eq!(live_case["environment"], "live");
        let missing = app
            .post_problem(
                &app.live.secret,
                &format!("/v1/sandbox/cases/{case_id}/complete"),
                &json!({"outcome": "approved"}),
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
        assert_eq!(missing["detail"], "no such case");
        let after = app.get_case(&app.live.secret, case_id).await;
        assert_eq!(
            (after["status"].clone(), after["revision"].clone()),
            (json!("created"), json!(1))
        );
        assert_eq!(app.case_events(&app.live.secret, case_id).await.len(), 1);
    })
    .await;
}
