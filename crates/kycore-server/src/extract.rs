//! Extractors that reject bad input with our problem documents instead of axum's plain text:
//! JSON bodies (syntax, types, unknown fields, size, content type) and query strings.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use kycore_domain::FieldError;
use kycore_services::{IdempotencyClaim, Renderer, RequestContext};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::idempotency::PendingIdempotency;

/// Largest JSON body accepted by the API.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body, deserialized strictly.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| body_too_large(MAX_BODY_BYTES))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Reads a multipart field no further than one byte past `cap`: its bytes, or `None` when
/// it is longer than `cap`.
pub async fn read_capped(
    field: &mut axum::extract::multipart::Field<'_>,
    cap: usize,
) -> Result<Option<Vec<u8>>, axum::extract::multipart::MultipartError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if bytes.len() + chunk.len() > cap {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

pub fn body_too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the body exceeds {limit} bytes"),
    )
}

/// Deserializes with the failing field's path, so the error names it.
pub fn parse_json<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            // serde_json reports a wrong type where an enum is expected (`"kind": 5`) as a
            // syntax error; only a body that does not parse at all is malformed.
            if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
                return data_error(&path, "invalid type: expected one of the allowed values");
            }
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("malformed JSON: {inner}"),
            );
        }
        data_error(&path, &inner.to_string())
    })?;
    deserializer.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("malformed JSON: {e}"),
        )
    })?;
    Ok(value)
}

fn data_error(path: &str, message: &str) -> ApiError {
    let code = if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("missing field") {
        "missing_field"
    } else if message.starts_with("invalid type") {
        "invalid_type"
    } else {
        "invalid_value"
    };
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned();
    let mut field = if path == "." {
        String::new()
    } else {
        path.to_owned()
    };
    // A missing field is reported at its parent's path; name the field itself.
    if code == "missing_field"
        && let Some(name) = message.split('`').nth(1)
    {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        format!("the body does not fit the schema: {message}"),
    )
    .with_errors(vec![FieldError {
        field,
        code,
        message,
    }])
}

/// Query parameters; unknown parameters are refused so typos do not silently widen a list.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("invalid query string: {e}"),
                )
            })
    }
}

/// Who is calling and, for a POST with `Idempotency-Key`, the claim to store the answer under.
pub struct Caller {
    auth: Authenticated,
    pending: Option<PendingIdempotency>,
}

/// Renders a use case's result `S` as the wire shape `W` the native API answers with, so the
/// response stored for an `Idempotency-Key` is exactly the one first sent.
pub fn renderer<S, W>() -> Renderer
where
    S: 'static,
    W: Serialize + for<'a> From<&'a S>,
{
    std::sync::Arc::new(|value: &dyn std::any::Any| {
        let value = value
            .downcast_ref::<S>()
            .ok_or("the use case answered with another type than its route renders")?;
        serde_json::to_vec(&W::from(value)).map_err(|e| e.to_string())
    })
}

impl Caller {
    pub fn scope(&self) -> &kycore_domain::tenancy::Scope {
        &self.auth.0.scope
    }

    /// The context for a use case answering `S`, whose success this route sends as `W`
    /// with `status`.
    pub fn context<S, W>(&self, status: StatusCode) -> RequestContext
    where
        S: 'static,
        W: Serialize + for<'a> From<&'a S>,
    {
        let claim = self.pending.clone().map(|p| IdempotencyClaim {
            surface: crate::idempotency::SURFACE,
            key: p.key,
            request_hash: p.request_hash,
            status: status.as_u16(),
            render: renderer::<S, W>(),
        });
        RequestContext::new(self.scope().clone(), self.auth.0.principal.clone())
            .with_idempotency(claim)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let auth = parts
            .extensions
            .get::<Authenticated>()
            .cloned()
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "missing_api_key",
                    "send your secret key as a Bearer token",
                )
            })?;
        let pending = parts.extensions.get::<PendingIdempotency>().cloned();
        Ok(Caller { auth, pending })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn error_of(raw: &str) -> ApiError {
        parse_json::<Body>(&Bytes::from(raw.to_owned())).unwrap_err()
    }

    #[test]
    fn syntax_errors_are_400_and_shape_errors_name_the_field() {
        assert_eq!(error_of("{\"name\": ").code, "invalid_json");
        assert_eq!(error_of(r#"{"name": "a"} trailing"#).code, "invalid_json");
        let wrong = error_of(r#"{"name": "a", "inner": {"count": "x"}}"#);
        assert_eq!(
            (wrong.status, wrong.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
        );
        assert_eq!(wrong.errors[0].field, "inner.count");
        assert_eq!(wrong.errors[0].code, "invalid_type");
        assert_eq!(
            error_of(r#"{"name": "a", "extra": 1}"#).errors[0].code,
            "unknown_field"
        );
        assert_eq!(error_of(r#"{}"#).errors[0].code, "missing_field");
        assert_eq!(error_of(r#"{}"#).errors[0].field, "name");
        let nested = error_of(r#"{"name": "a", "inner": {}}"#);
        assert_eq!(nested.errors[0].field, "inner.count");
    }
}
