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

#[tokio::test]
async fn an_admin_runs_the_operations_pages_on_a_tablet() {
    let Some(browser) = Browser::launch(BrowserOptions {
        width: 820,
        height: 1180,
        ..BrowserOptions::default()
    })
    .await
    else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let admin = app
        .services
        .create_console_user(&app.organization_id, "ops@example.com", Role::Admin)
        .await
        .unwrap();
    case_in_review(&app).await;
    sign_in(&browser, &app, "ops@example.com", &admin.password).await;
    browser.click("#switch-environment").await;
    assert_eq!(browser.text_of("h1").await, "Review queue");
    browser.step("tablet queue").await;

    browser.click("a[href='/console/keys']").await;
    browser.click("#create-key").await;
    assert!(
        browser
            .text_of("#new-key-value")
            .await
            .starts_with("kc_test_")
    );
    browser.step("key created").await;

    browser.click("a[href='/console/users']").await;
    browser.fill("email", "second@example.com").await;
    browser.click("#create-user").await;
    assert!(!browser.text_of("#new-password-value").await.is_empty());
    browser.step("user created").await;

    browser.click("a[href='/console/flows']").await;
    browser
        .script("document.getElementById('flow-json').value = '{\"name\": \"x\", \"kind\": \"kyc\", \"min_age\": 3}'")
        .await;
    browser.click("#create-flow").await;
    assert!(browser.text_of("#flow-errors").await.contains("min_age"));
    browser.step("flow refused in place").await;

    browser.click("a[href='/console/watchlists']").await;
    assert_eq!(browser.text_of("h1").await, "Watchlists and monitoring");
    browser.step("watchlists").await;
    browser.click("a[href='/console/webhooks']").await;
    browser.step("webhooks").await;
    browser.click("a[href='/console/account']").await;
    browser.click("#start-second-factor").await;
    assert_eq!(browser.text_of("#second-factor-secret").await.len(), 32);
    browser.step("second factor set-up").await;
}

#[tokio::test]
async fn a_german_browser_gets_the_console_in_german() {
    let Some(browser) = Browser::launch(BrowserOptions {
        lang: "de",
        ..desk()
    })
    .await
    else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let analyst = app
        .services
        .create_console_user(&app.organization_id, "de@example.com", Role::Analyst)
        .await
        .unwrap();
    let case = case_in_review(&app).await;
    browser.goto(&app.url("/console/login")).await;
    assert_eq!(browser.text_of("h1").await, "Anmelden");
    sign_in(&browser, &app, "de@example.com", "falsch").await;
    assert!(
        browser
            .text_of("[role=alert]")
            .await
            .contains("Passwort stimmen nicht")
    );
    sign_in(&browser, &app, "de@example.com", &analyst.password).await;
    assert_eq!(browser.text_of("h1").await, "Prüfwarteschlange");
    browser.click("#switch-environment").await;
    browser.step("queue in German").await;
    browser
        .goto(&app.url(&format!("/console/cases/{case}")))
        .await;
    assert_eq!(browser.text_of("#approve").await, "Genehmigen");
    browser.step("case in German").await;
    // The language links switch to English and the choice is kept.
    browser.click("a[hreflang='en']").await;
    assert_eq!(browser.text_of("#approve").await, "Approve");
    browser.goto(&app.url("/console/cases")).await;
    assert_eq!(browser.text_of("h1").await, "Review queue");
}
