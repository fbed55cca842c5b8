//! The console in a real browser at a desk's width: sign in (a wrong password first), the
//! queue, a case in review approved by an analyst (seen through the API, audited as the
//! analyst), and a viewer who gets no decision forms. axe-core on every page.

use kycore_services::console_users::Role;

use super::{Browser, BrowserOptions, sqlite_app};
use crate::helpers::TestApp;

fn desk() -> BrowserOptions {
    BrowserOptions {
        width: 1280,
        height: 900,
        ..BrowserOptions::default()
    }
}

async fn case_in_review(app: &TestApp) -> String {
    let key = &app.sandbox.secret;
    let case = app.create_case(key).await;
    let id = case["id"].as_str().unwrap().to_owned();
    app.complete_sandbox(key, &id, "in_review").await;
    id
}

async fn sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    browser.goto(&app.url("/console/login")).await;
    browser.fill("email", email).await;
    browser.fill("password", password).await;
    browser.click("#sign-in").await;
}

#[tokio::test]
async fn an_analyst_approves_a_case_in_review_and_a_viewer_cannot() {
    let Some(browser) = Browser::launch(desk()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let services = &app.services;
    let analyst = services
        .create_console_user(&app.organization_id, "ana@example.com", Role::Analyst)
        .await
        .unwrap();
    let viewer = services
        .create_console_user(&app.organization_id, "vic@example.com", Role::Viewer)
        .await
        .unwrap();
    let first = case_in_review(&app).await;
    let second = case_in_review(&app).await;

    browser.goto(&app.url("/console/cases")).await;
    assert_eq!(
        browser.text_of("h1").await,
        "Sign in",
        "signed out: the form"
    );
    browser.step("sign in").await;
    sign_in(&browser, &app, "ana@example.com", "not the password").await;
    assert!(
        browser
            .text_of("[role=alert]")
            .await
            .contains("e-mail or password is not right")
    );
    browser.step("wrong password").await;

    sign_in(&browser, &app, "ana@example.com", &analyst.password).await;
    assert_eq!(browser.text_of("h1").await, "Review queue");
    assert!(browser.text_of("header").await.contains("Live"));
    browser.click("#switch-environment").await;
    assert!(browser.text_of("header").await.contains("Sandbox"));
    browser.step("queue").await;
    let rows = browser
        .script("return [...document.querySelectorAll('tbody tr td:first-child')].map(td => td.innerText)")
        .await;
    assert_eq!(rows, serde_json::json!([first, second]), "oldest first");

    browser
        .click(&format!("a[href='/console/cases/{first}']"))
        .await;
    assert_eq!(browser.text_of("#case-status").await, "in_review");
    browser.step("case in review").await;
    browser.click("#approve").await;
    assert_eq!(
        browser.text_of("[role=status]").await,
        "The case is approved."
    );
    assert_eq!(browser.text_of("#case-status").await, "approved");
    browser.step("approved").await;

    let case = app.get_case(&app.sandbox.secret, &first).await;
    assert_eq!(case["status"], "approved", "{case}");
    let audit = app
        .get_json(&app.sandbox.secret, &format!("/v1/audit?case_id={first}"))
        .await;
    assert!(
        audit["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor_type"] == "console_user" && e["actor_id"] == analyst.id.as_str()),
        "{audit}"
    );

    browser.click("#sign-out").await;
    assert_eq!(browser.text_of("h1").await, "Sign in");
    sign_in(&browser, &app, "vic@example.com", &viewer.password).await;
    browser.click("#switch-environment").await;
    browser
        .goto(&app.url(&format!("/console/cases/{second}")))
        .await;
    assert_eq!(browser.text_of("#case-status").await, "in_review");
    let forms = browser
        .script("return document.querySelectorAll('form[action$=\"/decision\"]').length")
        .await;
    assert_eq!(
        forms,
        serde_json::json!(0),
        "a viewer has no decision forms"
    );
    browser.step("viewer").await;
}
