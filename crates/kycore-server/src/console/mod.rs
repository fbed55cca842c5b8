//! The console: the analysts' back office, server-rendered pages that work without
//! JavaScript.
//!
//! It owns the console's routes, its session cookie and CSRF checks, and turning service
//! results and errors into pages. It translates and never decides: signing in, sessions,
//! lockouts and roles are `kycore_services::console_users`'; the queue, the case and its
//! decisions are the same `Services` calls the API makes (`review_queue`, `get_case`,
//! `decide_case`…), so a decision here fires the same events, webhooks and audit entries,
//! audited as `Principal::ConsoleUser`. It never touches storage.
//!
//! Routes: `/console/login` (GET form, POST sign-in), `/console/logout` (POST),
//! `/console/environment` (POST: sandbox or live), `/console/cases` (the queue),
//! `/console/cases/{id}` (the case), `/console/next?after={id}` (the case after it in the
//! queue), `/console/cases/{id}/decision` and `/assignment` (POST) and
//! `/console/cases/{id}/documents/{document_id}/file` (a document's file, for the viewer);
//! for admins, `/console/webhooks` and `/console/webhooks/{endpoint_id}/redeliver` (POST),
//! `/console/keys` (POST creates; `/{id}/revoke`), `/console/users` (POST creates;
//! `/{id}/password`, `/{id}/disable`, `/{id}/second-factor/remove`), `/console/flows`
//! (POST creates from JSON; `/console/flows/{id}`) and `/console/watchlists` (lists,
//! refreshes, monitoring runs).
//!
//! Every user has `/console/account`, where they set up an optional second factor (TOTP;
//! POST `/console/account/second-factor`, then `/confirm` with a code).
//!
//! Sign-in: e-mail and password (and the second factor's `code`, for a user who has one);
//! when the e-mail has accounts in several organizations the form asks for the
//! organization's id too (`organization`). Failed sign-ins count against
//! the account (the services lock it with a growing wait) and against the client's address
//! (the API's failed-authentication budget). The session cookie is HttpOnly and
//! SameSite=Strict, scoped to `/console`; the sign-in form's CSRF token is a double-submit
//! cookie, every later form carries the session's own token, and a POST from another origin
//! is refused.

// A handler's error is the page to show instead; it is built once per request.
#![allow(clippy::result_large_err)]

mod access;
mod account;
mod case_detail;
mod flows;
mod pages;
mod watchlists;
mod webhooks;

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cookie::{Cookie, SameSite};
use kycore_checks::document::RejectionCode;
use kycore_domain::case::{CaseKind, CaseStatus, ManualDecision};
use kycore_domain::flow::Step;
use kycore_domain::ids::CaseId;
use kycore_domain::tenancy::Environment;
use kycore_services::HitVerdict;
use kycore_services::RequestContext;
use kycore_services::ServiceError;
use kycore_services::cases::{DecisionRequest, QueueFilter};
use kycore_services::console_users::{ConsoleSession, LoginError};
use kycore_services::documents::DocumentReview;
use kycore_services::events::EventQuery;
use kycore_services::pagination::PageRequest;
use kycore_services::screening::HitReview;
use serde::Deserialize;

use crate::AppState;
use crate::i18n::{Catalog, Lang, Texts};
use crate::web_pages::cookie_value;
use crate::web_pages::same_origin;

const SESSION_COOKIE: &str = "kycore_console";
const LOGIN_CSRF_COOKIE: &str = "kycore_console_login";
const LANG_COOKIE: &str = "kycore_console_lang";
/// The queue shows at most this many cases.
const QUEUE_LIMIT: u32 = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/cases") }))
        .route("/console/login", get(login_form).post(login))
        .route("/console/logout", post(logout))
        .route("/console/environment", post(switch_environment))
        .route("/console/cases", get(queue))
        .route("/console/cases/{id}", get(case_page))
        .route("/console/next", get(next_case))
        .route("/console/webhooks", get(webhooks::page))
        .route(
            "/console/keys",
            get(access::keys_page).post(access::create_key),
        )
        .route("/console/keys/{id}/revoke", post(access::revoke_key))
        .route(
            "/console/users",
            get(access::users_page).post(access::create_user),
        )
        .route("/console/users/{id}/password", post(access::reset_password))
        .route("/console/users/{id}/disable", post(access::disable_user))
        .route(
            "/console/users/{id}/second-factor/remove",
            post(access::remove_second_factor),
        )
        .route("/console/account", get(account::page))
        .route(
            "/console/account/second-factor",
            post(account::start_second_factor),
        )
        .route(
            "/console/account/second-factor/confirm",
            post(account::confirm_second_factor),
        )
        .route("/console/flows", get(flows::page).post(flows::create))
        .route("/console/flows/{id}", get(flows::flow_page))
        .route("/console/watchlists", get(watchlists::page))
        .route(
            "/console/webhooks/{endpoint_id}/redeliver",
            post(webhooks::redeliver),
        )
        .route("/console/cases/{id}/decision", post(decide))
        .route("/console/cases/{id}/assignment", post(assign))
        .route(
            "/console/cases/{id}/documents/{document_id}/file",
            get(document_file),
        )
        .route(
            "/console/cases/{id}/documents/{document_id}/review",
            post(review_document),
        )
        .route(
            "/console/cases/{id}/screening-hits/{hit_id}/review",
            post(review_hit),
        )
}

/// What every console request knows before its session is looked at.
pub struct Visit {
    texts: Texts,
    /// Set when `?lang=` chose the language, to remember it.
    chosen_lang: Option<Lang>,
    nonce: String,
    session_token: Option<String>,
    login_csrf: Option<String>,
    secure: bool,
    peer: Option<ConnectInfo<SocketAddr>>,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (lang, chosen_lang) = crate::i18n::choose(parts, LANG_COOKIE, Catalog::Console);
        Ok(Visit {
            texts: Texts::console(lang),
            chosen_lang,
            nonce: uuid::Uuid::new_v4().simple().to_string(),
            session_token: cookie_value(&parts.headers, SESSION_COOKIE),
            login_csrf: cookie_value(&parts.headers, LOGIN_CSRF_COOKIE),
            secure: state.services.config().public_url.starts_with("https://"),
            peer: parts.extensions.get::<ConnectInfo<SocketAddr>>().cloned(),
        })
    }
}

impl Visit {
    fn page(
        &self,
        status: StatusCode,
        title: &str,
        session: Option<&ConsoleSession>,
        body: maud::Markup,
    ) -> Response {
        let mut response = pages::respond(
            status,
            &self.nonce,
            pages::shell(&self.nonce, self.texts, title, session, body),
        );
        // A language chosen with `?lang=` is kept for the console's next pages.
        if let Some(lang) = self.chosen_lang {
            self.set_cookie(
                &mut response,
                LANG_COOKIE,
                lang.code().to_owned(),
                "/console",
            );
        }
        response
    }

    /// The page for the error `id`: its `-title` message as the heading, its sentence.
    fn error(&self, status: StatusCode, session: Option<&ConsoleSession>, id: &str) -> Response {
        let title = self.texts.get(&format!("{id}-title"));
        let message = self.texts.get(id);
        self.page(
            status,
            &title,
            session,
            pages::message(self.texts, &title, &message),
        )
    }

    /// The signed-in session, or the way to the sign-in form.
    async fn session(&self, state: &AppState) -> Result<ConsoleSession, Response> {
        let Some(token) = &self.session_token else {
            return Err(to_login());
        };
        match state.services.console_session(token).await {
            Ok(session) => Ok(session),
            Err(ServiceError::Unauthenticated { .. }) => Err(to_login()),
            Err(error) => Err(self.unavailable(None, &error)),
        }
    }

    fn unavailable(&self, session: Option<&ConsoleSession>, error: &ServiceError) -> Response {
        tracing::error!(%error, "a console page failed");
        self.error(
            StatusCode::SERVICE_UNAVAILABLE,
            session,
            "error-unavailable",
        )
    }

    /// The session of a form being sent: same origin, the session's CSRF token.
    async fn form_session(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        fields: &HashMap<String, String>,
    ) -> Result<ConsoleSession, Response> {
        let session = self.session(state).await?;
        let csrf = fields.get("csrf").map(String::as_str).unwrap_or("");
        if !same_origin(state, headers) || !session.csrf_matches(csrf) {
            return Err(self.error(StatusCode::FORBIDDEN, Some(&session), "error-form-expired"));
        }
        Ok(session)
    }

    /// A form sent by a signed-in session: it parses, comes from this origin and carries the
    /// session's CSRF token. The session and the form's fields, or the page saying why not.
    async fn read_form(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        form: Fields,
    ) -> Result<(ConsoleSession, HashMap<String, String>), Response> {
        let Ok(Form(fields)) = form else {
            return Err(self.bad_form(None));
        };
        let session = self.form_session(state, headers, &fields).await?;
        Ok((session, fields))
    }

    /// [`Visit::read_form`], sent by an admin.
    async fn read_admin_form(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        form: Fields,
    ) -> Result<(ConsoleSession, HashMap<String, String>), Response> {
        let (session, fields) = self.read_form(state, headers, form).await?;
        Ok((self.admin(session)?, fields))
    }

    /// The signed-in session of an admin, or the page saying why not.
    async fn admin_session(&self, state: &AppState) -> Result<ConsoleSession, Response> {
        let session = self.session(state).await?;
        self.admin(session)
    }

    fn admin(&self, session: ConsoleSession) -> Result<ConsoleSession, Response> {
        if session.user.role.can_administer() {
            return Ok(session);
        }
        Err(self.error(StatusCode::FORBIDDEN, Some(&session), "error-admins-only"))
    }

    fn bad_form(&self, session: Option<&ConsoleSession>) -> Response {
        self.error(StatusCode::BAD_REQUEST, session, "error-bad-form")
    }

    fn set_cookie(
        &self,
        response: &mut Response,
        name: &'static str,
        value: String,
        path: &'static str,
    ) {
        let cookie = Cookie::build((name, value))
            .path(path)
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.encoded().to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }

    fn clear_cookie(&self, response: &mut Response, name: &'static str, path: &'static str) {
        let cookie = Cookie::build((name, ""))
            .path(path)
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .max_age(cookie::time::Duration::ZERO)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.encoded().to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

/// The status of a change the services refused for a reason the person can act on (it is
/// shown on the page again); `None` for a failure of ours or a dependency's.
fn refusal_status(error: &ServiceError) -> Option<StatusCode> {
    match error {
        ServiceError::NotFound { .. } => Some(StatusCode::NOT_FOUND),
        ServiceError::InvalidTransition(_) | ServiceError::Conflict { .. } => {
            Some(StatusCode::CONFLICT)
        }
        ServiceError::Validation(_) | ServiceError::InvalidRequest { .. } => {
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        }
        _ => None,
    }
}

fn to_login() -> Response {
    Redirect::to("/console/login").into_response()
}

type Fields = Result<Form<HashMap<String, String>>, FormRejection>;

async fn login_form(State(state): State<AppState>, visit: Visit) -> Response {
    if let Some(token) = &visit.session_token
        && state.services.console_session(token).await.is_ok()
    {
        return Redirect::to("/console/cases").into_response();
    }
    login_page(&visit, StatusCode::OK, None, "", false)
}

/// The sign-in form, with a fresh double-submit CSRF token.
fn login_page(
    visit: &Visit,
    status: StatusCode,
    error: Option<&str>,
    email: &str,
    ask_organization: bool,
) -> Response {
    // The browser keeps one sign-in token until it signs in, so a second tab or a form
    // shown again after a mistake still works.
    let csrf = visit
        .login_csrf
        .clone()
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| kycore_services::crypto::random_alphanumeric(32));
    let title = visit.texts.get("sign-in");
    let mut response = visit.page(
        status,
        &title,
        None,
        pages::login(visit.texts, &csrf, error, email, ask_organization),
    );
    visit.set_cookie(&mut response, LOGIN_CSRF_COOKIE, csrf, "/console/login");
    response
}

async fn login(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let Ok(Form(fields)) = form else {
        return visit.bad_form(None);
    };
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let email = field("email");
    let presented = field("csrf");
    let csrf_ok = visit
        .login_csrf
        .as_deref()
        .is_some_and(|expected| !expected.is_empty() && expected == presented);
    if !same_origin(&state, &headers) || !csrf_ok {
        return login_page(
            &visit,
            StatusCode::FORBIDDEN,
            Some(&visit.texts.get("login-expired")),
            email,
            false,
        );
    }
    let limits = &state.limits;
    let address = limits.client_address(&headers, visit.peer.as_ref());
    if limits.check_address(address).is_some() {
        return login_page(
            &visit,
            StatusCode::TOO_MANY_REQUESTS,
            Some(&visit.texts.get("login-address-limited")),
            email,
            false,
        );
    }
    let organization = Some(field("organization"));
    let opened = state
        .services
        .console_login(
            email,
            field("password"),
            organization,
            Some(field("code")),
            Environment::Live,
        )
        .await;
    match opened {
        Ok(opened) => {
            let mut response = Redirect::to("/console/cases").into_response();
            visit.set_cookie(&mut response, SESSION_COOKIE, opened.token, "/console");
            visit.clear_cookie(&mut response, LOGIN_CSRF_COOKIE, "/console/login");
            response
        }
        Err(LoginError::Invalid) => {
            limits.record_failure(address);
            login_page(
                &visit,
                StatusCode::UNAUTHORIZED,
                Some(&visit.texts.get("login-invalid")),
                email,
                false,
            )
        }
        Err(LoginError::Locked { until }) => {
            limits.record_failure(address);
            let at = kycore_services::time_format::rfc3339(until);
            let message = visit.texts.with("login-locked", &[("until", at.into())]);
            login_page(
                &visit,
                StatusCode::TOO_MANY_REQUESTS,
                Some(&message),
                email,
                false,
            )
        }
        Err(LoginError::CodeRequired) => login_page(
            &visit,
            StatusCode::UNAUTHORIZED,
            Some(&visit.texts.get("login-code-required")),
            email,
            false,
        ),
        Err(LoginError::WrongCode) => {
            limits.record_failure(address);
            login_page(
                &visit,
                StatusCode::UNAUTHORIZED,
                Some(&visit.texts.get("login-wrong-code")),
                email,
                false,
            )
        }
        Err(LoginError::OrganizationRequired) => login_page(
            &visit,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&visit.texts.get("login-organization-required")),
            email,
            true,
        ),
        Err(LoginError::Failed(error)) => visit.unavailable(None, &error),
    }
}

async fn logout(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let (session, _) = match visit.read_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    if let Err(error) = state.services.console_logout(&session).await {
        return visit.unavailable(Some(&session), &error);
    }
    let mut response = Redirect::to("/console/login").into_response();
    visit.clear_cookie(&mut response, SESSION_COOKIE, "/console");
    response
}

async fn switch_environment(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let (session, fields) = match visit.read_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let Some(environment) = fields
        .get("environment")
        .and_then(|e| Environment::parse(e))
    else {
        return visit.bad_form(Some(&session));
    };
    match state
        .services
        .console_switch_environment(&session, environment)
        .await
    {
        Ok(()) => Redirect::to("/console/cases").into_response(),
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}

/// The queue's filters as the form sends them.
#[derive(Deserialize, Default)]
struct QueueQuery {
    status: Option<String>,
    kind: Option<String>,
    /// A flow's id.
    flow: Option<String>,
    /// A case id (opens the case), the platform's external id, or words of the applicant's
    /// name or e-mail.
    q: Option<String>,
    /// Created on or after this day, on or before `until` (YYYY-MM-DD, UTC).
    from: Option<String>,
    until: Option<String>,
    /// `me`: only the cases the signed-in user took.
    assigned: Option<String>,
}

/// A form field's value, when it has one.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Midnight UTC at the start of `raw` (YYYY-MM-DD), `days` later, in Unix milliseconds.
fn day_start(raw: &str, days: i64) -> Option<i64> {
    let date = kycore_domain::applicant::parse_date(raw)?;
    let start = date.midnight().assume_utc() + time::Duration::days(days);
    i64::try_from(start.unix_timestamp_nanos() / 1_000_000).ok()
}

impl QueueQuery {
    /// The services' filter, or the message id of what the person should fix.
    fn filter(&self, session: &ConsoleSession) -> Result<QueueFilter, &'static str> {
        let status = match given(&self.status) {
            None => None,
            Some(raw) => Some(CaseStatus::parse(raw).ok_or("error-filter-status")?),
        };
        let kind = match given(&self.kind) {
            None => None,
            Some(raw) => Some(CaseKind::parse(raw).ok_or("error-filter-kind")?),
        };
        let date = |raw: &Option<String>, days| match given(raw) {
            None => Ok(None),
            Some(raw) => day_start(raw, days).map(Some).ok_or("error-filter-date"),
        };
        Ok(QueueFilter {
            status,
            kind,
            flow_id: given(&self.flow).map(str::to_owned),
            search: given(&self.q).map(str::to_owned),
            created_from: date(&self.from, 0)?,
            created_until: date(&self.until, 1)?,
            assigned_to: match given(&self.assigned) {
                None => None,
                Some("me") => Some(session.user.id.to_string()),
                Some(_) => return Err("error-filter-assigned"),
            },
        })
    }
}

async fn queue(
    State(state): State<AppState>,
    visit: Visit,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match visit.session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let Query(query) = query.unwrap_or_default();
    // A case id goes straight to its case.
    if let Some(id) = given(&query.q).filter(|q| CaseId::parse(q).is_some()) {
        return Redirect::to(&format!("/console/cases/{id}")).into_response();
    }
    let filter = match query.filter(&session) {
        Ok(filter) => filter,
        Err(message) => {
            let title = visit.texts.get("error-bad-filter-title");
            let body = pages::message(visit.texts, &title, &visit.texts.get(message));
            return visit.page(StatusCode::BAD_REQUEST, &title, Some(&session), body);
        }
    };
    let flows = match state.services.list_flows(&session.scope).await {
        Ok(flows) => flows,
        Err(error) => return visit.unavailable(Some(&session), &error),
    };
    let shown = pages::QueueForm {
        status: filter.status,
        kind: filter.kind,
        flow: given(&query.flow).unwrap_or_default(),
        flows: &flows,
        q: given(&query.q).unwrap_or_default(),
        from: given(&query.from).unwrap_or_default(),
        until: given(&query.until).unwrap_or_default(),
        mine: filter.assigned_to.is_some(),
    };
    match state
        .services
        .review_queue(&session.scope, filter.clone(), QUEUE_LIMIT)
        .await
    {
        Ok(rows) => visit.page(
            StatusCode::OK,
            &visit.texts.get("queue-title"),
            Some(&session),
            pages::queue(visit.texts, &rows, &shown),
        ),
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    after: Option<String>,
}

/// `GET /console/next?after={id}`: the case after `after` in the queue's order (in review
/// first, oldest first), or the queue when there is none.
async fn next_case(
    State(state): State<AppState>,
    visit: Visit,
    query: Result<Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match visit.session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let after = query.ok().and_then(|Query(q)| q.after);
    // Only the order matters here: the cases without their risk signals.
    let cases = match state
        .services
        .queue_cases(&session.scope, QueueFilter::default(), QUEUE_LIMIT)
        .await
    {
        Ok(cases) => cases,
        Err(error) => return visit.unavailable(Some(&session), &error),
    };
    let position = cases
        .iter()
        .position(|case| Some(&case.id) == after.as_ref());
    let next = match position {
        Some(i) => cases.get(i + 1),
        None => cases.first(),
    };
    match next {
        Some(case) => Redirect::to(&format!("/console/cases/{}", case.id)).into_response(),
        None => Redirect::to("/console/cases").into_response(),
    }
}

/// `GET /console/cases/{id}/documents/{document_id}/file`: the document's file, decrypted for
/// a signed-in session only, never cached, never run as a page.
async fn document_file(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, document_id)): Path<(String, String)>,
) -> Response {
    let session = match visit.session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    if CaseId::parse(&id).is_none() {
        return missing_case(&visit, &session);
    }
    match state
        .services
        .document_file(&session.scope, &id, &document_id)
        .await
    {
        Ok((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-store".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CONTENT_DISPOSITION, "inline".to_owned()),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "sandbox; default-src 'none'".to_owned(),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(ServiceError::NotFound { .. }) => {
            visit.error(StatusCode::NOT_FOUND, Some(&session), "error-no-document")
        }
        Err(ServiceError::Gone { .. }) => {
            visit.error(StatusCode::GONE, Some(&session), "error-file-erased")
        }
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}

#[derive(Deserialize)]
struct CaseQuery {
    done: Option<String>,
}

async fn case_page(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    query: Result<Query<CaseQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match visit.session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let done = query.ok().and_then(|Query(q)| q.done);
    show_case(
        &state,
        &visit,
        &session,
        &id,
        StatusCode::OK,
        done.as_deref(),
        None,
    )
    .await
}

/// Everything the case page shows, read through the services.
async fn show_case(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    id: &str,
    status: StatusCode,
    done: Option<&str>,
    error: Option<&str>,
) -> Response {
    // An id of the wrong shape names no case; it never reaches a query.
    if CaseId::parse(id).is_none() {
        return missing_case(visit, session);
    }
    let services = &state.services;
    let scope = &session.scope;
    let read = async {
        // The full case carries its checks and hits: one read for the case and both.
        let mut case = services.get_case(scope, id).await?;
        let applicant = services.get_applicant(scope, &case.applicant_id).await?;
        let documents = services.list_documents(scope, id).await?;
        let checks = case.checks.take().unwrap_or_default();
        let hits = case
            .screening_hits
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|hit| {
                let entry = services.watchlist_entry(&hit.list, &hit.entity_id);
                (hit, entry)
            })
            .collect();
        let trail = services
            .audit_trail(scope, Some(id.to_owned()), None, Some(100))
            .await?;
        let events = services
            .list_events(
                scope,
                EventQuery {
                    case_id: Some(id.to_owned()),
                    event_type: None,
                },
                &PageRequest {
                    limit: Some(100),
                    starting_after: None,
                },
            )
            .await?;
        let flow = services.get_flow(scope, &case.flow_id).await?;
        let redoable = flow
            .steps
            .into_iter()
            .filter(|s| !matches!(s, Step::Consent | Step::Review))
            .collect();
        Ok::<_, ServiceError>(pages::CaseView {
            case,
            applicant,
            documents,
            checks,
            hits,
            timeline: pages::timeline(trail.data, events.data),
            redoable,
        })
    };
    match read.await {
        Ok(view) => {
            let t = visit.texts;
            let title = t.with("case-title", &[("id", view.case.id.clone().into())]);
            let notice = done.and_then(pages::done_message).map(|id| t.get(id));
            visit.page(
                status,
                &title,
                Some(session),
                pages::case(t, &view, session, notice.as_deref(), error),
            )
        }
        Err(ServiceError::NotFound { .. }) => missing_case(visit, session),
        Err(error) => visit.unavailable(Some(session), &error),
    }
}

fn missing_case(visit: &Visit, session: &ConsoleSession) -> Response {
    visit.error(StatusCode::NOT_FOUND, Some(session), "error-no-case")
}

/// The session and fields of a form that changes a case: a form that parses, signed in, same
/// origin, its CSRF token, a role that may decide, and a case id of the right shape.
async fn deciding_session(
    state: &AppState,
    visit: &Visit,
    headers: &HeaderMap,
    id: &str,
    form: Fields,
) -> Result<(ConsoleSession, HashMap<String, String>), Response> {
    let (session, fields) = visit.read_form(state, headers, form).await?;
    if !session.user.role.can_decide() {
        return Err(visit.error(StatusCode::FORBIDDEN, Some(&session), "error-cannot-decide"));
    }
    if CaseId::parse(id).is_none() {
        return Err(missing_case(visit, &session));
    }
    Ok((session, fields))
}

/// A form's non-empty field, trimmed.
fn field(fields: &HashMap<String, String>, name: &str) -> Option<String> {
    fields
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The answer to a change of the case: back to its page saying what was `done`, or the page
/// again with why the services refused it.
async fn after_change(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    id: &str,
    result: Result<(), ServiceError>,
    done: &str,
) -> Response {
    let error = match result {
        Ok(()) => {
            return Redirect::to(&format!("/console/cases/{id}?done={done}")).into_response();
        }
        Err(ServiceError::NotFound { .. }) => return missing_case(visit, session),
        Err(error) => error,
    };
    let Some(status) = refusal_status(&error) else {
        return visit.unavailable(Some(session), &error);
    };
    let message = match &error {
        ServiceError::Validation(fields) => fields
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    show_case(state, visit, session, id, status, None, Some(&message)).await
}

async fn decide(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Fields,
) -> Response {
    let (session, fields) = match deciding_session(&state, &visit, &headers, &id, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let (decision, done) = match field(&fields, "decision").as_deref() {
        Some("approve") => (ManualDecision::Approve, "approved"),
        Some("reject") => (ManualDecision::Reject, "rejected"),
        Some("request_resubmission") => (
            ManualDecision::RequestResubmission,
            "resubmission_requested",
        ),
        _ => return visit.bad_form(Some(&session)),
    };
    let expected_revision = match field(&fields, "revision").map(|r| r.parse::<i64>()) {
        None => None,
        Some(Ok(revision)) => Some(revision),
        Some(Err(_)) => return visit.bad_form(Some(&session)),
    };
    // A resubmission's checked steps (`step_<name>`); none checked asks for every data step.
    let steps: Vec<Step> = fields
        .keys()
        .filter_map(|name| name.strip_prefix("step_"))
        .filter_map(Step::parse)
        .collect();
    let request = DecisionRequest {
        decision,
        reason_code: field(&fields, "reason_code"),
        note: field(&fields, "note"),
        steps: (decision == ManualDecision::RequestResubmission && !steps.is_empty())
            .then_some(steps),
        // Every form of ours sends the revision it showed.
        expected_revision,
    };
    let ctx = RequestContext::new(session.scope.clone(), session.principal());
    let result = state.services.decide_case(&ctx, &id, request).await;
    // Under four eyes a first approval leaves the case waiting for a second person.
    let done = match &result {
        Ok(case) if decision == ManualDecision::Approve && case.first_approval.is_some() => {
            "first_approval"
        }
        _ => done,
    };
    after_change(&state, &visit, &session, &id, result.map(drop), done).await
}

/// `take` gives the case to the signed-in analyst (from whoever had it); `release` gives it
/// to nobody.
async fn assign(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Fields,
) -> Response {
    let (session, fields) = match deciding_session(&state, &visit, &headers, &id, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let (take, done) = match field(&fields, "action").as_deref() {
        Some("take") => (true, "assigned"),
        Some("release") => (false, "unassigned"),
        _ => return visit.bad_form(Some(&session)),
    };
    let ctx = RequestContext::new(session.scope.clone(), session.principal());
    let result = state.services.assign_case(&ctx, &id, take).await;
    after_change(&state, &visit, &session, &id, result.map(drop), done).await
}

/// A person accepts or rejects one of the case's documents (a proof of address, which no
/// check judges, or one whose checks they overrule): the same review as the API's.
async fn review_document(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path((id, document_id)): Path<(String, String)>,
    form: Fields,
) -> Response {
    let (session, fields) = match deciding_session(&state, &visit, &headers, &id, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let review = match field(&fields, "status").as_deref() {
        Some("accepted") => DocumentReview::Accept,
        Some("rejected") => {
            let code = field(&fields, "reason_code").unwrap_or_default();
            let Ok(code) = serde_json::from_value::<RejectionCode>(serde_json::json!(code)) else {
                let message = visit
                    .texts
                    .with("error-bad-rejection-code", &[("code", code.into())]);
                return show_case(
                    &state,
                    &visit,
                    &session,
                    &id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(&message),
                )
                .await;
            };
            DocumentReview::Reject {
                code,
                message: field(&fields, "message").unwrap_or_default(),
            }
        }
        _ => return visit.bad_form(Some(&session)),
    };
    let ctx = RequestContext::new(session.scope.clone(), session.principal());
    let result = state
        .services
        .review_document(&ctx, &id, &document_id, review)
        .await;
    after_change(
        &state,
        &visit,
        &session,
        &id,
        result.map(drop),
        "document_reviewed",
    )
    .await
}

/// A person marks one of the case's screening hits a true or a false match: the same review
/// as the API's (a false match is remembered for the applicant).
async fn review_hit(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path((id, hit_id)): Path<(String, String)>,
    form: Fields,
) -> Response {
    let (session, fields) = match deciding_session(&state, &visit, &headers, &id, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let verdict = match field(&fields, "verdict").as_deref() {
        Some("true_match") => HitVerdict::TrueMatch,
        Some("false_match") => HitVerdict::FalseMatch,
        _ => return visit.bad_form(Some(&session)),
    };
    let review = HitReview {
        verdict,
        note: field(&fields, "note"),
    };
    let ctx = RequestContext::new(session.scope.clone(), session.principal());
    let result = state
        .services
        .review_screening_hit(&ctx, &id, &hit_id, review)
        .await;
    after_change(
        &state,
        &visit,
        &session,
        &id,
        result.map(drop),
        "hit_reviewed",
    )
    .await
}

#[cfg(test)]
mod tests {
    use crate::i18n::{Lang, Texts};

    /// The console's code with every message id it names: a literal given to `get`, `with`,
    /// an error page or a done message.
    const SOURCES: [&str; 8] = [
        include_str!("mod.rs"),
        include_str!("pages.rs"),
        include_str!("case_detail.rs"),
        include_str!("access.rs"),
        include_str!("account.rs"),
        include_str!("flows.rs"),
        include_str!("watchlists.rs"),
        include_str!("webhooks.rs"),
    ];

    /// Quoted literals that look like message ids (`queue-title`, `error-no-case`).
    fn named_ids(source: &str) -> Vec<&str> {
        source
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                s.contains('-')
                    && !s.starts_with('-')
                    && !s.ends_with('-')
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
            })
            .collect()
    }

    #[test]
    fn every_message_the_console_names_is_in_its_catalog() {
        let english = Texts::console(Lang::En);
        let mut missing: Vec<&str> = Vec::new();
        for source in SOURCES {
            for id in named_ids(source) {
                let is_message = english.has(id) || english.has(&format!("{id}-title"));
                if !is_message && !missing.contains(&id) {
                    missing.push(id);
                }
            }
        }
        // Literals of the same shape that are not texts: element ids (headings' `h-…`),
        // attribute values.
        let not_texts = [
            "no-store",
            "login-error",
            "current-password",
            "new-email",
            "new-role",
            "flow-errors",
            "one-time-code",
            "code-hint",
            "confirm-code",
        ];
        missing.retain(|id| !not_texts.contains(id) && !id.starts_with("h-"));
        assert!(
            missing.is_empty(),
            "not in console/locales/en.ftl: {missing:?}"
        );
    }
}
