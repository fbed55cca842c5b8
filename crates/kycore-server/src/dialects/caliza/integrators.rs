//! Caliza's integrator: the (organization, environment) a token speaks for, its id the
//! organization's. Its webhook configuration — one `callbackUrl` and one secret — is the
//! scope's webhook endpoint of format `caliza`: setting the URL creates or moves it, the
//! secret is that endpoint's, rotation replaces it at once (Caliza's old signatures stop
//! verifying immediately).

use axum::Json as Answer;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_domain::tenancy::{Environment, Scope};
use kycore_services::pagination::PageRequest;
use kycore_services::webhooks::{EndpointChanges, NewEndpoint, WebhookEndpoint};
use serde::Deserialize;
use serde_json::{Value, json};

use super::webhook::NAME as FORMAT;
use super::{Caliza, CalizaCaller, failure};
use crate::AppState;
use crate::dialects::{Failure, Json, PathParam};

type Result<T> = std::result::Result<T, Failure<Caliza>>;

/// The scope's Caliza endpoint, if its callback URL was set.
pub(super) async fn callback_endpoint(
    state: &AppState,
    scope: &Scope,
) -> Result<Option<WebhookEndpoint>> {
    let mut page = PageRequest {
        limit: Some(100),
        starting_after: None,
    };
    loop {
        let endpoints = state.services.list_webhook_endpoints(scope, &page).await?;
        if let Some(found) = endpoints.data.iter().find(|e| e.format == FORMAT) {
            return Ok(Some(found.clone()));
        }
        match endpoints.next_cursor {
            Some(cursor) if endpoints.has_more => page.starting_after = Some(cursor),
            _ => return Ok(None),
        }
    }
}

/// Checks that `integrator_id` is the caller's own; another's answers like a missing one.
fn own(caller: &CalizaCaller, integrator_id: &str) -> Result<()> {
    if caller.scope().organization_id.as_str() == integrator_id {
        Ok(())
    } else {
        Err(failure(
            StatusCode::NOT_FOUND,
            "integrator.not_found",
            "Integrator not found",
        ))
    }
}

fn environment_name(environment: Environment) -> &'static str {
    match environment {
        Environment::Sandbox => "SANDBOX",
        Environment::Live => "PRODUCTION",
    }
}

pub async fn me(State(state): State<AppState>, caller: CalizaCaller) -> Result<Answer<Value>> {
    let scope = caller.scope();
    let endpoint = callback_endpoint(&state, scope).await?;
    Ok(Answer(json!({
        "integratorId": scope.organization_id.as_str(),
        "environment": environment_name(scope.environment),
        "callbackUrl": endpoint.map(|e| e.url),
    })))
}

fn configuration(integrator_id: &str, endpoint: Option<&WebhookEndpoint>) -> Value {
    json!({
        "integratorId": integrator_id,
        "callbackUrl": endpoint.map(|e| e.url.as_str()),
    })
}

pub async fn get_webhooks(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(integrator_id, ..): PathParam<Caliza, String>,
) -> Result<Answer<Value>> {
    own(&caller, &integrator_id)?;
    let endpoint = callback_endpoint(&state, caller.scope()).await?;
    Ok(Answer(configuration(&integrator_id, endpoint.as_ref())))
}

#[derive(Deserialize)]
pub struct WebhookConfiguration {
    #[serde(rename = "callbackUrl")]
    callback_url: String,
}

pub async fn set_webhooks(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(integrator_id, ..): PathParam<Caliza, String>,
    Json(body, ..): Json<Caliza, WebhookConfiguration>,
) -> Result<Answer<Value>> {
    own(&caller, &integrator_id)?;
    let ctx = caller.context();
    let endpoint = match callback_endpoint(&state, caller.scope()).await? {
        Some(existing) => {
            let changes = EndpointChanges {
                url: Some(body.callback_url),
                enabled: Some(true),
                ..EndpointChanges::default()
            };
            state
                .services
                .update_webhook_endpoint(&ctx, &existing.id, changes)
                .await?
        }
        None => {
            let new = NewEndpoint {
                url: body.callback_url,
                description: Some("Caliza callback URL".to_owned()),
                format: Some(FORMAT.to_owned()),
                ..NewEndpoint::default()
            };
            state
                .services
                .create_webhook_endpoint(&ctx, new)
                .await?
                .endpoint
        }
    };
    Ok(Answer(configuration(&integrator_id, Some(&endpoint))))
}

/// The callback endpoint, refused as Caliza does when none is configured.
pub(super) async fn required_endpoint(state: &AppState, scope: &Scope) -> Result<WebhookEndpoint> {
    callback_endpoint(state, scope).await?.ok_or_else(|| {
        failure(
            StatusCode::PRECONDITION_FAILED,
            "callback_url.not_set",
            "Set the webhook callback URL first",
        )
    })
}

pub async fn webhook_secret(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(integrator_id, ..): PathParam<Caliza, String>,
) -> Result<Answer<Value>> {
    own(&caller, &integrator_id)?;
    let endpoint = required_endpoint(&state, caller.scope()).await?;
    let secret = state
        .services
        .webhook_endpoint_secret(caller.scope(), &endpoint.id)
        .await?;
    Ok(Answer(json!({ "webhookSecret": secret })))
}

pub async fn rotate_webhook_secret(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(integrator_id, ..): PathParam<Caliza, String>,
) -> Result<Answer<Value>> {
    own(&caller, &integrator_id)?;
    let endpoint = required_endpoint(&state, caller.scope()).await?;
    let rotated = state
        .services
        .rotate_webhook_secret(&caller.context(), &endpoint.id, Some(0))
        .await?;
    Ok(Answer(json!({ "webhookSecret": rotated.secret })))
}
