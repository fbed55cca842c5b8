//! The admins' webhooks page: each endpoint of the environment shown, whether kycore still
//! sends to it (and why not), its latest delivery attempts, and a button that sends an
//! attempt's event to it again — the API's `redeliver_event`, audited as the user.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kycore_services::console_users::ConsoleSession;
use kycore_services::pagination::PageRequest;
use kycore_services::webhooks::{WebhookAttempt, WebhookEndpoint};
use kycore_services::{RequestContext, ServiceError};
use maud::{Markup, html};
use serde::Deserialize;

use super::pages::{csrf, date};
use super::{Fields, Visit, field};
use crate::AppState;
use crate::i18n::Texts;

/// How many endpoints, and attempts of each, the page shows.
const ENDPOINTS_SHOWN: i64 = 50;
const ATTEMPTS_SHOWN: i64 = 20;

#[derive(Deserialize)]
pub struct PageQuery {
    done: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    visit: Visit,
    query: Result<axum::extract::Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match visit.admin_session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let done = query.ok().and_then(|q| q.0.done).is_some();
    match read(&state, &session).await {
        Ok(endpoints) => visit.page(
            StatusCode::OK,
            &visit.texts.get("webhooks-title"),
            Some(&session),
            markup(visit.texts, &endpoints, &session, done),
        ),
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}

/// The environment's endpoints, newest first, each with its latest attempts.
async fn read(
    state: &AppState,
    session: &ConsoleSession,
) -> Result<Vec<(WebhookEndpoint, Vec<WebhookAttempt>)>, ServiceError> {
    let services = &state.services;
    let first = |limit| PageRequest {
        limit: Some(limit),
        starting_after: None,
    };
    let endpoints = services
        .list_webhook_endpoints(&session.scope, &first(ENDPOINTS_SHOWN))
        .await?;
    let mut shown = Vec::with_capacity(endpoints.data.len());
    for endpoint in endpoints.data {
        let attempts = services
            .list_webhook_attempts(&session.scope, &endpoint.id, &first(ATTEMPTS_SHOWN))
            .await?;
        shown.push((endpoint, attempts.data));
    }
    Ok(shown)
}

fn markup(
    t: Texts,
    endpoints: &[(WebhookEndpoint, Vec<WebhookAttempt>)],
    session: &ConsoleSession,
    done: bool,
) -> Markup {
    html! {
        h1 { (t.get("webhooks-title")) }
        @if done { div.ok role="status" { (t.get("webhooks-redelivered")) } }
        @if endpoints.is_empty() {
            p.card { (t.get("webhooks-none")) }
        }
        @for (endpoint, attempts) in endpoints {
            section.card aria-labelledby={ "h-" (endpoint.id) } {
                h2 id={ "h-" (endpoint.id) } { (endpoint.url) }
                dl {
                    dt { (t.get("webhook-id")) } dd { (endpoint.id) }
                    dt { (t.get("webhook-format")) } dd { (endpoint.format) }
                    dt { (t.get("webhook-sending")) } dd {
                        @if endpoint.enabled { (t.get("yes")) } @else {
                            (t.get("no")) @if let Some(why) = &endpoint.disabled_reason { " — " (why) }
                        }
                    }
                }
                @if attempts.is_empty() { p { (t.get("webhook-no-attempts")) } } @else {
                    table {
                        caption { (t.get("webhook-attempts-caption")) }
                        thead { tr { th scope="col" { (t.get("col-when")) } th scope="col" { (t.get("col-event")) } th scope="col" { (t.get("col-answer")) } th scope="col" { (t.get("col-took")) } th scope="col" { (t.get("col-again")) } } }
                        tbody { @for attempt in attempts {
                            tr {
                                td { (date(&attempt.attempted_at)) }
                                td { (attempt.event_id) }
                                td {
                                    @match (attempt.status_code, &attempt.error) {
                                        (Some(code), _) => { "HTTP " (code) },
                                        (None, Some(error)) => { (error) },
                                        (None, None) => "—",
                                    }
                                }
                                td { (attempt.duration_ms) " ms" }
                                td {
                                    form method="post" action={ "/console/webhooks/" (endpoint.id) "/redeliver" } {
                                        (csrf(session))
                                        input type="hidden" name="event_id" value=(attempt.event_id);
                                        button.secondary type="submit" aria-label=(t.with("redeliver-label", &[("event", attempt.event_id.clone().into())])) { (t.get("redeliver")) }
                                    }
                                }
                            }
                        } }
                    }
                }
            }
        }
    }
}

/// `POST /console/webhooks/{endpoint_id}/redeliver` with `event_id`.
pub async fn redeliver(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path(endpoint_id): Path<String>,
    form: Fields,
) -> Response {
    let (session, fields) = match visit.read_admin_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let Some(event_id) = field(&fields, "event_id") else {
        return visit.bad_form(Some(&session));
    };
    let ctx = RequestContext::new(session.scope.clone(), session.principal());
    match state
        .services
        .redeliver_event(&ctx, &event_id, Some(&endpoint_id))
        .await
    {
        Ok(_) => Redirect::to("/console/webhooks?done=redelivered").into_response(),
        Err(ServiceError::NotFound { .. }) => {
            visit.error(StatusCode::NOT_FOUND, Some(&session), "error-no-event")
        }
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}
