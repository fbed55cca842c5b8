//! The OpenAPI 3.1 document, generated from the handlers' annotations, served as JSON at
//! `/v1/openapi.json` and rendered as plain HTML at `/docs` (no scripts or CDN, so it works
//! on an air-gapped deployment).

use std::fmt::Write;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, PathItem};
use utoipa::{Modify, OpenApi as _};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "kycore API", description = "Self-hosted KYC/KYB verification: applicants, flows, cases, events."),
    modifiers(&BearerAuth),
    tags(
        (name = "applicants", description = "People and businesses being verified"),
        (name = "flows", description = "Verification templates"),
        (name = "cases", description = "Verifications and their hosted links"),
        (name = "events", description = "Everything that happened, in order"),
        (name = "checks", description = "Ad-hoc validation of identifiers"),
        (name = "sandbox", description = "Simulations for sandbox keys"),
        (name = "screenings", description = "Name screening against the deployment's watchlists"),
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
         <style>body{{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:0 auto;padding:1rem}}\
         h2{{font-size:1rem;margin-top:1.5rem}}code{{background:#f3f3f3;padding:0 .2rem}}</style></head>\
         <body><h1>kycore API</h1><p>Machine-readable: <a href=\"/v1/openapi.json\">/v1/openapi.json</a>. \
         Authenticate with <code>Authorization: Bearer kc_test_…</code>.</p>{body}</body></html>"
    )
}

fn operations(item: &PathItem) -> Vec<(&'static str, &utoipa::openapi::path::Operation)> {
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

pub fn html(page: &str) -> Response {
    let mut response = page.to_owned().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
