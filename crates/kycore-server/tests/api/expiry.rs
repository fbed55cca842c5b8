//! Expiry by the worker: once a link's lifetime has passed, the background jobs expire a case
//! still waiting for its applicant — and leave alone a case already submitted, and a case
//! whose link is still valid.

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
