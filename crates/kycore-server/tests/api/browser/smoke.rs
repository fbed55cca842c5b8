//! The hosted link pages that exist today, in a real browser; and the harness itself, on a
//! small form that echoes what it receives.

use axum::extract::Multipart;
use axum::http::HeaderMap;
use axum::response::Html;
use axum::routing::{get, post};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Browser, BrowserOptions, sqlite_app};

fn url(case: &Value) -> &str {
    case["verification_url"].as_str().unwrap()
}

#[tokio::test]
async fn a_new_link_opens_on_a_phone() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let key = &app.sandbox.secret;
    let case = app.create_case(key).await;

    browser.goto(url(&case)).await;
    assert_eq!(browser.text_of("h1").await, "Before you start");
    assert_eq!(browser.script("return window.innerWidth").await, json!(390));
    browser.step("link opened").await;
    // Opening the link is not starting: a mail scanner opens links too.
    let case = app.get_case(key, case["id"].as_str().unwrap()).await;
    assert_eq!(case["status"], "created");
}

#[tokio::test]
async fn broken_expired_and_replaced_links_say_what_to_do() {
    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let key = &app.sandbox.secret;

    browser.goto(&app.url("/verify/not-a-token")).await;
    assert_eq!(browser.text_of("h1").await, "This link does not work");
    assert!(browser.text().await.contains("opened the whole link"));
    browser.step("invalid link").await;

    let case = app.create_case(key).await;
    let id = case["id"].as_str().unwrap();
    app.expire_link_in_database(id).await;
    browser.goto(url(&app.get_case(key, id).await)).await;
    assert_eq!(browser.text_of("h1").await, "This link has expired");
    browser.step("expired link").await;

    let case = app.create_case(key).await;
    let path = format!("/v1/cases/{}/link", case["id"].as_str().unwrap());
    app.post_json(key, &path, &json!({}), StatusCode::OK).await;
    browser.goto(url(&case)).await;
    assert_eq!(browser.text_of("h1").await, "This link has been replaced");
    browser.step("replaced link").await;
}

#[tokio::test]
async fn a_320_px_screen_needs_no_sideways_scrolling() {
    let narrow = BrowserOptions {
        width: 320,
        height: 640,
        ..BrowserOptions::default()
    };
    let Some(browser) = Browser::launch(narrow).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let case = app.create_case(&app.sandbox.secret).await;

    browser.goto(url(&case)).await;
    // The emulated screen sets the viewport, not the window (Chromium makes those 500 px at least).
    assert_eq!(browser.script("return window.innerWidth").await, json!(320));
    let scroll_width = browser
        .script("return document.documentElement.scrollWidth")
        .await;
    assert!(scroll_width.as_u64().unwrap() <= 320, "{scroll_width}");
    browser.step("link at 320 px").await;
}

#[tokio::test]
async fn a_second_device_does_not_share_cookies() {
    let desktop = BrowserOptions {
        width: 1280,
        height: 800,
        ..BrowserOptions::default()
    };
    let Some((phone, laptop)) = Browser::launch_two(BrowserOptions::default(), desktop).await
    else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let case = app.create_case(&app.sandbox.secret).await;

    phone.goto(url(&case)).await;
    phone
        .script("document.cookie = 'kycore_probe=phone; path=/'")
        .await;
    laptop.goto(url(&case)).await;
    assert_eq!(laptop.text_of("h1").await, "Before you start");
    assert_eq!(laptop.script("return document.cookie").await, json!(""));
    assert_eq!(
        phone.script("return document.cookie").await,
        json!("kycore_probe=phone")
    );
    phone.screenshot("phone").await;
    laptop.screenshot("laptop").await;
}

/// A page with one field of each kind the portal uses, posting to [`echo`].
const FORM: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Form</title></head><body><main><h1>Form</h1>
<form method="post" action="/echo" enctype="multipart/form-data">
<label>Name <input name="name"></label>
<label>Born <input type="date" name="born"></label>
<label>Document <select name="document"><option value="passport">Passport</option>
<option value="id-card">ID card</option></select></label>
<label><input type="checkbox" name="consent" value="yes"> I agree</label>
<label>File <input type="file" name="file"></label>
<button>Send</button></form></main></body></html>"#;

/// Answers with the request's `Accept-Language` and every field, a file as its name and size.
async fn echo(headers: HeaderMap, mut form: Multipart) -> Html<String> {
    let language = headers["accept-language"].to_str().unwrap();
    let mut lines = format!("<p>accept-language: {language}</p>");
    while let Some(field) = form.next_field().await.unwrap() {
        let name = field.name().unwrap().to_owned();
        let value = match field.file_name().map(str::to_owned) {
            Some(file) => format!("{file}, {} bytes", field.bytes().await.unwrap().len()),
            None => field.text().await.unwrap(),
        };
        lines += &format!("<p>{name}: {value}</p>");
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><title>Echo</title><main><h1>Echo</h1>{lines}</main></html>"
    ))
}

#[tokio::test]
async fn the_harness_fills_and_submits_a_form() {
    let german = BrowserOptions {
        lang: "de-DE",
        ..BrowserOptions::default()
    };
    let Some(browser) = Browser::launch(german).await else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .route("/", get(|| async { Html(FORM) }))
        .route("/echo", post(echo));
    let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passport.png");
    std::fs::write(&file, [7u8; 1234]).unwrap();

    browser.goto(&base).await;
    assert_eq!(
        browser.script("return navigator.language").await,
        json!("de-DE")
    );
    browser.fill("name", "Ada Lovelace").await;
    browser.fill("born", "1985-12-10").await;
    browser.select("document", "id-card").await;
    browser.check("consent").await;
    browser.upload("input[type=file]", &file).await;
    browser.step("form filled").await;
    browser.submit().await;

    assert_eq!(browser.current_url().await, format!("{base}/echo"));
    let echoed = browser.text().await;
    for line in [
        "name: Ada Lovelace",
        "born: 1985-12-10",
        "document: id-card",
        "consent: yes",
        "file: passport.png, 1234 bytes",
    ] {
        assert!(echoed.contains(line), "{line:?} missing from {echoed}");
    }
    assert!(echoed.contains("accept-language: de-DE"), "{echoed}");
    server.abort();
}
