//! The hosted flow with the document engines, in Chromium on a phone: the applicant is not
//! asked to type the MRZ, sees what was read from the photo right after the upload, and a
//! selfie without a face is refused with the reason on the page. Skipped without the models
//! (see `document_reading.rs`), like the rest without a browser.

use std::path::Path;

use kycore_store::testing::TestDatabase;

use super::portal::{assert_path, consent, personal_details, url};
use super::{Browser, BrowserOptions};
use crate::document_reading::{fixture, model_dir};
use crate::helpers::{TestApp, document_photo};

/// A fixture written where the file input can take it.
fn on_disk(dir: &Path, name: &str, bytes: Vec<u8>) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

async fn count(browser: &Browser, css: &str) -> u64 {
    browser
        .script(&format!("return document.querySelectorAll('{css}').length"))
        .await
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn the_portal_shows_the_mrz_read_from_the_photo_and_refuses_a_faceless_selfie() {
    let Some(models) = model_dir() else { return };
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let db = TestDatabase::sqlite();
    let app = TestApp::spawn_with(&db, |config| kycore_services::ServiceConfig {
        model_dir: Some(models),
        ..config
    })
    .await;
    let files = tempfile::tempdir().unwrap();
    let card = on_disk(
        files.path(),
        "card.jpg",
        fixture("kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg"),
    );
    let faceless = on_disk(files.path(), "faceless.jpg", document_photo());
    let selfie = on_disk(files.path(), "selfie.jpg", fixture("faces/paul_rudd_2.jpg"));
    let case = app.create_case(&app.sandbox.secret).await;

    browser.goto(url(&case)).await;
    consent(&browser).await;
    personal_details(&browser, "Anna Maria", "Eriksson").await;
    browser.step("identity document choice").await;
    browser.check("#document_type").await;
    browser.select("country", "SE").await;
    browser.submit().await;
    browser.step("identity document upload").await;
    assert_eq!(
        count(&browser, "[name=mrz]").await,
        0,
        "nothing to type yet"
    );
    browser
        .upload("identity_document.passport.front", &card)
        .await;
    browser.submit().await;

    // Back on the step, with what was read.
    assert_path(&browser, "/portal/identity_document").await;
    browser.step("zone read").await;
    let read = browser.text_of("#zone-read").await;
    for expected in ["ERIKSSON", "ANNA MARIA", "1974-08-12"] {
        assert!(read.contains(expected), "{expected} missing from {read:?}");
    }
    assert_eq!(
        count(&browser, "[name=mrz]").await,
        0,
        "read: nothing to type"
    );

    browser.goto(&app.url("/portal")).await;
    assert_path(&browser, "/portal/selfie").await;
    browser.upload("selfie.selfie.front", &faceless).await;
    browser.submit().await;
    browser.step("selfie refused").await;
    let page = browser.text().await;
    assert!(page.contains("No face can be seen in the selfie"), "{page}");

    browser.upload("selfie.selfie.front", &selfie).await;
    browser.submit().await;
    assert_path(&browser, "/portal/review").await;
    db.cleanup().await;
}
