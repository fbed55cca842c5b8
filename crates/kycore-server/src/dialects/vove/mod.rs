//! VOVE ID's dialect. So far: the hosted link a VOVE client builds,
//! `/verify?authToken=<token>&publicKey=<publishable key>&environment=Sandbox|Production`,
//! which opens kycore's portal once the publishable key and the environment are the token's
//! own.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use kycore_domain::tenancy::Environment;
use kycore_services::portal::{LinkError, LinkExpectation};
use serde::Deserialize;

use crate::AppState;
use crate::portal::{self, Visitor};

pub fn router() -> Router<AppState> {
    Router::new().route("/verify", get(open_link))
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
    let Ok(Query(link)) = Query::<VoveLink>::try_from_uri(&uri) else {
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
