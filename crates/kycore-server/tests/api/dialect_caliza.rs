//! Caliza's dialect, replayed from Caliza's documents: the integrator and its webhook
//! configuration, beneficiaries with Caliza's field rules and error shapes, the seed's
//! verification flow (create a session, poll it), one session under concurrent starts, the
//! sandbox approval, and `caliza` webhooks whose signature is checked by Python's own hmac.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, for_each_database, open_link, send};
use crate::webhooks::{Receiver, deliver_until, for_each_database_with, settings};

fn caliza(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let request = app
        .client
        .request(method, app.url(path))
        .header("content-type", "application/json");
    match token {
        Some(token) => request.header("authorization", format!("Bearer {token}")),
        None => request,
    }
}

fn answer(reply: &Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    serde_json::from_str(&reply.text()).unwrap()
}

/// A coded Caliza error of `status`, its `code` returned.
fn coded_error(reply: &Reply, status: StatusCode) -> String {
    let body = answer(reply, status);
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message", "path", "traceId"], "{body}");
    assert!(body["path"].as_str().unwrap().contains("/v1/"), "{body}");
    body["code"].as_str().unwrap().to_owned()
}

fn person(first_name: &str) -> Value {
    json!({
        "firstName": first_name, "lastName": "Doe", "dateOfBirth": "1990-04-12",
        "citizenship": "US", "idNumber": "123456789", "email": "jane@example.com",
        "phoneNumber": "+14155550123",
        "address": {"streetOne": "1 Market St", "city": "San Francisco", "zipcode": "94105",
                    "state": "CA", "country": "US"},
    })
}

const TOKEN_PATH: &str = "/auth/realms/caliza/protocol/openid-connect/token";

/// Posts a form to the token endpoint.
async fn token_request(app: &TestApp, form: &[(&str, &str)]) -> Reply {
    send(app.client.post(app.url(TOKEN_PATH)).form(form)).await
}

/// An access token for the keys, by the client-credentials grant.
async fn access_token(app: &TestApp, keys: &crate::helpers::Keys) -> String {
    let reply = token_request(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &keys.publishable),
            ("client_secret", &keys.secret),
        ],
    )
    .await;
    answer(&reply, StatusCode::OK)["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn oauth_error(reply: &Reply, status: StatusCode) -> String {
    let body = answer(reply, status);
    assert!(body["error_description"].is_string(), "{body}");
    body["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_token_endpoint_grants_refreshes_and_refuses_as_keycloak_does() {
    for_each_database(|app| async move {
        let keys = app.sandbox.clone();
        let granted = token_request(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &keys.publishable),
                ("client_secret", &keys.secret),
            ],
        )
        .await;
        let body = answer(&granted, StatusCode::OK);
        let mut fields: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "access_token",
                "expires_in",
                "not-before-policy",
                "refresh_expires_in",
                "refresh_token",
                "scope",
                "session_state",
                "token_type"
            ]
        );
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_in"].as_u64().unwrap() > 0);
        let access = body["access_token"].as_str().unwrap();
        let refresh = body["refresh_token"].as_str().unwrap();
        let me = send(caliza(
            &app,
            Method::GET,
            "/core-api/v1/integrators/me",
            Some(access),
        ))
        .await;
        assert_eq!(
            answer(&me, StatusCode::OK)["integratorId"],
            app.organization_id.to_string()
        );

        // HTTP Basic, the password grant and a refresh all give working tokens.
        let basic = send(
            app.client
                .post(app.url(TOKEN_PATH))
                .basic_auth(&keys.publishable, Some(&keys.secret))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
        answer(&basic, StatusCode::OK);
        let password = token_request(
            &app,
            &[
                ("grant_type", "password"),
                ("username", &keys.publishable),
                ("password", &keys.secret),
                ("scope", "openid"),
            ],
        )
        .await;
        answer(&password, StatusCode::OK);
        let refreshed = token_request(
            &app,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
        let renewed = answer(&refreshed, StatusCode::OK)["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let me = send(caliza(
            &app,
            Method::GET,
            "/v1/integrators/me",
            Some(&renewed),
        ))
        .await;
        answer(&me, StatusCode::OK);

        // Refusals in OAuth's shape.
        for (form, status, error) in [
            (
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", keys.publishable.as_str()),
                    ("client_secret", "kc_test_wrong"),
                ],
                StatusCode::UNAUTHORIZED,
                "invalid_client",
            ),
            (
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", app.other_sandbox.publishable.as_str()),
                    ("client_secret", keys.secret.as_str()),
                ],
                StatusCode::UNAUTHORIZED,
                "invalid_client",
            ),
            (
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", app.live.publishable.as_str()),
                    ("client_secret", keys.secret.as_str()),
                ],
                StatusCode::UNAUTHORIZED,
                "invalid_client",
            ),
            (
                vec![
                    ("grant_type", "password"),
                    ("username", keys.publishable.as_str()),
                    ("password", "nope"),
                ],
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
            ),
            (
                vec![("grant_type", "password")],
                StatusCode::BAD_REQUEST,
                "invalid_request",
            ),
            (
                vec![("grant_type", "refresh_token"), ("refresh_token", access)],
                StatusCode::BAD_REQUEST,
                "invalid_grant",
            ),
            (
                vec![("grant_type", "authorization_code"), ("code", "x")],
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
            ),
            (
                vec![("client_id", keys.publishable.as_str())],
                StatusCode::BAD_REQUEST,
                "invalid_request",
            ),
        ] {
            let reply = token_request(&app, &form).await;
            assert_eq!(oauth_error(&reply, status), error, "{form:?}");
        }
        let json_body = send(
            app.client
                .post(app.url(TOKEN_PATH))
                .json(&json!({"grant_type": "client_credentials"})),
        )
        .await;
        assert_eq!(
            oauth_error(&json_body, StatusCode::BAD_REQUEST),
            "invalid_request"
        );

        // A refresh token, a forged token and an expired one do not call the API.
        let mut forged = access.to_owned();
        forged.pop();
        forged.push(if access.ends_with('A') { 'B' } else { 'A' });
        let minter = app.services.authenticate(&keys.secret).await.unwrap();
        let expired = app
            .services
            .mint_expiring_key_token(&minter, "integrator:x", 0)
            .unwrap()
            .token;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        for token in [refresh, forged.as_str(), expired.as_str()] {
            let reply = send(caliza(&app, Method::GET, "/v1/integrators/me", Some(token))).await;
            coded_error(&reply, StatusCode::UNAUTHORIZED);
        }
    })
    .await;
}

async fn set_callback(app: &TestApp, token: &str, url: &str) {
    let path = format!("/core-api/v1/integrators/{}/webhooks", app.organization_id);
    let reply =
        send(caliza(app, Method::PATCH, &path, Some(token)).json(&json!({"callbackUrl": url})))
            .await;
    let body = answer(&reply, StatusCode::OK);
    assert_eq!(body["callbackUrl"], url);
}

async fn create_beneficiary(app: &TestApp, token: &str, external: &str) -> Value {
    let body = json!({"integratorBeneficiaryId": external, "type": "INDIVIDUAL", "person": person("Jane")});
    let reply =
        send(caliza(app, Method::POST, "/core-api/v1/beneficiaries", Some(token)).json(&body))
            .await;
    answer(&reply, StatusCode::CREATED)
}

#[tokio::test]
async fn integrators_beneficiaries_and_their_errors_follow_calizas_documents() {
    for_each_database(|app| async move {
        let token = app.sandbox.secret.clone();
        let org = app.organization_id.to_string();

        let reply = send(caliza(&app, Method::GET, "/v1/integrators/me", None)).await;
        coded_error(&reply, StatusCode::UNAUTHORIZED);
        let me = answer(&send(caliza(&app, Method::GET, "/v1/integrators/me", Some(&token))).await, StatusCode::OK);
        assert_eq!(me["integratorId"], org.as_str());
        assert!(me["callbackUrl"].is_null());

        // No callback URL yet: beneficiaries are refused as documented.
        let body = json!({"integratorBeneficiaryId": "my-user-001", "type": "INDIVIDUAL", "person": person("Jane")});
        let reply = send(caliza(&app, Method::POST, "/v1/beneficiaries", Some(&token)).json(&body)).await;
        assert_eq!(coded_error(&reply, StatusCode::PRECONDITION_FAILED), "callback_url.not_set");

        set_callback(&app, &token, "https://93.184.215.14/caliza").await;
        let secret_path = format!("/v1/integrators/{org}/webhook-secret");
        let first = answer(&send(caliza(&app, Method::GET, &secret_path, Some(&token))).await, StatusCode::OK);
        let rotate_path = format!("/v1/integrators/{org}/update-webhook-secret");
        let rotated = answer(&send(caliza(&app, Method::POST, &rotate_path, Some(&token))).await, StatusCode::OK);
        assert_ne!(first["webhookSecret"], rotated["webhookSecret"]);
        let now = answer(&send(caliza(&app, Method::GET, &secret_path, Some(&token))).await, StatusCode::OK);
        assert_eq!(now["webhookSecret"], rotated["webhookSecret"]);
        let theirs = format!("/v1/integrators/{}/webhooks", app.other_organization_id);
        let reply = send(caliza(&app, Method::GET, &theirs, Some(&token))).await;
        assert_eq!(coded_error(&reply, StatusCode::NOT_FOUND), "integrator.not_found");

        // The documented create answer.
        let created = create_beneficiary(&app, &token, "my-user-001").await;
        let mut keys: Vec<&str> = created.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["active", "createdDate", "id", "integratorBeneficiaryId", "integratorId", "kycVerified", "status", "type"]
        );
        assert_eq!(created["status"], "PENDING");
        assert_eq!(created["kycVerified"], false);
        assert_eq!(created["integratorId"], org.as_str());
        let id = created["id"].as_str().unwrap().to_owned();

        let reply = send(caliza(&app, Method::POST, "/v1/beneficiaries", Some(&token)).json(&body)).await;
        assert_eq!(coded_error(&reply, StatusCode::CONFLICT), "beneficiary.conflict");

        // Field rules: one sentence per broken rule, nothing written.
        let mut bad = person("J");
        bad["phoneNumber"] = json!("4155550123");
        bad["address"]["state"] = json!("California");
        bad["lastName"] = json!("x".repeat(101));
        let reply = send(
            caliza(&app, Method::POST, "/v1/beneficiaries", Some(&token))
                .json(&json!({"integratorBeneficiaryId": "bad-1", "type": "INDIVIDUAL", "person": bad})),
        )
        .await;
        let errors = answer(&reply, StatusCode::BAD_REQUEST)["errors"].clone();
        let errors: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("person.phoneNumber")));
        assert!(errors.iter().any(|e| e.starts_with("person.address.state")));
        assert!(errors.iter().any(|e| e.starts_with("person.lastName")));
        for missing in [json!({"type": "INDIVIDUAL", "person": person("J")}), json!({"integratorBeneficiaryId": "x"}), json!({"integratorBeneficiaryId": "x", "type": "ROBOT"})] {
            let reply = send(caliza(&app, Method::POST, "/v1/beneficiaries", Some(&token)).json(&missing)).await;
            assert!(answer(&reply, StatusCode::BAD_REQUEST)["errors"].is_array(), "{missing}");
        }
        let mut wrong_country = person("J");
        wrong_country["citizenship"] = json!("Utopia");
        let reply = send(
            caliza(&app, Method::POST, "/v1/beneficiaries", Some(&token))
                .json(&json!({"integratorBeneficiaryId": "bad-2", "type": "PERSON", "person": wrong_country})),
        )
        .await;
        let errors = answer(&reply, StatusCode::BAD_REQUEST)["errors"].clone();
        assert!(errors[0].as_str().unwrap().starts_with("person.citizenship"), "{errors}");

        let business = json!({"integratorBeneficiaryId": "acme", "type": "BUSINESS",
            "business": {"legalName": "Acme Inc", "incorporationCountry": "US", "registrationNumber": "12-3456789"}});
        let reply = send(caliza(&app, Method::POST, "/v1/beneficiaries", Some(&token)).json(&business)).await;
        assert_eq!(answer(&reply, StatusCode::CREATED)["type"], "BUSINESS");

        let list = answer(&send(caliza(&app, Method::GET, "/v1/beneficiaries?page=0&size=1", Some(&token))).await, StatusCode::OK);
        assert_eq!(list["totalElements"], 2);
        assert_eq!(list["totalPages"], 2);
        assert_eq!(list["content"].as_array().unwrap().len(), 1);

        // Read back with its data; another organization's id answers like a missing one.
        let got = answer(&send(caliza(&app, Method::GET, &format!("/v1/beneficiaries/{id}"), Some(&token))).await, StatusCode::OK);
        assert_eq!(got["person"]["firstName"], "Jane");
        assert_eq!(got["person"]["address"]["zipcode"], "94105");
        for (key, path) in [
            (&app.other_sandbox.secret, format!("/v1/beneficiaries/{id}")),
            (&app.live.secret, format!("/v1/beneficiaries/{id}")),
            (&token, "/v1/beneficiaries/app_01jzzzzzzzzzzzzzzzzzzzzzzz".to_owned()),
        ] {
            let reply = send(caliza(&app, Method::GET, &path, Some(key))).await;
            assert_eq!(coded_error(&reply, StatusCode::NOT_FOUND), "beneficiary.not_found");
        }

        // Changed while pending.
        let mut changed = person("Janet");
        changed["lastName"] = json!("Roe");
        let reply = send(
            caliza(&app, Method::PUT, &format!("/v1/beneficiaries/{id}"), Some(&token))
                .json(&json!({"type": "INDIVIDUAL", "person": changed})),
        )
        .await;
        assert_eq!(answer(&reply, StatusCode::OK)["person"]["firstName"], "Janet");
    })
    .await;
}

#[tokio::test]
async fn one_session_per_beneficiary_even_when_started_concurrently() {
    for_each_database(|app| async move {
        let token = app.sandbox.secret.clone();
        set_callback(&app, &token, "https://93.184.215.14/caliza").await;
        let beneficiary = create_beneficiary(&app, &token, "concurrent").await;
        let path = format!(
            "/core-api/v1/beneficiaries/{}/verification",
            beneficiary["id"].as_str().unwrap()
        );
        let starts = (0..6).map(|_| send(caliza(&app, Method::POST, &path, Some(&token))));
        let replies = futures_util::future::join_all(starts).await;
        let created = replies
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "exactly one new session");
        let ids: std::collections::BTreeSet<String> = replies
            .iter()
            .map(|r| {
                assert!(r.status.is_success(), "{}", r.text());
                serde_json::from_str::<Value>(&r.text()).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 1, "{ids:?}");
        let cases = app
            .list(
                &token,
                &format!(
                    "/v1/cases?applicant_id={}",
                    beneficiary["id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(cases.len(), 1);
    })
    .await;
}

/// Checks Caliza signatures with Python's hmac, as Caliza's guide does: for each body,
/// whether the signature is the base64 HMAC-SHA256 of the raw body under `secret`.
fn verify_signatures(secret: &str, received: &[crate::webhooks::Received]) -> Vec<bool> {
    let script = r#"
import base64, hashlib, hmac, json, sys
request = json.load(sys.stdin)
key = request["secret"].encode()
print(json.dumps([
    hmac.compare_digest(
        base64.b64encode(hmac.new(key, item["body"].encode(), hashlib.sha256).digest()).decode(),
        item["signature"])
    for item in request["items"]
]))
"#;
    let items: Vec<Value> = received
        .iter()
        .map(|r| json!({"body": r.body, "signature": r.header("x-caliza-webhook-signature")}))
        .collect();
    let answer = crate::helpers::python_json(script, &json!({"secret": secret, "items": items}));
    serde_json::from_value(answer).unwrap()
}

#[tokio::test]
async fn the_seed_flow_ends_approved_with_a_signed_webhook() {
    for_each_database_with(settings(Duration::from_millis(50)), |app| async move {
        // The seed's flow starts with a token.
        let token = access_token(&app, &app.sandbox).await;
        let receiver = Receiver::start().await;
        set_callback(&app, &token, &receiver.url).await;
        let org = app.organization_id.to_string();
        let secret_path = format!("/v1/integrators/{org}/webhook-secret");
        let secret = answer(
            &send(caliza(&app, Method::GET, &secret_path, Some(&token))).await,
            StatusCode::OK,
        )["webhookSecret"]
            .as_str()
            .unwrap()
            .to_owned();

        let approved = create_beneficiary(&app, &token, "approved-user").await;
        let approved_id = approved["id"].as_str().unwrap().to_owned();
        let path = format!("/core-api/v1/beneficiaries/{approved_id}/verification");
        // The seed's request: a JSON content type and no body.
        let session = answer(
            &send(caliza(&app, Method::POST, &path, Some(&token))).await,
            StatusCode::CREATED,
        );
        let mut keys: Vec<&str> = session
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "beneficiaryId",
                "createdDate",
                "id",
                "lastModifiedDate",
                "status",
                "type",
                "verificationType",
                "verificationUrl"
            ]
        );
        assert_eq!(session["status"], "PENDING");
        assert_eq!(session["type"], "INDIVIDUAL");
        assert_eq!(session["verificationType"], "INTERACTIVE");
        assert_eq!(session["beneficiaryId"], approved_id.as_str());
        let url = session["verificationUrl"].as_str().unwrap();
        let path_of_url = &url[url.find("/verify/").unwrap()..];
        assert!(
            open_link(&app, path_of_url)
                .await
                .html(StatusCode::OK)
                .contains("<form")
        );
        let again = answer(
            &send(
                caliza(&app, Method::POST, &path, Some(&token))
                    .json(&json!({"type": "INTERACTIVE"})),
            )
            .await,
            StatusCode::OK,
        );
        assert_eq!(again["id"], session["id"]);
        let polled = answer(
            &send(caliza(&app, Method::GET, &path, Some(&token))).await,
            StatusCode::OK,
        );
        assert_eq!(polled["status"], "PENDING");

        let approve = format!("/v1/beneficiaries/{approved_id}/verification/approve");
        let done = answer(
            &send(caliza(&app, Method::POST, &approve, Some(&token))).await,
            StatusCode::OK,
        );
        assert_eq!(done["status"], "SUCCEEDED");
        assert!(done["verificationUrl"].is_null());
        let beneficiary = answer(
            &send(caliza(
                &app,
                Method::GET,
                &format!("/v1/beneficiaries/{approved_id}"),
                Some(&token),
            ))
            .await,
            StatusCode::OK,
        );
        assert_eq!(beneficiary["status"], "APPROVED");
        assert_eq!(beneficiary["kycVerified"], true);
        let reply = send(
            caliza(
                &app,
                Method::PUT,
                &format!("/v1/beneficiaries/{approved_id}"),
                Some(&token),
            )
            .json(&json!({"type": "INDIVIDUAL", "person": person("Late")})),
        )
        .await;
        assert_eq!(
            coded_error(&reply, StatusCode::PRECONDITION_FAILED),
            "beneficiary.operation_not_permitted"
        );

        // A rejected one fails with its reason.
        let failed = create_beneficiary(&app, &token, "failed-user").await;
        let failed_id = failed["id"].as_str().unwrap().to_owned();
        let session = answer(
            &send(caliza(
                &app,
                Method::POST,
                &format!("/v1/beneficiaries/{failed_id}/verification"),
                Some(&token),
            ))
            .await,
            StatusCode::CREATED,
        );
        let case_id = session["id"].as_str().unwrap();
        // An analyst rejects it, through the native API.
        let api_key = &app.sandbox.secret;
        app.complete_sandbox(api_key, case_id, "in_review").await;
        app.decide(
            api_key,
            case_id,
            &json!({"decision": "reject", "reason_code": "document_forged"}),
            StatusCode::OK,
        )
        .await;

        deliver_until(&app, || receiver.all().len() >= 2).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.services.deliver_due_webhooks().await.unwrap();
        let received = receiver.all();
        assert_eq!(received.len(), 2, "{received:#?}");
        assert_eq!(verify_signatures(&secret, &received), [true, true]);
        assert_eq!(
            verify_signatures("another secret", &received),
            [false, false]
        );
        let bodies: Vec<Value> = received.iter().map(|r| r.json()).collect();
        let approved_hook = bodies
            .iter()
            .find(|b| b["operation"] == "BENEFICIARY_APPROVED")
            .unwrap();
        assert_eq!(approved_hook["resourceId"], approved_id.as_str());
        assert_eq!(approved_hook["beneficiaryId"], approved_id.as_str());
        assert_eq!(approved_hook["integratorId"], org.as_str());
        assert_eq!(approved_hook["success"], true);
        assert!(approved_hook["message"].is_null());
        assert_eq!(approved_hook["data"]["status"], "APPROVED");
        assert_eq!(
            approved_hook["data"]["integratorBeneficiaryId"],
            "approved-user"
        );
        let created_at = approved_hook["createdAt"].as_str().unwrap();
        assert_eq!(created_at.len(), 26, "{created_at}");
        assert!(!created_at.ends_with('Z'));
        let failed_hook = bodies
            .iter()
            .find(|b| b["operation"] == "BENEFICIARY_FAILED")
            .unwrap();
        assert_eq!(failed_hook["success"], false);
        assert_eq!(failed_hook["message"], "document_forged");
        assert_eq!(failed_hook["data"]["kycVerified"], false);

        // Sandbox only.
        let live = access_token(&app, &app.live).await;
        let reply = send(caliza(&app, Method::POST, &approve, Some(&live))).await;
        assert_eq!(
            coded_error(&reply, StatusCode::PRECONDITION_FAILED),
            "operation.not_allowed_outside_sandbox"
        );
    })
    .await;
}
