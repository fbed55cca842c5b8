//! Document files, sealed before they leave the process and kept through `object_store`:
//! a local directory by default; other stores (S3, GCS, Azure) plug in behind the same
//! interface.

use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::ServiceError;
use crate::crypto::Keyring;

#[derive(Clone)]
pub(crate) struct Blobs {
    /// A store that could not be opened reports why at first use, so a misconfigured blob
    /// directory fails uploads, not the whole server.
    store: Result<Arc<dyn ObjectStore>, String>,
}

fn unavailable(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Store(kycore_store::StoreError::Corrupt(format!(
        "blob store: {e}"
    )))
}

impl Blobs {
    /// Files under `<dir>`, created if missing.
    pub(crate) fn local(dir: &Path) -> Self {
        let opened = std::fs::create_dir_all(dir)
            .map_err(|e| e.to_string())
            .and_then(|()| LocalFileSystem::new_with_prefix(dir).map_err(|e| e.to_string()))
            // fsync files and their directories: a 2xx for an upload survives a crash.
            .map(|store| Arc::new(store.with_fsync(true)) as Arc<dyn ObjectStore>);
        if let Err(e) = &opened {
            tracing::error!(dir = %dir.display(), error = %e, "the blob store cannot be opened");
        }
        Blobs { store: opened }
    }

    fn store(&self) -> Result<&Arc<dyn ObjectStore>, ServiceError> {
        self.store.as_ref().map_err(unavailable)
    }

    /// Seals `bytes` bound to `key` and stores them under it.
    pub(crate) async fn put_sealed(
        &self,
        keyring: &Keyring,
        key: &str,
        bytes: &[u8],
    ) -> Result<(), ServiceError> {
        let sealed = keyring.seal(key, bytes);
        self.store()?
            .put(&ObjectPath::from(key), PutPayload::from(sealed))
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    pub(crate) async fn get_opened(
        &self,
        keyring: &Keyring,
        key: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let object = self
            .store()?
            .get(&ObjectPath::from(key))
            .await
            .map_err(unavailable)?;
        let sealed = object.bytes().await.map_err(unavailable)?;
        keyring.open(key, &sealed).map_err(|_| ServiceError::Crypto)
    }
}
