//! Cursor pagination and list filters: pages follow `next_cursor`, newest first, without
//! duplicates or gaps, and every filter narrows the list to exactly the matching cases.

use kycore_services::time_format::parse_rfc3339;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, for_each_database, ids, individual};

/// Walks a list `limit` items at a time; returns the pages' ids.
async fn walk(app: &TestApp, key: &str, path: &str, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor
            .as_ref()
            .map(|c| format!("&starting_after={c}"))
            .unwrap_or_default();
        let page = app
            .get_json(key, &format!("{path}?limit={limit}{after}"))
            .await;
        let data = ids(page["data"].as_array().unwrap());
        assert!(data.len() <= limit);
        let has_more = page["has_more"].as_bool().unwrap();
        if has_more {
            assert_eq!(data.len(), limit);
            assert_eq!(
                page["next_cursor"].as_str(),
                data.last().map(String::as_str)
            );
        } else {
            assert_eq!(page["next_cursor"], Value::Null);
        }
        pages.push(data);
        if !has_more {
            return pages;
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
}

fn created_at(case: &Value) -> i64 {
    parse_rfc3339(case["created_at"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn pages_follow_the_cursor_newest_first() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let mut created = Vec::new();
        for _ in 0..5 {
            created.push(app.create_case(key).await);
        }
        let pages = walk(&app, key, "/v1/cases", 2).await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
        let listed: Vec<String> = pages.concat();

        let mut expected = ids(&created);
        expected.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(
            listed, expected,
            "not every case exactly once, newest first"
        );
        // Newest first by creation time as well as by id.
        let by_id: std::collections::HashMap<String, &Value> = created
            .iter()
            .map(|c| (c["id"].as_str().unwrap().to_owned(), c))
            .collect();
        let times: Vec<i64> = listed.iter().map(|id| created_at(by_id[id])).collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "not newest first: {times:?}"
        );

        // The same walk over events and applicants.
        let applicants = walk(&app, key, "/v1/applicants", 2).await.concat();
        assert_eq!(applicants.len(), 5);
        let events = walk(&app, key, "/v1/events", 3).await.concat();
        let mut unique = events.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((events.len(), unique.len()), (10, 10));

        // A cursor past the end gives an empty last page.
        let oldest = listed.last().unwrap();
        let page = app
            .get_json(key, &format!("/v1/cases?starting_after={oldest}"))
            .await;
        assert_eq!(
            page,
            json!({"data": [], "has_more": false, "next_cursor": null})
        );
    })
    .await;
}

#[tokio::test]
async fn filters_narrow_the_list() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let person = app.create_applicant(key, individual("SE")).await;
        let mut cases = Vec::new();
        for i in 0..4 {
            let body = json!({"kind": "kyc", "applicant_id": person["id"], "external_id": format!("ref-{i}")});
            cases.push(app.create_case_with(key, body).await);
        }
        cases.push(app.create_case(key).await);
        cases.push(
            app.create_case_with(key, json!({"kind": "kyb", "applicant": crate::helpers::business("SE")}))
                .await,
        );
        let id = |i: usize| cases[i]["id"].as_str().unwrap().to_owned();
        app.post_json(key, &format!("/v1/cases/{}/cancel", id(1)), &json!({}), StatusCode::OK)
            .await;

        let sorted = |mut v: Vec<String>| {
            v.sort_unstable_by(|a, b| b.cmp(a));
            v
        };
        let expect = [
            ("status=canceled".to_owned(), vec![id(1)]),
            ("status=created".to_owned(), sorted(vec![id(0), id(2), id(3), id(4), id(5)])),
            ("kind=kyb".to_owned(), vec![id(5)]),
            ("kind=kyc&status=canceled".to_owned(), vec![id(1)]),
            ("external_id=ref-2".to_owned(), vec![id(2)]),
            ("external_id=nobody".to_owned(), vec![]),
            (
                format!("applicant_id={}", person["id"].as_str().unwrap()),
                sorted(vec![id(0), id(1), id(2), id(3)]),
            ),
        ];
        for (query, expected) in expect {
            assert_eq!(app.list_ids(key, &format!("/v1/cases?{query}")).await, expected, "{query}");
        }

        // created_after is inclusive, created_before exclusive.
        let pivot = cases[3]["created_at"].as_str().unwrap();
        let pivot_millis = created_at(&cases[3]);
        let after = app.list_ids(key, &format!("/v1/cases?created_after={pivot}")).await;
        let before = app.list_ids(key, &format!("/v1/cases?created_before={pivot}")).await;
        let expected_after: Vec<String> =
            sorted(cases.iter().filter(|c| created_at(c) >= pivot_millis).map(|c| c["id"].as_str().unwrap().to_owned()).collect());
        let expected_before: Vec<String> =
            sorted(cases.iter().filter(|c| created_at(c) < pivot_millis).map(|c| c["id"].as_str().unwrap().to_owned()).collect());
        assert!(after.contains(&id(3)) && !before.contains(&id(3)));
        assert_eq!(after, expected_after);
        assert_eq!(before, expected_before);
        let both = app
            .list_ids(key, &format!("/v1/cases?created_after={}&created_before={pivot}", cases[0]["created_at"].as_str().unwrap()))
            .await;
        assert!(both.contains(&id(0)) && !both.contains(&id(3)));

        // Events filter by case and type.
        let decided = app.list(key, &format!("/v1/events?case_id={}&type=case.status_changed", id(1))).await;
        assert_eq!(decided.len(), 1);
        assert_eq!(decided[0]["data"]["status"], "canceled");
        let types = app.list(key, "/v1/applicants?type=business").await;
        assert_eq!(types.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_events_feed_continues_after_an_event_in_commit_order() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        for _ in 0..3 {
            app.create_case(key).await;
        }
        let newest_first = ids(&app.list(key, "/v1/events").await);
        assert!(newest_first.len() >= 6, "{newest_first:?}");

        let mut fed = Vec::new();
        let mut positions = Vec::new();
        let mut after = "0".to_owned();
        loop {
            let page = app
                .get_json(key, &format!("/v1/events?after={after}&limit=2"))
                .await;
            for event in page["data"].as_array().unwrap() {
                fed.push(event["id"].as_str().unwrap().to_owned());
                positions.push(event["position"].as_i64().unwrap());
            }
            if !page["has_more"].as_bool().unwrap() {
                break;
            }
            after = page["next_cursor"].as_str().unwrap().to_owned();
            assert_eq!(
                &after,
                fed.last().unwrap(),
                "the cursor is the last event's id"
            );
        }
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        let oldest_first: Vec<String> = newest_first.into_iter().rev().collect();
        assert_eq!(fed, oldest_first, "the feed holds every event, in order");
        // Nothing after the last event, yet; a position works as a cursor too.
        for last in [
            fed.last().unwrap().clone(),
            positions.last().unwrap().to_string(),
        ] {
            let empty = app.get_json(key, &format!("/v1/events?after={last}")).await;
            assert_eq!(empty["data"], json!([]));
        }
        // Another tenant's event is no cursor: it does not exist for this key.
        app.get_problem(
            &app.other_sandbox.secret,
            &format!("/v1/events?after={}", fed[0]),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;

        for query in ["after=-1", "after=0&starting_after=evt_x", "after=abc"] {
            app.get_problem(
                key,
                &format!("/v1/events?{query}"),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            )
            .await;
        }
    })
    .await;
}
