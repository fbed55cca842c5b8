//! A branded hosted page in Chromium: the logo loads, buttons and links take the brand
//! colour, and the page stays axe-clean with it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{Browser, BrowserOptions, sqlite_app};
use crate::helpers::{encode, send};

#[tokio::test]
async fn a_branded_page_shows_the_organizations_look() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let logo = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        120,
        40,
        image::Rgb([122, 31, 92]),
    ));
    let body = json!({
        "display_name": "Nordic Widgets",
        "brand_color": "#7a1f5c",
        "privacy_notice_url": "https://widgets.example/privacy",
        "data_controller": "Nordic Widgets AB, Stockholm",
        "support_url": "https://widgets.example/help",
        "logo": STANDARD.encode(encode(&logo, image::ImageFormat::Png)),
    });
    let reply = send(app.request_json(
        Method::PATCH,
        "/v1/organization/branding",
        &app.sandbox.secret,
        &body,
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let case = app.create_case(&app.sandbox.secret).await;
    browser
        .goto(case["verification_url"].as_str().unwrap())
        .await;
    browser.step("branded consent").await;
    let logo_width = browser
        .script("return document.querySelector('header img').naturalWidth")
        .await;
    assert_eq!(
        logo_width,
        json!(120),
        "the logo loads under the page's CSP"
    );
    let button = browser
        .script("return getComputedStyle(document.querySelector('form button')).backgroundColor")
        .await;
    assert_eq!(button, json!("rgb(122, 31, 92)"));
    assert!(
        browser
            .text()
            .await
            .contains("Nordic Widgets AB, Stockholm")
    );
}
