//! API authentication: which credentials open `/v1` and which are refused, each with its own
//! stable code.

use reqwest::{Method, StatusCode};

use crate::helpers::{for_each_database, send};

#[tokio::test]
async fn missing_and_unknown_keys_are_refused() {
    for_each_database(|app| async move {
        let none = send(app.client.get(app.url("/v1/cases"))).await;
        none.problem(StatusCode::UNAUTHORIZED, "missing_api_key");
        assert_eq!(none.header("www-authenticate"), Some("Bearer"));

        for garbage in ["garbage", "kc_test_not-a-real-key", "kc_live_", "Basic abc"] {
            app.get_problem(
                garbage,
                "/v1/cases",
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
            )
            .await;
        }
        let other_scheme = app
            .client
            .get(app.url("/v1/cases"))
            .header("authorization", format!("Basic {}", app.sandbox.secret));
        send(other_scheme)
            .await
            .problem(StatusCode::UNAUTHORIZED, "missing_api_key");
    })
    .await;
}

#[tokio::test]
async fn publishable_keys_are_not_secret_keys() {
    for_each_database(|app| async move {
        for key in [&app.sandbox.publishable, &app.live.publishable] {
            app.get_problem(
                key,
                "/v1/cases",
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
            )
            .await;
            let via_header = app
                .client
                .get(app.url("/v1/cases"))
                .header("x-api-key", key.as_str());
            send(via_header)
                .await
                .problem(StatusCode::UNAUTHORIZED, "invalid_api_key");
        }
    })
    .await;
}

#[tokio::test]
async fn revoked_keys_stop_working() {
    for_each_database(|app| async move {
        let (id, key) = app.extra_sandbox_key().await;
        app.get_json(&key, "/v1/cases").await;
        app.services
            .revoke_key(&app.organization_id, &id)
            .await
            .unwrap();
        app.get_problem(
            &key,
            "/v1/cases",
            StatusCode::UNAUTHORIZED,
            "revoked_api_key",
        )
        .await;
        // The organization's other keys are untouched.
        app.get_json(&app.sandbox.secret, "/v1/cases").await;
    })
    .await;
}

#[tokio::test]
async fn bearer_and_x_api_key_both_authenticate() {
    for_each_database(|app| async move {
        let case = app.create_case(&app.sandbox.secret).await;
        let path = format!("/v1/cases/{}", case["id"].as_str().unwrap());
        let by_bearer = send(app.request(Method::GET, &path, &app.sandbox.secret))
            .await
            .json(StatusCode::OK);
        let by_header = send(
            app.client
                .get(app.url(&path))
                .header("x-api-key", app.sandbox.secret.as_str()),
        )
        .await
        .json(StatusCode::OK);
        assert_eq!(by_bearer, by_header);
        let lower_case = app
            .client
            .get(app.url(&path))
            .header("authorization", format!("bearer {}", app.sandbox.secret));
        assert_eq!(send(lower_case).await.json(StatusCode::OK), by_bearer);
    })
    .await;
}
