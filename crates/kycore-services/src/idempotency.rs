//! `Idempotency-Key`: a retried request gets the stored response instead of a second change.
//!
//! Keys are kept per API surface (the native API, each dialect), and each surface stores the
//! response it answered, rendered by its own [`crate::Renderer`]. The response is stored by
//! the same unit of work that makes the change ([`Services::write_idempotent`]), so after a
//! crash either both exist or neither does. Two concurrent requests with one key both run,
//! but only the first to commit keeps its change; the other's unit is rolled back and it
//! answers 409.

use futures_util::future::BoxFuture;
use kycore_domain::tenancy::Scope;
use kycore_store::idempotency::{self, IdempotencyRecord};
use kycore_store::{Millis, Tx};

use crate::time_format::now_millis;
use crate::{RequestContext, ServiceError, Services};

/// Responses are kept at least this long (the API promises 24 hours).
pub const RETENTION_MILLIS: Millis = 48 * 60 * 60 * 1000;
const MAX_KEY_LEN: usize = 255;

pub enum IdempotencyLookup {
    /// Never seen: run the request.
    Fresh,
    /// Same request seen before: answer with what it answered.
    Replay { status: u16, body: Vec<u8> },
    /// The key was used for a different request.
    Mismatch,
}

/// What a stored response is sealed to: its tenant, surface and key, so it opens nowhere
/// else.
fn sealing_context(scope: &Scope, surface: &str, key: &str) -> String {
    format!(
        "idempotency:{}:{}:{surface}:{key}",
        scope.organization_id,
        scope.environment.as_str()
    )
}

/// Keys are opaque to us, but must be printable and bounded.
pub fn validate_key(key: &str) -> Result<(), ServiceError> {
    let printable = key.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if key.is_empty() || key.len() > MAX_KEY_LEN || !printable {
        return Err(ServiceError::invalid(
            "invalid_idempotency_key",
            format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters"),
        ));
    }
    Ok(())
}

impl Services {
    pub async fn idempotency_lookup(
        &self,
        scope: &Scope,
        surface: &str,
        key: &str,
        request_hash: &[u8],
    ) -> Result<IdempotencyLookup, ServiceError> {
        let Some(record) = idempotency::find(self.store().reader(), scope, surface, key).await?
        else {
            return Ok(IdempotencyLookup::Fresh);
        };
        if record.request_hash != request_hash {
            return Ok(IdempotencyLookup::Mismatch);
        }
        // Stored responses can carry personal data, so they are sealed like the data itself,
        // under the organization's key.
        let body = self
            .organization_key(scope)
            .await?
            .open(&sealing_context(scope, surface, key), &record.response_body)?;
        let status = u16::try_from(record.response_status).map_err(|_| {
            ServiceError::corrupt(format!("stored response status {}", record.response_status))
        })?;
        Ok(IdempotencyLookup::Replay { status, body })
    }

    /// Runs `unit` as one transaction and, when the request carried an idempotency key,
    /// stores the surface's rendering of the result with it.
    pub(crate) async fn write_idempotent<T, F>(
        &self,
        ctx: &RequestContext,
        unit: F,
    ) -> Result<T, ServiceError>
    where
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Result<T, ServiceError>> + Send + 'static,
        T: Send + 'static,
    {
        let claim = ctx.idempotency.clone();
        let scope = ctx.scope.clone();
        // Fetched (or created, in a unit of its own) before this unit starts.
        let sealing_key = match &claim {
            Some(_) => Some(self.organization_key(&scope).await?),
            None => None,
        };
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let value = unit(tx).await?;
                    let (Some(claim), Some(sealing_key)) = (claim, sealing_key) else {
                        return Ok(value);
                    };
                    let body = (claim.render)(&value).map_err(|e| {
                        ServiceError::internal(format!("the response could not be rendered: {e}"))
                    })?;
                    let context = sealing_context(&scope, claim.surface, &claim.key);
                    let record = IdempotencyRecord {
                        organization_id: scope.organization_id.to_string(),
                        environment: scope.environment.as_str().to_owned(),
                        surface: claim.surface.to_owned(),
                        idempotency_key: claim.key,
                        request_hash: claim.request_hash,
                        response_status: i64::from(claim.status),
                        response_body: sealing_key.seal(&context, &body)?,
                        created_at: now_millis(),
                    };
                    if !idempotency::insert(tx.conn().await?, &record).await? {
                        return Err(ServiceError::conflict(
                            "idempotency_key_in_use",
                            "another request with this Idempotency-Key was processed concurrently",
                        ));
                    }
                    Ok(value)
                })
            })
            .await
    }

    /// Forgets stored responses older than the retention period.
    pub async fn prune_idempotency_keys(&self) -> Result<u64, ServiceError> {
        let before = now_millis() - RETENTION_MILLIS;
        self.store()
            .write(move |tx| {
                Box::pin(async move { Ok(idempotency::prune(tx.conn().await?, before).await?) })
            })
            .await
    }
}
