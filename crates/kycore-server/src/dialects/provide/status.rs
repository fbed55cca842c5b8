//! Provide's seven statuses, mapped from the canonical ones, and what an Application's
//! `PUT {"status"}` may change. The mapping is the same for answers, list filters and
//! webhooks.

use kycore_domain::case::{CaseAction, CaseStatus, ManualDecision, transition};

/// A KYC application's status as Provide names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvideStatus {
    Pending,
    Submitted,
    Review,
    Remediate,
    Accepted,
    Rejected,
    Failed,
}

impl ProvideStatus {
    pub const ALL: [ProvideStatus; 7] = [
        ProvideStatus::Pending,
        ProvideStatus::Submitted,
        ProvideStatus::Review,
        ProvideStatus::Remediate,
        ProvideStatus::Accepted,
        ProvideStatus::Rejected,
        ProvideStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProvideStatus::Pending => "pending",
            ProvideStatus::Submitted => "submitted",
            ProvideStatus::Review => "review",
            ProvideStatus::Remediate => "remediate",
            ProvideStatus::Accepted => "accepted",
            ProvideStatus::Rejected => "rejected",
            ProvideStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The status of a case in `status`; `similar` says its checks found other applicants
    /// like this one (kycore's duplicate-applicant check), which Provide calls remediation.
    /// Waiting for the applicant is Provide's `pending` (not yet submitted); being checked is
    /// `submitted`; a request for more documents needs remediation too; a case that expired
    /// or was canceled never reached a decision, which is Provide's `failed`.
    pub fn of(status: CaseStatus, similar: bool) -> Self {
        match status {
            CaseStatus::Created | CaseStatus::InProgress => ProvideStatus::Pending,
            CaseStatus::Submitted | CaseStatus::Processing => ProvideStatus::Submitted,
            CaseStatus::InReview if similar => ProvideStatus::Remediate,
            CaseStatus::InReview => ProvideStatus::Review,
            CaseStatus::ResubmissionRequested => ProvideStatus::Remediate,
            CaseStatus::Approved => ProvideStatus::Accepted,
            CaseStatus::Rejected => ProvideStatus::Rejected,
            CaseStatus::Expired | CaseStatus::Canceled => ProvideStatus::Failed,
        }
    }

    /// Every canonical status a filter by `self` selects. A case in review shows as `review`
    /// or `remediate` depending on its checks, so both filters select it.
    pub fn canonical(self) -> Vec<CaseStatus> {
        CaseStatus::ALL
            .into_iter()
            .filter(|s| ProvideStatus::of(*s, false) == self || ProvideStatus::of(*s, true) == self)
            .collect()
    }
}

/// Provide's transition matrix for an Application's `PUT`: it accepts, rejects or sends back
/// to review an application that was submitted, and may re-decide one; it never sets
/// `pending`, `submitted`, `failed` or `remediate`, nor moves one out of `pending` or
/// `failed`.
pub fn put_allowed(from: ProvideStatus, to: ProvideStatus) -> bool {
    use ProvideStatus as P;
    matches!(to, P::Accepted | P::Rejected | P::Review)
        && matches!(
            from,
            P::Submitted | P::Review | P::Remediate | P::Accepted | P::Rejected
        )
}

/// What an allowed `PUT` does to a case in `status`: nothing (it already is there), or a
/// person's decision, which kycore's machine (`case::transition`) accepts or refuses. `None`
/// for a move back to review from anything but review: kycore's machine has no way back
/// from a decision (approved and rejected are final), nor from waiting for the applicant's
/// new documents into review without them.
pub fn put_change(status: CaseStatus, to: ProvideStatus) -> Option<Option<ManualDecision>> {
    use CaseStatus as S;
    let decision = match to {
        ProvideStatus::Review => return (status == S::InReview).then_some(None),
        ProvideStatus::Accepted if status == S::Approved => return Some(None),
        ProvideStatus::Rejected if status == S::Rejected => return Some(None),
        ProvideStatus::Accepted => ManualDecision::Approve,
        ProvideStatus::Rejected => ManualDecision::Reject,
        _ => return None,
    };
    transition(status, CaseAction::Decide(decision))
        .is_ok()
        .then_some(Some(decision))
}

/// kycore's signal for Provide's `remediate`.
pub mod remediation {
    use kycore_domain::check::CheckStatus;
    use kycore_services::views::Check;

    /// The check that compares an applicant with the environment's others.
    pub const DUPLICATE_CHECK: &str = "duplicate_applicant";

    /// Whether `check` (of the case's latest round) found look-alike applicants. Reads the
    /// check's kind and status only, which webhooks see too (not its result).
    pub fn flags(check: &Check) -> bool {
        check.kind == DUPLICATE_CHECK
            && !check.superseded
            && check.status == CheckStatus::NeedsReview
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_status_has_one_provide_status_and_filters_find_it_back() {
        for status in CaseStatus::ALL {
            for similar in [false, true] {
                let provide = ProvideStatus::of(status, similar);
                assert!(provide.canonical().contains(&status), "{status:?}");
                assert_eq!(ProvideStatus::parse(provide.as_str()), Some(provide));
            }
        }
        assert_eq!(
            ProvideStatus::of(CaseStatus::InReview, true),
            ProvideStatus::Remediate
        );
        assert_eq!(
            ProvideStatus::of(CaseStatus::InReview, false),
            ProvideStatus::Review
        );
        assert_eq!(
            ProvideStatus::Remediate.canonical(),
            [CaseStatus::InReview, CaseStatus::ResubmissionRequested]
        );
        assert_eq!(ProvideStatus::parse("Accepted"), None);
    }

    #[test]
    fn the_put_matrix_is_the_research_files() {
        use ProvideStatus as P;
        let allowed_from = [
            P::Submitted,
            P::Review,
            P::Remediate,
            P::Accepted,
            P::Rejected,
        ];
        for from in P::ALL {
            for to in P::ALL {
                let expected = allowed_from.contains(&from)
                    && [P::Accepted, P::Rejected, P::Review].contains(&to);
                assert_eq!(put_allowed(from, to), expected, "{from:?} → {to:?}");
            }
        }
    }

    /// Every change a `PUT` makes is one the canonical machine allows, and leaves the case
    /// showing the status asked for.
    #[test]
    fn put_changes_follow_the_canonical_machine() {
        for status in CaseStatus::ALL {
            for to in ProvideStatus::ALL {
                let Some(change) = put_change(status, to) else {
                    continue;
                };
                let after = match change {
                    None => status,
                    Some(decision) => transition(status, CaseAction::Decide(decision))
                        .unwrap_or_else(|e| panic!("{status:?} → {to:?}: {e}")),
                };
                assert_eq!(ProvideStatus::of(after, false), to, "{status:?} → {to:?}");
            }
        }
        assert_eq!(
            put_change(CaseStatus::Approved, ProvideStatus::Review),
            None
        );
        assert_eq!(
            put_change(CaseStatus::ResubmissionRequested, ProvideStatus::Accepted),
            Some(Some(ManualDecision::Approve))
        );
        assert_eq!(
            put_change(CaseStatus::ResubmissionRequested, ProvideStatus::Review),
            None
        );
        assert_eq!(
            put_change(CaseStatus::Submitted, ProvideStatus::Accepted),
            Some(Some(ManualDecision::Approve))
        );
    }
}
