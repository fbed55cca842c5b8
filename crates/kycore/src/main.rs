//! The `kycore` command: `serve`, `init`, `organizations`, `keys`, `users`, `master-key`, `jobs`,
//! `audit`, `lists` and `screening`.

#![forbid(unsafe_code)]

mod config;
mod data_dir;
mod documents;
mod fetch;
mod lists;
mod master_key;
mod operators;
mod screening;
mod watchlists;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use kycore_services::organizations::OrganizationKeys;
use kycore_services::{DEFAULT_MAX_UPLOAD_BYTES, Deployment, ServiceConfig, Services};
use tokio_util::sync::CancellationToken;

use crate::config::{FileConfig, Storage};

#[derive(Parser)]
#[command(name = "kycore", version, about = "Self-hosted KYC/KYB verification")]
struct Cli {
    /// Configuration file (default: ./kycore.toml when present).
    #[arg(long, global = true, env = "KYCORE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct StorageArgs {
    /// Where kycore keeps its database, master key and documents.
    #[arg(long, env = "KYCORE_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://… or postgres://… (default: SQLite in the data directory).
    #[arg(long, env = "KYCORE_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// s3://bucket/prefix to keep documents in an S3-compatible store (configured by the
    /// usual AWS_* variables) instead of the data directory.
    #[arg(long, env = "KYCORE_BLOB_URL", global = true)]
    blob_url: Option<String>,
}

impl StorageArgs {
    pub(crate) fn resolve(self, file: &FileConfig) -> Storage {
        Storage::resolve(self.data_dir, self.database_url, self.blob_url, file)
    }
}

// Parsed once at start: `serve`'s flags being the bulk of its size costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the API, the hosted pages and the background worker.
    Serve {
        #[command(flatten)]
        storage: StorageArgs,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "KYCORE_LISTEN")]
        listen: Option<String>,
        /// Base URL applicants reach this server at; hosted links start with it.
        #[arg(long, env = "KYCORE_PUBLIC_URL")]
        public_url: Option<String>,
        /// Largest document file accepted, in bytes (default 10485760, 10 MiB).
        #[arg(long, env = "KYCORE_MAX_UPLOAD_BYTES")]
        max_upload_bytes: Option<usize>,
        /// Let webhook endpoints point at loopback, private and other non-public addresses
        /// (`true` or `false`; default false).
        #[arg(long, env = "KYCORE_ALLOW_PRIVATE_WEBHOOK_TARGETS")]
        allow_private_webhook_targets: Option<bool>,
        /// The document engines' model files, as `scripts/setup-models` installs them
        /// (default /usr/local/share/kycore/models).
        #[arg(long, env = "KYCORE_MODEL_DIR")]
        model_dir: Option<PathBuf>,
        #[command(flatten)]
        edge: config::EdgeArgs,
        #[command(flatten)]
        smtp: config::SmtpArgs,
        #[command(flatten)]
        provide: config::ProvideArgs,
    },
    /// Initialize the data directory and print the default organization's keys once.
    Init {
        #[command(flatten)]
        storage: StorageArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create and list organizations (tenants); each gets keys for both environments.
    Organizations {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: operators::OrganizationsCommand,
    },
    /// Manage an organization's API keys.
    Keys {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: operators::KeysCommand,
    },
    /// Manage the console's users: create (the password is shown once), reset-password,
    /// disable.
    Users {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: operators::UsersCommand,
    },
    /// Mint bearer tokens from a secret key (Provide's dialect).
    Tokens {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: operators::TokensCommand,
    },
    /// Rotate the master key without downtime, and see which keys it wraps.
    MasterKey {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: master_key::MasterKeyCommand,
    },
    /// Show the background jobs: waiting, running, done and failed.
    Jobs {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: operators::JobsCommand,
    },
    /// Verify the tamper-evident audit trail.
    Audit {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: operators::AuditCommand,
    },
    /// Import watchlists and show their versions.
    Lists {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: lists::ListsCommand,
    },
    /// Evaluate the document engines: the MRZ read from photos, faces matched.
    Documents {
        #[command(subcommand)]
        command: documents::DocumentsCommand,
    },
    /// Score name pairs, screen names in bulk, evaluate screening quality.
    Screening {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: screening::ScreeningCommand,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    data_dir::restrict_new_files();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KYCORE_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal, plain lines for a log file or collector.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    pin_native_thread_pools();
    let cli = Cli::parse();
    let file = FileConfig::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve {
            storage,
            listen,
            public_url,
            max_upload_bytes,
            allow_private_webhook_targets,
            model_dir,
            edge,
            smtp,
            provide,
        } => {
            let settings = ServeSettings {
                listen,
                public_url,
                max_upload_bytes,
                allow_private_webhook_targets,
                model_dir,
                edge,
                smtp,
                provide,
            };
            serve(&file, storage.resolve(&file), settings).await
        }
        Command::Init { storage, json } => init(storage.resolve(&file), json).await,
        Command::Organizations { storage, command } => {
            operators::organizations(
                &open_services(&storage.resolve(&file), String::new()).await?,
                command,
            )
            .await
        }
        Command::Keys { storage, command } => {
            operators::keys(
                &open_services(&storage.resolve(&file), String::new()).await?,
                command,
            )
            .await
        }
        Command::Users { storage, command } => {
            operators::users(
                &open_services(&storage.resolve(&file), String::new()).await?,
                command,
            )
            .await
        }
        Command::Tokens { storage, command } => {
            operators::tokens(
                &open_services(&storage.resolve(&file), String::new()).await?,
                command,
            )
            .await
        }
        Command::MasterKey { storage, command } => {
            let storage = storage.resolve(&file);
            if master_key::run_offline(&storage, &command)? {
                return Ok(());
            }
            let services = open_services(&storage, String::new()).await?;
            master_key::run(&services, &storage, command).await
        }
        Command::Jobs { storage, command } => {
            operators::jobs(
                &open_services(&storage.resolve(&file), String::new()).await?,
                command,
            )
            .await
        }
        Command::Audit { storage, command } => {
            operators::audit(
                &open_services(&storage.resolve(&file), String::new()).await?,
                command,
            )
            .await
        }
        Command::Lists { storage, command } => lists::run(&file, storage, command).await,
        Command::Screening { storage, command } => screening::run(&file, storage, command).await,
        Command::Documents { command } => documents::run(command),
    }
}

async fn open_deployment(storage: &Storage) -> anyhow::Result<Deployment> {
    data_dir::ensure_dir(&storage.data_dir)?;
    Deployment::open(&storage.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                kycore_services::redact_url(&storage.database_url)
            )
        })
}

fn service_config(
    storage: &Storage,
    public_url: String,
    max_upload_bytes: usize,
) -> anyhow::Result<ServiceConfig> {
    Ok(ServiceConfig {
        public_url,
        data_dir: storage.data_dir.clone(),
        max_upload_bytes,
        blob_url: storage.blob_url.clone(),
        blob_options: config::blob_options_from_env(),
        previous_master_key: data_dir::load_previous_master_key(&storage.data_dir)?,
        webhooks: kycore_services::webhooks::WebhookSettings::default(),
        smtp: None,
        // Only `serve` reads documents; other commands never load the models.
        model_dir: None,
    })
}

/// Joins a deployment with the master key: an initialized one must have been set up with
/// this key; an empty one is set up now (its default organization's keys are returned).
async fn start(
    deployment: Deployment,
    storage: &Storage,
    config: ServiceConfig,
) -> anyhow::Result<(Services, Option<OrganizationKeys>)> {
    let key = if deployment.is_initialized().await? {
        data_dir::require_master_key(&storage.data_dir)?
    } else {
        data_dir::create_master_key(&storage.data_dir)?
    };
    Services::start(deployment, &key, config)
        .await
        .context("cannot start kycore")
}

/// Opens an initialized deployment, for a command that serves no requests.
pub(crate) async fn open_services(
    storage: &Storage,
    public_url: String,
) -> anyhow::Result<Services> {
    let deployment = open_deployment(storage).await?;
    if !deployment.is_initialized().await? {
        bail!("kycore is not initialized: run `kycore init` or `kycore serve` first");
    }
    let config = service_config(storage, public_url, DEFAULT_MAX_UPLOAD_BYTES)?;
    Ok(start(deployment, storage, config).await?.0)
}

async fn init(storage: Storage, json: bool) -> anyhow::Result<()> {
    let deployment = open_deployment(&storage).await?;
    if deployment.is_initialized().await? {
        bail!(
            "kycore is already initialized (data directory {})",
            storage.data_dir.display()
        );
    }
    let config = service_config(&storage, String::new(), DEFAULT_MAX_UPLOAD_BYTES)?;
    let (_, initialized) = start(deployment, &storage, config).await?;
    let Some(initialized) = initialized else {
        bail!("another kycore initialized this database at the same moment");
    };
    if json {
        println!("{}", serde_json::to_string(&initialized)?);
    } else {
        println!("Initialized kycore in {}", storage.data_dir.display());
        operators::print_organization_keys(&initialized);
    }
    Ok(())
}

/// `kycore serve`'s own flags.
struct ServeSettings {
    listen: Option<String>,
    public_url: Option<String>,
    max_upload_bytes: Option<usize>,
    allow_private_webhook_targets: Option<bool>,
    model_dir: Option<PathBuf>,
    edge: config::EdgeArgs,
    smtp: config::SmtpArgs,
    provide: config::ProvideArgs,
}

async fn serve(file: &FileConfig, storage: Storage, settings: ServeSettings) -> anyhow::Result<()> {
    let listen = config::resolve_listen(settings.listen, file)?;
    let public_url = config::resolve_public_url(settings.public_url, file, listen)?;
    let (rate_limits, serve_limits) = config::resolve_edge(settings.edge, file)?;
    let mut config = service_config(
        &storage,
        public_url.clone(),
        config::resolve_max_upload_bytes(settings.max_upload_bytes, file)?,
    )?;
    config.webhooks.allow_private_targets = settings
        .allow_private_webhook_targets
        .or(file.allow_private_webhook_targets)
        .unwrap_or(false);
    let smtp_password = std::env::var("KYCORE_SMTP_PASSWORD").ok();
    config.smtp = config::resolve_smtp(settings.smtp, smtp_password, file)?;
    config.model_dir = Some(
        settings
            .model_dir
            .or_else(|| file.model_dir.clone())
            .unwrap_or_else(|| PathBuf::from(kycore_vision::models::DEFAULT_DIRECTORY)),
    );
    let provide_keys = config::ProvideKeys {
        vouched: std::env::var("KYCORE_PROVIDE_VOUCHED_API_KEY").ok(),
        identitymind: std::env::var("KYCORE_PROVIDE_IDENTITYMIND_API_KEY").ok(),
    };
    let provide_providers = config::resolve_provide(settings.provide, provide_keys)?;
    let deployment = open_deployment(&storage).await?;
    let (services, initialized) = start(deployment, &storage, config).await?;
    report_document_engines(&services);
    if let Some(initialized) = initialized {
        println!("First start: initialized {}", storage.data_dir.display());
        println!(
            "Sandbox secret key (shown once): {}",
            initialized.sandbox.secret_key
        );
        println!("Run `kycore keys create --env live` for a live key.");
    }

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let shutdown = CancellationToken::new();
    let worker = {
        let services = services.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            services
                .run_worker(Duration::from_millis(500), shutdown)
                .await
        })
    };
    let webhooks = {
        let services = services.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move { services.run_webhook_worker(shutdown).await })
    };
    watchlists::start_background(&services, &storage.data_dir, file, shutdown.clone())?;
    tracing::info!(%listen, %public_url, "kycore is serving");
    println!("kycore listening on http://{listen} (public URL {public_url})");
    let app = kycore_server::app_configured(services, &rate_limits, provide_providers);
    let signal = shutdown.clone();
    kycore_server::serve(listener, app, serve_limits, async move {
        wait_for_signal().await;
        signal.cancel();
    })
    .await;
    shutdown.cancel();
    let _ = worker.await;
    let _ = webhooks.await;
    Ok(())
}

/// The thread pools of the document engines' native libraries, pinned to one thread: kycore
/// runs one engine call per worker thread (one per CPU), and a pool per call would make the
/// calls fight for the cores (an MRZ read takes three times as long). The libraries read
/// these variables when they are loaded, before `main`, and setting a variable needs
/// `unsafe`; so when one is missing, kycore starts itself again with both set, once. A
/// deployer's own values are kept.
fn pin_native_thread_pools() {
    const PINNED: [(&str, &str); 2] = [("OMP_THREAD_LIMIT", "1"), ("OPENBLAS_NUM_THREADS", "1")];
    let missing: Vec<(&str, &str)> = PINNED
        .into_iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let error = match std::env::current_exe() {
        Ok(exe) => std::os::unix::process::CommandExt::exec(
            std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .envs(missing),
        ),
        Err(error) => error,
    };
    tracing::warn!(%error, "cannot restart with the engines' thread pools pinned; reads will be slower");
}

/// Says at start which document engines run, and why one does not.
fn report_document_engines(services: &Services) {
    let engines = services.document_engines();
    for (engine, availability) in [("MRZ reader", engines.mrz), ("face matcher", engines.face)] {
        match availability {
            kycore_vision::EngineAvailability::Available => {
                tracing::info!(engine, "document engine loaded")
            }
            kycore_vision::EngineAvailability::NotAvailable(reason) => {
                tracing::warn!(engine, %reason, "document engine not available: its checks report not_available")
            }
        }
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
