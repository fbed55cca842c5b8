//! Caliza's two error shapes: a body that fails validation is 400 `{"errors": [sentences]}`;
//! everything else is `{"code", "message", "traceId", "path"}` with a dotted code such as
//! `beneficiary.not_found` (the dialect's own refusals carry Caliza's codes; what the services
//! refuse keeps kycore's).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::request_id;

pub fn render(error: ApiError) -> Response {
    let status = if error.status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        error.status
    };
    if !error.errors.is_empty() {
        let sentences: Vec<String> = error
            .errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect();
        return (status, Json(json!({ "errors": sentences }))).into_response();
    }
    let body = json!({
        "code": error.code,
        "message": error.detail,
        "traceId": request_id::current(),
        "path": request_id::current_path(),
    });
    (status, Json(body)).into_response()
}
