//! Links that reach people, over plain HTTP: a related person's own link e-mailed through a
//! real SMTP server (aiosmtpd, `smtp_sink`), sent again on request, kept by the job queue
//! through a failed send and a dead worker; the page without SMTP; "verify now, here" naming
//! whom and for which business; and the phone hand-off, single-use and short-lived.

use kycore_services::ServiceConfig;
use kycore_store::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection;

use crate::helpers::{TestApp, verification_path};
use crate::portal::{Applicant, MAX_PAGE_BYTES, Page, business_with_owners};
use crate::smtp_sink::{self, SmtpSink};

/// Runs `test` on every configured database, against a server that e-mails through an SMTP
/// server on `port` (`None`: no `[smtp]`).
async fn for_each_database_with_smtp<F, Fut>(port: Option<u16>, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for db in TestDatabase::all().await {
        let app = TestApp::spawn_with(&db, |config| ServiceConfig {
            smtp: port.map(smtp_sink::settings),
            ..config
        })
        .await;
        test(app).await;
        db.cleanup().await;
    }
}

/// Runs `sql` beside the server, with `value` as `$1`; returns the rows affected.
async fn execute(app: &TestApp, sql: &'static str, value: i64) -> u64 {
    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query(sql)
        .bind(value)
        .execute(&mut conn)
        .await
        .unwrap()
        .rows_affected()
}

async fn run_jobs(app: &TestApp) {
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

/// Chooses "send them their own link" for `person_id`; returns the page afterwards.
async fn send_own_link(browser: &Applicant<'_>, person_id: &str) -> Page {
    let (_, page) = browser.visit("/portal/related_persons").await;
    let sent = browser
        .post(
            "/portal/related_persons/verify",
            &[
                ("csrf", &page.csrf()),
                ("person_id", person_id),
                ("mode", "link"),
            ],
        )
        .await;
    assert_eq!(sent.location.as_deref(), Some("/portal/related_persons"));
    browser.visit("/portal/related_persons").await.1
}

async fn ask_to_email_again(browser: &Applicant<'_>, person_id: &str) -> Page {
    let (_, page) = browser.visit("/portal/related_persons").await;
    browser
        .post(
            "/portal/related_persons/email",
            &[("csrf", &page.csrf()), ("person_id", person_id)],
        )
        .await
}

#[tokio::test]
async fn a_related_persons_own_link_is_emailed_and_opens_their_consent_step() {
    if !smtp_sink::available() {
        return;
    }
    let sink = SmtpSink::start(smtp_sink::free_port());
    let sink = &sink;
    for_each_database_with_smtp(Some(sink.port), |app| async move {
        let already = sink.messages().len();
        let (_, browser, ids) = business_with_owners(&app).await;
        let page = send_own_link(&browser, &ids[0]).await;
        assert!(
            page.body.contains("Being e-mailed to lars@example.com."),
            "{}",
            page.body
        );
        // Karin gave no address: nothing is queued for her, and the page says so.
        let page = send_own_link(&browser, &ids[1]).await;
        assert!(
            page.body
                .contains("No e-mail address was given for Karin Berg")
        );
        assert!(page.body.len() < MAX_PAGE_BYTES);
        // The job names the case only: no address, no link.
        let payloads = "SELECT COUNT(*) FROM jobs WHERE kind = 'email_related_link' AND \
                        (payload LIKE '%example.com%' OR payload LIKE '%verify%') AND $1 = $1";
        assert_eq!(app.count_in_database(payloads, "").await, 0);
        let queued = "SELECT COUNT(*) FROM jobs WHERE kind = 'email_related_link' AND $1 = $1";
        assert_eq!(app.count_in_database(queued, "").await, 1);

        run_jobs(&app).await;
        let messages = sink.wait_for(already + 1).await;
        assert_eq!(messages.len(), already + 1, "only Lars gets an e-mail");
        let mail = &messages[already];
        assert_eq!(mail["rcpt_tos"], json!(["lars@example.com"]));
        assert_eq!(
            mail["subject"],
            "Verify your identity for Nordic Widgets AB"
        );
        assert!(
            mail["body"]
                .as_str()
                .unwrap()
                .starts_with("Hello Lars Nilsson,")
        );
        let link = smtp_sink::link_in(mail);
        assert!(link.starts_with(&app.url("/verify/")), "{link}");

        // The link works: Lars lands on his own consent step.
        let lars = Applicant::new(&app);
        let (path, page) = lars.visit(link.trim_start_matches(&app.base_url)).await;
        assert_eq!(path, "/portal/consent");
        assert!(page.body.contains("Before you start"));

        // The page says when it went out; the audit trail records it, by ids only.
        let (_, page) = browser.visit("/portal/related_persons").await;
        assert!(
            page.body.contains("E-mailed to lars@example.com on "),
            "{}",
            page.body
        );
        let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'portal.link_emailed' \
                       AND actor_type = 'system' AND detail NOT LIKE '%example.com%' AND $1 = $1";
        assert_eq!(app.count_in_database(audited, "").await, 1);

        // Sending again at once is refused (no flooding someone's inbox)…
        let refused = ask_to_email_again(&browser, &ids[0]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("The link was e-mailed a moment ago"));
        // …and works a minute later, with the same link.
        execute(
            &app,
            "UPDATE related_person_cases SET email_requested_at = email_requested_at - $1",
            120_000,
        )
        .await;
        let again = ask_to_email_again(&browser, &ids[0]).await;
        assert_eq!(
            again.location.as_deref(),
            Some("/portal/related_persons"),
            "{}",
            again.body
        );
        run_jobs(&app).await;
        let messages = sink.wait_for(already + 2).await;
        assert_eq!(messages.len(), already + 2);
        assert_eq!(
            messages[already + 1]["rcpt_tos"],
            json!(["lars@example.com"])
        );
        assert_eq!(smtp_sink::link_in(&messages[already + 1]), link);
        // Karin has no address to send to.
        let none = ask_to_email_again(&browser, &ids[1]).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(sink.messages().len(), already + 2);
    })
    .await;
}

#[tokio::test]
async fn a_link_email_is_sent_after_a_failed_attempt_and_a_dead_worker() {
    if !smtp_sink::available() {
        return;
    }
    let port = smtp_sink::free_port();
    let db = TestDatabase::sqlite();
    let app = TestApp::spawn_with(&db, |config| ServiceConfig {
        smtp: Some(smtp_sink::settings(port)),
        ..config
    })
    .await;
    let (_, browser, ids) = business_with_owners(&app).await;
    send_own_link(&browser, &ids[0]).await;

    // The SMTP server is down: the attempt fails, and the job waits to be tried again.
    app.services.run_due_jobs().await.unwrap();
    let failed = "SELECT COUNT(*) FROM jobs WHERE kind = 'email_related_link' AND attempts = 1 \
                  AND last_error IS NOT NULL AND finished_at IS NULL AND $1 = $1";
    assert_eq!(app.count_in_database(failed, "").await, 1);

    // It comes back; a worker claims the job and dies before sending (its lease is held).
    let sink = SmtpSink::start(port);
    execute(
        &app,
        "UPDATE jobs SET run_at = 0, locked_until = $1, claim_token = 'dead-worker', \
         attempts = attempts + 1 WHERE kind = 'email_related_link'",
        kycore_services::time_format::now_millis() + 60_000,
    )
    .await;
    run_jobs(&app).await;
    assert!(
        sink.messages().is_empty(),
        "the job is leased to the dead worker"
    );
    let held = "SELECT COUNT(*) FROM jobs WHERE kind = 'email_related_link' AND attempts = 2 \
                AND claim_token = 'dead-worker' AND $1 = $1";
    assert_eq!(app.count_in_database(held, "").await, 1);

    // Once the dead worker's lease runs out, the job runs again and the e-mail goes out.
    app.make_jobs_due().await;
    run_jobs(&app).await;
    let messages = sink.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["rcpt_tos"], json!(["lars@example.com"]));
    let (_, page) = browser.visit("/portal/related_persons").await;
    assert!(page.body.contains("E-mailed to lars@example.com on "));
}

#[tokio::test]
async fn without_smtp_the_page_offers_copy_share_and_a_qr_code() {
    for_each_database_with_smtp(None, |app| async move {
        let (_, browser, ids) = business_with_owners(&app).await;
        let page = send_own_link(&browser, &ids[0]).await;
        assert!(
            page.body.contains("E-mail is not set up here"),
            "{}",
            page.body
        );
        assert!(
            !page
                .body
                .contains("action=\"/portal/related_persons/email\"")
        );
        // Copy and share wait for the script to show them; the link is there as text.
        assert!(page.body.contains("data-copy=\"http"));
        assert!(page.body.contains("data-share=\"http"));
        let link_start = page.body.find("<p class=\"link\">").unwrap() + 16;
        let link = &page.body[link_start..];
        let link = &link[..link.find('<').unwrap()];
        assert!(link.starts_with(&app.url("/verify/")));
        let queued = "SELECT COUNT(*) FROM jobs WHERE kind = 'email_related_link' AND $1 = $1";
        assert_eq!(app.count_in_database(queued, "").await, 0);

        // The QR code page draws the same link, inline.
        let qr = browser
            .get(&format!("/portal/related_persons/qr?person={}", ids[0]))
            .await;
        assert_eq!(qr.status, StatusCode::OK);
        assert!(qr.body.contains("<svg class=\"qr\""));
        assert!(
            qr.body
                .contains("aria-label=\"QR code of the link for Lars Nilsson\"")
        );
        assert!(qr.body.contains(link));
        assert!(qr.body.len() < MAX_PAGE_BYTES, "{} bytes", qr.body.len());
        // A person without a link of their own has no QR code.
        let none = browser
            .get(&format!("/portal/related_persons/qr?person={}", ids[1]))
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);
        let asked = ask_to_email_again(&browser, &ids[0]).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(asked.body.contains("E-mail is not set up here"));
    })
    .await;
}

#[tokio::test]
async fn verifying_here_names_the_person_and_the_business_and_leads_back() {
    crate::helpers::for_each_database(|app| async move {
        let (case, browser, ids) = business_with_owners(&app).await;
        let (_, page) = browser.visit("/portal/related_persons").await;
        let here = browser
            .post(
                "/portal/related_persons/verify",
                &[
                    ("csrf", &page.csrf()),
                    ("person_id", &ids[0]),
                    ("mode", "here"),
                ],
            )
            .await;
        let lars_link = here.location.expect("Lars's own flow");
        let (path, page) = browser
            .visit(lars_link.trim_start_matches(&app.base_url))
            .await;
        assert_eq!(path, "/portal/consent");
        assert!(
            page.body
                .contains("Verifying Lars Nilsson for Nordic Widgets AB"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Their verification: step 1 of 5"));
        let back = format!("href=\"{}\"", case["verification_url"].as_str().unwrap());
        assert!(
            page.body.contains(&back),
            "a way back to the business's flow"
        );
        assert!(page.body.contains("Back to Nordic Widgets AB"));
        browser.complete("consent", &[("consent", "yes")]).await;
        let (_, page) = browser.visit("/portal/personal_details").await;
        assert!(page.body.contains("Their verification: step 2 of 5"));

        // Going back resumes the business where it stood, Lars's case shown as started.
        let (path, page) = browser.visit(&verification_path(&case)).await;
        assert_eq!(path, "/portal/related_persons");
        assert!(!page.body.contains("Verifying Lars Nilsson"));
        assert!(
            page.body.contains("Identity verification: In progress"),
            "{}",
            page.body
        );
    })
    .await;
}

/// The hand-off URL a "continue on your phone" page shows beside its QR code.
fn handoff_url(page: &Page) -> String {
    assert!(page.body.contains("<svg class=\"qr\""), "{}", page.body);
    let start = page
        .body
        .find("id=\"handoff-url\">")
        .expect("the hand-off URL")
        + 17;
    page.body[start..start + page.body[start..].find('<').unwrap()].to_owned()
}

async fn continue_on_phone(desktop: &Applicant<'_>) -> String {
    let (_, page) = desktop.visit("/portal").await;
    let shown = desktop
        .post("/portal/handoff", &[("csrf", &page.csrf())])
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Continue on your phone"));
    handoff_url(&shown)
}

#[tokio::test]
async fn a_phone_hand_off_opens_the_same_case_once_and_expires() {
    crate::helpers::for_each_database(|app| async move {
        let case = app
            .create_case_with(
                &app.sandbox.secret,
                json!({"kind": "kyc", "applicant": {"type": "individual", "individual": {"first_name": "Anna"}}}),
            )
            .await;
        let desktop = Applicant::new(&app);
        desktop.visit(&verification_path(&case)).await;
        desktop.complete("consent", &[("consent", "yes")]).await;
        let (_, page) = desktop.visit("/portal").await;
        assert!(page.body.contains("action=\"/portal/handoff\""));
        // Without the session's CSRF token no hand-off is made.
        let forged = desktop.post("/portal/handoff", &[("csrf", "forged")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let url = continue_on_phone(&desktop).await;
        assert!(url.starts_with(&app.url("/handoff/")), "{url}");
        assert!(!url.contains(case["token"].as_str().unwrap()), "not the link itself");
        let path = url.trim_start_matches(&app.base_url).to_owned();

        // The phone gets a session of its own for the same case, where the desktop stood.
        let phone = Applicant::new(&app);
        let opened = phone.get(&path).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER);
        assert_eq!(opened.location.as_deref(), Some("/portal"));
        assert!(opened.set_cookies.iter().any(|c| c.starts_with("kycore_portal=")));
        let (step, _) = phone.visit("/portal").await;
        assert_eq!(step, "/portal/personal_details");
        let (step, _) = desktop.visit("/portal").await;
        assert_eq!(step, "/portal/personal_details", "the desktop's session goes on");

        // Used once, it is spent.
        let again = Applicant::new(&app).get(&path).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        assert!(again.body.contains("This link does not work"));
        let malformed = Applicant::new(&app).get("/handoff/not-a-token").await;
        assert_eq!(malformed.status, StatusCode::NOT_FOUND);

        // After ten minutes it has expired.
        let url = continue_on_phone(&desktop).await;
        execute(&app, "UPDATE portal_handoffs SET expires_at = $1 WHERE used_at IS NULL", 1).await;
        let late = Applicant::new(&app).get(url.trim_start_matches(&app.base_url)).await;
        assert_eq!(late.status, StatusCode::GONE);

        // At most five codes wait at once: a session cannot fill the table.
        for _ in 0..5 {
            continue_on_phone(&desktop).await;
        }
        let (_, page) = desktop.visit("/portal").await;
        let refused = desktop.post("/portal/handoff", &[("csrf", &page.csrf())]).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.body.contains("Use the code you already have"));
        execute(&app, "UPDATE portal_handoffs SET expires_at = $1 WHERE used_at IS NULL", 1).await;

        // A link replaced after the hand-off was made refuses it, like the link itself.
        let url = continue_on_phone(&desktop).await;
        let case_id = case["id"].as_str().unwrap();
        app.post_json(&app.sandbox.secret, &format!("/v1/cases/{case_id}/link"), &json!({}), StatusCode::OK)
            .await;
        let replaced = Applicant::new(&app).get(url.trim_start_matches(&app.base_url)).await;
        assert_eq!(replaced.status, StatusCode::GONE);
        assert!(replaced.body.contains("replaced"), "{}", replaced.body);
    })
    .await;
}
