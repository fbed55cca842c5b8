//! LINK's dialect, replayed from LINK's documents: the seed's `POST /v2/business_customer`
//! example and its answer's keys, types and status code, the detail and the list, errors in
//! LINK's envelope, `idempotency-key` (replay, conflict, concurrent duplicates), a link that
//! ran out renewed when the customer is read, one customer seen through the native API,
//! tenancy, `link` webhooks with their shared secret, and the hosted flow in Chromium.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::task::JoinSet;

use crate::helpers::{Reply, TestApp, for_each_database, open_link, send};
use crate::webhooks::{Receiver, create_endpoint, deliver_until, for_each_database_with, settings};

const WEEK: i64 = 7 * 24 * 60 * 60;

/// The seed's request body (its e-mail address is masked on the page it was taken from).
fn seed_body() -> Value {
    json!({
        "business_name": "Acme Corp Solutions Ltd",
        "business_email": "contact@acmecorp.example",
        "phone_number": "+1-555-0123",
        "registered_address": "123 Business Street, Suite 100, New York, NY 10001",
        "registered_country": "USA"
    })
}

fn business_named(name: &str) -> Value {
    let mut body = seed_body();
    body["business_name"] = json!(name);
    body
}

fn link(app: &TestApp, method: Method, path: &str, key: Option<&str>) -> reqwest::RequestBuilder {
    let request = app
        .client
        .request(method, app.url(path))
        .header("content-type", "application/json");
    match key {
        Some(key) => request.header("ngnc-sec-key", key),
        None => request,
    }
}

fn create_request(app: &TestApp, key: &str, body: &Value) -> reqwest::RequestBuilder {
    link(app, Method::POST, "/v2/business_customer", Some(key)).json(body)
}

/// An answer's JSON, after checking its status and that it is JSON.
fn answer(reply: &Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert!(
        reply.content_type().starts_with("application/json"),
        "{}",
        reply.content_type()
    );
    serde_json::from_str(&reply.text()).unwrap()
}

/// A LINK error of `status` and `code`; its message returned.
fn link_error(reply: &Reply, status: StatusCode, code: &str) -> String {
    let body = answer(reply, status);
    assert_eq!(keys_of(&body), ["code", "message", "status"], "{body}");
    assert_eq!(body["status"], "error");
    assert_eq!(body["code"], code, "{body}");
    body["message"].as_str().unwrap().to_owned()
}

/// An object's keys, sorted.
fn keys_of(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

async fn create(app: &TestApp, key: &str, body: &Value) -> Value {
    answer(&send(create_request(app, key, body)).await, StatusCode::OK)
}

async fn get(app: &TestApp, key: &str, path: &str) -> Value {
    answer(
        &send(link(app, Method::GET, path, Some(key))).await,
        StatusCode::OK,
    )
}

async fn customer(app: &TestApp, key: &str, id: &str) -> Value {
    get(app, key, &format!("/v2/business_customer/{id}")).await
}

/// LINK's times: UTC to the second.
fn time_of(value: &Value) -> OffsetDateTime {
    let text = value.as_str().unwrap();
    assert!(
        text.len() == 20 && text.ends_with('Z') && text.as_bytes()[10] == b'T',
        "{text}"
    );
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

/// Asserts a link expires a week from now.
fn expires_in_a_week(value: &Value) {
    let left = (time_of(value) - OffsetDateTime::now_utc()).whole_seconds();
    assert!((WEEK - 120..=WEEK).contains(&left), "{left}");
}

/// The kyb_link as a path on the test server.
fn link_path(customer: &Value) -> String {
    let url = customer["kyb_link"].as_str().unwrap();
    let path = &url[url.find("/verify/").expect("a hosted link")..];
    path.to_owned()
}

/// The customer's KYB cases through the native API, newest first.
async fn native_cases(app: &TestApp, key: &str, customer_id: &str) -> Vec<Value> {
    app.list(key, &format!("/v1/cases?applicant_id={customer_id}"))
        .await
}

const DETAIL_KEYS: [&str; 12] = [
    "business_email",
    "business_name",
    "created_at",
    "customer_id",
    "kyb_link",
    "link_expires_at",
    "phone_number",
    "registered_address",
    "registered_country",
    "status",
    "updated_at",
    "verification_status",
];

#[tokio::test]
async fn the_seed_example_creates_a_customer_read_back_in_the_documented_shapes() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let created = create(&app, &key, &seed_body()).await;
        assert_eq!(
            keys_of(&created),
            [
                "customer_id",
                "kyb_link",
                "link_expires_at",
                "status",
                "verification_status"
            ]
        );
        assert_eq!(created["status"], "success");
        assert_eq!(created["verification_status"], "pending");
        expires_in_a_week(&created["link_expires_at"]);
        let id = created["customer_id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("app_"), "{id}");
        assert!(
            created["kyb_link"]
                .as_str()
                .unwrap()
                .starts_with(&app.url("/verify/"))
        );

        // One business applicant with one KYB case, seen through the native API.
        let applicant = app.get_json(&key, &format!("/v1/applicants/{id}")).await;
        assert_eq!(applicant["type"], "business");
        assert_eq!(
            applicant["business"]["legal_name"],
            "Acme Corp Solutions Ltd"
        );
        assert_eq!(applicant["business"]["country"], "US");
        assert_eq!(applicant["business"]["phone"], "+15550123");
        let cases = native_cases(&app, &key, &id).await;
        assert_eq!(cases.len(), 1);
        let case = &cases[0];
        assert_eq!(case["kind"], "kyb");
        assert_eq!(case["status"], "created");
        assert_eq!(case["verification_url"], created["kyb_link"]);
        let case_id = case["id"].as_str().unwrap();
        // The creation is in the audit log.
        let audit = app
            .get_json(&key, &format!("/v1/audit?case_id={case_id}"))
            .await;
        assert_eq!(audit["data"][0]["action"], "case.created");

        // The detail: the create shape plus the business, in LINK's spelling.
        let detail = customer(&app, &key, &id).await;
        assert_eq!(keys_of(&detail), DETAIL_KEYS);
        assert_eq!(detail["status"], "success");
        assert_eq!(detail["customer_id"], id.as_str());
        assert_eq!(detail["business_name"], "Acme Corp Solutions Ltd");
        assert_eq!(detail["business_email"], "contact@acmecorp.example");
        assert_eq!(detail["phone_number"], "+15550123");
        assert_eq!(
            detail["registered_address"],
            "123 Business Street, Suite 100, New York, NY 10001"
        );
        assert_eq!(detail["registered_country"], "USA");
        assert_eq!(detail["kyb_link"], created["kyb_link"]);
        assert_eq!(detail["link_expires_at"], created["link_expires_at"]);
        assert_eq!(detail["verification_status"], "pending");
        time_of(&detail["created_at"]);
        time_of(&detail["updated_at"]);

        // The link opens kycore's hosted flow.
        let page = open_link(&app, &link_path(&created))
            .await
            .html(StatusCode::OK);
        assert!(page.contains("<form"), "{page}");

        // The list, newest first, numbered, filtered by LINK's status.
        let second = create(&app, &key, &business_named("Second Ltd")).await;
        let page = get(&app, &key, "/v2/business_customer?page=1&limit=1").await;
        assert_eq!(keys_of(&page), ["data", "limit", "page", "status", "total"]);
        assert_eq!(
            (
                &page["status"],
                &page["page"],
                &page["limit"],
                &page["total"]
            ),
            (&json!("success"), &json!(1), &json!(1), &json!(2))
        );
        let item = &page["data"][0];
        assert_eq!(item["customer_id"], second["customer_id"]);
        let mut item_keys = DETAIL_KEYS.to_vec();
        item_keys.retain(|k| *k != "status");
        assert_eq!(keys_of(item), item_keys);
        let next = get(&app, &key, "/v2/business_customer?page=2&limit=1").await;
        assert_eq!(next["data"][0]["customer_id"], id.as_str());
        let pending = get(
            &app,
            &key,
            "/v2/business_customer?verification_status=pending",
        )
        .await;
        assert_eq!(pending["total"], 2);
        assert_eq!(
            (&pending["page"], &pending["limit"]),
            (&json!(1), &json!(20))
        );

        app.complete_sandbox(&key, case_id, "approved").await;
        let approved = get(
            &app,
            &key,
            "/v2/business_customer?verification_status=approved",
        )
        .await;
        assert_eq!(approved["total"], 1);
        assert_eq!(approved["data"][0]["customer_id"], id.as_str());
        assert_eq!(approved["data"][0]["verification_status"], "approved");
        let in_review = get(
            &app,
            &key,
            "/v2/business_customer?verification_status=in_review",
        )
        .await;
        assert_eq!(
            (&in_review["total"], &in_review["data"]),
            (&json!(0), &json!([]))
        );
        assert_eq!(
            customer(&app, &key, &id).await["verification_status"],
            "approved"
        );
    })
    .await;
}

#[tokio::test]
async fn bad_requests_and_foreign_ids_get_links_errors() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();

        for presented in [
            None,
            Some("kc_test_nope"),
            Some(app.sandbox.publishable.as_str()),
        ] {
            let reply = send(
                link(&app, Method::POST, "/v2/business_customer", presented).json(&seed_body()),
            )
            .await;
            link_error(&reply, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
        }
        // The native API's bearer header is not LINK's credential.
        let bearer =
            send(link(&app, Method::GET, "/v2/business_customer", None).bearer_auth(&key)).await;
        link_error(&bearer, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");

        // Each field is required, and checked; the message names it as LINK spells it.
        let mut refusals = Vec::new();
        for field in [
            "business_name",
            "business_email",
            "phone_number",
            "registered_address",
            "registered_country",
        ] {
            let mut body = seed_body();
            body.as_object_mut().unwrap().remove(field);
            refusals.push((body, field));
            let mut blank = seed_body();
            blank[field] = json!("  ");
            refusals.push((blank, field));
        }
        for (field, value) in [
            ("business_email", "not-an-email"),
            ("business_email", "a@b"),
            ("phone_number", "555-0123"),
            ("phone_number", "+1"),
            ("registered_country", "US"),
            ("registered_country", "usa"),
            ("registered_country", "XXX"),
            ("registered_country", "U1A"),
        ] {
            let mut body = seed_body();
            body[field] = json!(value);
            refusals.push((body, field));
        }
        for (body, field) in refusals {
            let reply = send(create_request(&app, &key, &body)).await;
            let message = link_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
            assert!(message.contains(field), "{field}: {message}");
        }
        let mut typed = seed_body();
        typed["business_name"] = json!(12);
        let reply = send(create_request(&app, &key, &typed)).await;
        link_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let reply =
            send(link(&app, Method::POST, "/v2/business_customer", Some(&key)).body("{not json"))
                .await;
        link_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let reply = send(
            app.client
                .post(app.url("/v2/business_customer"))
                .header("ngnc-sec-key", &key)
                .body(seed_body().to_string()),
        )
        .await;
        link_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let reply =
            send(create_request(&app, &key, &seed_body()).header("idempotency-key", "")).await;
        link_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        // Nothing was written by any refusal.
        let none = get(&app, &key, "/v2/business_customer").await;
        assert_eq!(none["total"], 0, "{none}");
        assert!(app.list(&key, "/v1/applicants").await.is_empty());

        for query in [
            "verification_status=done",
            "verification_status=PENDING",
            "page=0",
            "limit=101",
            "limit=x",
        ] {
            let path = format!("/v2/business_customer?{query}");
            let reply = send(link(&app, Method::GET, &path, Some(&key))).await;
            link_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        }

        // Another organization's customer, another environment's, a person and a missing one:
        // one answer.
        let created = create(&app, &key, &seed_body()).await;
        let id = created["customer_id"].as_str().unwrap();
        let person = app.create_case(&key).await;
        let person_id = person["applicant_id"].as_str().unwrap();
        let mut answers = Vec::new();
        for (who, customer_id) in [
            (&app.other_sandbox.secret, id),
            (&app.live.secret, id),
            (&key, person_id),
            (&key, "app_01jzzzzzzzzzzzzzzzzzzzzzzz"),
            (&key, "cust_abc123xyz"),
        ] {
            let path = format!("/v2/business_customer/{customer_id}");
            let reply = send(link(&app, Method::GET, &path, Some(who))).await;
            answers.push(link_error(&reply, StatusCode::NOT_FOUND, "NOT_FOUND"));
        }
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
        let theirs = get(&app, &app.other_sandbox.secret, "/v2/business_customer").await;
        assert_eq!(theirs["total"], 0);
    })
    .await;
}

#[tokio::test]
async fn idempotency_keys_replay_refuse_other_bodies_and_are_optional() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let with_key = |body: &Value, idempotency_key: &str| {
            create_request(&app, &key, body).header("idempotency-key", idempotency_key)
        };
        let first = send(with_key(&seed_body(), "order-1")).await;
        assert_eq!(first.status, StatusCode::OK);
        let again = send(with_key(&seed_body(), "order-1")).await;
        assert_eq!((again.status, &again.body), (first.status, &first.body));
        // The same request serialized differently is the same request.
        let respelled = send(
            link(&app, Method::POST, "/v2/business_customer", Some(&key))
                .header("idempotency-key", "order-1")
                .body(serde_json::to_string_pretty(&seed_body()).unwrap()),
        )
        .await;
        assert_eq!(
            (respelled.status, &respelled.body),
            (first.status, &first.body)
        );

        let other = send(with_key(&business_named("Other Ltd"), "order-1")).await;
        link_error(&other, StatusCode::CONFLICT, "CONFLICT");
        let listed = get(&app, &key, "/v2/business_customer").await;
        assert_eq!(listed["total"], 1);

        // Without a key every request makes a customer.
        let a = create(&app, &key, &seed_body()).await;
        let b = create(&app, &key, &seed_body()).await;
        assert_ne!(a["customer_id"], b["customer_id"]);
        // Keys are LINK's own: the native API and another organization keep theirs apart.
        let native = send(
            app.request_json(
                Method::POST,
                "/v1/cases",
                &key,
                &json!({"kind": "kyc", "applicant": crate::helpers::individual("SE")}),
            )
            .header("idempotency-key", "order-1"),
        )
        .await;
        assert_eq!(native.status, StatusCode::CREATED, "{}", native.text());
        let theirs = send(
            create_request(&app, &app.other_sandbox.secret, &seed_body())
                .header("idempotency-key", "order-1"),
        )
        .await;
        let theirs = answer(&theirs, StatusCode::OK);
        assert_ne!(
            theirs["customer_id"],
            answer(&first, StatusCode::OK)["customer_id"]
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_duplicates_make_one_customer_and_get_one_answer() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let mut requests = JoinSet::new();
        for _ in 0..8 {
            requests.spawn(send(
                create_request(&app, &key, &seed_body()).header("idempotency-key", "burst"),
            ));
        }
        let replies = requests.join_all().await;
        for reply in &replies {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert_eq!(reply.body, replies[0].body);
        }
        let listed = get(&app, &key, "/v2/business_customer").await;
        assert_eq!(listed["total"], 1, "{listed}");
        assert_eq!(app.list(&key, "/v1/applicants").await.len(), 1);
        assert_eq!(app.list(&key, "/v1/cases").await.len(), 1);
    })
    .await;
}

/// Runs the background jobs until none is due.
async fn run_jobs(app: &TestApp) {
    app.make_jobs_due().await;
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

#[tokio::test]
async fn a_link_that_ran_out_is_renewed_when_the_customer_is_read() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let created = create(&app, &key, &seed_body()).await;
        let id = created["customer_id"].as_str().unwrap().to_owned();
        let case_id = native_cases(&app, &key, &id).await[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // The case still waits: a new link for it, valid a week.
        app.expire_link_in_database(&case_id).await;
        let renewed = customer(&app, &key, &id).await;
        assert_ne!(renewed["kyb_link"], created["kyb_link"]);
        assert_eq!(renewed["verification_status"], "pending");
        expires_in_a_week(&renewed["link_expires_at"]);
        assert_eq!(native_cases(&app, &key, &id).await.len(), 1);
        assert_eq!(
            open_link(&app, &link_path(&created)).await.status,
            StatusCode::GONE
        );
        open_link(&app, &link_path(&renewed))
            .await
            .html(StatusCode::OK);
        // Read again while valid, the link stays.
        assert_eq!(
            customer(&app, &key, &id).await["kyb_link"],
            renewed["kyb_link"]
        );

        // kycore ends a case nobody finished in time; LINK's customer stays pending and gets
        // a new case for the same business, once however many read it at once.
        app.expire_link_in_database(&case_id).await;
        run_jobs(&app).await;
        assert_eq!(app.get_case(&key, &case_id).await["status"], "expired");
        let listed = get(
            &app,
            &key,
            "/v2/business_customer?verification_status=pending",
        )
        .await;
        assert_eq!(listed["total"], 1);
        let mut readers = JoinSet::new();
        for _ in 0..4 {
            readers.spawn(send(link(
                &app,
                Method::GET,
                &format!("/v2/business_customer/{id}"),
                Some(&key),
            )));
        }
        let reads: Vec<Value> = readers
            .join_all()
            .await
            .iter()
            .map(|r| answer(r, StatusCode::OK))
            .collect();
        let cases = native_cases(&app, &key, &id).await;
        assert_eq!(cases.len(), 2, "{cases:?}");
        assert_eq!(cases[1]["id"], case_id.as_str());
        assert_eq!(cases[0]["status"], "created");
        for read in &reads {
            assert_eq!(read["customer_id"], id.as_str());
            assert_eq!(read["verification_status"], "pending");
            assert_eq!(read["kyb_link"], cases[0]["verification_url"]);
        }
        open_link(&app, &link_path(&reads[0]))
            .await
            .html(StatusCode::OK);
        let listed = get(&app, &key, "/v2/business_customer").await;
        assert_eq!(listed["total"], 1, "one customer: {listed}");
        assert_eq!(listed["data"][0]["kyb_link"], reads[0]["kyb_link"]);

        // Once submitted, the link shows the status only, and is not renewed.
        let current = cases[0]["id"].as_str().unwrap();
        app.complete_sandbox(&key, current, "in_review").await;
        let submitted = customer(&app, &key, &id).await;
        assert_eq!(submitted["verification_status"], "in_review");
        assert_eq!(
            submitted["kyb_link"],
            app.get_case(&key, current).await["verification_url"]
        );
        let page = open_link(&app, &link_path(&submitted))
            .await
            .html(StatusCode::OK);
        assert!(
            page.contains("Thank you") && page.contains("Status:"),
            "{page}"
        );
        assert!(
            !page.contains("type=\"submit\""),
            "nothing to change: {page}"
        );
        app.expire_link_in_database(current).await;
        let later = customer(&app, &key, &id).await;
        assert!(time_of(&later["link_expires_at"]) < OffsetDateTime::now_utc());
        assert_eq!(later["verification_status"], "in_review");
        assert_eq!(native_cases(&app, &key, &id).await.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn status_changes_reach_link_endpoints_with_their_secret() {
    for_each_database_with(settings(Duration::from_millis(50)), |app| async move {
        let key = app.sandbox.secret.clone();
        let link_receiver = Receiver::start().await;
        let native_receiver = Receiver::start().await;
        let endpoint = create_endpoint(
            &app,
            &key,
            json!({"url": link_receiver.url, "format": "link"}),
        )
        .await;
        assert_eq!(endpoint["format"], "link");
        let secret = endpoint["secret"].as_str().unwrap().to_owned();
        create_endpoint(&app, &key, json!({"url": native_receiver.url})).await;

        let mut customers = Vec::new();
        for (name, outcome) in [
            ("Approved Ltd", "approved"),
            ("More Info Ltd", "resubmission_requested"),
        ] {
            let created = create(&app, &key, &business_named(name)).await;
            let id = created["customer_id"].as_str().unwrap().to_owned();
            let case = native_cases(&app, &key, &id).await[0]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            app.complete_sandbox(&key, &case, outcome).await;
            customers.push(id);
        }

        // Two LINK changes each (pending → in_review → approved | more_info): starting the
        // flow and the steps inside review are not LINK changes, and creation is not sent.
        deliver_until(&app, || link_receiver.all().len() >= 4).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.services.deliver_due_webhooks().await.unwrap();
        let received = link_receiver.all();
        assert_eq!(received.len(), 4, "{received:#?}");
        let mut seen = Vec::new();
        for delivery in &received {
            assert_eq!(delivery.header("bridge-webhook-secret"), secret);
            let body = delivery.json();
            assert_eq!(keys_of(&body), ["event", "payload"]);
            assert_eq!(
                body["event"],
                "bridge.events.business_customer.kyb_status_updated"
            );
            let payload = &body["payload"];
            assert_eq!(
                keys_of(payload),
                [
                    "customer_id",
                    "previous_status",
                    "updated_at",
                    "verification_status"
                ]
            );
            time_of(&payload["updated_at"]);
            seen.push((
                payload["customer_id"].as_str().unwrap().to_owned(),
                payload["previous_status"].as_str().unwrap().to_owned(),
                payload["verification_status"].as_str().unwrap().to_owned(),
            ));
        }
        seen.sort();
        let change = |customer: &str, from: &str, to: &str| {
            (customer.to_owned(), from.to_owned(), to.to_owned())
        };
        let mut expected = vec![
            change(&customers[0], "pending", "in_review"),
            change(&customers[0], "in_review", "approved"),
            change(&customers[1], "pending", "in_review"),
            change(&customers[1], "in_review", "more_info"),
        ];
        expected.sort();
        assert_eq!(seen, expected);
        // The native endpoint got the same cases' events in its own format.
        deliver_until(&app, || !native_receiver.all().is_empty()).await;
        assert!(
            native_receiver
                .all()
                .iter()
                .all(|d| d.headers.contains_key("webhook-signature"))
        );
    })
    .await;
}

#[tokio::test]
async fn the_kyb_link_opens_the_prefilled_company_step_in_chromium() {
    use crate::browser::{Browser, BrowserOptions, sqlite_app};

    let Some(browser) = Browser::launch(BrowserOptions::default()).await else {
        return;
    };
    let (app, _db) = sqlite_app().await;
    let created = create(&app, &app.sandbox.secret, &seed_body()).await;
    browser.goto(created["kyb_link"].as_str().unwrap()).await;
    assert_eq!(browser.text_of("h1").await, "Before you start");
    browser.step("link opened").await;
    browser.check("consent").await;
    browser.submit().await;
    browser.step("company details").await;
    let prefilled = browser
        .script(
            "return ['business.legal_name', 'business.address.line1']
                .map(n => document.querySelector(`[name='${n}']`).value)",
        )
        .await;
    assert_eq!(
        prefilled,
        json!([
            "Acme Corp Solutions Ltd",
            "123 Business Street, Suite 100, New York, NY 10001"
        ])
    );
}
