//! kycore's use cases.
//!
//! Each use case that changes something is one unit of work on the store: the change, the
//! events it causes (the outbox), its audit entry and, when the caller sent an
//! `Idempotency-Key`, the response to replay — all committed together or not at all. No
//! network call ever runs inside a unit. Reads go straight to the store's read pool.

#![forbid(unsafe_code)]

pub mod applicants;
mod blobs;
pub mod bootstrap;
mod cache;
pub mod cases;
pub mod context;
pub mod crypto;
mod decision;
pub mod documents;
pub mod error;
pub mod events;
pub mod flows;
pub mod idempotency;
pub mod keys;
pub mod links;
pub mod metrics;
pub mod pagination;
pub mod portal;
pub mod processing;
pub mod providers;
mod record;
pub mod screening;
pub mod time_format;
pub mod uploads;
pub mod validation;
pub mod worker;

use std::sync::Arc;

pub use context::{Actor, IdempotencyClaim, RequestContext};
pub use error::ServiceError;
pub use kycore_store::{Backend, Store, StoreError, redact_url};

use crypto::{Keyring, MasterKey};

/// Settings the use cases need; the binary fills them from flags, environment and file.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Base URL applicants reach kycore at, without a trailing slash; hosted links start here.
    pub public_url: String,
    /// Where documents are kept (sealed), under `blobs/`.
    pub data_dir: std::path::PathBuf,
    /// The largest document file accepted, in bytes ([`DEFAULT_MAX_UPLOAD_BYTES`] unless
    /// configured); the HTTP edge sizes its body limits from it.
    pub max_upload_bytes: usize,
}

/// 10 MiB: a phone photo of a document is 2–6 MB, a scanned PDF of a few pages less.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The entry point to every use case. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    keyring: Keyring,
    config: ServiceConfig,
    blobs: blobs::Blobs,
    /// Valid secret keys by hash.
    keys: cache::TtlCache<Vec<u8>, keys::Authenticated>,
    /// An organization's default flows by (scope, kind).
    default_flows:
        cache::TtlCache<(kycore_domain::tenancy::Scope, &'static str), Vec<flows::ResolvedFlow>>,
    /// The deployment's loaded watchlists; empty until `load_watchlists`.
    screening: screening::Registry,
    /// Flows' rules, compiled once.
    rule_cache: decision::RuleCache,
    /// The process's Prometheus metrics.
    metrics: metrics::Metrics,
    /// Uploads being inspected (images decoded) at once: at most one per CPU.
    decode_permits: tokio::sync::Semaphore,
}

impl Services {
    pub fn new(store: Store, master_key: &MasterKey, config: ServiceConfig) -> Self {
        let blobs = blobs::Blobs::local(&config.data_dir.join("blobs"));
        let config = ServiceConfig {
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            ..config
        };
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Services {
            inner: Arc::new(Inner {
                store,
                keyring: Keyring::new(master_key),
                config,
                blobs,
                keys: cache::TtlCache::new(),
                default_flows: cache::TtlCache::new(),
                screening: screening::Registry::default(),
                rule_cache: decision::RuleCache::default(),
                metrics: metrics::Metrics::default(),
                decode_permits: tokio::sync::Semaphore::new(cpus),
            }),
        }
    }

    pub(crate) fn blobs(&self) -> &blobs::Blobs {
        &self.inner.blobs
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    pub(crate) fn key_cache(&self) -> &cache::TtlCache<Vec<u8>, keys::Authenticated> {
        &self.inner.keys
    }

    pub(crate) fn default_flow_cache(
        &self,
    ) -> &cache::TtlCache<(kycore_domain::tenancy::Scope, &'static str), Vec<flows::ResolvedFlow>>
    {
        &self.inner.default_flows
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    pub(crate) fn decode_permits(&self) -> &tokio::sync::Semaphore {
        &self.inner.decode_permits
    }

    /// Whether this process can serve requests: the database answers a trivial query.
    pub async fn ready(&self) -> Result<(), ServiceError> {
        self.store().ping().await?;
        Ok(())
    }
}

/// Runs CPU-bound work on the blocking pool. A panic there is re-raised here, so it ends
/// the request like any other panic (the HTTP layer answers 500).
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Ok(value),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(ServiceError::unavailable(
            "shutting_down",
            "the server is shutting down",
        )),
    }
}
