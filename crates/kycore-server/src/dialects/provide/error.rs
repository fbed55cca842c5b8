//! Provide's error shapes, from its `provide-go` render helpers: `{"message": "<text>"}` with
//! the HTTP status — `unauthorized` for every refused credential, `kyc application not found`
//! for a missing (or another organization's) application — and, for a status change that
//! is not a valid transition, 422 `{"errors": [{"message"}]}`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::answer;
use crate::error::ApiError;

/// The code of an `ApiError` that Provide lists under `errors`.
pub const INVALID_TRANSITION: &str = "invalid_status_transition";

pub fn render(error: ApiError) -> Response {
    let body = match error.status {
        StatusCode::UNAUTHORIZED => json!({ "message": "unauthorized" }),
        StatusCode::NOT_FOUND => json!({ "message": "kyc application not found" }),
        _ if error.code == INVALID_TRANSITION => {
            json!({ "errors": [{ "message": error.detail }] })
        }
        _ if error.errors.is_empty() => json!({ "message": error.detail }),
        // A services validation names kycore's fields; Provide's clients read one sentence.
        _ => json!({ "message": format!("{}; {}", error.detail, reasons(&error)) }),
    };
    answer(error.status, &body)
}

/// What a refusal says in one sentence: each invalid field and why, else its detail.
pub fn reasons(error: &ApiError) -> String {
    if error.errors.is_empty() {
        return error.detail.clone();
    }
    error
        .errors
        .iter()
        .map(|e| format!("{} {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {

    use super::*;

    use crate::dialects::testing::body;

    #[tokio::test]
    async fn each_refusal_has_provides_shape() {
        let cases = [
            (
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_api_key",
                    "the key is not valid",
                ),
                json!({"message": "unauthorized"}),
            ),
            (
                ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such case"),
                json!({"message": "kyc application not found"}),
            ),
            (
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    INVALID_TRANSITION,
                    "invalid status transition from pending to accepted",
                ),
                json!({"errors": [{"message": "invalid status transition from pending to accepted"}]}),
            ),
            (
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "forbidden"),
                json!({"message": "forbidden"}),
            ),
        ];
        for (error, expected) in cases {
            let status = error.status;
            assert_eq!(body(render(error)).await, (status, expected));
        }
    }
}
