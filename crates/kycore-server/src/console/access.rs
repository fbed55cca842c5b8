//! The admins' access pages: the environment's API keys (create, shown once; revoke) and the
//! organization's console users (create and reset, the password shown once; disable). Each
//! action is the services' own, audited with the admin as actor.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kycore_services::console_users::{ConsoleSession, ConsoleUserView, NewPassword, Role};
use kycore_services::keys::{KeyKind, KeyView, NewKey};
use kycore_services::{RequestContext, ServiceError};
use maud::{Markup, html};
use serde::Deserialize;

use super::pages::csrf;
use super::{Fields, Visit, field, refusal_status};
use crate::AppState;
use crate::i18n::Texts;

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The message id saying what was done (`?done=` after it).
fn done_message(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "revoked" => Some("keys-revoked"),
        "disabled" => Some("users-disabled"),
        "second_factor_removed" => Some("users-second-factor-removed"),
        _ => None,
    }
}

type DoneQueryResult =
    Result<axum::extract::Query<DoneQuery>, axum::extract::rejection::QueryRejection>;

/// `GET /console/keys`: the environment's keys, newest first.
pub async fn keys_page(
    State(state): State<AppState>,
    visit: Visit,
    query: DoneQueryResult,
) -> Response {
    let session = match visit.admin_session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let done = query.ok().and_then(|q| q.0.done);
    let done = done_message(done.as_deref()).map(|id| visit.texts.get(id));
    show_keys(&state, &visit, &session, None, done.as_deref()).await
}

async fn show_keys(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    created: Option<&NewKey>,
    done: Option<&str>,
) -> Response {
    let environment = session.scope.environment.as_str();
    match state
        .services
        .list_keys(&session.scope.organization_id)
        .await
    {
        Ok(keys) => {
            let mut shown: Vec<KeyView> = keys
                .into_iter()
                .filter(|k| k.environment == environment)
                .collect();
            shown.reverse();
            let status = if created.is_some() {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            visit.page(
                status,
                &visit.texts.get("keys-title"),
                Some(session),
                keys_markup(visit.texts, &shown, session, created, done),
            )
        }
        Err(error) => visit.unavailable(Some(session), &error),
    }
}

fn keys_markup(
    t: Texts,
    keys: &[KeyView],
    session: &ConsoleSession,
    created: Option<&NewKey>,
    done: Option<&str>,
) -> Markup {
    html! {
        h1 { (t.get("keys-title")) }
        @if let Some(done) = done { div.ok role="status" { (done) } }
        @if let Some(key) = created {
            div.ok role="status" #new-key {
                (t.with("key-created", &[("kind", key.kind.as_str().into()), ("id", key.id.clone().into())]))
                br; code #new-key-value { (key.key) }
            }
        }
        form.card method="post" action="/console/keys" {
            (csrf(session))
            label for="kind" { (t.get("key-kind")) }
            select #kind name="kind" {
                option value="secret" { (t.get("key-kind-secret")) }
                option value="publishable" { (t.get("key-kind-publishable")) }
            }
            button #create-key type="submit" { (t.get("key-create")) }
        }
        @if keys.is_empty() { p.card { (t.get("keys-none")) } } @else {
            table {
                caption { (t.get("keys-caption")) }
                thead { tr { th scope="col" { (t.get("col-id")) } th scope="col" { (t.get("key-kind")) } th scope="col" { (t.get("col-starts-with")) } th scope="col" { (t.get("col-created")) } th scope="col" { (t.get("col-revoked")) } } }
                tbody { @for key in keys {
                    tr {
                        td.id { (key.id) }
                        td { (key.kind) }
                        td { code { (key.hint) } }
                        td.id { (key.created_at) }
                        td {
                            @if let Some(at) = &key.revoked_at { (at) } @else {
                                form method="post" action={ "/console/keys/" (key.id) "/revoke" } {
                                    (csrf(session))
                                    button.danger id={ "revoke-" (key.id) } type="submit" { (t.get("key-revoke")) }
                                }
                            }
                        }
                    }
                } }
            }
        }
    }
}

/// `POST /console/keys` with `kind`: a new key, shown once on the page answered.
pub async fn create_key(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let (session, fields) = match visit.read_admin_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let kind = match field(&fields, "kind").as_deref() {
        Some("secret") => KeyKind::Secret,
        Some("publishable") => KeyKind::Publishable,
        _ => return visit.bad_form(Some(&session)),
    };
    let ctx = RequestContext::new(session.scope.clone(), session.principal());
    match state.services.create_key_in(&ctx, kind).await {
        Ok(key) => show_keys(&state, &visit, &session, Some(&key), None).await,
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}

/// `POST /console/keys/{id}/revoke`.
pub async fn revoke_key(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path(key_id): Path<String>,
    form: Fields,
) -> Response {
    let (session, _) = match visit.read_admin_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let ctx = RequestContext::new(session.scope.clone(), session.principal());
    match state.services.revoke_key_in(&ctx, &key_id).await {
        Ok(()) => Redirect::to("/console/keys?done=revoked").into_response(),
        Err(ServiceError::NotFound { .. }) => {
            visit.error(StatusCode::NOT_FOUND, Some(&session), "error-no-key")
        }
        Err(error) => visit.unavailable(Some(&session), &error),
    }
}

/// `GET /console/users`: the organization's console users.
pub async fn users_page(
    State(state): State<AppState>,
    visit: Visit,
    query: DoneQueryResult,
) -> Response {
    let session = match visit.admin_session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let done = query.ok().and_then(|q| q.0.done);
    let notice = UsersNotice {
        done: done_message(done.as_deref()),
        ..UsersNotice::default()
    };
    show_users(&state, &visit, &session, StatusCode::OK, notice).await
}

/// What the users page says above the list.
#[derive(Default)]
struct UsersNotice<'a> {
    done: Option<&'static str>,
    /// A user just created or given a new password.
    password: Option<&'a NewPassword>,
    error: Option<String>,
}

async fn show_users(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    status: StatusCode,
    notice: UsersNotice<'_>,
) -> Response {
    match state
        .services
        .list_console_users(&session.scope.organization_id)
        .await
    {
        Ok(users) => visit.page(
            status,
            &visit.texts.get("users-title"),
            Some(session),
            users_markup(visit.texts, &users, session, &notice),
        ),
        Err(error) => visit.unavailable(Some(session), &error),
    }
}

fn users_markup(
    t: Texts,
    users: &[ConsoleUserView],
    session: &ConsoleSession,
    notice: &UsersNotice,
) -> Markup {
    html! {
        h1 { (t.get("users-title")) }
        @if let Some(done) = notice.done { div.ok role="status" { (t.get(done)) } }
        @if let Some(error) = &notice.error { div.error role="alert" #users-error { (error) } }
        @if let Some(new) = notice.password {
            div.ok role="status" #new-password {
                (t.with("user-password-shown", &[("email", new.email.clone().into()), ("role", new.role.as_str().into())]))
                br; code #new-password-value { (new.password) }
            }
        }
        form.card method="post" action="/console/users" {
            (csrf(session))
            label for="new-email" { (t.get("email")) }
            input #new-email type="email" name="email" required;
            label for="new-role" { (t.get("user-role")) }
            select #new-role name="role" {
                option value="analyst" { (t.get("user-role-analyst")) }
                option value="viewer" { (t.get("user-role-viewer")) }
                option value="admin" { (t.get("user-role-admin")) }
            }
            button #create-user type="submit" { (t.get("user-create")) }
        }
        table {
            caption { (t.get("users-caption")) }
            thead { tr { th scope="col" { (t.get("col-email")) } th scope="col" { (t.get("user-role")) } th scope="col" { (t.get("col-state")) } th scope="col" { (t.get("second-factor")) } th scope="col" { (t.get("col-created")) } th scope="col" { (t.get("col-actions")) } } }
            tbody { @for user in users {
                tr {
                    td { (user.email) }
                    td { (user.role.as_str()) }
                    td {
                        @if user.disabled { (t.get("user-disabled")) }
                        @else if let Some(until) = &user.locked_until { (t.with("user-locked", &[("until", until.clone().into())])) }
                        @else { (t.get("user-active")) }
                    }
                    td { @if user.second_factor { (t.get("yes")) } @else { (t.get("no")) } }
                    td { (user.created_at) }
                    td {
                        @if !user.disabled {
                            form method="post" action={ "/console/users/" (user.id) "/password" } {
                                (csrf(session))
                                button.secondary id={ "reset-" (user.id) } type="submit" aria-label=(t.with("user-new-password-label", &[("email", user.email.clone().into())])) { (t.get("user-new-password")) }
                            }
                            @if user.second_factor {
                                form method="post" action={ "/console/users/" (user.id) "/second-factor/remove" } {
                                    (csrf(session))
                                    button.secondary id={ "remove-2fa-" (user.id) } type="submit" aria-label=(t.with("user-remove-second-factor-label", &[("email", user.email.clone().into())])) { (t.get("user-remove-second-factor")) }
                                }
                            }
                            @if user.id != session.user.id.as_str() {
                                form method="post" action={ "/console/users/" (user.id) "/disable" } {
                                    (csrf(session))
                                    button.danger id={ "disable-" (user.id) } type="submit" aria-label=(t.with("user-disable-label", &[("email", user.email.clone().into())])) { (t.get("user-disable")) }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// `POST /console/users` with `email` and `role`.
pub async fn create_user(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let (session, fields) = match visit.read_admin_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let Some(role) = field(&fields, "role").as_deref().and_then(Role::parse) else {
        return visit.bad_form(Some(&session));
    };
    let email = field(&fields, "email").unwrap_or_default();
    let created = state
        .services
        .create_console_user_by(
            &session.principal(),
            &session.scope.organization_id,
            &email,
            role,
        )
        .await;
    after_user_change(&state, &visit, &session, created).await
}

/// `POST /console/users/{id}/password`: a new password, shown once.
pub async fn reset_password(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    form: Fields,
) -> Response {
    let (session, _) = match visit.read_admin_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let reset = state
        .services
        .reset_console_password_by(
            &session.principal(),
            &session.scope.organization_id,
            &user_id,
        )
        .await;
    after_user_change(&state, &visit, &session, reset).await
}

/// `POST /console/users/{id}/disable`.
pub async fn disable_user(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    form: Fields,
) -> Response {
    let (session, _) = match visit.read_admin_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let disabled = state
        .services
        .disable_console_user_by(
            &session.principal(),
            &session.scope.organization_id,
            &user_id,
        )
        .await;
    match disabled {
        Ok(_) => Redirect::to("/console/users?done=disabled").into_response(),
        Err(error) => user_refused(&state, &visit, &session, error).await,
    }
}

/// The users page after a create or reset: the password shown once, or why not.
async fn after_user_change(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    result: Result<NewPassword, ServiceError>,
) -> Response {
    match result {
        Ok(new) => {
            let notice = UsersNotice {
                password: Some(&new),
                ..UsersNotice::default()
            };
            show_users(state, visit, session, StatusCode::OK, notice).await
        }
        Err(error) => user_refused(state, visit, session, error).await,
    }
}

async fn user_refused(
    state: &AppState,
    visit: &Visit,
    session: &ConsoleSession,
    error: ServiceError,
) -> Response {
    let Some(status) = refusal_status(&error) else {
        return visit.unavailable(Some(session), &error);
    };
    let notice = UsersNotice {
        error: Some(error.to_string()),
        ..UsersNotice::default()
    };
    show_users(state, visit, session, status, notice).await
}

/// `POST /console/users/{id}/second-factor/remove`: a lost phone; the user signs in with the
/// password alone until they set up another.
pub async fn remove_second_factor(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    form: Fields,
) -> Response {
    let (session, _) = match visit.read_admin_form(&state, &headers, form).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let removed = state
        .services
        .remove_second_factor_by(
            &session.principal(),
            &session.scope.organization_id,
            &user_id,
        )
        .await;
    match removed {
        Ok(()) => Redirect::to("/console/users?done=second_factor_removed").into_response(),
        Err(error) => user_refused(&state, &visit, &session, error).await,
    }
}
