//! `kycore audit verify` as an operator runs it: an intact trail passes, an entry edited in
//! the database file is named with its organization and sequence number, and the command
//! exits non-zero.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use sqlx::Connection;
use support::{kycore, stdout_json};

#[tokio::test]
async fn verify_passes_an_intact_trail_and_names_an_edited_entry() {
    let dir = tempfile::tempdir().unwrap();
    let init = stdout_json(&kycore(dir.path(), &["init", "--json"]));
    let org = init["organization_id"].as_str().unwrap().to_owned();
    stdout_json(&kycore(
        dir.path(),
        &["organizations", "create", "--name", "Second", "--json"],
    ));

    let verified = stdout_json(&kycore(dir.path(), &["audit", "verify", "--json"]));
    let reports = verified.as_array().unwrap();
    assert_eq!(reports.len(), 2);
    for report in reports {
        assert_eq!(report["intact"], true, "{report}");
        assert_eq!(report["checked"], 2, "{report}");
        assert_eq!(report["head_hash"].as_str().unwrap().len(), 64);
    }
    let text = kycore(dir.path(), &["audit", "verify", "--organization", &org]);
    assert!(text.status.success());
    let printed = String::from_utf8_lossy(&text.stdout);
    assert!(
        printed.contains(&format!("{org}  2 entries checked  intact")),
        "{printed}"
    );

    // Someone with the database file, and without the key, edits an entry.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.path().join("kycore.db").display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE audit_log SET action = 'organization.deleted' WHERE organization_id = $1 AND seq = 2")
        .bind(&org)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let broken = kycore(dir.path(), &["audit", "verify"]);
    assert!(!broken.status.success());
    let printed = String::from_utf8_lossy(&broken.stdout);
    assert!(
        printed.contains(&format!("{org} seq 2: edited: hash mismatch")),
        "{printed}"
    );
    assert!(String::from_utf8_lossy(&broken.stderr).contains("broken"));

    let json = kycore(
        dir.path(),
        &["audit", "verify", "--json", "--organization", &org],
    );
    assert!(!json.status.success());
    let reports: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(reports[0]["breaks"][0]["kind"], "edited");
    assert_eq!(reports[0]["breaks"][0]["seq"], 2);
}
