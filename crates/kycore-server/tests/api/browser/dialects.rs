//! The vendors' hosted links in a real browser: the link a VOVE client builds opens the
//! KYB flow, a Caliza verification URL completed by the applicant ends SUCCEEDED with a
//! signed BENEFICIARY_APPROVED webhook, and a Rebilly gatherer completed by the customer
//! fulfils its request and sends them back with `info=success`.

use std::time::Duration;

use kycore_services::ServiceConfig;
use kycore_store::testing::TestDatabase;
use serde_json::{Value, json};

use super::portal::{assert_path, kyc_flow_with_mrz, photo};
use super::{Browser, BrowserOptions, sqlite_app};
use crate::helpers::TestApp;
use crate::webhooks::{Receiver, deliver_until, settings};

/// The link a VOVE client builds from `POST /kyb/case`'s token, its publishable key and its
/// environment opens the hosted KYB flow.
#[tokio::test]
async fn a_vove_kyb_link_opens_the_hosted_flow() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let created: Value = app
        .client
        .post(app.url("/kyb/case"))
        .header("x-api-key", &app.sandbox.secret)
        .json(&json!({"refId": "acme-ltd", "country": "GB"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    let link = app.url(&format!(
        "/kyb?environment=Sandbox&authToken={token}&publicKey={}",
        app.sandbox.publishable
    ));
    browser.goto(&link).await;
    assert_eq!(browser.text_of("h1").await, "Before you start");
    browser.step("vove kyb link opened").await;
    browser.check("consent").await;
    browser.submit().await;
    assert_ne!(browser.text_of("h1").await, "Before you start");
    browser.step("vove kyb flow started").await;
    let id = created["kybCase"]["_id"].as_str().unwrap();
    let case = app.get_case(&app.sandbox.secret, id).await;
    assert_eq!(case["status"], "in_progress");
}

/// A Swedish passport of Anna Maria Eriksson valid until 2035, its check digits right.
const VALID_PASSPORT: &str =
    "P<SWEERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36SWE7408122F3504152<<<<<<<<<<<<<<04";

/// Anna Maria Eriksson's whole KYC flow in the open hosted flow, with her valid passport and
/// a selfie, submitted.
async fn complete_as_anna(browser: &Browser) {
    let photo = photo();
    kyc_flow_with_mrz(
        browser,
        "Anna Maria",
        "Eriksson",
        &photo.path,
        VALID_PASSPORT,
    )
    .await;
}

/// A Caliza integrator's whole flow: callback URL, beneficiary, verification session, the
/// applicant in Chromium, the decision, the poll and the webhook.
#[tokio::test]
async fn a_caliza_verification_completed_in_chromium_ends_succeeded() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let db = TestDatabase::sqlite();
    let app = TestApp::spawn_with(&db, |config| ServiceConfig {
        webhooks: settings(Duration::from_millis(50)),
        ..config
    })
    .await;
    let caliza = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(&app.sandbox.secret)
    };
    let receiver = Receiver::start().await;
    let path = format!("/core-api/v1/integrators/{}/webhooks", app.organization_id);
    let set = caliza(reqwest::Method::PATCH, &path)
        .json(&json!({"callbackUrl": receiver.url}))
        .send()
        .await
        .unwrap();
    assert!(set.status().is_success());
    let beneficiary: Value = caliza(reqwest::Method::POST, "/core-api/v1/beneficiaries")
        .json(
            &json!({"integratorBeneficiaryId": "anna", "type": "INDIVIDUAL", "person": {
            "firstName": "Anna Maria", "lastName": "Eriksson", "dateOfBirth": "1974-08-12",
            "citizenship": "SE", "idNumber": "19740812-1234", "email": "ada@example.com",
            "phoneNumber": "+46701234567",
            "address": {"streetOne": "Storgatan 1", "city": "Stockholm", "zipcode": "11122",
                        "state": "AB", "country": "SE"}}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = beneficiary["id"].as_str().unwrap();
    let verification = format!("/core-api/v1/beneficiaries/{id}/verification");
    let session: Value = caliza(reqwest::Method::POST, &verification)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["status"], "PENDING");

    browser
        .goto(session["verificationUrl"].as_str().unwrap())
        .await;
    complete_as_anna(&browser).await;
    browser.step("caliza verification submitted").await;
    let polled: Value = caliza(reqwest::Method::GET, &verification)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(polled["status"], "PROCESSING");

    while app.services.run_due_jobs().await.unwrap() > 0 {}
    let polled: Value = caliza(reqwest::Method::GET, &verification)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = app
        .get_case(&app.sandbox.secret, session["id"].as_str().unwrap())
        .await;
    assert_eq!(polled["status"], "SUCCEEDED", "{case}");
    deliver_until(&app, || {
        receiver
            .all()
            .iter()
            .any(|r| r.json()["operation"] == "BENEFICIARY_APPROVED")
    })
    .await;
    let approved = receiver.all().into_iter().next().unwrap();
    assert!(!approved.header("x-caliza-webhook-signature").is_empty());
    assert_eq!(approved.json()["beneficiaryId"], id);
    drop(app);
    db.cleanup().await;
}

/// A Rebilly gatherer link completed in Chromium: the request asks for a passport with a
/// face proof; once the checks approve, the request is fulfilled and the waiting page sends
/// the customer to `redirectUrl` with `info=success`, its own query kept.
#[tokio::test]
async fn a_rebilly_gatherer_completed_in_chromium_fulfils_the_request() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let rebilly = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header("REB-APIKEY", &app.sandbox.secret)
    };
    let back = app.url("/healthz?from=rebilly");
    let created: Value = rebilly(reqwest::Method::POST, "/kyc-requests")
        .json(&json!({"customerId": "cus_GATHER", "redirectUrl": back,
            "documents": [{"type": "identity-proof", "faceProofRequired": true}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gatherer = created["_links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "kycGatherer")
        .and_then(|l| l["href"].as_str())
        .unwrap()
        .to_owned();

    browser.goto(&gatherer).await;
    // Every step offers a way back to the platform before the end, saying so.
    let leave = browser
        .script("return document.querySelector('p.leave a').getAttribute('href')")
        .await;
    assert_eq!(leave, json!(format!("{back}&info=back")));
    complete_as_anna(&browser).await;
    // The checks have not run yet: the customer waits on a page that looks again.
    assert_path(&browser, "/portal/finished").await;
    browser
        .step("rebilly gatherer waiting for the checks")
        .await;
    while app.services.run_due_jobs().await.unwrap() > 0 {}
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !browser.current_url().await.contains("info=") && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(browser.current_url().await, format!("{back}&info=success"));

    let id = created["id"].as_str().unwrap();
    let request: Value = rebilly(reqwest::Method::GET, &format!("/kyc-requests/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(request["status"], "fulfilled", "{request}");
}
