//! The hosted portal, as the applicant sees it: server-rendered pages that work without
//! JavaScript, in the visitor's language.
//!
//! Opening a link (`/verify/{token}`; vendor dialects add their own forms of the link)
//! trades the token for a session cookie and redirects to `/portal`, so the token leaves the
//! address bar; it changes nothing about the case. `/portal` sends the applicant to their
//! next step; each step is `/portal/{step}` (GET shows it, POST saves it). Every form carries
//! a CSRF token; uploads are rate-limited per session, and an upload's session, rate and CSRF
//! token are checked before its files are read. The use cases are
//! `kycore_services::portal`'s.

// A page handler's error is the page to show instead (an error page or the form again); it
// is built once per request, so its size does not matter.
#![allow(clippy::result_large_err)]

mod countries;
mod pages;
mod returning;
mod steps;
mod view;

use std::collections::HashMap;

use std::num::NonZeroU32;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cookie::{Cookie, SameSite};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use kycore_services::branding::Branding;
use kycore_services::portal::{
    LinkError, LinkExpectation, OpenedPortal, PortalCase, PortalSession,
};
use maud::Markup;

use self::view::{PageMeta, page, respond};
use crate::AppState;
use crate::i18n::{Catalog, Lang, Texts};
use crate::web_pages::cookie_value;

const SESSION_COOKIE: &str = "kycore_portal";
const LANG_COOKIE: &str = "kycore_lang";
/// Upload requests a case may receive per minute through its hosted link, across every
/// session and reopening of the link (each request counts once, whatever its files).
const UPLOADS_PER_MINUTE: u32 = 10;
/// Files a single upload request may carry (the company documents step has the most).
const MAX_FILES_PER_REQUEST: usize = 5;

/// Upload requests per case, in memory: a limit against abuse of one server, not an
/// accounting (a restart forgets it; the case's document cap and the flow's attempts are the
/// durable bounds).
pub struct UploadLimiter(DefaultKeyedRateLimiter<String>);

impl UploadLimiter {
    pub fn new() -> Self {
        let per_minute = NonZeroU32::new(UPLOADS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        UploadLimiter(RateLimiter::keyed(Quota::per_minute(per_minute)))
    }

    /// Counted per case, not per session: opening the link again starts a new session but
    /// not a new allowance.
    fn allow(&self, session: &PortalSession) -> bool {
        let case = format!("{}/{}", session.scope.organization_id, session.case_id);
        let allowed = self.0.check_key(&case).is_ok();
        if self.0.len() > 10_000 {
            self.0.retain_recent();
        }
        allowed
    }
}

pub fn router(state: &AppState) -> Router<AppState> {
    let max_upload = state.services.config().max_upload_bytes;
    let upload_body_limit = DefaultBodyLimit::max(max_upload * MAX_FILES_PER_REQUEST + 64 * 1024);
    Router::new()
        .route("/verify/{token}", get(open_link))
        .route("/handoff/{token}", get(open_handoff))
        .route("/portal/handoff", post(steps::handoff))
        .route("/portal", get(steps::resume))
        .route("/portal/finished", get(steps::finished))
        .route("/portal/submit", post(steps::submit))
        .route("/portal/logo", get(logo))
        .route("/portal/documents/{id}/preview", get(document_preview))
        .route(
            "/portal/identity_document/choice",
            post(steps::choose_identity_document),
        )
        .route(
            "/portal/related_persons/add",
            post(steps::add_related_person),
        )
        .route(
            "/portal/related_persons/remove",
            post(steps::remove_related_person),
        )
        .route(
            "/portal/related_persons/verify",
            post(steps::verify_related_person),
        )
        .route(
            "/portal/related_persons/email",
            post(steps::email_related_link),
        )
        .route("/portal/related_persons/qr", get(steps::related_link_qr))
        .route(
            "/portal/{step}",
            get(steps::show).post(steps::save).layer(upload_body_limit),
        )
}

/// Who is visiting: their language and this response's CSP nonce.
pub struct Visitor {
    texts: Texts,
    /// Set when `?lang=` chose the language, to remember it.
    chosen: Option<Lang>,
    nonce: String,
    session_token: Option<String>,
    /// Whether cookies must be marked `Secure` (kycore is served over HTTPS).
    secure: bool,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (lang, chosen) = crate::i18n::choose(parts, LANG_COOKIE, Catalog::Portal);
        Ok(Visitor {
            texts: Texts::portal(lang),
            chosen,
            nonce: uuid::Uuid::new_v4().simple().to_string(),
            session_token: cookie_value(&parts.headers, SESSION_COOKIE),
            secure: state.services.config().public_url.starts_with("https://"),
        })
    }
}

impl Visitor {
    /// A full page; `brand` once a session says whose verification it is.
    fn page(
        &self,
        status: StatusCode,
        title: &str,
        body: Markup,
        script: Option<&'static str>,
        brand: Option<&Branding>,
    ) -> Response {
        let meta = PageMeta {
            texts: self.texts,
            nonce: &self.nonce,
            title,
            script,
            show_language_switch: true,
            brand,
        };
        let mut response = respond(status, &self.nonce, page(&meta, body));
        self.remember_language(&mut response);
        response
    }

    /// Keeps a language chosen with `?lang=` for the next pages, whatever the browser asks
    /// for: also when the choice came on the link, whose answer is only a redirect.
    fn remember_language(&self, response: &mut Response) {
        if let Some(lang) = self.chosen {
            let cookie = Cookie::build((LANG_COOKIE, lang.code()))
                .path("/")
                .same_site(SameSite::Lax)
                .secure(self.secure)
                .max_age(cookie::time::Duration::days(365));
            set_cookie(response, &cookie.build());
        }
    }

    fn notice(&self, status: StatusCode, id: &str) -> Response {
        let (title, body) = pages::notice(self.texts, id);
        self.page(status, &title, body, None, None)
    }

    pub(crate) fn link_error(&self, error: &LinkError) -> Response {
        match error {
            LinkError::Invalid => self.notice(StatusCode::NOT_FOUND, "link-invalid"),
            LinkError::Expired => self.notice(StatusCode::GONE, "link-expired"),
            LinkError::Revoked => self.notice(StatusCode::GONE, "link-revoked"),
            LinkError::Foreign => self.notice(StatusCode::FORBIDDEN, "link-foreign"),
            LinkError::Unavailable => {
                self.notice(StatusCode::SERVICE_UNAVAILABLE, "link-unavailable")
            }
        }
    }

    /// The visitor's session, checked against its case (one small read), or the page that
    /// says why there is none.
    async fn session(&self, state: &AppState) -> Result<PortalSession, Response> {
        match self.checked_session(state).await {
            Ok(session) => Ok(session),
            Err(None) => Err(self.notice(StatusCode::UNAUTHORIZED, "session-missing")),
            Err(Some(LinkError::Expired)) => match self.expired_return(state).await {
                // A gatherer's platform hears that the link ran out; the visitor goes back.
                Some(back) => Err(Redirect::to(&back).into_response()),
                None => Err(self.link_error(&LinkError::Expired)),
            },
            Err(Some(error)) => Err(self.link_error(&error)),
        }
    }

    /// Where a visitor whose session ran out goes back to, when the case's flow reports a
    /// gatherer's `info`: its `redirect_url` with `info=token_expired`.
    async fn expired_return(&self, state: &AppState) -> Option<String> {
        let token = self.session_token.as_ref()?;
        let url = state.services.expired_session_redirect(token).await?;
        returning::expired_url(&url)
    }

    /// The session of a form being sent. When the link expired while the page was open, the
    /// answer says so and gives back what was typed on it, so nothing is lost silently.
    async fn form_session(
        &self,
        state: &AppState,
        typed: &HashMap<String, String>,
    ) -> Result<PortalSession, Response> {
        match self.checked_session(state).await {
            Ok(session) => Ok(session),
            Err(Some(LinkError::Expired)) => {
                let back = self.expired_return(state).await;
                let (title, body) = pages::expired_mid_form(self.texts, typed, back.as_deref());
                Err(self.page(StatusCode::GONE, &title, body, None, None))
            }
            Err(None) => Err(self.notice(StatusCode::UNAUTHORIZED, "session-missing")),
            Err(Some(error)) => Err(self.link_error(&error)),
        }
    }

    /// The session behind the cookie; `None` when there is no cookie.
    async fn checked_session(&self, state: &AppState) -> Result<PortalSession, Option<LinkError>> {
        let token = self.session_token.as_ref().ok_or(None)?;
        state.services.portal_session(token).await.map_err(Some)
    }

    /// What a page shows of the visitor's case.
    async fn portal_of(
        &self,
        state: &AppState,
        session: PortalSession,
    ) -> Result<PortalCase, Response> {
        state
            .services
            .portal_case(session)
            .await
            .map_err(|e| self.link_error(&e))
    }

    /// The visitor's case, or the page that says why there is none.
    async fn portal(&self, state: &AppState) -> Result<PortalCase, Response> {
        let session = self.session(state).await?;
        self.portal_of(state, session).await
    }
}

fn set_cookie(response: &mut Response, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.encoded().to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The organization's logo, for the pages of a session (`img-src 'self'`).
async fn logo(State(state): State<AppState>, visitor: Visitor) -> Response {
    let session = match visitor.session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    match state.services.branding_logo(&session.scope).await {
        Ok(Some(logo)) => {
            let mut response = logo.bytes.into_response();
            let headers = response.headers_mut();
            if let Ok(content_type) = HeaderValue::from_str(&logo.content_type) {
                headers.insert(header::CONTENT_TYPE, content_type);
            }
            // The page's URL names the logo's version, so a new logo is a new URL.
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400"),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Ok(None) => visitor.notice(StatusCode::NOT_FOUND, "step-missing"),
        Err(error) => {
            tracing::error!(%error, "the logo could not be read");
            visitor.notice(StatusCode::SERVICE_UNAVAILABLE, "link-unavailable")
        }
    }
}

/// A small JPEG of one of the session's own uploads (`img-src 'self'`).
async fn document_preview(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let session = match visitor.session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    match state.services.portal_document_preview(&session, &id).await {
        Ok(Some(jpeg)) => {
            let mut response = jpeg.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            // A picture of a person's document: never kept by the browser or a proxy.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Ok(None) | Err(kycore_services::ServiceError::NotFound { .. }) => {
            visitor.notice(StatusCode::NOT_FOUND, "step-missing")
        }
        Err(error) => {
            tracing::error!(%error, "a preview could not be made");
            visitor.notice(StatusCode::SERVICE_UNAVAILABLE, "link-unavailable")
        }
    }
}

async fn open_link(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Response {
    open(&state, &visitor, &token, &LinkExpectation::default()).await
}

/// Trades a link for a session cookie and sends the browser on without the token. The
/// vendor dialects' forms of the link end here too, with what they say the link must be.
pub(crate) async fn open(
    state: &AppState,
    visitor: &Visitor,
    token: &str,
    expected: &LinkExpectation,
) -> Response {
    match state.services.open_portal(token, expected).await {
        Ok(opened) => start_session(visitor, opened),
        Err(LinkError::Expired) => match state.services.expired_link_redirect(token).await {
            // A gatherer's platform hears that its link expired, and the visitor goes back.
            Some(url) => match returning::expired_url(&url) {
                Some(back) => Redirect::to(&back).into_response(),
                None => visitor.link_error(&LinkError::Expired),
            },
            None => visitor.link_error(&LinkError::Expired),
        },
        Err(error) => visitor.link_error(&error),
    }
}

/// A phone hand-off, opened: a new session for the same case, like opening its link.
async fn open_handoff(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Response {
    match state.services.open_handoff(&token).await {
        Ok(opened) => start_session(&visitor, opened),
        Err(error) => visitor.link_error(&error),
    }
}

/// Hands the browser its session cookie and sends it to the portal, leaving the token out
/// of the address bar, the history and any referrer.
fn start_session(visitor: &Visitor, opened: OpenedPortal) -> Response {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let cookie = Cookie::build((SESSION_COOKIE, opened.token))
        .path("/portal")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(visitor.secure)
        .max_age(cookie::time::Duration::seconds(
            (opened.session.expires_at - now).max(0),
        ));
    let mut response = Redirect::to("/portal").into_response();
    set_cookie(&mut response, &cookie.build());
    visitor.remember_language(&mut response);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
