//! The request id (`x-request-id`, set by the outermost layer) made available to code that
//! builds responses without the request at hand — chiefly error bodies.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: Option<String>;
}

/// The current request's id, if called while serving one.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok().flatten()
}

pub async fn scope(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    REQUEST_ID.scope(id, next.run(request)).await
}
