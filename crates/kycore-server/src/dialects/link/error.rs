//! LINK's error envelope. LINK documents only its status codes (400 missing or invalid
//! parameter, 401 no valid key, 403 not permitted, 404 no such resource, 409 conflict); the
//! body mirrors its success envelope: `{"status": "error", "code": "<MACHINE_CODE>",
//! "message": "<sentence>"}`. Every refusal of the request's content is a 400, as LINK has
//! no 413, 415 or 422.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;

/// The request's names for the services' field paths, so a refusal names what the caller
/// sent.
const FIELD_NAMES: &[(&str, &str)] = &[
    ("applicant.business.legal_name", "business_name"),
    ("applicant.business.email", "business_email"),
    ("applicant.business.phone", "phone_number"),
    ("applicant.business.address.line1", "registered_address"),
    ("applicant.business.address.country", "registered_country"),
    ("applicant.business.country", "registered_country"),
];

fn link_field(field: &str) -> &str {
    FIELD_NAMES
        .iter()
        .find(|(ours, _)| *ours == field)
        .map_or(field, |(_, theirs)| theirs)
}

/// LINK's status for kycore's: what the caller sent does not fit, whichever way.
fn link_status(status: StatusCode) -> StatusCode {
    match status {
        StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::PAYLOAD_TOO_LARGE
        | StatusCode::UNSUPPORTED_MEDIA_TYPE => StatusCode::BAD_REQUEST,
        other => other,
    }
}

fn code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "VALIDATION_ERROR",
        StatusCode::UNAUTHORIZED => "UNAUTHORIZED",
        StatusCode::FORBIDDEN => "FORBIDDEN",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::CONFLICT => "CONFLICT",
        StatusCode::TOO_MANY_REQUESTS => "RATE_LIMITED",
        StatusCode::SERVICE_UNAVAILABLE => "SERVICE_UNAVAILABLE",
        s if s.is_server_error() => "SERVER_ERROR",
        _ => "REQUEST_FAILED",
    }
}

pub fn render(error: ApiError) -> Response {
    let status = link_status(error.status);
    let message = if error.errors.is_empty() {
        error.detail
    } else {
        error
            .errors
            .iter()
            .map(|e| format!("{}: {}", link_field(&e.field), e.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let body = json!({"status": "error", "code": code(status), "message": message});
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use kycore_domain::FieldError;

    use super::*;

    use crate::dialects::testing::body;

    fn field(field: &str, message: &str) -> FieldError {
        FieldError {
            field: field.into(),
            code: "invalid",
            message: message.into(),
        }
    }

    #[tokio::test]
    async fn validation_is_a_400_naming_the_callers_fields() {
        let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "x")
            .with_errors(vec![
                field("applicant.business.email", "not an e-mail address"),
                field("applicant.business.phone", "expected +"),
            ]);
        let (status, body) = body(render(error)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({"status": "error", "code": "VALIDATION_ERROR",
                   "message": "business_email: not an e-mail address; phone_number: expected +"})
        );
    }

    #[tokio::test]
    async fn each_documented_status_has_its_code_and_one_sentence() {
        for (status, expected) in [
            (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            (StatusCode::FORBIDDEN, "FORBIDDEN"),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            (StatusCode::CONFLICT, "CONFLICT"),
            (StatusCode::INTERNAL_SERVER_ERROR, "SERVER_ERROR"),
        ] {
            let (answered, body) =
                body(render(ApiError::new(status, "anything", "Some sentence."))).await;
            assert_eq!(answered, status);
            assert_eq!(
                body,
                json!({"status": "error", "code": expected, "message": "Some sentence."})
            );
        }
        let (status, body) = body(render(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send JSON",
        )))
        .await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::BAD_REQUEST, &json!("VALIDATION_ERROR"))
        );
    }
}
