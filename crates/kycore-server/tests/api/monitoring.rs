//! Ongoing monitoring over the real BIS Denied Persons List: an approved applicant who gets
//! listed later is found when the new list version is served, once, without reopening the
//! case; flows that turn monitoring off are left alone.

use std::path::{Path, PathBuf};

use kycore_services::screening::{ImportRequest, ListFormat, LoadOutcome};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, for_each_database};

fn dpl_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/watchlists/us_bis_dpl/2023-11/dpl.txt")
}

async fn import_and_load(app: &TestApp, file: PathBuf) -> LoadOutcome {
    let request = ImportRequest {
        path: file,
        format: ListFormat::BisDpl,
        list_id: None,
    };
    app.services
        .import_watchlist(app.data_dir.path(), request, |_| {})
        .await
        .unwrap();
    app.services
        .load_watchlists(app.data_dir.path())
        .await
        .unwrap()
}

async fn run_jobs(app: &TestApp) {
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

/// A case for a person the DPL lists, approved while no real list was loaded.
async fn approved_case(app: &TestApp, key: &str, flow_id: Option<&str>, born: &str) -> Value {
    let applicant = json!({"type": "individual", "individual": {
        "first_name": "Jose Luis", "last_name": "Arevalo Gonzalez", "date_of_birth": born}});
    let mut body = json!({"kind": "kyc", "applicant": applicant});
    if let Some(flow) = flow_id {
        body["flow_id"] = json!(flow);
    }
    let case = app.create_case_with(key, body).await;
    let id = case["id"].as_str().unwrap();
    app.post_json(
        key,
        &format!("/v1/cases/{id}/submit"),
        &json!({}),
        StatusCode::OK,
    )
    .await;
    run_jobs(app).await;
    let decided = app.get_case(key, id).await;
    assert_eq!(decided["status"], "approved", "{decided}");
    decided
}

fn monitoring_hits(case: &Value) -> Vec<Value> {
    case["screening_hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["source"] == "monitoring")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_new_list_version_finds_an_approved_applicant_once() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let quiet_flow = app
            .create_flow(
                key,
                json!({"name": "Unmonitored", "kind": "kyc",
                "screening": {"enabled": true, "monitoring": false}}),
            )
            .await;
        let monitored = approved_case(&app, key, None, "1970-01-01").await;
        let unmonitored = approved_case(&app, key, quiet_flow["id"].as_str(), "1971-02-02").await;
        let id = monitored["id"].as_str().unwrap();

        assert!(matches!(
            import_and_load(&app, dpl_file()).await,
            LoadOutcome::Loaded(_)
        ));
        run_jobs(&app).await;
        let case = app.get_case(key, id).await;
        assert_eq!(
            case["status"], "approved",
            "monitoring never reopens a case"
        );
        let hits = monitoring_hits(&case);
        assert_eq!(hits.len(), 1, "{case}");
        assert_eq!(hits[0]["detail"]["name"], "JOSE LUIS AREVALO-GONZALEZ");
        assert_eq!(hits[0]["list"], "us_bis_dpl");
        assert_eq!(hits[0]["status"], "open");
        let found: Vec<Value> = app
            .case_events(key, id)
            .await
            .into_iter()
            .filter(|e| e["type"] == "screening.match_found")
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["data"]["source"], "monitoring");
        let other = app.get_case(key, unmonitored["id"].as_str().unwrap()).await;
        assert_eq!(monitoring_hits(&other), Vec::<Value>::new());

        // A newer version with the same entry: screened again, nothing new to report.
        let copy = app.data_dir.path().join("dpl-next.txt");
        let mut bytes = std::fs::read(dpl_file()).unwrap();
        bytes.extend_from_slice(b"\n");
        std::fs::write(&copy, bytes).unwrap();
        assert!(matches!(
            import_and_load(&app, copy).await,
            LoadOutcome::Loaded(_)
        ));
        run_jobs(&app).await;
        let case = app.get_case(key, id).await;
        assert_eq!(monitoring_hits(&case).len(), 1, "{case}");

        // Loading the versions already served starts no run.
        assert_eq!(
            app.services
                .load_watchlists(app.data_dir.path())
                .await
                .unwrap(),
            LoadOutcome::Unchanged
        );
        assert_eq!(app.services.run_due_jobs().await.unwrap(), 0);
    })
    .await;
}
