//! The `kycore` command: `serve`, `init`, `keys`, `lists` and `screening`.

#![forbid(unsafe_code)]

mod config;
mod data_dir;
mod fetch;
mod lists;
mod screening;
mod watchlists;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use kycore_domain::tenancy::Environment;
use kycore_services::keys::KeyKind;
use kycore_services::{DEFAULT_MAX_UPLOAD_BYTES, ServiceConfig, Services, Store, bootstrap};
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
}

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
    },
    /// Initialize the data directory and print the organization's keys once.
    Init {
        #[command(flatten)]
        storage: StorageArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Manage API keys.
    Keys {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Import watchlists and show their versions.
    Lists {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: lists::ListsCommand,
    },
    /// Score name pairs, screen names in bulk, evaluate screening quality.
    Screening {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: screening::ScreeningCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key; a secret key is shown only now.
    Create {
        #[arg(long = "env", value_enum)]
        environment: EnvArg,
        #[arg(long, value_enum, default_value = "secret")]
        kind: KindArg,
        #[arg(long)]
        json: bool,
    },
    /// List keys (never the secrets themselves).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by id; requests with it are refused from now on.
    Revoke { id: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum EnvArg {
    Sandbox,
    Live,
}

impl From<EnvArg> for Environment {
    fn from(arg: EnvArg) -> Self {
        match arg {
            EnvArg::Sandbox => Environment::Sandbox,
            EnvArg::Live => Environment::Live,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Secret,
    Publishable,
}

impl From<KindArg> for KeyKind {
    fn from(arg: KindArg) -> Self {
        match arg {
            KindArg::Secret => KeyKind::Secret,
            KindArg::Publishable => KeyKind::Publishable,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KYCORE_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let file = FileConfig::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve {
            storage,
            listen,
            public_url,
            max_upload_bytes,
        } => serve(&file, storage, listen, public_url, max_upload_bytes).await,
        Command::Init { storage, json } => init(&file, storage, json).await,
        Command::Keys { storage, command } => keys(&file, storage, command).await,
        Command::Lists { storage, command } => lists::run(&file, storage, command).await,
        Command::Screening { storage, command } => screening::run(&file, storage, command).await,
    }
}

async fn open_store(storage: &Storage) -> anyhow::Result<Store> {
    data_dir::ensure_dir(&storage.data_dir)?;
    Store::open(&storage.database_url).await.with_context(|| {
        format!(
            "cannot open the database {}",
            kycore_services::redact_url(&storage.database_url)
        )
    })
}

/// Opens an initialized deployment, for a command that takes no uploads.
async fn open_services(storage: &Storage, public_url: String) -> anyhow::Result<Services> {
    let store = open_store(storage).await?;
    if bootstrap::default_organization(&store).await?.is_none() {
        bail!("kycore is not initialized: run `kycore init` or `kycore serve` first");
    }
    let key = data_dir::require_master_key(&storage.data_dir)?;
    Ok(Services::new(
        store,
        &key,
        ServiceConfig {
            public_url,
            data_dir: storage.data_dir.clone(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
        },
    ))
}

async fn init(file: &FileConfig, args: StorageArgs, json: bool) -> anyhow::Result<()> {
    let storage = Storage::resolve(args.data_dir, args.database_url, file);
    let store = open_store(&storage).await?;
    if bootstrap::default_organization(&store).await?.is_some() {
        bail!(
            "kycore is already initialized (data directory {})",
            storage.data_dir.display()
        );
    }
    let key = data_dir::create_master_key(&storage.data_dir)?;
    let services = Services::new(
        store,
        &key,
        ServiceConfig {
            public_url: String::new(),
            data_dir: storage.data_dir.clone(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
        },
    );
    let initialized = services.initialize("Default organization").await?;
    if json {
        println!("{}", serde_json::to_string(&initialized)?);
    } else {
        println!("Initialized kycore in {}", storage.data_dir.display());
        println!("Organization:        {}", initialized.organization_id);
        println!("Sandbox secret key:  {}", initialized.sandbox.secret_key);
        println!(
            "Sandbox publishable: {}",
            initialized.sandbox.publishable_key
        );
        println!("Live secret key:     {}", initialized.live.secret_key);
        println!("Live publishable:    {}", initialized.live.publishable_key);
        println!("The secret keys are shown only now; store them safely.");
    }
    Ok(())
}

async fn serve(
    file: &FileConfig,
    args: StorageArgs,
    listen: Option<String>,
    public_url: Option<String>,
    max_upload_bytes: Option<usize>,
) -> anyhow::Result<()> {
    let storage = Storage::resolve(args.data_dir, args.database_url, file);
    let listen = config::resolve_listen(listen, file)?;
    let public_url = config::resolve_public_url(public_url, file, listen)?;
    let config = ServiceConfig {
        public_url: public_url.clone(),
        data_dir: storage.data_dir.clone(),
        max_upload_bytes: config::resolve_max_upload_bytes(max_upload_bytes, file)?,
    };
    let store = open_store(&storage).await?;
    let services = if bootstrap::default_organization(&store).await?.is_none() {
        let key = data_dir::create_master_key(&storage.data_dir)?;
        let services = Services::new(store, &key, config);
        let initialized = services.initialize("Default organization").await?;
        println!("First start: initialized {}", storage.data_dir.display());
        println!(
            "Sandbox secret key (shown once): {}",
            initialized.sandbox.secret_key
        );
        println!("Run `kycore keys create --env live` for a live key.");
        services
    } else {
        let key = data_dir::require_master_key(&storage.data_dir)?;
        Services::new(store, &key, config)
    };

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
    watchlists::start_background(&services, &storage.data_dir, file, shutdown.clone())?;
    tracing::info!(%listen, %public_url, "kycore is serving");
    println!("kycore listening on http://{listen} (public URL {public_url})");
    let app = kycore_server::app(services);
    let signal = shutdown.clone();
    axum_serve(listener, app, async move {
        wait_for_signal().await;
        signal.cancel();
    })
    .await?;
    shutdown.cancel();
    let _ = worker.await;
    Ok(())
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("server failed")
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

async fn keys(file: &FileConfig, args: StorageArgs, command: KeysCommand) -> anyhow::Result<()> {
    let storage = Storage::resolve(args.data_dir, args.database_url, file);
    let services = open_services(&storage, String::new()).await?;
    let Some(organization) = bootstrap::default_organization(services.store()).await? else {
        bail!("kycore is not initialized");
    };
    match command {
        KeysCommand::Create {
            environment,
            kind,
            json,
        } => {
            let key = services
                .create_key(&organization, environment.into(), kind.into())
                .await?;
            if json {
                println!("{}", serde_json::to_string(&key)?);
            } else {
                println!(
                    "{} ({} {} key)",
                    key.key,
                    key.environment,
                    key.kind.as_str()
                );
                println!("id: {}", key.id);
            }
        }
        KeysCommand::List { json } => {
            let keys = services.list_keys(&organization).await?;
            if json {
                println!("{}", serde_json::to_string(&keys)?);
            } else {
                for k in keys {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    println!(
                        "{}  {:<8} {:<11} {:<20} {}",
                        k.id, k.environment, k.kind, k.hint, state
                    );
                }
            }
        }
        KeysCommand::Revoke { id } => {
            services.revoke_key(&organization, &id).await?;
            println!("revoked {id}");
        }
    }
    Ok(())
}
