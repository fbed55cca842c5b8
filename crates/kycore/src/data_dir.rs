//! The data directory and the master key.
//!
//! The master key comes from `KYCORE_MASTER_KEY` (for deployments that keep secrets outside
//! the disk) or from `master.key` in the data directory, created on first start with 0600
//! permissions. Losing it makes the personal data in the database unreadable, by design.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kycore_services::crypto::MasterKey;

pub const MASTER_KEY_ENV: &str = "KYCORE_MASTER_KEY";
const MASTER_KEY_FILE: &str = "master.key";

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(MASTER_KEY_FILE)
}

pub fn ensure_dir(data_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))
}

/// The existing master key, from the environment or the data directory.
pub fn load_master_key(data_dir: &Path) -> anyhow::Result<Option<MasterKey>> {
    if let Ok(encoded) = std::env::var(MASTER_KEY_ENV) {
        return MasterKey::from_base64(&encoded)
            .map(Some)
            .with_context(|| format!("{MASTER_KEY_ENV} is not a valid master key"));
    }
    let path = key_path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => MasterKey::from_base64(&text)
            .map(Some)
            .with_context(|| format!("{} does not hold a valid master key", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The master key for a first start: the configured one, or a new one written with 0600.
pub fn create_master_key(data_dir: &Path) -> anyhow::Result<MasterKey> {
    if let Some(key) = load_master_key(data_dir)? {
        return Ok(key);
    }
    let key = MasterKey::generate();
    let path = key_path(data_dir);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(key.to_base64().as_bytes())?;
    file.sync_all()?;
    Ok(key)
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
