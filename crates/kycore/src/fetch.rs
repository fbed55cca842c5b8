//! Downloading `[[watchlists]] url` sources: one HTTP client per serving process (HTTPS with
//! Mozilla's roots), a timeout and a size cap on every download, conditional requests when
//! the server gave validators, and the name a URL is shown by (never its credentials or query).

use std::path::Path;
use std::time::Duration;

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::{Client, StatusCode, Url};
use tokio::io::AsyncWriteExt;

/// Larger than any official list (the OFAC Enhanced XML is about 100 MB), small enough that a
/// misconfigured URL cannot fill the disk.
pub const MAX_DOWNLOAD_BYTES: u64 = 200 * 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// A stalled server is given up on after this long without a byte…
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// …and a slow one after this long in all.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(600);

/// Why a download failed, in words fit for a log and an event: the URL appears only as
/// [`display_url`] shows it.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: StatusCode },
    #[error("{url} is larger than the {max} MB allowed")]
    TooLarge { url: String, max: u64 },
    #[error("cannot download {url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("cannot write the download: {0}")]
    Write(#[from] std::io::Error),
}

/// What the server said about a file, to ask next time only whether it changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum Fetched {
    /// Written to the target; the server's validators, if it gave any.
    File(Validators),
    /// The server says the file has not changed since the validators sent.
    NotModified,
    /// 404: for an optional file, absent.
    NotFound,
}

/// The client for list downloads. Built once: it holds the root certificates.
pub fn client() -> anyhow::Result<Client> {
    // Mozilla's roots rather than the system's: list downloads then work in minimal images
    // without a CA bundle, and the same way on every host.
    let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| reqwest::Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Client::builder()
        .user_agent(concat!("kycore/", env!("CARGO_PKG_VERSION")))
        .tls_certs_only(roots)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .build()?)
}

/// Downloads `url` into `target`, sending `validators` (if any) so an unchanged file is not
/// sent again. Refuses more than [`MAX_DOWNLOAD_BYTES`].
pub async fn download(
    client: &Client,
    url: &Url,
    target: &Path,
    validators: Option<&Validators>,
) -> Result<Fetched, FetchError> {
    let shown = display_url(url);
    let transport = |e: reqwest::Error| FetchError::Transport {
        url: shown.clone(),
        reason: reason(e),
    };
    let mut request = client.get(url.clone());
    if let Some(v) = validators {
        if let Some(etag) = &v.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &v.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
    }
    let mut response = request.send().await.map_err(transport)?;
    match response.status() {
        StatusCode::NOT_MODIFIED if validators.is_some() => return Ok(Fetched::NotModified),
        StatusCode::NOT_FOUND => return Ok(Fetched::NotFound),
        status if !status.is_success() => {
            return Err(FetchError::Status { url: shown, status });
        }
        _ => {}
    }
    let too_large = || FetchError::TooLarge {
        url: shown.clone(),
        max: MAX_DOWNLOAD_BYTES / (1024 * 1024),
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOWNLOAD_BYTES)
    {
        return Err(too_large());
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let validators = Validators {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
    };
    let mut file = tokio::fs::File::create(target).await?;
    let mut written: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        written += chunk.len() as u64;
        if written > MAX_DOWNLOAD_BYTES {
            return Err(too_large());
        }
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    Ok(Fetched::File(validators))
}

/// Why a request failed, with its causes ("error sending request" alone says little) and
/// without the URL, which reqwest would print whole, query and credentials included.
fn reason(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut reason = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(e) = cause {
        let text = e.to_string();
        // hyper repeats its cause's text in its own.
        if !reason.contains(&text) {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        cause = e.source();
    }
    reason
}

/// The URL of a file beside `url`'s: its last path segment replaced by `name`. The query
/// (an access token, say) is kept, since the sibling is served by the same host.
pub fn sibling(url: &Url, name: &str) -> Url {
    let mut sibling = url.clone();
    if let Ok(mut segments) = sibling.path_segments_mut() {
        segments.pop().push(name);
    }
    sibling
}

/// A file name for the download of `url`: its last path segment, reduced to characters safe
/// in a path. The name matters: it is part of the version's hash and of format detection.
pub fn file_name(url: &Url) -> String {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    let name: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.trim_matches('.').is_empty() {
        "list".to_owned()
    } else {
        name
    }
}

/// The URL as logs, metrics and events show it: without user name, password, query or
/// fragment, where credentials and tokens usually hide.
pub fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> Url {
        Url::parse(raw).unwrap()
    }

    #[test]
    fn urls_are_shown_without_credentials_or_query() {
        assert_eq!(
            display_url(&url(
                "https://user:secret@lists.example/ofac/sdn.csv?token=abc#x"
            )),
            "https://lists.example/ofac/sdn.csv"
        );
    }

    #[test]
    fn side_files_are_fetched_from_beside_the_main_file() {
        let main = url("https://lists.example/ofac/sdn.csv?token=abc");
        assert_eq!(
            sibling(&main, "alt.csv").as_str(),
            "https://lists.example/ofac/alt.csv?token=abc"
        );
    }

    #[test]
    fn file_names_come_from_the_last_segment() {
        assert_eq!(file_name(&url("https://x.example/a/dpl.txt")), "dpl.txt");
        assert_eq!(
            file_name(&url("https://x.example/a/b%20c.xml")),
            "b_20c.xml"
        );
        assert_eq!(file_name(&url("https://x.example/")), "list");
        assert_eq!(file_name(&url("https://x.example/..")), "list");
    }
}
