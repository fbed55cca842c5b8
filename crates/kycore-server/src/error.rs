//! The one place errors become HTTP: RFC 9457 `application/problem+json` with a stable
//! `code`, field errors, and the request id. Internal details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kycore_domain::FieldError;
use kycore_services::ServiceError;
use serde::Serialize;

use crate::request_id;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Whole seconds to wait before retrying, sent as `Retry-After` (a refusal for rate).
    pub retry_after: Option<u64>,
}

/// One invalid field of a request.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    /// Dotted path of the offending field, e.g. `individual.address.country`.
    pub field: String,
    /// Stable code, e.g. `invalid_country`.
    pub code: String,
    pub message: String,
}

/// The problem document, as sent.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:kycore:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable, machine-readable error code.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// The `Retry-After` header this error asks for, if any: every error shape (native or a
    /// vendor's) sends it.
    pub fn retry_after_header(&self) -> Option<(header::HeaderName, HeaderValue)> {
        let seconds = self.retry_after?;
        HeaderValue::from_str(&seconds.to_string())
            .ok()
            .map(|value| (header::RETRY_AFTER, value))
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        let detail = error.to_string();
        match error {
            ServiceError::NotFound { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
            }
            ServiceError::Validation(errors) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                detail,
            )
            .with_errors(errors),
            ServiceError::InvalidRequest { code, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
            }
            ServiceError::InvalidTransition(_) => {
                ApiError::new(StatusCode::CONFLICT, "invalid_transition", detail)
            }
            ServiceError::Conflict { code, .. } => {
                ApiError::new(StatusCode::CONFLICT, code, detail)
            }
            ServiceError::Unauthenticated { code, .. } => {
                ApiError::new(StatusCode::UNAUTHORIZED, code, detail)
            }
            ServiceError::Gone { code, .. } => ApiError::new(StatusCode::GONE, code, detail),
            ServiceError::Unavailable { code, .. } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
            }
            ServiceError::Corrupt(_) | ServiceError::Internal(_) | ServiceError::Store(_) => {
                tracing::error!(error = %detail, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after_header();
        let problem = Problem {
            problem_type: format!("urn:kycore:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.to_owned(),
            errors: self
                .errors
                .into_iter()
                .map(|e| FieldErrorBody {
                    field: e.field,
                    code: e.code.to_owned(),
                    message: e.message,
                })
                .collect(),
            request_id: request_id::current(),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some((name, value)) = retry_after {
            response.headers_mut().insert(name, value);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
