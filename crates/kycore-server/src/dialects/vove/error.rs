//! VOVE's error shape. VOVE's API is a NestJS application; its errors are NestJS's:
//! `{"statusCode", "message", "error"}`, `message` a list of sentences for a body that fails
//! validation (always 400, never 422) and one sentence otherwise.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::ApiError;

/// The request's names for the services' field paths, so a refusal names what the caller
/// sent (`refId`, `formData.registrationNumber`), not kycore's own fields.
const FIELD_NAMES: &[(&str, &str)] = &[
    ("external_id", "refId"),
    ("applicant.external_id", "refId"),
    ("flow_id", "flow"),
    ("applicant.business.legal_name", "businessName"),
    ("applicant.business.country", "country"),
    ("applicant.business.state", "country_state"),
    (
        "applicant.business.registration_number",
        "formData.registrationNumber",
    ),
    ("applicant.business.address.country", "formData.country"),
    ("applicant.business.address.city", "formData.city"),
    ("applicant.business.address.line1", "formData.address"),
];

fn vove_field(field: &str) -> &str {
    FIELD_NAMES
        .iter()
        .find(|(ours, _)| *ours == field)
        .map_or(field, |(_, theirs)| theirs)
}

pub fn render(error: ApiError) -> Response {
    // NestJS's validation answers 400 where kycore says 422.
    let status = if error.status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        error.status
    };
    let message = if error.errors.is_empty() {
        Value::from(error.detail)
    } else {
        error
            .errors
            .iter()
            .map(|e| Value::from(format!("{} {}", vove_field(&e.field), e.message)))
            .collect()
    };
    let body = json!({
        "statusCode": status.as_u16(),
        "message": message,
        "error": status.canonical_reason().unwrap_or("Error"),
    });
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use kycore_domain::FieldError;

    use super::*;

    use crate::dialects::testing::body;

    #[tokio::test]
    async fn validation_is_a_400_listing_each_field_by_the_callers_name() {
        let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "x")
            .with_errors(vec![FieldError {
                field: "applicant.business.registration_number".into(),
                code: "invalid_format",
                message: "is not a valid number".into(),
            }]);
        let (status, body) = body(render(error)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({"statusCode": 400, "error": "Bad Request",
                   "message": ["formData.registrationNumber is not a valid number"]})
        );
    }

    #[tokio::test]
    async fn other_errors_carry_one_sentence() {
        let error = ApiError::new(StatusCode::NOT_FOUND, "not_found", "KYB case not found");
        let (status, body) = body(render(error)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            json!({"statusCode": 404, "message": "KYB case not found", "error": "Not Found"})
        );
    }
}
