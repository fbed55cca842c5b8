//! The operators' commands over a running deployment's data: organizations, their API keys,
//! and the background jobs.

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use kycore_domain::tenancy::Environment;
use kycore_services::Services;
use kycore_services::console_users::{NewPassword, Role};
use kycore_services::jobs::JobState;
use kycore_services::keys::KeyKind;
use kycore_services::organizations::OrganizationKeys;
use kycore_services::time_format::rfc3339_of;
use serde_json::json;

#[derive(Subcommand)]
pub enum OrganizationsCommand {
    /// Create an organization with a secret and a publishable key per environment; the
    /// secret keys are shown only now.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List the organizations.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set how long an organization keeps personal data: each case is redacted this many
    /// days after its final decision, and its applicant erased once all their cases are.
    Retention {
        /// The organization (default: the deployment's first).
        #[arg(long)]
        organization: Option<String>,
        /// Days after the final decision, 1 to 3653.
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        days: Option<u32>,
        /// Keep personal data until it is redacted on request.
        #[arg(long)]
        off: bool,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Create a key; a secret key is shown only now.
    Create {
        #[arg(long = "env", value_enum)]
        environment: EnvArg,
        #[arg(long, value_enum, default_value = "secret")]
        kind: KindArg,
        /// The organization (default: the deployment's first).
        #[arg(long)]
        organization: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List keys (never the secrets themselves).
    List {
        /// The organization (default: the deployment's first).
        #[arg(long)]
        organization: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by id; requests with it are refused from now on.
    Revoke {
        id: String,
        /// The organization (default: the deployment's first).
        #[arg(long)]
        organization: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum TokensCommand {
    /// Mint a bearer token from a secret key, as Provide's dialect takes it
    /// (`Authorization: bearer <token>`): for the key's Application, or for one of its users.
    /// The token works until the key is revoked.
    Mint {
        /// The secret key to mint with.
        #[arg(long, env = "KYCORE_SECRET_KEY")]
        key: String,
        /// A token for the key's Application; its UUID (the organization's) may be given.
        #[arg(long, num_args = 0..=1, value_name = "UUID", conflicts_with = "user", required_unless_present = "user")]
        application: Option<Option<String>>,
        /// A token for this user (a UUID) of the Application: it sees its own applications only.
        #[arg(long, value_name = "UUID")]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum JobsCommand {
    /// The newest jobs, with their state, attempts and last error.
    List {
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        /// At most this many (default 50).
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

/// The console's users.
#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create a console user; the password is shown only now.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The organization (default: the deployment's first).
        #[arg(long)]
        organization: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Give a user (id or e-mail) a new password, shown only now; ends their sessions and
    /// lifts a lockout.
    ResetPassword {
        user: String,
        /// The organization (default: the deployment's first).
        #[arg(long)]
        organization: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Disable a user (id or e-mail): they cannot sign in and their sessions end.
    Disable {
        user: String,
        /// The organization (default: the deployment's first).
        #[arg(long)]
        organization: Option<String>,
    },
    /// Remove a user's second factor (a lost phone): they sign in with the password alone
    /// until they set up another.
    RemoveSecondFactor {
        user: String,
        /// The organization (default: the deployment's first).
        #[arg(long)]
        organization: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Analyst,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(arg: RoleArg) -> Self {
        match arg {
            RoleArg::Admin => Role::Admin,
            RoleArg::Analyst => Role::Analyst,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

fn print_password(new: &NewPassword, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(new)?);
    } else {
        println!("{} ({}, {})", new.email, new.role.as_str(), new.id);
        println!("password (shown once): {}", new.password);
    }
    Ok(())
}

pub async fn users(services: &Services, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Create {
            email,
            role,
            organization,
            json,
        } => {
            let organization = services.organization(organization.as_deref()).await?;
            let created = services
                .create_console_user(&organization, &email, role.into())
                .await?;
            print_password(&created, json)
        }
        UsersCommand::ResetPassword {
            user,
            organization,
            json,
        } => {
            let organization = services.organization(organization.as_deref()).await?;
            let reset = services
                .reset_console_password(&organization, &user)
                .await?;
            print_password(&reset, json)
        }
        UsersCommand::Disable { user, organization } => {
            let organization = services.organization(organization.as_deref()).await?;
            let id = services.disable_console_user(&organization, &user).await?;
            println!("disabled {id}");
            Ok(())
        }
        UsersCommand::RemoveSecondFactor { user, organization } => {
            let organization = services.organization(organization.as_deref()).await?;
            services.remove_second_factor(&organization, &user).await?;
            println!("removed the second factor of {user}");
            Ok(())
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum EnvArg {
    Sandbox,
    Live,
}

impl From<EnvArg> for Environment {
    fn from(arg: EnvArg) -> Self {
        match arg {
            EnvArg::Sandbox => Environment::Sandbox,
            EnvArg::Live => Environment::Live,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    Secret,
    Publishable,
}

impl From<KindArg> for KeyKind {
    fn from(arg: KindArg) -> Self {
        match arg {
            KindArg::Secret => KeyKind::Secret,
            KindArg::Publishable => KeyKind::Publishable,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StateArg {
    /// Waiting or running.
    Open,
    Done,
    Failed,
}

impl From<StateArg> for JobState {
    fn from(arg: StateArg) -> Self {
        match arg {
            StateArg::Open => JobState::Open,
            StateArg::Done => JobState::Done,
            StateArg::Failed => JobState::Failed,
        }
    }
}

pub fn print_organization_keys(keys: &OrganizationKeys) {
    println!(
        "Organization:        {} ({})",
        keys.organization_id, keys.name
    );
    println!("Sandbox secret key:  {}", keys.sandbox.secret_key);
    println!("Sandbox publishable: {}", keys.sandbox.publishable_key);
    println!("Live secret key:     {}", keys.live.secret_key);
    println!("Live publishable:    {}", keys.live.publishable_key);
    println!("The secret keys are shown only now; store them safely.");
}

pub async fn organizations(
    services: &Services,
    command: OrganizationsCommand,
) -> anyhow::Result<()> {
    match command {
        OrganizationsCommand::Create { name, json } => {
            let created = services.create_organization(&name).await?;
            if json {
                println!("{}", serde_json::to_string(&created)?);
            } else {
                print_organization_keys(&created);
            }
        }
        OrganizationsCommand::List { json } => {
            let organizations = services.list_organizations().await?;
            if json {
                let rows: Vec<_> = organizations
                    .iter()
                    .map(|o| json!({ "id": o.id, "name": o.name, "retention_days": o.retention_days, "created_at": rfc3339_of(o.created_at) }))
                    .collect();
                println!("{}", serde_json::to_string(&rows)?);
            } else {
                for o in organizations {
                    let retention = o
                        .retention_days
                        .map_or_else(|| "kept".to_owned(), |d| format!("{d} days"));
                    println!(
                        "{}  {}  {}  (personal data: {retention})",
                        o.id,
                        rfc3339_of(o.created_at),
                        o.name
                    );
                }
            }
        }
        OrganizationsCommand::Retention {
            organization,
            days,
            off,
        } => {
            let organization = services.organization(organization.as_deref()).await?;
            let days = if off { None } else { days };
            services.set_retention(organization.as_str(), days).await?;
            match days {
                Some(d) => println!(
                    "{organization}: personal data is redacted {d} days after a case's final decision"
                ),
                None => println!("{organization}: personal data is kept until redacted on request"),
            }
        }
    }
    Ok(())
}

pub async fn keys(services: &Services, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create {
            environment,
            kind,
            organization,
            json,
        } => {
            let organization = services.organization(organization.as_deref()).await?;
            let key = services
                .create_key(&organization, environment.into(), kind.into())
                .await?;
            if json {
                println!("{}", serde_json::to_string(&key)?);
            } else {
                println!(
                    "{} ({} {} key)",
                    key.key,
                    key.environment,
                    key.kind.as_str()
                );
                println!("id: {}", key.id);
            }
        }
        KeysCommand::List { organization, json } => {
            let organization = services.organization(organization.as_deref()).await?;
            let keys = services.list_keys(&organization).await?;
            if json {
                println!("{}", serde_json::to_string(&keys)?);
            } else {
                for k in keys {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    println!(
                        "{}  {:<8} {:<11} {:<20} {}",
                        k.id, k.environment, k.kind, k.hint, state
                    );
                }
            }
        }
        KeysCommand::Revoke { id, organization } => {
            let organization = services.organization(organization.as_deref()).await?;
            services
                .revoke_key(&organization, &id)
                .await
                .with_context(|| format!("cannot revoke {id}"))?;
            println!("revoked {id}");
        }
    }
    Ok(())
}

pub async fn tokens(services: &Services, command: TokensCommand) -> anyhow::Result<()> {
    let TokensCommand::Mint {
        key,
        application,
        user,
        json,
    } = command;
    let minter = services
        .authenticate(key.trim())
        .await
        .context("the key is not a live secret key")?;
    let subject = kycore_server::provide_token_subject(
        &minter.scope,
        application.flatten().as_deref(),
        user.as_deref(),
    )
    .map_err(|e| match e {
        kycore_server::SubjectError::Invalid(message) => anyhow::anyhow!(message),
        kycore_server::SubjectError::Foreign => {
            anyhow::anyhow!("that is not the key's own application")
        }
    })?;
    let minted = services.mint_key_token(&minter, &subject)?;
    if json {
        println!("{}", serde_json::to_string(&minted)?);
    } else {
        println!("{}", minted.token);
        println!("subject: {}", minted.subject);
    }
    Ok(())
}

pub async fn jobs(services: &Services, command: JobsCommand) -> anyhow::Result<()> {
    let JobsCommand::List { state, limit, json } = command;
    let jobs = services
        .list_jobs(state.map(Into::into), limit.clamp(1, 1000))
        .await?;
    if json {
        let rows: Vec<_> = jobs
            .iter()
            .map(|j| {
                json!({
                    "id": j.id, "kind": j.kind, "state": j.state, "attempts": j.attempts,
                    "max_attempts": j.max_attempts, "last_error": j.last_error,
                    "created_at": rfc3339_of(j.created_at), "run_at": rfc3339_of(j.run_at),
                    "finished_at": j.finished_at.map(rfc3339_of),
                })
            })
            .collect();
        println!("{}", serde_json::to_string(&rows)?);
        return Ok(());
    }
    for j in jobs {
        let error = j.last_error.as_deref().unwrap_or("");
        println!(
            "{}  {:<13} {:<8} {}/{}  {}  {error}",
            j.id,
            j.kind,
            j.state,
            j.attempts,
            j.max_attempts,
            rfc3339_of(j.run_at)
        );
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check each organization's audit chain: every entry's hash, the links between them and
    /// the head. Exits non-zero on any edited, deleted, reordered or unchained entry.
    Verify {
        /// Only this organization (default: every one).
        #[arg(long)]
        organization: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn audit(services: &Services, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify { organization, json } = command;
    let reports = services.verify_audit(organization.as_deref()).await?;
    let broken: u64 = reports
        .iter()
        .map(|r| r.breaks.len() as u64 + r.more_breaks)
        .sum();
    if json {
        let rows: Vec<_> = reports
            .iter()
            .map(|r| {
                let breaks: Vec<_> = r
                    .breaks
                    .iter()
                    .map(|b| json!({ "seq": b.seq, "kind": b.kind.as_str(), "detail": b.detail }))
                    .collect();
                json!({
                    "organization_id": r.organization_id, "checked": r.checked,
                    "intact": r.is_intact(), "head_seq": r.head_seq, "head_hash": r.head_hash,
                    "breaks": breaks, "more_breaks": r.more_breaks,
                })
            })
            .collect();
        println!("{}", serde_json::to_string(&rows)?);
    } else {
        for r in &reports {
            let state = if r.is_intact() { "intact" } else { "BROKEN" };
            println!(
                "{}  {} entries checked  {state}  head {} {}",
                r.organization_id, r.checked, r.head_seq, r.head_hash
            );
            for b in &r.breaks {
                println!(
                    "  {} seq {}: {}: {}",
                    r.organization_id,
                    b.seq,
                    b.kind.as_str(),
                    b.detail
                );
            }
            if r.more_breaks > 0 {
                println!("  … and {} more", r.more_breaks);
            }
        }
    }
    if broken > 0 {
        anyhow::bail!("the audit trail is broken in {broken} place(s)");
    }
    Ok(())
}
