//! The `kycore` binary as an operator uses it: init, organizations, keys, jobs, serve, a
//! crash, and a master key that is not the deployment's.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::Value;
use support::{Server, kycore, stdout_json};

#[test]
fn init_prints_one_json_object_and_refuses_to_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let init = stdout_json(&kycore(dir.path(), &["init", "--json"]));
    assert!(
        init["organization_id"]
            .as_str()
            .unwrap()
            .starts_with("org_")
    );
    for (env, marker) in [("sandbox", "test"), ("live", "live")] {
        assert!(
            init[env]["secret_key"]
                .as_str()
                .unwrap()
                .starts_with(&format!("kc_{marker}_"))
        );
        assert!(
            init[env]["publishable_key"]
                .as_str()
                .unwrap()
                .starts_with(&format!("pk_{marker}_"))
        );
    }
    let mode = std::fs::metadata(dir.path().join("master.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let again = kycore(dir.path(), &["init", "--json"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already initialized"));
    assert!(again.stdout.is_empty());
}

#[test]
fn keys_can_be_created_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    stdout_json(&kycore(dir.path(), &["init", "--json"]));
    let created = stdout_json(&kycore(
        dir.path(),
        &["keys", "create", "--env", "live", "--json"],
    ));
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with("kc_live_"));
    let id = created["id"].as_str().unwrap();

    let listed = stdout_json(&kycore(dir.path(), &["keys", "list", "--json"]));
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 5, "four from init and the new one");
    assert!(
        !listed.iter().any(|k| k.to_string().contains(key)),
        "secrets are never listed"
    );

    assert!(kycore(dir.path(), &["keys", "revoke", id]).status.success());
    let listed = stdout_json(&kycore(dir.path(), &["keys", "list", "--json"]));
    let revoked = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .unwrap();
    assert!(revoked["revoked_at"].is_string());
    assert!(
        !kycore(dir.path(), &["keys", "revoke", id]).status.success(),
        "already revoked"
    );
    assert!(
        !kycore(dir.path(), &["keys", "revoke", "key_missing"])
            .status
            .success()
    );
}

#[test]
fn tokens_are_minted_from_a_secret_key_for_the_application_or_a_user() {
    let dir = tempfile::tempdir().unwrap();
    let init = stdout_json(&kycore(dir.path(), &["init", "--json"]));
    let key = init["sandbox"]["secret_key"].as_str().unwrap();
    let application = stdout_json(&kycore(
        dir.path(),
        &["tokens", "mint", "--key", key, "--application", "--json"],
    ));
    let subject = application["subject"].as_str().unwrap();
    let uuid = subject.strip_prefix("application:").unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(application["token"].as_str().unwrap().split('.').count(), 3);
    // Naming the Application's own id is the same; another's is refused.
    let again = stdout_json(&kycore(
        dir.path(),
        &[
            "tokens",
            "mint",
            "--key",
            key,
            "--application",
            uuid,
            "--json",
        ],
    ));
    assert_eq!(again["subject"], subject);
    let foreign = "cb2037f7-79fc-40f4-9720-ada636da4183";
    assert!(
        !kycore(
            dir.path(),
            &["tokens", "mint", "--key", key, "--application", foreign]
        )
        .status
        .success()
    );

    let user = stdout_json(&kycore(
        dir.path(),
        &[
            "tokens",
            "mint",
            "--key",
            key,
            "--user",
            "00D4ADC9-B0CA-4C94-9D90-3C61F696B8BD",
            "--json",
        ],
    ));
    assert_eq!(user["subject"], "user:00d4adc9-b0ca-4c94-9d90-3c61f696b8bd");
    for refused in [
        vec!["tokens", "mint", "--key", key, "--user", "someone"],
        vec!["tokens", "mint", "--key", "kc_test_nope", "--application"],
        vec!["tokens", "mint", "--key", key],
    ] {
        assert!(
            !kycore(dir.path(), &refused).status.success(),
            "{refused:?}"
        );
    }
}

#[test]
fn console_users_are_created_with_a_one_time_password_reset_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    stdout_json(&kycore(dir.path(), &["init", "--json"]));
    let created = stdout_json(&kycore(
        dir.path(),
        &[
            "users",
            "create",
            "--email",
            " Ana@Example.com",
            "--role",
            "analyst",
            "--json",
        ],
    ));
    let object = created.as_object().unwrap();
    let mut fields: Vec<&str> = object.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["email", "id", "password", "role"]);
    assert!(created["id"].as_str().unwrap().starts_with("user_"));
    assert_eq!(created["email"], "ana@example.com", "stored normalized");
    assert_eq!(created["role"], "analyst");
    let password = created["password"].as_str().unwrap();
    assert!(password.len() >= 20, "{password}");

    let again = kycore(
        dir.path(),
        &[
            "users",
            "create",
            "--email",
            "ana@example.com",
            "--role",
            "viewer",
        ],
    );
    assert!(!again.status.success(), "one e-mail per organization");
    let bad = kycore(
        dir.path(),
        &[
            "users",
            "create",
            "--email",
            "not-an-email",
            "--role",
            "viewer",
        ],
    );
    assert!(!bad.status.success());
    let bad_role = kycore(
        dir.path(),
        &[
            "users",
            "create",
            "--email",
            "b@example.com",
            "--role",
            "owner",
        ],
    );
    assert!(!bad_role.status.success());

    let reset = stdout_json(&kycore(
        dir.path(),
        &["users", "reset-password", "ana@example.com", "--json"],
    ));
    assert_eq!(reset["id"], created["id"]);
    assert_ne!(reset["password"], created["password"]);

    // Without a second factor there is nothing to remove, and nobody unknown either.
    assert!(
        kycore(
            dir.path(),
            &["users", "remove-second-factor", "ana@example.com"]
        )
        .status
        .success()
    );
    assert!(
        !kycore(
            dir.path(),
            &["users", "remove-second-factor", "nobody@example.com"]
        )
        .status
        .success()
    );
    let id = created["id"].as_str().unwrap();
    assert!(
        kycore(dir.path(), &["users", "disable", id])
            .status
            .success()
    );
    assert!(
        !kycore(dir.path(), &["users", "disable", "user_missing"])
            .status
            .success()
    );
}

#[test]
fn keys_need_an_initialized_data_dir_and_its_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = kycore(dir.path(), &["keys", "list"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not initialized"));

    stdout_json(&kycore(dir.path(), &["init", "--json"]));
    std::fs::remove_file(dir.path().join("master.key")).unwrap();
    let output = kycore(dir.path(), &["keys", "list"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("master key is missing"));
}

#[test]
fn organizations_are_created_with_their_own_keys_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let first = stdout_json(&kycore(dir.path(), &["init", "--json"]));
    let created = stdout_json(&kycore(
        dir.path(),
        &[
            "organizations",
            "create",
            "--name",
            "Acme Payments",
            "--json",
        ],
    ));
    let id = created["organization_id"].as_str().unwrap();
    assert!(id.starts_with("org_"));
    assert_ne!(created["organization_id"], first["organization_id"]);
    assert_eq!(created["name"], "Acme Payments");
    assert!(
        created["live"]["secret_key"]
            .as_str()
            .unwrap()
            .starts_with("kc_live_")
    );
    let listed = stdout_json(&kycore(dir.path(), &["organizations", "list", "--json"]));
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Default organization", "Acme Payments"]);

    // Each organization's keys are its own.
    let keys = stdout_json(&kycore(
        dir.path(),
        &["keys", "list", "--organization", id, "--json"],
    ));
    assert_eq!(keys.as_array().unwrap().len(), 4);
    let missing = kycore(
        dir.path(),
        &["keys", "list", "--organization", "org_missing"],
    );
    assert!(!missing.status.success());
    let refused = kycore(dir.path(), &["organizations", "create", "--name", " "]);
    assert!(!refused.status.success());
}

#[test]
fn an_organizations_retention_is_set_shown_and_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let first = stdout_json(&kycore(dir.path(), &["init", "--json"]));
    let id = first["organization_id"].as_str().unwrap();
    let retention = |args: &[&str]| {
        let mut all = vec!["organizations", "retention", "--organization", id];
        all.extend_from_slice(args);
        kycore(dir.path(), &all)
    };
    let listed_days = || {
        let listed = stdout_json(&kycore(dir.path(), &["organizations", "list", "--json"]));
        listed[0]["retention_days"].clone()
    };
    assert_eq!(listed_days(), serde_json::Value::Null);

    for refused in [
        &["--days", "0"][..],
        &["--days", "4000"],
        &[],
        &["--days", "9", "--off"],
    ] {
        let output = retention(refused);
        assert!(!output.status.success(), "{refused:?} was taken");
    }
    assert_eq!(listed_days(), serde_json::Value::Null);
    assert!(retention(&["--days", "90"]).status.success());
    assert_eq!(listed_days(), 90);
    assert!(retention(&["--off"]).status.success());
    assert_eq!(listed_days(), serde_json::Value::Null);
}

#[test]
fn jobs_show_what_waits_runs_and_ran() {
    let dir = tempfile::tempdir().unwrap();
    stdout_json(&kycore(dir.path(), &["init", "--json"]));
    let jobs = stdout_json(&kycore(dir.path(), &["jobs", "list", "--json"]));
    let sweeper = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "expire_cases")
        .expect("the recurring expiry sweeper");
    assert_eq!(sweeper["state"], "waiting");
    let done = stdout_json(&kycore(
        dir.path(),
        &["jobs", "list", "--state", "done", "--json"],
    ));
    assert_eq!(done, serde_json::json!([]));
}

#[test]
fn a_server_with_another_master_key_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    stdout_json(&kycore(dir.path(), &["init", "--json"]));
    std::fs::remove_file(dir.path().join("master.key")).unwrap();
    let other = Command::new(env!("CARGO_BIN_EXE_kycore"))
        .args(["keys", "list", "--data-dir"])
        .arg(dir.path())
        .env(
            "KYCORE_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .env_remove("KYCORE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!other.status.success());
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(stderr.contains("master key is not the one"), "{stderr}");
}

#[tokio::test]
async fn serve_initializes_on_first_start_and_keeps_acknowledged_writes_across_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let (server, printed) = Server::start(dir.path());
    let key = support::printed_sandbox_key(&printed);
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let created: Value = client
        .post(format!("{}/v1/cases", server.base))
        .bearer_auth(&key)
        .json(&serde_json::json!({"kind": "kyc", "applicant": {"type": "individual"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case_id = created["id"].as_str().unwrap().to_owned();
    server.crash();

    let (server, printed) = Server::start(dir.path());
    assert!(
        !printed.contains("kc_test_"),
        "the key is printed only on first start"
    );
    let response = client
        .get(format!("{}/v1/cases/{case_id}", server.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.crash();
}
