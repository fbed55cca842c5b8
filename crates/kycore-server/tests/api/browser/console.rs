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

/// Signs out of the console from any of its pages.
async fn sign_out(browser: &Browser) {
    browser.click("#sign-out").await;
    assert_eq!(browser.text_of("h1").await, "Sign in");
}

/// Signs in to the console's sandbox as `email`.
async fn sign_in_to_sandbox(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    sign_in(browser, app, email, password).await;
    browser.click("#switch-environment").await;
    assert!(browser.text_of("header").await.contains("Sandbox"));
}

/// The walk the issue asks for, in Chromium: cases created through the API and completed
/// through the portal reach the queue; an analyst views the document and approves, a second
/// confirms (four eyes from a rule); a screening hit is marked a false match and the case
/// rejected with a reason; a resubmission of one step reopens just that step in the portal;
/// a viewer's forged decision is refused; another organization's user finds nothing; wrong
/// passwords lock an account. axe-core on every page.
#[tokio::test]
async fn cases_go_from_the_portal_through_the_console_as_the_issue_walks_them() {
    let Some(browser) = Browser::launch(desk()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let key = &app.sandbox.secret;
    let services = &app.services;
    let mut users = Vec::new();
    for (email, role) in [
        ("first@example.com", Role::Analyst),
        ("second@example.com", Role::Analyst),
        ("viewer@example.com", Role::Viewer),
    ] {
        let user = services
            .create_console_user(&app.organization_id, email, role)
            .await
            .unwrap();
        users.push(user);
    }
    // Every case of this flow goes to two people.
    let flow = app
        .create_flow(
            key,
            serde_json::json!({"name": "Always two", "kind": "kyc", "rules": [
                {"name": "two_people", "when": "true", "outcome": "review_four_eyes", "reason_code": "manual_review"}
            ]}),
        )
        .await;
    let photo = super::portal::photo();
    let mut through_portal = Vec::new();
    for external_id in ["walk-approve", "walk-redo"] {
        let case = app
            .create_case_with(
                key,
                serde_json::json!({"kind": "kyc", "flow_id": flow["id"], "external_id": external_id,
                    "applicant": {"type": "individual", "individual": {"first_name": "Anna"}}}),
            )
            .await;
        browser.goto(super::portal::url(&case)).await;
        super::portal::kyc_flow_with_mrz(
            &browser,
            "Anna Maria",
            "Eriksson",
            &photo.path,
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        )
        .await;
        through_portal.push(case);
    }
    // A listed name, submitted through the API: the sandbox list's own entry.
    let mut listed = crate::helpers::individual("SE");
    listed["individual"]["first_name"] = serde_json::json!("Viktor");
    listed["individual"]["last_name"] = serde_json::json!("Sandboxov");
    listed["individual"]["date_of_birth"] = serde_json::json!("1970-03-04");
    let hit_case = app
        .create_case_with(
            key,
            serde_json::json!({"kind": "kyc", "external_id": "walk-hit", "applicant": listed}),
        )
        .await;
    let hit_case = hit_case["id"].as_str().unwrap().to_owned();
    app.post_json(
        key,
        &format!("/v1/cases/{hit_case}/submit"),
        &serde_json::json!({}),
        reqwest::StatusCode::OK,
    )
    .await;
    while services.run_due_jobs().await.unwrap() > 0 {}
    let [to_approve, to_redo] =
        [0, 1].map(|i| through_portal[i]["id"].as_str().unwrap().to_owned());
    for id in [&to_approve, &to_redo, &hit_case] {
        assert_eq!(app.get_case(key, id).await["status"], "in_review", "{id}");
    }

    // The first analyst finds the portal's case in the queue, views its document, approves.
    sign_in_to_sandbox(&browser, &app, "first@example.com", &users[0].password).await;
    browser.fill("q", "walk-approve").await;
    browser.click("#filter").await;
    browser.step("queue searched").await;
    browser
        .click(&format!("a[href='/console/cases/{to_approve}']"))
        .await;
    // The scans load lazily: each is brought into view, then given a moment to arrive.
    let shown = "const scans = Array.from(document.querySelectorAll('img.scan')); \
        scans.forEach(i => i.scrollIntoView()); \
        return scans.map(i => i.complete && i.naturalWidth > 0)";
    let mut loaded = browser.script(shown).await;
    for _ in 0..50 {
        if loaded
            .as_array()
            .is_some_and(|l| !l.is_empty() && l.iter().all(|v| v == true))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        loaded = browser.script(shown).await;
    }
    assert!(
        !loaded.as_array().unwrap().is_empty()
            && loaded.as_array().unwrap().iter().all(|l| l == true),
        "the documents show in place: {loaded}"
    );
    assert!(browser.text_of("#fired-rules").await.contains("two_people"));
    browser.step("case from the portal").await;
    browser.click("#approve").await;
    assert!(browser.text_of("[role=status]").await.contains("four eyes"));
    assert_eq!(browser.text_of("#case-status").await, "in_review");
    browser.step("first approval").await;
    sign_out(&browser).await;

    // The second analyst sees who approved first and confirms.
    sign_in_to_sandbox(&browser, &app, "second@example.com", &users[1].password).await;
    browser
        .goto(&app.url(&format!("/console/cases/{to_approve}")))
        .await;
    assert!(
        browser
            .text_of("#first-approval")
            .await
            .contains(users[0].id.as_str())
    );
    browser.click("#approve").await;
    assert_eq!(browser.text_of("#case-status").await, "approved");
    browser.step("second approval").await;

    // The listed name: the hit marked a false match, then the case rejected with a reason.
    browser
        .goto(&app.url(&format!("/console/cases/{hit_case}")))
        .await;
    browser.step("case with a screening hit").await;
    browser.click("button[id^='false-']").await;
    assert!(
        browser
            .text_of("#h-hits + article h3")
            .await
            .ends_with("false_match")
    );
    browser.fill("#reject-reason", "document_forged").await;
    browser
        .fill("#reject-note", "The photo is of a screen.")
        .await;
    browser.click("#reject").await;
    assert_eq!(browser.text_of("#case-status").await, "rejected");
    let decided = app.get_case(key, &hit_case).await;
    assert_eq!(decided["decision"]["reason_code"], "document_forged");

    // A resubmission of the selfie alone: the portal reopens just that step.
    browser
        .goto(&app.url(&format!("/console/cases/{to_redo}")))
        .await;
    browser.check("step_selfie").await;
    browser.click("#resubmit").await;
    assert_eq!(
        browser.text_of("#case-status").await,
        "resubmission_requested"
    );
    browser.step("resubmission requested").await;
    sign_out(&browser).await;
    browser.goto(super::portal::url(&through_portal[1])).await;
    super::portal::assert_path(&browser, "/portal/selfie").await;
    browser.step("portal reopens the selfie").await;

    // A viewer has no decision forms, and a decision forged with their own token is refused.
    sign_in_to_sandbox(&browser, &app, "viewer@example.com", &users[2].password).await;
    browser
        .goto(&app.url(&format!("/console/cases/{hit_case}")))
        .await;
    let forms = browser
        .script("return document.querySelectorAll('form[action$=\"/decision\"]').length")
        .await;
    assert_eq!(forms, serde_json::json!(0));
    let forge = format!(
        "const f = document.createElement('form'); f.method = 'post'; \
         f.action = '/console/cases/{hit_case}/decision'; \
         for (const [n, v] of [['csrf', document.querySelector('[name=csrf]').value], ['decision', 'approve']]) \
         {{ const i = document.createElement('input'); i.type = 'hidden'; i.name = n; i.value = v; f.append(i); }} \
         const b = document.createElement('button'); b.id = 'forged'; b.textContent = 'Approve'; \
         f.append(b); document.body.append(f);"
    );
    browser.script(&forge).await;
    browser.click("#forged").await;
    assert_eq!(browser.text_of("h1").await, "Not allowed");
    assert_eq!(app.get_case(key, &hit_case).await["status"], "rejected");
    browser.step("forged decision refused").await;
    sign_out(&browser).await;

    // Another organization's user finds none of these cases.
    let stranger = services
        .create_console_user(
            &app.other_organization_id,
            "elsewhere@example.com",
            Role::Admin,
        )
        .await
        .unwrap();
    sign_in_to_sandbox(&browser, &app, "elsewhere@example.com", &stranger.password).await;
    browser
        .goto(&app.url(&format!("/console/cases/{to_approve}")))
        .await;
    assert_eq!(browser.text_of("h1").await, "No such case");
    browser.step("another organization").await;
    sign_out(&browser).await;

    // Wrong passwords lock the account, even against the right one.
    for _ in 0..6 {
        sign_in(&browser, &app, "second@example.com", "wrong password").await;
    }
    sign_in(&browser, &app, "second@example.com", &users[1].password).await;
    assert!(
        browser
            .text_of("[role=alert]")
            .await
            .contains("locked until")
    );
    browser.step("locked").await;
}
