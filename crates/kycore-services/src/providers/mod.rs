//! Verification providers: whatever runs checks on a case. The built-in `native` provider
//! runs kycore's own offline checks; adapters for third parties implement the same trait and
//! may call out over the network, which is why `run` is async — and why the processing job
//! calls providers between units of work, never inside one.

pub mod native;

use futures_util::future::BoxFuture;
use kycore_domain::applicant::ApplicantProfile;
use kycore_domain::case::CaseKind;
use kycore_domain::check::CheckStatus;
use serde_json::Value;
use time::Date;

/// A document submitted for the case, its MRZ opened.
#[derive(Clone, Debug, PartialEq)]
pub struct SubmittedDocument {
    /// `passport`, `id-card`, `driver-license`, `residence-permit`, `visa` or `other`.
    pub document_type: String,
    /// `front` or `back`.
    pub side: String,
    /// The n-th upload of this type and side.
    pub attempt: i64,
    pub mrz: Option<String>,
}

/// What a provider may look at.
#[derive(Clone, Debug)]
pub struct CaseFacts {
    pub kind: CaseKind,
    pub profile: ApplicantProfile,
    /// Oldest first.
    pub documents: Vec<SubmittedDocument>,
    /// The date checks are evaluated on (expiry, age).
    pub today: Date,
}

/// One check's outcome, as a provider reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckOutcome {
    pub kind: String,
    pub status: CheckStatus,
    pub score: Option<f64>,
    /// Machine-readable result.
    pub result: Value,
    /// A sentence a reviewer can read.
    pub explanation: String,
    /// The provider's own representation, kept for audit.
    pub raw: Value,
}

#[derive(Debug, thiserror::Error)]
#[error("provider {provider} failed: {message}")]
pub struct ProviderError {
    pub provider: &'static str,
    pub message: String,
}

pub trait Provider: Send + Sync {
    /// Stable name, stored with every check it ran.
    fn id(&self) -> &'static str;

    fn run<'a>(
        &'a self,
        facts: &'a CaseFacts,
    ) -> BoxFuture<'a, Result<Vec<CheckOutcome>, ProviderError>>;
}
