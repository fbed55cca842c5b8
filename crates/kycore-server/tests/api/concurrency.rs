//! No lost updates: two portal tabs and two API clients change one business case and its
//! applicant at the same moment, round after round. Every change either lands or is refused
//! with a clear conflict; none is silently overwritten by another.

use futures_util::future::join4;
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, business, for_each_database, send, verification_path};

const ROUNDS: usize = 8;

/// What one request did.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Landed,
    Conflict,
}

/// A browser tab of the applicant: the session cookie, shared by both tabs, and the page's
/// CSRF token.
async fn open_tabs(app: &TestApp, path: &str) -> (Client, String) {
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(Policy::limited(5))
        .build()
        .unwrap();
    let page = send(browser.get(app.url(path))).await.html(StatusCode::OK);
    let start = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page[start..start + page[start..].find('"').unwrap()].to_owned();
    (browser, csrf)
}

/// A tab adds an owner; a refused change shows the form again with the conflict.
async fn add_owner(app: &TestApp, tab: &Client, csrf: &str, name: &str) -> Outcome {
    let response = tab
        .post(app.url("/portal/related_persons/add"))
        .form(&[
            ("csrf", csrf),
            ("role", "ubo"),
            ("ownership_percent", "5"),
            ("first_name", name),
            ("last_name", "Owner"),
            ("date_of_birth", "1980-01-01"),
            ("nationality", "SE"),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    match status {
        StatusCode::OK => Outcome::Landed,
        StatusCode::UNPROCESSABLE_ENTITY if body.contains("at the same time") => Outcome::Conflict,
        other => panic!("the tab got {other}: {body}"),
    }
}

/// An API client changes the applicant; a refused change is a 409 `concurrent_modification`.
async fn patch_applicant(app: &TestApp, applicant: &str, body: Value) -> Outcome {
    let reply = send(
        app.request(
            Method::PATCH,
            &format!("/v1/applicants/{applicant}"),
            &app.sandbox.secret,
        )
        .json(&body),
    )
    .await;
    match reply.status {
        StatusCode::OK => Outcome::Landed,
        StatusCode::CONFLICT => {
            reply.problem(StatusCode::CONFLICT, "concurrent_modification");
            Outcome::Conflict
        }
        other => panic!("the API client got {other}: {}", reply.text()),
    }
}

#[tokio::test]
async fn concurrent_tabs_and_clients_never_lose_an_update() {
    for_each_database(|app| async move {
        let case = app
            .create_case_with(
                &app.sandbox.secret,
                json!({"kind": "kyb", "applicant": business("SE")}),
            )
            .await;
        let applicant = case["applicant_id"].as_str().unwrap().to_owned();
        let (tabs, csrf) = open_tabs(&app, &verification_path(&case)).await;
        let mut landed_owners = Vec::new();
        let mut landed_references = Vec::new();
        let mut landed_websites = Vec::new();
        let mut conflicts = 0;
        for round in 0..ROUNDS {
            let (first, second) = (format!("Tab{round}a"), format!("Tab{round}b"));
            let reference = format!("ref-{round}");
            let website = format!("https://r{round}.example");
            let business_change = json!({"business": {
                "legal_name": "Analytical Engines AB", "country": "SE", "website": website,
            }});
            let outcomes = join4(
                add_owner(&app, &tabs, &csrf, &first),
                add_owner(&app, &tabs, &csrf, &second),
                patch_applicant(&app, &applicant, json!({"external_id": reference})),
                patch_applicant(&app, &applicant, business_change),
            )
            .await;
            let mut record =
                |outcome: Outcome, landed: &mut Vec<String>, value: String| match outcome {
                    Outcome::Landed => landed.push(value),
                    Outcome::Conflict => conflicts += 1,
                };
            record(outcomes.0, &mut landed_owners, first);
            record(outcomes.1, &mut landed_owners, second);
            record(outcomes.2, &mut landed_references, reference);
            record(outcomes.3, &mut landed_websites, website);
            // What the last landed change of each kind wrote is what the applicant holds, and
            // every owner a tab added and was told about is still there.
            let now = app
                .get_json(&app.sandbox.secret, &format!("/v1/applicants/{applicant}"))
                .await;
            let owners: Vec<&str> = now["related_persons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["first_name"].as_str().unwrap())
                .collect();
            for owner in &landed_owners {
                assert!(
                    owners.contains(&owner.as_str()),
                    "{owner} was lost: {owners:?}"
                );
            }
            assert_eq!(
                owners.len(),
                landed_owners.len() + 1,
                "only landed owners (and the first) are there: {owners:?}"
            );
            if let Some(reference) = landed_references.last() {
                assert_eq!(now["external_id"], json!(reference), "round {round}");
            }
            if let Some(website) = landed_websites.last() {
                assert_eq!(now["business"]["website"], json!(website), "round {round}");
            }
        }
        assert!(!landed_owners.is_empty() && !landed_references.is_empty());
        eprintln!(
            "{:?}: {} owners, {} references, {} websites landed; {conflicts} conflicts",
            app.backend,
            landed_owners.len(),
            landed_references.len(),
            landed_websites.len()
        );
    })
    .await;
}
