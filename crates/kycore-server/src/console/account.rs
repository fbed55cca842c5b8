//! The signed-in user's own page: who they are and their optional second factor — set it up
//! (the secret shown once, as text and as a QR code for an authenticator app) and confirm it
//! with a code. Removing one is an admin's action on the users page.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kycore_services::ServiceError;
use kycore_services::console_users::ConsoleSession;
use kycore_services::second_factor::SecondFactorSetup;
use maud::{Markup, html};
use serde::Deserialize;

use super::pages::csrf;
use super::{Fields, Visit, field, refusal_status};
use crate::AppState;
use crate::i18n::Texts;

#[derive(Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

/// What the page shows besides the account.
#[derive(Default)]
struct Notice<'a> {
    /// A set-up just started: the secret to add to an app, and the confirmation form.
    setup: Option<&'a SecondFactorSetup>,
    error: Option<String>,
    done: bool,
}

/// `GET /console/account`.
pub async fn page(
    State(state): State<AppState>,
    visit: Visit,
    query: Result<axum::extract::Query<AccountQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match visit.session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let notice = Notice {
        done: query.ok().and_then(|q| q.0.done).is_some(),
        ..Notice::default()
    };
    show(&state, &visit, &session, StatusCode::OK, &notice).await
}

async fn show(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    status: StatusCode,
    notice: &Notice<'_>,
) -> Response {
    let second_factor = match state.services.own_console_user(session).await {
        Ok(user) => user.second_factor,
        Err(error) => return visit.unavailable(Some(session), &error),
    };
    let t = visit.texts;
    visit.page(
        status,
        &t.get("account-title"),
        Some(session),
        markup(t, session, second_factor, notice),
    )
}

fn markup(t: Texts, session: &ConsoleSession, second_factor: bool, notice: &Notice) -> Markup {
    html! {
        h1 { (t.get("account-title")) }
        @if notice.done { div.ok role="status" { (t.get("second-factor-enabled")) } }
        @if let Some(error) = &notice.error { div.error role="alert" #account-error { (error) } }
        section.card aria-labelledby="h-you" {
            h2 #h-you { (session.user.email) }
            dl {
                dt { (t.get("user-role")) } dd { (session.user.role.as_str()) }
                dt { (t.get("second-factor")) }
                dd #second-factor-state { @if second_factor { (t.get("yes")) } @else { (t.get("no")) } }
            }
        }
        @if let Some(setup) = notice.setup {
            section.card aria-labelledby="h-setup" {
                h2 #h-setup { (t.get("second-factor-setup")) }
                p { (t.get("second-factor-scan")) }
                @if let Some(code) = crate::qr::svg(&setup.uri, &t.get("second-factor-qr")) { (code) }
                p { (t.get("second-factor-type")) " " code #second-factor-secret { (setup.secret_base32) } }
                (confirm_form(t, session))
            }
        } @else if !second_factor {
            form.card method="post" action="/console/account/second-factor" {
                (csrf(session))
                p { (t.get("second-factor-why")) }
                button #start-second-factor type="submit" { (t.get("second-factor-start")) }
            }
        }
    }
}

fn confirm_form(t: Texts, session: &ConsoleSession) -> Markup {
    html! {
        form method="post" action="/console/account/second-factor/confirm" {
            (csrf(session))
            label for="confirm-code" { (t.get("login-code")) }
            input #confirm-code type="text" name="code" inputmode="numeric"
                autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required;
            button #confirm-second-factor type="submit" { (t.get("second-factor-confirm")) }
        }
    }
}

/// `POST /console/account/second-factor`: a new secret, shown once with the form to confirm.
pub async fn start_second_factor(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let (session, _) = match visit.read_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    match state.services.start_second_factor(&session).await {
        Ok(setup) => {
            let notice = Notice {
                setup: Some(&setup),
                ..Notice::default()
            };
            show(&state, &visit, &session, StatusCode::OK, &notice).await
        }
        Err(error) => refused(&state, &visit, &session, error).await,
    }
}

/// `POST /console/account/second-factor/confirm` with `code`.
pub async fn confirm_second_factor(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let (session, fields) = match visit.read_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let code = field(&fields, "code").unwrap_or_default();
    match state.services.confirm_second_factor(&session, &code).await {
        Ok(()) => Redirect::to("/console/account?done=enabled").into_response(),
        Err(error) => refused(&state, &visit, &session, error).await,
    }
}

/// The page again with why the change was refused, and the set-up still pending (a code
/// typed wrong) so the same secret can be confirmed.
async fn refused(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    error: ServiceError,
) -> Response {
    let Some(status) = refusal_status(&error) else {
        return visit.unavailable(Some(session), &error);
    };
    let pending = match state.services.pending_second_factor(session).await {
        Ok(pending) => pending,
        Err(error) => return visit.unavailable(Some(session), &error),
    };
    let notice = Notice {
        setup: pending.as_ref(),
        error: Some(error.to_string()),
        ..Notice::default()
    };
    show(state, visit, session, status, &notice).await
}
