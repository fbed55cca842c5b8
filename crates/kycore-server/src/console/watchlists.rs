//! The admins' screening operations page: the imported watchlist versions and which are
//! served, each configured source's scheduled refresh (last success, failure streak, last
//! error), and the latest ongoing-monitoring runs. Lists are the deployment's, shared by every
//! organization, so the page shows no organization's data.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kycore_services::ServiceError;
use kycore_services::screening::{MonitoringRun, SourceStatusView, WatchlistStatus};
use maud::{Markup, html};

use super::Visit;
use crate::AppState;
use crate::i18n::Texts;

/// How many monitoring runs the page shows.
const RUNS_SHOWN: i64 = 20;

struct Screening {
    status: WatchlistStatus,
    sources: Vec<SourceStatusView>,
    runs: Vec<MonitoringRun>,
}

/// `GET /console/watchlists`.
pub async fn page(State(state): State<AppState>, visit: Visit) -> Response {
    let session = match visit.admin_session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let services = &state.services;
    let read = async {
        Ok::<_, ServiceError>(Screening {
            status: services.watchlist_status().await?,
            sources: services.watchlist_sources().await?,
            runs: services.monitoring_runs(RUNS_SHOWN).await?,
        })
    };
    match read.await {
        Ok(screening) => visit.page(
            StatusCode::OK,
            &visit.texts.get("watchlists-title"),
            Some(&session),
            markup(visit.texts, &screening),
        ),
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}

fn dash(value: Option<&str>) -> &str {
    value.unwrap_or("—")
}

fn markup(t: Texts, screening: &Screening) -> Markup {
    let status = &screening.status;
    html! {
        h1 { (t.get("watchlists-title")) }
        section.card aria-labelledby="h-served" {
            h2 #h-served { (t.get("served-section")) }
            dl {
                dt { (t.get("served-entries")) } dd #served-entries { (status.loaded_entities) }
                dt { (t.get("served-loaded")) } dd { (dash(status.loaded_at.as_deref())) }
                dt { (t.get("served-failures")) } dd { (status.load_failures) }
                @if let Some(error) = &status.last_error { dt { (t.get("served-last-error")) } dd.error { (error) } }
            }
        }
        @if status.versions.is_empty() {
            p.card { (t.get("lists-none")) }
        } @else {
            table #versions {
                caption { (t.get("versions-caption")) }
                thead { tr { th scope="col" { (t.get("col-list")) } th scope="col" { (t.get("col-version")) } th scope="col" { (t.get("col-publisher-version")) } th scope="col" { (t.get("col-entries")) } th scope="col" { (t.get("col-imported")) } th scope="col" { (t.get("col-state")) } } }
                tbody { @for v in &status.versions {
                    tr {
                        td { (v.list_id) }
                        td { (v.id) }
                        td { (dash(v.source_version.as_deref())) }
                        td { (t.with("version-entries", &[("entities", v.entity_count.into()), ("names", v.name_count.into())])) }
                        td { (v.imported_at) }
                        td {
                            (v.status) @if v.current { (t.get("version-served")) }
                            @if let Some(error) = &v.last_error { br; (error) }
                        }
                    }
                } }
            }
        }
        h2 { (t.get("refresh-section")) }
        @if screening.sources.is_empty() { p.card { (t.get("refresh-none")) } } @else {
            table #sources {
                thead { tr { th scope="col" { (t.get("col-source")) } th scope="col" { (t.get("col-list")) } th scope="col" { (t.get("col-last-success")) } th scope="col" { (t.get("col-failing-since")) } th scope="col" { (t.get("col-failures")) } th scope="col" { (t.get("col-last-error")) } } }
                tbody { @for s in &screening.sources {
                    tr {
                        td { (s.source) }
                        td { (dash(s.list_id.as_deref())) }
                        td { (dash(s.last_success_at.as_deref())) }
                        td { (dash(s.failing_since.as_deref())) }
                        td { (s.failures) }
                        td {
                            @if let Some(code) = &s.last_error_code { code { (code) } " " }
                            (dash(s.last_error.as_deref()))
                        }
                    }
                } }
            }
        }
        h2 { (t.get("monitoring-section")) }
        @if screening.runs.is_empty() { p.card { (t.get("monitoring-none")) } } @else {
            table #monitoring-runs {
                caption { (t.get("monitoring-caption")) }
                thead { tr { th scope="col" { (t.get("col-started")) } th scope="col" { (t.get("col-finished")) } th scope="col" { (t.get("col-screened")) } th scope="col" { (t.get("col-new-hits")) } th scope="col" { (t.get("col-versions")) } } }
                tbody { @for run in &screening.runs {
                    tr {
                        td { (run.started_at) }
                        td { @if let Some(at) = &run.finished_at { (at) } @else { (t.get("monitoring-running")) } }
                        td { (run.applicants_screened) }
                        td { (run.hits_found) }
                        td { (run.versions.join(", ")) }
                    }
                } }
            }
        }
    }
}
