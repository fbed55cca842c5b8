//! kycore's HTTP edge: the native `/v1` API, the hosted link pages, the OpenAPI document,
//! health and readiness probes and the Prometheus metrics. Modules here translate HTTP to use cases and back; they hold no business
//! rules and never touch storage.

#![forbid(unsafe_code)]

mod api;
mod auth;
mod console;
mod dialects;
pub mod error;
mod extract;
mod i18n;
mod idempotency;
mod limits;
mod openapi;
pub(crate) mod portal;
mod qr;
mod request_id;
mod serve;
mod web_pages;
mod webhooks;

pub use dialects::provide::providers::{ProviderAccount, ProviderAccounts};
pub use dialects::provide::{SubjectError, token_subject as provide_token_subject};
pub use limits::RateLimits;
pub use serve::{ServeLimits, serve};

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kycore_services::Services;
use kycore_services::worker::WorkerStatus;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;

/// The most a request may take, body included, before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    docs: Arc<Docs>,
    /// The portal's per-case upload allowance.
    uploads: Arc<portal::UploadLimiter>,
    /// The API's rate and failed-authentication limits.
    limits: Arc<limits::Limiter>,
    /// The third-party providers Provide's dialect sends applications to.
    provide: Arc<dialects::provide::providers::Outbound>,
}

struct Docs {
    openapi_json: String,
    html: String,
}

/// The whole HTTP application with the default limits. Kept apart from binding a port so
/// tests and benchmarks can serve it on any listener ([`serve`]).
pub fn app(services: Services) -> Router {
    app_with(services, &RateLimits::default())
}

/// The whole HTTP application, with the API's abuse limits given.
pub fn app_with(services: Services, rate_limits: &RateLimits) -> Router {
    app_configured(services, rate_limits, ProviderAccounts::default())
}

/// The whole HTTP application, with the API's abuse limits and the third-party providers
/// Provide's dialect dispatches applications to (none by default).
pub fn app_configured(
    services: Services,
    rate_limits: &RateLimits,
    provide_providers: ProviderAccounts,
) -> Router {
    services.install_webhook_formats(webhooks::formats());
    let (v1, mut openapi) = OpenApiRouter::with_openapi(openapi::base())
        .merge(api::router(services.config().max_upload_bytes))
        .split_for_parts();
    openapi::describe_errors(&mut openapi);
    let docs = Docs {
        openapi_json: openapi
            .to_pretty_json()
            .expect("the OpenAPI document, built from our own types, serializes"),
        html: openapi::render_docs(&openapi),
    };
    let state = AppState {
        services,
        docs: Arc::new(docs),
        uploads: Arc::new(portal::UploadLimiter::new()),
        limits: Arc::new(limits::Limiter::new(rate_limits)),
        provide: Arc::new(dialects::provide::providers::Outbound::new(
            provide_providers,
        )),
    };

    let v1 = v1
        .layer(from_fn_with_state(
            state.clone(),
            idempotency::idempotent_posts,
        ))
        .layer(from_fn_with_state(state.clone(), auth::require_api_key));

    // Browsers that reached kycore over https once keep to https for a year, so a later
    // plain-http link (or a network that strips TLS) cannot expose the API key or a session.
    let hsts = is_https(&state.services.config().public_url).then(|| {
        SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        )
    });

    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/docs", get(docs_page))
        .merge(portal::router(&state))
        .merge(console::router())
        .merge(dialects::vove::router())
        .merge(dialects::caliza::router())
        .merge(dialects::link::router())
        .merge(dialects::provide::router())
        .merge(dialects::rebilly::router())
        .merge(v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
                    let id = request.headers().get(request_id::HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                    let route = request
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("", |p| p.as_str());
                    tracing::info_span!("request", method = %request.method(), route, request_id = id)
                }))
                .layer(from_fn(request_id::scope))
                .layer(CatchPanicLayer::custom(|_| internal_error()))
                .layer(from_fn(time_limit)),
        )
        .with_state(state);
    match hsts {
        Some(hsts) => router.layer(hsts),
        None => router,
    }
}

fn is_https(public_url: &str) -> bool {
    public_url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

async fn openapi_json(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let mut response = state.docs.openapi_json.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn docs_page(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    openapi::docs_response(&state.docs.html)
}

/// Ready when the database answers, every store writer holds a connection and the job
/// worker comes round; a load balancer takes the process out of rotation otherwise
/// (`/healthz` only says the process runs). The answer names each part's state.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let readiness = state.services.readiness().await;
    let parts = serde_json::json!({
        "database": match &readiness.database { Ok(()) => "ok", Err(_) => "unreachable" },
        "writers": {
            "connected": readiness.writers.connected,
            "of": readiness.writers.writers,
            "restarts": readiness.writers.restarts,
        },
        "worker": match readiness.worker {
            WorkerStatus::NotStarted => "not_started",
            WorkerStatus::Running => "running",
            WorkerStatus::Stuck => "stuck",
        },
    });
    if readiness.is_ready() {
        return axum::Json(parts).into_response();
    }
    tracing::warn!(readiness = %parts, "not ready");
    let mut problem = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        format!("not ready: {parts}"),
    )
    .into_response();
    problem
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    problem
}

/// Prometheus metrics. Unauthenticated like the probes: they hold counts and list ids, no
/// tenant's data.
async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let text = state.services.metrics_text().await;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(kycore_services::metrics::CONTENT_TYPE),
        )],
        text,
    )
        .into_response()
}

/// Answers 408 (problem+json) when a request, body included, takes longer than
/// [`REQUEST_TIMEOUT`]; the handler's work is dropped with it.
async fn time_limit(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request took longer than {} seconds",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept that method",
    )
}

fn internal_error() -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "something went wrong on our side",
    )
    .into_response()
}
