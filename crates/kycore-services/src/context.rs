//! Who is asking, for which tenant, and whether the answer must be kept for replay.

use kycore_domain::ids::ApiKeyId;
use kycore_domain::tenancy::Scope;

#[derive(Clone, Debug)]
pub enum Actor {
    ApiKey(ApiKeyId),
    /// The applicant, through the hosted link.
    Applicant,
    /// kycore itself (the worker, the sandbox simulator).
    System,
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::ApiKey(_) => "api_key",
            Actor::Applicant => "applicant",
            Actor::System => "system",
        }
    }

    pub fn id(&self) -> Option<String> {
        match self {
            Actor::ApiKey(id) => Some(id.to_string()),
            Actor::Applicant | Actor::System => None,
        }
    }
}

/// An `Idempotency-Key` whose response must be stored with the change.
#[derive(Clone, Debug)]
pub struct IdempotencyClaim {
    pub key: String,
    /// Hash of the method, path and body, to tell a retry from a different request.
    pub request_hash: Vec<u8>,
    /// The HTTP status the successful response will carry.
    pub status: u16,
}

#[derive(Clone, Debug)]
pub struct RequestContext {
    pub scope: Scope,
    pub actor: Actor,
    pub idempotency: Option<IdempotencyClaim>,
}

impl RequestContext {
    pub fn new(scope: Scope, actor: Actor) -> Self {
        RequestContext {
            scope,
            actor,
            idempotency: None,
        }
    }

    pub fn with_idempotency(mut self, claim: Option<IdempotencyClaim>) -> Self {
        self.idempotency = claim;
        self
    }
}
