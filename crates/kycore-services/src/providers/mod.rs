//! Verification providers: whatever runs checks on a case. The built-in `native` provider
//! runs kycore's own offline checks; adapters for third parties implement the same trait and
//! may call out over the network, which is why `run` is async — and why the processing job
//! calls providers between units of work, never inside one.

pub mod native;
pub mod sandbox;

use futures_util::future::BoxFuture;
use kycore_domain::applicant::ApplicantProfile;
use kycore_domain::case::CaseKind;
use kycore_domain::check::CheckStatus;
use kycore_domain::flow::Step;
use kycore_domain::tenancy::Environment;
use serde_json::Value;
use time::Date;

use crate::documents::TypedDetails;

/// A document submitted for the case, its MRZ opened.
#[derive(Clone, Debug, PartialEq)]
pub struct SubmittedDocument {
    /// One of `documents::IDENTITY_DOCUMENT_TYPES` or `documents::SINGLE_SIDED_TYPES`.
    pub document_type: String,
    /// `front` or `back`.
    pub side: String,
    /// A selfie's `head-turned` (the liveness heuristic's second selfie), a document's own.
    pub subtype: Option<String>,
    /// The n-th upload of this type and side.
    pub attempt: i64,
    pub mrz: Option<String>,
    /// What was typed from it when it has no MRZ.
    pub details: Option<TypedDetails>,
    /// What the document engines read from its image, when they looked.
    pub reading: Option<kycore_checks::reading::DocumentReading>,
}

/// What a provider may look at.
#[derive(Clone, Debug)]
pub struct CaseFacts {
    pub kind: CaseKind,
    pub environment: Environment,
    pub profile: ApplicantProfile,
    /// Oldest first.
    pub documents: Vec<SubmittedDocument>,
    /// The date checks are evaluated on (expiry, age).
    pub today: Date,
    /// The flow's document policy.
    pub min_age: u8,
    /// Uploads allowed per document type and side; 0 means unlimited.
    pub max_attempts: u32,
    /// Other applicants of the environment with the same id number, or the same name and
    /// date of birth.
    pub similar_applicants: Vec<String>,
    /// Whether another applicant used the identity document (its number or its file).
    pub duplicate_document: kycore_checks::document::DuplicateLookup,
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
    /// Steps whose redoing by the applicant could fix this check (empty when none could).
    pub redo: Vec<Step>,
}

impl CheckOutcome {
    /// An outcome without a score or steps to redo, its result kept as the raw form too.
    pub fn new(kind: &str, status: CheckStatus, result: Value, explanation: String) -> Self {
        CheckOutcome {
            kind: kind.to_owned(),
            status,
            score: None,
            raw: result.clone(),
            result,
            explanation,
            redo: Vec::new(),
        }
    }
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
