//! VOVE's KYB statuses, mapped from the canonical ones. VOVE has five; kycore's ten fold onto
//! them, and the folding is the same for answers, filters and webhooks.

use kycore_domain::case::{CaseStatus, Decision};

/// A KYB case's status as VOVE names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoveStatus {
    NotStarted,
    InProgress,
    InReview,
    Completed,
    Rejected,
}

impl VoveStatus {
    pub const ALL: [VoveStatus; 5] = [
        VoveStatus::NotStarted,
        VoveStatus::InProgress,
        VoveStatus::InReview,
        VoveStatus::Completed,
        VoveStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VoveStatus::NotStarted => "NOT_STARTED",
            VoveStatus::InProgress => "IN_PROGRESS",
            VoveStatus::InReview => "IN_REVIEW",
            VoveStatus::Completed => "COMPLETED",
            VoveStatus::Rejected => "REJECTED",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The canonical status a case has while VOVE shows it as `from`: a request for more
    /// documents puts the business back to work (IN_PROGRESS); submitted and being checked
    /// are both in review to VOVE; an expired or canceled case ends REJECTED, as VOVE has no
    /// other end.
    pub fn from_canonical(status: CaseStatus) -> Self {
        match status {
            CaseStatus::Created => VoveStatus::NotStarted,
            CaseStatus::InProgress | CaseStatus::ResubmissionRequested => VoveStatus::InProgress,
            CaseStatus::Submitted | CaseStatus::Processing | CaseStatus::InReview => {
                VoveStatus::InReview
            }
            CaseStatus::Approved => VoveStatus::Completed,
            CaseStatus::Rejected | CaseStatus::Expired | CaseStatus::Canceled => {
                VoveStatus::Rejected
            }
        }
    }

    /// Every canonical status VOVE shows as `self`: what a status filter selects.
    pub fn canonical(self) -> Vec<CaseStatus> {
        CaseStatus::ALL
            .into_iter()
            .filter(|s| VoveStatus::from_canonical(*s) == self)
            .collect()
    }
}

/// Why a case VOVE shows as REJECTED ended so, in VOVE's style (`DOCUMENT_MISMATCH`): the
/// decision's reason code in capitals, else what ended it.
pub fn rejection_reason(status: CaseStatus, decision: Option<&Decision>) -> Option<String> {
    match status {
        CaseStatus::Rejected => Some(
            decision
                .and_then(|d| d.reason_code.as_deref())
                .unwrap_or("rejected")
                .to_ascii_uppercase()
                .replace(['.', '-'], "_"),
        ),
        CaseStatus::Expired => Some("EXPIRED".to_owned()),
        CaseStatus::Canceled => Some("CANCELED".to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_status_has_one_vove_status_and_filters_find_it_back() {
        for status in CaseStatus::ALL {
            let vove = VoveStatus::from_canonical(status);
            assert!(vove.canonical().contains(&status));
            assert_eq!(VoveStatus::parse(vove.as_str()), Some(vove));
        }
        assert_eq!(
            VoveStatus::InReview.canonical(),
            [
                CaseStatus::Submitted,
                CaseStatus::Processing,
                CaseStatus::InReview
            ]
        );
        assert_eq!(VoveStatus::parse("in_review"), None);
    }

    #[test]
    fn only_ended_cases_carry_a_reason() {
        assert_eq!(rejection_reason(CaseStatus::InReview, None), None);
        assert_eq!(
            rejection_reason(CaseStatus::Expired, None).as_deref(),
            Some("EXPIRED")
        );
        assert_eq!(
            rejection_reason(CaseStatus::Rejected, None).as_deref(),
            Some("REJECTED")
        );
    }
}
