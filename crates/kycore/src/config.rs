//! Configuration: flags win over `KYCORE_*` environment variables (clap reads both), which
//! win over `kycore.toml`, which wins over the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kycore_services::mail::{SmtpSecurity, SmtpSettings};
use serde::Deserialize;

pub const DEFAULT_DATA_DIR: &str = "./kycore-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_CONFIG_FILE: &str = "kycore.toml";

/// What may be set in `kycore.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    /// `s3://bucket/prefix` to keep documents in an S3-compatible store.
    pub blob_url: Option<String>,
    pub public_url: Option<String>,
    /// List files or URLs `kycore serve` imports at start and again on a schedule.
    #[serde(default)]
    pub watchlists: Vec<crate::watchlists::WatchlistSource>,
    /// Seconds between those imports (default one hour).
    pub watchlist_import_seconds: Option<u64>,
    /// Largest document file accepted, in bytes (default 10 MiB).
    pub max_upload_bytes: Option<usize>,
    /// Requests per second one API key may send (0: no limit).
    pub rate_limit_per_key: Option<u32>,
    /// Failed authentications per minute one client address may make (0: no limit).
    pub auth_failures_per_minute: Option<u32>,
    /// The header a trusted reverse proxy puts the client's address in.
    pub client_ip_header: Option<String>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Let webhook endpoints point at loopback, private and other non-public addresses
    /// (default false: such URLs are refused, when saved and at every delivery).
    pub allow_private_webhook_targets: Option<bool>,
    /// The SMTP server related persons' own links are e-mailed through.
    pub smtp: Option<SmtpFile>,
    /// Where `scripts/setup-models` put the document engines' models.
    pub model_dir: Option<PathBuf>,
}

/// The `[smtp]` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    pub security: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
}

impl FileConfig {
    /// Reads the file if it exists; an explicitly named file must exist.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Self::default());
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        toml::from_str(&text)
            .with_context(|| format!("invalid configuration in {}", path.display()))
    }
}

/// Where kycore keeps its state.
#[derive(Debug, Clone)]
pub struct Storage {
    pub data_dir: PathBuf,
    pub database_url: String,
    /// An object store for documents instead of `<data_dir>/blobs`.
    pub blob_url: Option<String>,
}

impl Storage {
    pub fn resolve(
        data_dir: Option<PathBuf>,
        database_url: Option<String>,
        blob_url: Option<String>,
        file: &FileConfig,
    ) -> Self {
        let data_dir = data_dir
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = database_url
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| {
                format!("sqlite://{}?mode=rwc", data_dir.join("kycore.db").display())
            });
        Storage {
            data_dir,
            database_url,
            blob_url: blob_url.or_else(|| file.blob_url.clone()),
        }
    }
}

/// The blob store's settings from the environment: every `AWS_*` variable, as the
/// `object_store` crate names them (lower-cased), e.g. `aws_endpoint`, `aws_region`.
pub fn blob_options_from_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(key, _)| key.starts_with("AWS_"))
        .map(|(key, value)| (key.to_ascii_lowercase(), value))
        .collect()
}

pub fn resolve_listen(flag: Option<String>, file: &FileConfig) -> anyhow::Result<SocketAddr> {
    let raw = flag
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    raw.parse()
        .with_context(|| format!("`{raw}` is not an address to listen on (e.g. 127.0.0.1:8080)"))
}

pub fn resolve_public_url(
    flag: Option<String>,
    file: &FileConfig,
    listen: SocketAddr,
) -> anyhow::Result<String> {
    let url = flag
        .or_else(|| file.public_url.clone())
        .unwrap_or_else(|| format!("http://{listen}"));
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("the public URL must start with http:// or https:// (got `{url}`)");
    }
    Ok(url.trim_end_matches('/').to_owned())
}

pub fn resolve_max_upload_bytes(flag: Option<usize>, file: &FileConfig) -> anyhow::Result<usize> {
    let bytes = flag
        .or(file.max_upload_bytes)
        .unwrap_or(kycore_services::DEFAULT_MAX_UPLOAD_BYTES);
    if bytes == 0 {
        bail!("max_upload_bytes must be more than 0 (it is the largest document file accepted)");
    }
    Ok(bytes)
}

/// The HTTP edge's limits, each from its flag, the environment or the file.
#[derive(Debug, Default, clap::Args)]
pub struct EdgeArgs {
    /// Requests per second one API key may send, bursts up to twice that (default 200; 0
    /// turns the limit off).
    #[arg(long, env = "KYCORE_RATE_LIMIT_PER_KEY")]
    pub rate_limit_per_key: Option<u32>,
    /// Failed authentications per minute one client address may make before it is refused
    /// for the rest of the minute (default 20; 0 turns the limit off).
    #[arg(long, env = "KYCORE_AUTH_FAILURES_PER_MINUTE")]
    pub auth_failures_per_minute: Option<u32>,
    /// A header a trusted reverse proxy sets to the client's address (e.g.
    /// X-Forwarded-For; its last entry counts). Without it the peer address is the client's.
    #[arg(long, env = "KYCORE_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// Connections served at once (default 1024); more wait to be accepted.
    #[arg(long, env = "KYCORE_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
}

pub fn resolve_edge(
    args: EdgeArgs,
    file: &FileConfig,
) -> anyhow::Result<(kycore_server::RateLimits, kycore_server::ServeLimits)> {
    let defaults = kycore_server::RateLimits::default();
    let client_ip_header = args
        .client_ip_header
        .or_else(|| file.client_ip_header.clone())
        .map(|name| {
            axum::http::HeaderName::try_from(name.trim())
                .with_context(|| format!("`{name}` is not an HTTP header name"))
        })
        .transpose()?;
    let rate_limits = kycore_server::RateLimits {
        per_key_per_second: args
            .rate_limit_per_key
            .or(file.rate_limit_per_key)
            .unwrap_or(defaults.per_key_per_second),
        auth_failures_per_minute: args
            .auth_failures_per_minute
            .or(file.auth_failures_per_minute)
            .unwrap_or(defaults.auth_failures_per_minute),
        client_ip_header,
    };
    let serve_defaults = kycore_server::ServeLimits::default();
    let max_connections = args
        .max_connections
        .or(file.max_connections)
        .unwrap_or(serve_defaults.max_connections);
    if max_connections == 0 {
        bail!("max_connections must be more than 0");
    }
    Ok((
        rate_limits,
        kycore_server::ServeLimits {
            max_connections,
            ..serve_defaults
        },
    ))
}

/// The SMTP server's settings from flags and the environment; each wins over `[smtp]`.
#[derive(Debug, Default, clap::Args)]
pub struct SmtpArgs {
    /// The SMTP server related persons' own links are e-mailed through (without one, the
    /// portal offers copy, share and a QR code only).
    #[arg(long, env = "KYCORE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Its port (default 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, env = "KYCORE_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls` (SMTPS) or `none` (only for a relay on the same host).
    #[arg(long, env = "KYCORE_SMTP_SECURITY")]
    pub smtp_security: Option<String>,
    #[arg(long, env = "KYCORE_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// The sender, e.g. `Example Ltd <verify@example.com>`.
    #[arg(long, env = "KYCORE_SMTP_FROM")]
    pub smtp_from: Option<String>,
}

/// The SMTP settings, if a host is configured. The password comes from
/// `KYCORE_SMTP_PASSWORD` or the file, never a flag (flags show in the process list).
pub fn resolve_smtp(
    args: SmtpArgs,
    password_env: Option<String>,
    file: &FileConfig,
) -> anyhow::Result<Option<SmtpSettings>> {
    let section = file.smtp.as_ref();
    let from_file = |pick: fn(&SmtpFile) -> Option<String>| section.and_then(pick);
    let Some(host) = args.smtp_host.or_else(|| from_file(|s| s.host.clone())) else {
        if args.smtp_from.is_some() || section.is_some() {
            bail!("[smtp] needs a host (smtp_host, KYCORE_SMTP_HOST or host in [smtp])");
        }
        return Ok(None);
    };
    let raw_security = args
        .smtp_security
        .or_else(|| from_file(|s| s.security.clone()))
        .unwrap_or_else(|| "starttls".to_owned());
    let Some(security) = SmtpSecurity::parse(&raw_security) else {
        bail!("[smtp] security must be starttls, tls or none (got `{raw_security}`)");
    };
    let Some(from) = args.smtp_from.or_else(|| from_file(|s| s.from.clone())) else {
        bail!("[smtp] needs a sender address (KYCORE_SMTP_FROM or from in [smtp])");
    };
    Ok(Some(SmtpSettings {
        host,
        port: args.smtp_port.or(section.and_then(|s| s.port)),
        security,
        username: args
            .smtp_username
            .or_else(|| from_file(|s| s.username.clone())),
        password: password_env.or_else(|| from_file(|s| s.password.clone())),
        from,
    }))
}

/// The third-party providers Provide's dialect sends applications to: off unless a URL is
/// given. The API keys come from the environment only (`KYCORE_PROVIDE_VOUCHED_API_KEY`,
/// `KYCORE_PROVIDE_IDENTITYMIND_API_KEY`), never a flag: flags show in the process list.
#[derive(Debug, Default, clap::Args)]
pub struct ProvideArgs {
    /// Vouched's API base URL (e.g. https://verify.vouched.id): Provide applications with
    /// `provider: vouched` are also sent there.
    #[arg(long, env = "KYCORE_PROVIDE_VOUCHED_URL")]
    pub provide_vouched_url: Option<String>,
    /// IdentityMind's API base URL: Provide applications with `provider: identitymind` are
    /// also sent there.
    #[arg(long, env = "KYCORE_PROVIDE_IDENTITYMIND_URL")]
    pub provide_identitymind_url: Option<String>,
    /// IdentityMind's API user (HTTP Basic, with the key as password).
    #[arg(long, env = "KYCORE_PROVIDE_IDENTITYMIND_USER")]
    pub provide_identitymind_user: Option<String>,
}

/// The providers' API keys, read from the environment by the caller.
pub struct ProvideKeys {
    pub vouched: Option<String>,
    pub identitymind: Option<String>,
}

/// The configured providers: each needs its URL and key together (IdentityMind its user too).
pub fn resolve_provide(
    args: ProvideArgs,
    keys: ProvideKeys,
) -> anyhow::Result<kycore_server::ProviderAccounts> {
    let account = |name: &str,
                   url: Option<String>,
                   user: Option<String>,
                   key: Option<String>|
     -> anyhow::Result<Option<kycore_server::ProviderAccount>> {
        let upper = name.to_ascii_uppercase();
        match (url, key) {
            (None, None) => Ok(None),
            (Some(url), Some(api_key)) => {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    bail!("KYCORE_PROVIDE_{upper}_URL must be an http(s) URL (got `{url}`)");
                }
                Ok(Some(kycore_server::ProviderAccount { url, user, api_key }))
            }
            (Some(_), None) => bail!("{name} needs its key in KYCORE_PROVIDE_{upper}_API_KEY"),
            (None, Some(_)) => bail!("{name} needs its URL in KYCORE_PROVIDE_{upper}_URL"),
        }
    };
    let identitymind = account(
        "identitymind",
        args.provide_identitymind_url,
        args.provide_identitymind_user,
        keys.identitymind,
    )?;
    if identitymind.as_ref().is_some_and(|a| a.user.is_none()) {
        bail!("identitymind needs its API user in KYCORE_PROVIDE_IDENTITYMIND_USER");
    }
    Ok(kycore_server::ProviderAccounts {
        vouched: account("vouched", args.provide_vouched_url, None, keys.vouched)?,
        identitymind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_off_unless_configured_whole() {
        let none = || ProvideKeys {
            vouched: None,
            identitymind: None,
        };
        let off = resolve_provide(ProvideArgs::default(), none()).unwrap();
        assert!(off.vouched.is_none() && off.identitymind.is_none());
        let vouched = ProvideArgs {
            provide_vouched_url: Some("https://verify.vouched.id".into()),
            ..ProvideArgs::default()
        };
        assert!(resolve_provide(vouched, none()).is_err());
        let identitymind_key = ProvideKeys {
            vouched: None,
            identitymind: Some("im-key".into()),
        };
        let identitymind = ProvideArgs {
            provide_identitymind_url: Some("https://edna.identitymind.com".into()),
            ..ProvideArgs::default()
        };
        assert!(
            resolve_provide(identitymind, identitymind_key).is_err(),
            "no user"
        );
        let both = ProvideArgs {
            provide_vouched_url: Some("https://verify.vouched.id".into()),
            provide_identitymind_url: Some("https://edna.identitymind.com".into()),
            provide_identitymind_user: Some("user".into()),
        };
        let keys = ProvideKeys {
            vouched: Some("key".into()),
            identitymind: Some("im-key".into()),
        };
        let on = resolve_provide(both, keys).unwrap();
        assert_eq!(on.vouched.unwrap().api_key, "key");
        assert_eq!(on.identitymind.unwrap().user.as_deref(), Some("user"));
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file: FileConfig =
            toml::from_str("data_dir = \"/srv/k\"\nlisten = \"0.0.0.0:9000\"").unwrap();
        let storage = Storage::resolve(None, None, None, &file);
        assert_eq!(storage.data_dir, PathBuf::from("/srv/k"));
        assert_eq!(storage.database_url, "sqlite:///srv/k/kycore.db?mode=rwc");
        let storage =
            Storage::resolve(Some("/x".into()), Some("postgres://db".into()), None, &file);
        assert_eq!(
            (storage.data_dir, storage.database_url.as_str()),
            (PathBuf::from("/x"), "postgres://db")
        );
        let listen = resolve_listen(None, &file).unwrap();
        assert_eq!(listen.port(), 9000);
        assert_eq!(
            resolve_public_url(None, &FileConfig::default(), listen).unwrap(),
            "http://0.0.0.0:9000"
        );
        assert!(resolve_public_url(Some("ftp://x".into()), &file, listen).is_err());
        assert!(toml::from_str::<FileConfig>("unknown = 1").is_err());
        let file: FileConfig = toml::from_str("max_upload_bytes = 2000000").unwrap();
        assert_eq!(resolve_max_upload_bytes(None, &file).unwrap(), 2_000_000);
        assert_eq!(resolve_max_upload_bytes(Some(5), &file).unwrap(), 5);
        assert_eq!(
            resolve_max_upload_bytes(None, &FileConfig::default()).unwrap(),
            10 * 1024 * 1024
        );
        assert!(resolve_max_upload_bytes(Some(0), &file).is_err());
    }

    #[test]
    fn smtp_comes_from_flags_then_the_environment_then_the_file() {
        assert!(
            resolve_smtp(SmtpArgs::default(), None, &FileConfig::default())
                .unwrap()
                .is_none()
        );
        let file: FileConfig = toml::from_str(
            "[smtp]\nhost = \"mail.example\"\nfrom = \"KYC <kyc@example.com>\"\npassword = \"p\"",
        )
        .unwrap();
        let smtp = resolve_smtp(SmtpArgs::default(), None, &file)
            .unwrap()
            .unwrap();
        assert_eq!(smtp.host, "mail.example");
        assert_eq!(smtp.security, SmtpSecurity::StartTls);
        assert_eq!(smtp.password.as_deref(), Some("p"));
        let args = SmtpArgs {
            smtp_host: Some("127.0.0.1".into()),
            smtp_port: Some(2525),
            smtp_security: Some("none".into()),
            ..SmtpArgs::default()
        };
        let smtp = resolve_smtp(args, Some("env".into()), &file)
            .unwrap()
            .unwrap();
        assert_eq!((smtp.host.as_str(), smtp.port), ("127.0.0.1", Some(2525)));
        assert_eq!(smtp.security, SmtpSecurity::None);
        assert_eq!(smtp.password.as_deref(), Some("env"));
        let no_from: FileConfig = toml::from_str("[smtp]\nhost = \"mail.example\"").unwrap();
        assert!(resolve_smtp(SmtpArgs::default(), None, &no_from).is_err());
        let bad = SmtpArgs {
            smtp_security: Some("ssl".into()),
            ..SmtpArgs::default()
        };
        assert!(resolve_smtp(bad, None, &file).is_err());
        assert!(toml::from_str::<FileConfig>("[smtp]\nserver = \"x\"").is_err());
    }
}
