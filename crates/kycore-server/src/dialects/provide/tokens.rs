//! `POST /api/v1/tokens`: a bearer JWT for the Application (`{"application_id"?}`) or one of
//! its users (`{"user_id"}`), minted with the secret key presented. Provide issues these
//! from its own console; kycore mints them here and with `kycore tokens mint`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use kycore_domain::tenancy::Scope;

use super::{Provide, ProvideCaller, Result, answer, application_uuid, refusal, uuid};
use crate::AppState;
use crate::dialects::Json;

#[derive(Deserialize)]
pub struct MintRequest {
    #[serde(default)]
    application_id: Option<Value>,
    #[serde(default)]
    user_id: Option<Value>,
}

#[derive(Serialize)]
struct Minted {
    id: String,
    token: String,
    subject: String,
}

/// Why a token cannot be minted for the subject asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum SubjectError {
    /// Both an application and a user, or an id that is not a UUID.
    Invalid(&'static str),
    /// Another Application than the key's own.
    Foreign,
}

/// The subject of a token for the key of `scope`: `application:<uuid>` for its Application
/// (whose id is the organization's: `application` may repeat it, never name another), or
/// `user:<uuid>` for one of its users.
pub fn subject_for(
    scope: &Scope,
    application: Option<&str>,
    user: Option<&str>,
) -> std::result::Result<String, SubjectError> {
    match (application, user) {
        (Some(_), Some(_)) => Err(SubjectError::Invalid(
            "give application_id or user_id, not both",
        )),
        (None, Some(user)) => uuid(user)
            .map(|user| format!("user:{user}"))
            .ok_or(SubjectError::Invalid("user_id must be a UUID")),
        (application, None) => {
            let own = application_uuid(scope).ok_or(SubjectError::Foreign)?;
            match application
                .map(|a| uuid(a).ok_or(SubjectError::Invalid("application_id must be a UUID")))
            {
                None => Ok(format!("application:{own}")),
                Some(Ok(given)) if given == own => Ok(format!("application:{own}")),
                Some(Ok(_)) => Err(SubjectError::Foreign),
                Some(Err(e)) => Err(e),
            }
        }
    }
}

/// A member of the body that must be a string, if given.
fn given_text<'v>(value: Option<&'v Value>, name: &str) -> Result<Option<&'v str>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(raw)) => Ok(Some(raw)),
        Some(_) => Err(refusal(
            StatusCode::BAD_REQUEST,
            format!("{name} must be a UUID"),
        )),
    }
}

pub async fn mint(
    State(state): State<AppState>,
    caller: ProvideCaller,
    Json(body, ..): Json<Provide, MintRequest>,
) -> Result<Response> {
    let application = given_text(body.application_id.as_ref(), "application_id")?;
    let user = given_text(body.user_id.as_ref(), "user_id")?;
    let subject = subject_for(caller.scope(), application, user).map_err(|e| match e {
        SubjectError::Invalid(message) => refusal(StatusCode::BAD_REQUEST, message),
        SubjectError::Foreign => refusal(StatusCode::FORBIDDEN, "forbidden"),
    })?;
    let minted = state
        .services
        .mint_key_token(caller.authenticated(), &subject)
        .map_err(|e| match e {
            // A token presented to mint another: only a secret key mints.
            kycore_services::ServiceError::Unauthenticated { .. } => {
                refusal(StatusCode::FORBIDDEN, "forbidden")
            }
            other => other.into(),
        })?;
    let body = Minted {
        id: minted.id,
        token: minted.token,
        subject: minted.subject,
    };
    Ok(answer(StatusCode::CREATED, &body))
}
