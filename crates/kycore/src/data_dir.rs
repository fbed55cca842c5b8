//! The data directory and the master keys.
//!
//! Everything kycore writes is for its own user only: the process runs with umask 077 (the
//! database and its WAL, documents, downloaded lists are created 0600, directories 0700), and
//! the data directory is made 0700 at every start, which also closes what an older version or
//! an operator left readable inside it.
//!
//! The master key comes from `KYCORE_MASTER_KEY` (for deployments that keep secrets outside
//! the disk) or from `master.key` in the data directory, created on first start. During a
//! rotation the key being replaced comes from `KYCORE_PREVIOUS_MASTER_KEY` or
//! `master.key.previous`. Losing the master key makes the personal data unreadable, by
//! design.

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kycore_services::crypto::MasterKey;

pub const MASTER_KEY_ENV: &str = "KYCORE_MASTER_KEY";
pub const PREVIOUS_MASTER_KEY_ENV: &str = "KYCORE_PREVIOUS_MASTER_KEY";
const MASTER_KEY_FILE: &str = "master.key";
const PREVIOUS_MASTER_KEY_FILE: &str = "master.key.previous";

/// Files and directories this process creates are readable by its own user only.
pub fn restrict_new_files() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(MASTER_KEY_FILE)
}

pub fn previous_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(PREVIOUS_MASTER_KEY_FILE)
}

/// Creates the data directory (0700) or makes an existing one owner-only.
pub fn ensure_dir(data_dir: &Path) -> anyhow::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    std::fs::set_permissions(data_dir, Permissions::from_mode(0o700))
        .with_context(|| format!("cannot make {} owner-only", data_dir.display()))
}

/// Where a master key comes from: an environment variable wins over a file.
struct KeySource<'a> {
    env: &'a str,
    path: PathBuf,
}

impl KeySource<'_> {
    fn load(&self) -> anyhow::Result<Option<MasterKey>> {
        if let Ok(encoded) = std::env::var(self.env) {
            return MasterKey::from_base64(&encoded)
                .map(Some)
                .with_context(|| format!("{} is not a valid master key", self.env));
        }
        match std::fs::read_to_string(&self.path) {
            Ok(text) => MasterKey::from_base64(&text).map(Some).with_context(|| {
                format!("{} does not hold a valid master key", self.path.display())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", self.path.display())),
        }
    }
}

/// The existing master key, from the environment or the data directory.
pub fn load_master_key(data_dir: &Path) -> anyhow::Result<Option<MasterKey>> {
    KeySource {
        env: MASTER_KEY_ENV,
        path: key_path(data_dir),
    }
    .load()
}

/// The key a rotation replaces, while it is configured.
pub fn load_previous_master_key(data_dir: &Path) -> anyhow::Result<Option<MasterKey>> {
    KeySource {
        env: PREVIOUS_MASTER_KEY_ENV,
        path: previous_key_path(data_dir),
    }
    .load()
}

/// Whether the master key is configured through the environment rather than a file.
pub fn master_key_from_env() -> bool {
    std::env::var_os(MASTER_KEY_ENV).is_some()
}

/// The master key for a first start: the configured one, or a new one written with 0600.
pub fn create_master_key(data_dir: &Path) -> anyhow::Result<MasterKey> {
    if let Some(key) = load_master_key(data_dir)? {
        return Ok(key);
    }
    let key = MasterKey::generate();
    write_key(&key_path(data_dir), &key)?;
    Ok(key)
}

/// Writes a key to a new file, owner-only, synced before returning.
pub fn write_key(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(key.to_base64().as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// The master key of an initialized deployment; its absence is an operator error.
pub fn require_master_key(data_dir: &Path) -> anyhow::Result<MasterKey> {
    match load_master_key(data_dir)? {
        Some(key) => Ok(key),
        None => bail!(
            "kycore is initialized but its master key is missing: restore {} or set {MASTER_KEY_ENV}",
            key_path(data_dir).display()
        ),
    }
}
