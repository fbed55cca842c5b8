//! LINK's KYB statuses, mapped from the canonical ones; the same folding serves answers,
//! filters and webhooks.

use kycore_domain::case::CaseStatus;

/// A business customer's verification status as LINK names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    Pending,
    InReview,
    Approved,
    Rejected,
    MoreInfo,
}

impl LinkStatus {
    pub const ALL: [LinkStatus; 5] = [
        LinkStatus::Pending,
        LinkStatus::InReview,
        LinkStatus::Approved,
        LinkStatus::Rejected,
        LinkStatus::MoreInfo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Pending => "pending",
            LinkStatus::InReview => "in_review",
            LinkStatus::Approved => "approved",
            LinkStatus::Rejected => "rejected",
            LinkStatus::MoreInfo => "more_info",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// LINK's `pending` is "link created, not completed": whether or not the business
    /// started, and also once the link ran out, as LINK knows no expiry but the link's
    /// (reading the customer issues a new one). A request for more documents is
    /// `more_info`; submitted and being checked are `in_review`. A case canceled by the
    /// platform ends `rejected`, LINK's only failed end.
    pub fn from_canonical(status: CaseStatus) -> Self {
        match status {
            CaseStatus::Created | CaseStatus::InProgress | CaseStatus::Expired => {
                LinkStatus::Pending
            }
            CaseStatus::ResubmissionRequested => LinkStatus::MoreInfo,
            CaseStatus::Submitted | CaseStatus::Processing | CaseStatus::InReview => {
                LinkStatus::InReview
            }
            CaseStatus::Approved => LinkStatus::Approved,
            CaseStatus::Rejected | CaseStatus::Canceled => LinkStatus::Rejected,
        }
    }

    /// Every canonical status LINK shows as `self`: what a status filter selects.
    pub fn canonical(self) -> Vec<CaseStatus> {
        CaseStatus::ALL
            .into_iter()
            .filter(|s| LinkStatus::from_canonical(*s) == self)
            .collect()
    }

    /// `pending, in_review, …`, for a refusal.
    pub fn names() -> String {
        Self::ALL.map(LinkStatus::as_str).join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_status_has_one_link_status_and_filters_find_it_back() {
        for status in CaseStatus::ALL {
            let link = LinkStatus::from_canonical(status);
            assert!(link.canonical().contains(&status), "{status:?}");
            assert_eq!(LinkStatus::parse(link.as_str()), Some(link));
        }
        for link in LinkStatus::ALL {
            assert!(!link.canonical().is_empty(), "{link:?} is reachable");
        }
        assert_eq!(
            LinkStatus::Pending.canonical(),
            [
                CaseStatus::Created,
                CaseStatus::InProgress,
                CaseStatus::Expired
            ]
        );
        assert_eq!(
            LinkStatus::MoreInfo.canonical(),
            [CaseStatus::ResubmissionRequested]
        );
        assert_eq!(LinkStatus::parse("IN_REVIEW"), None);
        assert_eq!(
            LinkStatus::names(),
            "pending, in_review, approved, rejected, more_info"
        );
    }
}
