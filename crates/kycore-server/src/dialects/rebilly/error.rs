//! Rebilly's errors: RFC 9457 problem details — `type`, `title`, `status`, `detail`,
//! `instance` — with Rebilly's titles (`Validation error`, `Not Found`, …) and, on a 422,
//! `invalidFields: [{field, message}]` naming the request's fields in dot notation
//! (`documents.0.type`). Rebilly's definitions declare `application/json`, but the body is a
//! problem document, so it is sent as `application/problem+json` (a JSON client parses
//! both). `type` is kycore's problem URN, except `about:blank` for 429 as Rebilly's.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::request_id;

/// The request's names for the services' field paths, so a refusal names what the caller
/// sent (`redirectUrl`, `customerId`), not kycore's own fields.
const FIELD_NAMES: &[(&str, &str)] = &[
    ("external_id", "customerId"),
    ("applicant.external_id", "customerId"),
    ("redirect_url", "redirectUrl"),
    ("link_lifetime_seconds", "expirationTime"),
    ("metadata", "documents"),
];

/// A field path in Rebilly's dot notation: kycore's own name mapped, `[i]` written `.i`.
fn rebilly_field(field: &str) -> String {
    let named = FIELD_NAMES
        .iter()
        .find(|(ours, _)| *ours == field)
        .map_or(field, |(_, theirs)| theirs);
    named.replace('[', ".").replace(']', "")
}

/// Rebilly's title for a status: its documented ones, else the HTTP reason phrase.
fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNPROCESSABLE_ENTITY => "Validation error",
        StatusCode::TOO_MANY_REQUESTS => "Rate Limit Exceeded",
        other => other.canonical_reason().unwrap_or("Error"),
    }
}

pub fn render(error: ApiError) -> Response {
    let status = error.status;
    let problem_type = if status == StatusCode::TOO_MANY_REQUESTS {
        "about:blank".to_owned()
    } else {
        format!("urn:kycore:problem:{}", error.code)
    };
    let mut body = Map::new();
    body.insert("type".into(), json!(problem_type));
    body.insert("title".into(), json!(title(status)));
    body.insert("status".into(), json!(status.as_u16()));
    body.insert("detail".into(), json!(error.detail));
    if let Some(path) = request_id::current_path() {
        body.insert("instance".into(), json!(path));
    }
    if !error.errors.is_empty() {
        let fields: Vec<Value> = error
            .errors
            .iter()
            .map(|e| json!({"field": rebilly_field(&e.field), "message": e.message}))
            .collect();
        body.insert("invalidFields".into(), Value::Array(fields));
    }
    let mut response = (status, Json(Value::Object(body))).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use kycore_domain::FieldError;

    use super::*;

    use crate::dialects::testing::body;

    #[tokio::test]
    async fn validation_lists_fields_in_dot_notation_by_the_callers_name() {
        let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "x")
            .with_errors(vec![
                FieldError {
                    field: "redirect_url".into(),
                    code: "invalid_url",
                    message: "an absolute URL".into(),
                },
                FieldError {
                    field: "documents[0].type".into(),
                    code: "invalid",
                    message: "unknown".into(),
                },
            ]);
        let (status, body) = body(render(error)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["title"], "Validation error");
        assert_eq!(body["status"], 422);
        assert_eq!(
            body["invalidFields"],
            json!([{"field": "redirectUrl", "message": "an absolute URL"},
                   {"field": "documents.0.type", "message": "unknown"}])
        );
    }

    #[tokio::test]
    async fn rate_limits_are_about_blank() {
        let error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "slow down");
        let (_, body) = body(render(error)).await;
        assert_eq!(body["type"], "about:blank");
        assert_eq!(body["title"], "Rate Limit Exceeded");
        assert!(body.get("invalidFields").is_none());
    }
}
