//! kycore's use cases.
//!
//! Each use case that changes something is one unit of work on the store: the change, the
//! events it causes (the outbox), its audit entry and, when the caller sent an
//! `Idempotency-Key`, the response to replay — all committed together or not at all. No
//! network call ever runs inside a unit. Reads go straight to the store's read pool.
//!
//! The layout (see ARCHITECTURE.md): `kernel/` alone writes a case and what travels with it;
//! the use cases (`applicants`, `cases`, `documents`, `portal`, `processing`, `screening`,
//! `flows`, `events`, `keys`, `organizations`) call the kernel and never one another in a
//! circle; `views` builds the read models they answer with; the rest are leaves they share
//! (tokens, crypto, blobs, intake, catalog, decision, providers, jobs, record). The store is
//! reached only from inside this crate.

#![forbid(unsafe_code)]

pub mod applicants;
pub mod audit;
mod blobs;
pub mod branding;
mod cache;
pub mod cases;
mod catalog;
pub mod console_users;
pub mod context;
pub mod crypto;
mod decision;
pub mod documents;
pub mod error;
pub mod events;
pub mod flows;
pub mod held_files;
pub mod idempotency;
mod intake;
pub mod jobs;
mod kernel;
pub mod key_rotation;
pub mod key_tokens;
pub mod keys;
pub mod mail;
pub mod metrics;
pub mod organizations;
pub mod pagination;
pub mod portal;
pub mod processing;
pub mod providers;
pub mod reading;
mod record;
pub mod redaction;
mod scope;
pub mod screening;
mod sealing;
pub mod second_factor;
pub mod time_format;
mod tokens;
pub mod uploads;
pub mod validation;
pub mod views;
pub mod webhooks;
pub mod worker;

use std::path::PathBuf;
use std::sync::Arc;

pub use context::{IdempotencyClaim, Principal, Renderer, RequestContext, SystemComponent};
pub use error::ServiceError;
pub use kernel::{CaseApplicant, CaseAttachments, HitVerdict, NewCaseRequest};
pub use kycore_store::{Backend, WriterStatus, redact_url};
use kycore_store::{Store, organizations as stored_organizations};

use crypto::{Keyring, MasterKey, MasterKeys};
use organizations::OrganizationKeys;
use worker::{WorkerHealth, WorkerStatus};

/// Settings the use cases need; the binary fills them from flags, environment and file.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Base URL applicants reach kycore at, without a trailing slash; hosted links start here.
    pub public_url: String,
    /// Where documents are kept (sealed) unless `blob_url` names a store: `<data_dir>/blobs`.
    pub data_dir: PathBuf,
    /// The largest document file accepted, in bytes ([`DEFAULT_MAX_UPLOAD_BYTES`] unless
    /// configured); the HTTP edge sizes its body limits from it.
    pub max_upload_bytes: usize,
    /// An object store for documents instead of the data directory: `s3://bucket/prefix`.
    pub blob_url: Option<String>,
    /// The store's settings (`aws_endpoint`, `aws_region`, `aws_access_key_id`, …).
    pub blob_options: Vec<(String, String)>,
    /// During a master-key rotation, the key being replaced: it still unwraps what it wrapped.
    pub previous_master_key: Option<MasterKey>,
    /// Webhook delivery: the SSRF opt-out, timeout, retry schedule and limits.
    pub webhooks: webhooks::WebhookSettings,
    /// The SMTP server related persons' links are e-mailed through; without it the portal
    /// offers copy, share and a QR code only.
    pub smtp: Option<mail::SmtpSettings>,
    /// Where the document engines' model files are (`scripts/setup-models`); without it, or
    /// without a model in it, the checks that need one report `not_available`.
    pub model_dir: Option<PathBuf>,
}

impl ServiceConfig {
    /// Settings with documents in the data directory.
    pub fn new(public_url: impl Into<String>, data_dir: impl Into<PathBuf>) -> Self {
        ServiceConfig {
            public_url: public_url.into(),
            data_dir: data_dir.into(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            blob_url: None,
            blob_options: Vec::new(),
            previous_master_key: None,
            webhooks: webhooks::WebhookSettings::default(),
            smtp: None,
            model_dir: None,
        }
    }
}

/// 10 MiB: a phone photo of a document is 2–6 MB, a scanned PDF of a few pages less.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// A deployment's database, opened (and migrated) but not yet joined with a master key.
pub struct Deployment {
    store: Store,
}

impl Deployment {
    /// Connects to `sqlite://…` or `postgres://…` and applies pending migrations.
    pub async fn open(database_url: &str) -> Result<Deployment, ServiceError> {
        Ok(Deployment {
            store: Store::open(database_url).await?,
        })
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Whether a server has set this database up before (an organization exists).
    pub async fn is_initialized(&self) -> Result<bool, ServiceError> {
        Ok(stored_organizations::first(self.store.reader())
            .await?
            .is_some())
    }
}

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
    /// Unwrapped data keys by owner (applicant or organization) id.
    data_keys: cache::TtlCache<String, crypto::DataKey>,
    /// An organization's default flows by (scope, kind).
    default_flows:
        cache::TtlCache<(kycore_domain::tenancy::Scope, &'static str), Vec<catalog::ResolvedFlow>>,
    /// Flow versions cases pinned, by (scope, id, version): a version never changes, and the
    /// webhook content loader and decisions read them for every case.
    pinned_flows: cache::TtlCache<
        (kycore_domain::tenancy::Scope, String, i64),
        kycore_domain::flow::FlowDefinition,
    >,
    /// The deployment's loaded watchlists; empty until `load_watchlists`.
    screening: screening::Registry,
    /// Flows' rules, compiled once.
    rule_cache: decision::RuleCache,
    /// The process's Prometheus metrics.
    metrics: metrics::Metrics,
    /// Uploads being inspected (images decoded) at once: at most one per CPU.
    decode_permits: tokio::sync::Semaphore,
    /// The job worker's heartbeat, when this process runs one.
    worker: Arc<WorkerHealth>,
    /// Webhook formats, the delivery HTTP client and the delivery worker's wake-up.
    webhooks: webhooks::delivery::Runtime,
    /// The SMTP client, when `[smtp]` is configured.
    mailer: Option<mail::Mailer>,
    /// The document engines, loaded once, and the queue in front of them.
    readers: reading::Readers,
}

/// Whether this process can serve: each part and what is wrong with it.
#[derive(Clone, Debug)]
pub struct Readiness {
    /// The database answers a trivial query.
    pub database: Result<(), String>,
    pub writers: WriterStatus,
    pub worker: WorkerStatus,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.database.is_ok()
            && self.writers.connected == self.writers.writers
            && self.worker != WorkerStatus::Stuck
    }
}

impl Services {
    /// Joins the deployment with `master_key` (and, during a rotation, the configured previous
    /// one): on an empty database, records a root secret wrapped by the key and creates the
    /// default organization, whose keys are returned (once, to show); otherwise opens the
    /// deployment's root secret, refusing a key that does not open it.
    pub async fn start(
        deployment: Deployment,
        master_key: &MasterKey,
        config: ServiceConfig,
    ) -> Result<(Services, Option<OrganizationKeys>), ServiceError> {
        let blobs = match &config.blob_url {
            Some(url) => blobs::Blobs::from_url(url, &config.blob_options)?,
            None => blobs::Blobs::local(&config.data_dir.join("blobs"))?,
        };
        let config = ServiceConfig {
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            ..config
        };
        let masters = MasterKeys::new(master_key.clone(), config.previous_master_key.clone());
        let (root, initialized) =
            organizations::join_deployment(&deployment.store, &masters).await?;
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let worker = Arc::new(WorkerHealth::default());
        let metrics = metrics::Metrics::new(deployment.store.clone(), Arc::clone(&worker));
        let webhooks = webhooks::delivery::Runtime::new(&config.webhooks)?;
        let mailer = config.smtp.as_ref().map(mail::Mailer::new).transpose()?;
        let readers =
            reading::Readers::new(load_engines(config.model_dir.clone(), cpus).await?, cpus);
        let services = Services {
            inner: Arc::new(Inner {
                store: deployment.store,
                keyring: Keyring::new(masters, &root),
                config,
                blobs,
                keys: cache::TtlCache::new(),
                data_keys: cache::TtlCache::new(),
                default_flows: cache::TtlCache::new(),
                pinned_flows: cache::TtlCache::new(),
                screening: screening::Registry::default(),
                rule_cache: decision::RuleCache::default(),
                metrics,
                decode_permits: tokio::sync::Semaphore::new(cpus),
                worker,
                webhooks,
                mailer,
                readers,
            }),
        };
        services.start_audit_chain().await?;
        Ok((services, initialized))
    }

    pub(crate) fn blobs(&self) -> &blobs::Blobs {
        &self.inner.blobs
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn backend(&self) -> Backend {
        self.inner.store.backend()
    }

    pub(crate) fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    pub(crate) fn inner_data_keys(&self) -> &cache::TtlCache<String, crypto::DataKey> {
        &self.inner.data_keys
    }

    pub(crate) fn key_cache(&self) -> &cache::TtlCache<Vec<u8>, keys::Authenticated> {
        &self.inner.keys
    }

    pub(crate) fn default_flow_cache(
        &self,
    ) -> &cache::TtlCache<(kycore_domain::tenancy::Scope, &'static str), Vec<catalog::ResolvedFlow>>
    {
        &self.inner.default_flows
    }

    pub(crate) fn pinned_flow_cache(
        &self,
    ) -> &cache::TtlCache<
        (kycore_domain::tenancy::Scope, String, i64),
        kycore_domain::flow::FlowDefinition,
    > {
        &self.inner.pinned_flows
    }

    pub(crate) fn webhook_runtime(&self) -> &webhooks::delivery::Runtime {
        &self.inner.webhooks
    }

    pub(crate) fn worker_health(&self) -> &WorkerHealth {
        &self.inner.worker
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    pub(crate) fn mailer(&self) -> Option<&mail::Mailer> {
        self.inner.mailer.as_ref()
    }

    pub(crate) fn readers(&self) -> &reading::Readers {
        &self.inner.readers
    }

    /// Whether each document engine can run here, for the operator (`/readyz`, the logs).
    pub fn document_engines(&self) -> DocumentEngines {
        let engines = self.readers().engines();
        DocumentEngines {
            mrz: engines.mrz_availability(),
            face: engines.face_availability(),
        }
    }

    pub(crate) fn decode_permits(&self) -> &tokio::sync::Semaphore {
        &self.inner.decode_permits
    }

    /// The URL of a hosted link with `token`.
    pub fn verification_url(&self, token: &str) -> String {
        format!("{}/verify/{token}", self.config().public_url)
    }

    /// Whether this process can serve requests: the database answers, every store writer
    /// holds a connection, and the job worker (when this process runs one) comes round.
    pub async fn readiness(&self) -> Readiness {
        Readiness {
            database: self.store().ping().await.map_err(|e| e.to_string()),
            writers: self.store().writer_status(),
            worker: self.worker_health().status(),
        }
    }
}

/// Whether the document engines can run (the barcode reader needs no model and always can).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentEngines {
    pub mrz: kycore_vision::EngineAvailability,
    pub face: kycore_vision::EngineAvailability,
}

/// Loads the document engines' models (tens of megabytes, checksummed) off the async threads.
/// A missing model leaves its engine unavailable; a model that fails its checksum stops the
/// start, since running an unvetted model is worse than running none.
async fn load_engines(
    model_dir: Option<PathBuf>,
    workers: usize,
) -> Result<kycore_vision::Engines, ServiceError> {
    let Some(model_dir) = model_dir else {
        return Ok(kycore_vision::Engines::none());
    };
    blocking(move || kycore_vision::Engines::load(&model_dir, workers))
        .await?
        .map_err(|error| ServiceError::unavailable("document_models", error.to_string()))
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
