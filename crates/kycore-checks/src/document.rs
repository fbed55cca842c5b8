//! Document rules: from facts about one submitted identity document to an
//! `accepted` / `rejected` verdict with reasons in kycore's own vocabulary ([`RejectionCode`];
//! vendor dialects map it onto theirs).
//!
//! Pure functions over [`DocumentFacts`]; the caller supplies "today", the
//! attempt count and the result of its own duplicate lookup.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::dates::age_on;
use crate::mrz::{ComparedField, Discrepancy, DiscrepancyKind};

/// Minimum age when a flow does not set one.
pub const DEFAULT_MIN_AGE: u8 = 18;

/// Identity document types the rules know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentType {
    /// Passport book: one data page.
    Passport,
    /// National identity card.
    IdCard,
    /// Driving licence.
    DriverLicense,
    /// Residence permit card.
    ResidencePermit,
    /// Visa.
    Visa,
    /// Anything else; no side or expiry requirement.
    Other,
}

/// One face of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentSide {
    /// The front, or a passport's data page.
    Front,
    /// The back of a card.
    Back,
}

impl DocumentType {
    /// Sides that must be uploaded: cards carry data (often the MRZ) on the back.
    pub fn required_sides(self) -> &'static [DocumentSide] {
        match self {
            Self::IdCard | Self::DriverLicense | Self::ResidencePermit => {
                &[DocumentSide::Front, DocumentSide::Back]
            }
            Self::Passport | Self::Visa => &[DocumentSide::Front],
            Self::Other => &[],
        }
    }

    fn expiry_required(self) -> bool {
        self != Self::Other
    }
}

/// The caller's duplicate lookup, done against other applicants only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DuplicateLookup {
    /// No lookup was made; the rule is skipped.
    NotChecked,
    /// Nothing found.
    NoneFound,
    /// Another applicant submitted a document with the same number.
    SameDocumentNumber {
        /// That applicant's id.
        other_applicant: String,
    },
    /// Another applicant uploaded a byte-identical file.
    SameFileHash {
        /// That applicant's id.
        other_applicant: String,
    },
}

/// Per-flow settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentPolicy {
    /// Youngest acceptable age in completed years.
    pub min_age: u8,
    /// Uploads allowed; 0 means unlimited (per document type and side).
    pub max_attempts: u32,
}

impl Default for DocumentPolicy {
    fn default() -> Self {
        Self {
            min_age: DEFAULT_MIN_AGE,
            max_attempts: 0,
        }
    }
}

/// What is known about one submitted document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentFacts {
    /// The document's type.
    pub document_type: DocumentType,
    /// The sides uploaded.
    pub sides_present: Vec<DocumentSide>,
    /// Expiry as read from the document.
    pub date_of_expiry: Option<Date>,
    /// Date of birth as read from the document.
    pub date_of_birth: Option<Date>,
    /// When the document was submitted, to tell "expired" from "expired while waiting".
    pub submitted_on: Option<Date>,
    /// The date the rules are evaluated on.
    pub today: Date,
    /// This upload's number, starting at 1.
    pub attempt: u32,
    /// The caller's duplicate lookup.
    pub duplicate: DuplicateLookup,
    /// Whether the MRZ check digits all verified; `None` when there is no MRZ.
    pub mrz_valid: Option<bool>,
    /// Differences between the document and the applicant's data.
    pub discrepancies: Vec<Discrepancy>,
}

/// Why a document is rejected. The snake_case names are an API contract (documents'
/// `rejection_reasons`, the rules' `document.reasons`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    /// The image cannot be read.
    DocumentUnreadable,
    /// The document had expired when submitted.
    DocumentExpired,
    /// Valid when submitted, expired by the time of review.
    DocumentExpiredAfterSubmission,
    /// The document does not match the applicant's data.
    DocumentMismatch,
    /// Already used by another applicant.
    DocumentDuplicate,
    /// Not a valid document (for example failed integrity checks).
    DocumentInvalid,
    /// A passport photographed closed.
    DocumentNotOpen,
    /// Younger than the flow allows.
    Underage,
    /// Someone else's document, or data that belongs to another person.
    ThirdPartyDocument,
    /// No expiry date could be found.
    ExpiryDateMissing,
    /// No issue date could be found.
    IssueDateMissing,
    /// The document subtype could not be determined.
    SubtypeMissing,
    /// The date of birth differs from the applicant's.
    DateOfBirthMismatch,
    /// The name differs from the applicant's.
    NameMismatch,
    /// Both name and date of birth differ.
    NameAndDateOfBirthMismatch,
    /// Required information (a side, a date) is missing.
    InformationMissing,
    /// A proof of address shows an old address.
    OutdatedAddress,
    /// Signs of alteration.
    DocumentTampered,
    /// Anything else; the message explains.
    Other,
}

/// What an applicant can do about a rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Upload the document again (a better photo, another unexpired document, a missing side).
    NewDocument,
    /// Correct the entered details, or upload the right document.
    CorrectDetails,
    /// Nothing: a person has to look (fraud signals, someone else's document, age).
    None,
}

impl RejectionCode {
    /// What the applicant can do about this reason.
    pub fn remedy(self) -> Remedy {
        use RejectionCode::*;
        match self {
            DocumentUnreadable
            | DocumentExpired
            | DocumentExpiredAfterSubmission
            | DocumentInvalid
            | DocumentNotOpen
            | ExpiryDateMissing
            | IssueDateMissing
            | SubtypeMissing
            | InformationMissing
            | OutdatedAddress => Remedy::NewDocument,
            DocumentMismatch | DateOfBirthMismatch | NameMismatch | NameAndDateOfBirthMismatch => {
                Remedy::CorrectDetails
            }
            DocumentDuplicate | Underage | ThirdPartyDocument | DocumentTampered | Other => {
                Remedy::None
            }
        }
    }
}

/// One reason for rejection: a stable code plus our explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionReason {
    /// The stable reason code.
    pub code: RejectionCode,
    /// A sentence for the reviewer and, where appropriate, the applicant.
    pub message: String,
}

/// Per-document status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Every rule passed.
    Accepted,
    /// At least one rule failed.
    Rejected,
}

/// The outcome of the document rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVerdict {
    /// Accepted or rejected.
    pub status: DocumentStatus,
    /// Every failed rule, in evaluation order.
    pub reasons: Vec<RejectionReason>,
    /// Uploads left after this one; `None` when unlimited.
    pub attempts_remaining: Option<u32>,
}

fn reason(code: RejectionCode, message: impl Into<String>) -> RejectionReason {
    RejectionReason {
        code,
        message: message.into(),
    }
}

/// Applies every rule and collects all failures, so one review shows them all.
pub fn evaluate(facts: &DocumentFacts, policy: &DocumentPolicy) -> DocumentVerdict {
    let reasons: Vec<RejectionReason> = [
        attempts_rule(facts, policy),
        sides_rule(facts),
        expiry_rule(facts),
        age_rule(facts, policy),
        duplicate_rule(facts),
        integrity_rule(facts),
        person_match_rule(&facts.discrepancies),
        document_match_rule(&facts.discrepancies),
    ]
    .into_iter()
    .flatten()
    .collect();
    let status = if reasons.is_empty() {
        DocumentStatus::Accepted
    } else {
        DocumentStatus::Rejected
    };
    let attempts_remaining =
        (policy.max_attempts != 0).then(|| policy.max_attempts.saturating_sub(facts.attempt));
    DocumentVerdict {
        status,
        reasons,
        attempts_remaining,
    }
}

fn attempts_rule(facts: &DocumentFacts, policy: &DocumentPolicy) -> Option<RejectionReason> {
    (policy.max_attempts != 0 && facts.attempt > policy.max_attempts).then(|| {
        reason(
            RejectionCode::Other,
            format!(
                "attempt {} exceeds the limit of {} uploads",
                facts.attempt, policy.max_attempts
            ),
        )
    })
}

fn sides_rule(facts: &DocumentFacts) -> Option<RejectionReason> {
    let missing: Vec<&str> = facts
        .document_type
        .required_sides()
        .iter()
        .filter(|side| !facts.sides_present.contains(side))
        .map(|side| match side {
            DocumentSide::Front => "front",
            DocumentSide::Back => "back",
        })
        .collect();
    (!missing.is_empty()).then(|| {
        reason(
            RejectionCode::InformationMissing,
            format!("missing side(s): {}", missing.join(", ")),
        )
    })
}

fn expiry_rule(facts: &DocumentFacts) -> Option<RejectionReason> {
    let Some(expiry) = facts.date_of_expiry else {
        return facts.document_type.expiry_required().then(|| {
            reason(
                RejectionCode::ExpiryDateMissing,
                "no expiry date could be read",
            )
        });
    };
    if expiry >= facts.today {
        return None;
    }
    let valid_when_submitted = facts
        .submitted_on
        .is_some_and(|submitted| expiry >= submitted);
    Some(if valid_when_submitted {
        reason(
            RejectionCode::DocumentExpiredAfterSubmission,
            format!("valid when submitted but expired on {expiry}"),
        )
    } else {
        reason(
            RejectionCode::DocumentExpired,
            format!("the document expired on {expiry}"),
        )
    })
}

fn age_rule(facts: &DocumentFacts, policy: &DocumentPolicy) -> Option<RejectionReason> {
    let Some(birth) = facts.date_of_birth else {
        return Some(reason(
            RejectionCode::InformationMissing,
            "no date of birth could be read",
        ));
    };
    if birth > facts.today {
        return Some(reason(
            RejectionCode::DocumentInvalid,
            format!("the date of birth {birth} is in the future"),
        ));
    }
    let age = age_on(birth, facts.today);
    (age < i32::from(policy.min_age)).then(|| {
        reason(
            RejectionCode::Underage,
            format!(
                "the holder is {age}, younger than the minimum age of {}",
                policy.min_age
            ),
        )
    })
}

fn duplicate_rule(facts: &DocumentFacts) -> Option<RejectionReason> {
    let message = match &facts.duplicate {
        DuplicateLookup::NotChecked | DuplicateLookup::NoneFound => return None,
        DuplicateLookup::SameDocumentNumber { other_applicant } => {
            format!("the same document number was submitted by applicant {other_applicant}")
        }
        DuplicateLookup::SameFileHash { other_applicant } => {
            format!("the same file was uploaded by applicant {other_applicant}")
        }
    };
    Some(reason(RejectionCode::DocumentDuplicate, message))
}

fn integrity_rule(facts: &DocumentFacts) -> Option<RejectionReason> {
    (facts.mrz_valid == Some(false)).then(|| {
        reason(
            RejectionCode::DocumentInvalid,
            "the machine-readable zone fails its integrity checks",
        )
    })
}

fn mismatched(discrepancies: &[Discrepancy], fields: &[ComparedField]) -> bool {
    discrepancies
        .iter()
        .any(|d| d.kind == DiscrepancyKind::Mismatch && fields.contains(&d.field))
}

/// Only outright mismatches reject; minor differences are left to review.
fn person_match_rule(discrepancies: &[Discrepancy]) -> Option<RejectionReason> {
    let name = mismatched(
        discrepancies,
        &[ComparedField::Surname, ComparedField::GivenNames],
    );
    let dob = mismatched(discrepancies, &[ComparedField::DateOfBirth]);
    match (name, dob) {
        (true, true) => Some(reason(
            RejectionCode::NameAndDateOfBirthMismatch,
            "name and date of birth differ from the applicant's",
        )),
        (true, false) => Some(reason(
            RejectionCode::NameMismatch,
            "the name differs from the applicant's",
        )),
        (false, true) => Some(reason(
            RejectionCode::DateOfBirthMismatch,
            "the date of birth differs from the applicant's",
        )),
        (false, false) => None,
    }
}

fn document_match_rule(discrepancies: &[Discrepancy]) -> Option<RejectionReason> {
    let fields = [
        ComparedField::DocumentNumber,
        ComparedField::DateOfExpiry,
        ComparedField::Nationality,
    ];
    mismatched(discrepancies, &fields).then(|| {
        reason(
            RejectionCode::DocumentMismatch,
            "document number, expiry or nationality differ from the data given",
        )
    })
}
