//! Failed watchlist refreshes: what a failure records and what a success resets. A refresh
//! is a scheduled import of a configured source (`[[watchlists]]`: a file or a URL) or the
//! loading of an imported version into the screener. Whatever fails, the last good version
//! stays served; this module makes the failure visible: the refresh failure counter, the
//! source's status row (`watchlist_sources`, shown by `kycore lists status`) and a
//! `watchlist.refresh_failed` event in every organization's `live` and `sandbox`.

use futures_util::future::BoxFuture;
use kycore_domain::event::EventType;
use kycore_store::Tx;
use kycore_store::watchlist_sources::{self, WatchlistSourceRecord};
use serde::Serialize;
use serde_json::json;

use crate::metrics::SourceLabel;
use crate::record::deployment_event;
use crate::time_format::{now_millis, rfc3339};
use crate::{ServiceError, Services};

/// A refresh that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshFailure {
    /// Where the list comes from, as people may see it: a path, or a URL without
    /// credentials, query or fragment. Events carry it, so it must hold no secret.
    pub source: String,
    /// The list's id, when known (a download that failed before the format was known has none).
    pub list_id: Option<String>,
    /// A stable code: `download_failed`, `unknown_format`, `list_file_missing`,
    /// `list_unreadable`…
    pub code: &'static str,
    pub message: String,
}

impl RefreshFailure {
    /// The failure of a use case (usually `import_watchlist`). Internal errors are reported
    /// by code only: their detail may name database internals, and events leave the deployment.
    pub fn from_service_error(
        source: String,
        list_id: Option<String>,
        error: &ServiceError,
    ) -> Self {
        let message = match error {
            ServiceError::Store(_) | ServiceError::Corrupt(_) | ServiceError::Internal(_) => {
                "an internal error; the server log has the detail".to_owned()
            }
            other => other.to_string(),
        };
        RefreshFailure {
            source,
            list_id,
            code: error.code(),
            message,
        }
    }

    /// The event's payload: the source and the error, nothing about any person.
    fn payload(&self) -> serde_json::Value {
        json!({
            "source": self.source,
            "list_id": self.list_id,
            "error": {"code": self.code, "message": self.message},
        })
    }
}

/// A configured source's refresh status, as `kycore lists status` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct SourceStatusView {
    pub source: String,
    pub list_id: Option<String>,
    pub last_success_at: Option<String>,
    /// When the current failure streak began; none when the last refresh succeeded.
    pub failing_since: Option<String>,
    /// Failed refreshes in the current streak.
    pub failures: i64,
    pub last_failure_at: Option<String>,
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
}

impl Services {
    /// Records a failed scheduled refresh of a configured source: counts it, updates the
    /// source's status and, unless it repeats the current streak's error, writes a
    /// `watchlist.refresh_failed` event to every organization and environment in the same
    /// unit. A source failing the same way every round (a URL down for a day) would otherwise
    /// send every webhook endpoint one event per round; people need the first one, and the
    /// next when the error changes. Every failure is still counted in the metric.
    pub async fn record_refresh_failure(
        &self,
        failure: &RefreshFailure,
    ) -> Result<(), ServiceError> {
        self.metrics()
            .refresh_failures
            .get_or_create(&SourceLabel {
                source: failure.source.clone(),
            })
            .inc();
        tracing::warn!(
            source = %failure.source,
            list = failure.list_id.as_deref().unwrap_or(""),
            code = failure.code,
            error = %failure.message,
            "watchlist refresh failed; the last good version is still served"
        );
        let failure = failure.clone();
        let now = now_millis();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let row = watchlist_sources::Failure {
                            source: &failure.source,
                            list_id: failure.list_id.as_deref(),
                            code: failure.code,
                            message: &failure.message,
                            at: now,
                        };
                        if watchlist_sources::record_failure(tx.conn().await?, row).await? {
                            let payload = failure.payload();
                            deployment_event(tx, EventType::WatchlistRefreshFailed, &payload, now)
                                .await?;
                        }
                        Ok(())
                    })
                },
            )
            .await
    }

    /// Records a successful scheduled refresh (imported, or found unchanged): ends the
    /// source's failure streak, so its next failure is reported again.
    pub async fn record_refresh_success(
        &self,
        source: &str,
        list_id: &str,
    ) -> Result<(), ServiceError> {
        self.metrics().list_succeeded(list_id);
        let (source, list_id) = (source.to_owned(), list_id.to_owned());
        let now = now_millis();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        watchlist_sources::record_success(tx.conn().await?, &source, &list_id, now)
                            .await?;
                        Ok(())
                    })
                },
            )
            .await
    }

    /// The refresh status of every source a server has refreshed.
    pub async fn watchlist_sources(&self) -> Result<Vec<SourceStatusView>, ServiceError> {
        let rows = watchlist_sources::list(self.store().reader()).await?;
        Ok(rows.into_iter().map(source_view).collect())
    }
}

/// Appends the `watchlist.refresh_failed` events for a version that failed to load. Each
/// version fails once (it is marked failed and never tried again), so this needs no streak.
pub(super) async fn append_load_failure(
    tx: &mut Tx,
    failure: &RefreshFailure,
    now: kycore_store::Millis,
) -> Result<(), kycore_store::StoreError> {
    deployment_event(
        tx,
        EventType::WatchlistRefreshFailed,
        &failure.payload(),
        now,
    )
    .await
}

fn source_view(row: WatchlistSourceRecord) -> SourceStatusView {
    SourceStatusView {
        source: row.source,
        list_id: row.list_id,
        last_success_at: row.last_success_at.map(rfc3339),
        failing_since: row.failing_since.map(rfc3339),
        failures: row.failures,
        last_failure_at: row.last_failure_at.map(rfc3339),
        last_error_code: row.error_code,
        last_error: row.error_message,
    }
}
