//! Who is asking, for which tenant, and whether the answer must be kept for replay.
//!
//! A [`Principal`] is whoever acts: a secret or publishable API key, a token minted from a
//! key (the bearer tokens some vendor dialects use), a console user, an applicant through
//! the hosted link, or kycore itself. Every audit entry names one.

use std::any::Any;
use std::sync::Arc;

use kycore_domain::ids::ApiKeyId;
use kycore_domain::tenancy::Scope;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A platform's backend with its secret key.
    SecretKey(ApiKeyId),
    /// A browser or app holding the publishable key (it only opens hosted links).
    PublishableKey(ApiKeyId),
    /// A short-lived token minted from a secret key (a dialect's bearer or OAuth token).
    KeyToken { key_id: ApiKeyId, token_id: String },
    /// An analyst signed in to the console.
    ConsoleUser { user_id: String },
    /// The applicant, through a session opened from the hosted link.
    ApplicantSession { session_id: String },
    /// kycore itself; the component says which part acted.
    System(SystemComponent),
}

/// The parts of kycore that act on their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemComponent {
    /// Running a submitted case's checks and rules.
    Processing,
    /// Expiring cases whose link lifetime passed.
    Expiry,
    /// Re-screening approved applicants when the lists change.
    Monitoring,
    /// The sandbox simulator.
    Sandbox,
    /// Redacting cases past their organization's retention period.
    Retention,
    /// First start and operator commands.
    Operator,
    /// Webhook delivery (disabling an endpoint that kept failing).
    Webhooks,
    /// E-mailing related persons their own links.
    Mail,
}

impl SystemComponent {
    pub fn as_str(self) -> &'static str {
        match self {
            SystemComponent::Processing => "processing",
            SystemComponent::Expiry => "expiry",
            SystemComponent::Monitoring => "monitoring",
            SystemComponent::Sandbox => "sandbox",
            SystemComponent::Retention => "retention",
            SystemComponent::Operator => "operator",
            SystemComponent::Webhooks => "webhooks",
            SystemComponent::Mail => "mail",
        }
    }
}

impl Principal {
    /// The audit log's `actor_type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::SecretKey(_) => "secret_key",
            Principal::PublishableKey(_) => "publishable_key",
            Principal::KeyToken { .. } => "key_token",
            Principal::ConsoleUser { .. } => "console_user",
            Principal::ApplicantSession { .. } => "applicant_session",
            Principal::System(_) => "system",
        }
    }

    /// The audit log's `actor_id`: which key, token, user, session or component.
    pub fn id(&self) -> String {
        match self {
            Principal::SecretKey(id) | Principal::PublishableKey(id) => id.to_string(),
            Principal::KeyToken { key_id, token_id } => format!("{key_id}/{token_id}"),
            Principal::ConsoleUser { user_id } => user_id.clone(),
            Principal::ApplicantSession { session_id } => session_id.clone(),
            Principal::System(component) => component.as_str().to_owned(),
        }
    }
}

/// Renders a use case's result as the response of one API surface, so that the stored
/// answer a retry replays is byte for byte what that surface answered the first time. It
/// receives the use case's own result type (the surface that builds it knows which).
pub type Renderer = Arc<dyn Fn(&dyn Any) -> Result<Vec<u8>, String> + Send + Sync>;

/// An `Idempotency-Key` whose response must be stored with the change.
#[derive(Clone)]
pub struct IdempotencyClaim {
    /// The API surface: `native`, or a dialect's name. Each keeps its own keys.
    pub surface: &'static str,
    pub key: String,
    /// Hash of the method, path and body, to tell a retry from a different request.
    pub request_hash: Vec<u8>,
    /// The HTTP status the successful response will carry.
    pub status: u16,
    pub render: Renderer,
}

impl std::fmt::Debug for IdempotencyClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdempotencyClaim")
            .field("surface", &self.surface)
            .field("key", &self.key)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct RequestContext {
    pub scope: Scope,
    pub principal: Principal,
    pub idempotency: Option<IdempotencyClaim>,
}

impl RequestContext {
    pub fn new(scope: Scope, principal: Principal) -> Self {
        RequestContext {
            scope,
            principal,
            idempotency: None,
        }
    }

    /// kycore acting on its own in a tenant's scope.
    pub fn system(scope: Scope, component: SystemComponent) -> Self {
        RequestContext::new(scope, Principal::System(component))
    }

    pub fn with_idempotency(mut self, claim: Option<IdempotencyClaim>) -> Self {
        self.idempotency = claim;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_principal_is_audited_as_who_it_is() {
        let key = ApiKeyId::from_trusted("key_1".into());
        let cases = [
            (Principal::SecretKey(key.clone()), "secret_key", "key_1"),
            (
                Principal::PublishableKey(key.clone()),
                "publishable_key",
                "key_1",
            ),
            (
                Principal::KeyToken {
                    key_id: key,
                    token_id: "tok_9".into(),
                },
                "key_token",
                "key_1/tok_9",
            ),
            (
                Principal::ConsoleUser {
                    user_id: "usr_2".into(),
                },
                "console_user",
                "usr_2",
            ),
            (
                Principal::ApplicantSession {
                    session_id: "s3".into(),
                },
                "applicant_session",
                "s3",
            ),
            (
                Principal::System(SystemComponent::Expiry),
                "system",
                "expiry",
            ),
        ];
        for (principal, kind, id) in cases {
            assert_eq!((principal.kind(), principal.id().as_str()), (kind, id));
        }
    }
}
