//! The watchlist version table, on SQLite and (with `KYCORE_TEST_DATABASE_URL`) PostgreSQL:
//! versions group by list, the newest usable one is current, and a failed one falls back;
//! a configured source's failures form one streak per error until it succeeds.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use kycore_store::testing::TestDatabase;
use kycore_store::watchlist_sources;
use kycore_store::watchlists::{self, STATUS_FAILED, STATUS_OK, WatchlistVersionRecord};
use kycore_store::{Store, StoreError, Tx};

/// Runs `test` once per configured backend, each on a fresh database.
macro_rules! each_backend {
    (|$store:ident| $body:block) => {
        for db in TestDatabase::all().await {
            let $store = Store::open(&db.url).await.unwrap();
            $body
            db.cleanup().await;
        }
    };
}

fn version(id: &str, list_id: &str, imported_at: i64) -> WatchlistVersionRecord {
    WatchlistVersionRecord {
        id: id.into(),
        list_id: list_id.into(),
        format: "bis-dpl".into(),
        path: format!("lists/{list_id}/{id}/dpl.txt"),
        sha256: format!("{id:0>64}"),
        source_version: Some("2023-11-01".into()),
        entity_count: 500,
        name_count: 510,
        imported_at,
        status: STATUS_OK.into(),
        last_error: None,
        failed_at: None,
    }
}

async fn insert(store: &Store, v: WatchlistVersionRecord) {
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move { watchlists::insert(tx.conn().await?, &v).await })
        })
        .await
        .unwrap();
}

async fn mark_failed(store: &Store, id: &'static str) -> bool {
    store
        .write(move |tx: &mut Tx| {
            Box::pin(
                async move { watchlists::mark_failed(tx.conn().await?, id, "bad file", 99).await },
            )
        })
        .await
        .unwrap()
}

fn ids(versions: &[WatchlistVersionRecord]) -> Vec<&str> {
    versions.iter().map(|v| v.id.as_str()).collect()
}

#[tokio::test]
async fn versions_read_back_grouped_by_list_newest_first() {
    each_backend!(|store| {
        assert!(watchlists::list(store.reader()).await.unwrap().is_empty());
        insert(&store, version("wlv_a1", "us_bis_dpl", 10)).await;
        insert(&store, version("wlv_b1", "un_sc", 20)).await;
        insert(&store, version("wlv_a2", "us_bis_dpl", 30)).await;

        let all = watchlists::list(store.reader()).await.unwrap();
        assert_eq!(ids(&all), ["wlv_b1", "wlv_a2", "wlv_a1"]);
        assert_eq!(all[1], version("wlv_a2", "us_bis_dpl", 30));

        let current = watchlists::current(store.reader(), "us_bis_dpl")
            .await
            .unwrap();
        assert_eq!(current.map(|v| v.id), Some("wlv_a2".to_owned()));
        assert!(
            watchlists::current(store.reader(), "eu")
                .await
                .unwrap()
                .is_none()
        );
    });
}

#[tokio::test]
async fn a_failed_version_gives_way_to_the_previous_one() {
    each_backend!(|store| {
        insert(&store, version("wlv_a1", "us_bis_dpl", 10)).await;
        insert(&store, version("wlv_a2", "us_bis_dpl", 30)).await;

        assert!(mark_failed(&store, "wlv_a2").await);
        // Marking twice, or a missing id, changes nothing.
        assert!(!mark_failed(&store, "wlv_a2").await);
        assert!(!mark_failed(&store, "wlv_missing").await);

        let usable = watchlists::usable(store.reader()).await.unwrap();
        assert_eq!(ids(&usable), ["wlv_a1"]);
        let current = watchlists::current(store.reader(), "us_bis_dpl")
            .await
            .unwrap();
        assert_eq!(current.map(|v| v.id), Some("wlv_a1".to_owned()));

        let all = watchlists::list(store.reader()).await.unwrap();
        let failed = &all[0];
        assert_eq!(failed.id, "wlv_a2");
        assert_eq!(failed.status, STATUS_FAILED);
        assert_eq!(failed.last_error.as_deref(), Some("bad file"));
        assert_eq!(failed.failed_at, Some(99));
    });
}

#[tokio::test]
async fn version_ids_are_unique() {
    each_backend!(|store| {
        insert(&store, version("wlv_a1", "us_bis_dpl", 10)).await;
        let again = version("wlv_a1", "un_sc", 20);
        let error = store
            .write(move |tx: &mut Tx| {
                Box::pin(async move { watchlists::insert(tx.conn().await?, &again).await })
            })
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Database(_)));
        assert!(error.is_unique_violation());
    });
}

async fn source_failure(store: &Store, code: &'static str, at: i64) -> bool {
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move {
                let failure = watchlist_sources::Failure {
                    source: "https://lists.example/dpl.txt",
                    list_id: (code != "download_failed").then_some("us_bis_dpl"),
                    code,
                    message: "it failed",
                    at,
                };
                watchlist_sources::record_failure(tx.conn().await?, failure).await
            })
        })
        .await
        .unwrap()
}

async fn source_success(store: &Store, at: i64) {
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move {
                watchlist_sources::record_success(
                    tx.conn().await?,
                    "https://lists.example/dpl.txt",
                    "us_bis_dpl",
                    at,
                )
                .await
            })
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_source_failing_the_same_way_is_one_streak_until_it_succeeds() {
    each_backend!(|store| {
        // The first failure starts a streak; repeating it does not, another error does.
        assert!(source_failure(&store, "download_failed", 10).await);
        assert!(!source_failure(&store, "download_failed", 20).await);
        assert!(source_failure(&store, "list_unreadable", 30).await);
        assert!(!source_failure(&store, "list_unreadable", 40).await);
        let rows = watchlist_sources::list(store.reader()).await.unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(
            (row.failing_since, row.failures, row.last_failure_at),
            (Some(10), 4, Some(40))
        );
        assert_eq!(row.list_id.as_deref(), Some("us_bis_dpl"));
        assert_eq!(row.error_code.as_deref(), Some("list_unreadable"));

        // A success ends the streak but keeps the last failure to show.
        source_success(&store, 50).await;
        let row = &watchlist_sources::list(store.reader()).await.unwrap()[0];
        assert_eq!(
            (row.failing_since, row.failures, row.last_success_at),
            (None, 0, Some(50))
        );
        assert_eq!(row.error_code.as_deref(), Some("list_unreadable"));
        // So the same error again starts a new streak.
        assert!(source_failure(&store, "list_unreadable", 60).await);
        let row = &watchlist_sources::list(store.reader()).await.unwrap()[0];
        assert_eq!((row.failing_since, row.failures), (Some(60), 1));
    });
}
