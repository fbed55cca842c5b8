//! Event types. Events are immutable facts written in the same transaction as the change they
//! describe; webhooks and the events API are derived from them. Payloads are thin (ids and
//! statuses, never personal data) so that a leaked event reveals nothing about a person.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "applicant.created")]
    ApplicantCreated,
    #[serde(rename = "applicant.updated")]
    ApplicantUpdated,
    /// The applicant's personal data was erased (its key destroyed, its cases redacted).
    #[serde(rename = "applicant.redacted")]
    ApplicantRedacted,
    #[serde(rename = "case.created")]
    CaseCreated,
    #[serde(rename = "case.status_changed")]
    CaseStatusChanged,
    #[serde(rename = "case.decided")]
    CaseDecided,
    /// Under four eyes: a first person approved; the case waits for a second one.
    #[serde(rename = "case.first_approval")]
    CaseFirstApproval,
    /// A business case's own checks wait for the KYC cases of its owners and directors; the
    /// case stays `processing` until each of them is decided.
    #[serde(rename = "case.awaiting_related_persons")]
    CaseAwaitingRelatedPersons,
    /// The case's personal data and document files were erased; its status, decision and
    /// audit trail remain.
    #[serde(rename = "case.redacted")]
    CaseRedacted,
    #[serde(rename = "check.completed")]
    CheckCompleted,
    #[serde(rename = "document.uploaded")]
    DocumentUploaded,
    #[serde(rename = "document.accepted")]
    DocumentAccepted,
    #[serde(rename = "document.rejected")]
    DocumentRejected,
    /// A person took the document to review it.
    #[serde(rename = "document.review_started")]
    DocumentReviewStarted,
    /// The person reviewing the document let it go without a verdict.
    #[serde(rename = "document.review_stopped")]
    DocumentReviewStopped,
    /// A person reviewed the document and kept its status.
    #[serde(rename = "document.reviewed")]
    DocumentReviewed,
    /// A screening found a listed entry that may be the applicant (at a case's checks, or
    /// when ongoing monitoring re-screened an approved applicant against a new list version).
    #[serde(rename = "screening.match_found")]
    ScreeningMatchFound,
    /// An analyst marked a screening hit a true or a false match.
    #[serde(rename = "screening.hit_reviewed")]
    ScreeningHitReviewed,
    /// A scheduled watchlist refresh failed; the last good version is still served.
    #[serde(rename = "watchlist.refresh_failed")]
    WatchlistRefreshFailed,
    /// A webhook endpoint failed every delivery for days and was disabled; nothing is sent
    /// to it until it is enabled again.
    #[serde(rename = "webhook_endpoint.disabled")]
    WebhookEndpointDisabled,
}

impl EventType {
    pub const ALL: [EventType; 20] = [
        EventType::ApplicantCreated,
        EventType::ApplicantUpdated,
        EventType::ApplicantRedacted,
        EventType::CaseCreated,
        EventType::CaseStatusChanged,
        EventType::CaseDecided,
        EventType::CaseFirstApproval,
        EventType::CaseAwaitingRelatedPersons,
        EventType::CaseRedacted,
        EventType::CheckCompleted,
        EventType::DocumentUploaded,
        EventType::DocumentAccepted,
        EventType::DocumentRejected,
        EventType::DocumentReviewStarted,
        EventType::DocumentReviewStopped,
        EventType::DocumentReviewed,
        EventType::ScreeningMatchFound,
        EventType::ScreeningHitReviewed,
        EventType::WatchlistRefreshFailed,
        EventType::WebhookEndpointDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ApplicantCreated => "applicant.created",
            EventType::ApplicantUpdated => "applicant.updated",
            EventType::ApplicantRedacted => "applicant.redacted",
            EventType::CaseCreated => "case.created",
            EventType::CaseStatusChanged => "case.status_changed",
            EventType::CaseDecided => "case.decided",
            EventType::CaseFirstApproval => "case.first_approval",
            EventType::CaseAwaitingRelatedPersons => "case.awaiting_related_persons",
            EventType::CaseRedacted => "case.redacted",
            EventType::CheckCompleted => "check.completed",
            EventType::DocumentUploaded => "document.uploaded",
            EventType::DocumentAccepted => "document.accepted",
            EventType::DocumentRejected => "document.rejected",
            EventType::DocumentReviewStarted => "document.review_started",
            EventType::DocumentReviewStopped => "document.review_stopped",
            EventType::DocumentReviewed => "document.reviewed",
            EventType::ScreeningMatchFound => "screening.match_found",
            EventType::ScreeningHitReviewed => "screening.hit_reviewed",
            EventType::WatchlistRefreshFailed => "watchlist.refresh_failed",
            EventType::WebhookEndpointDisabled => "webhook_endpoint.disabled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_parse() {
        for t in EventType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
    }
}
