//! The hosted portal in Chromium, on a phone-sized screen: a whole KYC flow with uploads,
//! a KYB flow whose owners verify here and through their own link, resuming in a second
//! browser, a 320 px screen, every step in every language with Arabic's mirrored layout, and
//! axe-core on every page met along the way.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Browser, BrowserOptions, sqlite_app};
use crate::helpers::{TestApp, document_photo};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

pub(super) fn url(case: &Value) -> &str {
    case["verification_url"].as_str().unwrap()
}

/// A document photo on disk, for the file inputs.
pub(super) struct Photo {
    _dir: tempfile::TempDir,
    pub(super) path: PathBuf,
}

pub(super) fn photo() -> Photo {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.jpg");
    std::fs::write(&path, document_photo()).unwrap();
    Photo { _dir: dir, path }
}

pub(super) async fn assert_path(browser: &Browser, expected: &str) {
    let current = browser.current_url().await;
    let path = current.splitn(4, '/').nth(3).map(|p| format!("/{p}"));
    assert_eq!(path.as_deref(), Some(expected), "at {current}");
}

/// The page fits the screen: nothing to scroll sideways.
async fn assert_fits(browser: &Browser) {
    let widths = browser
        .script("return [document.documentElement.scrollWidth, window.innerWidth]")
        .await;
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "the page scrolls sideways: {widths}"
    );
}

pub(super) async fn consent(browser: &Browser) {
    browser.step("consent").await;
    browser.check("consent").await;
    browser.submit().await;
}

/// The personal details step, filled with `first` `last`.
pub(super) async fn personal_details(browser: &Browser, first: &str, last: &str) {
    browser.step("personal details").await;
    browser.fill("individual.first_name", first).await;
    browser.fill("individual.last_name", last).await;
    browser.fill("individual.date_of_birth", "1974-08-12").await;
    browser.select("individual.nationality", "SE").await;
    browser
        .fill("individual.address.line1", "Storgatan 1")
        .await;
    browser.fill("individual.address.city", "Stockholm").await;
    browser.select("individual.address.country", "SE").await;
    browser.submit().await;
}

/// A passport: chosen, then photographed with its MRZ typed.
async fn passport(browser: &Browser, photo: &Path, mrz: &str) {
    browser.step("identity document choice").await;
    browser.check("#document_type").await;
    browser.select("country", "SE").await;
    browser.submit().await;
    browser.step("identity document upload").await;
    browser
        .upload("identity_document.passport.front", photo)
        .await;
    browser.fill("mrz", mrz).await;
    browser.submit().await;
}

async fn selfie(browser: &Browser, photo: &Path) {
    assert_path(browser, "/portal/selfie").await;
    browser.step("selfie").await;
    browser.upload("selfie.selfie.front", photo).await;
    browser.submit().await;
}

/// A person's whole KYC flow from its consent page to the submitted review.
async fn kyc_flow(browser: &Browser, first: &str, last: &str, photo: &Path) {
    kyc_flow_with_mrz(browser, first, last, photo, MRZ).await;
}

/// [`kyc_flow`] with a passport of the given MRZ.
pub(super) async fn kyc_flow_with_mrz(
    browser: &Browser,
    first: &str,
    last: &str,
    photo: &Path,
    mrz: &str,
) {
    consent(browser).await;
    personal_details(browser, first, last).await;
    passport(browser, photo, mrz).await;
    selfie(browser, photo).await;
    assert_path(browser, "/portal/review").await;
    browser.step("review").await;
    browser.submit().await;
}

async fn status(app: &TestApp, case: &Value) -> String {
    let id = case["id"].as_str().unwrap();
    app.get_case(&app.sandbox.secret, id).await["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_kyc_flow_with_uploads_on_a_phone() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let key = &app.sandbox.secret;
    let flow = app
        .create_flow(
            key,
            json!({"name": "With address", "kind": "kyc", "steps": [
                "consent", "personal_details", "identity_document", "selfie", "proof_of_address", "review"
            ]}),
        )
        .await;
    let case = app
        .create_case_with(
            key,
            json!({"kind": "kyc", "flow_id": flow["id"], "redirect_url": app.url("/healthz?from=platform"),
                   "applicant": {"type": "individual", "individual": {"first_name": "Anna"}}}),
        )
        .await;
    let photo = photo();

    browser.goto(url(&case)).await;
    assert_path(&browser, "/portal/consent").await;
    assert!(
        !browser
            .current_url()
            .await
            .contains(case["token"].as_str().unwrap())
    );
    consent(&browser).await;

    // Sent empty, the details come back with an error summary that links to each field.
    assert_eq!(
        browser
            .script("return document.querySelector('[name=\"individual.first_name\"]').value")
            .await,
        json!("Anna"),
        "prefilled"
    );
    browser.fill("individual.first_name", "").await;
    browser.submit().await;
    assert!(
        browser
            .text_of(".summary")
            .await
            .contains("There is a problem")
    );
    browser.step("personal details with errors").await;
    personal_details(&browser, "Anna Maria", "Eriksson").await;
    passport(&browser, &photo.path, MRZ).await;
    selfie(&browser, &photo.path).await;

    assert_path(&browser, "/portal/proof_of_address").await;
    browser.step("proof of address").await;
    browser
        .upload("proof_of_address.proof-of-address.front", &photo.path)
        .await;
    browser.submit().await;

    assert_path(&browser, "/portal/review").await;
    browser.step("review").await;
    assert!(browser.text().await.contains("Anna Maria"));
    browser.submit().await;

    // Back on the platform, told which case and how it stands.
    let landed = browser.current_url().await;
    assert!(
        landed.contains("/healthz?from=platform&case_id="),
        "{landed}"
    );
    assert!(landed.ends_with("&outcome=submitted"), "{landed}");
    assert_ne!(status(&app, &case).await, "in_progress");

    // The link now only tells where the case stands.
    browser.goto(url(&case)).await;
    assert_path(&browser, "/portal/finished").await;
    browser.step("finished").await;
}

#[tokio::test]
async fn a_kyb_flow_whose_owners_verify_here_and_through_their_own_link() {
    let Some((browser, owner_phone)) =
        Browser::launch_two(BrowserOptions::default(), BrowserOptions::default()).await
    else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let key = &app.sandbox.secret;
    let case = app
        .create_case_with(
            key,
            json!({"kind": "kyb", "applicant": {"type": "business", "business": {"legal_name": "Analytical Engines AB"}}}),
        )
        .await;
    let photo = photo();

    browser.goto(url(&case)).await;
    consent(&browser).await;
    browser.step("company details").await;
    browser
        .fill("business.registration_number", "556000-1231")
        .await;
    browser.select("business.country", "SE").await;
    browser.fill("business.address.line1", "Kungsgatan 2").await;
    browser.fill("business.address.city", "Stockholm").await;
    browser.select("business.address.country", "SE").await;
    browser.submit().await;

    assert_path(&browser, "/portal/company_documents").await;
    browser.step("company documents").await;
    browser
        .upload(
            "company_documents.certificate-of-incorporation.front",
            &photo.path,
        )
        .await;
    browser
        .upload("company_documents.register-extract.front", &photo.path)
        .await;
    browser.submit().await;

    assert_path(&browser, "/portal/related_persons").await;
    browser.step("owners, none yet").await;
    for (first, last, share) in [("Ada", "Lovelace", "60"), ("Charles", "Babbage", "40")] {
        browser.select("role", "ubo").await;
        browser.fill("first_name", first).await;
        browser.fill("last_name", last).await;
        browser.fill("date_of_birth", "1980-01-01").await;
        browser.select("nationality", "GB").await;
        browser.fill("ownership_percent", share).await;
        browser
            .click("form[action='/portal/related_persons/add'] button")
            .await;
    }
    browser.step("owners added").await;

    // Charles gets his own link, which he opens on his phone.
    browser
        .click("#related_persons .card:nth-child(2) button[value=link]")
        .await;
    let child_link = browser.text_of(".link").await;
    browser.step("owner's link shown").await;

    // Ada verifies right here, and comes back to the business's flow.
    browser
        .click("#related_persons .card:nth-child(1) button[value=here]")
        .await;
    assert_path(&browser, "/portal/consent").await;
    kyc_flow(&browser, "Ada", "Lovelace", &photo.path).await;
    assert_path(&browser, "/portal/related_persons").await;
    assert!(
        browser
            .text()
            .await
            .contains("Identity verification: Submitted")
    );
    browser.step("owners after one verified").await;
    browser
        .click("form[action='/portal/related_persons'] button")
        .await;
    assert_path(&browser, "/portal/review").await;
    browser.step("business review").await;
    browser.submit().await;
    assert_path(&browser, "/portal/finished").await;
    assert_ne!(status(&app, &case).await, "in_progress");

    owner_phone.goto(&child_link).await;
    assert_path(&owner_phone, "/portal/consent").await;
    kyc_flow(&owner_phone, "Charles", "Babbage", &photo.path).await;
    assert_path(&owner_phone, "/portal/finished").await;
    let children = app.list(key, "/v1/cases?kind=kyc").await;
    assert_eq!(children.len(), 2);
    assert!(
        children
            .iter()
            .all(|c| c["status"] != "in_progress" && c["status"] != "created")
    );
}

#[tokio::test]
async fn progress_resumes_in_another_browser() {
    let Some((phone, laptop)) = Browser::launch_two(
        BrowserOptions::default(),
        BrowserOptions {
            width: 1280,
            height: 800,
            lang: "de-DE",
        },
    )
    .await
    else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let case = app.create_case(&app.sandbox.secret).await;
    phone.goto(url(&case)).await;
    consent(&phone).await;
    personal_details(&phone, "Ada", "Lovelace").await;
    assert_path(&phone, "/portal/identity_document").await;

    laptop.goto(url(&case)).await;
    assert_path(&laptop, "/portal/identity_document").await;
    assert_eq!(laptop.text_of("h1").await, "Ausweisdokument");
    laptop.step("resumed, in German").await;
    assert_eq!(
        laptop.script("return document.cookie").await,
        json!(""),
        "the session cookie is out of scripts' reach"
    );
}

#[tokio::test]
async fn every_kind_of_page_fits_a_320_px_screen() {
    let narrow = BrowserOptions {
        width: 320,
        height: 640,
        lang: "de-DE",
    };
    let Some(browser) = Browser::launch(narrow).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let case = app.create_case(&app.sandbox.secret).await;
    browser.goto(url(&case)).await;
    assert_eq!(browser.script("return window.innerWidth").await, json!(320));
    for label in ["consent", "personal details", "identity document"] {
        assert_fits(&browser).await;
        browser.step(label).await;
        match label {
            "consent" => {
                browser.check("consent").await;
                browser.submit().await;
            }
            "personal details" => personal_details(&browser, "Ada", "Lovelace").await,
            _ => {}
        }
    }
    browser.check("#document_type").await;
    browser.select("country", "SE").await;
    browser.submit().await;
    assert_fits(&browser).await;
    browser.step("identity document upload").await;

    let expired = app.create_case(&app.sandbox.secret).await;
    let id = expired["id"].as_str().unwrap();
    app.expire_link_in_database(id).await;
    browser
        .goto(url(&app.get_case(&app.sandbox.secret, id).await))
        .await;
    assert_eq!(browser.text_of("h1").await, "Dieser Link ist abgelaufen");
    assert_fits(&browser).await;
    browser.step("expired link").await;
}

/// The portal's languages, how each writes 12 August 1974, what it calls Germany, and a
/// German passport.
const LANGUAGES: [(&str, &str, &str, &str); 5] = [
    ("en", "12 August 1974", "Germany", "Passport from Germany"),
    (
        "de",
        "12. August 1974",
        "Deutschland",
        "Reisepass aus Deutschland",
    ),
    ("fr", "12 août 1974", "Allemagne", "Passeport – Allemagne"),
    (
        "es",
        "12 de agosto de 1974",
        "Alemania",
        "Pasaporte de Alemania",
    ),
    ("ar", "12 أغسطس 1974", "ألمانيا", "جواز السفر من ألمانيا"),
];

/// Where a form's first label's text and its submit button sit, against the form, in CSS
/// pixels from the form's left and right edges.
#[derive(Debug)]
struct Placement {
    label_from_left: f64,
    label_from_right: f64,
    button_from_left: f64,
    button_from_right: f64,
}

async fn placement(browser: &Browser) -> Placement {
    let found = browser
        .script(
            "const form = document.querySelector('main form');
             const label = form.querySelector('label');
             const text = document.createRange();
             text.selectNodeContents(label);
             const [f, l, b] = [form.getBoundingClientRect(), text.getBoundingClientRect(),
                 form.querySelector('button[type=submit]').getBoundingClientRect()];
             return [l.left - f.left, f.right - l.right, b.left - f.left, f.right - b.right];",
        )
        .await;
    let edge = |i: usize| found[i].as_f64().unwrap();
    Placement {
        label_from_left: edge(0),
        label_from_right: edge(1),
        button_from_left: edge(2),
        button_from_right: edge(3),
    }
}

/// Labels and the primary button sit at the inline start: the right in a right-to-left
/// page, the left otherwise.
async fn assert_mirrored(browser: &Browser, rtl: bool) {
    let p = placement(browser).await;
    // (distance from the inline start, distance from the inline end)
    let inline = |from_left: f64, from_right: f64| {
        if rtl {
            (from_right, from_left)
        } else {
            (from_left, from_right)
        }
    };
    let label = inline(p.label_from_left, p.label_from_right);
    let button = inline(p.button_from_left, p.button_from_right);
    assert!(
        label.0 < 1.0 && label.1 > 20.0 && button.0 < 1.0 && button.1 > 20.0,
        "rtl {rtl}: {p:?}"
    );
}

#[tokio::test]
async fn every_step_in_every_language_with_arabic_mirrored() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let key = &app.sandbox.secret;
    let kyc = app.create_case(key).await;
    let kyb = app
        .create_case_with(
            key,
            json!({"kind": "kyb", "applicant": crate::helpers::business("DE")}),
        )
        .await;
    // Details with a birth date for the review, and a document chosen for its upload page.
    browser.goto(url(&kyc)).await;
    consent(&browser).await;
    personal_details(&browser, "Ada", "Lovelace").await;
    browser.check("#document_type").await;
    browser.select("country", "DE").await;
    browser.submit().await;

    for (lang, birth_date, germany, passport) in LANGUAGES {
        let rtl = lang == "ar";
        for (case, steps) in [
            (
                &kyc,
                [
                    "consent",
                    "personal_details",
                    "identity_document?change=1",
                    "identity_document",
                    "selfie",
                    "review",
                ]
                .as_slice(),
            ),
            (
                &kyb,
                [
                    "consent",
                    "company_details",
                    "company_documents",
                    "related_persons",
                    "review",
                ]
                .as_slice(),
            ),
        ] {
            // The language comes with the link, whatever the browser asks for.
            browser.goto(&format!("{}?lang={lang}", url(case))).await;
            for step in steps {
                browser.goto(&app.url(&format!("/portal/{step}"))).await;
                let html = browser
                    .script("return [document.documentElement.lang, document.documentElement.dir]")
                    .await;
                assert_eq!(
                    html,
                    json!([lang, if rtl { "rtl" } else { "ltr" }]),
                    "{step}"
                );
                assert_fits(&browser).await;
                browser.step(&format!("{lang} {step}")).await;
                if matches!(*step, "personal_details" | "company_details") {
                    assert_mirrored(&browser, rtl).await;
                }
            }
        }
        // The KYC case's pages in words: the document chosen, the birth date as the language
        // writes dates, the countries by their names in it.
        browser.goto(&format!("{}?lang={lang}", url(&kyc))).await;
        browser.goto(&app.url("/portal/identity_document")).await;
        assert!(
            browser.text().await.contains(passport),
            "{lang}: {passport}"
        );
        browser.goto(&app.url("/portal/review")).await;
        assert!(
            browser.text().await.contains(birth_date),
            "{lang}: {birth_date}"
        );
        browser.goto(&app.url("/portal/personal_details")).await;
        let option =
            "return document.querySelector('#individual-nationality option[value=DE]').text";
        assert_eq!(browser.script(option).await, json!(germany), "{lang}");
    }

    // A refused form in Arabic: the error summary and the errors beside the fields.
    browser.goto(&format!("{}?lang=ar", url(&kyc))).await;
    browser.goto(&app.url("/portal/personal_details")).await;
    browser.fill("individual.first_name", "").await;
    browser.fill("individual.date_of_birth", "").await;
    browser.submit().await;
    assert!(browser.text_of(".summary").await.contains("توجد مشكلة"));
    browser.step("ar personal details with errors").await;
}
