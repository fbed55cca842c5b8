//! `POST /v1/screenings` over the real BIS Denied Persons List from `../shared/data`: hits
//! with explanations, clean names, hostile input, authentication, no list loaded, and a
//! broken list version falling back to the previous one and telling every tenant so.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kycore_services::screening::{ImportRequest, ListFormat, LoadOutcome};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, for_each_database, send};

const PATH: &str = "/v1/screenings";

fn dpl_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/watchlists/us_bis_dpl/2023-11/dpl.txt")
}

/// Imports `file` as a BIS DPL version and loads it, as `kycore lists import` and a serving
/// process's refresh would.
async fn import_dpl(app: &TestApp, file: PathBuf) -> String {
    let request = ImportRequest {
        path: file,
        format: ListFormat::BisDpl,
        list_id: None,
    };
    let outcome = app
        .services
        .import_watchlist(app.data_dir.path(), request, |_| {})
        .await
        .unwrap();
    assert!(!outcome.unchanged);
    outcome.version.id
}

async fn load(app: &TestApp) -> LoadOutcome {
    app.services
        .load_watchlists(app.data_dir.path())
        .await
        .unwrap()
}

async fn screen(app: &TestApp, body: &Value) -> Vec<Value> {
    app.post_json(&app.sandbox.secret, PATH, body, StatusCode::OK)
        .await["data"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_listed_name_is_a_hit_with_its_explanation() {
    for_each_database(|app| async move {
        let version = import_dpl(&app, dpl_file()).await;
        assert_eq!(load(&app).await, LoadOutcome::Loaded(vec![version]));

        // Word order, case and a typo do not hide a listed person.
        let hits = screen(
            &app,
            &json!({"name": "Arevalo Gonzalez, Jose Luiz", "type": "person"}),
        )
        .await;
        let hit = &hits[0];
        assert_eq!(hit["name"], "JOSE LUIS AREVALO-GONZALEZ");
        assert_eq!(hit["list"], "us_bis_dpl");
        assert!(hit["entity_id"].as_str().unwrap().starts_with("dpl-"));
        assert!(hit["score"].as_f64().unwrap() >= 0.75, "{hit}");
        assert!(hit["matched_name"].is_string());
        assert!(hit["entity_type"].is_string());
        // The explanation shows the typo that was forgiven.
        let typo = hit["explanation"]["token_matches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["query"] == "luiz")
            .unwrap_or_else(|| panic!("no match for luiz: {hit}"));
        assert_eq!(typo["list"], "luis");
        assert_eq!(typo["kind"], "typo");
        assert_eq!(typo["edits"], 1);

        // The score is the best hit's; a higher threshold hides it; a list filter keeps it.
        let exact = json!({"name": "Jose Luis Arevalo-Gonzalez", "lists": ["us_bis_dpl"]});
        let best = screen(&app, &exact).await[0]["score"].as_f64().unwrap();
        assert!(best > hit["score"].as_f64().unwrap());
        let above = json!({"name": "Jose Luis Arevalo-Gonzalez", "threshold": 1.0, "limit": 1});
        assert!(screen(&app, &above).await.len() <= 1);
    })
    .await;
}

#[tokio::test]
async fn a_clean_name_has_no_hits() {
    for_each_database(|app| async move {
        import_dpl(&app, dpl_file()).await;
        load(&app).await;
        let hits = screen(
            &app,
            &json!({"name": "Ada Lovelace", "date_of_birth": "1815-12-10", "country": "GB"}),
        )
        .await;
        assert_eq!(hits, Vec::<Value>::new());
    })
    .await;
}

#[tokio::test]
async fn hostile_names_get_a_422_or_an_empty_answer_quickly() {
    for_each_database(|app| async move {
        import_dpl(&app, dpl_file()).await;
        load(&app).await;
        let long = "x".repeat(10_000);
        let many_words = "ab ".repeat(40);
        let names = [
            "",
            "   ",
            "A",
            long.as_str(),
            many_words.as_str(),
            "\u{0}\u{7}\u{1b}[31m\u{7f}",
            "😀🔥💣",
            "Иван 王 Smith محمد",
            "\u{202e}ZALEZNOG-OLAVERA SIUL ESOJ",
        ];
        for name in names {
            let started = Instant::now();
            let reply = send(app.request_json(
                Method::POST,
                PATH,
                &app.sandbox.secret,
                &json!({ "name": name }),
            ))
            .await;
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{name:?} was slow"
            );
            match reply.status {
                StatusCode::OK => assert!(reply.json(StatusCode::OK)["data"].is_array()),
                StatusCode::UNPROCESSABLE_ENTITY => {
                    let problem =
                        reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
                    assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
                }
                other => panic!("{name:?} answered {other}: {}", reply.text()),
            }
        }
        // The refusals name their reason.
        for (name, code) in [
            ("", "empty_name"),
            (long.as_str(), "name_too_long"),
            (many_words.as_str(), "too_many_words"),
        ] {
            let problem = app
                .post_problem(
                    &app.sandbox.secret,
                    PATH,
                    &json!({ "name": name }),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
            assert_eq!(problem["errors"][0]["code"], code);
        }
        // A single letter is a sane empty answer.
        assert!(screen(&app, &json!({"name": "A"})).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn bad_parameters_are_field_errors() {
    for_each_database(|app| async move {
        import_dpl(&app, dpl_file()).await;
        load(&app).await;
        let cases = [
            (
                json!({"name": "Brent Dell", "threshold": 1.5}),
                "threshold",
                "invalid_threshold",
            ),
            (
                json!({"name": "Brent Dell", "limit": 0}),
                "limit",
                "invalid_limit",
            ),
            (
                json!({"name": "Brent Dell", "limit": 101}),
                "limit",
                "invalid_limit",
            ),
            (
                json!({"name": "Brent Dell", "lists": ["eu_fsf"]}),
                "lists",
                "unknown_list",
            ),
            (
                json!({"name": "Brent Dell", "date_of_birth": "yesterday"}),
                "date_of_birth",
                "invalid_date",
            ),
        ];
        for (body, field, code) in cases {
            let problem = app
                .post_problem(
                    &app.sandbox.secret,
                    PATH,
                    &body,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
            assert_eq!(problem["errors"][0]["field"], field, "{body}");
            assert_eq!(problem["errors"][0]["code"], code, "{body}");
        }
        for body in [
            json!({"name": "Brent Dell", "type": "dragon"}),
            json!({"name": "Brent Dell", "colour": "red"}),
            json!({}),
        ] {
            app.post_problem(
                &app.sandbox.secret,
                PATH,
                &body,
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
            )
            .await;
        }
    })
    .await;
}

#[tokio::test]
async fn screening_needs_a_key_and_a_loaded_list() {
    for_each_database(|app| async move {
        let body = json!({"name": "Brent Dell"});
        send(app.client.post(app.url(PATH)).json(&body))
            .await
            .problem(StatusCode::UNAUTHORIZED, "missing_api_key");
        app.post_problem(
            &app.sandbox.secret,
            PATH,
            &body,
            StatusCode::SERVICE_UNAVAILABLE,
            "screening_unavailable",
        )
        .await;
        assert_eq!(load(&app).await, LoadOutcome::NoLists);
        // Lists are deployment-wide: once loaded, every organization and environment screens.
        import_dpl(&app, dpl_file()).await;
        load(&app).await;
        for key in [
            &app.sandbox.secret,
            &app.live.secret,
            &app.other_live.secret,
        ] {
            let hits = app.post_json(key, PATH, &body, StatusCode::OK).await;
            assert_eq!(hits["data"][0]["name"], "BRENT DELL");
        }
    })
    .await;
}

#[tokio::test]
async fn a_broken_new_version_falls_back_to_the_last_good_one() {
    for_each_database(|app| async move {
        let first = import_dpl(&app, dpl_file()).await;
        assert_eq!(load(&app).await, LoadOutcome::Loaded(vec![first.clone()]));
        assert_eq!(load(&app).await, LoadOutcome::Unchanged);

        // A second version without Brent Dell, whose stored file is damaged before any
        // server loads it: the first version stays served, and the status says why.
        let source = std::fs::read_to_string(dpl_file()).unwrap();
        let without: String = source
            .lines()
            .filter(|l| !l.contains("BRENT DELL"))
            .map(|l| format!("{l}\n"))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let second_file = dir.path().join("dpl.txt");
        std::fs::write(&second_file, without).unwrap();
        let second = import_dpl(&app, second_file).await;
        let status = app.services.watchlist_status().await.unwrap();
        let stored = status.versions.iter().find(|v| v.id == second).unwrap();
        assert!(stored.current);
        std::fs::write(app.data_dir.path().join(&stored.path), "not a list").unwrap();

        assert_eq!(load(&app).await, LoadOutcome::Unchanged);
        let hits = screen(&app, &json!({"name": "Brent Dell"})).await;
        assert_eq!(hits[0]["name"], "BRENT DELL");
        let status = app.services.watchlist_status().await.unwrap();
        assert_eq!(status.loaded_versions, vec![first.clone()]);
        assert_eq!(status.load_failures, 1);
        assert!(status.last_error.as_deref().unwrap().contains(&second));
        let failed = status.versions.iter().find(|v| v.id == second).unwrap();
        assert_eq!(failed.status, "failed");
        assert!(failed.last_error.is_some());
        assert!(!failed.current);
        // Every organization and environment is told, once.
        for key in [
            &app.sandbox.secret,
            &app.live.secret,
            &app.other_live.secret,
        ] {
            let events = app
                .list(key, "/v1/events?type=watchlist.refresh_failed")
                .await;
            assert_eq!(events.len(), 1, "{events:?}");
            let data = &events[0]["data"];
            assert_eq!(data["list_id"], "us_bis_dpl");
            assert_eq!(data["source"], failed.path.as_str());
            assert_eq!(data["error"]["code"], "list_unreadable");
        }
        assert!(
            status
                .versions
                .iter()
                .find(|v| v.id == first)
                .unwrap()
                .current
        );

        // A good third version is picked up again.
        let third_file = dir.path().join("dpl-again.txt");
        std::fs::write(&third_file, format!("{source}\n")).unwrap();
        let third = import_dpl(&app, third_file).await;
        assert_eq!(load(&app).await, LoadOutcome::Loaded(vec![third]));
    })
    .await;
}

#[tokio::test]
async fn a_served_list_whose_files_all_fail_keeps_being_served() {
    for_each_database(|app| async move {
        let first = import_dpl(&app, dpl_file()).await;
        load(&app).await;
        let status = app.services.watchlist_status().await.unwrap();
        std::fs::write(app.data_dir.path().join(&status.versions[0].path), "").unwrap();

        // Another list arrives; reloading finds no loadable version of the served one.
        let ofac = ImportRequest {
            path: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/watchlists/us_ofac_non_sdn/2025-12_csv/cons_prim.csv"),
            format: ListFormat::OfacConsolidatedCsv,
            list_id: None,
        };
        app.services
            .import_watchlist(app.data_dir.path(), ofac, |_| {})
            .await
            .unwrap();
        assert!(matches!(load(&app).await, LoadOutcome::Failed(e) if e.contains("us_bis_dpl")));
        // Next rounds do not parse the same files again, and the old index stays.
        assert_eq!(load(&app).await, LoadOutcome::Unchanged);
        assert_eq!(load(&app).await, LoadOutcome::Unchanged);
        let status = app.services.watchlist_status().await.unwrap();
        assert_eq!(status.loaded_versions, vec![first]);
        assert!(status.last_error.unwrap().contains("us_bis_dpl"));
        let hits = screen(&app, &json!({"name": "Brent Dell"})).await;
        assert_eq!(hits[0]["list"], "us_bis_dpl");
    })
    .await;
}

#[tokio::test]
async fn a_version_missing_from_this_data_dir_is_not_failed_for_other_servers() {
    for_each_database(|app| async move {
        let first = import_dpl(&app, dpl_file()).await;
        load(&app).await;
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("dpl.txt");
        std::fs::write(&copy, std::fs::read_to_string(dpl_file()).unwrap() + "\n").unwrap();
        let second = import_dpl(&app, copy).await;
        // As if another host imported it into its own data directory.
        let status = app.services.watchlist_status().await.unwrap();
        let stored = status.versions.iter().find(|v| v.id == second).unwrap();
        std::fs::remove_file(app.data_dir.path().join(&stored.path)).unwrap();

        assert_eq!(load(&app).await, LoadOutcome::Unchanged);
        assert_eq!(load(&app).await, LoadOutcome::Unchanged);
        let status = app.services.watchlist_status().await.unwrap();
        assert_eq!(status.loaded_versions, vec![first]);
        assert_eq!(status.load_failures, 1, "tried once, not every round");
        let events = app
            .list(
                &app.sandbox.secret,
                "/v1/events?type=watchlist.refresh_failed",
            )
            .await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["data"]["error"]["code"], "list_file_missing");
        let second = status.versions.iter().find(|v| v.id == second).unwrap();
        assert_eq!(second.status, "ok");
        assert!(second.current);
    })
    .await;
}
