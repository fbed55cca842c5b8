//! Rebilly's dialect, replayed from Rebilly's definitions and the seed's request fields:
//! KYC requests created, read, listed (with Rebilly's pagination headers, filter and sort),
//! updated and deleted under both base URLs and both ways of presenting the key; its
//! problem-details errors with `invalidFields`; nothing written for a refused request; and
//! another organization's ids answering exactly like missing ones; statuses following the
//! case's decision; and `rebilly` webhooks, their `REB-Signature` checked by Python's hmac.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, for_each_database, python_json, send};
use crate::webhooks::{
    Received, Receiver, create_endpoint, deliver_until, for_each_database_with, settings,
};

/// A request to Rebilly's API with the key in `REB-APIKEY`, under the organization's base
/// URL when `organization` is given.
fn rebilly(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
) -> reqwest::RequestBuilder {
    let request = app
        .client
        .request(method, app.url(path))
        .header("content-type", "application/json");
    match key {
        Some(key) => request.header("REB-APIKEY", key),
        None => request,
    }
}

fn org_path(app: &TestApp, path: &str) -> String {
    format!("/organizations/{}{path}", app.organization_id)
}

fn answer(reply: &Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    serde_json::from_slice(&reply.body).unwrap()
}

/// A problem document of `status`, with Rebilly's members only.
fn problem(reply: &Reply, status: StatusCode, title: &str) -> Value {
    let body = answer(reply, status);
    assert_eq!(reply.content_type(), "application/problem+json");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(body["title"], title, "{body}");
    assert!(
        body["type"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    let allowed = [
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "invalidFields",
    ];
    for key in body.as_object().unwrap().keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "unexpected member {key}: {body}"
        );
    }
    body
}

fn invalid_fields(body: &Value) -> Vec<String> {
    body["invalidFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

/// The seed's request fields, read-only ones included as a client echoing a representation
/// would send them.
fn seed_request(customer: &str) -> Value {
    json!({
        "customerId": customer,
        "documents": [
            {"type": "identity-proof", "subtypes": ["passport", "id-card"], "maxAttempts": 3,
             "faceProofRequired": true, "faceLivenessRequired": false},
            {"type": "address-proof", "subtypes": ["utility-bill", "bank-statement"], "maxAttempts": 2}
        ],
        "matchLevel": 1,
        "redirectUrl": "https://example.com/kyc/done?ref=42",
        "reason": "registration",
        "status": "gathering",
        "_links": [],
    })
}

async fn create(app: &TestApp, key: &str, body: &Value) -> (Reply, Value) {
    let reply = send(
        rebilly(
            app,
            Method::POST,
            &org_path(app, "/kyc-requests"),
            Some(key),
        )
        .json(body),
    )
    .await;
    let created = answer(&reply, StatusCode::CREATED);
    (reply, created)
}

fn rels(request: &Value) -> Vec<String> {
    request["_links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn kyc_requests_replay_the_seed_and_rebillys_shapes() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (reply, created) = create(&app, &key, &seed_request("cus_01SEED")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(
            reply.header("location").unwrap(),
            app.url(&org_path(&app, &format!("/kyc-requests/{id}")))
        );
        let mut keys: Vec<&str> = created
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "_links",
                "createdTime",
                "customerId",
                "documents",
                "expirationTime",
                "id",
                "matchLevel",
                "reason",
                "redirectUrl",
                "revision",
                "status",
                "updatedTime"
            ]
        );
        assert_eq!(created["customerId"], "cus_01SEED");
        assert_eq!(created["status"], "gathering");
        assert_eq!(created["matchLevel"], 1);
        assert_eq!(created["reason"], "registration");
        assert_eq!(
            created["redirectUrl"],
            "https://example.com/kyc/done?ref=42"
        );
        assert!(created["revision"].is_i64());
        assert_eq!(
            created["documents"],
            json!([
                {"type": "identity-proof", "subtypes": ["passport", "id-card"], "maxAttempts": 3,
                 "faceProofRequired": true, "faceLivenessRequired": false},
                {"type": "address-proof", "subtypes": ["utility-bill", "bank-statement"],
                 "maxAttempts": 2, "faceProofRequired": false, "faceLivenessRequired": false}
            ])
        );
        // Rebilly's old and new rel names, the gatherer being kycore's hosted link.
        assert_eq!(rels(&created), ["self", "kycGatherer", "gatherer"]);
        let gatherer = created["_links"][1]["href"].as_str().unwrap();
        assert!(gatherer.starts_with(&app.url("/verify/")), "{gatherer}");
        assert_eq!(created["_links"][2]["href"], gatherer);
        // Times are UTC in whole seconds; the link expires an hour after creation.
        let created_at = time::OffsetDateTime::parse(
            created["createdTime"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let expires_at = time::OffsetDateTime::parse(
            created["expirationTime"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let lifetime = (expires_at - created_at).whole_seconds();
        assert!((3590..=3610).contains(&lifetime), "{lifetime}");

        // The same request at both base URLs, with either way of presenting the key.
        let at_root = send(rebilly(
            &app,
            Method::GET,
            &format!("/kyc-requests/{id}"),
            Some(&key),
        ))
        .await;
        assert_eq!(answer(&at_root, StatusCode::OK), created);
        let bearer = send(
            app.client
                .get(app.url(&org_path(
                    &app,
                    &format!("/kyc-requests/{id}?expand=documents"),
                )))
                .bearer_auth(&key),
        )
        .await;
        let expanded = answer(&bearer, StatusCode::OK);
        assert_eq!(expanded["_embedded"], json!({"documents": []}));

        // One case: the native API sees it, with the customer as its external id, and the
        // hosted flow asks for what was requested.
        let case = app.get_case(&key, &id).await;
        assert_eq!(case["external_id"], "cus_01SEED");
        let flow = app
            .get_json(
                &key,
                &format!("/v1/flows/{}", case["flow_id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(
            flow["steps"],
            json!([
                "consent",
                "personal_details",
                "identity_document",
                "selfie",
                "proof_of_address",
                "review"
            ])
        );

        // A second request for the customer is for the same applicant and reuses the flow.
        let (_, second) = create(&app, &key, &seed_request("cus_01SEED")).await;
        let second_case = app.get_case(&key, second["id"].as_str().unwrap()).await;
        assert_eq!(second_case["applicant_id"], case["applicant_id"]);
        assert_eq!(second_case["flow_id"], case["flow_id"]);
    })
    .await;
}

#[tokio::test]
async fn an_explicit_expiration_time_and_defaults() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let expires = time::OffsetDateTime::now_utc() + time::Duration::days(2);
        let body = json!({
            "customerId": "cus_EXP",
            "documents": [{"type": "identity-proof"}],
            "expirationTime": expires.format(&time::format_description::well_known::Rfc3339).unwrap(),
        });
        let (_, created) = create(&app, &key, &body).await;
        assert_eq!(created["matchLevel"], 2);
        assert_eq!(created["reason"], Value::Null);
        assert_eq!(created["redirectUrl"], Value::Null);
        assert_eq!(created["documents"][0]["maxAttempts"], 3);
        let at = time::OffsetDateTime::parse(
            created["expirationTime"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!((at - expires).whole_seconds().abs() <= 5, "{at} vs {expires}");
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_a_validation_error_naming_fields_and_writes_nothing() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let before = app.snapshot(&key).await;
        let path = org_path(&app, "/kyc-requests");
        let bad = json!({
            "documents": [
                {"type": "selfie", "maxAttempts": 101},
                {"type": "address-proof", "subtypes": ["utility-bill", "spaceship"]}
            ],
            "matchLevel": 4,
            "expirationTime": "tomorrow",
        });
        let reply = send(rebilly(&app, Method::POST, &path, Some(&key)).json(&bad)).await;
        let body = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        assert_eq!(
            invalid_fields(&body),
            [
                "customerId",
                "documents.0.type",
                "documents.0.maxAttempts",
                "documents.1.subtypes.1",
                "matchLevel",
                "expirationTime"
            ]
        );
        assert_eq!(body["instance"], path);

        for (body, field) in [
            (json!({"customerId": "cus_1"}), "documents"),
            (json!({"customerId": "cus_1", "documents": []}), "documents"),
            (
                json!({"customerId": "cus_1", "documents": [{"type": "identity-proof"}],
                    "redirectUrl": "ftp://example.com"}),
                "redirectUrl",
            ),
            (
                json!({"customerId": "cus_1", "documents": [{"type": "identity-proof"}],
                    "expirationTime": "2001-01-01T00:00:00Z"}),
                "expirationTime",
            ),
        ] {
            let reply = send(rebilly(&app, Method::POST, &path, Some(&key)).json(&body)).await;
            let problem = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
            assert_eq!(invalid_fields(&problem), [field], "{body}");
        }
        assert_eq!(app.snapshot(&key).await, before);
    })
    .await;
}

#[tokio::test]
async fn credentials_and_other_organizations_answer_like_rebilly() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (_, created) = create(&app, &key, &seed_request("cus_TEN")).await;
        let id = created["id"].as_str().unwrap();

        let reply = send(rebilly(&app, Method::GET, "/kyc-requests", None)).await;
        problem(&reply, StatusCode::UNAUTHORIZED, "Unauthorized");
        let reply = send(rebilly(&app, Method::GET, "/kyc-requests", Some("kc_test_nope"))).await;
        problem(&reply, StatusCode::UNAUTHORIZED, "Unauthorized");

        // Another organization's request, a missing one, and the request under another
        // organization's base URL all answer the same 404.
        let other = app.other_sandbox.secret.clone();
        let shape = |body: Value| json!({"type": body["type"], "title": body["title"], "status": body["status"], "detail": body["detail"]});
        let foreign = send(rebilly(&app, Method::GET, &format!("/kyc-requests/{id}"), Some(&other))).await;
        let foreign = shape(problem(&foreign, StatusCode::NOT_FOUND, "Not Found"));
        let missing = send(rebilly(&app, Method::GET, "/kyc-requests/case_01ZZZZZZZZZZZZZZZZZZZZZZZZ", Some(&key))).await;
        assert_eq!(shape(problem(&missing, StatusCode::NOT_FOUND, "Not Found")), foreign);
        for method in [Method::PATCH, Method::DELETE] {
            let reply = send(rebilly(&app, method, &format!("/kyc-requests/{id}"), Some(&other)).json(&json!({}))).await;
            assert_eq!(shape(problem(&reply, StatusCode::NOT_FOUND, "Not Found")), foreign);
        }
        let elsewhere = format!("/organizations/{}/kyc-requests/{id}", app.other_organization_id);
        let reply = send(rebilly(&app, Method::GET, &elsewhere, Some(&key))).await;
        problem(&reply, StatusCode::NOT_FOUND, "Not Found");
        // The other organization's list does not hold it; the request is untouched.
        let listed = send(rebilly(&app, Method::GET, "/kyc-requests", Some(&other))).await;
        assert_eq!(answer(&listed, StatusCode::OK), json!([]));
        let still = send(rebilly(&app, Method::GET, &format!("/kyc-requests/{id}"), Some(&key))).await;
        assert_eq!(answer(&still, StatusCode::OK)["status"], "gathering");
    })
    .await;
}

#[tokio::test]
async fn lists_page_filter_and_sort_with_rebillys_headers() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let mut ids = Vec::new();
        for customer in ["cus_A", "cus_B", "cus_A"] {
            let (_, created) = create(&app, &key, &seed_request(customer)).await;
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        let list = |query: &str| {
            let path = org_path(&app, &format!("/kyc-requests{query}"));
            let request = rebilly(&app, Method::GET, &path, Some(&key));
            async move { send(request).await }
        };
        let item_ids = |body: &Value| -> Vec<String> {
            body.as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect()
        };

        let reply = list("").await;
        let body = answer(&reply, StatusCode::OK);
        assert_eq!(
            item_ids(&body),
            [ids[2].clone(), ids[1].clone(), ids[0].clone()]
        );
        assert_eq!(reply.header("pagination-total"), Some("3"));
        assert_eq!(reply.header("pagination-limit"), Some("100"));
        assert_eq!(reply.header("pagination-offset"), Some("0"));

        let reply = list("?limit=1&offset=1").await;
        assert_eq!(item_ids(&answer(&reply, StatusCode::OK)), [ids[1].clone()]);
        assert_eq!(reply.header("pagination-total"), Some("3"));
        assert_eq!(reply.header("pagination-limit"), Some("1"));
        assert_eq!(reply.header("pagination-offset"), Some("1"));

        let reply = list("?sort=createdTime&limit=2").await;
        assert_eq!(
            item_ids(&answer(&reply, StatusCode::OK)),
            [ids[0].clone(), ids[1].clone()]
        );
        let reply = list("?sort=createdTime&offset=2").await;
        assert_eq!(item_ids(&answer(&reply, StatusCode::OK)), [ids[2].clone()]);

        let reply = list("?filter=customerId:cus_A").await;
        assert_eq!(
            item_ids(&answer(&reply, StatusCode::OK)),
            [ids[2].clone(), ids[0].clone()]
        );
        let reply = list("?filter=status:gathering&limit=1").await;
        assert_eq!(item_ids(&answer(&reply, StatusCode::OK)), [ids[2].clone()]);
        assert_eq!(reply.header("pagination-total"), Some("3"));
        let reply = list("?filter=status:fulfilled,partial").await;
        assert_eq!(answer(&reply, StatusCode::OK), json!([]));
        assert_eq!(reply.header("pagination-total"), Some("0"));

        let reply = list("?limit=1001&filter=color:red").await;
        let body = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        assert_eq!(invalid_fields(&body), ["limit", "filter"]);
    })
    .await;
}

#[tokio::test]
async fn updates_respect_read_only_fields_and_delete_cancels() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (_, created) = create(&app, &key, &seed_request("cus_UPD")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let path = org_path(&app, &format!("/kyc-requests/{id}"));

        let reply = send(
            rebilly(&app, Method::PATCH, &path, Some(&key))
                .json(&json!({"customerId": "cus_OTHER"})),
        )
        .await;
        let body = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        assert_eq!(invalid_fields(&body), ["customerId"]);
        let reply = send(
            rebilly(&app, Method::PATCH, &path, Some(&key)).json(&json!({
                "documents": [{"type": "funds-proof"}],
                "expirationTime": "2030-01-01T00:00:00Z",
                "matchLevel": 7,
                "redirectUrl": "mailto:me@example.com",
            })),
        )
        .await;
        let body = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        let mut fields = invalid_fields(&body);
        fields.sort();
        assert_eq!(
            fields,
            ["documents", "expirationTime", "matchLevel", "redirectUrl"]
        );
        // Sending back what was read changes nothing, not even the revision.
        let reply = send(rebilly(&app, Method::PUT, &path, Some(&key)).json(&created)).await;
        assert_eq!(answer(&reply, StatusCode::OK), created);

        // What may change does, once, and the revision moves; the rest is kept.
        let change = json!({"reason": "spend limit", "matchLevel": 3, "redirectUrl": null});
        let reply = send(rebilly(&app, Method::PATCH, &path, Some(&key)).json(&change)).await;
        let updated = answer(&reply, StatusCode::OK);
        assert_eq!(updated["reason"], "spend limit");
        assert_eq!(updated["matchLevel"], 3);
        assert_eq!(updated["redirectUrl"], Value::Null);
        assert_eq!(updated["documents"], created["documents"]);
        assert_eq!(updated["_links"], created["_links"]);
        assert!(updated["revision"].as_i64() > created["revision"].as_i64());
        let read = send(rebilly(&app, Method::GET, &path, Some(&key))).await;
        assert_eq!(answer(&read, StatusCode::OK), updated);
        let reply = send(
            rebilly(&app, Method::PUT, &path, Some(&key))
                .json(&json!({"redirectUrl": "https://example.com/back"})),
        )
        .await;
        assert_eq!(
            answer(&reply, StatusCode::OK)["redirectUrl"],
            "https://example.com/back"
        );

        // A later expirationTime gives the customer a new gatherer link lasting until then.
        let later = time::OffsetDateTime::now_utc() + time::Duration::days(2);
        let later = later.replace_nanosecond(0).unwrap();
        let stamp = later
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let reply = send(
            rebilly(&app, Method::PATCH, &path, Some(&key)).json(&json!({"expirationTime": stamp})),
        )
        .await;
        let extended = answer(&reply, StatusCode::OK);
        let expires = time::OffsetDateTime::parse(
            extended["expirationTime"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!(
            (expires - later).abs() <= time::Duration::seconds(2),
            "{extended}"
        );
        let gatherer = |request: &Value| request["_links"][1]["href"].clone();
        assert_eq!(extended["_links"][1]["rel"], "kycGatherer");
        assert_ne!(gatherer(&extended), gatherer(&created));

        let reply = send(rebilly(&app, Method::DELETE, &path, Some(&key))).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        assert!(reply.body.is_empty());
        let reply = send(rebilly(&app, Method::GET, &path, Some(&key))).await;
        problem(&reply, StatusCode::NOT_FOUND, "Not Found");
        let reply = send(rebilly(&app, Method::DELETE, &path, Some(&key))).await;
        problem(&reply, StatusCode::NOT_FOUND, "Not Found");
        assert_eq!(app.get_case(&key, &id).await["status"], "canceled");
        let listed = send(rebilly(&app, Method::GET, "/kyc-requests", Some(&key))).await;
        assert_eq!(answer(&listed, StatusCode::OK), json!([]));
    })
    .await;
}

#[tokio::test]
async fn a_decided_case_is_fulfilled_or_failed() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let path = |id: &str| format!("/kyc-requests/{id}");
        let (_, approved) = create(&app, &key, &seed_request("cus_OK")).await;
        let approved_id = approved["id"].as_str().unwrap();
        app.complete_sandbox(&key, approved_id, "approved").await;
        let reply = send(rebilly(&app, Method::GET, &path(approved_id), Some(&key))).await;
        let fulfilled = answer(&reply, StatusCode::OK);
        assert_eq!(fulfilled["status"], "fulfilled");
        assert!(fulfilled["revision"].as_i64() > approved["revision"].as_i64());
        // The gatherer link is gone once the request no longer gathers.
        assert_eq!(rels(&fulfilled), ["self"]);

        let (_, rejected) = create(&app, &key, &seed_request("cus_NO")).await;
        let rejected_id = rejected["id"].as_str().unwrap();
        app.complete_sandbox(&key, rejected_id, "rejected").await;
        let reply = send(rebilly(&app, Method::GET, &path(rejected_id), Some(&key))).await;
        assert_eq!(answer(&reply, StatusCode::OK)["status"], "failed");

        let reply = send(rebilly(
            &app,
            Method::GET,
            "/kyc-requests?filter=status:fulfilled",
            Some(&key),
        ))
        .await;
        let listed = answer(&reply, StatusCode::OK);
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["id"], approved_id);
    })
    .await;
}

/// Whether each delivery's `REB-Signature` verifies under `secret`, as a receiver in Python
/// would check it: `v1` is the hex HMAC-SHA256 of `{t}.{body}`.
fn verify_signatures(secret: &str, received: &[Received]) -> Vec<bool> {
    let script = r#"
import hashlib, hmac, json, sys
request = json.load(sys.stdin)
key = request["secret"].encode()
def verify(item):
    parts = dict(p.split("=", 1) for p in item["signature"].split(",") if not p.startswith("v1="))
    macs = [p[3:] for p in item["signature"].split(",") if p.startswith("v1=")]
    expected = hmac.new(key, (parts["t"] + "." + item["body"]).encode(), hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, mac) for mac in macs)
print(json.dumps([verify(item) for item in request["items"]]))
"#;
    let items: Vec<Value> = received
        .iter()
        .map(|r| json!({"body": r.body, "signature": r.header("reb-signature")}))
        .collect();
    let verified = python_json(script, &json!({"secret": secret, "items": items}));
    serde_json::from_value(verified).unwrap()
}

#[tokio::test]
async fn kyc_request_webhooks_reach_rebilly_endpoints_signed() {
    for_each_database_with(settings(Duration::from_millis(50)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        let endpoint = create_endpoint(&app, &key, json!({"url": receiver.url, "format": "rebilly"})).await;
        assert_eq!(endpoint["format"], "rebilly");
        let secret = endpoint["secret"].as_str().unwrap().to_owned();

        let (_, approved) = create(&app, &key, &seed_request("cus_HOOK_OK")).await;
        let approved_id = approved["id"].as_str().unwrap().to_owned();
        app.complete_sandbox(&key, &approved_id, "approved").await;
        let (_, rejected) = create(&app, &key, &seed_request("cus_HOOK_NO")).await;
        let rejected_id = rejected["id"].as_str().unwrap().to_owned();
        app.complete_sandbox(&key, &rejected_id, "rejected").await;

        // Per request: attempted on submission, then fulfilled or failed; nothing for
        // creation or the applicant's progress.
        deliver_until(&app, || receiver.all().len() >= 4).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.services.deliver_due_webhooks().await.unwrap();
        let received = receiver.all();
        assert_eq!(received.len(), 4, "{received:#?}");
        assert_eq!(verify_signatures(&secret, &received), vec![true; 4]);
        assert_eq!(verify_signatures("whsec_another", &received), vec![false; 4]);
        let mut seen: Vec<(String, String)> = received
            .iter()
            .map(|r| {
                let body = r.json();
                (body["kycRequestId"].as_str().unwrap().to_owned(), body["eventType"].as_str().unwrap().to_owned())
            })
            .collect();
        seen.sort();
        let mut expected = vec![
            (approved_id.clone(), "kyc-request-attempted".to_owned()),
            (approved_id.clone(), "kyc-request-fulfilled".to_owned()),
            (rejected_id.clone(), "kyc-request-attempted".to_owned()),
            (rejected_id.clone(), "kyc-request-failed".to_owned()),
        ];
        expected.sort();
        assert_eq!(seen, expected);

        let fulfilled = received
            .iter()
            .map(Received::json)
            .find(|b| b["eventType"] == "kyc-request-fulfilled")
            .unwrap();
        let org = app.organization_id.to_string();
        assert_eq!(fulfilled["customerId"], "cus_HOOK_OK");
        assert_eq!(fulfilled["_embedded"]["customer"], json!({"id": "cus_HOOK_OK"}));
        let request = &fulfilled["_embedded"]["kycRequest"];
        assert_eq!(request["id"], approved_id.as_str());
        assert_eq!(request["status"], "fulfilled");
        assert!(request["revision"].is_i64());
        assert_eq!(
            fulfilled["_links"],
            json!([
                {"rel": "customer", "href": format!("/organizations/{org}/customers/cus_HOOK_OK")},
                {"rel": "kycRequest", "href": format!("/organizations/{org}/kyc-requests/{approved_id}")}
            ])
        );
        // Ids and statuses only: nothing of the request's settings or the customer's data.
        let text = received.iter().map(|r| r.body.clone()).collect::<String>();
        assert!(!text.contains("example.com") && !text.contains("registration"), "{text}");
    })
    .await;
}

/// Where Rebilly's JS SDK is installed for the tests (`scripts/test` runs `npm ci` there).
const SDK_SUPPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rebilly-sdk");

/// Runs one of the SDK scripts against `app` with `env`; `None` when the SDK is not
/// installed (and `KYCORE_REQUIRE_NODE` does not ask for it).
async fn run_sdk(app: &TestApp, script: &str, env: &[(&str, &str)]) -> Option<Value> {
    let installed = std::path::Path::new(SDK_SUPPORT).join("node_modules/rebilly-js-sdk");
    if !installed.exists() {
        assert!(
            std::env::var_os("KYCORE_REQUIRE_NODE").is_none(),
            "KYCORE_REQUIRE_NODE is set but {} is missing: run `npm ci --prefix {SDK_SUPPORT}`",
            installed.display()
        );
        eprintln!("skipped: Rebilly's JS SDK is not installed (npm ci --prefix {SDK_SUPPORT})");
        return None;
    }
    let mut node = std::process::Command::new("node");
    node.arg(script)
        .current_dir(SDK_SUPPORT)
        .env("KYCORE_URL", &app.base_url)
        .env("KYCORE_KEY", &app.sandbox.secret)
        .env("KYCORE_ORGANIZATION", app.organization_id.to_string())
        .envs(env.iter().copied());
    // Off the test's runtime, which serves the SDK's requests meanwhile.
    let output = tokio::task::spawn_blocking(move || node.output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

#[tokio::test]
async fn rebillys_js_sdk_works_unchanged() {
    for_each_database(|app| async move {
        let Some(seen) = run_sdk(&app, "kyc-requests.mjs", &[]).await else {
            return;
        };
        let id = seen["created"]["fields"]["id"].as_str().unwrap();
        assert_eq!(seen["created"]["status"], 201);
        assert_eq!(seen["created"]["fields"]["status"], "gathering");
        assert_eq!(seen["got"]["id"], id);
        assert_eq!(seen["got"]["customerId"], "cus_SDK");
        assert_eq!(seen["all"]["total"], 1);
        assert_eq!(seen["all"]["limit"], 10);
        assert_eq!(seen["all"]["offset"], 0);
        assert_eq!(seen["all"]["ids"], json!([id]));
        assert_eq!(seen["updated"]["reason"], "spend limit");
        assert_eq!(seen["refused"]["name"], "RebillyValidationError");
        assert_eq!(seen["refused"]["status"], 422);
        assert_eq!(
            seen["refused"]["invalidFields"][0]["field"],
            "documents.0.type"
        );
        assert_eq!(seen["deleted"], 204);
        assert_eq!(
            seen["missing"],
            json!({"name": "RebillyNotFoundError", "status": 404})
        );
    })
    .await;
}

#[tokio::test]
async fn rebillys_js_sdk_reads_and_reviews_kyc_documents() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (_, created) = create(&app, &key, &seed_request("cus_SDKDOCS")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let passport = upload(&app, &key, &id, "passport").await;
        let bill = upload(&app, &key, &id, "proof-of-address").await;
        let env = [
            ("KYCORE_REQUEST", id.as_str()),
            ("KYCORE_ACCEPT", passport.as_str()),
            ("KYCORE_REJECT", bill.as_str()),
        ];
        let Some(seen) = run_sdk(&app, "kyc-documents.mjs", &env).await else {
            return;
        };
        // Newest first, as Rebilly's collections are.
        assert_eq!(seen["all"], json!({"total": 2, "ids": [bill, passport]}));
        assert_eq!(seen["everything"], seen["all"]);
        assert_eq!(seen["got"]["documentType"], "identity-proof");
        assert_eq!(seen["started"]["status"], 201);
        assert!(seen["started"]["fields"]["reviewStartTime"].is_string());
        assert_eq!(seen["stopped"]["reviewStartTime"], Value::Null);
        assert_eq!(seen["reviewed"]["status"], "accepted");
        assert!(seen["reviewed"]["reviewTime"].is_string());
        assert_eq!(seen["got"]["status"], "pending");
        assert_eq!(seen["accepted"]["status"], 201);
        assert_eq!(seen["accepted"]["fields"]["status"], "accepted");
        assert_eq!(seen["rejected"]["status"], 201);
        assert_eq!(
            seen["rejected"]["fields"]["rejectionReason"],
            json!({"type": "document-expired", "message": "The bill has expired."})
        );
    })
    .await;
}

#[tokio::test]
async fn rebillys_js_sdk_uploads_a_file_and_makes_a_kyc_document_of_it() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let body = json!({"customerId": "cus_SDKFILE", "documents": [{"type": "address-proof"}]});
        let (_, created) = create(&app, &key, &body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let photo = std::env::temp_dir().join(format!("kycore-sdk-{id}.jpg"));
        std::fs::write(&photo, crate::helpers::document_photo()).unwrap();
        let env = [
            ("KYCORE_REQUEST", id.as_str()),
            ("KYCORE_CUSTOMER", "cus_SDKFILE"),
            ("KYCORE_PHOTO", photo.to_str().unwrap()),
        ];
        let seen = run_sdk(&app, "kyc-document-create.mjs", &env).await;
        std::fs::remove_file(&photo).unwrap();
        let Some(seen) = seen else { return };
        assert_eq!(seen["file"]["status"], 201);
        assert_eq!(seen["file"]["fields"]["mimeType"], "image/jpeg");
        assert_eq!(seen["created"]["status"], 201);
        let document = &seen["created"]["fields"];
        assert_eq!(document["documentType"], "address-proof");
        assert_eq!(document["requestId"], id.as_str());
        assert_eq!(document["status"], "pending");
        assert_eq!(seen["updated"]["status"], 200);
        assert_eq!(seen["updated"]["fields"]["id"], document["id"]);
        // The document is an upload of the request's case, natively too.
        let native = app
            .get_json(&key, &format!("/v1/cases/{id}/documents"))
            .await;
        assert_eq!(native["data"][0]["id"], document["id"]);
        assert_eq!(native["data"][0]["type"], "proof-of-address");
    })
    .await;
}

/// `POST /files` with `bytes` and the given tags.
async fn upload_file(app: &TestApp, key: &str, bytes: Vec<u8>, tags: &str) -> Reply {
    let form = reqwest::multipart::Form::new()
        .text("tags", tags.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("scan.jpg"),
        );
    let url = app.url(&org_path(app, "/files"));
    send(
        app.client
            .post(url)
            .header("REB-APIKEY", key)
            .multipart(form),
    )
    .await
}

#[tokio::test]
async fn a_card_front_back_and_face_proof_make_one_kyc_document() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let body = json!({"customerId": "cus_FILES", "documents": [
            {"type": "identity-proof", "faceProofRequired": true}, {"type": "address-proof"}]});
        let (_, created) = create(&app, &key, &body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let photo = crate::helpers::document_photo;
        let mut files = Vec::new();
        for tags in ["kyc,id-front", "kyc,id-back", "kyc,face-proof"] {
            let reply = upload_file(&app, &key, photo(), tags).await;
            let file = answer(&reply, StatusCode::CREATED);
            assert!(
                reply
                    .header("location")
                    .unwrap()
                    .ends_with(file["id"].as_str().unwrap())
            );
            files.push(file["id"].as_str().unwrap().to_owned());
        }
        let path = format!("/files/{}", files[1]);
        let got = answer(
            &send(rebilly(&app, Method::GET, &path, Some(&key))).await,
            StatusCode::OK,
        );
        assert_eq!(got["tags"], json!(["kyc", "id-back"]));
        // A file that is not an image or PDF is refused as the native upload refuses it.
        let reply = upload_file(&app, &key, b"plain text".to_vec(), "kyc").await;
        problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");

        // Listed back to front on purpose: the tags say which is which.
        let document = json!({"fileIds": [files[2], files[1], files[0]],
            "documentType": "identity-proof", "documentSubtype": "id-card",
            "customerId": "cus_FILES", "requestId": id});
        let reply =
            send(rebilly(&app, Method::POST, "/kyc-documents", Some(&key)).json(&document)).await;
        let made = answer(&reply, StatusCode::CREATED);
        assert_eq!(made["documentType"], "identity-proof");
        assert_eq!(made["documentSubtype"], "id-card");
        // The files keep the ids they were uploaded with: front, back, face proof.
        assert_eq!(made["fileIds"], json!([files[0], files[1], files[2]]));
        let native = app
            .get_json(&key, &format!("/v1/cases/{id}/documents"))
            .await;
        let kinds: Vec<(String, String)> = native["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["type"].as_str().unwrap().to_owned(),
                    d["side"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("id-card", "front"),
                ("id-card", "back"),
                ("selfie", "front")
            ]
            .map(|(t, s)| (t.to_owned(), s.to_owned()))
        );

        // Without a requestId the customer's gathering request takes it.
        let bill = answer(
            &upload_file(&app, &key, photo(), "kyc").await,
            StatusCode::CREATED,
        );
        let document = json!({"fileIds": [bill["id"]], "documentType": "address-proof",
            "customerId": "cus_FILES"});
        let reply =
            send(rebilly(&app, Method::POST, "/kyc-documents", Some(&key)).json(&document)).await;
        assert_eq!(
            answer(&reply, StatusCode::CREATED)["requestId"],
            id.as_str()
        );

        // What cannot be made is named, and nothing is written.
        let refusals = [
            (
                json!({"fileIds": ["file_missing"], "documentType": "address-proof",
                "customerId": "cus_FILES"}),
                "fileIds.0",
            ),
            (
                json!({"fileIds": [bill["id"]], "documentType": "identity-proof",
                "customerId": "cus_FILES"}),
                "documentSubtype",
            ),
            (
                json!({"fileIds": [bill["id"]], "documentType": "funds-proof",
                "customerId": "cus_FILES"}),
                "documentType",
            ),
            (
                json!({"fileIds": [bill["id"]], "documentType": "address-proof",
                "customerId": "cus_OTHER", "requestId": id}),
                "customerId",
            ),
            (
                json!({"fileIds": [bill["id"]], "documentType": "address-proof",
                "customerId": "cus_NOBODY"}),
                "requestId",
            ),
            (
                json!({"documentType": "address-proof", "customerId": "cus_FILES"}),
                "fileIds",
            ),
        ];
        for (body, field) in refusals {
            let reply =
                send(rebilly(&app, Method::POST, "/kyc-documents", Some(&key)).json(&body)).await;
            let refused = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
            assert_eq!(invalid_fields(&refused), [field], "{body}");
        }
        let after = app
            .get_json(&key, &format!("/v1/cases/{id}/documents"))
            .await;
        assert_eq!(after["data"].as_array().unwrap().len(), 4);
        // Another organization's key sees no file.
        let other = app.other_sandbox.secret.clone();
        let reply = send(rebilly(&app, Method::GET, &path, Some(&other))).await;
        problem(&reply, StatusCode::NOT_FOUND, "Not Found");

        // A PUT changes nothing kycore keeps: the same fields answer 200, a new type 422.
        let made_path = format!("/kyc-documents/{}", made["id"].as_str().unwrap());
        let same = json!({"documentType": "identity-proof", "notes": "looked at it"});
        let reply = send(rebilly(&app, Method::PUT, &made_path, Some(&key)).json(&same)).await;
        assert_eq!(answer(&reply, StatusCode::OK)["id"], made["id"]);
        let changed = json!({"documentType": "address-proof"});
        let reply = send(rebilly(&app, Method::PUT, &made_path, Some(&key)).json(&changed)).await;
        let refused = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        assert_eq!(invalid_fields(&refused), ["documentType"]);
    })
    .await;
}

#[tokio::test]
async fn uploads_are_kyc_documents_of_their_request() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (_, created) = create(&app, &key, &seed_request("cus_DOCS")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let form = reqwest::multipart::Form::new()
            .text("type", "passport")
            .part(
                "file",
                reqwest::multipart::Part::bytes(crate::helpers::document_photo())
                    .file_name("scan.jpg"),
            );
        let upload = send(
            app.request(Method::POST, &format!("/v1/cases/{id}/documents"), &key)
                .multipart(form),
        )
        .await;
        let uploaded = upload.json(StatusCode::CREATED);
        let document_id = uploaded["id"].as_str().unwrap();

        // The request was attempted (an upload, not yet submitted) and links its documents.
        let reply = send(rebilly(
            &app,
            Method::GET,
            &format!("/kyc-requests/{id}?expand=documents"),
            Some(&key),
        ))
        .await;
        let request = answer(&reply, StatusCode::OK);
        assert_eq!(request["status"], "attempted");
        assert_eq!(
            rels(&request),
            [
                "self",
                "kycGatherer",
                "gatherer",
                "kycDocuments",
                "documents"
            ]
        );
        let embedded = &request["_embedded"]["documents"];
        assert_eq!(embedded.as_array().unwrap().len(), 1);
        assert_eq!(embedded[0]["id"], document_id);
        assert_eq!(embedded[0]["documentType"], "identity-proof");
        assert_eq!(embedded[0]["documentSubtype"], "passport");
        assert_eq!(embedded[0]["requestId"], id.as_str());
        assert_eq!(embedded[0]["customerId"], "cus_DOCS");
        assert_eq!(embedded[0]["status"], "pending");

        // The documents link lists them with Rebilly's headers; each reads on its own.
        let href = request["_links"][3]["href"].as_str().unwrap();
        let path = &href[href.find("/organizations/").unwrap()..];
        let reply = send(rebilly(&app, Method::GET, path, Some(&key))).await;
        assert_eq!(answer(&reply, StatusCode::OK), *embedded);
        assert_eq!(reply.header("pagination-total"), Some("1"));
        let reply = send(rebilly(
            &app,
            Method::GET,
            &format!("/kyc-documents/{document_id}"),
            Some(&key),
        ))
        .await;
        assert_eq!(answer(&reply, StatusCode::OK), embedded[0]);

        // Another organization sees neither; a listing needs its request.
        let other = app.other_sandbox.secret.clone();
        let reply = send(rebilly(
            &app,
            Method::GET,
            &format!("/kyc-documents/{document_id}"),
            Some(&other),
        ))
        .await;
        problem(&reply, StatusCode::NOT_FOUND, "Not Found");
        let foreign_list = format!("/kyc-documents?filter=requestId:{id}");
        let reply = send(rebilly(&app, Method::GET, &foreign_list, Some(&other))).await;
        assert_eq!(answer(&reply, StatusCode::OK), json!([]));
        assert_eq!(reply.header("pagination-total"), Some("0"));
        let reply = send(rebilly(&app, Method::GET, "/kyc-documents", Some(&other))).await;
        assert_eq!(answer(&reply, StatusCode::OK), json!([]));
    })
    .await;
}

/// The ids of a `GET /kyc-documents` listing, with its `Pagination-Total`.
async fn listed_documents(app: &TestApp, key: &str, query: &str) -> (Vec<String>, String) {
    let path = format!("/kyc-documents{query}");
    let reply = send(rebilly(app, Method::GET, &path, Some(key))).await;
    let ids = answer(&reply, StatusCode::OK)
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, reply.header("pagination-total").unwrap().to_owned())
}

#[tokio::test]
async fn documents_list_across_requests_with_filters_and_sort() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (_, one) = create(&app, &key, &seed_request("cus_LIST_A")).await;
        let (_, two) = create(&app, &key, &seed_request("cus_LIST_B")).await;
        let (one, two) = (one["id"].as_str().unwrap(), two["id"].as_str().unwrap());
        let passport = upload(&app, &key, one, "passport").await;
        let bill = upload(&app, &key, one, "proof-of-address").await;
        let other_bill = upload(&app, &key, two, "proof-of-address").await;
        // A selfie is part of its identity document, no KYC document of its own.
        upload(&app, &key, two, "selfie").await;
        let reply = review(&app, &key, &bill, "acceptance", json!({})).await;
        answer(&reply, StatusCode::CREATED);

        let newest_first = vec![other_bill.clone(), bill.clone(), passport.clone()];
        assert_eq!(
            listed_documents(&app, &key, "").await,
            (newest_first.clone(), "3".to_owned())
        );
        let mut oldest_first = newest_first.clone();
        oldest_first.reverse();
        assert_eq!(
            listed_documents(&app, &key, "?sort=createdTime&limit=2").await,
            (oldest_first[..2].to_vec(), "3".to_owned())
        );
        assert_eq!(
            listed_documents(&app, &key, "?limit=1&offset=1").await,
            (vec![bill.clone()], "3".to_owned())
        );
        let filters = [
            ("customerId:cus_LIST_B".to_owned(), vec![other_bill.clone()]),
            (
                format!("requestId:{one}"),
                vec![bill.clone(), passport.clone()],
            ),
            (
                "documentType:identity-proof".to_owned(),
                vec![passport.clone()],
            ),
            ("documentType:funds-proof".to_owned(), vec![]),
            ("status:accepted".to_owned(), vec![bill.clone()]),
            (
                "status:pending;documentType:address-proof".to_owned(),
                vec![other_bill.clone()],
            ),
            (format!("customerId:cus_LIST_B;requestId:{one}"), vec![]),
            (
                "createdTime:2000-01-01T00:00:00Z..2001-01-01T00:00:00Z".to_owned(),
                vec![],
            ),
        ];
        for (filter, expected) in filters {
            let (ids, total) = listed_documents(&app, &key, &format!("?filter={filter}")).await;
            assert_eq!(ids, expected, "{filter}");
            assert_eq!(total, expected.len().to_string(), "{filter}");
        }

        // A deleted request's documents are gone with it.
        let reply = send(rebilly(
            &app,
            Method::DELETE,
            &format!("/kyc-requests/{two}"),
            Some(&key),
        ))
        .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert_eq!(
            listed_documents(&app, &key, "").await,
            (vec![bill, passport], "2".to_owned())
        );

        let reply = send(rebilly(
            &app,
            Method::GET,
            "/kyc-documents?filter=status:lost;color:red&sort=id",
            Some(&key),
        ))
        .await;
        let body = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        assert_eq!(invalid_fields(&body), ["sort", "filter", "filter"]);
    })
    .await;
}

/// Uploads a document of `document_type` to the request's case through the native API.
async fn upload(app: &TestApp, key: &str, request_id: &str, document_type: &str) -> String {
    let form = reqwest::multipart::Form::new()
        .text("type", document_type.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(crate::helpers::document_photo()).file_name("scan.jpg"),
        );
    let reply = send(
        app.request(
            Method::POST,
            &format!("/v1/cases/{request_id}/documents"),
            key,
        )
        .multipart(form),
    )
    .await;
    reply.json(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `POST /kyc-documents/{id}/{action}` (acceptance or rejection).
async fn review(app: &TestApp, key: &str, document_id: &str, action: &str, body: Value) -> Reply {
    send(
        rebilly(
            app,
            Method::POST,
            &org_path(app, &format!("/kyc-documents/{document_id}/{action}")),
            Some(key),
        )
        .json(&body),
    )
    .await
}

async fn request_of(app: &TestApp, key: &str, id: &str) -> Value {
    let path = format!("/kyc-requests/{id}?expand=documents");
    answer(
        &send(rebilly(app, Method::GET, &path, Some(key))).await,
        StatusCode::OK,
    )
}

#[tokio::test]
async fn reviews_accept_and_reject_documents_and_move_the_request() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (_, created) = create(&app, &key, &seed_request("cus_REVIEW")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let passport = upload(&app, &key, &id, "passport").await;
        let bill = upload(&app, &key, &id, "proof-of-address").await;
        // The checks route the case to a person, who reviews the documents through Rebilly.
        app.complete_sandbox(&key, &id, "in_review").await;
        assert_eq!(
            request_of(&app, &key, &id).await["status"],
            "pending-review"
        );

        let reply = review(&app, &key, &passport, "acceptance", json!({})).await;
        let accepted = answer(&reply, StatusCode::CREATED);
        assert_eq!(accepted["status"], "accepted");
        assert_eq!(
            accepted["reviewerId"]
                .as_str()
                .map(|r| r.starts_with("key_")),
            Some(true)
        );
        assert!(accepted["reviewTime"].is_string());
        assert_eq!(accepted["rejectionReason"], Value::Null);
        // One type of two accepted: partial, still waiting for the person.
        assert_eq!(request_of(&app, &key, &id).await["status"], "partial");

        // A rejection with attempts left sends the customer back to the gatherer for it.
        let body = json!({"type": "old-address-on-id", "message": "The bill is from 2019."});
        let reply = review(&app, &key, &bill, "rejection", body).await;
        let rejected = answer(&reply, StatusCode::CREATED);
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(
            rejected["rejectionReason"],
            json!({"type": "old-address-on-id", "message": "The bill is from 2019."})
        );
        let request = request_of(&app, &key, &id).await;
        assert_eq!(request["status"], "partial");
        assert!(
            rels(&request).contains(&"kycGatherer".to_owned()),
            "{request}"
        );
        let case = app.get_json(&key, &format!("/v1/cases/{id}")).await;
        assert_eq!(case["status"], "resubmission_requested");
        assert_eq!(
            case["decision"]["resubmission_steps"],
            json!(["proof_of_address"])
        );

        // The second bill, accepted, fulfils the request: every requested type is accepted.
        let second = upload(&app, &key, &id, "proof-of-address").await;
        app.complete_sandbox(&key, &id, "in_review").await;
        let reply = review(&app, &key, &second, "acceptance", json!({})).await;
        answer(&reply, StatusCode::CREATED);
        let request = request_of(&app, &key, &id).await;
        assert_eq!(request["status"], "fulfilled", "{request}");
        let statuses: Vec<&str> = request["_embedded"]["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["accepted", "rejected", "accepted"]);
    })
    .await;
}

#[tokio::test]
async fn the_last_attempt_rejected_fails_the_request_and_bad_reviews_are_refused() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let body = json!({"customerId": "cus_LAST",
            "documents": [{"type": "address-proof", "maxAttempts": 1}]});
        let (_, created) = create(&app, &key, &body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let bill = upload(&app, &key, &id, "proof-of-address").await;
        app.complete_sandbox(&key, &id, "in_review").await;

        // Refused: an unknown type, a message too long, another organization's document.
        let reply = review(&app, &key, &bill, "rejection", json!({"type": "blurry"})).await;
        let problem_body = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        assert_eq!(invalid_fields(&problem_body), ["type"]);
        let long = json!({"type": "other", "message": "x".repeat(256)});
        let reply = review(&app, &key, &bill, "rejection", long).await;
        let problem_body = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        assert_eq!(invalid_fields(&problem_body), ["message"]);
        let other = app.other_sandbox.secret.clone();
        let reply = send(
            rebilly(
                &app,
                Method::POST,
                &format!("/kyc-documents/{bill}/acceptance"),
                Some(&other),
            )
            .json(&json!({})),
        )
        .await;
        problem(&reply, StatusCode::NOT_FOUND, "Not Found");
        let reply = review(&app, &key, "kyc_doc_missing", "acceptance", json!({})).await;
        problem(&reply, StatusCode::NOT_FOUND, "Not Found");
        // Nothing of that changed the document.
        let request = request_of(&app, &key, &id).await;
        assert_eq!(request["_embedded"]["documents"][0]["status"], "pending");

        let reply = review(
            &app,
            &key,
            &bill,
            "rejection",
            json!({"type": "document-unreadable"}),
        )
        .await;
        let rejected = answer(&reply, StatusCode::CREATED);
        assert_eq!(rejected["rejectionReason"]["type"], "document-unreadable");
        assert!(rejected["rejectionReason"]["message"].is_string());
        let request = request_of(&app, &key, &id).await;
        assert_eq!(request["status"], "failed");
        let case = app.get_json(&key, &format!("/v1/cases/{id}")).await;
        assert_eq!(case["status"], "rejected");
    })
    .await;
}

#[tokio::test]
async fn a_pending_upload_of_an_accepted_type_is_archived() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (_, created) = create(&app, &key, &seed_request("cus_ARCHIVE")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let first = upload(&app, &key, &id, "proof-of-address").await;
        let second = upload(&app, &key, &id, "proof-of-address").await;
        // Accepting the second while the first waits archives the first.
        let reply = review(&app, &key, &second, "acceptance", json!({})).await;
        answer(&reply, StatusCode::CREATED);
        let path = format!("/kyc-documents/{first}");
        let first_now = answer(
            &send(rebilly(&app, Method::GET, &path, Some(&key))).await,
            StatusCode::OK,
        );
        assert_eq!(first_now["status"], "archived");
        // Not in review: only the document changed, the customer is still gathering.
        let request = request_of(&app, &key, &id).await;
        assert_eq!(request["status"], "partial");
        let case = app.get_json(&key, &format!("/v1/cases/{id}")).await;
        assert_eq!(case["status"], "created");
    })
    .await;
}

#[tokio::test]
async fn document_webhooks_announce_uploads_verdicts_and_reviews() {
    for_each_database_with(settings(Duration::from_millis(50)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        // Rebilly's receivers authenticate deliveries by headers and basic credentials.
        let refused = app
            .post_problem(&key, "/v1/webhook_endpoints", &json!({"url": receiver.url,
                "format": "rebilly", "headers": {"Content-Type": "text/plain"}}),
                StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
        assert_eq!(refused["errors"][0]["field"], "headers.Content-Type");
        let endpoint = create_endpoint(&app, &key, json!({"url": receiver.url, "format": "rebilly",
            "headers": {"X-Receiver-Key": "k-123"},
            "basic_auth": {"username": "rebilly", "password": "s3cret"}})).await;
        let secret = endpoint["secret"].as_str().unwrap().to_owned();
        let shown = app
            .get_json(&key, &format!("/v1/webhook_endpoints/{}", endpoint["id"].as_str().unwrap()))
            .await;
        assert!(!shown.to_string().contains("k-123"), "{shown}");
        let body = json!({"customerId": "cus_DOCHOOK", "documents": [{"type": "address-proof"}]});
        let (_, created) = create(&app, &key, &body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let bill = upload(&app, &key, &id, "proof-of-address").await;
        let reply = review(&app, &key, &bill, "rejection", json!({"type": "document-expired"})).await;
        answer(&reply, StatusCode::CREATED);

        deliver_until(&app, || receiver.all().len() >= 3).await;
        let received = receiver.all();
        assert_eq!(verify_signatures(&secret, &received), vec![true; received.len()]);
        let events: Vec<String> = received
            .iter()
            .map(|r| r.json()["eventType"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            events,
            ["kyc-document-created", "kyc-document-rejected", "kyc-document-reviewed"]
        );
        for delivery in &received {
            assert_eq!(delivery.header("x-receiver-key"), "k-123");
            // "rebilly:s3cret", base64.
            assert_eq!(delivery.header("authorization"), "Basic cmViaWxseTpzM2NyZXQ=");
        }
        let rejected = received[1].json();
        let org = app.organization_id.to_string();
        assert_eq!(rejected["customerId"], "cus_DOCHOOK");
        assert_eq!(rejected["kycDocumentId"], bill.as_str());
        let document = &rejected["_embedded"]["kycDocument"];
        assert_eq!(document["requestId"], id.as_str());
        assert_eq!(document["documentType"], "address-proof");
        assert_eq!(document["status"], "rejected");
        assert_eq!(document["rejectionReason"]["type"], "document-expired");
        assert_eq!(
            rejected["_links"][2],
            json!({"rel": "kycDocument", "href": format!("/organizations/{org}/kyc-documents/{bill}")})
        );
    })
    .await;
}

#[tokio::test]
async fn reviewers_take_documents_and_an_acceptance_archives_the_rest() {
    for_each_database_with(settings(Duration::from_millis(50)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        create_endpoint(
            &app,
            &key,
            json!({"url": receiver.url, "format": "rebilly"}),
        )
        .await;
        let body = json!({"customerId": "cus_MARKS", "documents": [{"type": "address-proof"}]});
        let (_, created) = create(&app, &key, &body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let first = upload(&app, &key, &id, "proof-of-address").await;
        let second = upload(&app, &key, &id, "proof-of-address").await;

        // A reviewer takes the first, then lets it go: the status stays.
        let taken = answer(
            &review(&app, &key, &first, "start-review", json!({})).await,
            StatusCode::CREATED,
        );
        assert_eq!(taken["status"], "pending");
        assert!(taken["reviewStartTime"].is_string(), "{taken}");
        assert!(taken["reviewerId"].as_str().unwrap().starts_with("key_"));
        let released = answer(
            &review(&app, &key, &first, "stop-review", json!({})).await,
            StatusCode::CREATED,
        );
        assert_eq!(released["reviewStartTime"], Value::Null);
        assert_eq!(released["reviewerId"], Value::Null);

        // Accepting the second archives the first; a review then keeps its status.
        let reply = review(&app, &key, &second, "acceptance", json!({})).await;
        answer(&reply, StatusCode::CREATED);
        let confirmed = answer(
            &review(&app, &key, &second, "review", json!({})).await,
            StatusCode::CREATED,
        );
        assert_eq!(confirmed["status"], "accepted");
        assert!(confirmed["reviewTime"].is_string(), "{confirmed}");

        deliver_until(&app, || receiver.all().len() >= 8).await;
        let received = receiver.all();
        // One event's requests go out as deliveries of their own, in no promised order.
        let mut events: Vec<(String, String)> = received
            .iter()
            .map(|r| {
                let body = r.json();
                let name = body["eventType"].as_str().unwrap().to_owned();
                let document = body["kycDocumentId"].as_str().unwrap();
                (
                    name,
                    if document == first { "first" } else { "second" }.to_owned(),
                )
            })
            .collect();
        let expected = [
            ("kyc-document-created", "first"),
            ("kyc-document-created", "second"),
            ("kyc-document-modified", "first"),
            ("kyc-document-modified", "first"),
            ("kyc-document-accepted", "second"),
            ("kyc-document-reviewed", "second"),
            ("kyc-document-archived", "first"),
            ("kyc-document-reviewed", "second"),
        ];
        let mut expected: Vec<(String, String)> = expected
            .iter()
            .map(|(e, d)| ((*e).to_owned(), (*d).to_owned()))
            .collect();
        events.sort();
        expected.sort();
        assert_eq!(events, expected);
        let archived = received
            .iter()
            .map(|r| r.json())
            .find(|body| body["eventType"] == "kyc-document-archived")
            .unwrap();
        assert_eq!(archived["_embedded"]["kycDocument"]["status"], "archived");
        assert_eq!(
            archived["_embedded"]["kycDocument"]["documentType"],
            "address-proof"
        );

        // The same marks natively; an unknown action names nothing.
        let path = format!("/v1/cases/{id}/documents/{first}/review/start");
        let reply = send(app.request(Method::POST, &path, &key)).await;
        let document = reply.json(StatusCode::OK);
        assert!(
            document["review_started_by"]
                .as_str()
                .unwrap()
                .starts_with("key_")
        );
        assert_eq!(document["status"], "pending");
        let path = format!("/v1/cases/{id}/documents/{first}/review/finish");
        let reply = send(app.request(Method::POST, &path, &key)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let trail = app.get_json(&key, &format!("/v1/audit?case_id={id}")).await;
        let actions: Vec<&str> = trail["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|entry| entry["action"].as_str())
            .collect();
        assert!(actions.contains(&"document.review_started"), "{actions:?}");
        assert!(actions.contains(&"document.review_stopped"), "{actions:?}");
    })
    .await;
}

#[tokio::test]
async fn accepting_one_of_two_requested_types_partially_fulfils_the_request() {
    for_each_database_with(settings(Duration::from_millis(50)), |app| async move {
        let key = app.sandbox.secret.clone();
        let receiver = Receiver::start().await;
        create_endpoint(
            &app,
            &key,
            json!({"url": receiver.url, "format": "rebilly"}),
        )
        .await;
        let body = json!({"customerId": "cus_PARTIAL",
            "documents": [{"type": "identity-proof"}, {"type": "address-proof"}]});
        let (_, created) = create(&app, &key, &body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let bill = upload(&app, &key, &id, "proof-of-address").await;
        let reply = review(&app, &key, &bill, "acceptance", json!({})).await;
        answer(&reply, StatusCode::CREATED);

        deliver_until(&app, || {
            receiver
                .all()
                .iter()
                .any(|r| r.json()["eventType"] == "kyc-request-partially-fulfilled")
        })
        .await;
        let partial = receiver
            .all()
            .iter()
            .map(|r| r.json())
            .find(|body| body["eventType"] == "kyc-request-partially-fulfilled")
            .unwrap();
        assert_eq!(partial["kycRequestId"], id.as_str());
        assert_eq!(partial["customerId"], "cus_PARTIAL");
        assert_eq!(partial["_embedded"]["kycRequest"]["status"], "partial");
        assert_eq!(request_of(&app, &key, &id).await["status"], "partial");
    })
    .await;
}

#[tokio::test]
async fn an_analyzed_identity_document_carries_its_matches_and_parsed_data() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        // The customer exists in kycore with their data, as a Rebilly customer would.
        app.create_applicant(
            &key,
            json!({"type": "individual", "external_id": "cus_ANNA",
            "individual": {"first_name": "Anna Maria", "last_name": "Eriksson",
                "date_of_birth": "1974-08-12"}}),
        )
        .await;
        let body = json!({"customerId": "cus_ANNA", "documents": [{"type": "identity-proof"}]});
        let (_, created) = create(&app, &key, &body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let form = reqwest::multipart::Form::new()
            .text("type", "passport")
            .text("mrz", crate::documents::UTOPIA_TD3)
            .part(
                "file",
                reqwest::multipart::Part::bytes(crate::helpers::document_photo())
                    .file_name("scan.jpg"),
            );
        let reply = send(
            app.request(Method::POST, &format!("/v1/cases/{id}/documents"), &key)
                .multipart(form),
        )
        .await;
        let passport = reply.json(StatusCode::CREATED)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let request = request_of(&app, &key, &id).await;
        let pending = &request["_embedded"]["documents"][0];
        assert_eq!(pending["documentMatches"], Value::Null, "not analyzed yet");
        app.post_json(
            &key,
            &format!("/v1/cases/{id}/submit"),
            &json!({}),
            StatusCode::OK,
        )
        .await;
        while app.services.run_due_jobs().await.unwrap() > 0 {}

        let path = format!("/kyc-documents/{passport}");
        let document = answer(
            &send(rebilly(&app, Method::GET, &path, Some(&key))).await,
            StatusCode::OK,
        );
        assert_eq!(document["status"], "rejected", "{document}");
        assert_eq!(document["rejectionReason"]["type"], "document-expired");
        assert!(document["processedTime"].is_string());
        assert_eq!(
            document["reviewerId"],
            Value::Null,
            "the checks judged it, not a person"
        );

        let parsed = &document["parsedData"];
        assert_eq!(parsed["version"], "2.0");
        assert_eq!(parsed["data"]["firstName"], "ANNA MARIA");
        assert_eq!(parsed["data"]["lastName"], "ERIKSSON");
        assert_eq!(parsed["data"]["dateOfBirth"], "1974-08-12");
        assert_eq!(parsed["data"]["expirationDate"], "2012-04-15");
        assert_eq!(parsed["data"]["documentNumber"], "L898902C3");
        assert_eq!(parsed["data"]["sex"], "F");
        assert_eq!(parsed["data"]["mrzChecksumValid"], true);
        assert_eq!(
            parsed["checkList"],
            json!([
                {"name": "mrzChecksum", "failed": false, "score": 100, "reason": null}
            ])
        );

        let matches = &document["documentMatches"];
        let failed: Vec<(&str, bool)> = matches["checkList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap(), c["failed"].as_bool().unwrap()))
            .collect();
        assert_eq!(
            failed,
            [
                ("isIdentityDocument", false),
                ("firstName", false),
                ("lastName", false),
                ("dateOfBirth", false),
                ("expirationDate", true),
                ("hasMinimalAge", false),
                ("isTampered", false),
                ("decision", true),
            ]
        );
        assert_eq!(matches["score"], 75);
        assert_eq!(matches["data"]["hasMinimalAge"], true);
        // The request gathers again: the identity proof was rejected with attempts left.
        assert_eq!(request_of(&app, &key, &id).await["status"], "attempted");
    })
    .await;
}

#[tokio::test]
async fn the_sandbox_test_bureau_fulfils_a_credit_file_request_at_once() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        app.create_applicant(
            &key,
            json!({"type": "individual", "external_id": "cus_CREDIT",
            "individual": {"first_name": "Anna", "last_name": "Eriksson"}}),
        )
        .await;
        let credit = |accept: &str| {
            json!({"customerId": "cus_CREDIT", "documents": [
                {"type": "credit-file-proof", "accept": accept},
                {"type": "identity-proof"}, {"type": "address-proof"}]})
        };
        // The customer's first name: a single-source file, the request fulfilled at once.
        let (_, fulfilled) = create(&app, &key, &credit("anna")).await;
        assert_eq!(fulfilled["status"], "fulfilled", "{fulfilled}");
        assert_eq!(rels(&fulfilled), ["self"], "nothing left to gather");

        // Another name: the file is not usable, the customer gathers the other documents.
        let (_, gathering) = create(&app, &key, &credit("Maria")).await;
        assert_eq!(gathering["status"], "gathering");
        assert!(rels(&gathering).contains(&"kycGatherer".to_owned()));

        // A credit file alone, refused: the request fails.
        let only = json!({"customerId": "cus_CREDIT",
            "documents": [{"type": "credit-file-proof", "accept": "Maria"}]});
        let (_, failed) = create(&app, &key, &only).await;
        assert_eq!(failed["status"], "failed");
        // An unknown customer has no first name to match.
        let unknown = json!({"customerId": "cus_NOBODY",
            "documents": [{"type": "credit-file-proof", "accept": "Anna"}]});
        assert_eq!(create(&app, &key, &unknown).await.1["status"], "failed");

        // In live no bureau is configured: refused as unavailable, nothing written.
        let live = app.live.secret.clone();
        let before = app.snapshot(&live).await;
        let reply =
            send(rebilly(&app, Method::POST, "/kyc-requests", Some(&live)).json(&credit("anna")))
                .await;
        let body = problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "Validation error");
        assert_eq!(invalid_fields(&body), ["documents.0.type"]);
        assert_eq!(app.snapshot(&live).await, before);
    })
    .await;
}

#[tokio::test]
async fn each_requested_type_keeps_its_own_max_attempts() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let body = json!({"customerId": "cus_LIMITS", "documents": [
            {"type": "identity-proof", "maxAttempts": 2}, {"type": "address-proof", "maxAttempts": 1}]});
        let (_, created) = create(&app, &key, &body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let attempt = |document_type: &'static str| {
            let form = reqwest::multipart::Form::new().text("type", document_type).part(
                "file",
                reqwest::multipart::Part::bytes(crate::helpers::document_photo()).file_name("scan.jpg"),
            );
            send(app.request(Method::POST, &format!("/v1/cases/{id}/documents"), &key).multipart(form))
        };
        assert_eq!(attempt("proof-of-address").await.status, StatusCode::CREATED);
        attempt("proof-of-address").await.problem(StatusCode::CONFLICT, "attempts_exhausted");
        assert_eq!(attempt("passport").await.status, StatusCode::CREATED);
        assert_eq!(attempt("passport").await.status, StatusCode::CREATED);
        attempt("passport").await.problem(StatusCode::CONFLICT, "attempts_exhausted");
        // The request's flow shows its limits and its way back through the native API.
        let case = app.get_case(&key, &id).await;
        let flow = app
            .get_json(&key, &format!("/v1/flows/{}", case["flow_id"].as_str().unwrap()))
            .await;
        assert_eq!(
            flow["step_max_attempts"],
            json!({"identity_document": 2, "selfie": 2, "proof_of_address": 1})
        );
        assert_eq!(flow["return_parameters"], "info");
        let builtin = app.get_json(&key, "/v1/flows/flow_kyc_default").await;
        assert_eq!(builtin["return_parameters"], "case_outcome");
        assert_eq!(builtin.get("step_max_attempts"), None);
    })
    .await;
}

#[tokio::test]
async fn an_expired_gatherer_link_sends_the_customer_back_with_token_expired() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let (_, created) = create(&app, &key, &seed_request("cus_LATE")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        app.expire_link_in_database(&id).await;
        // The link as it now stands (its expiry is part of it).
        let case = app.get_case(&key, &id).await;
        let no_follow = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let path = crate::helpers::verification_path(&case);
        let reply = send(no_follow.get(app.url(&path))).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        assert_eq!(
            reply.header("location"),
            Some("https://example.com/kyc/done?ref=42&info=token_expired")
        );
        // A case of a flow that reports its outcome natively keeps the expired-link page.
        let native = app.create_case(&key).await;
        let native_id = native["id"].as_str().unwrap();
        app.expire_link_in_database(native_id).await;
        let native = app.get_case(&key, native_id).await;
        let path = crate::helpers::verification_path(&native);
        let reply = send(no_follow.get(app.url(&path))).await;
        assert_eq!(reply.status, StatusCode::GONE);
    })
    .await;
}

#[tokio::test]
async fn rejecting_what_the_cases_flow_cannot_gather_leaves_the_case_with_its_person() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        // A case made through the native API, whose default flow has no proof of address.
        let case = app.create_case(&key).await;
        let id = case["id"].as_str().unwrap().to_owned();
        let bill = upload(&app, &key, &id, "proof-of-address").await;
        app.complete_sandbox(&key, &id, "in_review").await;
        let reply = review(
            &app,
            &key,
            &bill,
            "rejection",
            json!({"type": "old-address-on-id"}),
        )
        .await;
        assert_eq!(answer(&reply, StatusCode::CREATED)["status"], "rejected");
        assert_eq!(app.get_case(&key, &id).await["status"], "in_review");
    })
    .await;
}

#[tokio::test]
async fn a_control_character_in_an_id_names_nothing() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        for path in ["/kyc-requests/kyc_%00x", "/kyc-documents/%1b/acceptance"] {
            let method = if path.ends_with("acceptance") {
                Method::POST
            } else {
                Method::GET
            };
            let reply = send(rebilly(&app, method, path, Some(&key))).await;
            problem(&reply, StatusCode::NOT_FOUND, "Not Found");
        }
    })
    .await;
}

#[tokio::test]
async fn held_files_are_erased_after_their_retention() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let old = answer(
            &upload_file(&app, &key, crate::helpers::document_photo(), "kyc").await,
            StatusCode::CREATED,
        );
        let recent = answer(
            &upload_file(&app, &key, crate::helpers::document_photo(), "kyc").await,
            StatusCode::CREATED,
        );
        let old_id = old["id"].as_str().unwrap();
        let blobs = || walkdir_count(app.data_dir.path());
        let before = blobs();
        // Uploaded eight days ago: past the week a held file is kept.
        app.age_held_file(old_id).await;
        let erased = app.services.expire_held_files().await.unwrap();
        assert_eq!(erased, 1);
        let path = format!("/files/{old_id}");
        let reply = send(rebilly(&app, Method::GET, &path, Some(&key))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(blobs(), before - 1, "its sealed blob is gone too");
        let path = format!("/files/{}", recent["id"].as_str().unwrap());
        let reply = send(rebilly(&app, Method::GET, &path, Some(&key))).await;
        assert_eq!(reply.status, StatusCode::OK, "a recent one stays");
        assert_eq!(app.services.expire_held_files().await.unwrap(), 0);
    })
    .await;
}

/// Files under `dir`, at any depth.
fn walkdir_count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        walkdir_count(&path)
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
