//! Check verdicts and the default decision policy that turns them into an outcome.
//!
//! Flows will carry their own rules; until a flow says otherwise, `default_outcome` decides:
//! any failed check rejects, anything a machine cannot settle goes to a person, and only a
//! case whose every check passed (or did not apply) is approved.

use serde::{Deserialize, Serialize};

use crate::case::Outcome;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Passed,
    Failed,
    NeedsReview,
    NotApplicable,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Passed => "passed",
            CheckStatus::Failed => "failed",
            CheckStatus::NeedsReview => "needs_review",
            CheckStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            CheckStatus::Passed,
            CheckStatus::Failed,
            CheckStatus::NeedsReview,
            CheckStatus::NotApplicable,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// The outcome and its reason code, from the checks' kinds and statuses.
pub fn default_outcome<'a>(
    checks: impl IntoIterator<Item = (&'a str, CheckStatus)>,
) -> (Outcome, String) {
    let mut review = None;
    for (kind, status) in checks {
        match status {
            CheckStatus::Failed => return (Outcome::Rejected, format!("{kind}_failed")),
            CheckStatus::NeedsReview => review = review.or(Some(format!("{kind}_needs_review"))),
            CheckStatus::Passed | CheckStatus::NotApplicable => {}
        }
    }
    match review {
        Some(reason) => (Outcome::InReview, reason),
        None => (Outcome::Approved, "all_checks_passed".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_rejects_a_doubt_reviews_and_otherwise_approves() {
        use CheckStatus::*;
        assert_eq!(
            default_outcome([("email", Passed), ("phone", NotApplicable)]).0,
            Outcome::Approved
        );
        assert_eq!(
            default_outcome([("email", NeedsReview), ("lei", Failed)]),
            (Outcome::Rejected, "lei_failed".into())
        );
        assert_eq!(
            default_outcome([("phone", NeedsReview), ("email", Passed)]),
            (Outcome::InReview, "phone_needs_review".into())
        );
        assert_eq!(default_outcome([]).0, Outcome::Approved);
        for s in [Passed, Failed, NeedsReview, NotApplicable] {
            assert_eq!(CheckStatus::parse(s.as_str()), Some(s));
        }
    }
}
