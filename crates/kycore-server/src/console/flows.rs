//! The admins' flows page: every flow of the environment (the organization's and the
//! built-in ones) as the API shows it, and a form that creates one from the same JSON
//! `POST /v1/flows` takes. A body that does not parse, or a flow the services refuse, comes
//! back in the form with each error next to the field it names.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kycore_domain::FieldError;
use kycore_services::console_users::ConsoleSession;
use kycore_services::flows::Flow;
use kycore_services::{RequestContext, ServiceError};
use maud::{Markup, html};
use serde::Deserialize;

use super::pages::csrf;
use super::{Fields, Visit, field};
use crate::AppState;
use crate::api::flows::{CreateFlowBody, FlowBody};
use crate::i18n::Texts;

/// The form's starting text: the smallest flow, for an admin to edit.
const EXAMPLE: &str = r#"{
  "name": "Onboarding",
  "kind": "kyc",
  "four_eyes": false
}"#;

#[derive(Deserialize)]
pub struct FlowsQuery {
    created: Option<String>,
}

/// `GET /console/flows`.
pub async fn page(
    State(state): State<AppState>,
    visit: Visit,
    query: Result<axum::extract::Query<FlowsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match visit.admin_session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let created = query.ok().and_then(|q| q.0.created);
    let form = FlowForm {
        text: EXAMPLE,
        errors: &[],
        created: created.as_deref(),
    };
    show(&state, &visit, &session, StatusCode::OK, &form).await
}

/// What the creation form shows: its text and what was wrong with it.
struct FlowForm<'a> {
    text: &'a str,
    errors: &'a [FieldError],
    /// The id of a flow just created.
    created: Option<&'a str>,
}

async fn show(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    status: StatusCode,
    form: &FlowForm<'_>,
) -> Response {
    match state.services.list_flows(&session.scope).await {
        Ok(flows) => visit.page(
            status,
            &visit.texts.get("flows-title"),
            Some(session),
            markup(visit.texts, &flows, session, form),
        ),
        Err(error) => visit.unavailable(Some(session), &error),
    }
}

fn pretty(flow: &Flow) -> String {
    serde_json::to_string_pretty(&FlowBody::from(flow)).unwrap_or_default()
}

fn markup(t: Texts, flows: &[Flow], session: &ConsoleSession, form: &FlowForm<'_>) -> Markup {
    html! {
        h1 { (t.get("flows-title")) }
        @if let Some(id) = form.created { div.ok role="status" { (t.with("flow-created", &[("id", id.to_owned().into())])) } }
        table {
            caption { (t.get("flows-caption")) }
            thead { tr { th scope="col" { (t.get("col-name")) } th scope="col" { (t.get("col-id")) } th scope="col" { (t.get("col-version")) } th scope="col" { (t.get("col-kind")) } th scope="col" { (t.get("col-four-eyes")) } th scope="col" { (t.get("col-steps")) } } }
            tbody { @for flow in flows {
                tr {
                    td { a href={ "/console/flows/" (flow.id) } { (flow.name) } }
                    td.id { (flow.id) }
                    td { (flow.version) }
                    td { (flow.kind.as_str()) }
                    td { @if flow.four_eyes { (t.get("yes")) } @else { (t.get("no")) } }
                    td { (flow.steps.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")) }
                }
            } }
        }
        section.card aria-labelledby="h-new-flow" {
            h2 #h-new-flow { (t.get("flow-create-section")) }
            p.muted { (t.get("flow-create-hint")) }
            @if !form.errors.is_empty() {
                div.error role="alert" #flow-errors {
                    (t.get("flow-not-created"))
                    ul { @for e in form.errors {
                        li { @if !e.field.is_empty() { code { (e.field) } ": " } (e.message) " (" (e.code) ")" }
                    } }
                }
            }
            form method="post" action="/console/flows" {
                (csrf(session))
                label for="flow-json" { (t.get("flow-json")) }
                textarea #flow-json name="definition" rows="14" spellcheck="false"
                    aria-describedby=[(!form.errors.is_empty()).then_some("flow-errors")]
                    aria-invalid=[(!form.errors.is_empty()).then_some("true")] { (form.text) }
                button #create-flow type="submit" { (t.get("flow-create")) }
            }
        }
    }
}

/// `GET /console/flows/{id}`: one flow as the API shows it.
pub async fn flow_page(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let session = match visit.admin_session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let t = visit.texts;
    match state.services.get_flow(&session.scope, &id).await {
        Ok(flow) => {
            let title = t.with("flow-title", &[("name", flow.name.clone().into())]);
            let body = html! {
                p { a href="/console/flows" { (t.get("flow-back")) } }
                h1 { (title) }
                pre.card #flow-definition { (pretty(&flow)) }
            };
            visit.page(StatusCode::OK, &title, Some(&session), body)
        }
        Err(ServiceError::NotFound { .. }) => {
            visit.error(StatusCode::NOT_FOUND, Some(&session), "error-no-flow")
        }
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}

/// A body that does not parse as a flow, as one error on the whole body.
fn unreadable(t: Texts, error: &serde_json::Error) -> FieldError {
    FieldError {
        field: String::new(),
        code: "invalid_json",
        message: t.with("flow-unreadable", &[("error", error.to_string().into())]),
    }
}

/// `POST /console/flows` with `definition`: the flow the JSON describes.
pub async fn create(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let (session, fields) = match visit.read_admin_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let text = field(&fields, "definition").unwrap_or_default();
    let errors = match serde_json::from_str::<CreateFlowBody>(&text) {
        Err(error) => vec![unreadable(visit.texts, &error)],
        Ok(body) => {
            let ctx = RequestContext::new(session.scope.clone(), session.principal());
            match state.services.create_flow(&ctx, body.into()).await {
                Ok(flow) => {
                    return Redirect::to(&format!("/console/flows?created={}", flow.id))
                        .into_response();
                }
                Err(ServiceError::Validation(errors)) => errors,
                Err(ServiceError::InvalidRequest { code, message }) => vec![FieldError {
                    field: String::new(),
                    code,
                    message,
                }],
                Err(error) => return visit.unavailable(Some(&session), &error),
            }
        }
    };
    let form = FlowForm {
        text: &text,
        errors: &errors,
        created: None,
    };
    show(
        &state,
        &visit,
        &session,
        StatusCode::UNPROCESSABLE_ENTITY,
        &form,
    )
    .await
}
