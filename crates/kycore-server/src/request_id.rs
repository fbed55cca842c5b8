//! The request id (`x-request-id`, set by the outermost layer) and the request's path, made
//! available to code that builds responses without the request at hand — chiefly error
//! bodies (some vendors' errors name the path).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: &str = "x-request-id";

/// What is known of the request being served.
#[derive(Clone)]
struct Current {
    id: Option<String>,
    path: String,
}

tokio::task_local! {
    static CURRENT: Current;
}

/// The current request's id, if called while serving one.
pub fn current() -> Option<String> {
    CURRENT.try_with(|c| c.id.clone()).ok().flatten()
}

/// The current request's path (without its query), if called while serving one.
pub fn current_path() -> Option<String> {
    CURRENT.try_with(|c| c.path.clone()).ok()
}

pub async fn scope(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = request.uri().path().to_owned();
    CURRENT.scope(Current { id, path }, next.run(request)).await
}
