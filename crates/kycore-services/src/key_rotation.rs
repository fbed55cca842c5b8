//! Rotating the master key: the root secret and every data key still wrapped by another
//! master key are re-wrapped by the current one, a batch per unit of work, while servers go
//! on serving. Servers configured with the new key and the previous one read either wrapping
//! meanwhile; once the rotation reports nothing left, the previous key can be destroyed.

use kycore_store::data_keys;
use kycore_store::deployment;
use serde::Serialize;

use crate::crypto::WrappedKey;
use crate::{ServiceError, Services};

/// Keys re-wrapped per unit of work.
const BATCH: i64 = 500;

/// Which master key wraps how many keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MasterKeyUsage {
    pub master_key_id: String,
    /// `current`, `previous` (configured, still needed until a rotation ends) or `unknown`
    /// (this server cannot open those keys).
    pub role: &'static str,
    /// Data keys it wraps (organizations' and applicants').
    pub data_keys: i64,
    /// Whether it wraps the deployment's root secret.
    pub wraps_root: bool,
}

/// What a rotation did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RotationReport {
    pub master_key_id: String,
    pub root_rewrapped: bool,
    pub data_keys_rewrapped: u64,
}

impl Services {
    /// Which master keys wrap the deployment's keys, from this server's point of view.
    pub async fn master_key_usage(&self) -> Result<Vec<MasterKeyUsage>, ServiceError> {
        let masters = self.keyring().masters();
        let (current, previous) = (masters.current_id(), masters.previous_id());
        let reader = self.store().reader();
        let root = deployment::get(reader)
            .await?
            .map(|d| d.master_key_id)
            .unwrap_or_default();
        let mut counts = data_keys::count_by_master(reader).await?;
        if !counts.iter().any(|(id, _)| *id == root) {
            counts.push((root.clone(), 0));
        }
        Ok(counts
            .into_iter()
            .map(|(master_key_id, count)| MasterKeyUsage {
                role: if master_key_id == current {
                    "current"
                } else if Some(&master_key_id) == previous.as_ref() {
                    "previous"
                } else {
                    "unknown"
                },
                wraps_root: master_key_id == root,
                data_keys: count,
                master_key_id,
            })
            .collect())
    }

    /// Re-wraps everything not yet wrapped by the current master key. Keys wrapped by a
    /// master key this server does not hold stop the rotation with `master_key_missing`.
    pub async fn rotate_master_key(&self) -> Result<RotationReport, ServiceError> {
        let mut report = RotationReport {
            master_key_id: self.keyring().masters().current_id(),
            root_rewrapped: self.rewrap_root().await?,
            data_keys_rewrapped: 0,
        };
        let mut after = String::new();
        loop {
            let (rewrapped, last) = self.rewrap_batch(after).await?;
            report.data_keys_rewrapped += rewrapped;
            match last {
                Some(last) => after = last,
                None => return Ok(report),
            }
        }
    }

    async fn rewrap_root(&self) -> Result<bool, ServiceError> {
        let services = self.clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let masters = services.keyring().masters();
                    let Some(recorded) = deployment::get(tx.conn().await?).await? else {
                        return Ok(false);
                    };
                    if recorded.master_key_id == masters.current_id() {
                        return Ok(false);
                    }
                    let root = masters.unwrap_root(&WrappedKey {
                        wrapped: recorded.root_key,
                        master_key_id: recorded.master_key_id.clone(),
                    })?;
                    let wrapped = masters.wrap_root(&root)?;
                    Ok(deployment::rewrap_root(
                        tx.conn().await?,
                        &recorded.master_key_id,
                        &wrapped.wrapped,
                        &wrapped.master_key_id,
                    )
                    .await?)
                })
            })
            .await
    }

    /// Re-wraps the next batch after `after`; returns how many and the last id read (`None`
    /// when nothing was left).
    async fn rewrap_batch(&self, after: String) -> Result<(u64, Option<String>), ServiceError> {
        let services = self.clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let masters = services.keyring().masters();
                    let current = masters.current_id();
                    let batch =
                        data_keys::wrapped_by_other(tx.conn().await?, &current, &after, BATCH)
                            .await?;
                    let mut rewrapped = 0;
                    for key in &batch {
                        let secret = masters.unwrap(
                            &key.id,
                            &WrappedKey {
                                wrapped: key.wrapped.clone(),
                                master_key_id: key.master_key_id.clone(),
                            },
                        )?;
                        let wrapped = masters.wrap(&key.id, &secret)?;
                        // A key erased or re-wrapped meanwhile is left as it is.
                        if data_keys::rewrap(
                            tx.conn().await?,
                            &key.id,
                            &key.master_key_id,
                            &wrapped.wrapped,
                            &current,
                        )
                        .await?
                        {
                            rewrapped += 1;
                        }
                    }
                    Ok((rewrapped, batch.last().map(|k| k.id.clone())))
                })
            })
            .await
    }
}
