//! Webhook delivery rows on both backends: a claim keeps to the per-endpoint limits (a
//! failing endpoint's lower one) and serves the endpoint holding the fewest first; a
//! redelivery keeps a claim that is still running; a held delivery is settled only by its
//! claim; an endpoint is written only while it is as read.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use kycore_store::testing::TestDatabase;
use kycore_store::webhooks::{self, DeliveryClaim, DeliveryRecord, EndpointRecord, Final};
use kycore_store::{Millis, Store, Tx};

const NOW: Millis = 1_000_000;

macro_rules! each_backend {
    (|$store:ident| $body:block) => {
        for db in TestDatabase::all().await {
            let $store = Store::open(&db.url).await.unwrap();
            $body
            db.cleanup().await;
        }
    };
}

fn endpoint(id: &str, failing: bool) -> EndpointRecord {
    EndpointRecord {
        id: id.into(),
        organization_id: "org_1".into(),
        environment: "sandbox".into(),
        url: "https://example.com/hook".into(),
        description: None,
        events: None,
        enabled: 1,
        format: "native".into(),
        secrets_sealed: vec![1, 2, 3],
        failing_since: failing.then_some(NOW - 1),
        disabled_reason: None,
        created_at: 1,
        updated_at: 1,
    }
}

fn delivery(endpoint_id: &str, position: i64) -> DeliveryRecord {
    DeliveryRecord {
        id: format!("msg_{endpoint_id}_{position}"),
        organization_id: "org_1".into(),
        environment: "sandbox".into(),
        endpoint_id: endpoint_id.into(),
        event_id: format!("evt_{position}"),
        event_position: position,
        status: "pending".into(),
        attempts: 0,
        next_attempt_at: Some(NOW - 10),
        locked_until: None,
        claim_token: None,
        created_at: 1,
        finished_at: None,
    }
}

/// Adds endpoints, each with `count` due deliveries.
async fn seed(store: &Store, endpoints: Vec<EndpointRecord>, count: i64) {
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move {
                let conn = tx.conn().await?;
                for (n, e) in endpoints.iter().enumerate() {
                    webhooks::insert_endpoint(&mut *conn, e).await?;
                    let base = i64::try_from(n).unwrap() * 1000;
                    let rows: Vec<DeliveryRecord> =
                        (1..=count).map(|p| delivery(&e.id, base + p)).collect();
                    webhooks::insert_deliveries(&mut *conn, &rows).await?;
                }
                Ok::<_, kycore_store::StoreError>(())
            })
        })
        .await
        .unwrap();
}

async fn claim(store: &Store, token: &str, limit: i64) -> Vec<DeliveryRecord> {
    let backend = store.backend();
    let token = token.to_owned();
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move {
                let claim = DeliveryClaim {
                    token: &token,
                    now: NOW,
                    lease_until: NOW + 60_000,
                    per_endpoint: 3,
                    per_failing_endpoint: 1,
                    limit,
                };
                webhooks::claim(tx.conn().await?, backend, &claim).await
            })
        })
        .await
        .unwrap()
}

fn count_of(claimed: &[DeliveryRecord], endpoint_id: &str) -> usize {
    claimed
        .iter()
        .filter(|d| d.endpoint_id == endpoint_id)
        .count()
}

#[tokio::test]
async fn claims_keep_to_the_limits_and_serve_the_least_held_endpoint_first() {
    each_backend!(|store| {
        seed(
            &store,
            vec![
                endpoint("whep_a", false),
                endpoint("whep_dead", true),
                endpoint("whep_b", false),
            ],
            10,
        )
        .await;
        let first = claim(&store, "one", 100).await;
        assert_eq!(count_of(&first, "whep_a"), 3);
        assert_eq!(count_of(&first, "whep_b"), 3);
        assert_eq!(
            count_of(&first, "whep_dead"),
            1,
            "a failing endpoint holds one"
        );
        // Each endpoint's oldest first.
        let positions: Vec<i64> = first
            .iter()
            .filter(|d| d.endpoint_id == "whep_a")
            .map(|d| d.event_position)
            .collect();
        assert_eq!(positions, [1, 2, 3]);
        // Everything held: a second claim gets nothing.
        assert!(claim(&store, "two", 100).await.is_empty());

        // One of whep_a's and all of whep_b's are settled: whep_a holds two (room for one),
        // whep_b none. With room for two in all, whep_b, holding fewer, goes first and takes
        // both, though whep_a comes first by age and by id.
        let ids: Vec<String> = first
            .iter()
            .filter(|d| d.endpoint_id == "whep_b" || d.id == "msg_whep_a_1")
            .map(|d| d.id.clone())
            .collect();
        let settled = store
            .write(move |tx: &mut Tx| {
                Box::pin(async move {
                    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                    let conn = tx.conn().await?;
                    let wrong =
                        webhooks::settle_held(conn, "two", &ids, Final::Delivered, NOW).await?;
                    assert!(wrong.is_empty(), "only the holder settles");
                    webhooks::settle_held(conn, "one", &ids, Final::Delivered, NOW).await
                })
            })
            .await
            .unwrap();
        assert_eq!(settled.len(), 4);
        let next = claim(&store, "three", 2).await;
        assert_eq!(count_of(&next, "whep_b"), 2, "{next:?}");
    });
}

#[tokio::test]
async fn a_redelivery_keeps_a_running_claim() {
    each_backend!(|store| {
        seed(&store, vec![endpoint("whep_a", false)], 1).await;
        let held = claim(&store, "one", 10).await;
        assert_eq!(held.len(), 1);
        let mut again = delivery("whep_a", 1);
        again.id = "msg_new".into();
        again.next_attempt_at = Some(NOW);
        store
            .write(move |tx: &mut Tx| {
                Box::pin(async move { webhooks::requeue(tx.conn().await?, &again).await })
            })
            .await
            .unwrap();
        // Still held: not claimed a second time while the first attempt runs.
        assert!(claim(&store, "two", 10).await.is_empty());
        let id = held[0].id.clone();
        let settled = store
            .write(move |tx: &mut Tx| {
                Box::pin(async move {
                    webhooks::settle_held(tx.conn().await?, "one", &[&id], Final::Delivered, NOW)
                        .await
                })
            })
            .await
            .unwrap();
        assert_eq!(settled, [held[0].id.clone()]);
    });
}

#[tokio::test]
async fn an_endpoint_is_written_only_while_it_is_as_read() {
    each_backend!(|store| {
        seed(&store, vec![endpoint("whep_a", false)], 0).await;
        let (stale, fresh) = store
            .write(move |tx: &mut Tx| {
                Box::pin(async move {
                    let conn = tx.conn().await?;
                    let mut changed = endpoint("whep_a", false);
                    changed.url = "https://example.com/other".into();
                    changed.updated_at = 5;
                    let fresh = webhooks::update_endpoint(&mut *conn, &changed, 1).await?;
                    // Written from the same read again: someone changed it meanwhile.
                    changed.updated_at = 6;
                    let stale = webhooks::update_endpoint(&mut *conn, &changed, 1).await?;
                    Ok::<_, kycore_store::StoreError>((stale, fresh))
                })
            })
            .await
            .unwrap();
        assert!(fresh);
        assert!(!stale);
    });
}
