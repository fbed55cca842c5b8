//! A serving process's watchlist work: the list sources configured in `kycore.toml`
//! (`[[watchlists]]`, a file `path` or a `url`), importing them on their schedule, and
//! loading imported versions. A failed refresh leaves the last good version served and is
//! reported through the services (metric, source status, `watchlist.refresh_failed` event).

use std::path::{Path, PathBuf};
use std::time::Duration;

use kycore_services::Services;
use kycore_services::screening::{ImportRequest, ListFormat, RefreshFailure};
use reqwest::{Client, Url};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::config::FileConfig;
use crate::fetch::{self, FetchError, Fetched, Validators};
use crate::lists::{format_of, parse_format};

/// How often a serving process looks for newly imported list versions.
const REFRESH_EVERY: Duration = Duration::from_secs(15);
/// How often configured sources are imported again, in seconds, unless configured.
const DEFAULT_IMPORT_EVERY: u64 = 3600;
/// Downloads land here, inside the data directory (same file system as `lists/`), and are
/// removed once imported.
const DOWNLOADS_DIR: &str = "downloads";

/// A list `kycore serve` imports on a schedule: `[[watchlists]]` in `kycore.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawSource")]
pub struct WatchlistSource {
    pub location: Location,
    /// As for `kycore lists import --format`; detected from the file when not given.
    pub format: Option<ListFormat>,
    pub list_id: Option<String>,
}

/// Where a configured list comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Path(PathBuf),
    /// `http://` or `https://`; downloaded each round.
    Url(Url),
}

/// `[[watchlists]]` as written, checked into a [`WatchlistSource`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    path: Option<PathBuf>,
    url: Option<String>,
    format: Option<String>,
    list_id: Option<String>,
}

impl TryFrom<RawSource> for WatchlistSource {
    type Error = String;

    fn try_from(raw: RawSource) -> Result<Self, String> {
        let location = match (raw.path, raw.url) {
            (Some(path), None) => Location::Path(path),
            (None, Some(url)) => {
                let parsed = Url::parse(&url).map_err(|e| format!("url {url:?}: {e}"))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(format!(
                        "url {:?} must start with https:// or http://",
                        fetch::display_url(&parsed)
                    ));
                }
                Location::Url(parsed)
            }
            _ => {
                return Err(
                    "a [[watchlists]] entry takes exactly one of `path` and `url`".to_owned(),
                );
            }
        };
        let format = raw
            .format
            .as_deref()
            .map(|f| parse_format(f).map_err(|e| format!("format {f:?}: {e}")))
            .transpose()?;
        Ok(WatchlistSource {
            location,
            format,
            list_id: raw.list_id,
        })
    }
}

impl WatchlistSource {
    /// How logs, metrics, the status and events name the source: never with credentials.
    fn shown(&self) -> String {
        match &self.location {
            Location::Path(path) => path.display().to_string(),
            Location::Url(url) => fetch::display_url(url),
        }
    }

    fn list_id(&self, format: ListFormat) -> String {
        self.list_id
            .clone()
            .unwrap_or_else(|| format.default_list_id().to_owned())
    }
}

/// A configured source and what earlier rounds learned about it.
struct Scheduled {
    source: WatchlistSource,
    shown: String,
    /// For a URL of a one-file format, after an import: what to send so an unchanged list is
    /// not downloaded again, and the format it had. Kept in memory only: after a restart the
    /// first round downloads in full (and finds the list unchanged).
    validators: Option<(ListFormat, Validators)>,
}

/// What a successful round did for one source.
struct Refreshed {
    list_id: String,
    /// The version imported; none when the list was unchanged.
    imported: Option<String>,
}

/// Starts the serving process's watchlist work in the background, so the server answers
/// meanwhile: the configured imports (at once, then on their schedule) and the loading of
/// imported versions (at once, then every [`REFRESH_EVERY`]). Refuses a configured file whose
/// format is neither given nor detectable; a URL's format may be detected after download.
pub fn start_background(
    services: &Services,
    data_dir: &Path,
    file: &FileConfig,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let sources = file
        .watchlists
        .iter()
        .map(|s| {
            let mut source = s.clone();
            if let Location::Path(path) = &source.location {
                source.format = Some(format_of(path, source.format)?);
            }
            Ok(Scheduled {
                shown: source.shown(),
                source,
                validators: None,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let every = Duration::from_secs(
        file.watchlist_import_seconds
            .unwrap_or(DEFAULT_IMPORT_EVERY),
    );
    if !sources.is_empty() {
        let client = fetch::client()?;
        let (services, data_dir, shutdown) =
            (services.clone(), data_dir.to_path_buf(), shutdown.clone());
        tokio::spawn(async move {
            import_on_schedule(&services, &data_dir, &client, sources, every, shutdown).await;
        });
    }
    let (services, data_dir) = (services.clone(), data_dir.to_path_buf());
    tokio::spawn(async move {
        services
            .run_watchlist_refresh(data_dir, REFRESH_EVERY, shutdown)
            .await;
    });
    Ok(())
}

/// Imports each configured source every `every`. An unchanged list records nothing; a failed
/// one leaves the last good version served and is reported.
async fn import_on_schedule(
    services: &Services,
    data_dir: &Path,
    client: &Client,
    mut sources: Vec<Scheduled>,
    every: Duration,
    shutdown: CancellationToken,
) {
    loop {
        let mut imported = false;
        for source in &mut sources {
            let recorded = match refresh(services, data_dir, client, source).await {
                Ok(Refreshed {
                    list_id,
                    imported: version,
                }) => {
                    if let Some(version) = version {
                        imported = true;
                        tracing::info!(list = %list_id, %version, source = %source.shown, "watchlist imported");
                    }
                    services
                        .record_refresh_success(&source.shown, &list_id)
                        .await
                }
                Err(failure) => services.record_refresh_failure(&failure).await,
            };
            if let Err(e) = recorded {
                tracing::warn!(source = %source.shown, error = %e, "cannot record how the watchlist refresh went");
            }
        }
        if imported && let Err(e) = services.load_watchlists(data_dir).await {
            tracing::warn!(error = %e, "loading the imported watchlists failed");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// One round for one source: import the file, or download the URL and import that.
async fn refresh(
    services: &Services,
    data_dir: &Path,
    client: &Client,
    scheduled: &mut Scheduled,
) -> Result<Refreshed, RefreshFailure> {
    let source = &scheduled.source;
    let url = match &source.location {
        Location::Path(path) => {
            // Resolved in `start_background`.
            let format = source
                .format
                .ok_or_else(|| failure(scheduled, None, "unknown_format", "no format"))?;
            let request = ImportRequest {
                path: path.clone(),
                format,
                list_id: source.list_id.clone(),
            };
            return import(services, data_dir, scheduled, request).await;
        }
        Location::Url(url) => url.clone(),
    };

    let downloads = data_dir.join(DOWNLOADS_DIR);
    let dir = std::fs::create_dir_all(&downloads)
        .and_then(|()| {
            tempfile::Builder::new()
                .prefix("list-")
                .tempdir_in(&downloads)
        })
        .map_err(|e| {
            let message = format!("cannot create a download directory: {e}");
            failure(scheduled, None, "list_storage_failed", &message)
        })?;
    let main = dir.path().join(fetch::file_name(&url));
    let known = scheduled.validators.as_ref().map(|(format, _)| *format);
    let conditional = scheduled.validators.as_ref().map(|(_, v)| v);
    let validators = match fetch::download(client, &url, &main, conditional).await {
        Ok(Fetched::File(validators)) => validators,
        // Asked only with validators, which are kept with the format they came with.
        Ok(Fetched::NotModified) if let Some(format) = known => {
            return Ok(Refreshed {
                list_id: source.list_id(format),
                imported: None,
            });
        }
        Ok(Fetched::NotModified) => {
            let message = "the server answered 304 Not Modified to an unconditional request";
            return Err(failure(scheduled, None, "download_failed", message));
        }
        Ok(Fetched::NotFound) => {
            let error = FetchError::Status {
                url: scheduled.shown.clone(),
                status: reqwest::StatusCode::NOT_FOUND,
            };
            return Err(fetch_failure(scheduled, known, &error));
        }
        Err(error) => return Err(fetch_failure(scheduled, known, &error)),
    };
    let format = source
        .format
        .or_else(|| ListFormat::detect(&main))
        .ok_or_else(|| {
            failure(
                scheduled,
                None,
                "unknown_format",
                "cannot tell the downloaded list's format; set `format`",
            )
        })?;
    // OFAC's legacy CSVs keep aliases and addresses in side files published beside the main
    // one. Each is optional, as beside a local file: a 404 leaves it out, any other failure
    // fails the round rather than import a list without its aliases.
    for name in format.side_file_names() {
        let side = fetch::sibling(&url, name);
        if let Err(error) = fetch::download(client, &side, &dir.path().join(name), None).await {
            return Err(fetch_failure(scheduled, Some(format), &error));
        }
    }
    let request = ImportRequest {
        path: main,
        format,
        list_id: source.list_id.clone(),
    };
    let refreshed = import(services, data_dir, scheduled, request).await?;
    // Conditional requests only for one-file lists: a 304 for the main file says nothing
    // about its side files.
    let has_validators = validators.etag.is_some() || validators.last_modified.is_some();
    scheduled.validators =
        (format.side_file_names().is_empty() && has_validators).then_some((format, validators));
    Ok(refreshed)
}

async fn import(
    services: &Services,
    data_dir: &Path,
    scheduled: &Scheduled,
    request: ImportRequest,
) -> Result<Refreshed, RefreshFailure> {
    let list_id = scheduled.source.list_id(request.format);
    match services.import_watchlist(data_dir, request, |_| {}).await {
        Ok(outcome) => Ok(Refreshed {
            list_id,
            imported: (!outcome.unchanged).then_some(outcome.version.id),
        }),
        Err(e) => Err(RefreshFailure::from_service_error(
            scheduled.shown.clone(),
            Some(list_id),
            &e,
        )),
    }
}

fn failure(
    scheduled: &Scheduled,
    format: Option<ListFormat>,
    code: &'static str,
    message: &str,
) -> RefreshFailure {
    RefreshFailure {
        source: scheduled.shown.clone(),
        list_id: format
            .map(|f| scheduled.source.list_id(f))
            .or_else(|| scheduled.source.list_id.clone()),
        code,
        message: message.to_owned(),
    }
}

fn fetch_failure(
    scheduled: &Scheduled,
    format: Option<ListFormat>,
    error: &FetchError,
) -> RefreshFailure {
    let code = match error {
        FetchError::TooLarge { .. } => "download_too_large",
        FetchError::Write(_) => "list_storage_failed",
        FetchError::Status { .. } | FetchError::Transport { .. } => "download_failed",
    };
    failure(
        scheduled,
        format.or(scheduled.source.format),
        code,
        &error.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<Vec<WatchlistSource>, String> {
        toml::from_str::<FileConfig>(toml_text)
            .map(|c| c.watchlists)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_source_is_a_path_or_a_url() {
        let sources = parse(
            "[[watchlists]]\npath = \"/srv/dpl.txt\"\n\n\
             [[watchlists]]\nurl = \"https://lists.example/un.xml?key=s3cret\"\nformat = \"un-xml\"\nlist_id = \"un\"\n",
        )
        .unwrap();
        assert_eq!(
            sources[0].location,
            Location::Path(PathBuf::from("/srv/dpl.txt"))
        );
        assert_eq!(sources[0].format, None);
        let Location::Url(url) = &sources[1].location else {
            panic!("{:?}", sources[1]);
        };
        assert_eq!(url.query(), Some("key=s3cret"));
        assert_eq!(sources[1].format, Some(ListFormat::UnXml));
        assert_eq!(sources[1].shown(), "https://lists.example/un.xml");
    }

    #[test]
    fn a_source_needs_exactly_one_location_and_a_known_format() {
        let both = parse("[[watchlists]]\npath = \"/a\"\nurl = \"https://x.example/a\"\n");
        assert!(
            both.unwrap_err()
                .contains("exactly one of `path` and `url`")
        );
        let neither = parse("[[watchlists]]\nformat = \"un-xml\"\n");
        assert!(
            neither
                .unwrap_err()
                .contains("exactly one of `path` and `url`")
        );
        let ftp = parse("[[watchlists]]\nurl = \"ftp://user:pw@x.example/a\"\n").unwrap_err();
        assert!(ftp.contains("must start with https://"), "{ftp}");
        assert!(!ftp.contains("pw"), "{ftp}");
        let relative = parse("[[watchlists]]\nurl = \"lists/a.xml\"\n").unwrap_err();
        assert!(relative.contains("url \"lists/a.xml\""), "{relative}");
        let format = parse("[[watchlists]]\npath = \"/a\"\nformat = \"pdf\"\n").unwrap_err();
        assert!(format.contains("expected one of"), "{format}");
        let unknown = parse("[[watchlists]]\npath = \"/a\"\nschedule = 1\n").unwrap_err();
        assert!(unknown.contains("unknown field"), "{unknown}");
    }
}
