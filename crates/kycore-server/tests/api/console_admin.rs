//! The console's operations pages over HTTP: an admin creates and revokes API keys, creates,
//! resets and disables console users, creates a flow from JSON (errors shown in place) and
//! reads the watchlists page; each action audited as the admin, and no other role reaches
//! them.

use kycore_services::console_users::Role;
use reqwest::StatusCode;

use crate::console::{browser, get, post, sign_in, switch_to_sandbox};
use crate::helpers::{TestApp, for_each_database, send};

/// The text of the element with this id (a value shown once).
fn element_text(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {page}"))
        + marker.len();
    page[start..][..page[start..].find('<').unwrap()].to_owned()
}

/// An admin signed in to the sandbox: the client and its CSRF token.
async fn admin_in_sandbox(app: &TestApp, email: &str) -> (reqwest::Client, String, String) {
    let admin = app
        .services
        .create_console_user(&app.organization_id, email, Role::Admin)
        .await
        .unwrap();
    let client = browser();
    let csrf = sign_in(&client, app, email, &admin.password).await;
    switch_to_sandbox(&client, app, &csrf).await;
    (client, csrf, admin.id)
}

/// The audit trail's actions with their actor ids.
async fn audited(app: &TestApp) -> Vec<(String, String)> {
    let trail = app
        .get_json(&app.sandbox.secret, "/v1/audit?limit=100")
        .await;
    trail["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["actor_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_admin_creates_and_revokes_an_api_key() {
    for_each_database(|app| async move {
        let (client, csrf, admin) = admin_in_sandbox(&app, "keys@example.com").await;
        let answer = post(
            &client,
            &app,
            "/console/keys",
            &[("csrf", &csrf), ("kind", "secret")],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::CREATED);
        let page = answer.text().await.unwrap();
        let key = element_text(&page, "new-key-value");
        assert!(key.starts_with("kc_test_"), "a sandbox secret key: {key}");
        let flows = send(app.request(reqwest::Method::GET, "/v1/flows", &key)).await;
        assert_eq!(flows.status, StatusCode::OK, "the new key works");
        // The list shows the key by its start only; the full key is not on the page again.
        let (_, page) = get(&client, &app, "/console/keys").await;
        assert!(!page.contains(&key), "{page}");
        let key_id = app
            .services
            .list_keys(&app.organization_id)
            .await
            .unwrap()
            .into_iter()
            .find(|k| key.starts_with(k.hint.trim_end_matches('…')) && k.revoked_at.is_none())
            .unwrap()
            .id;
        assert!(page.contains(&format!("revoke-{key_id}")), "{page}");

        let revoke = format!("/console/keys/{key_id}/revoke");
        let answer = post(&client, &app, &revoke, &[("csrf", &csrf)]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let flows = send(app.request(reqwest::Method::GET, "/v1/flows", &key)).await;
        assert_eq!(flows.status, StatusCode::UNAUTHORIZED, "revoked");
        // Revoking again, or a live key from the sandbox, finds no active key.
        let answer = post(&client, &app, &revoke, &[("csrf", &csrf)]).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        let live = app
            .services
            .list_keys(&app.organization_id)
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.environment == "live" && k.revoked_at.is_none())
            .unwrap();
        let answer = post(
            &client,
            &app,
            &format!("/console/keys/{}/revoke", live.id),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        let live_key = app.live.secret.clone();
        let still = send(app.request(reqwest::Method::GET, "/v1/flows", &live_key)).await;
        assert_eq!(still.status, StatusCode::OK);

        let actions = audited(&app).await;
        for action in ["api_key.created", "api_key.revoked"] {
            assert!(
                actions.contains(&(action.to_owned(), admin.clone())),
                "{action} by the admin: {actions:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn an_admin_creates_resets_and_disables_users() {
    for_each_database(|app| async move {
        let (client, csrf, admin) = admin_in_sandbox(&app, "people@example.com").await;
        let answer = post(
            &client,
            &app,
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "new.analyst@example.com"),
                ("role", "analyst"),
            ],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::OK);
        let page = answer.text().await.unwrap();
        let password = element_text(&page, "new-password-value");
        let analyst = browser();
        sign_in(&analyst, &app, "new.analyst@example.com", &password).await;
        // The same e-mail twice is refused in place.
        let answer = post(
            &client,
            &app,
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "new.analyst@example.com"),
                ("role", "viewer"),
            ],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::CONFLICT);
        assert!(answer.text().await.unwrap().contains("users-error"));
        // A role that does not exist is a bad form.
        let answer = post(
            &client,
            &app,
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "x@example.com"),
                ("role", "owner"),
            ],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);

        let users = app
            .services
            .list_console_users(&app.organization_id)
            .await
            .unwrap();
        let new_id = users
            .iter()
            .find(|u| u.email == "new.analyst@example.com")
            .unwrap()
            .id
            .clone();
        // A new password: the old one stops working, the analyst is signed out.
        let answer = post(
            &client,
            &app,
            &format!("/console/users/{new_id}/password"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::OK);
        let fresh = element_text(&answer.text().await.unwrap(), "new-password-value");
        assert_ne!(fresh, password);
        let (status, _) = get(&analyst, &app, "/console/cases").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "signed out by the reset");
        sign_in(&browser(), &app, "new.analyst@example.com", &fresh).await;

        // Disabled: signed out and cannot sign in. An admin cannot disable themselves.
        let answer = post(
            &client,
            &app,
            &format!("/console/users/{new_id}/disable"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let (_, page) = get(&client, &app, "/console/users").await;
        assert!(page.contains("disabled"), "{page}");
        let answer = post(
            &client,
            &app,
            &format!("/console/users/{admin}/disable"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::CONFLICT);
        let (status, _) = get(&client, &app, "/console/users").await;
        assert_eq!(status, StatusCode::OK, "the admin is still signed in");

        let actions = audited(&app).await;
        for action in [
            "console_user.created",
            "console_user.password_reset",
            "console_user.disabled",
        ] {
            // User changes are the organization's, audited in its live environment.
            let live = app.get_json(&app.live.secret, "/v1/audit?limit=100").await;
            let by_admin = live["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == action && e["actor_id"] == admin.as_str());
            assert!(by_admin, "{action} by the admin: {live} {actions:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_admin_creates_a_flow_from_json_with_errors_shown_in_place() {
    for_each_database(|app| async move {
        let (client, csrf, _) = admin_in_sandbox(&app, "flows@example.com").await;
        let (status, page) = get(&client, &app, "/console/flows").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("flow_kyc_default"), "built-in flows listed: {page}");

        let before = app.list(&app.sandbox.secret, "/v1/flows").await.len();
        // JSON that does not parse: the error and the text come back.
        let broken = r#"{"name": "Broken", "kind": "kyc", "colour": "red"}"#;
        let answer = post(
            &client,
            &app,
            "/console/flows",
            &[("csrf", &csrf), ("definition", broken)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = answer.text().await.unwrap();
        assert!(page.contains("flow-errors") && page.contains("colour"), "{page}");
        assert!(page.contains("&quot;colour&quot;: &quot;red&quot;"), "the text is kept: {page}");
        // A flow the services refuse: each error names its field.
        let invalid = r#"{"name": "Bad rule", "kind": "kyc",
            "rules": [{"name": "x", "when": "applicant.age <", "outcome": "review", "reason_code": "x"}]}"#;
        let answer = post(
            &client,
            &app,
            "/console/flows",
            &[("csrf", &csrf), ("definition", invalid)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = answer.text().await.unwrap();
        assert!(page.contains("<code>rules[0].when</code>"), "{page}");
        let after = app.list(&app.sandbox.secret, "/v1/flows").await.len();
        assert_eq!(after, before, "nothing written");

        let good = r#"{"name": "Two people", "kind": "kyc", "four_eyes": true}"#;
        let answer = post(
            &client,
            &app,
            "/console/flows",
            &[("csrf", &csrf), ("definition", good)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let flows = app.list(&app.sandbox.secret, "/v1/flows").await;
        let created = flows.iter().find(|f| f["name"] == "Two people").unwrap();
        assert_eq!(created["four_eyes"], true);
        let id = created["id"].as_str().unwrap();
        let (status, page) = get(&client, &app, &format!("/console/flows/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("&quot;four_eyes&quot;: true"), "{page}");
        let (status, _) = get(&client, &app, "/console/flows/flow_nothing").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_watchlists_page_shows_what_is_served_and_only_admins_see_operations() {
    for_each_database(|app| async move {
        let (client, _, _) = admin_in_sandbox(&app, "lists@example.com").await;
        let (status, page) = get(&client, &app, "/console/watchlists").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains("Served now") && page.contains("Ongoing monitoring"),
            "{page}"
        );

        let viewer = app
            .services
            .create_console_user(&app.organization_id, "eyes@example.com", Role::Viewer)
            .await
            .unwrap();
        let other = browser();
        let csrf = sign_in(&other, &app, "eyes@example.com", &viewer.password).await;
        for page in [
            "/console/keys",
            "/console/users",
            "/console/flows",
            "/console/watchlists",
        ] {
            let (status, _) = get(&other, &app, page).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        }
        for (page, form) in [
            ("/console/keys", vec![("kind", "secret")]),
            (
                "/console/users",
                vec![("email", "z@example.com"), ("role", "admin")],
            ),
            (
                "/console/flows",
                vec![("definition", "{\"name\":\"x\",\"kind\":\"kyc\"}")],
            ),
        ] {
            let mut fields = vec![("csrf", csrf.as_str())];
            fields.extend(form);
            let answer = post(&other, &app, page, &fields).await;
            assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{page}");
        }
        let users = app
            .services
            .list_console_users(&app.organization_id)
            .await
            .unwrap();
        assert_eq!(users.len(), 2, "the viewer created nobody");
    })
    .await;
}

/// RFC 6238 codes for `secret` (base32) at `steps` (30-second steps), computed by Python's
/// own hmac: independent of the crate kycore checks codes with.
fn totp_codes(secret: &str, steps: &[u64]) -> Vec<String> {
    const SCRIPT: &str = r#"
import base64, hashlib, hmac, json, struct, sys
given = json.load(sys.stdin)
secret = given["secret"]
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
codes = []
for step in given["steps"]:
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 15
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    codes.append("%06d" % (number % 1000000))
print(json.dumps(codes))
"#;
    let codes = crate::helpers::python_json(
        SCRIPT,
        &serde_json::json!({"secret": secret, "steps": steps}),
    );
    serde_json::from_value(codes).unwrap()
}

/// Signs in with a code; the answer (303 with a session, or the form again).
async fn sign_in_with_code(
    app: &TestApp,
    email: &str,
    password: &str,
    code: &str,
) -> (reqwest::Client, reqwest::Response) {
    let client = browser();
    let (_, form) = get(&client, app, "/console/login").await;
    let csrf = crate::console::hidden(&form, "csrf");
    let answer = post(
        &client,
        app,
        "/console/login",
        &[
            ("csrf", &csrf),
            ("email", email),
            ("password", password),
            ("code", code),
        ],
    )
    .await;
    (client, answer)
}

#[tokio::test]
async fn a_user_sets_up_a_second_factor_and_sign_in_asks_for_its_code() {
    for_each_database(|app| async move {
        let email = "twice@example.com";
        let user = app
            .services
            .create_console_user(&app.organization_id, email, Role::Analyst)
            .await
            .unwrap();
        let client = browser();
        let csrf = sign_in(&client, &app, email, &user.password).await;
        let (status, page) = get(&client, &app, "/console/account").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("start-second-factor"), "{page}");
        let answer = post(
            &client,
            &app,
            "/console/account/second-factor",
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::OK);
        let page = answer.text().await.unwrap();
        let secret = element_text(&page, "second-factor-secret");
        assert!(page.contains("<svg"), "a QR code for the app: {page}");

        // Until it is confirmed, sign-in does not ask for it.
        let (_, answer) = sign_in_with_code(&app, email, &user.password, "").await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);

        let now_step = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 30;
        let codes = totp_codes(&secret, &[now_step, now_step + 1, now_step + 5]);
        let confirm = "/console/account/second-factor/confirm";
        let answer = post(
            &client,
            &app,
            confirm,
            &[("csrf", &csrf), ("code", &codes[2])],
        )
        .await;
        assert_eq!(
            answer.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a code of later"
        );
        // The same secret is shown again, to confirm with the right code.
        let page = answer.text().await.unwrap();
        assert_eq!(element_text(&page, "second-factor-secret"), secret);
        let answer = post(
            &client,
            &app,
            confirm,
            &[("csrf", &csrf), ("code", &codes[0])],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let (_, page) = get(&client, &app, "/console/account?done=enabled").await;
        assert!(page.contains("second factor is on"), "{page}");

        // Now the password alone, a wrong code and the code already used are refused.
        let (_, answer) = sign_in_with_code(&app, email, &user.password, "").await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        assert!(answer.text().await.unwrap().contains("enter the code"));
        let (_, answer) = sign_in_with_code(&app, email, &user.password, &codes[2]).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        let (_, answer) = sign_in_with_code(&app, email, &user.password, &codes[0]).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "replayed");
        // A wrong password with the right code is still a wrong password.
        let (_, answer) = sign_in_with_code(&app, email, "not it", &codes[1]).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        let (phone, answer) = sign_in_with_code(&app, email, &user.password, &codes[1]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let (status, _) = get(&phone, &app, "/console/cases").await;
        assert_eq!(status, StatusCode::OK, "signed in with the code");

        // An admin removes a lost second factor: the password alone works again.
        let (admin, admin_csrf, admin_id) = admin_in_sandbox(&app, "boss@example.com").await;
        let (_, page) = get(&admin, &app, "/console/users").await;
        let remove = format!("/console/users/{}/second-factor/remove", user.id);
        assert!(page.contains(&remove), "{page}");
        let answer = post(&admin, &app, &remove, &[("csrf", &admin_csrf)]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let (_, answer) = sign_in_with_code(&app, email, &user.password, "").await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);

        let live = app.get_json(&app.live.secret, "/v1/audit?limit=100").await;
        let actions: Vec<(String, String)> = live["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let field = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                (field("action"), field("actor_id"))
            })
            .collect();
        assert!(actions.contains(&("console_user.second_factor_enabled".into(), user.id.clone())));
        assert!(actions.contains(&("console_user.second_factor_removed".into(), admin_id)));
    })
    .await;
}
