//! Provide's dialect, replayed from Provide's documents: the seed's list, create, update and
//! retrieve examples with their exact keys, order, nulls, headers and status codes; bearer
//! tokens minted from a secret key (and refused once it is revoked); user tokens that see
//! only their own applications; the `PUT` transition matrix, every pair; errors in Provide's
//! shape, tenancy; and `provide` webhooks verified by an independent HMAC in Python.

use std::time::Duration;

use kycore_services::webhooks::WebhookSettings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, for_each_database, run_python, send};
use crate::webhooks::{Receiver, create_endpoint, deliver_until, for_each_database_with, settings};

/// The keys of an application, in Provide's order (research §2.4).
const KEYS: [&str; 10] = [
    "id",
    "created_at",
    "application_id",
    "user_id",
    "provider",
    "identifier",
    "type",
    "status",
    "name",
    "description",
];

const USER: &str = "00d4adc9-b0ca-4c94-9d90-3c61f696b8bd";

/// The seed's create body.
fn seed_body(user: &str) -> Value {
    json!({
        "user_id": user,
        "provider": "vouched",
        "params": {
            "type": "id-verification",
            "webhook_url": "https://url.to.my/webhook",
            "date_of_birth": "1988-10-01",
            "first_name": "John",
            "last_name": "Smith",
            "id_photo": "",
            "id_photo_back": "",
            "selfie": ""
        }
    })
}

fn provide(
    app: &TestApp,
    method: Method,
    path: &str,
    bearer: Option<&str>,
) -> reqwest::RequestBuilder {
    let request = app.client.request(method, app.url(path));
    match bearer {
        Some(bearer) => request.header("authorization", format!("bearer {bearer}")),
        None => request,
    }
}

/// An answer's JSON after checking its status, Provide's content type and CORS headers.
fn answer(reply: &Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.content_type(), "application/json; charset=UTF-8");
    assert_cors(reply);
    assert!(
        reply.text().starts_with("{\n    \"")
            || reply.text().starts_with("[\n    {")
            || reply.text() == "[]",
        "pretty-printed with four spaces: {}",
        reply.text()
    );
    serde_json::from_str(&reply.text()).unwrap()
}

fn assert_cors(reply: &Reply) {
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        reply.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        reply.header("access-control-allow-methods"),
        Some("GET, POST, PUT, DELETE, OPTIONS")
    );
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("X-Total-Results-Count")
    );
    assert!(
        reply
            .header("access-control-allow-headers")
            .is_some_and(|h| h.contains("Authorization") && h.contains("X-Requested-With")),
    );
}

/// `{"message": …}` with `status`; the message returned.
fn message(reply: &Reply, status: StatusCode) -> String {
    let body = answer(reply, status);
    assert_eq!(keys_of(&body), ["message"], "{body}");
    body["message"].as_str().unwrap().to_owned()
}

fn keys_of(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

/// The top-level keys of a pretty-printed object, in the order written.
fn keys_in_order(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with("    \"") && !line.starts_with("     "))
        .map(|line| line[5..].split('"').next().unwrap().to_owned())
        .collect()
}

fn is_uuid(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 36 && uuid::Uuid::parse_str(s).is_ok() && s == s.to_ascii_lowercase()
    })
}

async fn mint(app: &TestApp, key: &str, body: &Value) -> String {
    let reply = send(provide(app, Method::POST, "/api/v1/tokens", Some(key)).json(body)).await;
    let minted = answer(&reply, StatusCode::CREATED);
    minted["token"].as_str().unwrap().to_owned()
}

async fn create(app: &TestApp, bearer: &str, body: &Value) -> (Value, String) {
    let reply =
        send(provide(app, Method::POST, "/api/v1/kyc_applications", Some(bearer)).json(body)).await;
    (answer(&reply, StatusCode::CREATED), reply.text())
}

async fn get(app: &TestApp, bearer: &str, id: &str) -> Value {
    let path = format!("/api/v1/kyc_applications/{id}");
    answer(
        &send(provide(app, Method::GET, &path, Some(bearer))).await,
        StatusCode::OK,
    )
}

async fn put_status(app: &TestApp, bearer: &str, id: &str, status: &str) -> Reply {
    let path = format!("/api/v1/kyc_applications/{id}");
    send(provide(app, Method::PUT, &path, Some(bearer)).json(&json!({ "status": status }))).await
}

/// The kycore case behind a Provide application, through the native API's list.
async fn case_id_of(app: &TestApp, key: &str, user: &str) -> String {
    let cases = app
        .list(key, &format!("/v1/cases?external_id={user}"))
        .await;
    cases[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_seed_examples_replay_with_their_documented_keys_and_headers() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let token = mint(&app, &key, &json!({})).await;

        // Create: 201, the documented keys in order, nulls written, params echoed.
        let (created, text) = create(&app, &token, &seed_body(USER)).await;
        let mut expected: Vec<&str> = KEYS.to_vec();
        expected.push("params");
        assert_eq!(keys_in_order(&text), expected, "{text}");
        assert!(is_uuid(&created["id"]), "{created}");
        assert!(is_uuid(&created["application_id"]));
        assert_eq!(created["user_id"], USER);
        assert_eq!(created["provider"], "vouched");
        assert_eq!(created["identifier"], Value::Null);
        assert_eq!(created["type"], "kyc");
        assert_eq!(created["status"], "pending");
        assert_eq!(created["name"], "John Smith");
        assert_eq!(created["description"], Value::Null);
        assert_eq!(created["params"], seed_body(USER)["params"]);
        let created_at = created["created_at"].as_str().unwrap();
        time::OffsetDateTime::parse(created_at, &time::format_description::well_known::Rfc3339)
            .unwrap();
        let id = created["id"].as_str().unwrap().to_owned();

        // One case: the native API sees it, its applicant carrying the params.
        let case_id = case_id_of(&app, &key, USER).await;
        let case = app.get_case(&key, &case_id).await;
        assert_eq!(case["kind"], "kyc");
        let applicant = app
            .get_json(&key, &format!("/v1/applicants/{}", case["applicant_id"].as_str().unwrap()))
            .await;
        assert_eq!(applicant["external_id"], USER);
        assert_eq!(applicant["individual"]["first_name"], "John");
        assert_eq!(applicant["individual"]["date_of_birth"], "1988-10-01");

        // Default provider and type; identitymind; kyb; a second application of one user
        // stays with the same applicant.
        let (second, _) = create(&app, &key, &json!({"user_id": USER, "params": {"name": "Joe Lubin"}})).await;
        assert_eq!(second["provider"], "vouched");
        assert_eq!(second["type"], "kyc");
        assert_eq!(second["name"], "Joe Lubin");
        let applicants = app.list(&key, &format!("/v1/applicants?external_id={USER}")).await;
        assert_eq!(applicants.len(), 1, "{applicants:?}");
        let other_user = "9a253758-197a-4308-8d2d-61cfe9317644";
        let (third, _) = create(
            &app,
            &key,
            &json!({"user_id": other_user, "provider": "identitymind", "type": "KYB", "params": {"name": "Acme Ltd"}}),
        )
        .await;
        assert_eq!(third["provider"], "identitymind");
        assert_eq!(third["type"], "kyb");

        // List: newest first, the documented keys, the total in its header, paginated.
        let reply = send(provide(&app, Method::GET, "/api/v1/kyc_applications", Some(&token))).await;
        let list = answer(&reply, StatusCode::OK);
        assert_eq!(reply.header("x-total-results-count"), Some("3"));
        let items = list.as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["id"], third["id"]);
        assert_eq!(items[2]["id"], id.as_str());
        for item in items {
            let mut keys: Vec<&str> = KEYS.to_vec();
            keys.sort_unstable();
            assert_eq!(keys_of(item), keys, "{item}");
        }
        let reply = send(provide(&app, Method::GET, "/api/v1/kyc_applications?page=2&rpp=2", Some(&token))).await;
        let page = answer(&reply, StatusCode::OK);
        assert_eq!(reply.header("x-total-results-count"), Some("3"));
        assert_eq!(page.as_array().unwrap().len(), 1);
        assert_eq!(page[0]["id"], id.as_str());
        let reply = send(provide(&app, Method::GET, "/api/v1/kyc_applications?status=accepted", Some(&token))).await;
        assert_eq!(answer(&reply, StatusCode::OK), json!([]));
        assert_eq!(reply.header("x-total-results-count"), Some("0"));

        // Retrieve: the params as stored.
        let detail = get(&app, &token, &id).await;
        assert_eq!(detail["params"], seed_body(USER)["params"]);
        assert_eq!(detail["status"], "pending");

        // Update: accepted once the case was submitted and checked into review.
        app.complete_sandbox(&key, &case_id, "in_review").await;
        let reply = put_status(&app, &token, &id, "accepted").await;
        let updated = answer(&reply, StatusCode::ACCEPTED);
        let mut keys: Vec<&str> = KEYS.to_vec();
        keys.sort_unstable();
        assert_eq!(keys_of(&updated), keys, "{updated}");
        assert_eq!(updated["status"], "accepted");
        assert_eq!(updated["identifier"], case_id.as_str());
        assert_eq!(app.get_case(&key, &case_id).await["status"], "approved");
        let reply = send(provide(&app, Method::GET, "/api/v1/kyc_applications?status=accepted", Some(&token))).await;
        assert_eq!(answer(&reply, StatusCode::OK)[0]["id"], id.as_str());
    })
    .await;
}

#[tokio::test]
async fn bearers_are_keys_or_tokens_minted_from_them() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let list = |bearer: String, scheme: &'static str| {
            let app = &app;
            async move {
                send(
                    app.client
                        .get(app.url("/api/v1/kyc_applications"))
                        .header("authorization", format!("{scheme} {bearer}")),
                )
                .await
            }
        };
        let token = mint(&app, &key, &json!({})).await;
        for scheme in ["bearer", "Bearer", "BEARER"] {
            answer(&list(token.clone(), scheme).await, StatusCode::OK);
            answer(&list(key.clone(), scheme).await, StatusCode::OK);
        }
        // The token is a JWT for `application:<the organization's uuid>`.
        let payload = token.split('.').nth(1).unwrap();
        use base64::Engine;
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        let (created, _) = create(&app, &token, &seed_body(USER)).await;
        assert_eq!(
            claims["sub"],
            format!(
                "application:{}",
                created["application_id"].as_str().unwrap()
            )
        );
        let again = mint(
            &app,
            &key,
            &json!({"application_id": created["application_id"]}),
        )
        .await;
        answer(&list(again, "bearer").await, StatusCode::OK);

        // Wrong, missing, tampered or of another kind: 401 unauthorized.
        let mut tampered = token.clone();
        tampered.pop();
        let link_token = app.create_case(&key).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        for bearer in [
            "nope".to_owned(),
            tampered,
            link_token,
            "kc_test_wrong".to_owned(),
        ] {
            assert_eq!(
                message(&list(bearer, "bearer").await, StatusCode::UNAUTHORIZED),
                "unauthorized"
            );
        }
        let reply = send(app.client.get(app.url("/api/v1/kyc_applications"))).await;
        assert_eq!(message(&reply, StatusCode::UNAUTHORIZED), "unauthorized");
        let reply = send(
            app.client
                .get(app.url("/api/v1/kyc_applications"))
                .header("x-api-key", &key),
        )
        .await;
        assert_eq!(message(&reply, StatusCode::UNAUTHORIZED), "unauthorized");

        // Only a secret key mints, and only for its own Application.
        let reply =
            send(provide(&app, Method::POST, "/api/v1/tokens", Some(&token)).json(&json!({})))
                .await;
        assert_eq!(message(&reply, StatusCode::FORBIDDEN), "forbidden");
        let foreign = json!({"application_id": "cb2037f7-79fc-40f4-9720-ada636da4183"});
        let reply =
            send(provide(&app, Method::POST, "/api/v1/tokens", Some(&key)).json(&foreign)).await;
        assert_eq!(message(&reply, StatusCode::FORBIDDEN), "forbidden");
        let both = json!({"application_id": created["application_id"], "user_id": USER});
        let reply =
            send(provide(&app, Method::POST, "/api/v1/tokens", Some(&key)).json(&both)).await;
        message(&reply, StatusCode::BAD_REQUEST);
        let reply = send(
            provide(&app, Method::POST, "/api/v1/tokens", Some(&key))
                .json(&json!({"user_id": "someone"})),
        )
        .await;
        message(&reply, StatusCode::BAD_REQUEST);

        // A token of another organization sees none of this one's applications.
        let foreign_token = mint(&app, &app.other_sandbox.secret, &json!({})).await;
        let path = format!(
            "/api/v1/kyc_applications/{}",
            created["id"].as_str().unwrap()
        );
        let reply = send(provide(&app, Method::GET, &path, Some(&foreign_token))).await;
        assert_eq!(
            message(&reply, StatusCode::NOT_FOUND),
            "kyc application not found"
        );

        // Revoking the key ends its tokens.
        let (key_id, extra) = app.extra_sandbox_key().await;
        let extra_token = mint(&app, &extra, &json!({})).await;
        answer(&list(extra_token.clone(), "bearer").await, StatusCode::OK);
        app.services
            .revoke_key(&app.organization_id, &key_id)
            .await
            .unwrap();
        assert_eq!(
            message(&list(extra_token, "bearer").await, StatusCode::UNAUTHORIZED),
            "unauthorized"
        );
    })
    .await;
}

#[tokio::test]
async fn user_tokens_see_their_own_applications_and_cannot_decide() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let other_user = "3fceea52-b71c-4b7f-bb88-712046523310";
        let user_token = mint(&app, &key, &json!({"user_id": USER.to_ascii_uppercase()})).await;
        // A user's application is always their own, whatever the body says.
        let (mine, _) = create(
            &app,
            &user_token,
            &json!({"user_id": other_user, "params": {"first_name": "Tim"}}),
        )
        .await;
        assert_eq!(mine["user_id"], USER);
        let (theirs, _) = create(&app, &key, &json!({"user_id": other_user})).await;

        let reply = send(provide(
            &app,
            Method::GET,
            "/api/v1/kyc_applications",
            Some(&user_token),
        ))
        .await;
        let listed = answer(&reply, StatusCode::OK);
        assert_eq!(reply.header("x-total-results-count"), Some("1"));
        assert_eq!(listed[0]["id"], mine["id"]);
        let path = format!("/api/v1/users/{USER}/kyc_applications");
        let reply = send(provide(&app, Method::GET, &path, Some(&user_token))).await;
        assert_eq!(answer(&reply, StatusCode::OK)[0]["id"], mine["id"]);
        let path = format!("/api/v1/users/{other_user}/kyc_applications");
        let reply = send(provide(&app, Method::GET, &path, Some(&user_token))).await;
        message(&reply, StatusCode::FORBIDDEN);
        // …a route for user bearers only, as Provide serves it.
        let reply = send(provide(&app, Method::GET, &path, Some(&key))).await;
        assert_eq!(message(&reply, StatusCode::UNAUTHORIZED), "unauthorized");

        let theirs_path = format!(
            "/api/v1/kyc_applications/{}",
            theirs["id"].as_str().unwrap()
        );
        let reply = send(provide(&app, Method::GET, &theirs_path, Some(&user_token))).await;
        assert_eq!(
            message(&reply, StatusCode::NOT_FOUND),
            "kyc application not found"
        );

        let mine_id = mine["id"].as_str().unwrap();
        get(&app, &user_token, mine_id).await;
        let reply = put_status(&app, &user_token, mine_id, "accepted").await;
        assert_eq!(
            message(&reply, StatusCode::FORBIDDEN),
            "unauthorized user kyc application status update"
        );
    })
    .await;
}

/// A case of the sandbox in each state a Provide application can show, by the native API.
async fn case_in(app: &TestApp, key: &str, state: &str) -> String {
    let case = app.create_case(key).await;
    let id = case["id"].as_str().unwrap().to_owned();
    match state {
        "pending" => {}
        "submitted" => {
            app.post_json(
                key,
                &format!("/v1/cases/{id}/submit"),
                &json!({}),
                StatusCode::OK,
            )
            .await;
        }
        "review" => {
            app.complete_sandbox(key, &id, "in_review").await;
        }
        "remediate" => {
            app.complete_sandbox(key, &id, "resubmission_requested")
                .await;
        }
        "accepted" => {
            app.complete_sandbox(key, &id, "approved").await;
        }
        "rejected" => {
            app.complete_sandbox(key, &id, "rejected").await;
        }
        "failed" => {
            app.post_json(
                key,
                &format!("/v1/cases/{id}/cancel"),
                &json!({}),
                StatusCode::OK,
            )
            .await;
        }
        other => panic!("no state {other}"),
    }
    id
}

/// What a `PUT` from `from` to `to` answers: Provide's matrix (research §2.6) where kycore's
/// machine follows it. kycore cannot take a decided case back to review, nor one waiting
/// for the applicant's new documents (`remediate` from a resubmission request).
fn expected_put(from: &str, to: &str) -> StatusCode {
    let allowed = match from {
        "submitted" | "remediate" | "accepted" | "rejected" => {
            ["accepted", "rejected"].contains(&to)
        }
        "review" => ["accepted", "rejected", "review"].contains(&to),
        "pending" | "failed" => false,
        other => panic!("no state {other}"),
    };
    if allowed {
        StatusCode::ACCEPTED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

#[tokio::test]
async fn every_status_change_follows_the_transition_matrix() {
    const STATUSES: [&str; 7] = [
        "pending",
        "submitted",
        "review",
        "remediate",
        "accepted",
        "rejected",
        "failed",
    ];
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let token = mint(&app, &key, &json!({})).await;
        for from in STATUSES {
            for to in STATUSES {
                let case_id = case_in(&app, &key, from).await;
                let uuid = send(provide(&app, Method::GET, "/api/v1/kyc_applications?rpp=1", Some(&token))).await;
                let id = answer(&uuid, StatusCode::OK)[0]["id"].as_str().unwrap().to_owned();
                assert_eq!(get(&app, &token, &id).await["status"], from, "{case_id}");
                let reply = put_status(&app, &token, &id, to).await;
                let expected = expected_put(from, to);
                if expected == StatusCode::ACCEPTED {
                    assert_eq!(answer(&reply, expected)["status"], to, "{from} → {to}");
                } else {
                    let body = answer(&reply, expected);
                    assert_eq!(
                        body,
                        json!({"errors": [{"message": format!("invalid status transition from {from} to {to}")}]}),
                        "{from} → {to}"
                    );
                    assert_eq!(get(&app, &token, &id).await["status"], from, "unchanged");
                }
            }
        }
        let reply = put_status(&app, &token, &case_id_uuid(&app, &token).await, "approved").await;
        answer(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

async fn case_id_uuid(app: &TestApp, token: &str) -> String {
    let reply = send(provide(
        app,
        Method::GET,
        "/api/v1/kyc_applications?rpp=1",
        Some(token),
    ))
    .await;
    answer(&reply, StatusCode::OK)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn bad_requests_and_foreign_ids_get_provides_errors() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let before = app.snapshot(&key).await;
        let post = |body: Value| {
            let app = &app;
            let key = key.clone();
            async move {
                send(provide(app, Method::POST, "/api/v1/kyc_applications", Some(&key)).json(&body))
                    .await
            }
        };
        assert_eq!(
            message(
                &post(json!({"user_id": USER, "type": "kyx"})).await,
                StatusCode::UNPROCESSABLE_ENTITY
            ),
            "Failed to create KYC application; Unable to persist a KYC application without a type"
        );
        message(
            &post(json!({"user_id": USER, "provider": "acme"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        message(&post(json!({})).await, StatusCode::UNPROCESSABLE_ENTITY);
        message(
            &post(json!({"user_id": "not-a-uuid"})).await,
            StatusCode::BAD_REQUEST,
        );
        message(
            &post(json!({"user_id": USER, "params": {"first_name": 7}})).await,
            StatusCode::BAD_REQUEST,
        );
        message(
            &post(json!({"user_id": USER, "params": {"params": "x"}})).await,
            StatusCode::BAD_REQUEST,
        );
        let reply =
            post(json!({"user_id": USER, "params": {"webhook_url": "ftp://url.to.my/webhook"}}))
                .await;
        assert!(
            message(&reply, StatusCode::UNPROCESSABLE_ENTITY)
                .starts_with("Failed to create KYC application; webhook_url ")
        );
        let reply = post(json!({"user_id": USER, "params": {"date_of_birth": "yesterday"}})).await;
        assert!(
            message(&reply, StatusCode::UNPROCESSABLE_ENTITY)
                .starts_with("Failed to create KYC application; ")
        );
        let reply = send(
            provide(&app, Method::POST, "/api/v1/kyc_applications", Some(&key))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
        message(&reply, StatusCode::BAD_REQUEST);
        assert_eq!(app.snapshot(&key).await, before, "nothing was written");

        let (created, _) = create(&app, &key, &seed_body(USER)).await;
        let id = created["id"].as_str().unwrap();
        let reply = send(
            provide(
                &app,
                Method::PUT,
                &format!("/api/v1/kyc_applications/{id}"),
                Some(&key),
            )
            .json(&json!({})),
        )
        .await;
        assert_eq!(
            message(&reply, StatusCode::BAD_REQUEST),
            "kyc application update must include status"
        );

        // Missing, malformed and another organization's ids answer alike.
        let foreign = create(&app, &app.other_sandbox.secret, &seed_body(USER))
            .await
            .0;
        for id in [
            "72258a99-1518-4526-a5fa-043081eee7f0",
            "not-a-uuid",
            foreign["id"].as_str().unwrap(),
        ] {
            let path = format!("/api/v1/kyc_applications/{id}");
            let reply = send(provide(&app, Method::GET, &path, Some(&key))).await;
            assert_eq!(
                message(&reply, StatusCode::NOT_FOUND),
                "kyc application not found"
            );
            let reply = put_status(&app, &key, id, "accepted").await;
            assert_eq!(
                message(&reply, StatusCode::NOT_FOUND),
                "kyc application not found"
            );
        }
        for query in ["rpp=0", "page=0", "rpp=x", "rpp=5000"] {
            let path = format!("/api/v1/kyc_applications?{query}");
            message(
                &send(provide(&app, Method::GET, &path, Some(&key))).await,
                StatusCode::BAD_REQUEST,
            );
        }

        // Preflight: 204 with the CORS headers, no credential needed.
        let reply = send(
            app.client
                .request(Method::OPTIONS, app.url("/api/v1/kyc_applications")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert_cors(&reply);
    })
    .await;
}

/// Checks a `provide` delivery's `X-Request-Signature` with Python's own `hmac`.
fn verify_with_python(secret: &str, received: &crate::webhooks::Received) -> bool {
    let script = r#"
import hashlib, hmac, json, sys
request = json.load(sys.stdin)
parts = dict(p.split("=", 1) for p in request["signature"].split(","))
expected = hmac.new(request["secret"].encode(), (parts["t"] + "." + request["body"]).encode(), hashlib.sha256).hexdigest()
sys.exit(0 if hmac.compare_digest(expected, parts["s"]) else 1)
"#;
    let input = json!({
        "secret": secret,
        "body": received.body,
        "signature": received.header("x-request-signature"),
    });
    run_python(script, &input).status.success()
}

/// The seed's create body, its webhooks going to `receiver`.
fn reporting_to(user: &str, receiver: &Receiver) -> Value {
    let mut body = seed_body(user);
    body["params"]["webhook_url"] = json!(receiver.url);
    body
}

#[tokio::test]
async fn status_changes_reach_the_applications_webhook_url_signed_afresh_on_every_attempt() {
    // Retries 1.3 s ± 20 % later: never in the same second, so never the same `t=`.
    for_each_database_with(settings(Duration::from_millis(1300)), |app| async move {
        let key = app.sandbox.secret.clone();
        // The Application's webhook secret: its `provide` endpoint. Its own URL receives
        // only the cases that name no receiver.
        let configured = Receiver::start().await;
        let endpoint = create_endpoint(
            &app,
            &key,
            json!({"url": configured.url, "format": "provide"}),
        )
        .await;
        assert_eq!(endpoint["format"], "provide");
        let secret = endpoint["secret"].as_str().unwrap().to_owned();
        let own = Receiver::start().await;

        let (created, _) = create(&app, &key, &reporting_to(USER, &own)).await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["params"]["webhook_url"], own.url.as_str());
        let case_id = case_id_of(&app, &key, USER).await;
        // Both first attempts fail: each is retried no sooner than 1.04 s later.
        own.fail_next(2);
        app.complete_sandbox(&key, &case_id, "in_review").await;
        // pending → submitted → review: two changes Provide shows (processing is submitted
        // too, and creation is not a change).
        deliver_until(&app, || successes(&own) >= 2).await;
        put_status(&app, &key, &id, "rejected").await;
        deliver_until(&app, || successes(&own) >= 3).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.services.deliver_due_webhooks().await.unwrap();
        let received = own.all();
        assert_eq!(received.len(), 5, "{received:#?}");
        assert!(configured.all().is_empty(), "{:#?}", configured.all());
        let mut statuses = Vec::new();
        for delivery in &received {
            assert!(verify_with_python(&secret, delivery), "{delivery:#?}");
            assert!(!verify_with_python("whsec_other", delivery));
            let status = delivery.json()["status"].as_str().unwrap().to_owned();
            assert_eq!(
                delivery.body,
                format!("{{\"kyc_application_id\":\"{id}\",\"status\":\"{status}\"}}")
            );
            assert_eq!(delivery.header("content-type"), "application/json");
            assert_eq!(delivery.header("accept"), "application/json");
            if delivery.status == 200 {
                statuses.push(status);
            }
        }
        statuses.sort();
        assert_eq!(statuses, ["rejected", "review", "submitted"]);
        // The failed attempt and its retry: one body, two times, two signatures.
        let first = &received[0];
        assert_eq!(first.status, 503);
        let retry = received[1..]
            .iter()
            .find(|r| r.body == first.body && r.status == 200)
            .expect("the retry");
        assert_ne!(
            first.header("x-request-signature"),
            retry.header("x-request-signature")
        );
        // The endpoint's log names where each request went (the other events sent nothing).
        let endpoint_id = endpoint["id"].as_str().unwrap();
        let attempts = app
            .list(
                &key,
                &format!("/v1/webhook_endpoints/{endpoint_id}/attempts"),
            )
            .await;
        let sent: Vec<&Value> = attempts
            .iter()
            .filter(|a| !a["status_code"].is_null())
            .collect();
        assert_eq!(sent.len(), 5, "{attempts:#?}");
        assert!(
            sent.iter().all(|a| a["url"] == own.url.as_str()),
            "{attempts:#?}"
        );

        // A case that names no receiver (made natively) goes to the endpoint's URL.
        let native = app.create_case(&key).await;
        app.complete_sandbox(&key, native["id"].as_str().unwrap(), "approved")
            .await;
        deliver_until(&app, || successes(&configured) >= 2).await;
        for delivery in configured.all() {
            assert!(verify_with_python(&secret, &delivery), "{delivery:#?}");
        }
        assert_eq!(own.all().len(), 5);
    })
    .await;
}

/// Provide sends nothing for most events (checks, notes, creation). Such a delivery says
/// nothing about the receiver, so it must not count as the receiver recovering and release
/// the retries waiting behind a failure.
#[tokio::test]
async fn a_message_provide_sends_nothing_for_releases_no_waiting_retry() {
    // Retries an hour apart: only a release could bring one in during the test. One
    // delivery in flight per endpoint, so a failure settles alone and marks the endpoint
    // failing before the next message, one Provide sends nothing for, is settled.
    let webhooks = WebhookSettings {
        per_endpoint_concurrency: 1,
        ..settings(Duration::from_secs(3600))
    };
    for_each_database_with(webhooks, |app| async move {
        let key = app.sandbox.secret.clone();
        let configured = Receiver::start().await;
        create_endpoint(
            &app,
            &key,
            json!({"url": configured.url, "format": "provide"}),
        )
        .await;
        let own = Receiver::start().await;
        create(&app, &key, &reporting_to(USER, &own)).await;
        let case_id = case_id_of(&app, &key, USER).await;
        own.fail_next(2);
        app.complete_sandbox(&key, &case_id, "in_review").await;
        deliver_until(&app, || own.all().len() >= 2).await;
        // Every other event of the case, and a new case's, is delivered as sending nothing.
        app.create_case(&key).await;
        while app.services.deliver_due_webhooks().await.unwrap() > 0 {}
        let received = own.all();
        assert_eq!(received.len(), 2, "{received:#?}");
        assert!(received.iter().all(|r| r.status == 503), "{received:#?}");
        assert!(configured.all().is_empty(), "{:#?}", configured.all());
    })
    .await;
}

/// An application's receiver that answers 410 Gone ends that delivery, and only that: the
/// Application's endpoint stays enabled for the others.
#[tokio::test]
async fn a_gone_application_receiver_does_not_disable_the_endpoint() {
    for_each_database_with(settings(Duration::from_millis(50)), |app| async move {
        let key = app.sandbox.secret.clone();
        let configured = Receiver::start().await;
        let endpoint = create_endpoint(
            &app,
            &key,
            json!({"url": configured.url, "format": "provide"}),
        )
        .await;
        let gone = Receiver::start().await;
        gone.answer(410);
        create(&app, &key, &reporting_to(USER, &gone)).await;
        let case_id = case_id_of(&app, &key, USER).await;
        app.complete_sandbox(&key, &case_id, "approved").await;
        deliver_until(&app, || !gone.all().is_empty()).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.services.deliver_due_webhooks().await.unwrap();
        let path = format!("/v1/webhook_endpoints/{}", endpoint["id"].as_str().unwrap());
        let after = app.get_json(&key, &path).await;
        assert_eq!(after["enabled"], true, "{after}");
        // Not retried: each change was tried once.
        let tried = gone.all();
        let bodies: std::collections::BTreeSet<&str> =
            tried.iter().map(|r| r.body.as_str()).collect();
        assert_eq!(bodies.len(), tried.len(), "{tried:#?}");
    })
    .await;
}

fn successes(receiver: &Receiver) -> usize {
    receiver.all().iter().filter(|r| r.status == 200).count()
}

#[tokio::test]
async fn look_alike_applicants_need_remediation_and_the_application_sees_them() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let user_token = mint(&app, &key, &json!({"user_id": USER})).await;
        let (first, _) = create(&app, &key, &seed_body(USER)).await;
        let other_user = "47069619-2035-4193-bdd0-af4d5096b649";
        let (second, _) = create(&app, &key, &seed_body(other_user)).await;
        let first_case = case_id_of(&app, &key, USER).await;
        let second_case = case_id_of(&app, &key, other_user).await;
        // The second John Smith born the same day, submitted and checked.
        app.post_json(
            &key,
            &format!("/v1/cases/{second_case}/submit"),
            &json!({}),
            StatusCode::OK,
        )
        .await;
        while app.services.run_due_jobs().await.unwrap() > 0 {}
        let checked = app.get_case(&key, &second_case).await;
        assert_eq!(checked["status"], "in_review", "{checked}");

        let id = second["id"].as_str().unwrap();
        let detail = get(&app, &key, id).await;
        assert_eq!(detail["status"], "remediate");
        let similar = detail["similar_kyc_applications"].as_array().unwrap();
        assert_eq!(similar.len(), 1, "{detail}");
        assert_eq!(similar[0]["id"], first["id"]);
        assert_eq!(similar[0]["user_id"], USER);
        let reply = send(provide(
            &app,
            Method::GET,
            "/api/v1/kyc_applications?status=remediate",
            Some(&key),
        ))
        .await;
        assert_eq!(answer(&reply, StatusCode::OK)[0]["id"], id);

        // A user never sees the look-alikes, even on their own application.
        let first_case_detail = get(&app, &user_token, first["id"].as_str().unwrap()).await;
        assert!(first_case_detail.get("similar_kyc_applications").is_none());
        assert_eq!(app.get_case(&key, &first_case).await["status"], "created");

        // Remediated by hand: accepted.
        let reply = put_status(&app, &key, id, "accepted").await;
        assert_eq!(answer(&reply, StatusCode::ACCEPTED)["status"], "accepted");
    })
    .await;
}

/// An object's keys, sorted, at `pointer`.
fn keys_at(value: &Value, pointer: &str) -> Vec<String> {
    keys_of(
        value
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} in {value}")),
    )
}

#[tokio::test]
async fn retrieve_carries_each_providers_representation_once_submitted() {
    for_each_database(|app| async move {
        let key = app.sandbox.secret.clone();
        let vouched_user = "e494ee10-bbf5-45bb-81aa-7e3561d8c729";
        let identitymind_user = "1bd7e730-67e5-4418-b624-c0c47b072f8b";
        let (vouched, _) = create(&app, &key, &seed_body(vouched_user)).await;
        let mut body = seed_body(identitymind_user);
        body["provider"] = json!("identitymind");
        body["params"]["first_name"] = json!("Joe");
        body["params"]["last_name"] = json!("Lubin");
        let (identitymind, _) = create(&app, &key, &body).await;

        // Before submission there is nothing to represent.
        let pending = get(&app, &key, vouched["id"].as_str().unwrap()).await;
        assert!(
            pending.get("provider_representation").is_none(),
            "{pending}"
        );

        app.complete_sandbox(
            &key,
            &case_id_of(&app, &key, vouched_user).await,
            "rejected",
        )
        .await;
        app.complete_sandbox(
            &key,
            &case_id_of(&app, &key, identitymind_user).await,
            "approved",
        )
        .await;

        // The seed's Vouched example: its keys, less `request` (Provide strips it).
        let detail = get(&app, &key, vouched["id"].as_str().unwrap()).await;
        assert_eq!(detail["status"], "rejected");
        let representation = &detail["provider_representation"];
        assert_eq!(
            keys_at(representation, ""),
            ["errors", "id", "result", "status", "submitted"]
        );
        assert_eq!(
            keys_at(representation, "/result"),
            [
                "confidences",
                "country",
                "dob",
                "errors",
                "firstName",
                "id",
                "lastName",
                "state",
                "success",
                "type"
            ]
        );
        assert_eq!(
            keys_at(representation, "/result/confidences"),
            ["backId", "faceMatch", "id", "idMatch", "selfie"]
        );
        assert_eq!(representation["id"], detail["identifier"]);
        assert_eq!(representation["status"], "completed");
        assert_eq!(representation["result"]["success"], false);
        for error in representation["errors"].as_array().unwrap() {
            assert_eq!(keys_of(error), ["message", "suggestion", "type"]);
        }

        // The seed's IdentityMind example.
        let detail = get(&app, &key, identitymind["id"].as_str().unwrap()).await;
        assert_eq!(detail["status"], "accepted");
        assert_eq!(detail["name"], "Joe Lubin");
        let representation = &detail["provider_representation"];
        assert_eq!(
            keys_at(representation, ""),
            ["ednaScoreCard", "mtid", "rcd", "state", "tid"]
        );
        assert_eq!(
            keys_at(representation, "/ednaScoreCard"),
            ["er", "etr", "sc"]
        );
        assert_eq!(
            keys_at(representation, "/ednaScoreCard/er"),
            ["profile", "reportedRule"]
        );
        assert_eq!(
            keys_at(representation, "/ednaScoreCard/er/reportedRule"),
            [
                "description",
                "details",
                "name",
                "resultCode",
                "ruleId",
                "testResults"
            ]
        );
        assert_eq!(representation["state"], "A");
        assert_eq!(representation["mtid"], detail["identifier"]);
        assert_eq!(
            representation["ednaScoreCard"]["er"]["reportedRule"]["resultCode"],
            "ACCEPT"
        );
        for test in representation["ednaScoreCard"]["etr"].as_array().unwrap() {
            assert_eq!(keys_of(test), ["details", "test"]);
        }
    })
    .await;
}

#[tokio::test]
async fn images_in_params_become_documents_and_the_application_is_submitted() {
    for_each_database(|app| async move {
        use base64::Engine;
        let key = app.sandbox.secret.clone();
        let photo =
            base64::engine::general_purpose::STANDARD.encode(crate::helpers::document_photo());
        let before = app.snapshot(&key).await;
        for (image, reason) in [
            (
                "not base64!".to_owned(),
                "params.id_photo is not base64 image data",
            ),
            ("aGVsbG8gd29ybGQ=".to_owned(), "params.id_photo: "),
        ] {
            let mut body = seed_body(USER);
            body["params"]["id_photo"] = json!(image);
            let reply = send(
                provide(&app, Method::POST, "/api/v1/kyc_applications", Some(&key)).json(&body),
            )
            .await;
            let message = message(&reply, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                message.starts_with(&format!("Failed to create KYC application; {reason}")),
                "{message}"
            );
        }
        assert_eq!(app.snapshot(&key).await, before, "nothing was written");

        let mut body = seed_body(USER);
        body["params"]["id_photo"] = json!(photo);
        body["params"]["selfie"] = json!(format!("data:image/jpeg;base64,{photo}"));
        let (created, _) = create(&app, &key, &body).await;
        assert_eq!(created["status"], "submitted", "{created}");
        assert!(created["identifier"].is_string());
        // The images are documents, not params.
        assert!(created["params"].get("id_photo").is_none());
        assert_eq!(created["params"]["id_photo_back"], "");
        let case_id = case_id_of(&app, &key, USER).await;
        let documents = app
            .get_json(&key, &format!("/v1/cases/{case_id}/documents"))
            .await;
        let types: Vec<&str> = documents["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["id-card", "selfie"]);

        while app.services.run_due_jobs().await.unwrap() > 0 {}
        let detail = get(&app, &key, created["id"].as_str().unwrap()).await;
        assert_ne!(detail["status"], "submitted", "{detail}");
        assert!(detail["provider_representation"]["result"].is_object());
    })
    .await;
}

/// One request a fake provider got.
#[derive(Clone, Debug)]
struct ProviderCall {
    path: String,
    headers: axum::http::HeaderMap,
    body: Value,
}

/// A provider's API on loopback, following the request contract Provide's clients use (a
/// JSON POST): records each call and answers `status` with `answer`.
#[derive(Clone)]
struct FakeProvider {
    url: String,
    calls: std::sync::Arc<std::sync::Mutex<Vec<ProviderCall>>>,
}

impl FakeProvider {
    async fn start(status: u16, answer: Value) -> FakeProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let provider = FakeProvider {
            url: format!("http://{}", listener.local_addr().unwrap()),
            calls: Default::default(),
        };
        let calls = provider.calls.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let calls = calls.clone();
                let answer = answer.clone();
                async move {
                    calls.lock().unwrap().push(ProviderCall {
                        path: uri.to_string(),
                        headers,
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    });
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        axum::Json(answer),
                    )
                }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        provider
    }

    fn calls(&self) -> Vec<ProviderCall> {
        self.calls.lock().unwrap().clone()
    }

    fn account(&self, user: Option<&str>) -> kycore_server::ProviderAccount {
        kycore_server::ProviderAccount {
            url: self.url.clone(),
            user: user.map(str::to_owned),
            api_key: "provider-key".to_owned(),
        }
    }
}

/// Runs the test once per database, Provide's applications dispatched to `providers`.
async fn with_providers<F, Fut>(providers: kycore_server::ProviderAccounts, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in kycore_store::testing::TestDatabase::all().await {
        let edge = crate::helpers::Edge {
            provide_providers: providers.clone(),
            ..crate::helpers::Edge::unlimited()
        };
        let app = TestApp::spawn_edge(&db, |config| config, edge).await;
        test(app).await;
        db.cleanup().await;
    }
}

/// With Vouched configured, an application's params reach Vouched's job API renamed as
/// Provide's code renames them, with the key in `X-Api-Key`; Vouched's job id becomes the
/// `identifier`, and kycore's own checks still run on the images.
#[tokio::test]
async fn a_configured_vouched_receives_the_mapped_job_and_names_the_identifier() {
    use base64::Engine;
    let vouched = FakeProvider::start(
        200,
        json!({"data": {"job": {"id": "OsccQPWf", "status": "active"}}, "errors": []}),
    )
    .await;
    let providers = kycore_server::ProviderAccounts {
        vouched: Some(vouched.account(None)),
        identitymind: None,
    };
    with_providers(providers, |app| {
        let vouched = vouched.clone();
        async move {
            let key = app.sandbox.secret.clone();
            let before = vouched.calls().len();
            let photo =
                base64::engine::general_purpose::STANDARD.encode(crate::helpers::document_photo());
            let mut body = seed_body(USER);
            body["params"]["id_photo"] = json!(photo);
            body["params"]["params"] = json!({"properties": [{"name": "ref", "value": "7"}]});
            let (created, _) = create(&app, &key, &body).await;
            assert_eq!(created["identifier"], "OsccQPWf", "{created}");
            assert_eq!(created["status"], "submitted");
            assert_eq!(created["description"], Value::Null);

            let calls = vouched.calls();
            assert_eq!(calls.len(), before + 1);
            let call = &calls[before];
            assert_eq!(call.path, "/api/jobs");
            assert_eq!(call.headers["x-api-key"], "provider-key");
            assert_eq!(
                call.body,
                json!({
                    "type": "id-verification",
                    "callbackURL": "https://url.to.my/webhook",
                    "params": {
                        "dob": "1988-10-01",
                        "firstName": "John",
                        "lastName": "Smith",
                        "idPhoto": photo,
                        "idPhotoBack": "",
                        "userPhoto": "",
                        "properties": [{"name": "ref", "value": "7"}]
                    }
                })
            );

            // kycore's checks ran on the image all the same.
            while app.services.run_due_jobs().await.unwrap() > 0 {}
            let detail = get(&app, &key, created["id"].as_str().unwrap()).await;
            assert_ne!(detail["status"], "submitted", "{detail}");
            assert_eq!(detail["identifier"], "OsccQPWf");
            assert!(detail["provider_representation"]["result"].is_object());
        }
    })
    .await;
}

/// IdentityMind configured: a refusal fails the application with IdentityMind's own
/// message, as Provide does; an accepted one takes the transaction's `mtid`.
#[tokio::test]
async fn identitymind_refusals_fail_the_application_with_its_message() {
    let refusing = FakeProvider::start(
        400,
        json!({"error_message": "No national id country specified, and invalid format for US Social Security Number"}),
    )
    .await;
    let providers = kycore_server::ProviderAccounts {
        vouched: None,
        identitymind: Some(refusing.account(Some("im-user"))),
    };
    with_providers(providers, |app| {
        let refusing = refusing.clone();
        async move {
            let key = app.sandbox.secret.clone();
            let before = refusing.calls().len();
            let body = json!({
                "user_id": "47069619-2035-4193-bdd0-af4d5096b649",
                "provider": "identitymind",
                "params": {"first_name": "Tim", "last_name": "Evans",
                           "date_of_birth": "1980-02-03", "city": "Springfield"}
            });
            let (created, _) = create(&app, &key, &body).await;
            assert_eq!(created["status"], "failed", "{created}");
            assert_eq!(
                created["description"],
                "No national id country specified, and invalid format for US Social Security Number"
            );
            assert_eq!(created["identifier"], Value::Null);
            let call = &refusing.calls()[before];
            assert_eq!(call.path, "/im/account/consumer?graphScoreResponse=false");
            use base64::Engine;
            let basic = base64::engine::general_purpose::STANDARD.encode("im-user:provider-key");
            assert_eq!(
                call.headers["authorization"],
                format!("Basic {basic}").as_str()
            );
            assert_eq!(
                call.body,
                json!({"man": "Tim Evans", "dob": "1980-02-03", "bc": "Springfield"})
            );
            let detail = get(&app, &key, created["id"].as_str().unwrap()).await;
            assert_eq!(detail["status"], "failed");
            assert_eq!(detail["description"], created["description"]);
            // The same application seen natively: one case, canceled.
            let case_id = case_id_of(&app, &key, "47069619-2035-4193-bdd0-af4d5096b649").await;
            assert_eq!(app.get_case(&key, &case_id).await["status"], "canceled");
            // Vouched is not configured: its applications are kycore's alone.
            let (vouched, _) = create(&app, &key, &seed_body(USER)).await;
            assert_eq!(vouched["status"], "pending");
            assert_eq!(refusing.calls().len(), before + 1);
        }
    })
    .await;

    let accepting = FakeProvider::start(
        200,
        json!({"mtid": "95ed799287ee48ccadf4cf1f654e064c", "state": "R"}),
    )
    .await;
    let providers = kycore_server::ProviderAccounts {
        vouched: None,
        identitymind: Some(accepting.account(Some("im-user"))),
    };
    with_providers(providers, |app| async move {
        let key = app.sandbox.secret.clone();
        let body =
            json!({"user_id": USER, "provider": "identitymind", "params": {"name": "Tim Evans"}});
        let (created, _) = create(&app, &key, &body).await;
        assert_eq!(
            created["identifier"], "95ed799287ee48ccadf4cf1f654e064c",
            "{created}"
        );
        assert_eq!(created["status"], "pending");
    })
    .await;
}

/// A provider that cannot be reached fails the application, saying so.
#[tokio::test]
async fn an_unreachable_provider_fails_the_application() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let providers = kycore_server::ProviderAccounts {
        vouched: Some(kycore_server::ProviderAccount {
            url: closed,
            user: None,
            api_key: "k".to_owned(),
        }),
        identitymind: None,
    };
    with_providers(providers, |app| async move {
        let key = app.sandbox.secret.clone();
        let (created, _) = create(&app, &key, &seed_body(USER)).await;
        assert_eq!(created["status"], "failed", "{created}");
        assert!(
            created["description"]
                .as_str()
                .unwrap()
                .starts_with("vouched could not be reached"),
            "{created}"
        );
    })
    .await;
}

/// An application's documents ([PROPOSED] shapes): an image uploaded as create takes its
/// params, listed, and its file read back; refusals in Provide's shape; only the caller's.
#[tokio::test]
async fn documents_are_uploaded_listed_and_read_back() {
    for_each_database(|app| async move {
        use base64::Engine;
        let key = app.sandbox.secret.clone();
        let photo =
            base64::engine::general_purpose::STANDARD.encode(crate::helpers::document_photo());
        let (created, _) = create(&app, &key, &seed_body(USER)).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/kyc_applications/{id}/documents");
        let upload = |body: Value| {
            let (app, key, path) = (&app, key.clone(), path.clone());
            async move { send(provide(app, Method::POST, &path, Some(&key)).json(&body)).await }
        };

        let before = app.snapshot(&key).await;
        message(
            &upload(json!({"type": "id_photo"})).await,
            StatusCode::BAD_REQUEST,
        );
        for (body, reason) in [
            (
                json!({"type": "passport", "data": photo}),
                "passport is not one of",
            ),
            (
                json!({"type": "id_photo", "data": "not base64!"}),
                "params.id_photo is not base64",
            ),
            (
                json!({"type": "selfie", "data": "aGVsbG8="}),
                "params.selfie: ",
            ),
        ] {
            let said = message(&upload(body).await, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                said.starts_with(&format!(
                    "Failed to upload KYC application document; {reason}"
                )),
                "{said}"
            );
        }
        assert_eq!(app.snapshot(&key).await, before, "nothing was written");

        let reply = upload(json!({"type": "id_photo", "data": photo})).await;
        let document = answer(&reply, StatusCode::CREATED);
        let mut keys = [
            "id",
            "created_at",
            "kyc_application_id",
            "type",
            "side",
            "status",
            "content_type",
            "size_bytes",
        ];
        keys.sort_unstable();
        assert_eq!(keys_of(&document), keys, "{document}");
        assert!(is_uuid(&document["id"]));
        assert_eq!(document["kyc_application_id"], id.as_str());
        assert_eq!(
            (document["type"].as_str(), document["side"].as_str()),
            (Some("id-card"), Some("front"))
        );
        assert_eq!(document["status"], "pending");

        let listed = answer(
            &send(provide(&app, Method::GET, &path, Some(&key))).await,
            StatusCode::OK,
        );
        assert_eq!(listed, json!([document.clone()]));
        let file_path = format!("{path}/{}", document["id"].as_str().unwrap());
        let file = send(provide(&app, Method::GET, &file_path, Some(&key))).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(
            file.content_type(),
            document["content_type"].as_str().unwrap()
        );
        assert_cors(&file);

        // Another user's token, another organization's key, an unknown document: missing.
        let other = mint(
            &app,
            &key,
            &json!({"user_id": "9a253758-197a-4308-8d2d-61cfe9317644"}),
        )
        .await;
        for (bearer, path) in [
            (other.as_str(), path.as_str()),
            (app.other_sandbox.secret.as_str(), path.as_str()),
            (
                key.as_str(),
                &format!("{path}/72258a99-1518-4526-a5fa-043081eee7f0"),
            ),
            (key.as_str(), &format!("{path}/not-a-uuid")),
        ] {
            let reply = send(provide(&app, Method::GET, path, Some(bearer))).await;
            assert_eq!(
                message(&reply, StatusCode::NOT_FOUND),
                "kyc application not found"
            );
        }
    })
    .await;
}
