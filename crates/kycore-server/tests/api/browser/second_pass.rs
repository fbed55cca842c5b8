//! The portal's second pass in Chromium: what the start page says is needed, a progress bar
//! that names the steps, errors named after their fields, a driving licence checked on its
//! typed number and expiry date, previews of the uploads on the review page (loaded under
//! the page's CSP), and a step reopened by an analyst that says why — axe-core on each.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::json;

use super::{Browser, BrowserOptions, sqlite_app};
use crate::helpers::document_photo;

#[tokio::test]
async fn a_driving_licence_flow_is_explained_from_start_to_resubmission() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let key = &app.sandbox.secret;
    let case = app.create_case(key).await;
    let dir = tempfile::tempdir().unwrap();
    let photo: PathBuf = dir.path().join("document.jpg");
    std::fs::write(&photo, document_photo()).unwrap();

    browser
        .goto(case["verification_url"].as_str().unwrap())
        .await;
    let start = browser.text().await;
    assert!(start.contains("What you'll need"), "{start}");
    assert!(start.contains("An identity document that is still valid"));
    let current = browser.text_of("nav.progress li[aria-current=step]").await;
    assert_eq!(current, "Before you start");
    browser.step("start page").await;
    browser.check("consent").await;
    browser.submit().await;

    // Sent without them, the details page names every field it needs, by its label.
    browser.fill("individual.first_name", "").await;
    browser.fill("individual.date_of_birth", "").await;
    browser.submit().await;
    let summary = browser.text_of(".summary").await;
    for named in [
        "First name: Enter this information.",
        "Date of birth: Enter this information.",
    ] {
        assert!(summary.contains(named), "{summary}");
    }
    browser.step("errors named by field").await;
    browser.fill("individual.first_name", "Anna").await;
    browser.fill("individual.last_name", "Eriksson").await;
    browser.fill("individual.date_of_birth", "1974-08-12").await;
    browser.select("individual.nationality", "SE").await;
    browser.submit().await;

    browser.check("input[value=driver-license]").await;
    browser.select("country", "SE").await;
    browser.submit().await;
    browser
        .upload("identity_document.driver-license.front", &photo)
        .await;
    browser
        .upload("identity_document.driver-license.back", &photo)
        .await;
    browser.fill("document_number", "SE 1234 5678").await;
    browser.fill("expiry_date", "2031-01-31").await;
    browser.step("driving licence with its typed data").await;
    browser.submit().await;
    browser.upload("selfie.selfie.front", &photo).await;
    browser.submit().await;

    let review = browser.text().await;
    for shown in [
        "Driving licence: Photo of the front",
        "Driving licence: Photo of the back",
        "Your photo",
    ] {
        assert!(review.contains(shown), "{shown} in {review}");
    }
    let previews = browser
        .script("return Array.from(document.querySelectorAll('img.preview')).map(i => i.complete && i.naturalWidth)")
        .await;
    let widths = previews.as_array().unwrap();
    assert_eq!(widths.len(), 3, "{previews}");
    assert!(
        widths
            .iter()
            .all(|w| w.as_u64().is_some_and(|w| w > 0 && w <= 240)),
        "every preview loads, small: {previews}"
    );
    browser.step("review with previews").await;
    browser.submit().await;

    let id = case["id"].as_str().unwrap();
    app.decide(
        key,
        id,
        &json!({"decision": "request_resubmission", "steps": ["identity_document"],
                "note": "The back of the licence is blurred; please photograph it again."}),
        StatusCode::OK,
    )
    .await;
    browser
        .goto(case["verification_url"].as_str().unwrap())
        .await;
    let asked = browser.text_of(".notice").await;
    assert!(asked.contains("We need this step again"), "{asked}");
    assert!(
        asked.contains("The back of the licence is blurred"),
        "{asked}"
    );
    browser.step("asked again with the analyst's note").await;
}
