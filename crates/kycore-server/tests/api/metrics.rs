//! What operators watch: `/readyz`, `/metrics`, and the `watchlist.refresh_failed` events a
//! failed watchlist refresh gives every organization and environment — once per failure
//! streak, while the metric counts every failure.

use std::collections::HashSet;

use kycore_services::screening::RefreshFailure;
use reqwest::StatusCode;

use crate::helpers::{TestApp, for_each_database};

const EVENTS: &str = "/v1/events?type=watchlist.refresh_failed";
const SOURCE: &str = "https://lists.example/dpl.txt";

async fn get_text(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let reply = app.client.get(app.url(path)).send().await.unwrap();
    let content_type = reply.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    (reply.status(), content_type, reply.text().await.unwrap())
}

fn failure(code: &'static str) -> RefreshFailure {
    RefreshFailure {
        source: SOURCE.to_owned(),
        list_id: Some("us_bis_dpl".to_owned()),
        code,
        message: format!("{SOURCE} failed: {code}"),
    }
}

fn every_key(app: &TestApp) -> [&str; 4] {
    [
        &app.sandbox.secret,
        &app.live.secret,
        &app.other_sandbox.secret,
        &app.other_live.secret,
    ]
}

#[tokio::test]
async fn readiness_and_metrics_need_no_key() {
    for_each_database(|app| async move {
        let (status, _, body) = get_text(&app, "/readyz").await;
        assert_eq!(status, StatusCode::OK);
        let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
        let writers = ready["writers"]["of"].as_u64().unwrap();
        assert_eq!(ready["database"], "ok");
        assert_eq!(ready["writers"]["connected"], ready["writers"]["of"]);
        assert_eq!(
            ready["worker"], "not_started",
            "tests drive the jobs themselves"
        );

        let (status, content_type, metrics) = get_text(&app, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            content_type.starts_with("application/openmetrics-text"),
            "{content_type}"
        );
        for line in [
            "kycore_watchlist_load_failures_total 0",
            "kycore_watchlist_loaded_entities 0",
            "kycore_jobs_failed 0",
            "kycore_jobs_running 0",
            "kycore_store_writer_restarts_total 0",
            "kycore_store_panicked_units_total 0",
            "kycore_worker_restarts_total 0",
        ] {
            assert!(
                metrics.lines().any(|l| l == line),
                "{line} missing:\n{metrics}"
            );
        }
        assert!(metrics.contains("\nkycore_jobs_pending "), "{metrics}");
        for gauge in ["kycore_store_writers", "kycore_store_writers_connected"] {
            let line = format!("{gauge} {writers}");
            assert!(
                metrics.lines().any(|l| l == line),
                "{line} missing:\n{metrics}"
            );
        }
        assert!(metrics.ends_with("# EOF\n"), "{metrics}");
    })
    .await;
}

#[tokio::test]
async fn a_failed_refresh_is_told_once_per_streak_to_every_tenant() {
    for_each_database(|app| async move {
        // The same error three rounds running: counted three times, told once.
        for _ in 0..3 {
            app.services
                .record_refresh_failure(&failure("download_failed"))
                .await
                .unwrap();
        }
        let mut ids = Vec::new();
        for key in every_key(&app) {
            let events = app.list(key, EVENTS).await;
            assert_eq!(events.len(), 1, "{events:?}");
            let event = &events[0];
            assert_eq!(event["type"], "watchlist.refresh_failed");
            assert!(event["case_id"].is_null() && event["applicant_id"].is_null());
            assert_eq!(event["data"]["source"], SOURCE);
            assert_eq!(event["data"]["list_id"], "us_bis_dpl");
            assert_eq!(event["data"]["error"]["code"], "download_failed");
            ids.push(event["id"].as_str().unwrap().to_owned());
        }
        let distinct: HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), 4, "each tenant gets its own event");
        let (_, _, metrics) = get_text(&app, "/metrics").await;
        let series = format!("kycore_watchlist_refresh_failures_total{{source=\"{SOURCE}\"}} 3");
        assert!(metrics.lines().any(|l| l == series), "{metrics}");

        // Another error is told again; so is the same one after a success ended the streak.
        app.services
            .record_refresh_failure(&failure("list_unreadable"))
            .await
            .unwrap();
        app.services
            .record_refresh_success(SOURCE, "us_bis_dpl")
            .await
            .unwrap();
        app.services
            .record_refresh_failure(&failure("list_unreadable"))
            .await
            .unwrap();
        let events = app.list(&app.live.secret, EVENTS).await;
        let codes: Vec<&str> = events
            .iter()
            .map(|e| e["data"]["error"]["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            ["list_unreadable", "list_unreadable", "download_failed"]
        );
        let (_, _, metrics) = get_text(&app, "/metrics").await;
        assert!(
            metrics
                .contains("kycore_watchlist_last_success_timestamp_seconds{list=\"us_bis_dpl\"}"),
            "{metrics}"
        );

        let sources = app.services.watchlist_sources().await.unwrap();
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].failures, 1);
        assert!(sources[0].failing_since.is_some() && sources[0].last_success_at.is_some());
    })
    .await;
}
