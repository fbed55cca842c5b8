//! `kycore master-key`: the master key's lifecycle. A rotation without downtime goes:
//!
//! 1. `kycore master-key new` keeps the current key as `master.key.previous` and writes a new
//!    `master.key` (with keys in the environment: `kycore master-key generate`, then set
//!    `KYCORE_PREVIOUS_MASTER_KEY` to the old key and `KYCORE_MASTER_KEY` to the new one);
//! 2. servers are restarted one at a time: each reads data wrapped by either key and wraps
//!    new keys with the new one;
//! 3. `kycore master-key rotate` re-wraps everything still wrapped by the old key, online;
//!    with files it then deletes `master.key.previous`, with the environment the operator
//!    removes `KYCORE_PREVIOUS_MASTER_KEY` (and destroys the old key).

use anyhow::bail;
use clap::Subcommand;
use kycore_services::Services;
use kycore_services::crypto::MasterKey;

use crate::config::Storage;
use crate::data_dir;

#[derive(Subcommand)]
pub enum MasterKeyCommand {
    /// Print a new random master key (base64), for deployments that keep keys in a secret
    /// manager.
    Generate,
    /// Start a rotation with key files: master.key becomes master.key.previous and a new
    /// master.key is written. Restart the servers, then run `rotate`.
    New,
    /// Re-wrap every key still wrapped by the previous master key with the current one.
    Rotate {
        #[arg(long)]
        json: bool,
    },
    /// Which master keys wrap the deployment's keys.
    Status {
        #[arg(long)]
        json: bool,
    },
}

/// Commands that need no database.
pub fn run_offline(storage: &Storage, command: &MasterKeyCommand) -> anyhow::Result<bool> {
    match command {
        MasterKeyCommand::Generate => {
            println!("{}", MasterKey::generate().to_base64());
            Ok(true)
        }
        MasterKeyCommand::New => {
            start_rotation(storage)?;
            Ok(true)
        }
        MasterKeyCommand::Rotate { .. } | MasterKeyCommand::Status { .. } => Ok(false),
    }
}

fn start_rotation(storage: &Storage) -> anyhow::Result<()> {
    if data_dir::master_key_from_env() {
        bail!(
            "the master key comes from {}: run `kycore master-key generate`, set {} to the \
             current key and {} to the new one, restart the servers, then run `kycore master-key rotate`",
            data_dir::MASTER_KEY_ENV,
            data_dir::PREVIOUS_MASTER_KEY_ENV,
            data_dir::MASTER_KEY_ENV
        );
    }
    let current = data_dir::key_path(&storage.data_dir);
    let previous = data_dir::previous_key_path(&storage.data_dir);
    if previous.exists() {
        bail!(
            "a rotation is under way ({} exists): finish it with `kycore master-key rotate` first",
            previous.display()
        );
    }
    if data_dir::load_master_key(&storage.data_dir)?.is_none() {
        bail!("there is no master key at {} to replace", current.display());
    }
    std::fs::rename(&current, &previous)?;
    data_dir::write_key(&current, &MasterKey::generate())?;
    println!(
        "New master key written to {}; the old one is kept as {}.",
        current.display(),
        previous.display()
    );
    println!(
        "Restart every server (one at a time), then run `kycore master-key rotate` to finish."
    );
    Ok(())
}

pub async fn run(
    services: &Services,
    storage: &Storage,
    command: MasterKeyCommand,
) -> anyhow::Result<()> {
    match command {
        MasterKeyCommand::Rotate { json } => {
            let report = services.rotate_master_key().await?;
            let left = services
                .master_key_usage()
                .await?
                .into_iter()
                .filter(|u| u.role != "current" && (u.data_keys > 0 || u.wraps_root))
                .count();
            if left > 0 {
                bail!(
                    "keys created meanwhile are still wrapped by another master key: run `rotate` again"
                );
            }
            let previous = data_dir::previous_key_path(&storage.data_dir);
            let removed = !data_dir::master_key_from_env() && previous.exists();
            if removed {
                std::fs::remove_file(&previous)?;
            }
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "Everything is wrapped by master key {}: {} data keys re-wrapped{}.",
                    report.master_key_id,
                    report.data_keys_rewrapped,
                    if report.root_rewrapped {
                        ", and the root secret"
                    } else {
                        ""
                    }
                );
                if removed {
                    println!("Deleted {}.", previous.display());
                } else if std::env::var_os(data_dir::PREVIOUS_MASTER_KEY_ENV).is_some() {
                    println!(
                        "Remove {} from every server's environment and destroy the old key.",
                        data_dir::PREVIOUS_MASTER_KEY_ENV
                    );
                }
            }
            Ok(())
        }
        MasterKeyCommand::Status { json } => {
            let usage = services.master_key_usage().await?;
            if json {
                println!("{}", serde_json::to_string(&usage)?);
            } else {
                for u in usage {
                    println!(
                        "{}  {:<8}  {} data keys{}",
                        u.master_key_id,
                        u.role,
                        u.data_keys,
                        if u.wraps_root { ", root secret" } else { "" }
                    );
                }
            }
            Ok(())
        }
        MasterKeyCommand::Generate | MasterKeyCommand::New => Ok(()),
    }
}
