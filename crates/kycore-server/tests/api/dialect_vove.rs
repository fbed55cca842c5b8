//! VOVE ID's dialect, replayed from VOVE's documents: the seed's `POST /kyb/case` example and
//! every documented answer's keys, types and status codes, errors in NestJS's shape, flows,
//! the hosted link with its three parameters in any order, one case seen through both APIs,
//! tenancy, and `vove` webhooks checked by Svix's own Python library.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, for_each_database, open_link, send};
use crate::webhooks::{Receiver, create_endpoint, deliver_until, for_each_database_with, settings};

/// The seed's request body, without its `flow` (an id of VOVE's, not of this deployment).
fn seed_body(ref_id: &str) -> Value {
    json!({"refId": ref_id, "country": "GB", "country_state": "England"})
}

fn vove(app: &TestApp, method: Method, path: &str, key: Option<&str>) -> reqwest::RequestBuilder {
    let request = app
        .client
        .request(method, app.url(path))
        .header("content-type", "application/json");
    match key {
        Some(key) => request.header("x-api-key", key),
        None => request,
    }
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

/// A NestJS error body of `status`, its `message` returned.
fn nest_error(reply: &Reply, status: StatusCode) -> Value {
    let body = answer(reply, status);
    assert_eq!(keys_of(&body), ["error", "message", "statusCode"], "{body}");
    assert_eq!(body["statusCode"], status.as_u16());
    assert_eq!(body["error"], status.canonical_reason().unwrap());
    body["message"].clone()
}

/// An object's keys, sorted.
fn keys_of(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

async fn create(app: &TestApp, key: &str, body: &Value) -> Value {
    let reply = send(vove(app, Method::POST, "/kyb/case", Some(key)).json(body)).await;
    answer(&reply, StatusCode::OK)
}

async fn get(app: &TestApp, key: &str, path: &str) -> Value {
    answer(
        &send(vove(app, Method::GET, path, Some(key))).await,
        StatusCode::OK,
    )
}

fn is_vove_time(value: &Value) -> bool {
    value.as_str().is_some_and(|t| {
        t.len() == 24 && t.ends_with('Z') && t.as_bytes()[19] == b'.' && t.as_bytes()[10] == b'T'
    })
}

#[tokio::test]
async fn the_seed_example_creates_a_kyb_case_read_back_in_the_documented_shapes() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let created = create(&app, &key, &seed_body("unique-business-ref-12345")).await;
        assert_eq!(keys_of(&created), ["kybCase", "token"]);
        let case = &created["kybCase"];
        assert_eq!(case["refId"], "unique-business-ref-12345");
        assert_eq!(case["status"], "NOT_STARTED");
        let id = case["_id"].as_str().unwrap().to_owned();
        assert!(case["flow"].is_string(), "{case}");
        let token = created["token"].as_str().unwrap();
        assert_eq!(token.split('.').count(), 3, "a JWT: {token}");

        // The same case through the native API: a KYB case whose link lives 24 hours.
        let native = app.get_case(&key, &id).await;
        assert_eq!(native["kind"], "kyb");
        assert_eq!(native["external_id"], "unique-business-ref-12345");
        assert_eq!(native["token"], token);
        let created_at = time::OffsetDateTime::parse(
            native["created_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let expires_at = time::OffsetDateTime::parse(
            native["expires_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let lifetime = (expires_at - created_at).whole_seconds();
        assert!((86_399..=86_401).contains(&lifetime), "{lifetime}");

        // By id, by refId, and under /v2: the documented detail.
        for path in [
            format!("/kyb/case/{id}"),
            "/kyb/case/unique-business-ref-12345".to_owned(),
            format!("/v2/kyb/case/{id}"),
        ] {
            let detail = get(&app, &key, &path).await;
            assert_eq!(detail["id"], id.as_str(), "{path}");
            assert_eq!(detail["_id"], id.as_str());
            assert_eq!(detail["refId"], "unique-business-ref-12345");
            assert_eq!(detail["status"], "NOT_STARTED");
            assert!(detail["submittedAt"].is_null());
            assert!(is_vove_time(&detail["createdAt"]), "{detail}");
            assert!(is_vove_time(&detail["updatedAt"]));
            for field in ["id", "name", "country", "configuration"] {
                assert!(
                    detail["flow"].get(field).is_some(),
                    "flow.{field}: {detail}"
                );
            }
            assert_eq!(detail["formData"]["country"], "GB");
            assert!(detail["documents"].as_array().unwrap().is_empty());
            assert!(detail["ubos"].as_array().unwrap().is_empty());
            assert!(detail.get("businessName").is_some());
        }

        // The list, filtered by status and refId, numbered by page.
        create(&app, &key, &seed_body("second-business")).await;
        let page = get(&app, &key, "/kyb/case?page=1&limit=1").await;
        assert_eq!(page["total"], 2);
        assert_eq!(page["page"], 1);
        assert_eq!(page["limit"], 1);
        assert_eq!(page["data"][0]["refId"], "second-business");
        let second = get(&app, &key, "/kyb/case?page=2&limit=1").await;
        assert_eq!(second["data"][0]["_id"], id.as_str());
        let filtered = get(
            &app,
            &key,
            "/kyb/case?status=NOT_STARTED&refId=unique-business-ref-12345",
        )
        .await;
        assert_eq!(filtered["total"], 1);
        let none = get(&app, &key, "/kyb/case?status=COMPLETED").await;
        assert_eq!(none["total"], 0);
        assert_eq!(none["data"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn bad_requests_and_foreign_ids_get_nestjs_errors() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let body = seed_body("ref-1");

        for presented in [
            None,
            Some("kc_test_nope"),
            Some(app.sandbox.publishable.as_str()),
        ] {
            let reply = send(vove(&app, Method::POST, "/kyb/case", presented).json(&body)).await;
            assert!(nest_error(&reply, StatusCode::UNAUTHORIZED).is_string());
        }
        // The native API's bearer header is not VOVE's credential.
        let bearer = send(vove(&app, Method::GET, "/kyb/flows", None).bearer_auth(&key)).await;
        nest_error(&bearer, StatusCode::UNAUTHORIZED);

        for bad in [
            json!({"country": "GB"}),
            json!({"refId": ""}),
            json!({"refId": "  "}),
        ] {
            let reply = send(vove(&app, Method::POST, "/kyb/case", Some(&key)).json(&bad)).await;
            let message = nest_error(&reply, StatusCode::BAD_REQUEST);
            assert_eq!(message, json!(["refId should not be empty"]), "{bad}");
        }
        let reply =
            send(vove(&app, Method::POST, "/kyb/case", Some(&key)).json(&json!({"refId": 12})))
                .await;
        nest_error(&reply, StatusCode::BAD_REQUEST);
        let reply = send(
            vove(&app, Method::POST, "/kyb/case", Some(&key))
                .json(&json!({"refId": "r", "country": "Narnia"})),
        )
        .await;
        let message = nest_error(&reply, StatusCode::BAD_REQUEST);
        assert!(
            message[0].as_str().unwrap().starts_with("country "),
            "{message}"
        );
        let reply = send(vove(&app, Method::POST, "/kyb/case", Some(&key)).body("{not json")).await;
        nest_error(&reply, StatusCode::BAD_REQUEST);

        // An unknown flow, another organization's, and a KYC flow are all refused, and
        // nothing is written.
        let foreign_flow = app
            .create_flow(
                &app.other_sandbox.secret,
                json!({"name": "Theirs", "kind": "kyb"}),
            )
            .await;
        let kyc_flow = app
            .create_flow(&key, json!({"name": "People", "kind": "kyc"}))
            .await;
        for (flow, status) in [
            ("64a1b2c3d4e5f6g7h8i9j0k1", StatusCode::NOT_FOUND),
            (foreign_flow["id"].as_str().unwrap(), StatusCode::NOT_FOUND),
            (kyc_flow["id"].as_str().unwrap(), StatusCode::BAD_REQUEST),
        ] {
            let body = json!({"refId": "ref-flow", "flow": flow});
            let reply = send(vove(&app, Method::POST, "/kyb/case", Some(&key)).json(&body)).await;
            nest_error(&reply, status);
        }
        let none = get(&app, &key, "/kyb/case").await;
        assert_eq!(none["total"], 0, "{none}");

        for query in ["status=done", "page=0", "limit=101", "limit=x"] {
            let reply = send(vove(
                &app,
                Method::GET,
                &format!("/kyb/case?{query}"),
                Some(&key),
            ))
            .await;
            nest_error(&reply, StatusCode::BAD_REQUEST);
        }

        // Another organization's case, another environment's and a missing one: one answer.
        let created = create(&app, &key, &body).await;
        let id = created["kybCase"]["_id"].as_str().unwrap();
        let mut answers = Vec::new();
        for (other, path) in [
            (&app.other_sandbox.secret, format!("/kyb/case/{id}")),
            (&app.live.secret, format!("/kyb/case/{id}")),
            (&app.other_sandbox.secret, "/kyb/case/ref-1".to_owned()),
            (&key, "/kyb/case/case_01jzzzzzzzzzzzzzzzzzzzzzzz".to_owned()),
            (&key, "/kyb/case/no-such-ref".to_owned()),
        ] {
            let reply = send(vove(&app, Method::GET, &path, Some(other))).await;
            answers.push(nest_error(&reply, StatusCode::NOT_FOUND));
        }
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
        let theirs = get(&app, &app.other_sandbox.secret, "/kyb/case").await;
        assert_eq!(theirs["total"], 0);

        // A KYC case is not one of VOVE's KYB cases.
        let kyc = app.create_case(&key).await;
        let reply = send(vove(
            &app,
            Method::GET,
            &format!("/kyb/case/{}", kyc["id"].as_str().unwrap()),
            Some(&key),
        ))
        .await;
        nest_error(&reply, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn flows_are_the_callers_own_and_the_default_for_a_country_is_used() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let before = get(&app, &key, "/kyb/flows").await;
        assert!(before.is_array());
        let uk = app
            .create_flow(
                &key,
                json!({"name": "UK Business Verification", "kind": "kyb", "countries": ["GB"], "is_default": true}),
            )
            .await;
        app.create_flow(
            &app.other_sandbox.secret,
            json!({"name": "Theirs", "kind": "kyb", "countries": ["GB"], "is_default": true}),
        )
        .await;
        let all = get(&app, &key, "/kyb/flows").await;
        let defaults = get(&app, &key, "/v2/kyb/flows/default").await;
        let uk_id = uk["id"].as_str().unwrap();
        for list in [&all, &defaults] {
            let items = list.as_array().unwrap();
            assert!(items.iter().all(|f| f["id"].is_string() && f.get("country").is_some()));
            assert!(items.iter().all(|f| f["id"] != "" && f["default"].is_boolean()));
            assert!(
                items
                    .iter()
                    .any(|f| f["id"] == uk_id && f["country"] == "GB" && f["default"] == true),
                "{list}"
            );
            assert!(items.iter().all(|f| f["name"] != "Theirs"), "{list}");
        }
        assert!(defaults.as_array().unwrap().iter().all(|f| f["default"] == true));

        let created = create(&app, &key, &seed_body("gb-company")).await;
        assert_eq!(created["kybCase"]["flow"], uk_id);
        let named = create(&app, &key, &json!({"refId": "named", "flow": uk_id, "businessName": "Acme Corporation", "formData": {"city": "London", "address": "1 High Street"}})).await;
        let detail = get(
            &app,
            &key,
            &format!("/kyb/case/{}", named["kybCase"]["_id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(detail["businessName"], "Acme Corporation");
        assert_eq!(detail["flow"]["name"], "UK Business Verification");
        assert_eq!(detail["formData"]["city"], "London");
        assert_eq!(detail["formData"]["address"], "1 High Street");
    })
    .await;
}

#[tokio::test]
async fn the_kyb_link_opens_the_portal_with_its_parameters_in_any_order() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let created = create(&app, &key, &seed_body("link-ref")).await;
        let token = created["token"].as_str().unwrap();
        let public_key = &app.sandbox.publishable;
        for path in [
            format!("/kyb?authToken={token}&publicKey={public_key}&environment=Sandbox"),
            format!("/kyb?environment=Sandbox&publicKey={public_key}&authToken={token}"),
        ] {
            let page = open_link(&app, &path).await.html(StatusCode::OK);
            assert!(page.contains("<form"), "{path}");
        }
        for (public_key, environment) in [
            (app.other_sandbox.publishable.as_str(), "Sandbox"),
            (public_key.as_str(), "Production"),
        ] {
            let path =
                format!("/kyb?authToken={token}&publicKey={public_key}&environment={environment}");
            assert_eq!(open_link(&app, &path).await.status, StatusCode::FORBIDDEN);
        }
    })
    .await;
}

/// Checks `vove` deliveries with Svix's own Python library (`pip install svix`), one
/// process for all: for each delivery, whether it verifies under `secret`.
fn verify_with_svix(secret: &str, received: &[crate::webhooks::Received]) -> Vec<bool> {
    let script = r#"
import json, sys
from svix.webhooks import Webhook, WebhookVerificationError
request = json.load(sys.stdin)
results = []
for item in request["items"]:
    try:
        Webhook(request["secret"]).verify(item["body"], item["headers"])
        results.append(True)
    except WebhookVerificationError:
        results.append(False)
print(json.dumps(results))
"#;
    let items: Vec<Value> = received
        .iter()
        .map(|r| {
            json!({
                "body": r.body,
                "headers": {
                    "svix-id": r.header("svix-id"),
                    "svix-timestamp": r.header("svix-timestamp"),
                    "svix-signature": r.header("svix-signature"),
                },
            })
        })
        .collect();
    let answer = crate::helpers::python_json(script, &json!({"secret": secret, "items": items}));
    serde_json::from_value(answer).unwrap()
}

#[tokio::test]
async fn status_changes_reach_vove_endpoints_signed_the_svix_way() {
    for_each_database_with(settings(Duration::from_millis(50)), |app| async move {
        let key = app.sandbox.secret.clone();
        let vove_receiver = Receiver::start().await;
        let native_receiver = Receiver::start().await;
        let endpoint = create_endpoint(
            &app,
            &key,
            json!({"url": vove_receiver.url, "format": "vove"}),
        )
        .await;
        assert_eq!(endpoint["format"], "vove");
        let secret = endpoint["secret"].as_str().unwrap().to_owned();
        create_endpoint(&app, &key, json!({"url": native_receiver.url})).await;

        let approved = create(&app, &key, &seed_body("approved-ref")).await;
        let approved_id = approved["kybCase"]["_id"].as_str().unwrap().to_owned();
        app.complete_sandbox(&key, &approved_id, "approved").await;
        let rejected = create(&app, &key, &seed_body("rejected-ref")).await;
        let rejected_id = rejected["kybCase"]["_id"].as_str().unwrap().to_owned();
        app.complete_sandbox(&key, &rejected_id, "in_review").await;
        app.decide(
            &key,
            &rejected_id,
            &json!({"decision": "reject", "reason_code": "document_mismatch"}),
            StatusCode::OK,
        )
        .await;

        // Three VOVE changes each (in progress, in review, completed | rejected); submitted
        // and processing are both IN_REVIEW to VOVE, and creation is not sent.
        deliver_until(&app, || vove_receiver.all().len() >= 6).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.services.deliver_due_webhooks().await.unwrap();
        let received = vove_receiver.all();
        assert_eq!(received.len(), 6, "{received:#?}");
        assert_eq!(verify_with_svix(&secret, &received), vec![true; 6]);
        let another = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert_eq!(verify_with_svix(another, &received), vec![false; 6]);
        let mut seen = Vec::new();
        for delivery in &received {
            assert!(delivery.header("svix-id").starts_with("msg_"));
            let body = delivery.json();
            seen.push((
                delivery.header("svix-event-type").to_owned(),
                body["refId"].as_str().unwrap().to_owned(),
                body["previousStatus"].as_str().unwrap().to_owned(),
                body["status"].as_str().unwrap().to_owned(),
                body.get("reason").map(ToString::to_string),
            ));
        }
        seen.sort();
        let expect = |event: &str, refid: &str, from: &str, to: &str, reason: Option<&str>| {
            (
                event.to_owned(),
                refid.to_owned(),
                from.to_owned(),
                to.to_owned(),
                reason.map(|r| json!(r).to_string()),
            )
        };
        let mut expected = vec![
            expect(
                "kyb.case.in_progress",
                "approved-ref",
                "NOT_STARTED",
                "IN_PROGRESS",
                None,
            ),
            expect(
                "kyb.case.in_review",
                "approved-ref",
                "IN_PROGRESS",
                "IN_REVIEW",
                None,
            ),
            expect(
                "kyb.case.completed",
                "approved-ref",
                "IN_REVIEW",
                "COMPLETED",
                None,
            ),
            expect(
                "kyb.case.in_progress",
                "rejected-ref",
                "NOT_STARTED",
                "IN_PROGRESS",
                None,
            ),
            expect(
                "kyb.case.in_review",
                "rejected-ref",
                "IN_PROGRESS",
                "IN_REVIEW",
                None,
            ),
            expect(
                "kyb.case.rejected",
                "rejected-ref",
                "IN_REVIEW",
                "REJECTED",
                Some("DOCUMENT_MISMATCH"),
            ),
        ];
        expected.sort();
        assert_eq!(seen, expected);
        let rejection = received
            .iter()
            .map(|r| r.json())
            .find(|b| b["status"] == "REJECTED")
            .unwrap();
        assert_eq!(
            keys_of(&rejection),
            ["previousStatus", "reason", "refId", "status"]
        );

        // The same cases reached the native endpoint in its own format.
        deliver_until(&app, || {
            native_receiver
                .all()
                .iter()
                .any(|r| r.json()["data"]["case_id"] == rejected_id.as_str())
        })
        .await;
        assert!(
            native_receiver.all()[0]
                .header("webhook-signature")
                .starts_with("v1,")
        );

        // Read back through VOVE: the decision and when it was submitted.
        let detail = get(&app, &key, &format!("/kyb/case/{rejected_id}")).await;
        assert_eq!(detail["status"], "REJECTED");
        assert_eq!(detail["reason"], "DOCUMENT_MISMATCH");
        assert!(is_vove_time(&detail["submittedAt"]), "{detail}");
        let done = get(&app, &key, "/kyb/case?status=COMPLETED").await;
        assert_eq!(done["total"], 1);
        assert_eq!(done["data"][0]["refId"], "approved-ref");
    })
    .await;
}
