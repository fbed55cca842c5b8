//! Hosted links as the applicant meets them: a valid link opens the portal without changing
//! the case (mail scanners open links too) and the applicant's first step starts it;
//! tampered, expired, replaced and cross-environment links each get their own plain page and
//! change nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, for_each_database, open_link, start_flow, verification_path};

fn id(case: &Value) -> &str {
    case["id"].as_str().unwrap()
}

/// The case's status and revision, as the API reports them.
async fn state(app: &TestApp, case: &Value) -> (Value, Value) {
    let now = app.get_case(&app.sandbox.secret, id(case)).await;
    (now["status"].clone(), now["revision"].clone())
}

/// `/verify/<token>` with the token's three parts rewritten by `edit`.
fn rewrite_token(case: &Value, edit: impl FnOnce(&mut Vec<String>)) -> String {
    let mut parts: Vec<String> = case["token"]
        .as_str()
        .unwrap()
        .split('.')
        .map(str::to_owned)
        .collect();
    assert_eq!(parts.len(), 3);
    edit(&mut parts);
    format!("/verify/{}", parts.join("."))
}

#[tokio::test]
async fn opening_a_link_changes_nothing_until_the_first_step() {
    for_each_database(|app| async move {
        let case = app.create_case(&app.sandbox.secret).await;
        let path = verification_path(&case);
        let page = open_link(&app, &path).await;
        let html = page.html(StatusCode::OK);
        assert!(html.contains("Before you start"));
        assert_eq!(page.header("cache-control"), Some("no-store"));
        open_link(&app, &path).await.html(StatusCode::OK);
        assert_eq!(state(&app, &case).await, (json!("created"), json!(1)));
        assert_eq!(
            app.case_events(&app.sandbox.secret, id(&case)).await.len(),
            1
        );

        start_flow(&app, &path).await;
        assert_eq!(state(&app, &case).await, (json!("in_progress"), json!(2)));
        // The same step again changes nothing.
        start_flow(&app, &path).await;
        assert_eq!(state(&app, &case).await, (json!("in_progress"), json!(2)));
        let events = app.case_events(&app.sandbox.secret, id(&case)).await;
        crate::helpers::assert_event_trail(
            &events,
            &[
                ("case.created", None),
                ("case.status_changed", Some(("created", "in_progress"))),
            ],
        );
        // The token stays the same while the link is unchanged.
        assert_eq!(
            app.get_case(&app.sandbox.secret, id(&case)).await["token"],
            case["token"]
        );
    })
    .await;
}

#[tokio::test]
async fn tampered_and_foreign_tokens_are_404() {
    for_each_database(|app| async move {
        let case = app.create_case(&app.sandbox.secret).await;
        let flipped_signature = rewrite_token(&case, |parts| {
            let signature = &mut parts[2];
            let middle = signature.len() / 2;
            let replacement = if &signature[middle..=middle] == "A" {
                "B"
            } else {
                "A"
            };
            signature.replace_range(middle..=middle, replacement);
        });
        let other_environment = rewrite_token(&case, |parts| {
            let mut claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
            assert_eq!(claims["env"], "sandbox");
            claims["env"] = json!("live");
            parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        });
        let other_organization = rewrite_token(&case, |parts| {
            let mut claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
            claims["org"] = json!(app.other_organization_id.as_str());
            parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        });
        let unsigned = rewrite_token(&case, |parts| parts[2].clear());
        for path in [
            flipped_signature,
            other_environment,
            other_organization,
            unsigned,
            "/verify/not-a-token".to_owned(),
        ] {
            let html = open_link(&app, &path).await.html(StatusCode::NOT_FOUND);
            assert!(html.contains("This link does not work"), "{path}");
        }
        assert_eq!(state(&app, &case).await, (json!("created"), json!(1)));
    })
    .await;
}

#[tokio::test]
async fn expired_links_are_410() {
    for_each_database(|app| async move {
        let case = app.create_case(&app.sandbox.secret).await;
        app.expire_link_in_database(id(&case)).await;
        let expired = app.get_case(&app.sandbox.secret, id(&case)).await;
        assert_ne!(expired["token"], case["token"]);
        let html = open_link(&app, &verification_path(&expired))
            .await
            .html(StatusCode::GONE);
        assert!(html.contains("expired"));
        assert_eq!(state(&app, &case).await, (json!("created"), json!(1)));
    })
    .await;
}

#[tokio::test]
async fn a_reissued_link_replaces_the_old_one() {
    for_each_database(|app| async move {
        let case = app.create_case(&app.sandbox.secret).await;
        let reissued = app
            .post_json(
                &app.sandbox.secret,
                &format!("/v1/cases/{}/link", id(&case)),
                &json!({}),
                StatusCode::OK,
            )
            .await;
        assert_ne!(reissued["token"], case["token"]);
        assert_eq!(
            (reissued["status"].clone(), reissued["revision"].clone()),
            (json!("created"), json!(2))
        );

        let html = open_link(&app, &verification_path(&case))
            .await
            .html(StatusCode::GONE);
        assert!(html.contains("replaced"));
        assert_eq!(state(&app, &case).await, (json!("created"), json!(2)));
        open_link(&app, &verification_path(&reissued))
            .await
            .html(StatusCode::OK);
        assert_eq!(state(&app, &case).await, (json!("created"), json!(2)));
        start_flow(&app, &verification_path(&reissued)).await;
        assert_eq!(state(&app, &case).await, (json!("in_progress"), json!(3)));

        // An expired link can be renewed, and the renewed one works.
        let other = app.create_case(&app.sandbox.secret).await;
        app.expire_link_in_database(id(&other)).await;
        let renewed = app
            .post_json(
                &app.sandbox.secret,
                &format!("/v1/cases/{}/link", id(&other)),
                &json!({}),
                StatusCode::OK,
            )
            .await;
        open_link(&app, &verification_path(&renewed))
            .await
            .html(StatusCode::OK);
    })
    .await;
}
