//! VOVE ID's dialect: KYB cases and flows under `/kyb/…` and `/v2/kyb/…` with the secret key
//! in `x-api-key`, NestJS-shaped errors (`error.rs`), VOVE's five statuses (`status.rs`),
//! Svix-signed webhooks (`webhook.rs`), and the hosted link a VOVE client builds,
//! `/kyb?authToken=<token>&publicKey=<publishable key>&environment=Sandbox|Production` (also
//! at `/verify`), which opens kycore's portal once the publishable key and the environment
//! are the token's own.

mod cases;
mod error;
mod flows;
mod status;
pub mod webhook;

use axum::Router;
use axum::extract::{Query as LinkQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use kycore_domain::tenancy::Environment;
use kycore_services::portal::{LinkError, LinkExpectation};
use serde::Deserialize;

use super::{Caller, Dialect, Failure, Json, Query};
use crate::AppState;
use crate::error::ApiError;
use crate::portal::{self, Visitor};

/// The marker of VOVE's dialect for the shared extractors.
pub struct Vove;

impl Dialect for Vove {
    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        headers.get("x-api-key").and_then(|v| v.to_str().ok())
    }

    fn missing_key() -> ApiError {
        ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "Invalid API key",
        )
    }

    fn render(error: ApiError) -> Response {
        error::render(error)
    }
}

type VoveCaller = Caller<Vove>;
type VoveJson<T> = Json<Vove, T>;
type VoveQuery<T> = Query<Vove, T>;

/// The KYB routes, served at the root and under `/v2` as VOVE's documents show both.
fn kyb_routes() -> Router<AppState> {
    Router::new()
        .route("/kyb/case", get(cases::list).post(cases::create))
        .route("/kyb/case/{id}", get(cases::get))
        .route("/kyb/flows", get(flows::all))
        .route("/kyb/flows/default", get(flows::defaults))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verify", get(open_link))
        .route("/kyb", get(open_link))
        .merge(kyb_routes())
        .nest("/v2", kyb_routes())
}

/// VOVE's query parameters of the hosted link.
#[derive(Deserialize)]
struct VoveLink {
    #[serde(rename = "authToken")]
    auth_token: Option<String>,
    #[serde(rename = "publicKey")]
    public_key: Option<String>,
    environment: Option<String>,
}

/// VOVE's environment names.
fn environment(name: &str) -> Option<Environment> {
    match name {
        "Sandbox" => Some(Environment::Sandbox),
        "Production" => Some(Environment::Live),
        _ => None,
    }
}

async fn open_link(
    State(state): State<AppState>,
    visitor: Visitor,
    uri: axum::http::Uri,
) -> Response {
    let Ok(LinkQuery(link)) = LinkQuery::<VoveLink>::try_from_uri(&uri) else {
        return visitor.link_error(&LinkError::Invalid);
    };
    let Some(token) = link.auth_token else {
        return visitor.link_error(&LinkError::Invalid);
    };
    let environment = match link.environment.as_deref().map(environment) {
        None => None,
        Some(Some(environment)) => Some(environment),
        Some(None) => return visitor.link_error(&LinkError::Invalid),
    };
    let expected = LinkExpectation {
        environment,
        publishable_key: link.public_key,
    };
    portal::open(&state, &visitor, &token, &expected).await
}
