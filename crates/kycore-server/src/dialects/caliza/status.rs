//! Caliza's statuses, mapped from the canonical ones: a verification session's (the case's)
//! PENDING / PROCESSING / SUCCEEDED / FAILED, and a beneficiary's PENDING / APPROVED / FAILED,
//! which is what its newest case says.

use kycore_domain::case::CaseStatus;

/// A verification session's status.
pub fn session(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Created | CaseStatus::InProgress | CaseStatus::ResubmissionRequested => {
            "PENDING"
        }
        CaseStatus::Submitted | CaseStatus::Processing | CaseStatus::InReview => "PROCESSING",
        CaseStatus::Approved => "SUCCEEDED",
        CaseStatus::Rejected | CaseStatus::Expired | CaseStatus::Canceled => "FAILED",
    }
}

/// A beneficiary's status, given its newest case's: approved once a case was approved,
/// failed once one was rejected, pending otherwise — also after a session expired or was
/// canceled, since a new one may be started.
pub fn beneficiary(newest_case: Option<CaseStatus>) -> &'static str {
    match newest_case {
        Some(CaseStatus::Approved) => "APPROVED",
        Some(CaseStatus::Rejected) => "FAILED",
        _ => "PENDING",
    }
}

/// The webhook a case's move to `status` sends, if any, and whether it reports success.
pub fn operation(status: CaseStatus) -> Option<(&'static str, bool)> {
    match status {
        CaseStatus::Approved => Some(("BENEFICIARY_APPROVED", true)),
        CaseStatus::Rejected => Some(("BENEFICIARY_FAILED", false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_beneficiaries_follow_the_case() {
        let sessions: Vec<&str> = CaseStatus::ALL.into_iter().map(session).collect();
        assert_eq!(
            sessions,
            [
                "PENDING",
                "PENDING",
                "PROCESSING",
                "PROCESSING",
                "PROCESSING",
                "PENDING",
                "SUCCEEDED",
                "FAILED",
                "FAILED",
                "FAILED"
            ]
        );
        assert_eq!(beneficiary(None), "PENDING");
        assert_eq!(beneficiary(Some(CaseStatus::Expired)), "PENDING");
        assert_eq!(beneficiary(Some(CaseStatus::Approved)), "APPROVED");
        assert_eq!(beneficiary(Some(CaseStatus::Rejected)), "FAILED");
        assert_eq!(operation(CaseStatus::InReview), None);
        assert_eq!(
            operation(CaseStatus::Rejected),
            Some(("BENEFICIARY_FAILED", false))
        );
    }
}
