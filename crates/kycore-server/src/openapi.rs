//! The OpenAPI 3.1 document, generated from the handlers' annotations, served as JSON at
//! `/v1/openapi.json` and rendered as plain HTML at `/docs` (no scripts or CDN, so it works
//! on an air-gapped deployment).
//!
//! The handlers' annotations state their successes and the errors only they give; the
//! errors every route of a kind can give (no key, a malformed body, a bad path segment, an
//! idempotency conflict, …) are added by [`describe_errors`] from the operation's shape, the
//! same way the extractors and layers that give them are attached to routes, so neither can
//! be forgotten on a new route.

use std::fmt::Write;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, PathItem, Ref, RefOr};
use utoipa::{Modify, OpenApi as _};

use crate::error::{FieldErrorBody, Problem};

/// The media type of every error the API sends.
pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "kycore API", description = "Self-hosted KYC/KYB verification: applicants, flows, cases, events. \
        Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`."),
    modifiers(&BearerAuth),
    components(schemas(Problem, FieldErrorBody)),
    tags(
        (name = "applicants", description = "People and businesses being verified"),
        (name = "flows", description = "Verification templates"),
        (name = "cases", description = "Verifications and their hosted links"),
        (name = "events", description = "Everything that happened, in order"),
        (name = "audit", description = "Who did what, in a tamper-evident hash chain"),
        (name = "checks", description = "Ad-hoc validation of identifiers"),
        (name = "sandbox", description = "Simulations for sandbox keys"),
        (name = "screenings", description = "Name screening against the deployment's watchlists"),
        (name = "webhooks", description = "Signed, retried, logged delivery of events to your endpoints"),
        (name = "organization", description = "Your organization's own look on its hosted pages"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// One error an operation can answer with: its status and which codes, for what.
struct ErrorResponse {
    status: &'static str,
    description: &'static str,
}

const fn error(status: &'static str, description: &'static str) -> ErrorResponse {
    ErrorResponse {
        status,
        description,
    }
}

/// Adds to every operation the errors its kind of route gives, and documents every error
/// response as a problem document, the way [`crate::error::ApiError`] sends it. Run on the
/// finished document, after the routes have added their paths.
pub fn describe_errors(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        for (method, operation) in operations_mut(item) {
            for error in errors_of(method, operation) {
                let response = operation
                    .responses
                    .responses
                    .entry(error.status.to_owned())
                    .or_insert_with(|| RefOr::T(ResponseBuilder::new().build()));
                // A route's own description of a status comes first; the common causes of
                // the same status follow it.
                if let RefOr::T(response) = response
                    && !response.description.contains(error.description)
                {
                    if !response.description.is_empty() {
                        response.description.push_str("; ");
                    }
                    response.description.push_str(error.description);
                }
            }
            for (status, response) in &mut operation.responses.responses {
                if let RefOr::T(response) = response
                    && (status.starts_with('4') || status.starts_with('5'))
                {
                    response.content.clear();
                    response.content.insert(
                        PROBLEM_JSON.to_owned(),
                        RefOr::T(
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        ),
                    );
                }
            }
        }
    }
}

const BODY_TOO_LARGE: &str = "`body_too_large`: the body is larger than the route takes";

/// The errors an operation gives because of what it takes: a key, a body, path segments, a
/// query, an `Idempotency-Key`.
fn errors_of(method: &str, operation: &Operation) -> Vec<ErrorResponse> {
    let mut errors = vec![error(
        "500",
        "`internal_error`: a fault on our side, logged with the request id",
    )];
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        errors.push(error(
            "401",
            "`missing_api_key`, `invalid_api_key` or `revoked_api_key`: no usable secret key",
        ));
    }
    let parameters: Vec<(&str, &ParameterIn)> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some((p.name.as_str(), &p.parameter_in)),
            RefOr::Ref(_) => None,
        })
        .collect();
    let takes = |place: ParameterIn| parameters.iter().any(|(_, p)| **p == place);
    if takes(ParameterIn::Path) {
        errors.push(error(
            "400",
            "`invalid_path`: a path segment is not valid UTF-8 once decoded",
        ));
        errors.push(error(
            "404",
            "`not_found`: no such resource for this key (another tenant's ids included)",
        ));
    }
    if takes(ParameterIn::Query) {
        errors.push(error(
            "400",
            "`invalid_query`: an unknown parameter, or a value of the wrong type or not one \
             of the allowed values",
        ));
    }
    if parameters
        .iter()
        .any(|(name, place)| *name == "limit" && **place == ParameterIn::Query)
    {
        errors.push(error(
            "422",
            "`invalid_limit`: `limit` is not between 1 and 100",
        ));
    }
    let body_type = operation.request_body.as_ref().and_then(|body| match body {
        RefOr::T(body) => body.content.keys().next().map(String::as_str),
        RefOr::Ref(_) => None,
    });
    match body_type {
        Some("multipart/form-data") => {
            errors.push(error(
                "400",
                "`invalid_multipart`: the form is malformed (boundary, part headers) or has a field \
                 the route does not take",
            ));
            errors.push(error(
                "415",
                "`unsupported_media_type`: the body is not `multipart/form-data`",
            ));
        }
        Some(_) => {
            errors.push(error(
                "400",
                "`invalid_json`: the body is not one JSON value",
            ));
            errors.push(error(
                "415",
                "`unsupported_media_type`: the body is not `application/json`",
            ));
        }
        None => {}
    }
    if body_type.is_some() {
        errors.push(error("413", BODY_TOO_LARGE));
        errors.push(error(
            "422",
            "`invalid_body`: the body does not fit the schema (a wrong type, an array for an \
             object, an unknown, missing or repeated field), or `validation_failed`: a field \
             breaks a rule; `errors[]` names each field",
        ));
    }
    if parameters.iter().any(|(name, place)| {
        name.eq_ignore_ascii_case("idempotency-key") && **place == ParameterIn::Header
    }) {
        errors.push(error(
            "409",
            "`idempotency_key_reused`: the key was used for another request; \
             `idempotency_key_in_use`: a request with the key is being answered",
        ));
        errors.push(error("413", BODY_TOO_LARGE));
        errors.push(error(
            "422",
            "`invalid_idempotency_key`: the key is not 1 to 255 printable ASCII characters",
        ));
    }
    if method != "GET" {
        errors.push(error(
            "503",
            "`storage_unavailable`: the database takes no writes right now; retry shortly",
        ));
    }
    errors
}

/// The API reference as a page of HTML, built once at start-up.
pub fn render_docs(openapi: &OpenApi) -> String {
    let mut body = String::new();
    for (path, item) in &openapi.paths.paths {
        for (method, operation) in operations(item) {
            let summary = operation
                .summary
                .as_deref()
                .or(operation.description.as_deref())
                .unwrap_or("");
            let _ = write!(
                body,
                "<section><h2><code>{} {}</code></h2><p>{}</p>",
                method,
                escape(path),
                escape(summary)
            );
            if let Some(parameters) = &operation.parameters {
                body.push_str("<ul>");
                for p in parameters {
                    let utoipa::openapi::RefOr::T(p) = p else {
                        continue;
                    };
                    let description = p.description.as_deref().unwrap_or("");
                    let _ = write!(
                        body,
                        "<li><code>{}</code> — {}</li>",
                        escape(&p.name),
                        escape(description)
                    );
                }
                body.push_str("</ul>");
            }
            body.push_str("</section>");
        }
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>kycore API</title>\
         <style>{DOCS_STYLE}</style></head>\
         <body><h1>kycore API</h1><p>Machine-readable: <a href=\"/v1/openapi.json\">/v1/openapi.json</a>. \
         Authenticate with <code>Authorization: Bearer kc_test_…</code>.</p>{body}</body></html>"
    )
}

/// The docs page's one stylesheet, inline so the page is one request.
const DOCS_STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:0 auto;padding:1rem}\
     h2{font-size:1rem;margin-top:1.5rem}code{background:#f3f3f3;padding:0 .2rem}";

/// The docs page's Content-Security-Policy: nothing may load or run but its own stylesheet
/// (allowed by its hash), and no other site may frame it.
fn docs_content_security_policy() -> String {
    let digest = Sha256::digest(DOCS_STYLE.as_bytes());
    format!(
        "default-src 'none'; style-src 'sha256-{}'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        base64(&digest)
    )
}

/// Standard base64 with padding (RFC 4648), as CSP hash sources are written.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for position in 0..4 {
            if position <= chunk.len() {
                let index = (group >> (18 - 6 * position)) & 0x3f;
                out.push(char::from(ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn operations_mut(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("GET", &mut item.get),
        ("POST", &mut item.post),
        ("PUT", &mut item.put),
        ("PATCH", &mut item.patch),
        ("DELETE", &mut item.delete),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
    .collect()
}

fn operations(item: &PathItem) -> Vec<(&'static str, &Operation)> {
    [
        ("GET", &item.get),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_ref().map(|op| (method, op)))
    .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The docs page as sent: HTML under its Content-Security-Policy.
pub fn docs_response(page: &str) -> Response {
    let mut response = page.to_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(policy) = HeaderValue::from_str(&docs_content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
    }
}
