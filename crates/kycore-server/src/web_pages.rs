//! What the server's own HTML pages — the applicant's portal and the analysts' console —
//! share: reading a cookie, the same-origin check of their form posts, and the headers every
//! page is answered with (no caching, no sniffing, a nonce-based content security policy).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cookie::Cookie;
use maud::Markup;

use crate::AppState;

/// The value of the request's cookie `name`, if it sent one.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// Whether a form POST comes from kycore's own pages (a request without `Origin` is not a
/// browser's cross-site one).
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let public = &state.services.config().public_url;
    url::Url::parse(public).is_ok_and(|u| u.origin().ascii_serialization() == origin)
}

/// A page as a response with the headers every page carries; `policy` is its content
/// security policy, in which `{nonce}` stands for the page's nonce.
pub(crate) fn respond(status: StatusCode, nonce: &str, policy: &str, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Not `no-referrer`: with it, browsers send `Origin: null` on the page's own form posts,
    // and the origin check needs the real one. Nothing leaves for other sites either way.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&policy.replace("{nonce}", nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}
