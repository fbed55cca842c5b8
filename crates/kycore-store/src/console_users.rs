//! Console users and their signed-in sessions. A password is stored only as the PHC string
//! the services hash it into, a session only as a hash of its cookie's token.

use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct UserRecord {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub disabled_at: Option<Millis>,
    pub failed_logins: i64,
    pub locked_until: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The TOTP secret, sealed under the organization's key; set while being set up too.
    pub totp_secret_sealed: Option<Vec<u8>>,
    /// When the user confirmed the second factor; until then it is not asked for.
    pub totp_enabled_at: Option<Millis>,
    /// The last TOTP time step a code was accepted for.
    pub totp_last_step: Option<i64>,
}

macro_rules! user_columns {
    () => {
        "id, organization_id, email, role, password_hash, disabled_at, failed_logins, locked_until, \
         created_at, updated_at, totp_secret_sealed, totp_enabled_at, totp_last_step"
    };
}

/// Fails with a unique violation when the organization already has a user with this e-mail.
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    user: &UserRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO console_users (",
        user_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(&user.id)
    .bind(&user.organization_id)
    .bind(&user.email)
    .bind(&user.role)
    .bind(&user.password_hash)
    .bind(user.disabled_at)
    .bind(user.failed_logins)
    .bind(user.locked_until)
    .bind(user.created_at)
    .bind(user.updated_at)
    .bind(&user.totp_secret_sealed)
    .bind(user.totp_enabled_at)
    .bind(user.totp_last_step)
    .execute(db)
    .await?;
    Ok(())
}

/// The user with this id in this organization.
pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    id: &str,
) -> Result<Option<UserRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM console_users WHERE organization_id = $1 AND id = $2"
    ))
    .bind(organization_id)
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// The user with this id, whatever its organization (a session names only its user).
pub async fn find_by_id<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<UserRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM console_users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Every user with this (normalized) e-mail, in any organization, oldest first.
pub async fn find_by_email<'e>(
    db: impl Executor<'e, Database = Any>,
    email: &str,
) -> Result<Vec<UserRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM console_users WHERE email = $1 ORDER BY created_at, id"
    ))
    .bind(email)
    .fetch_all(db)
    .await?)
}

/// The organization's users, oldest first.
pub async fn list_in_organization<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
) -> Result<Vec<UserRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM console_users WHERE organization_id = $1 ORDER BY created_at, id"
    ))
    .bind(organization_id)
    .fetch_all(db)
    .await?)
}

/// The user with this e-mail in this organization.
pub async fn find_in_organization<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    email: &str,
) -> Result<Option<UserRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM console_users WHERE organization_id = $1 AND email = $2"
    ))
    .bind(organization_id)
    .bind(email)
    .fetch_optional(db)
    .await?)
}

/// A new password; clears any lockout. Returns whether the user was found.
pub async fn set_password<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    id: &str,
    password_hash: &str,
    now: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE console_users SET password_hash = $1, failed_logins = 0, locked_until = NULL, \
         updated_at = $2 WHERE organization_id = $3 AND id = $4",
    )
    .bind(password_hash)
    .bind(now)
    .bind(organization_id)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Disables the user; returns whether a user of this organization was found.
pub async fn disable<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    id: &str,
    now: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE console_users SET disabled_at = COALESCE(disabled_at, $1), updated_at = $1 \
         WHERE organization_id = $2 AND id = $3",
    )
    .bind(now)
    .bind(organization_id)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets (a new, unconfirmed secret) or removes (`None`) the user's second factor.
pub async fn set_totp_secret<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    id: &str,
    sealed: Option<Vec<u8>>,
    now: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE console_users SET totp_secret_sealed = $1, totp_enabled_at = NULL, \
         totp_last_step = NULL, updated_at = $2 WHERE organization_id = $3 AND id = $4",
    )
    .bind(sealed)
    .bind(now)
    .bind(organization_id)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirms the user's second factor with the step of the code that proved it.
pub async fn enable_totp<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    step: i64,
    now: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE console_users SET totp_enabled_at = $1, totp_last_step = $2, updated_at = $1 \
         WHERE id = $3 AND totp_secret_sealed IS NOT NULL",
    )
    .bind(now)
    .bind(step)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a sign-in's outcome: the failure count and lockout the services computed.
pub async fn set_login_state<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    failed_logins: i64,
    locked_until: Option<Millis>,
    now: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE console_users SET failed_logins = $1, locked_until = $2, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(failed_logins)
    .bind(locked_until)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A sign-in's TOTP code was accepted for `step`; the same code is refused from now on.
pub async fn set_totp_last_step<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    step: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE console_users SET totp_last_step = $1 WHERE id = $2")
        .bind(step)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, FromRow)]
pub struct SessionRecord {
    pub token_hash: Vec<u8>,
    pub user_id: String,
    pub environment: String,
    pub csrf_token: String,
    pub created_at: Millis,
    pub last_seen_at: Millis,
    pub expires_at: Millis,
}

macro_rules! session_columns {
    () => {
        "token_hash, user_id, environment, csrf_token, created_at, last_seen_at, expires_at"
    };
}

pub async fn insert_session<'e>(
    db: impl Executor<'e, Database = Any>,
    session: &SessionRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO console_sessions (",
        session_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(session.token_hash.clone())
    .bind(&session.user_id)
    .bind(&session.environment)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find_session<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &[u8],
) -> Result<Option<SessionRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        session_columns!(),
        " FROM console_sessions WHERE token_hash = $1"
    ))
    .bind(token_hash.to_vec())
    .fetch_optional(db)
    .await?)
}

/// Marks the session used now (the idle timeout counts from here).
pub async fn touch_session<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &[u8],
    now: Millis,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE console_sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash.to_vec())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_session_environment<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &[u8],
    environment: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE console_sessions SET environment = $1 WHERE token_hash = $2")
        .bind(environment)
        .bind(token_hash.to_vec())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_session<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &[u8],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM console_sessions WHERE token_hash = $1")
        .bind(token_hash.to_vec())
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets sessions that ended on their own: past `expires_at`, or unused since
/// `idle_before`. Returns how many.
pub async fn delete_ended_sessions<'e>(
    db: impl Executor<'e, Database = Any>,
    now: Millis,
    idle_before: Millis,
) -> Result<u64, StoreError> {
    let done =
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at < $2")
            .bind(now)
            .bind(idle_before)
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}

/// Ends every session of a user (a disabled account, a reset password).
pub async fn delete_sessions_of<'e>(
    db: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
