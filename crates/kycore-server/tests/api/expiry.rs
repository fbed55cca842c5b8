//! Expiry by the worker: once a link's lifetime has passed, the background jobs expire a case
//! nobody started; a case the applicant started gets a week more, in which a new link resumes
//! it; a case already submitted, and a case whose link is still valid, are left alone.

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_event_trail, for_each_database, start_flow, verification_path,
};

async fn status(app: &TestApp, case: &Value) -> (Value, Value) {
    let now = app
        .get_case(&app.sandbox.secret, case["id"].as_str().unwrap())
        .await;
    (now["status"].clone(), now["revision"].clone())
}

/// Runs the worker until no job is due.
async fn run_jobs(app: &TestApp) {
    app.make_jobs_due().await;
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

#[tokio::test]
async fn the_worker_expires_cases_whose_link_ran_out() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let waiting = app.create_case(key).await;
        let opened = app.create_case(key).await;
        start_flow(&app, &verification_path(&opened)).await;
        let submitted = app.create_case(key).await;
        app.complete_sandbox(key, submitted["id"].as_str().unwrap(), "in_review")
            .await;
        let untouched = app.create_case(key).await;

        // While every link is valid the worker changes nothing.
        run_jobs(&app).await;
        assert_eq!(status(&app, &waiting).await, (json!("created"), json!(1)));

        for case in [&waiting, &opened, &submitted] {
            app.expire_link_in_database(case["id"].as_str().unwrap())
                .await;
        }
        run_jobs(&app).await;

        assert_eq!(status(&app, &waiting).await, (json!("expired"), json!(2)));
        // Started: kept a week after its link expired, for a new link to resume it.
        assert_eq!(
            status(&app, &opened).await,
            (json!("in_progress"), json!(2))
        );
        app.expire_link_long_ago(opened["id"].as_str().unwrap())
            .await;
        run_jobs(&app).await;
        assert_eq!(status(&app, &opened).await, (json!("expired"), json!(3)));
        assert_eq!(
            status(&app, &submitted).await,
            (json!("in_review"), json!(5))
        );
        assert_eq!(status(&app, &untouched).await, (json!("created"), json!(1)));

        assert_event_trail(
            &app.case_events(key, waiting["id"].as_str().unwrap()).await,
            &[
                ("case.created", None),
                ("case.status_changed", Some(("created", "expired"))),
            ],
        );
        let opened_events = app.case_events(key, opened["id"].as_str().unwrap()).await;
        assert_eq!(
            opened_events.last().unwrap()["data"]["previous_status"],
            "in_progress"
        );
        assert_eq!(opened_events.last().unwrap()["data"]["status"], "expired");
        assert_eq!(
            app.case_events(key, submitted["id"].as_str().unwrap())
                .await
                .len(),
            6
        );

        // Running again changes nothing more: expiry happens once.
        run_jobs(&app).await;
        assert_eq!(status(&app, &waiting).await, (json!("expired"), json!(2)));
    })
    .await;
}

#[tokio::test]
async fn a_new_link_resumes_a_started_case_whose_link_expired() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = app.create_case(key).await;
        let id = case["id"].as_str().unwrap();
        start_flow(&app, &verification_path(&case)).await;
        app.expire_link_in_database(id).await;
        run_jobs(&app).await;
        assert_eq!(status(&app, &case).await.0, json!("in_progress"));

        let renewed = app
            .post_json(
                key,
                &format!("/v1/cases/{id}/link"),
                &json!({}),
                reqwest::StatusCode::OK,
            )
            .await;
        assert_ne!(renewed["token"], case["token"]);
        run_jobs(&app).await;
        assert_eq!(
            status(&app, &renewed).await.0,
            json!("in_progress"),
            "the new link keeps it open"
        );
        // The new link opens on the step after the one finished before.
        let reply = crate::helpers::open_link(&app, &verification_path(&renewed)).await;
        assert!(
            reply.text().contains("Your details"),
            "resumed after the consent step"
        );
    })
    .await;
}
