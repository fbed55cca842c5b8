//! Whose key seals what. Personal data is sealed under its applicant's data key: the
//! profile, document files and MRZs, check results, screening hit details and review notes,
//! document rejection reasons, a case's metadata, redirect URL and decision note. What an
//! organization owns without it being an applicant's (replayable API responses) is sealed
//! under the organization's key.
//!
//! Data keys are created with their owner (an applicant's by the kernel, in the unit that
//! creates the applicant; an organization's here, on first use), read back and unwrapped here, and kept unwrapped for a few
//! seconds ([`crate::cache::TTL`]) because every read of a case needs one. An applicant whose
//! key is gone has been erased: its sealed values read as absent.

use std::collections::HashMap;

use kycore_domain::tenancy::Scope;
use kycore_store::data_keys::{self, DataKeyRecord};
use kycore_store::{Any, Executor};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::crypto::{DataKey, WrappedKey};
use crate::kernel::applicants::ApplicantKeys;
use crate::time_format::now_millis;
use crate::{ServiceError, Services};

impl Services {
    /// An applicant's data key; `None` once the applicant has been erased.
    pub(crate) async fn applicant_key<'e>(
        &self,
        db: impl Executor<'e, Database = Any>,
        scope: &Scope,
        applicant_id: &str,
    ) -> Result<Option<DataKey>, ServiceError> {
        self.data_key(db, scope, applicant_id).await
    }

    /// The data key of a case's applicant (`None` once erased), for reads of what the case
    /// holds; a case that is not the tenant's is not found.
    pub(crate) async fn case_key(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<Option<DataKey>, ServiceError> {
        let reader = self.store().reader();
        let case = kycore_store::cases::get(reader, scope, case_id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        self.applicant_key(reader, scope, &case.applicant_id).await
    }

    /// An applicant's data key, which must exist: an erased applicant takes no new data.
    pub(crate) async fn required_applicant_key<'e>(
        &self,
        db: impl Executor<'e, Database = Any>,
        scope: &Scope,
        applicant_id: &str,
    ) -> Result<DataKey, ServiceError> {
        self.data_key(db, scope, applicant_id)
            .await?
            .ok_or_else(|| {
                ServiceError::conflict(
                    "applicant_redacted",
                    "the applicant's personal data was erased; it takes no new data",
                )
            })
    }

    /// The data key `owner` (an applicant or the organization) has, if any.
    async fn data_key<'e>(
        &self,
        db: impl Executor<'e, Database = Any>,
        scope: &Scope,
        owner: &str,
    ) -> Result<Option<DataKey>, ServiceError> {
        if let Some(key) = self.inner_data_keys().get(&owner.to_owned()) {
            return Ok(Some(key));
        }
        let Some(record) = data_keys::get(db, scope.organization_id.as_str(), owner).await? else {
            return Ok(None);
        };
        self.unwrap_and_remember(&record).map(Some)
    }

    /// The data keys of several applicants (lists), by applicant id; erased ones are missing.
    pub(crate) async fn applicant_keys<'e>(
        &self,
        db: impl Executor<'e, Database = Any>,
        scope: &Scope,
        applicant_ids: impl IntoIterator<Item = &str>,
    ) -> Result<DataKeys, ServiceError> {
        let mut keys = HashMap::new();
        let mut missing = Vec::new();
        for id in applicant_ids {
            match self.inner_data_keys().get(&id.to_owned()) {
                Some(key) => {
                    keys.insert(id.to_owned(), key);
                }
                None => missing.push(id.to_owned()),
            }
        }
        missing.sort();
        missing.dedup();
        for record in data_keys::get_many(db, scope.organization_id.as_str(), &missing).await? {
            let key = self.unwrap_and_remember(&record)?;
            keys.insert(record.id, key);
        }
        Ok(DataKeys(keys))
    }

    /// The organization's own data key, created on first use.
    pub(crate) async fn organization_key(&self, scope: &Scope) -> Result<DataKey, ServiceError> {
        let owner = scope.organization_id.as_str();
        if let Some(key) = self.data_key(self.store().reader(), scope, owner).await? {
            return Ok(key);
        }
        let (_, wrapped) = self.keyring().new_data_key(owner)?;
        let record = DataKeyRecord {
            id: owner.to_owned(),
            organization_id: owner.to_owned(),
            wrapped: wrapped.wrapped,
            master_key_id: wrapped.master_key_id,
            created_at: now_millis(),
        };
        // Two servers may create it at once: the first stored wins, and both read it back.
        let stored = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    data_keys::insert_if_absent(tx.conn().await?, &record).await?;
                    data_keys::get(tx.conn().await?, &record.organization_id, &record.id)
                        .await?
                        .ok_or_else(|| ServiceError::internal("a data key vanished"))
                })
            })
            .await?;
        self.unwrap_and_remember(&stored)
    }

    /// The keys that write an existing applicant, around its data key.
    pub(crate) fn applicant_keys_with<'a>(&'a self, key: &'a DataKey) -> ApplicantKeys<'a> {
        ApplicantKeys {
            keyring: self.keyring(),
            key,
        }
    }

    /// Forgets an erased applicant's key in this process (other servers forget it within
    /// the cache's few seconds; by then nothing sealed under it is left to open).
    pub(crate) fn forget_data_key(&self, owner: &str) {
        self.inner_data_keys().remove(&owner.to_owned());
    }

    fn unwrap_and_remember(&self, record: &DataKeyRecord) -> Result<DataKey, ServiceError> {
        let key = self.keyring().open_data_key(
            &record.id,
            &WrappedKey {
                wrapped: record.wrapped.clone(),
                master_key_id: record.master_key_id.clone(),
            },
        )?;
        self.inner_data_keys()
            .insert(record.id.clone(), key.clone());
        Ok(key)
    }
}

/// Applicants' data keys by applicant id.
#[derive(Default)]
pub(crate) struct DataKeys(HashMap<String, DataKey>);

impl DataKeys {
    pub(crate) fn of(&self, applicant_id: &str) -> Option<&DataKey> {
        self.0.get(applicant_id)
    }
}

/// Seals `value` as JSON under `key`, bound to the record `context`.
pub(crate) fn seal_json<T: Serialize + ?Sized>(
    key: &DataKey,
    context: &str,
    value: &T,
) -> Result<Vec<u8>, ServiceError> {
    let json = serde_json::to_vec(value)
        .map_err(|e| ServiceError::internal(format!("sealing {context}: {e}")))?;
    Ok(key.seal(context, &json)?)
}

/// Opens a sealed JSON value; `None` when it was redacted or its key erased.
pub(crate) fn open_json<T: DeserializeOwned>(
    key: Option<&DataKey>,
    context: &str,
    sealed: Option<&[u8]>,
    what: &str,
) -> Result<Option<T>, ServiceError> {
    let (Some(key), Some(sealed)) = (key, sealed) else {
        return Ok(None);
    };
    let json = key.open(context, sealed)?;
    serde_json::from_slice(&json)
        .map(Some)
        .map_err(|e| ServiceError::corrupt(format!("{what}: {e}")))
}
