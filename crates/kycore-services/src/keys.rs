//! API keys: creation (the key is shown once), authentication by hash into a principal and
//! its tenant scope, listing and revocation.
//!
//! Keys are long random strings, so a plain SHA-256 is a sufficient one-way hash (a slow
//! password hash would only add latency to every request).

use kycore_domain::ids::{ApiKeyId, OrganizationId};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::api_keys::{self, ApiKeyRecord};
use kycore_store::{Millis, Tx};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::crypto::random_alphanumeric;
use crate::record::{AuditEntry, audit};
use crate::time_format::{now_millis, rfc3339};
use crate::{RequestContext, ServiceError, Services};

const SECRET_RANDOM_LEN: usize = 32;
const PUBLISHABLE_RANDOM_LEN: usize = 24;
/// Characters of a key kept to recognise it in lists (`kc_test_AbC…`).
const HINT_LEN: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    Secret,
    Publishable,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret",
            KeyKind::Publishable => "publishable",
        }
    }

    fn prefix(self, environment: Environment) -> String {
        let kind = match self {
            KeyKind::Secret => "kc",
            KeyKind::Publishable => "pk",
        };
        format!("{kind}_{}_", environment.key_marker())
    }
}

/// A freshly created key, the only moment its full value is known.
#[derive(Clone, Debug, Serialize)]
pub struct NewKey {
    pub id: String,
    pub environment: Environment,
    pub kind: KeyKind,
    pub key: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct KeyView {
    pub id: String,
    pub environment: String,
    pub kind: String,
    /// The key's first characters; the secret itself is never shown again.
    pub hint: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Who a valid credential speaks for, and for which tenant.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub principal: crate::Principal,
    pub scope: Scope,
}

fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// Creates a key inside a unit of work and returns its one-time value.
pub(crate) async fn create_in(
    tx: &mut Tx,
    organization_id: &OrganizationId,
    environment: Environment,
    kind: KeyKind,
    now: Millis,
) -> Result<NewKey, ServiceError> {
    let random_len = match kind {
        KeyKind::Secret => SECRET_RANDOM_LEN,
        KeyKind::Publishable => PUBLISHABLE_RANDOM_LEN,
    };
    let key = format!(
        "{}{}",
        kind.prefix(environment),
        random_alphanumeric(random_len)
    );
    let id = ApiKeyId::generate();
    let record = ApiKeyRecord {
        id: id.to_string(),
        organization_id: organization_id.to_string(),
        environment: environment.as_str().to_owned(),
        kind: kind.as_str().to_owned(),
        key_hash: hash_key(&key),
        hint: format!("{}…", &key[..HINT_LEN]),
        publishable_key: (kind == KeyKind::Publishable).then(|| key.clone()),
        created_at: now,
        revoked_at: None,
    };
    api_keys::insert(tx.conn().await?, &record).await?;
    Ok(NewKey {
        id: id.to_string(),
        environment,
        kind,
        key,
    })
}

fn view(record: ApiKeyRecord) -> KeyView {
    KeyView {
        id: record.id,
        environment: record.environment,
        kind: record.kind,
        hint: record.hint,
        created_at: rfc3339(record.created_at),
        revoked_at: record.revoked_at.map(rfc3339),
    }
}

impl Services {
    /// Resolves a presented secret key to its tenant scope.
    pub async fn authenticate(&self, presented: &str) -> Result<Authenticated, ServiceError> {
        let invalid = || ServiceError::Unauthenticated {
            code: "invalid_api_key",
            message: "the API key is not valid".into(),
        };
        let environment = Environment::ALL
            .into_iter()
            .find(|env| presented.starts_with(&KeyKind::Secret.prefix(*env)))
            .ok_or_else(invalid)?;
        let hash = hash_key(presented);
        if let Some(cached) = self.key_cache().get(&hash) {
            return Ok(cached);
        }
        let record = api_keys::find_by_hash(self.store().reader(), &hash)
            .await?
            .ok_or_else(invalid)?;
        if record.kind != KeyKind::Secret.as_str() || record.environment != environment.as_str() {
            return Err(invalid());
        }
        if record.revoked_at.is_some() {
            return Err(ServiceError::Unauthenticated {
                code: "revoked_api_key",
                message: "the API key has been revoked".into(),
            });
        }
        let authenticated = Authenticated {
            principal: crate::Principal::SecretKey(ApiKeyId::from_trusted(record.id)),
            scope: Scope {
                organization_id: OrganizationId::from_trusted(record.organization_id),
                environment,
            },
        };
        self.key_cache().insert(hash, authenticated.clone());
        Ok(authenticated)
    }

    /// The principal of `publishable` when it is a live publishable key of exactly this
    /// scope.
    pub async fn publishable_key_of(
        &self,
        publishable: &str,
        scope: &Scope,
    ) -> Result<Option<crate::Principal>, ServiceError> {
        let Some(record) =
            api_keys::find_by_hash(self.store().reader(), &hash_key(publishable)).await?
        else {
            return Ok(None);
        };
        let matches = record.kind == KeyKind::Publishable.as_str()
            && record.revoked_at.is_none()
            && record.organization_id == scope.organization_id.as_str()
            && record.environment == scope.environment.as_str();
        Ok(matches.then(|| crate::Principal::PublishableKey(ApiKeyId::from_trusted(record.id))))
    }

    pub async fn create_key(
        &self,
        organization_id: &OrganizationId,
        environment: Environment,
        kind: KeyKind,
    ) -> Result<NewKey, ServiceError> {
        let organization_id = organization_id.clone();
        let now = now_millis();
        self.store()
            .write(move |tx| {
                Box::pin(
                    async move { create_in(tx, &organization_id, environment, kind, now).await },
                )
            })
            .await
    }

    /// A new key of the context's organization and environment, audited as
    /// `api_key.created` with the context's principal (an admin in the console).
    pub async fn create_key_in(
        &self,
        ctx: &RequestContext,
        kind: KeyKind,
    ) -> Result<NewKey, ServiceError> {
        let ctx = ctx.clone();
        let now = now_millis();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let scope = &ctx.scope;
                    let key =
                        create_in(tx, &scope.organization_id, scope.environment, kind, now).await?;
                    key_audit(tx, &ctx, "api_key.created", &key.id, now);
                    Ok(key)
                })
            })
            .await
    }

    /// Revokes a key of the context's organization and environment, audited as
    /// `api_key.revoked`; a key of another environment is not found.
    pub async fn revoke_key_in(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<(), ServiceError> {
        let ctx = ctx.clone();
        let key_id = key_id.to_owned();
        let now = now_millis();
        let revoked = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let scope = &ctx.scope;
                    let org = scope.organization_id.as_str();
                    let environment = Some(scope.environment.as_str());
                    let conn = tx.conn().await?;
                    if !api_keys::revoke(conn, org, environment, &key_id, now).await? {
                        return Ok(false);
                    }
                    key_audit(tx, &ctx, "api_key.revoked", &key_id, now);
                    Ok::<_, ServiceError>(true)
                })
            })
            .await?;
        if !revoked {
            return Err(ServiceError::not_found("active API key"));
        }
        self.key_cache().clear();
        Ok(())
    }

    pub async fn list_keys(
        &self,
        organization_id: &OrganizationId,
    ) -> Result<Vec<KeyView>, ServiceError> {
        let records = api_keys::list(self.store().reader(), organization_id.as_str()).await?;
        Ok(records.into_iter().map(view).collect())
    }

    pub async fn revoke_key(
        &self,
        organization_id: &OrganizationId,
        key_id: &str,
    ) -> Result<(), ServiceError> {
        let organization_id = organization_id.clone();
        let key_id = key_id.to_owned();
        let now = now_millis();
        let revoked = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let org = organization_id.as_str();
                    api_keys::revoke(tx.conn().await?, org, None, &key_id, now).await
                })
            })
            .await?;
        if revoked {
            self.key_cache().clear();
            Ok(())
        } else {
            Err(ServiceError::not_found("active API key"))
        }
    }
}

fn key_audit(tx: &mut Tx, ctx: &RequestContext, action: &str, key_id: &str, now: Millis) {
    let entry = AuditEntry {
        action,
        target_type: "api_key",
        target_id: key_id,
        case_id: None,
        detail: json!({ "key_id": key_id }),
    };
    audit(tx, &ctx.scope, &ctx.principal, entry, now);
}
