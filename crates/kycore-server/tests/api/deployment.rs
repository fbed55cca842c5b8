//! Several servers, one truth: servers starting at once on an empty database agree on one
//! master key and one default organization; a server holding another key refuses to start.

use kycore_services::crypto::MasterKey;
use kycore_services::{Deployment, ServiceConfig, Services};
use kycore_store::testing::TestDatabase;

async fn start(db: &TestDatabase, key: &MasterKey) -> Result<Services, String> {
    let deployment = Deployment::open(&db.url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = ServiceConfig::new("http://127.0.0.1", dir.path());
    Services::start(deployment, key, config)
        .await
        .map(|(services, _)| services)
        .map_err(|e| e.code().to_owned())
}

#[tokio::test]
async fn servers_starting_together_share_one_key_and_one_organization() {
    for db in TestDatabase::all().await {
        let key = MasterKey::generate();
        // Four servers' start-ups interleave: each has its own pool and writers, so their
        // transactions really run side by side on the database.
        let starts = (0..4).map(|_| async {
            let deployment = Deployment::open(&db.url).await.unwrap();
            let dir = tempfile::tempdir().unwrap();
            let config = ServiceConfig::new("http://127.0.0.1", dir.path());
            let (services, initialized) = Services::start(deployment, &key, config).await.unwrap();
            (services, initialized.is_some())
        });
        let mut initializers = 0;
        let mut servers = Vec::new();
        for (services, initialized) in futures_util::future::join_all(starts).await {
            initializers += usize::from(initialized);
            servers.push(services);
        }
        assert_eq!(initializers, 1, "exactly one server sets the deployment up");
        for services in &servers {
            assert_eq!(services.list_organizations().await.unwrap().len(), 1);
        }

        assert_eq!(
            start(&db, &MasterKey::generate()).await.err().as_deref(),
            Some("master_key_mismatch"),
            "a server with another key refuses to start"
        );
        assert!(start(&db, &key).await.is_ok(), "the same key still starts");
        db.cleanup().await;
    }
}
