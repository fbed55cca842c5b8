//! The cross-site check of the server's own HTML forms (the portal's and the console's): a
//! browser names the page's origin on a POST, which must be kycore's public URL.

use axum::http::{HeaderMap, header};

use crate::AppState;

/// Whether a form POST comes from kycore's own pages (a request without `Origin` is not a
/// browser's cross-site one).
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let public = &state.services.config().public_url;
    url::Url::parse(public).is_ok_and(|u| u.origin().ascii_serialization() == origin)
}
