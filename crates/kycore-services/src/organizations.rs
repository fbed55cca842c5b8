//! Organizations (tenants) and the deployment they share: creating an organization with a
//! secret and a publishable key per environment, listing them, and the first start of a
//! deployment — its root secret recorded once, and a default organization.

use kycore_domain::ids::OrganizationId;
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::deployment::{self, DeploymentRecord};
use kycore_store::organizations::{self, OrganizationRecord};
use kycore_store::{Millis, Store, Tx};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::crypto::{MasterKeys, Secret, WrappedKey, random_secret};
use crate::keys::{KeyKind, create_in};
use crate::record::{self, AuditEntry};
use crate::time_format::{datetime_of, now_millis};
use crate::{Principal, ServiceError, Services, SystemComponent};

/// The name of the organization a deployment's first start creates.
pub const DEFAULT_ORGANIZATION_NAME: &str = "Default organization";

#[derive(Clone, Debug, Serialize)]
pub struct EnvironmentKeys {
    pub secret_key: String,
    pub publishable_key: String,
}

/// A new organization and its keys: shown once, never stored in clear.
#[derive(Clone, Debug, Serialize)]
pub struct OrganizationKeys {
    pub organization_id: String,
    pub name: String,
    pub sandbox: EnvironmentKeys,
    pub live: EnvironmentKeys,
}

#[derive(Clone, Debug)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// Days after a case's final decision its personal data is redacted (`None`: kept).
    pub retention_days: Option<i64>,
    pub created_at: OffsetDateTime,
}

fn validate_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "invalid_name",
            "an organization's name is 1 to 200 characters, none of them control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Creates an organization and its keys inside a unit of work.
async fn create_in_unit(
    tx: &mut Tx,
    name: String,
    now: Millis,
) -> Result<OrganizationKeys, ServiceError> {
    let id = OrganizationId::generate();
    let record = OrganizationRecord {
        id: id.to_string(),
        name: name.clone(),
        created_at: now,
        retention_days: None,
    };
    organizations::insert(tx.conn().await?, &record).await?;
    let sandbox = key_pair(tx, &id, Environment::Sandbox, now).await?;
    let live = key_pair(tx, &id, Environment::Live, now).await?;
    for environment in Environment::ALL {
        let scope = Scope {
            organization_id: id.clone(),
            environment,
        };
        let entry = AuditEntry {
            action: "organization.created",
            target_type: "organization",
            target_id: id.as_str(),
            case_id: None,
            detail: json!({}),
        };
        record::audit(
            tx,
            &scope,
            &Principal::System(SystemComponent::Operator),
            entry,
            now,
        );
    }
    Ok(OrganizationKeys {
        organization_id: id.to_string(),
        name,
        sandbox,
        live,
    })
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

impl Services {
    /// Creates an organization with a secret and a publishable key per environment.
    pub async fn create_organization(&self, name: &str) -> Result<OrganizationKeys, ServiceError> {
        let name = validate_name(name)?;
        let now = now_millis();
        self.store()
            .write(move |tx| Box::pin(async move { create_in_unit(tx, name, now).await }))
            .await
    }

    /// Every organization, oldest first.
    pub async fn list_organizations(&self) -> Result<Vec<Organization>, ServiceError> {
        let records = organizations::list(self.store().reader()).await?;
        Ok(records
            .into_iter()
            .map(|r| Organization {
                id: r.id,
                name: r.name,
                retention_days: r.retention_days,
                created_at: datetime_of(r.created_at),
            })
            .collect())
    }

    /// The organization a command acts for: the one named, or the deployment's first.
    pub async fn organization(&self, id: Option<&str>) -> Result<OrganizationId, ServiceError> {
        let record = match id {
            Some(id) => organizations::get(self.store().reader(), id).await?,
            None => organizations::first(self.store().reader()).await?,
        };
        record
            .map(|r| OrganizationId::from_trusted(r.id))
            .ok_or(ServiceError::not_found("organization"))
    }
}

/// The first start on a database, or joining one: the deployment's root secret must open
/// with one of this server's master keys (a server holding another key refuses, instead of
/// writing data nobody else can read). On an empty database a root secret is made and
/// recorded, wrapped by the current master key, and the default organization created, in
/// one unit, by exactly one of the servers starting at once; that one gets the
/// organization's keys, to show once.
pub(crate) async fn join_deployment(
    store: &Store,
    masters: &MasterKeys,
) -> Result<(Secret, Option<OrganizationKeys>), ServiceError> {
    let masters = masters.clone();
    let now = now_millis();
    store
        .write(move |tx| {
            Box::pin(async move {
                if let Some(recorded) = deployment::get(tx.conn().await?).await? {
                    return open_root(&masters, &recorded).map(|root| (root, None));
                }
                let root = random_secret();
                let wrapped = masters.wrap_root(&root)?;
                let record = DeploymentRecord {
                    root_key: wrapped.wrapped,
                    master_key_id: wrapped.master_key_id,
                    created_at: now,
                };
                if !deployment::claim(tx.conn().await?, &record).await? {
                    // Another server set the deployment up meanwhile: its key must be ours.
                    let recorded = deployment::get(tx.conn().await?)
                        .await?
                        .ok_or_else(|| ServiceError::internal("the deployment row vanished"))?;
                    return open_root(&masters, &recorded).map(|root| (root, None));
                }
                // A database set up before the deployment row existed keeps its organizations.
                if organizations::first(tx.conn().await?).await?.is_some() {
                    return Ok((root, None));
                }
                let keys = create_in_unit(tx, DEFAULT_ORGANIZATION_NAME.to_owned(), now).await?;
                Ok((root, Some(keys)))
            })
        })
        .await
}

fn open_root(masters: &MasterKeys, recorded: &DeploymentRecord) -> Result<Secret, ServiceError> {
    let wrapped = WrappedKey {
        wrapped: recorded.root_key.clone(),
        master_key_id: recorded.master_key_id.clone(),
    };
    masters.unwrap_root(&wrapped).map_err(|_| {
        ServiceError::conflict(
            "master_key_mismatch",
            "this server's master key is not the one this database was set up with: give every \
             server the same KYCORE_MASTER_KEY (or master.key file) and start again",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_names_are_bounded_and_printable() {
        assert_eq!(validate_name("  Acme  ").unwrap(), "Acme");
        assert!(validate_name("").is_err());
        assert!(validate_name("a\u{7}b").is_err());
        assert!(validate_name(&"x".repeat(201)).is_err());
    }
}
