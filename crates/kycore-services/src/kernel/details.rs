//! A case's sealed details: what the platform attached to it (metadata, the redirect URL, its
//! own webhook receiver) and an analyst's decision note. They may identify the applicant, so
//! they are sealed under the applicant's data key, and read back empty once the case is
//! redacted.

use kycore_domain::case::Decision;
use kycore_store::cases::CaseRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::ServiceError;
use crate::crypto::DataKey;
use crate::sealing::{open_json, seal_json};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct CaseDetails {
    #[serde(default)]
    pub metadata: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Where the case's own webhooks go, when the platform named a receiver for this case
    /// (a vendor's API that takes one per request: Provide's `params.webhook_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_note: Option<DecisionNote>,
}

/// The note given with a decision, and which decision (by its time) it belongs to: a later
/// decision without a note does not inherit it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct DecisionNote {
    #[serde(with = "time::serde::rfc3339")]
    pub decided_at: OffsetDateTime,
    pub note: String,
}

impl CaseDetails {
    /// Seals the details for the case `case_id`.
    pub(crate) fn seal(&self, key: &DataKey, case_id: &str) -> Result<Vec<u8>, ServiceError> {
        seal_json(key, case_id, self)
    }

    /// The case's details; empty when redacted (nothing sealed, or the key erased).
    pub(crate) fn open(key: Option<&DataKey>, case: &CaseRecord) -> Result<Self, ServiceError> {
        Ok(open_json(key, &case.id, case.sealed.as_deref(), "case details")?.unwrap_or_default())
    }

    /// The case's decision with its note restored, when the note belongs to it.
    pub(crate) fn with_note(&self, mut decision: Decision) -> Decision {
        decision.note = self
            .decision_note
            .as_ref()
            .filter(|n| n.decided_at == decision.decided_at)
            .map(|n| n.note.clone());
        decision
    }
}
