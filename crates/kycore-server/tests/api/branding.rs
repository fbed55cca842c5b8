//! An organization's branding: set through `/v1/organization/branding`, checked field by
//! field, and shown on every hosted page of its own cases only.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::CONTENT_TYPE;
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, encode, for_each_database, send, verification_path};

async fn patch(app: &TestApp, key: &str, body: Value) -> crate::helpers::Reply {
    send(app.request_json(Method::PATCH, "/v1/organization/branding", key, &body)).await
}

fn logo_png() -> Vec<u8> {
    let logo = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(96, 32, |x, _| {
        image::Rgb([11, 79, u8::try_from(x).unwrap()])
    }));
    encode(&logo, image::ImageFormat::Png)
}

/// The first page of a case's hosted flow, in a browser of its own; the client keeps the
/// session cookie for later requests.
async fn hosted_page(app: &TestApp, key: &str) -> (Client, String) {
    let case = app.create_case(key).await;
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(Policy::limited(5))
        .build()
        .unwrap();
    let page = browser
        .get(app.url(&verification_path(&case)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (browser, page)
}

#[tokio::test]
async fn branding_is_checked_and_shown_on_the_organizations_pages_only() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let unbranded = app.get_json(key, "/v1/organization/branding").await;
        assert_eq!(unbranded["display_name"], Value::Null);
        assert_eq!(unbranded["has_logo"], false);
        let organization_name = unbranded["organization_name"].as_str().unwrap().to_owned();
        // Without branding, the pages still say whose verification it is.
        let (_, page) = hosted_page(&app, key).await;
        assert!(page.contains(&organization_name), "{page}");

        let refused = patch(
            &app,
            key,
            json!({"brand_color": "#ffd400", "privacy_notice_url": "widgets.example/privacy",
                   "support_email": "help@", "logo": "not base64!"}),
        )
        .await;
        let problem = refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "logo");
        let refused = patch(
            &app,
            key,
            json!({"brand_color": "#ffd400", "privacy_notice_url": "widgets.example/privacy", "support_email": "help@"}),
        )
        .await;
        let problem = refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let codes: Vec<(&str, &str)> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            codes,
            [
                ("brand_color", "insufficient_contrast"),
                ("privacy_notice_url", "invalid_url"),
                ("support_email", "invalid_email")
            ]
        );
        assert_eq!(app.get_json(key, "/v1/organization/branding").await["updated_at"], Value::Null, "nothing was saved");

        let branded = patch(
            &app,
            key,
            json!({
                "display_name": "Nordic Widgets",
                "brand_color": "#7a1f5c",
                "privacy_notice_url": "https://widgets.example/privacy",
                "data_controller": "Nordic Widgets AB, Kungsgatan 2, Stockholm",
                "support_email": "help@widgets.example",
                "logo": STANDARD.encode(logo_png()),
            }),
        )
        .await
        .json(StatusCode::OK);
        assert_eq!(branded["display_name"], "Nordic Widgets");
        assert_eq!(branded["has_logo"], true);
        // A PATCH leaves what it does not name; null clears.
        let cleared = patch(&app, key, json!({"support_email": null})).await.json(StatusCode::OK);
        assert_eq!(cleared["support_email"], Value::Null);
        assert_eq!(cleared["brand_color"], "#7a1f5c");

        let (browser, page) = hosted_page(&app, key).await;
        for shown in [
            "Nordic Widgets",
            "--brand:#7a1f5c",
            "https://widgets.example/privacy",
            "Nordic Widgets AB, Kungsgatan 2, Stockholm",
            "/portal/logo?v=",
            "Nordic Widgets needs to confirm who you are",
        ] {
            assert!(page.contains(shown), "{shown} in {page}");
        }
        let logo = browser.get(app.url("/portal/logo")).send().await.unwrap();
        assert_eq!(logo.status(), StatusCode::OK);
        assert_eq!(logo.headers()[CONTENT_TYPE], "image/png");
        let served = logo.bytes().await.unwrap();
        assert!(image::load_from_memory(&served).is_ok(), "a real image is served");

        // Live applicants never see what a sandbox key set.
        let (_, live_page) = hosted_page(&app, &app.live.secret).await;
        assert!(!live_page.contains("Nordic Widgets"));
        assert_eq!(app.get_json(&app.live.secret, "/v1/organization/branding").await["display_name"], Value::Null);

        // Another organization's pages know nothing of it.
        let (other_browser, other_page) = hosted_page(&app, &app.other_sandbox.secret).await;
        assert!(!other_page.contains("Nordic Widgets"));
        assert!(!other_page.contains("--brand:"));
        let no_logo = other_browser.get(app.url("/portal/logo")).send().await.unwrap();
        assert_eq!(no_logo.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            app.get_json(&app.other_sandbox.secret, "/v1/organization/branding").await["display_name"],
            Value::Null
        );
    })
    .await;
}
