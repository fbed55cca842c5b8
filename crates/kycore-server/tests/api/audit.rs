//! The tamper-evident audit trail: a real flow leaves an intact chain per organization;
//! rows edited, deleted or reordered beside the server (raw SQL, as someone with database
//! access alone would) are found by verification; concurrent writers keep the chain
//! gapless; `GET /v1/audit` shows a tenant only its own entries.

use kycore_services::audit::{BreakKind, ChainReport};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

use crate::helpers::{TestApp, for_each_database};

async fn verify(app: &TestApp) -> ChainReport {
    let reports = app
        .services
        .verify_audit(Some(app.organization_id.as_str()))
        .await
        .unwrap();
    assert_eq!(reports.len(), 1);
    reports.into_iter().next().unwrap()
}

async fn sql(app: &TestApp, statement: &'static str, values: &[i64], organization: &str) -> u64 {
    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    let mut query = sqlx::query(statement).bind(organization.to_owned());
    for value in values {
        query = query.bind(*value);
    }
    query.execute(&mut conn).await.unwrap().rows_affected()
}

async fn trail(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let page = app.get_json(key, &format!("/v1/audit{query}")).await;
    page["data"].as_array().unwrap().clone()
}

fn kinds(report: &ChainReport) -> Vec<(i64, BreakKind)> {
    report.breaks.iter().map(|b| (b.seq, b.kind)).collect()
}

#[tokio::test]
async fn tampering_beside_the_server_is_found() {
    for_each_database(|app| async move {
        let org = app.organization_id.to_string();
        let case = app.create_case(&app.sandbox.secret).await;
        let case_id = case["id"].as_str().unwrap();
        app.complete_sandbox(&app.sandbox.secret, case_id, "approved")
            .await;
        app.create_case(&app.sandbox.secret).await;

        let intact = verify(&app).await;
        assert!(intact.is_intact(), "{:?}", intact.breaks);
        assert!(intact.checked >= 5, "{intact:?}");
        assert_eq!(intact.head_seq, intact.checked as i64);

        // The case's trail, in chain order: the chain is the organization's, so a case's
        // seqs grow but may skip.
        let entries = trail(&app, &app.sandbox.secret, &format!("?case_id={case_id}")).await;
        assert!(entries.len() >= 2, "{entries:?}");
        assert_eq!(entries[0]["action"], "case.created");
        let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        for entry in &entries {
            assert_eq!(entry["case_id"], case_id);
            assert_eq!(entry["hash"].as_str().unwrap().len(), 64);
            assert_eq!(entry["prev_hash"].as_str().unwrap().len(), 64);
        }
        // The whole scope's trail links entry to entry where seqs are consecutive.
        let all = trail(&app, &app.sandbox.secret, "?limit=100").await;
        for pair in all.windows(2) {
            if pair[1]["seq"].as_i64() == pair[0]["seq"].as_i64().map(|s| s + 1) {
                assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
            }
        }

        // (a) An entry's action edited, then put back.
        let target = 3;
        let edit = "UPDATE audit_log SET action = 'case.approved' WHERE organization_id = $1 AND seq = $2";
        assert_eq!(sql(&app, edit, &[target], &org).await, 1);
        let edited = verify(&app).await;
        assert_eq!(kinds(&edited), vec![(target, BreakKind::Edited)], "{edited:?}");
        let detail = r#"UPDATE audit_log SET detail = '{"status":"approved"}' WHERE organization_id = $1 AND seq = $2"#;
        assert_eq!(sql(&app, detail, &[2], &org).await, 1);
        let edited = verify(&app).await;
        assert_eq!(
            kinds(&edited),
            vec![(2, BreakKind::Edited), (target, BreakKind::Edited)]
        );

        // The next cases tamper with the other organization's chain.
        let other = app.other_organization_id.to_string();
        app.create_case(&app.other_sandbox.secret).await;
        app.create_case(&app.other_sandbox.secret).await;
        app.create_case(&app.other_live.secret).await;
        let other_report = |app: &TestApp| {
            let services = app.services.clone();
            let other = other.clone();
            async move {
                services
                    .verify_audit(Some(&other))
                    .await
                    .unwrap()
                    .remove(0)
            }
        };
        assert!(other_report(&app).await.is_intact());

        // (c) Two entries' sequence numbers swapped (through a free number: seq is unique).
        let swap = [
            "UPDATE audit_log SET seq = -1 WHERE organization_id = $1 AND seq = $2",
            "UPDATE audit_log SET seq = $2 WHERE organization_id = $1 AND seq = $3",
            "UPDATE audit_log SET seq = $2 WHERE organization_id = $1 AND seq = -1",
        ];
        assert_eq!(sql(&app, swap[0], &[3], &other).await, 1);
        assert_eq!(sql(&app, swap[1], &[3, 4], &other).await, 1);
        assert_eq!(sql(&app, swap[2], &[4], &other).await, 1);
        let reordered = other_report(&app).await;
        assert_eq!(
            kinds(&reordered),
            vec![(3, BreakKind::Reordered), (4, BreakKind::Reordered)],
            "{reordered:?}"
        );
        // Swapped back, the chain is whole again.
        assert_eq!(sql(&app, swap[0], &[4], &other).await, 1);
        assert_eq!(sql(&app, swap[1], &[4, 3], &other).await, 1);
        assert_eq!(sql(&app, swap[2], &[3], &other).await, 1);
        assert!(other_report(&app).await.is_intact());

        // (b) A middle entry deleted.
        let delete = "DELETE FROM audit_log WHERE organization_id = $1 AND seq = $2";
        assert_eq!(sql(&app, delete, &[3], &other).await, 1);
        let deleted = other_report(&app).await;
        assert_eq!(kinds(&deleted), vec![(3, BreakKind::Deleted)], "{deleted:?}");
        assert!(deleted.breaks[0].detail.contains("entry 3 is missing"));

        // The newest entry deleted: the head, kept apart, still names it.
        let head = deleted.head_seq;
        assert_eq!(sql(&app, delete, &[head], &other).await, 1);
        let truncated = other_report(&app).await;
        assert!(
            kinds(&truncated).contains(&(head, BreakKind::Deleted)),
            "{truncated:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_writes_keep_the_chain_gapless() {
    for_each_database(|app| async move {
        let before = verify(&app).await;
        let creations = (0..50).map(|_| app.create_case(&app.sandbox.secret));
        futures_util::future::join_all(creations).await;
        let report = verify(&app).await;
        assert!(report.is_intact(), "{:?}", report.breaks);
        // Each creation audits its new applicant and the case.
        assert_eq!(report.checked, before.checked + 100);
        assert_eq!(report.head_seq, report.checked as i64);
        let org = app.organization_id.to_string();
        let rows = "SELECT COUNT(*) FROM audit_log WHERE organization_id = $1 AND seq IS NOT NULL";
        assert_eq!(app.count_in_database(rows, &org).await, report.head_seq);
    })
    .await;
}

#[tokio::test]
async fn a_tenant_sees_only_its_own_trail() {
    for_each_database(|app| async move {
        let case = app.create_case(&app.sandbox.secret).await;
        let case_id = case["id"].as_str().unwrap();
        for key in [&app.other_sandbox.secret, &app.live.secret] {
            assert!(
                trail(&app, key, &format!("?case_id={case_id}"))
                    .await
                    .is_empty()
            );
            let theirs = trail(&app, key, "").await;
            assert!(theirs.iter().all(|e| e["case_id"] != case_id), "{theirs:?}");
        }
        let ours = trail(&app, &app.sandbox.secret, "").await;
        assert!(ours.iter().any(|e| e["case_id"] == case_id));

        // Keyset pages: `next_cursor` continues where the page stopped.
        app.create_case(&app.sandbox.secret).await;
        let first = app.get_json(&app.sandbox.secret, "/v1/audit?limit=1").await;
        assert_eq!(first["has_more"], true);
        let cursor = first["next_cursor"].as_str().unwrap();
        let next = app
            .get_json(
                &app.sandbox.secret,
                &format!("/v1/audit?limit=1&after={cursor}"),
            )
            .await;
        assert!(next["data"][0]["seq"].as_i64() > first["data"][0]["seq"].as_i64());

        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        for (bad, status, code) in [
            ("?limit=0", unprocessable, "invalid_limit"),
            ("?limit=101", unprocessable, "invalid_limit"),
            ("?after=-1", StatusCode::BAD_REQUEST, "invalid_query"),
            ("?after=x", StatusCode::BAD_REQUEST, "invalid_query"),
            ("?seq=1", StatusCode::BAD_REQUEST, "invalid_query"),
        ] {
            let path = format!("/v1/audit{bad}");
            app.get_problem(&app.sandbox.secret, &path, status, code)
                .await;
        }
    })
    .await;
}
