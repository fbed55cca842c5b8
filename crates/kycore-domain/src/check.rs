//! Check verdicts. What a verdict leads to is the flow's rules' business (`rules`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Passed,
    Failed,
    NeedsReview,
    NotApplicable,
    /// The check could not run on this deployment (an engine or its model is not
    /// installed). Never a pass.
    NotAvailable,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Passed => "passed",
            CheckStatus::Failed => "failed",
            CheckStatus::NeedsReview => "needs_review",
            CheckStatus::NotApplicable => "not_applicable",
            CheckStatus::NotAvailable => "not_available",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            CheckStatus::Passed,
            CheckStatus::Failed,
            CheckStatus::NeedsReview,
            CheckStatus::NotApplicable,
            CheckStatus::NotAvailable,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [
            CheckStatus::Passed,
            CheckStatus::Failed,
            CheckStatus::NeedsReview,
            CheckStatus::NotApplicable,
            CheckStatus::NotAvailable,
        ] {
            assert_eq!(CheckStatus::parse(s.as_str()), Some(s));
        }
    }
}
