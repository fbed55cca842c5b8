//! Console users: who may sign in to the console, with which role, and their sessions.
//!
//! A user belongs to one organization and has one role: `admin`, `analyst` (reviews and
//! decides) or `viewer` (reads only). Passwords are generated here and shown once; they are
//! kept as argon2id PHC strings (the crate's default parameters) and checked off the async
//! runtime. An e-mail is unique within an organization; when it exists in several, signing in
//! needs the organization's id too.
//!
//! Repeated wrong passwords lock the account: after [`FREE_FAILURES`] the account waits
//! [`FIRST_LOCK_MS`], doubling with each further failure up to [`MAX_LOCK_MS`]; a right
//! password during the wait is refused like a wrong one, and a success clears the count.
//!
//! A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256,
//! with its CSRF token, the environment shown (sandbox or live) and when it was last used. It
//! ends at logout, after [`IDLE_TIMEOUT_MS`] without use, after [`MAX_SESSION_MS`], or when
//! the user is disabled or their password reset.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use kycore_domain::ids::{ConsoleUserId, OrganizationId};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::console_users::{self, SessionRecord, UserRecord};
use kycore_store::{Millis, Tx, organizations};
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::crypto::random_alphanumeric;
use crate::record::{self, AuditEntry};
use crate::time_format::{now_millis, rfc3339};
use crate::{Principal, ServiceError, Services, SystemComponent};

/// Wrong passwords allowed before the account starts to wait.
pub const FREE_FAILURES: i64 = 5;
/// The first wait: 30 seconds.
pub const FIRST_LOCK_MS: Millis = 30_000;
/// The longest wait: one hour.
pub const MAX_LOCK_MS: Millis = 3_600_000;
/// A session unused for 30 minutes ends.
pub const IDLE_TIMEOUT_MS: Millis = 30 * 60_000;
/// No session lasts more than 12 hours.
pub const MAX_SESSION_MS: Millis = 12 * 3_600_000;
/// `last_seen_at` is written at most once a minute, not on every page.
const TOUCH_EVERY_MS: Millis = 60_000;
const PASSWORD_LEN: usize = 20;
const SESSION_TOKEN_LEN: usize = 43;
const CSRF_TOKEN_LEN: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Users, keys, webhooks and flows, and everything an analyst does.
    Admin,
    /// Reviews and decides cases.
    Analyst,
    /// Reads only.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "admin" => Some(Role::Admin),
            "analyst" => Some(Role::Analyst),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// Whether the role may decide cases and review documents and hits.
    pub fn can_decide(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst)
    }

    /// Whether the role manages the organization's set-up (webhooks, keys, users, flows).
    pub fn can_administer(self) -> bool {
        self == Role::Admin
    }
}

/// A user just created or given a new password: the only moment the password is known.
#[derive(Clone, Debug, Serialize)]
pub struct NewPassword {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub password: String,
}

#[derive(Clone, Debug)]
pub struct ConsoleUser {
    pub id: ConsoleUserId,
    pub organization_id: OrganizationId,
    pub email: String,
    pub role: Role,
}

/// A signed-in browser: whose, which environment it shows, and its forms' CSRF token.
#[derive(Clone, Debug)]
pub struct ConsoleSession {
    pub user: ConsoleUser,
    pub scope: Scope,
    pub csrf_token: String,
    token_hash: Vec<u8>,
}

/// An audit entry about a console user, in the live environment of the user's organization
/// (users and sign-ins belong to the organization, not to one environment).
/// Where a console user's audit entries and sealed secrets belong: the live environment of
/// the user's organization (users are the organization's, not an environment's).
pub(crate) fn user_scope(organization_id: &str) -> Scope {
    Scope {
        organization_id: OrganizationId::from_trusted(organization_id.to_owned()),
        environment: Environment::Live,
    }
}

pub(crate) fn user_audit(
    tx: &mut Tx,
    organization_id: &str,
    principal: &Principal,
    action: &str,
    user_id: &str,
    now: Millis,
) {
    let scope = user_scope(organization_id);
    let entry = AuditEntry {
        action,
        target_type: "console_user",
        target_id: user_id,
        case_id: None,
        detail: json!({ "user_id": user_id }),
    };
    record::audit(tx, &scope, principal, entry, now);
}

/// A session's user as the actor and subject of an audit entry: who, of which organization.
fn session_actor(session: &ConsoleSession) -> (Principal, String, String) {
    let id = session.user.id.to_string();
    let organization = session.user.organization_id.to_string();
    (session.principal(), organization, id)
}

/// Who runs the `kycore users` commands.
const OPERATOR: Principal = Principal::System(SystemComponent::Operator);

impl ConsoleSession {
    /// Who acts, in audit entries: the user.
    pub fn principal(&self) -> Principal {
        Principal::ConsoleUser {
            user_id: self.user.id.to_string(),
        }
    }

    /// Whether a form's CSRF token is this session's (compared in constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        let expected = self.csrf_token.as_bytes();
        let presented = presented.as_bytes();
        expected.len() == presented.len()
            && expected
                .iter()
                .zip(presented)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// A session just opened: the token goes into the cookie and is never stored.
#[derive(Clone, Debug)]
pub struct OpenedConsoleSession {
    pub token: String,
    pub session: ConsoleSession,
    pub expires_at: Millis,
}

/// Why a sign-in was refused. Wrong e-mail, wrong password and a disabled account read the
/// same, so the form does not tell which e-mails have accounts.
#[derive(Debug)]
pub enum LoginError {
    Invalid,
    /// The password was right and the account has a second factor: its code is needed.
    CodeRequired,
    /// The second factor's code is wrong, old or already used (counted as a failure).
    WrongCode,
    /// Too many wrong passwords; try again after this instant.
    Locked {
        until: Millis,
    },
    /// The e-mail has accounts in several organizations: name the organization.
    OrganizationRequired,
    Failed(ServiceError),
}

impl From<ServiceError> for LoginError {
    fn from(error: ServiceError) -> Self {
        LoginError::Failed(error)
    }
}

impl From<kycore_store::StoreError> for LoginError {
    fn from(error: kycore_store::StoreError) -> Self {
        LoginError::Failed(error.into())
    }
}

pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

async fn hash_password(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| ServiceError::internal(format!("password salt: {e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| ServiceError::internal(format!("password hash: {e}")))
    })
    .await
    .map_err(|e| ServiceError::internal(format!("password hashing task: {e}")))?
}

async fn verify_password(password: String, stored: String) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| ServiceError::corrupt(format!("a console user's password hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| ServiceError::internal(format!("password checking task: {e}")))?
}

/// A hash no password matches, made once per process with the same parameters as real ones.
async fn dummy_hash() -> Result<String, ServiceError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let hash = hash_password(random_alphanumeric(PASSWORD_LEN)).await?;
    Ok(DUMMY.get_or_init(|| hash).clone())
}

/// The wait after `failures` wrong passwords in a row, if any.
pub fn lock_for(failures: i64) -> Option<Millis> {
    let beyond = failures - FREE_FAILURES;
    if beyond < 0 {
        return None;
    }
    let doubled = FIRST_LOCK_MS.saturating_mul(1i64 << beyond.min(20));
    Some(doubled.min(MAX_LOCK_MS))
}

fn user_view(record: UserRecord, now: Millis) -> Result<ConsoleUserView, ServiceError> {
    let user = user_of(&record)?;
    Ok(ConsoleUserView {
        id: record.id,
        email: user.email,
        role: user.role,
        disabled: record.disabled_at.is_some(),
        second_factor: record.totp_enabled_at.is_some(),
        locked_until: record.locked_until.filter(|at| *at > now).map(rfc3339),
        created_at: rfc3339(record.created_at),
    })
}

fn user_of(record: &UserRecord) -> Result<ConsoleUser, ServiceError> {
    let role = Role::parse(&record.role)
        .ok_or_else(|| ServiceError::corrupt(format!("console user role {:?}", record.role)))?;
    Ok(ConsoleUser {
        id: ConsoleUserId::from_trusted(record.id.clone()),
        organization_id: OrganizationId::from_trusted(record.organization_id.clone()),
        email: record.email.clone(),
        role,
    })
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A console user as the users page lists them.
#[derive(Clone, Debug)]
pub struct ConsoleUserView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    /// Whether sign-in asks for a second factor's code.
    pub second_factor: bool,
    /// Until when wrong passwords lock the account, when they do.
    pub locked_until: Option<String>,
    pub created_at: String,
}

impl Services {
    /// The organization's console users, oldest first.
    pub async fn list_console_users(
        &self,
        organization_id: &OrganizationId,
    ) -> Result<Vec<ConsoleUserView>, ServiceError> {
        let now = now_millis();
        let records =
            console_users::list_in_organization(self.store().reader(), organization_id.as_str())
                .await?;
        records.into_iter().map(|r| user_view(r, now)).collect()
    }

    /// The signed-in session's own user, as the users page lists them.
    pub async fn own_console_user(
        &self,
        session: &ConsoleSession,
    ) -> Result<ConsoleUserView, ServiceError> {
        let record = self.session_user_record(session).await?;
        user_view(record, now_millis())
    }

    /// Creates a console user with a random password, shown only in the answer; an operator
    /// at the command line creates it.
    pub async fn create_console_user(
        &self,
        organization_id: &OrganizationId,
        email: &str,
        role: Role,
    ) -> Result<NewPassword, ServiceError> {
        self.create_console_user_by(&OPERATOR, organization_id, email, role)
            .await
    }

    /// Creates a console user, `actor` (an operator or an admin) audited as its creator.
    pub async fn create_console_user_by(
        &self,
        actor: &Principal,
        organization_id: &OrganizationId,
        email: &str,
        role: Role,
    ) -> Result<NewPassword, ServiceError> {
        let actor = actor.clone();
        let email = normalize_email(email);
        if !valid_email(&email) {
            return Err(ServiceError::invalid(
                "invalid_email",
                format!("{email:?} is not an e-mail address"),
            ));
        }
        if organizations::get(self.store().reader(), organization_id.as_str())
            .await?
            .is_none()
        {
            return Err(ServiceError::not_found("organization"));
        }
        let password = random_alphanumeric(PASSWORD_LEN);
        let now = now_millis();
        let record = UserRecord {
            id: ConsoleUserId::generate().to_string(),
            organization_id: organization_id.to_string(),
            email: email.clone(),
            role: role.as_str().to_owned(),
            password_hash: hash_password(password.clone()).await?,
            disabled_at: None,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            updated_at: now,
            totp_secret_sealed: None,
            totp_enabled_at: None,
            totp_last_step: None,
        };
        let id = record.id.clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    match console_users::insert(tx.conn().await?, &record).await {
                        Err(e) if e.is_unique_violation() => Err(ServiceError::conflict(
                            "user_exists",
                            "the organization already has a user with this e-mail",
                        )),
                        other => other.map_err(ServiceError::from),
                    }?;
                    let (org, id) = (&record.organization_id, &record.id);
                    user_audit(tx, org, &actor, "console_user.created", id, now);
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(NewPassword {
            id,
            email,
            role,
            password,
        })
    }

    /// The signed-in session's own user.
    pub(crate) async fn session_user_record(
        &self,
        session: &ConsoleSession,
    ) -> Result<UserRecord, ServiceError> {
        let id = session.user.id.to_string();
        self.console_user_record(&session.user.organization_id, &id)
            .await
    }

    /// The user named by id or e-mail in this organization.
    pub(crate) async fn console_user_record(
        &self,
        organization_id: &OrganizationId,
        user: &str,
    ) -> Result<UserRecord, ServiceError> {
        let reader = self.store().reader();
        let found = if user.starts_with(ConsoleUserId::PREFIX) {
            console_users::find(reader, organization_id.as_str(), user).await?
        } else {
            console_users::find_in_organization(
                reader,
                organization_id.as_str(),
                &normalize_email(user),
            )
            .await?
        };
        found.ok_or(ServiceError::not_found("console user"))
    }

    /// Gives the user (an id or e-mail) a new random password, shown only in the answer;
    /// clears a lockout and ends the user's sessions. An operator at the command line asks.
    pub async fn reset_console_password(
        &self,
        organization_id: &OrganizationId,
        user: &str,
    ) -> Result<NewPassword, ServiceError> {
        self.reset_console_password_by(&OPERATOR, organization_id, user)
            .await
    }

    /// A new password for the user, `actor` (an operator or an admin) audited as asking.
    pub async fn reset_console_password_by(
        &self,
        actor: &Principal,
        organization_id: &OrganizationId,
        user: &str,
    ) -> Result<NewPassword, ServiceError> {
        let actor = actor.clone();
        let record = self.console_user_record(organization_id, user).await?;
        let existing = user_of(&record)?;
        let password = random_alphanumeric(PASSWORD_LEN);
        let hash = hash_password(password.clone()).await?;
        let now = now_millis();
        let (org, id) = (record.organization_id.clone(), record.id.clone());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    console_users::set_password(tx.conn().await?, &org, &id, &hash, now).await?;
                    console_users::delete_sessions_of(tx.conn().await?, &id).await?;
                    user_audit(tx, &org, &actor, "console_user.password_reset", &id, now);
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(NewPassword {
            id: record.id,
            email: existing.email,
            role: existing.role,
            password,
        })
    }

    /// Disables the user (an id or e-mail) and ends their sessions; an operator at the
    /// command line asks.
    pub async fn disable_console_user(
        &self,
        organization_id: &OrganizationId,
        user: &str,
    ) -> Result<String, ServiceError> {
        self.disable_console_user_by(&OPERATOR, organization_id, user)
            .await
    }

    /// Disables the user, `actor` (an operator or an admin) audited as asking. An admin
    /// cannot disable themselves: the organization could be left with no admin to undo it.
    pub async fn disable_console_user_by(
        &self,
        actor: &Principal,
        organization_id: &OrganizationId,
        user: &str,
    ) -> Result<String, ServiceError> {
        let record = self.console_user_record(organization_id, user).await?;
        if actor.id() == record.id {
            return Err(ServiceError::conflict(
                "cannot_disable_self",
                "you cannot disable your own account; another admin can",
            ));
        }
        let actor = actor.clone();
        let now = now_millis();
        let (org, id) = (record.organization_id.clone(), record.id.clone());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    console_users::disable(tx.conn().await?, &org, &id, now).await?;
                    console_users::delete_sessions_of(tx.conn().await?, &id).await?;
                    user_audit(tx, &org, &actor, "console_user.disabled", &id, now);
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(record.id)
    }

    /// Forgets the sessions that ended on their own (idle too long, or past their last
    /// moment): they would be refused anyway, and their rows only grow the table.
    pub async fn prune_console_sessions(&self) -> Result<u64, ServiceError> {
        let now = now_millis();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn().await?;
                    let idle_before = now - IDLE_TIMEOUT_MS;
                    Ok::<_, ServiceError>(
                        console_users::delete_ended_sessions(conn, now, idle_before).await?,
                    )
                })
            })
            .await
    }

    /// Counts a failed sign-in against the account (locking it after too many) and audits
    /// it; the error to answer: `refused`, or the lockout when this failure started one.
    async fn failed_login(
        &self,
        record: &UserRecord,
        now: Millis,
        refused: LoginError,
    ) -> Result<LoginError, ServiceError> {
        let failures = record.failed_logins + 1;
        let locked_until = lock_for(failures).map(|wait| now + wait);
        let (org, id) = (record.organization_id.clone(), record.id.clone());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    console_users::set_login_state(
                        tx.conn().await?,
                        &id,
                        failures,
                        locked_until,
                        now,
                    )
                    .await?;
                    let user = Principal::ConsoleUser {
                        user_id: id.clone(),
                    };
                    user_audit(tx, &org, &user, "console.sign_in_failed", &id, now);
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(match locked_until {
            Some(until) => LoginError::Locked { until },
            None => refused,
        })
    }

    /// Signs a user in and opens a session showing `environment`. `organization` is needed
    /// only when the e-mail has accounts in several organizations; `code` only when the user
    /// has a second factor.
    pub async fn console_login(
        &self,
        email: &str,
        password: &str,
        organization: Option<&str>,
        code: Option<&str>,
        environment: Environment,
    ) -> Result<OpenedConsoleSession, LoginError> {
        let email = normalize_email(email);
        let reader = self.store().reader();
        let mut candidates = console_users::find_by_email(reader, &email).await?;
        if let Some(org) = organization.map(str::trim).filter(|o| !o.is_empty()) {
            candidates.retain(|u| u.organization_id == org);
        }
        let record = match candidates.len() {
            0 => {
                // As slow as a wrong password, so the time taken does not tell which e-mails
                // have accounts.
                verify_password(password.to_owned(), dummy_hash().await?).await?;
                return Err(LoginError::Invalid);
            }
            1 => candidates.remove(0),
            _ => return Err(LoginError::OrganizationRequired),
        };
        let now = now_millis();
        if let Some(until) = record.locked_until.filter(|until| *until > now) {
            return Err(LoginError::Locked { until });
        }
        let right = verify_password(password.to_owned(), record.password_hash.clone()).await?;
        if !right || record.disabled_at.is_some() {
            return Err(self.failed_login(&record, now, LoginError::Invalid).await?);
        }
        let mut code_step = None;
        if record.totp_enabled_at.is_some() {
            let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
                return Err(LoginError::CodeRequired);
            };
            match self.second_factor_step(&record, code, now).await? {
                Some(step) => code_step = Some(step),
                None => {
                    return Err(self
                        .failed_login(&record, now, LoginError::WrongCode)
                        .await?);
                }
            }
        }
        let user = user_of(&record)?;
        let token = random_alphanumeric(SESSION_TOKEN_LEN);
        let session = SessionRecord {
            token_hash: hash_token(&token),
            user_id: record.id.clone(),
            environment: environment.as_str().to_owned(),
            csrf_token: random_alphanumeric(CSRF_TOKEN_LEN),
            created_at: now,
            last_seen_at: now,
            expires_at: now + MAX_SESSION_MS,
        };
        let stored = session.clone();
        let (org, id) = (record.organization_id.clone(), record.id.clone());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    console_users::set_login_state(tx.conn().await?, &id, 0, None, now).await?;
                    if let Some(step) = code_step {
                        console_users::set_totp_last_step(tx.conn().await?, &id, step).await?;
                    }
                    console_users::insert_session(tx.conn().await?, &stored).await?;
                    let user = Principal::ConsoleUser {
                        user_id: id.clone(),
                    };
                    user_audit(tx, &org, &user, "console.signed_in", &id, now);
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(OpenedConsoleSession {
            token,
            expires_at: session.expires_at,
            session: ConsoleSession {
                scope: Scope {
                    organization_id: user.organization_id.clone(),
                    environment,
                },
                user,
                csrf_token: session.csrf_token,
                token_hash: session.token_hash,
            },
        })
    }

    /// The live session behind a cookie's token: not expired, not idle too long, its user
    /// still enabled. Marks it used.
    pub async fn console_session(&self, token: &str) -> Result<ConsoleSession, ServiceError> {
        let ended = || ServiceError::Unauthenticated {
            code: "session_ended",
            message: "the console session has ended; sign in again".into(),
        };
        let token_hash = hash_token(token);
        let reader = self.store().reader();
        let record = console_users::find_session(reader, &token_hash)
            .await?
            .ok_or_else(ended)?;
        let now = now_millis();
        if now >= record.expires_at || now - record.last_seen_at >= IDLE_TIMEOUT_MS {
            let hash = token_hash.clone();
            self.store()
                .write(move |tx| {
                    Box::pin(
                        async move { console_users::delete_session(tx.conn().await?, &hash).await },
                    )
                })
                .await?;
            return Err(ended());
        }
        // The session row names only the user; its organization is the user's.
        let users = console_users::find_by_id(reader, &record.user_id).await?;
        let user_record = users.ok_or_else(ended)?;
        if user_record.disabled_at.is_some() {
            return Err(ended());
        }
        let user = user_of(&user_record)?;
        let environment = Environment::parse(&record.environment).ok_or_else(|| {
            ServiceError::corrupt(format!(
                "console session environment {:?}",
                record.environment
            ))
        })?;
        if now - record.last_seen_at >= TOUCH_EVERY_MS {
            let hash = token_hash.clone();
            self.store()
                .write(move |tx| {
                    Box::pin(async move {
                        console_users::touch_session(tx.conn().await?, &hash, now).await
                    })
                })
                .await?;
        }
        Ok(ConsoleSession {
            scope: Scope {
                organization_id: user.organization_id.clone(),
                environment,
            },
            user,
            csrf_token: record.csrf_token,
            token_hash,
        })
    }

    /// Shows the other environment's cases from now on.
    pub async fn console_switch_environment(
        &self,
        session: &ConsoleSession,
        environment: Environment,
    ) -> Result<(), ServiceError> {
        let hash = session.token_hash.clone();
        let (principal, org, id) = session_actor(session);
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    console_users::set_session_environment(
                        tx.conn().await?,
                        &hash,
                        environment.as_str(),
                    )
                    .await?;
                    let action = match environment {
                        Environment::Live => "console.switched_to_live",
                        Environment::Sandbox => "console.switched_to_sandbox",
                    };
                    user_audit(tx, &org, &principal, action, &id, now_millis());
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(())
    }

    /// Ends the session.
    pub async fn console_logout(&self, session: &ConsoleSession) -> Result<(), ServiceError> {
        let hash = session.token_hash.clone();
        let (principal, org, id) = session_actor(session);
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    console_users::delete_session(tx.conn().await?, &hash).await?;
                    user_audit(
                        tx,
                        &org,
                        &principal,
                        "console.signed_out",
                        &id,
                        now_millis(),
                    );
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_starts_after_the_free_failures_and_doubles_up_to_an_hour() {
        assert_eq!(lock_for(FREE_FAILURES - 1), None);
        assert_eq!(lock_for(FREE_FAILURES), Some(FIRST_LOCK_MS));
        assert_eq!(lock_for(FREE_FAILURES + 1), Some(2 * FIRST_LOCK_MS));
        assert_eq!(lock_for(FREE_FAILURES + 40), Some(MAX_LOCK_MS));
    }

    #[test]
    fn emails_are_compared_lowercased_and_trimmed() {
        assert_eq!(normalize_email("  Ana@Example.COM "), "ana@example.com");
        assert!(valid_email("ana@example.com"));
        assert!(!valid_email("ana@example"));
        assert!(!valid_email("ana example@x.com"));
    }

    #[test]
    fn only_the_sessions_own_csrf_token_matches() {
        let session = ConsoleSession {
            user: ConsoleUser {
                id: ConsoleUserId::from_trusted("user_1".into()),
                organization_id: OrganizationId::from_trusted("org_1".into()),
                email: "a@b.c".into(),
                role: Role::Viewer,
            },
            scope: Scope {
                organization_id: OrganizationId::from_trusted("org_1".into()),
                environment: Environment::Sandbox,
            },
            csrf_token: "abc".into(),
            token_hash: Vec::new(),
        };
        assert!(session.csrf_matches("abc"));
        assert!(!session.csrf_matches("abd"));
        assert!(!session.csrf_matches(""));
    }
}
