//! The console over HTTP, without a browser (the browser tests drive the same pages in
//! Chromium): users and roles, sign-in with lockout, sessions, CSRF, the queue, the case
//! page and decisions through the same use case as the API, audited as the user.

use kycore_services::console_users::{FREE_FAILURES, Role};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

use crate::helpers::{TestApp, for_each_database};

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of `name="…" value="…"` in a page (the CSRF token).
pub(crate) fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..][..page[start..].find('"').unwrap()].to_owned()
}

pub(crate) async fn get(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
) -> (StatusCode, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

pub(crate) async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.unwrap()
}

/// Signs in and returns the session's CSRF token.
pub(crate) async fn sign_in(
    client: &reqwest::Client,
    app: &TestApp,
    email: &str,
    password: &str,
) -> String {
    let (status, form) = get(client, app, "/console/login").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden(&form, "csrf");
    let answer = post(
        client,
        app,
        "/console/login",
        &[("csrf", &csrf), ("email", email), ("password", password)],
    )
    .await;
    assert_eq!(
        answer.status(),
        StatusCode::SEE_OTHER,
        "{}",
        answer.text().await.unwrap()
    );
    let cookie = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("kycore_console="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(cookie.contains("Path=/console"), "{cookie}");
    let (status, queue) = get(client, app, "/console/cases").await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    hidden(&queue, "csrf")
}

pub(crate) async fn switch_to_sandbox(client: &reqwest::Client, app: &TestApp, csrf: &str) {
    let answer = post(
        client,
        app,
        "/console/environment",
        &[("csrf", csrf), ("environment", "sandbox")],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
}

async fn case_in_review(app: &TestApp) -> String {
    let key = &app.sandbox.secret;
    let case = app.create_case(key).await;
    let id = case["id"].as_str().unwrap().to_owned();
    app.complete_sandbox(key, &id, "in_review").await;
    id
}

#[tokio::test]
async fn an_analyst_signs_in_sees_the_queue_and_approves_as_themselves() {
    for_each_database(|app| async move {
        let user = app
            .services
            .create_console_user(&app.organization_id, "ana@example.com", Role::Analyst)
            .await
            .unwrap();
        let older = case_in_review(&app).await;
        let other = app.create_case(&app.sandbox.secret).await;
        let other = other["id"].as_str().unwrap().to_owned();
        let newer = case_in_review(&app).await;

        let client = browser();
        let (status, _) = get(&client, &app, "/console/cases").await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "signed out: to the sign-in form"
        );
        let csrf = sign_in(&client, &app, "ANA@example.com ", &user.password).await;
        let (_, live) = get(&client, &app, "/console/cases").await;
        assert!(
            live.contains("Live") && !live.contains(&older),
            "live shows no sandbox cases"
        );
        switch_to_sandbox(&client, &app, &csrf).await;
        let (_, queue) = get(&client, &app, "/console/cases").await;
        assert!(queue.contains("Sandbox"));
        let (a, b, c) = (
            queue.find(&older).unwrap(),
            queue.find(&newer).unwrap(),
            queue.find(&other).unwrap(),
        );
        assert!(a < b && b < c, "in review first, oldest first");
        let (_, filtered) = get(&client, &app, "/console/cases?status=created").await;
        assert!(filtered.contains(&other) && !filtered.contains(&older));
        let (status, _) = get(&client, &app, "/console/cases?status=bogus").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let (status, page) = get(&client, &app, &format!("/console/cases/{older}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("in_review") && page.contains("Approve"));

        // A form without the session's token changes nothing.
        let path = format!("/console/cases/{older}/decision");
        let forged = post(&client, &app, &path, &[("decision", "approve")]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        let foreign = client
            .post(app.url(&path))
            .header("origin", "https://evil.example")
            .form(&[("csrf", csrf.as_str()), ("decision", "approve")])
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            app.get_case(&app.sandbox.secret, &older).await["status"],
            "in_review"
        );

        let approved = post(
            &client,
            &app,
            &path,
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
        assert_eq!(approved.status(), StatusCode::SEE_OTHER);
        let case = app.get_case(&app.sandbox.secret, &older).await;
        assert_eq!(case["status"], "approved", "{case}");
        let audit = app
            .get_json(&app.sandbox.secret, &format!("/v1/audit?case_id={older}"))
            .await;
        let decided = audit["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["actor_type"] == "console_user")
            .unwrap_or_else(|| panic!("no console user in {audit}"));
        assert_eq!(decided["actor_id"], user.id.as_str(), "{decided}");
        let events = app.case_events(&app.sandbox.secret, &older).await;
        let decided = events.last().unwrap();
        assert_eq!(decided["type"], "case.decided", "{decided}");
        assert_eq!(decided["data"]["outcome"], "approved", "{decided}");

        // Deciding again where the state machine does not allow it: a clear page, nothing
        // written.
        let again = post(
            &client,
            &app,
            &path,
            &[("csrf", &csrf), ("decision", "request_resubmission")],
        )
        .await;
        assert_eq!(again.status(), StatusCode::CONFLICT);
        assert!(again.text().await.unwrap().contains("role=\"alert\""));
        assert_eq!(
            app.get_case(&app.sandbox.secret, &older).await["status"],
            "approved"
        );

        // A page shown before the approval: its rejection writes nothing.
        let stale = post(
            &client,
            &app,
            &path,
            &[("csrf", &csrf), ("decision", "reject"), ("revision", "5")],
        )
        .await;
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        assert!(
            stale
                .text()
                .await
                .unwrap()
                .contains("changed after this page was shown")
        );
        let garbled = post(
            &client,
            &app,
            &path,
            &[("csrf", &csrf), ("decision", "reject"), ("revision", "x")],
        )
        .await;
        assert_eq!(garbled.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            app.get_case(&app.sandbox.secret, &older).await["status"],
            "approved"
        );

        // A rejection keeps its reason code.
        let path = format!("/console/cases/{newer}/decision");
        let rejected = post(
            &client,
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("reason_code", "document_forged"),
                ("note", "the photo was pasted in"),
            ],
        )
        .await;
        assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
        let case = app.get_case(&app.sandbox.secret, &newer).await;
        assert_eq!(case["status"], "rejected");
        assert_eq!(case["decision"]["reason_code"], "document_forged", "{case}");

        // Unknown and other organizations' cases read the same.
        for missing in ["case_01hzzzzzzzzzzzzzzzzzzzzzzz", "nonsense", "%00"] {
            let (status, _) = get(&client, &app, &format!("/console/cases/{missing}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        }
        let foreign_case = app.create_case(&app.other_sandbox.secret).await;
        let foreign_id = foreign_case["id"].as_str().unwrap();
        let (status, _) = get(&client, &app, &format!("/console/cases/{foreign_id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let post_foreign = post(
            &client,
            &app,
            &format!("/console/cases/{foreign_id}/decision"),
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
        assert_eq!(post_foreign.status(), StatusCode::NOT_FOUND);

        // Signing out ends the session.
        let logout = post(&client, &app, "/console/logout", &[("csrf", &csrf)]).await;
        assert_eq!(logout.status(), StatusCode::SEE_OTHER);
        let (status, _) = get(&client, &app, "/console/cases").await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        // The user's life and sessions are in the organization's audit trail, with who acted.
        let trail = app.get_json(&app.live.secret, "/v1/audit?limit=100").await;
        let about_user: Vec<(String, String)> = trail["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["target_type"] == "console_user")
            .map(|e| {
                let action = e["action"].as_str().unwrap().to_owned();
                (action, e["actor_type"].as_str().unwrap().to_owned())
            })
            .collect();
        for expected in [
            ("console_user.created", "system"),
            ("console.signed_in", "console_user"),
            ("console.switched_to_sandbox", "console_user"),
            ("console.signed_out", "console_user"),
        ] {
            let expected = (expected.0.to_owned(), expected.1.to_owned());
            assert!(
                about_user.contains(&expected),
                "{expected:?} in {about_user:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_viewer_reads_but_cannot_decide() {
    for_each_database(|app| async move {
        let viewer = app
            .services
            .create_console_user(&app.organization_id, "vic@example.com", Role::Viewer)
            .await
            .unwrap();
        let case = case_in_review(&app).await;
        let client = browser();
        let csrf = sign_in(&client, &app, "vic@example.com", &viewer.password).await;
        switch_to_sandbox(&client, &app, &csrf).await;
        let (status, page) = get(&client, &app, &format!("/console/cases/{case}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !page.contains("Approve") && !page.contains("/decision"),
            "no forms"
        );
        let forged = post(
            &client,
            &app,
            &format!("/console/cases/{case}/decision"),
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            app.get_case(&app.sandbox.secret, &case).await["status"],
            "in_review"
        );

        // Half an hour without a page ends the session.
        app.idle_console_sessions().await;
        let (status, _) = get(&client, &app, &format!("/console/cases/{case}")).await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "idle too long: sign in again"
        );
        // Housekeeping forgets the ended sessions' rows.
        app.services.prune_console_sessions().await.unwrap();
        let left = app
            .count_in_database(
                "SELECT COUNT(*) FROM console_sessions WHERE user_id = $1",
                viewer.id.as_str(),
            )
            .await;
        assert_eq!(left, 0);
    })
    .await;
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_disabled_users_cannot_sign_in() {
    for_each_database(|app| async move {
        let user = app
            .services
            .create_console_user(&app.organization_id, "lee@example.com", Role::Analyst)
            .await
            .unwrap();
        let client = browser();
        let (_, form) = get(&client, &app, "/console/login").await;
        let csrf = hidden(&form, "csrf");

        let without_token = post(
            &client,
            &app,
            "/console/login",
            &[("email", "lee@example.com"), ("password", &user.password)],
        )
        .await;
        assert_eq!(
            without_token.status(),
            StatusCode::FORBIDDEN,
            "the sign-in form has CSRF too"
        );

        let unknown = post(
            &client,
            &app,
            "/console/login",
            &[
                ("csrf", &csrf),
                ("email", "nobody@example.com"),
                ("password", "x"),
            ],
        )
        .await;
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let unknown = unknown.text().await.unwrap();
        for attempt in 1..=FREE_FAILURES {
            let wrong = post(
                &client,
                &app,
                "/console/login",
                &[
                    ("csrf", &csrf),
                    ("email", "lee@example.com"),
                    ("password", "wrong"),
                ],
            )
            .await;
            let expected = if attempt < FREE_FAILURES {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            assert_eq!(wrong.status(), expected, "attempt {attempt}");
            let text = wrong.text().await.unwrap();
            if attempt == 1 {
                let strip = |t: &str| {
                    t.replace("lee@example.com", "")
                        .replace("nobody@example.com", "")
                };
                let pick = |t: &str| t.find("role=\"alert\"").map(|i| t[i..i + 80].to_owned());
                assert_eq!(
                    pick(&strip(&text)),
                    pick(&strip(&unknown)),
                    "a wrong e-mail reads like a wrong password"
                );
            }
        }
        let right_but_locked = post(
            &client,
            &app,
            "/console/login",
            &[
                ("csrf", &csrf),
                ("email", "lee@example.com"),
                ("password", &user.password),
            ],
        )
        .await;
        assert_eq!(right_but_locked.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            right_but_locked
                .text()
                .await
                .unwrap()
                .contains("locked until")
        );

        // A new password lifts the lock; disabling ends the session and refuses sign-in.
        let reset = app
            .services
            .reset_console_password(&app.organization_id, "lee@example.com")
            .await
            .unwrap();
        let session_csrf = sign_in(&client, &app, "lee@example.com", &reset.password).await;
        assert!(!session_csrf.is_empty());
        app.services
            .disable_console_user(&app.organization_id, &user.id)
            .await
            .unwrap();
        let (status, _) = get(&client, &app, "/console/cases").await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "a disabled user's session is over"
        );
        let (_, form) = get(&client, &app, "/console/login").await;
        let csrf = hidden(&form, "csrf");
        let refused = post(
            &client,
            &app,
            "/console/login",
            &[
                ("csrf", &csrf),
                ("email", "lee@example.com"),
                ("password", &reset.password),
            ],
        )
        .await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn an_email_in_two_organizations_signs_in_with_the_organization_named() {
    for_each_database(|app| async move {
        let mine = app
            .services
            .create_console_user(&app.organization_id, "sam@example.com", Role::Viewer)
            .await
            .unwrap();
        app.services
            .create_console_user(&app.other_organization_id, "sam@example.com", Role::Admin)
            .await
            .unwrap();
        let duplicate = app
            .services
            .create_console_user(&app.organization_id, "Sam@Example.com", Role::Admin)
            .await;
        assert!(duplicate.is_err(), "one e-mail per organization");

        let client = browser();
        let (_, form) = get(&client, &app, "/console/login").await;
        let csrf = hidden(&form, "csrf");
        let ambiguous = post(
            &client,
            &app,
            "/console/login",
            &[
                ("csrf", &csrf),
                ("email", "sam@example.com"),
                ("password", &mine.password),
            ],
        )
        .await;
        assert_eq!(ambiguous.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = ambiguous.text().await.unwrap();
        assert!(page.contains("name=\"organization\""), "{page}");
        let csrf = hidden(&page, "csrf");
        let named = post(
            &client,
            &app,
            "/console/login",
            &[
                ("csrf", &csrf),
                ("email", "sam@example.com"),
                ("password", &mine.password),
                ("organization", app.organization_id.as_str()),
            ],
        )
        .await;
        assert_eq!(named.status(), StatusCode::SEE_OTHER);
        let (_, queue) = get(&client, &app, "/console/cases").await;
        assert!(queue.contains(app.organization_id.as_str()) && queue.contains("viewer"));
    })
    .await;
}

#[tokio::test]
async fn an_analyst_reviews_a_proof_of_address_which_no_check_judges() {
    for_each_database(|app| async move {
        let analyst = app
            .services
            .create_console_user(&app.organization_id, "rev@example.com", Role::Analyst)
            .await
            .unwrap();
        let viewer = app
            .services
            .create_console_user(&app.organization_id, "see@example.com", Role::Viewer)
            .await
            .unwrap();
        let key = app.sandbox.secret.clone();
        let created = app.create_case(&key).await;
        let case = created["id"].as_str().unwrap().to_owned();
        let form = reqwest::multipart::Form::new()
            .text("type", "proof-of-address")
            .part(
                "file",
                reqwest::multipart::Part::bytes(crate::helpers::document_photo())
                    .file_name("bill.jpg"),
            );
        let uploaded = crate::helpers::send(
            app.request(
                reqwest::Method::POST,
                &format!("/v1/cases/{case}/documents"),
                &key,
            )
            .multipart(form),
        )
        .await
        .json(StatusCode::CREATED);
        let bill = uploaded["id"].as_str().unwrap().to_owned();
        app.complete_sandbox(&key, &case, "in_review").await;
        let review = format!("/console/cases/{case}/documents/{bill}/review");

        // A viewer sees no review forms and is refused.
        let client = browser();
        let csrf = sign_in(&client, &app, "see@example.com", &viewer.password).await;
        switch_to_sandbox(&client, &app, &csrf).await;
        let (_, page) = get(&client, &app, &format!("/console/cases/{case}")).await;
        assert!(!page.contains(&review), "no review forms for a viewer");
        let refused = post(
            &client,
            &app,
            &review,
            &[("csrf", &csrf), ("status", "accepted")],
        )
        .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let client = browser();
        let csrf = sign_in(&client, &app, "rev@example.com", &analyst.password).await;
        switch_to_sandbox(&client, &app, &csrf).await;
        let (_, page) = get(&client, &app, &format!("/console/cases/{case}")).await;
        assert!(page.contains(&review), "{page}");
        // An unknown reason code is refused on the page, and nothing changes.
        let unknown = post(
            &client,
            &app,
            &review,
            &[
                ("csrf", &csrf),
                ("status", "rejected"),
                ("reason_code", "blurry"),
            ],
        )
        .await;
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            unknown
                .text()
                .await
                .unwrap()
                .contains("not a document rejection code")
        );
        let rejected = post(
            &client,
            &app,
            &review,
            &[
                ("csrf", &csrf),
                ("status", "rejected"),
                ("reason_code", "outdated_address"),
                ("message", "The bill is from 2019."),
            ],
        )
        .await;
        assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
        let documents = app
            .get_json(&key, &format!("/v1/cases/{case}/documents"))
            .await;
        let document = &documents["data"][0];
        assert_eq!(document["status"], "rejected");
        assert_eq!(document["rejection_reasons"][0]["code"], "outdated_address");
        assert_eq!(document["reviewed_by"], analyst.id.as_str());
        // The case waits for its decision, which stays the analyst's own call.
        assert_eq!(app.get_case(&key, &case).await["status"], "in_review");
    })
    .await;
}

#[tokio::test]
async fn an_analyst_marks_a_screening_hit_from_the_case_page() {
    for_each_database(|app| async move {
        let analyst = app
            .services
            .create_console_user(&app.organization_id, "hit@example.com", Role::Analyst)
            .await
            .unwrap();
        let key = app.sandbox.secret.clone();
        // The sandbox list's own entry: the checks find the hit and leave the case to a person.
        let mut applicant = crate::helpers::individual("SE");
        applicant["individual"]["first_name"] = serde_json::json!("Viktor");
        applicant["individual"]["last_name"] = serde_json::json!("Sandboxov");
        applicant["individual"]["date_of_birth"] = serde_json::json!("1970-03-04");
        let created = app
            .create_case_with(
                &key,
                serde_json::json!({"kind": "kyc", "applicant": applicant}),
            )
            .await;
        let case = created["id"].as_str().unwrap().to_owned();
        app.post_json(
            &key,
            &format!("/v1/cases/{case}/submit"),
            &serde_json::json!({}),
            StatusCode::OK,
        )
        .await;
        while app.services.run_due_jobs().await.unwrap() > 0 {}
        let decided = app.get_case(&key, &case).await;
        let hit = decided["screening_hits"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let review = format!("/console/cases/{case}/screening-hits/{hit}/review");

        let client = browser();
        let csrf = sign_in(&client, &app, "hit@example.com", &analyst.password).await;
        switch_to_sandbox(&client, &app, &csrf).await;
        // The queue flags the case's open hit.
        let (_, queue) = get(&client, &app, "/console/cases?q=").await;
        assert!(queue.contains("1 open screening hit(s)"), "{queue}");
        let (_, page) = get(&client, &app, &format!("/console/cases/{case}")).await;
        assert!(page.contains(&review), "{page}");
        // The hit beside the list entry it matched, with how the names matched.
        assert!(page.contains("Screened (applicant)"), "{page}");
        assert!(
            page.contains("<dd>1970</dd>"),
            "the entry's birth year: {page}"
        );
        assert!(
            page.contains("<dd>SANDBOX</dd>"),
            "the entry's programs: {page}"
        );
        assert!(
            page.contains("viktor ↔ viktor") || page.contains("Viktor ↔ Viktor"),
            "{page}"
        );
        // The timeline tells what happened (events) beside who did what (audit entries).
        assert!(page.contains("<td>check.completed</td>"), "{page}");
        assert!(page.contains("<td>screening.match_found</td>"), "{page}");
        // The rules that sent the case to a person, with the facts they read.
        assert!(page.contains("id=\"fired-rules\""), "{page}");
        assert!(page.contains("<code>screening."), "{page}");
        let unknown = post(
            &client,
            &app,
            &review,
            &[("csrf", &csrf), ("verdict", "maybe")],
        )
        .await;
        assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
        let marked = post(
            &client,
            &app,
            &review,
            &[
                ("csrf", &csrf),
                ("verdict", "false_match"),
                ("note", "Born elsewhere."),
            ],
        )
        .await;
        assert_eq!(marked.status(), StatusCode::SEE_OTHER);
        let hits = app
            .get_json(&key, &format!("/v1/cases/{case}/screening-hits"))
            .await;
        assert_eq!(hits["data"][0]["status"], "false_match", "{hits}");
        let (_, queue) = get(&client, &app, "/console/cases").await;
        assert!(
            !queue.contains("open screening hit"),
            "reviewed: no longer flagged"
        );
        let audit = app
            .get_json(&key, &format!("/v1/audit?case_id={case}"))
            .await;
        let reviewer = audit["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "screening_hit.reviewed")
            .map(|e| e["actor_id"].clone());
        assert_eq!(
            reviewer,
            Some(serde_json::json!(analyst.id.as_str())),
            "{audit}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_queue_filters_and_finds_and_the_case_page_shows_its_files() {
    for_each_database(|app| async move {
        let analyst = app
            .services
            .create_console_user(&app.organization_id, "find@example.com", Role::Analyst)
            .await
            .unwrap();
        let key = app.sandbox.secret.clone();
        let in_review = case_in_review(&app).await;
        let mut applicant = crate::helpers::individual("SE");
        applicant["individual"]["first_name"] = serde_json::json!("Ingrid");
        applicant["individual"]["last_name"] = serde_json::json!("Åkesson");
        applicant["individual"]["email"] = serde_json::json!("ingrid.akesson@example.org");
        let body = serde_json::json!({"kind": "kyc", "external_id": "order-7781",
            "applicant": applicant});
        let named = app.create_case_with(&key, body).await;
        let applicant_id = named["applicant_id"].as_str().unwrap().to_owned();
        // The index holds keyed hashes, never the words.
        let indexed = app
            .count_in_database(
                "SELECT COUNT(*) FROM applicants WHERE id = $1 AND name_tokens IS NOT NULL \
                 AND name_tokens NOT LIKE '%ingrid%' AND name_tokens NOT LIKE '%kesson%'",
                named["applicant_id"].as_str().unwrap(),
            )
            .await;
        assert_eq!(indexed, 1);
        let named = named["id"].as_str().unwrap().to_owned();
        let form = reqwest::multipart::Form::new()
            .text("type", "passport")
            .part(
                "file",
                reqwest::multipart::Part::bytes(crate::helpers::document_photo())
                    .file_name("p.jpg"),
            );
        let uploaded = crate::helpers::send(
            app.request(
                reqwest::Method::POST,
                &format!("/v1/cases/{named}/documents"),
                &key,
            )
            .multipart(form),
        )
        .await
        .json(StatusCode::CREATED);
        let passport = uploaded["id"].as_str().unwrap().to_owned();

        let client = browser();
        let csrf = sign_in(&client, &app, "find@example.com", &analyst.password).await;
        switch_to_sandbox(&client, &app, &csrf).await;
        let listed = |page: &str| (page.contains(&in_review), page.contains(&named));
        let (_, page) = get(&client, &app, "/console/cases").await;
        assert_eq!(listed(&page), (true, true));
        let (_, page) = get(&client, &app, "/console/cases?q=order-7781").await;
        assert_eq!(listed(&page), (false, true));
        assert!(
            page.contains("value=\"order-7781\""),
            "the form keeps the search"
        );
        // Names and e-mails are found through the blind index: accents, case and word
        // order do not matter, and every word must match.
        for search in [
            "akesson",
            "%C3%85KESSON+ingrid",
            "ingrid.akesson%40example.org",
        ] {
            let (_, page) = get(&client, &app, &format!("/console/cases?q={search}")).await;
            assert_eq!(listed(&page), (false, true), "{search}");
        }
        let (_, page) = get(&client, &app, "/console/cases?q=ingrid+nobody").await;
        assert_eq!(listed(&page), (false, false));
        // An applicant written before the index existed is found once housekeeping indexed it.
        app.forget_name_index(&applicant_id).await;
        let (_, page) = get(&client, &app, "/console/cases?q=akesson").await;
        assert_eq!(listed(&page), (false, false));
        assert!(app.services.index_applicant_names().await.unwrap() >= 1);
        let (_, page) = get(&client, &app, "/console/cases?q=akesson").await;
        assert_eq!(listed(&page), (false, true));
        let (_, page) = get(&client, &app, "/console/cases?status=in_review&kind=kyc").await;
        assert_eq!(listed(&page), (true, false));
        let (_, page) = get(&client, &app, "/console/cases?kind=kyb").await;
        assert_eq!(listed(&page), (false, false));
        let (_, page) = get(&client, &app, "/console/cases?flow=flow_kyc_default").await;
        assert_eq!(listed(&page), (true, true));
        assert!(
            page.contains("value=\"flow_kyc_default\" selected"),
            "{page}"
        );
        let (_, page) = get(&client, &app, "/console/cases?flow=flow_kyb_default").await;
        assert_eq!(listed(&page), (false, false));
        let (_, page) = get(
            &client,
            &app,
            "/console/cases?from=2000-01-01&until=2000-12-31",
        )
        .await;
        assert_eq!(listed(&page), (false, false));
        let (status, _) = get(&client, &app, "/console/cases?from=yesterday").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // A case id opens the case.
        let answer = client
            .get(app.url(&format!("/console/cases?q={named}")))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            answer.headers()["location"].to_str().unwrap(),
            format!("/console/cases/{named}")
        );

        // "Next case" walks the queue in its order: in review first.
        let next = |after: &str| {
            let client = client.clone();
            let url = app.url(&format!("/console/next?after={after}"));
            async move {
                let answer = client.get(url).send().await.unwrap();
                answer.headers()["location"].to_str().unwrap().to_owned()
            }
        };
        assert_eq!(next("nothing").await, format!("/console/cases/{in_review}"));
        assert_eq!(next(&in_review).await, format!("/console/cases/{named}"));
        assert_eq!(next(&named).await, "/console/cases");
        let (_, page) = get(&client, &app, &format!("/console/cases/{in_review}")).await;
        assert!(page.contains("accesskey=\"a\"") && page.contains("accesskey=\"n\""));

        // Taking a case: the queue's "to me" shows it alone, the API names the assignee.
        let take = format!("/console/cases/{named}/assignment");
        let answer = post(&client, &app, &take, &[("csrf", &csrf), ("action", "take")]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let (_, page) = get(&client, &app, "/console/cases?assigned=me").await;
        assert_eq!(listed(&page), (false, true));
        assert_eq!(
            app.get_case(&key, &named).await["assigned_to"],
            analyst.id.as_str()
        );
        let (_, page) = get(&client, &app, &format!("/console/cases/{named}")).await;
        assert!(page.contains("Assigned to you."), "{page}");
        let answer = post(
            &client,
            &app,
            &take,
            &[("csrf", &csrf), ("action", "release")],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert!(
            app.get_case(&key, &named)
                .await
                .get("assigned_to")
                .is_none()
        );
        let trail = app
            .get_json(&key, &format!("/v1/audit?case_id={named}"))
            .await;
        let actions: Vec<&str> = trail["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(actions.contains(&"case.assigned") && actions.contains(&"case.unassigned"));

        // The case page shows the passport from the console's own address, never cached.
        let (_, page) = get(&client, &app, &format!("/console/cases/{named}")).await;
        let file = format!("/console/cases/{named}/documents/{passport}/file");
        assert!(page.contains(&format!("src=\"{file}\"")), "{page}");
        let answer = client.get(app.url(&file)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.headers()["content-type"], "image/jpeg");
        assert_eq!(answer.headers()["cache-control"], "no-store");
        assert!(!answer.bytes().await.unwrap().is_empty());
        // Without a session, or for another case's id, there is no file.
        let (status, _) = get(&browser(), &app, &file).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let elsewhere = format!("/console/cases/{in_review}/documents/{passport}/file");
        let (status, _) = get(&client, &app, &elsewhere).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
}

/// Approves `case` from the console as the signed-in user; the answer.
async fn approve(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    case: &str,
) -> reqwest::Response {
    post(
        client,
        app,
        &format!("/console/cases/{case}/decision"),
        &[("csrf", csrf), ("decision", "approve")],
    )
    .await
}

#[tokio::test]
async fn four_eyes_needs_a_second_analyst_to_approve() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let mut analysts = Vec::new();
        for email in ["first@example.com", "second@example.com"] {
            let user = app
                .services
                .create_console_user(&app.organization_id, email, Role::Analyst)
                .await
                .unwrap();
            let client = browser();
            let csrf = sign_in(&client, &app, email, &user.password).await;
            switch_to_sandbox(&client, &app, &csrf).await;
            analysts.push((client, csrf, user.id));
        }
        let flow = app
            .create_flow(
                &key,
                serde_json::json!({"name": "Two people", "kind": "kyc", "four_eyes": true}),
            )
            .await;
        assert_eq!(flow["four_eyes"], true);
        let mut cases = Vec::new();
        for _ in 0..2 {
            let body = serde_json::json!({"kind": "kyc", "flow_id": flow["id"],
                "applicant": crate::helpers::individual("SE")});
            let case = app.create_case_with(&key, body).await;
            let id = case["id"].as_str().unwrap().to_owned();
            app.complete_sandbox(&key, &id, "in_review").await;
            cases.push(id);
        }
        let (first, second) = (&analysts[0], &analysts[1]);

        // The first approval is recorded; the case still waits.
        let answer = approve(&first.0, &app, &first.1, &cases[0]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let (_, page) = get(
            &first.0,
            &app,
            answer.headers()["location"].to_str().unwrap(),
        )
        .await;
        assert!(page.contains("a second analyst confirms"), "{page}");
        let case = app.get_case(&key, &cases[0]).await;
        assert_eq!(case["status"], "in_review");
        assert_eq!(case["first_approval"]["approved_by"], first.2.as_str());
        // The same analyst cannot be the second pair of eyes.
        let answer = approve(&first.0, &app, &first.1, &cases[0]).await;
        assert_eq!(answer.status(), StatusCode::CONFLICT);
        assert_eq!(app.get_case(&key, &cases[0]).await["status"], "in_review");
        // The second analyst sees who approved first and confirms.
        let (_, page) = get(&second.0, &app, &format!("/console/cases/{}", cases[0])).await;
        assert!(
            page.contains(&format!("Approved first by {}", first.2)),
            "{page}"
        );
        assert!(page.contains("Confirm the approval"));
        let answer = approve(&second.0, &app, &second.1, &cases[0]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get_case(&key, &cases[0]).await["status"], "approved");
        let events = app
            .get_json(&key, &format!("/v1/events?case_id={}", cases[0]))
            .await;
        let types: Vec<&str> = events["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["type"].as_str())
            .collect();
        assert!(types.contains(&"case.first_approval"), "{types:?}");

        // A resubmission in between forgets the first approval; the form offers the steps.
        approve(&first.0, &app, &first.1, &cases[1]).await;
        let (_, page) = get(&second.0, &app, &format!("/console/cases/{}", cases[1])).await;
        assert!(page.contains("name=\"step_identity_document\""), "{page}");
        let answer = post(
            &second.0,
            &app,
            &format!("/console/cases/{}/decision", cases[1]),
            &[
                ("csrf", &second.1),
                ("decision", "request_resubmission"),
                ("step_identity_document", "on"),
            ],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let case = app.get_case(&key, &cases[1]).await;
        assert_eq!(case["status"], "resubmission_requested");
        // Only the checked step is asked again.
        assert_eq!(
            case["decision"]["resubmission_steps"],
            serde_json::json!(["identity_document"])
        );
        assert!(case.get("first_approval").is_none(), "{case}");
    })
    .await;
}

#[tokio::test]
async fn an_admin_sees_webhook_attempts_and_redelivers_an_event() {
    use crate::webhooks::{
        Receiver, create_endpoint, deliver_until, for_each_database_with, settings,
    };
    for_each_database_with(
        settings(std::time::Duration::from_millis(50)),
        |app| async move {
            let admin = app
                .services
                .create_console_user(&app.organization_id, "ops@example.com", Role::Admin)
                .await
                .unwrap();
            let analyst = app
                .services
                .create_console_user(&app.organization_id, "ana@example.com", Role::Analyst)
                .await
                .unwrap();
            let key = app.sandbox.secret.clone();
            let receiver = Receiver::start().await;
            let endpoint = create_endpoint(
                &app,
                &key,
                serde_json::json!({"url": receiver.url, "events": ["case.created"]}),
            )
            .await;
            let endpoint_id = endpoint["id"].as_str().unwrap().to_owned();
            app.create_case(&key).await;
            deliver_until(&app, || receiver.all().len() == 1).await;

            let client = browser();
            let csrf = sign_in(&client, &app, "ops@example.com", &admin.password).await;
            switch_to_sandbox(&client, &app, &csrf).await;
            let (status, page) = get(&client, &app, "/console/webhooks").await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert!(
                page.contains(&receiver.url) && page.contains("HTTP 200"),
                "{page}"
            );
            let event_id = hidden(&page, "event_id");
            let redeliver = format!("/console/webhooks/{endpoint_id}/redeliver");
            let answer = post(
                &client,
                &app,
                &redeliver,
                &[("csrf", &csrf), ("event_id", &event_id)],
            )
            .await;
            assert_eq!(answer.status(), StatusCode::SEE_OTHER);
            deliver_until(&app, || receiver.all().len() == 2).await;
            let trail = app.get_json(&key, "/v1/audit?limit=50").await;
            let redelivered = trail["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["action"] == "webhook.redelivered")
                .map(|e| e["actor_id"].clone());
            assert_eq!(redelivered, Some(serde_json::json!(admin.id.as_str())));

            // An analyst neither sees the page nor redelivers.
            let other = browser();
            let csrf = sign_in(&other, &app, "ana@example.com", &analyst.password).await;
            switch_to_sandbox(&other, &app, &csrf).await;
            let (status, _) = get(&other, &app, "/console/webhooks").await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            let answer = post(
                &other,
                &app,
                &redeliver,
                &[("csrf", &csrf), ("event_id", &event_id)],
            )
            .await;
            assert_eq!(answer.status(), StatusCode::FORBIDDEN);
        },
    )
    .await;
}
