//! Document files, sealed before they leave the process and kept through `object_store`: a
//! local directory by default (fsynced, so a 2xx for an upload survives a crash), or any
//! S3-compatible store named by URL (`s3://bucket/prefix`), configured by the usual `AWS_*`
//! settings.

use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::ServiceError;
use crate::crypto::DataKey;

#[derive(Clone)]
pub(crate) struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// Where kycore's files start inside the store (the URL's path; empty locally).
    prefix: ObjectPath,
}

/// An outage of the store is retried later; only a missing file is the data's fault.
fn store_error(e: object_store::Error) -> ServiceError {
    match e {
        object_store::Error::NotFound { path, .. } => {
            ServiceError::corrupt(format!("the blob store has no file {path}"))
        }
        other => {
            tracing::warn!(error = %other, "the blob store failed");
            ServiceError::unavailable(
                "blob_store_unavailable",
                "document storage cannot be reached right now; retry shortly",
            )
        }
    }
}

impl Blobs {
    /// Files under `dir`, created if missing.
    pub(crate) fn local(dir: &Path) -> Result<Self, ServiceError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            ServiceError::unavailable(
                "blob_store_unavailable",
                format!(
                    "the blob directory {} cannot be created: {e}",
                    dir.display()
                ),
            )
        })?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(store_error)?
            .with_fsync(true);
        Ok(Blobs {
            store: Arc::new(store),
            prefix: ObjectPath::default(),
        })
    }

    /// The store a URL names (`s3://bucket/prefix`), with `options` such as
    /// `aws_endpoint`, `aws_region`, `aws_access_key_id` (the `AWS_*` variables, lower-cased).
    pub(crate) fn from_url(raw: &str, options: &[(String, String)]) -> Result<Self, ServiceError> {
        let invalid = |detail: String| ServiceError::invalid("invalid_blob_url", detail);
        let url = url::Url::parse(raw).map_err(|e| invalid(format!("`{raw}`: {e}")))?;
        if url.scheme() != "s3" {
            return Err(invalid(format!(
                "`{raw}`: only s3:// URLs name a blob store (or leave it unset for the data directory)"
            )));
        }
        let options = options.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let (store, prefix) = object_store::parse_url_opts(&url, options)
            .map_err(|e| invalid(format!("`{raw}`: {e}")))?;
        Ok(Blobs {
            store: Arc::from(store),
            prefix,
        })
    }

    fn path(&self, key: &str) -> ObjectPath {
        key.split('/')
            .fold(self.prefix.clone(), |path, part| path.join(part))
    }

    /// Seals `bytes` under the owner's data key, bound to `key`, and stores them under it.
    pub(crate) async fn put_sealed(
        &self,
        data_key: &DataKey,
        key: &str,
        bytes: &[u8],
    ) -> Result<(), ServiceError> {
        let sealed = data_key.seal(key, bytes)?;
        self.store
            .put(&self.path(key), PutPayload::from(sealed))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Deletes the file under `key`; one already gone counts as deleted.
    pub(crate) async fn delete(&self, key: &str) -> Result<(), ServiceError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    pub(crate) async fn get_opened(
        &self,
        data_key: &DataKey,
        key: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let object = self.store.get(&self.path(key)).await.map_err(store_error)?;
        let sealed = object.bytes().await.map_err(store_error)?;
        Ok(data_key.open(key, &sealed)?)
    }
}
