//! First start: the default organization and its keys.

use kycore_domain::ids::OrganizationId;
use kycore_domain::tenancy::Environment;
use kycore_store::organizations::{self, OrganizationRecord};
use serde::Serialize;

use kycore_store::{Millis, Store, Tx};

use crate::keys::{KeyKind, create_in};
use crate::time_format::now_millis;
use crate::{ServiceError, Services};

#[derive(Clone, Debug, Serialize)]
pub struct EnvironmentKeys {
    pub secret_key: String,
    pub publishable_key: String,
}

/// What `kycore init` prints: shown once, never stored in clear.
#[derive(Clone, Debug, Serialize)]
pub struct Initialized {
    pub organization_id: String,
    pub sandbox: EnvironmentKeys,
    pub live: EnvironmentKeys,
}

/// The organization of a single-tenant deployment, if initialized. Needs no keys, so the
/// binary can ask before it knows whether to create a master key.
pub async fn default_organization(store: &Store) -> Result<Option<OrganizationId>, ServiceError> {
    let org = organizations::first(store.reader()).await?;
    Ok(org.map(|o| OrganizationId::from_trusted(o.id)))
}

impl Services {
    /// Creates the default organization with a secret and a publishable key per environment.
    /// Refuses when an organization already exists.
    pub async fn initialize(&self, name: &str) -> Result<Initialized, ServiceError> {
        let name = name.to_owned();
        let now = now_millis();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    if organizations::first(tx.conn()).await?.is_some() {
                        return Err(ServiceError::conflict(
                            "already_initialized",
                            "kycore is already initialized",
                        ));
                    }
                    let id = OrganizationId::generate();
                    let record = OrganizationRecord {
                        id: id.to_string(),
                        name,
                        created_at: now,
                    };
                    organizations::insert(tx.conn(), &record).await?;
                    let sandbox = key_pair(tx, &id, Environment::Sandbox, now).await?;
                    let live = key_pair(tx, &id, Environment::Live, now).await?;
                    Ok(Initialized {
                        organization_id: id.to_string(),
                        sandbox,
                        live,
                    })
                })
            })
            .await
    }
}

async fn key_pair(
    tx: &mut Tx,
    organization_id: &OrganizationId,
    environment: Environment,
    now: Millis,
) -> Result<EnvironmentKeys, ServiceError> {
    let secret = create_in(tx, organization_id, environment, KeyKind::Secret, now).await?;
    let publishable =
        create_in(tx, organization_id, environment, KeyKind::Publishable, now).await?;
    Ok(EnvironmentKeys {
        secret_key: secret.key,
        publishable_key: publishable.key,
    })
}
