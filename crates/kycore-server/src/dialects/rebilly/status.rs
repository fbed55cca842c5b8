//! A KYC request's status, which Rebilly derives from its documents (research §4.4), here
//! from the kycore case and the documents uploaded to it. A person's (or the rules')
//! decision on the case is final: approved is `fulfilled`, rejected `failed`, and an expired
//! or canceled case `abandoned` once something was uploaded, else `expired`. Until then the
//! documents speak:
//!
//! - none uploaded: `gathering`;
//! - a requested type used up its `maxAttempts` without an accepted or unreviewed upload:
//!   `failed`;
//! - every requested type accepted: `pending-review` — the case's decision is still to
//!   come, and only it makes a request `fulfilled` (Rebilly's `fulfilled` is permanent;
//!   kycore's review may still reject);
//! - some requested types accepted: `partial`;
//! - none accepted, uploads waiting for review (the case was submitted for checks):
//!   `pending-review`;
//! - otherwise (uploads not yet submitted, or all rejected): `attempted`.

use kycore_domain::case::CaseStatus;
use kycore_services::views::Document;

use super::settings::{DocumentType, RequestedDocument};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestStatus {
    Gathering,
    Attempted,
    Partial,
    PendingReview,
    Fulfilled,
    Failed,
    Abandoned,
    Expired,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 8] = [
        RequestStatus::Gathering,
        RequestStatus::Attempted,
        RequestStatus::Partial,
        RequestStatus::PendingReview,
        RequestStatus::Fulfilled,
        RequestStatus::Failed,
        RequestStatus::Abandoned,
        RequestStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Gathering => "gathering",
            RequestStatus::Attempted => "attempted",
            RequestStatus::Partial => "partial",
            RequestStatus::PendingReview => "pending-review",
            RequestStatus::Fulfilled => "fulfilled",
            RequestStatus::Failed => "failed",
            RequestStatus::Abandoned => "abandoned",
            RequestStatus::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The case statuses a request with this status can be in: what a status filter asks
    /// the services for before the documents decide.
    pub fn case_statuses(self) -> Vec<CaseStatus> {
        match self {
            RequestStatus::Fulfilled => vec![CaseStatus::Approved],
            RequestStatus::Abandoned | RequestStatus::Expired => vec![CaseStatus::Expired],
            RequestStatus::Failed => CaseStatus::ALL
                .into_iter()
                .filter(|s| !s.is_final() || *s == CaseStatus::Rejected)
                .collect(),
            _ => CaseStatus::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .collect(),
        }
    }
}

/// A document's review state, as Rebilly names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Review {
    Pending,
    Accepted,
    Rejected,
}

/// One upload of a Rebilly document type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upload {
    pub kind: DocumentType,
    pub review: Review,
}

/// The Rebilly type of a kycore document, if it has one: identity documents are
/// `identity-proof`, proofs of address `address-proof`. Selfies belong to the identity
/// document they prove, and are not uploads of their own.
pub fn kind_of(document_type: &str) -> Option<DocumentType> {
    GATHERED_TYPES
        .iter()
        .find(|(_, types)| types.contains(&document_type))
        .map(|(kind, _)| *kind)
}

/// The kycore document types of the Rebilly types kycore gathers; the others are never
/// uploaded as documents (a credit file is consulted, not uploaded).
const GATHERED_TYPES: [(DocumentType, &[&str]); 2] = [
    (
        DocumentType::Identity,
        &["passport", "id-card", "driver-license", "residence-permit"],
    ),
    (DocumentType::Address, &["proof-of-address"]),
];

/// The kycore document types that are uploads of `kind`.
pub fn kycore_types(kind: DocumentType) -> &'static [&'static str] {
    GATHERED_TYPES
        .iter()
        .find(|(known, _)| *known == kind)
        .map_or(&[], |(_, types)| types)
}

/// The case's uploads, one per attempt (a card's back side is part of its front's attempt).
pub fn uploads(documents: &[Document]) -> Vec<Upload> {
    documents
        .iter()
        .filter(|d| d.side == "front")
        .filter_map(|d| {
            let kind = kind_of(&d.document_type)?;
            let review = match d.status.as_str() {
                "accepted" => Review::Accepted,
                "rejected" => Review::Rejected,
                _ => Review::Pending,
            };
            Some(Upload { kind, review })
        })
        .collect()
}

/// The request's status, given its case's status, what it requested and what was uploaded.
pub fn derive(
    case: CaseStatus,
    requested: &[RequestedDocument],
    uploads: &[Upload],
) -> RequestStatus {
    match case {
        CaseStatus::Approved => RequestStatus::Fulfilled,
        CaseStatus::Rejected => RequestStatus::Failed,
        CaseStatus::Expired | CaseStatus::Canceled if uploads.is_empty() => RequestStatus::Expired,
        CaseStatus::Expired | CaseStatus::Canceled => RequestStatus::Abandoned,
        _ => from_uploads(case.awaits_applicant(), requested, uploads),
    }
}

fn from_uploads(
    gathering: bool,
    requested: &[RequestedDocument],
    uploads: &[Upload],
) -> RequestStatus {
    if uploads.is_empty() {
        return RequestStatus::Gathering;
    }
    let of = |kind: DocumentType| uploads.iter().filter(move |u: &&Upload| u.kind == kind);
    let has = |kind: DocumentType, review: Review| of(kind).any(|u| u.review == review);
    let exhausted = requested.iter().any(|r| {
        let attempts = of(r.kind).count();
        r.max_attempts > 0
            && attempts >= r.max_attempts as usize
            && !has(r.kind, Review::Accepted)
            && !has(r.kind, Review::Pending)
    });
    if exhausted {
        return RequestStatus::Failed;
    }
    let accepted = requested
        .iter()
        .filter(|r| has(r.kind, Review::Accepted))
        .count();
    let waiting = !gathering && uploads.iter().any(|u| u.review == Review::Pending);
    if accepted == requested.len() {
        RequestStatus::PendingReview
    } else if accepted > 0 {
        RequestStatus::Partial
    } else if waiting {
        RequestStatus::PendingReview
    } else {
        RequestStatus::Attempted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocumentType::{Address, Identity};
    use Review::{Accepted, Pending, Rejected};

    fn wanted(kinds: &[(DocumentType, u32)]) -> Vec<RequestedDocument> {
        kinds
            .iter()
            .map(|&(kind, max_attempts)| RequestedDocument {
                kind,
                subtypes: None,
                max_attempts,
                face_proof_required: false,
                face_liveness_required: false,
            })
            .collect()
    }

    fn up(kind: DocumentType, review: Review) -> Upload {
        Upload { kind, review }
    }

    fn both() -> Vec<RequestedDocument> {
        wanted(&[(Identity, 3), (Address, 2)])
    }

    #[test]
    fn gathering_until_something_is_uploaded() {
        assert_eq!(
            derive(CaseStatus::Created, &both(), &[]),
            RequestStatus::Gathering
        );
        assert_eq!(
            derive(CaseStatus::InProgress, &both(), &[]),
            RequestStatus::Gathering
        );
    }

    #[test]
    fn attempted_while_uploads_are_unreviewed_or_rejected() {
        let pending = [up(Identity, Pending)];
        assert_eq!(
            derive(CaseStatus::InProgress, &both(), &pending),
            RequestStatus::Attempted
        );
        let rejected = [up(Identity, Rejected)];
        assert_eq!(
            derive(CaseStatus::ResubmissionRequested, &both(), &rejected),
            RequestStatus::Attempted
        );
    }

    #[test]
    fn pending_review_once_submitted_uploads_wait() {
        let pending = [up(Identity, Pending), up(Address, Pending)];
        assert_eq!(
            derive(CaseStatus::Submitted, &both(), &pending),
            RequestStatus::PendingReview
        );
        assert_eq!(
            derive(CaseStatus::InReview, &both(), &pending),
            RequestStatus::PendingReview
        );
    }

    #[test]
    fn partial_when_some_types_are_accepted() {
        let some = [up(Identity, Accepted), up(Address, Rejected)];
        assert_eq!(
            derive(CaseStatus::ResubmissionRequested, &both(), &some),
            RequestStatus::Partial
        );
    }

    #[test]
    fn every_type_accepted_waits_for_the_decision_which_fulfills() {
        let all = [up(Identity, Accepted), up(Address, Accepted)];
        assert_eq!(
            derive(CaseStatus::InReview, &both(), &all),
            RequestStatus::PendingReview
        );
        assert_eq!(
            derive(CaseStatus::Approved, &both(), &all),
            RequestStatus::Fulfilled
        );
    }

    #[test]
    fn failed_when_attempts_run_out_or_the_case_is_rejected() {
        let used_up = [up(Address, Rejected), up(Address, Rejected)];
        assert_eq!(
            derive(CaseStatus::InProgress, &both(), &used_up),
            RequestStatus::Failed
        );
        // Unlimited attempts never run out.
        let unlimited = wanted(&[(Address, 0)]);
        assert_eq!(
            derive(CaseStatus::InProgress, &unlimited, &used_up),
            RequestStatus::Attempted
        );
        assert_eq!(
            derive(CaseStatus::Rejected, &both(), &[]),
            RequestStatus::Failed
        );
    }

    #[test]
    fn expiry_is_abandoned_once_something_was_uploaded() {
        assert_eq!(
            derive(CaseStatus::Expired, &both(), &[]),
            RequestStatus::Expired
        );
        let one = [up(Identity, Pending)];
        assert_eq!(
            derive(CaseStatus::Expired, &both(), &one),
            RequestStatus::Abandoned
        );
    }

    #[test]
    fn kycore_document_types_map_onto_rebillys() {
        assert_eq!(kind_of("passport"), Some(Identity));
        assert_eq!(kind_of("proof-of-address"), Some(Address));
        assert_eq!(kind_of("selfie"), None);
    }

    #[test]
    fn every_status_has_its_name() {
        for status in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(status.as_str()), Some(status));
        }
    }
}
