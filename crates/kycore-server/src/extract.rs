//! Extractors that reject bad input with our problem documents instead of axum's plain text:
//! JSON bodies (syntax, types, shape, unknown and duplicate fields, size, content type),
//! multipart forms (content type, boundary), path parameters and query strings.

mod strict_json;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use kycore_domain::FieldError;
use kycore_services::{IdempotencyClaim, Renderer, RequestContext};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::idempotency::PendingIdempotency;

pub use strict_json::canonical_json;

/// Largest JSON body accepted by the API.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body, deserialized strictly.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(unsupported_media_type("application/json"));
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| body_too_large(MAX_BODY_BYTES))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Whether the request says its body is JSON (`application/json` or any `+json` type).
pub fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|mime| {
        mime.eq_ignore_ascii_case("application/json")
            || mime.to_ascii_lowercase().ends_with("+json")
    })
}

/// Whether the request says its body is a multipart form.
pub fn is_multipart_form(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|mime| mime.eq_ignore_ascii_case("multipart/form-data"))
}

/// The `Content-Type` without its parameters.
pub fn media_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
}

fn unsupported_media_type(expected: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("send the body as {expected}"),
    )
}

/// A multipart form (`multipart/form-data` with a boundary); its fields are read by the
/// handler.
pub struct ApiMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_multipart_form(request.headers()) {
            return Err(unsupported_media_type("multipart/form-data"));
        }
        // The media type is right, so what axum refuses is the boundary.
        Multipart::from_request(request, state)
            .await
            .map(ApiMultipart)
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_multipart",
                    format!("the multipart form is malformed: {}", rejection.body_text()),
                )
            })
    }
}

/// Path parameters. A segment that does not decode (percent-encoded bytes that are not
/// UTF-8) is the client's malformed request; one that holds a control character names
/// nothing (no id has one) and is answered as missing before PostgreSQL, which refuses a NUL
/// in text, sees it.
pub struct ApiPath<T>(pub T);

/// Whether a raw path encodes a control character (`%00`–`%1F`, `%7F`).
fn encodes_control_character(path: &str) -> bool {
    path.split('%').skip(1).any(|escape| {
        escape
            .get(..2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .is_some_and(|byte| byte < 0x20 || byte == 0x7f)
    })
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // No id holds a control character: such a path names nothing there is.
        if encodes_control_character(parts.uri.path()) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "nothing has an id with a control character",
            ));
        }
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) if rejection.status().is_client_error() => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_path",
                format!("the path is malformed: {}", rejection.body_text()),
            )),
            // A route whose parameters do not fit its handler: our mistake, not the client's.
            Err(rejection) => {
                tracing::error!(error = %rejection.body_text(), "path parameters do not fit the handler");
                Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side",
                ))
            }
        }
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

/// Deserializes strictly, with the failing field's path, so the error names it: no array
/// where an object is expected, no key twice in an object, no trailing data.
pub fn parse_json<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let malformed = |e: serde_json::Error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("malformed JSON: {e}"),
        )
    };
    // One pass over the document as plain JSON first: syntax errors and duplicate keys are
    // reported the same whatever the target type.
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let _: strict_json::DuplicateKeyCheck = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                malformed(inner)
            } else {
                data_error(&path, &inner.to_string())
            }
        })?;
    deserializer.end().map_err(malformed)?;

    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(strict_json::ObjectsOnly(&mut deserializer)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // serde_json reports a wrong type where an enum is expected (`"kind": 5`) as a
        // syntax error; the body parsed above, so it is a shape error here.
        if inner.is_syntax() || inner.is_eof() {
            return data_error(&path, "invalid type: expected one of the allowed values");
        }
        data_error(&path, &inner.to_string())
    })
}

fn data_error(path: &str, message: &str) -> ApiError {
    let code = if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("missing field") {
        "missing_field"
    } else if message.starts_with("duplicate field") {
        "duplicate_field"
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
    // A missing or repeated field is reported at its parent's path; name the field itself.
    if matches!(code, "missing_field" | "duplicate_field")
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

    #[test]
    fn a_path_encoding_a_control_character_is_malformed() {
        assert!(encodes_control_character("/v1/cases/case_%00"));
        assert!(encodes_control_character("/v1/cases/a%1Fb"));
        assert!(encodes_control_character("/kyc-requests/%7f"));
        assert!(!encodes_control_character("/v1/cases/case_%20x%C3%A9"));
        assert!(!encodes_control_character("/v1/cases/100%"));
        assert!(!encodes_control_character("/v1/cases/%zz"));
    }

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

    #[test]
    fn arrays_are_not_objects_and_fields_come_once() {
        for (raw, field) in [
            (r#"["a"]"#, ""),
            (r#"{"name": "a", "inner": [1]}"#, "inner"),
        ] {
            let error = error_of(raw);
            assert_eq!(
                (error.status, error.code),
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
                "{raw}"
            );
            assert_eq!(error.errors[0].field, field, "{raw}");
            assert_eq!(error.errors[0].code, "invalid_type", "{raw}");
        }
        for (raw, field) in [
            (r#"{"name": "a", "name": "b"}"#, "name"),
            (
                r#"{"name": "a", "inner": {"count": 1, "count": 1}}"#,
                "inner.count",
            ),
        ] {
            let error = error_of(raw);
            assert_eq!(error.code, "invalid_body", "{raw}");
            assert_eq!(error.errors[0].field, field, "{raw}");
            assert_eq!(error.errors[0].code, "duplicate_field", "{raw}");
        }
    }
}
