//! Importing a list version: check the file parses, copy it (with its side files) under
//! `<data-dir>/lists/<list id>/<version id>/`, and record the version. Serving processes
//! pick the new version up on their next refresh.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use kycore_store::Tx;
use kycore_store::watchlists::{self, STATUS_OK, WatchlistVersionRecord};
use sha2::{Digest, Sha256};

use super::{ListFormat, ListVersionView, view};
use crate::blocking;
use crate::time_format::now_millis;
use crate::{ServiceError, Services};

const COPY_CHUNK: usize = 1 << 20;
const MAX_LIST_ID_CHARS: usize = 64;

/// A list file to import.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    /// The main file; side files (OFAC's `alt.csv`…) are taken from the same directory.
    pub path: PathBuf,
    pub format: ListFormat,
    /// The id queries filter on; the format's default (e.g. `us_ofac_sdn`) when not given.
    pub list_id: Option<String>,
}

/// Where an import stands, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportProgress {
    /// Checking that the file parses.
    Parsing,
    /// Copying into the data directory.
    Copying { done: u64, total: u64 },
}

#[derive(Clone, Debug)]
pub struct ImportOutcome {
    pub version: ListVersionView,
    /// The list's current version already had these exact files; nothing was recorded.
    pub unchanged: bool,
}

impl Services {
    /// Imports one list version into `data_dir`, reporting progress through `progress`.
    pub async fn import_watchlist(
        &self,
        data_dir: &Path,
        request: ImportRequest,
        progress: impl Fn(ImportProgress) + Send + Sync + 'static,
    ) -> Result<ImportOutcome, ServiceError> {
        let format = request.format;
        let list_id = checked_list_id(
            request
                .list_id
                .unwrap_or_else(|| format.default_list_id().to_owned()),
        )?;
        if !request.path.is_file() {
            return Err(ServiceError::invalid(
                "list_file_missing",
                format!("{} is not a readable file", request.path.display()),
            ));
        }
        let files = format.files(&request.path);
        let sha256 = blocking({
            let files = files.clone();
            move || hash_files(&files)
        })
        .await?
        .map_err(storage_error)?;
        if let Some(current) = watchlists::current(self.store().reader(), &list_id).await?
            && current.sha256 == sha256
            && current.format == format.as_str()
        {
            return Ok(ImportOutcome {
                version: view(current, true),
                unchanged: true,
            });
        }

        let progress = Arc::new(progress);
        progress(ImportProgress::Parsing);
        let (main, id) = (request.path.clone(), list_id.clone());
        let list = blocking(move || format.load(&main, &id, None))
            .await?
            .map_err(|e| {
                ServiceError::invalid("list_unreadable", format!("not a {format} list: {e}"))
            })?;

        let imported_at = now_millis();
        let version_id = format!("wlv_{imported_at}_{}", &sha256[..12]);
        let relative_dir = format!("lists/{list_id}/{version_id}");
        let target = data_dir.join(&relative_dir);
        blocking(move || copy_files(&files, &target, &*progress))
            .await?
            .map_err(storage_error)?;

        let record = WatchlistVersionRecord {
            id: version_id,
            path: format!("{relative_dir}/{}", file_name(&request.path)),
            list_id,
            format: format.as_str().to_owned(),
            sha256,
            source_version: list.source.version.clone(),
            entity_count: i64::try_from(list.entities.len()).unwrap_or(i64::MAX),
            name_count: i64::try_from(list.entities.iter().map(|e| e.names.len()).sum::<usize>())
                .unwrap_or(i64::MAX),
            imported_at,
            status: STATUS_OK.to_owned(),
            last_error: None,
            failed_at: None,
        };
        let stored = record.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(
                        async move { Ok(watchlists::insert(tx.conn().await?, &stored).await?) },
                    )
                },
            )
            .await?;
        Ok(ImportOutcome {
            version: view(record, true),
            unchanged: false,
        })
    }
}

/// List ids appear in queries and directory names: lowercase letters, digits, `_` and `-`.
fn checked_list_id(id: String) -> Result<String, ServiceError> {
    let valid = !id.is_empty()
        && id.chars().count() <= MAX_LIST_ID_CHARS
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if valid {
        Ok(id)
    } else {
        Err(ServiceError::invalid(
            "invalid_list_id",
            format!(
                "list id {id:?} must be 1–{MAX_LIST_ID_CHARS} lowercase letters, digits, `_` or `-`"
            ),
        ))
    }
}

/// One digest over every file's name and content, so a changed side file is a new version.
fn hash_files(files: &[PathBuf]) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    for path in files {
        hasher.update(file_name(path).as_bytes());
        hasher.update([0]);
        let mut file = std::fs::File::open(path)?;
        let mut chunk = vec![0; COPY_CHUNK];
        loop {
            let read = file.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            hasher.update(&chunk[..read]);
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Copies `files` into `target`, keeping their names, reporting bytes copied.
fn copy_files(
    files: &[PathBuf],
    target: &Path,
    progress: &(impl Fn(ImportProgress) + ?Sized),
) -> std::io::Result<()> {
    std::fs::create_dir_all(target)?;
    let mut total = 0;
    for path in files {
        total += std::fs::metadata(path)?.len();
    }
    let mut done = 0;
    let mut chunk = vec![0; COPY_CHUNK];
    for path in files {
        let mut from = std::fs::File::open(path)?;
        let mut to = std::fs::File::create(target.join(file_name(path)))?;
        loop {
            let read = from.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            to.write_all(&chunk[..read])?;
            done += read as u64;
            progress(ImportProgress::Copying { done, total });
        }
        to.sync_all()?;
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn storage_error(e: std::io::Error) -> ServiceError {
    ServiceError::unavailable("list_storage_failed", format!("cannot store the list: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_ids_are_checked() {
        assert!(checked_list_id("us_ofac_sdn".into()).is_ok());
        assert!(checked_list_id("eu-fsf".into()).is_ok());
        for bad in ["", "US", "../etc", "a b", &"x".repeat(65)] {
            assert!(checked_list_id(bad.to_owned()).is_err(), "{bad}");
        }
    }
}
