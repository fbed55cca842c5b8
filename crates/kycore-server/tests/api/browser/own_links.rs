//! Links that reach people, in Chromium: on a desktop, a business sends an owner their own
//! link, which arrives by e-mail at a real SMTP server (aiosmtpd); the page shows it sent,
//! with copy (where the browser can) and a QR code; then the desktop continues on a phone
//! through a hand-off QR code. axe-core checks every page met.

use std::path::Path;

use kycore_services::ServiceConfig;
use kycore_store::testing::TestDatabase;
use serde_json::json;

use super::portal::{assert_path, consent, photo, url};
use super::{Browser, BrowserOptions};
use crate::helpers::TestApp;
use crate::smtp_sink::{self, SmtpSink};

#[tokio::test]
async fn an_owners_link_is_emailed_and_the_desktop_continues_on_a_phone() {
    if !smtp_sink::available() {
        return;
    }
    let desktop_screen = BrowserOptions {
        width: 1280,
        height: 800,
        lang: "en-US",
    };
    let Some((desktop, phone)) =
        Browser::launch_two(desktop_screen, BrowserOptions::default()).await
    else {
        return;
    };
    let sink = SmtpSink::start(smtp_sink::free_port());
    let db = TestDatabase::sqlite();
    let app = TestApp::spawn_with(&db, |config| ServiceConfig {
        smtp: Some(smtp_sink::settings(sink.port)),
        ..config
    })
    .await;
    let case = app
        .create_case_with(
            &app.sandbox.secret,
            json!({"kind": "kyb", "applicant": {"type": "business", "business": {"legal_name": "Nordic Widgets AB"}}}),
        )
        .await;
    let photo = photo();

    desktop.goto(url(&case)).await;
    consent(&desktop).await;
    desktop
        .fill("business.registration_number", "556000-1231")
        .await;
    desktop.select("business.country", "SE").await;
    desktop.fill("business.address.line1", "Kungsgatan 2").await;
    desktop.fill("business.address.city", "Stockholm").await;
    desktop.select("business.address.country", "SE").await;
    desktop.submit().await;
    for slot in [
        "company_documents.certificate-of-incorporation.front",
        "company_documents.register-extract.front",
    ] {
        desktop.upload(slot, &photo.path).await;
    }
    desktop.submit().await;
    assert_path(&desktop, "/portal/related_persons").await;
    desktop.select("role", "ubo").await;
    desktop.fill("first_name", "Lars").await;
    desktop.fill("last_name", "Nilsson").await;
    desktop.fill("date_of_birth", "1980-01-01").await;
    desktop.select("nationality", "SE").await;
    desktop.fill("email", "lars@example.com").await;
    desktop
        .click("form[action='/portal/related_persons/add'] button")
        .await;
    desktop.click("#related_persons button[value=link]").await;
    assert!(
        desktop
            .text()
            .await
            .contains("Being e-mailed to lars@example.com.")
    );
    // The copy button shows where the Clipboard API is there (loopback is a secure
    // context); share only where the Web Share API is.
    let shown = desktop
        .script(
            "return [document.querySelector('[data-copy]').hidden, \
             document.querySelector('[data-share]').hidden === !navigator.share]",
        )
        .await;
    assert_eq!(shown, json!([false, true]));
    desktop.step("owner's link being e-mailed").await;

    while app.services.run_due_jobs().await.unwrap() > 0 {}
    let mail = sink.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["rcpt_tos"], json!(["lars@example.com"]));
    desktop.goto(&app.url("/portal/related_persons")).await;
    assert!(
        desktop
            .text()
            .await
            .contains("E-mailed to lars@example.com on ")
    );
    desktop.step("owner's link e-mailed").await;
    desktop.click("a[href^='/portal/related_persons/qr']").await;
    desktop.find("svg.qr").await;
    desktop.step("QR code of the owner's link").await;
    let shown = desktop.screenshot("owner's link code").await;
    assert_eq!(qr_codes_in(&shown), [smtp_sink::link_in(&mail[0])]);
    desktop.click("a[href='/portal/related_persons']").await;

    // The desktop hands over to the phone, which goes on where the desktop stood.
    desktop.click("form[action='/portal/handoff'] button").await;
    desktop.find("svg.qr").await;
    desktop.step("continue on your phone").await;
    let handoff = desktop.text_of("#handoff-url").await;
    assert!(handoff.starts_with(&app.url("/handoff/")));
    // The code on the screen reads as that URL, as a phone's camera would read it.
    let shown = desktop.screenshot("hand-off code").await;
    assert_eq!(qr_codes_in(&shown), std::slice::from_ref(&handoff));
    phone.goto(&handoff).await;
    assert_path(&phone, "/portal/related_persons").await;
    assert!(phone.text().await.contains("Lars Nilsson"));
    phone.step("continued on the phone").await;

    // Lars opens the e-mailed link on that phone: his own flow.
    phone.goto(&smtp_sink::link_in(&mail[0])).await;
    assert_path(&phone, "/portal/consent").await;
    phone.step("the owner's own flow").await;
}

/// The contents of the QR codes in a screenshot.
fn qr_codes_in(png: &Path) -> Vec<String> {
    let image = image::open(png).unwrap().to_luma8();
    let (width, height) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        image.get_pixel(x as u32, y as u32)[0]
    });
    prepared
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok())
        .map(|(_, content)| content)
        .collect()
}
