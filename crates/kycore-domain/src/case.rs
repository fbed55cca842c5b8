//! Cases and the canonical case state machine.
//!
//! `transition` is the single place that decides which status changes are legal; services,
//! dialects and the sandbox all go through it, so no layer can invent a state or a shortcut.
//!
//! ```text
//! created ──► in_progress ──► submitted ──► processing ──► approved | rejected
//!    │             ▲                             └──► in_review ──► approved | rejected
//!    │             └──── resubmission_requested ◄──────┘   (also from processing)
//!    └──► expired (link lifetime passed before submission)   canceled (any non-final)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Created,
    InProgress,
    Submitted,
    Processing,
    InReview,
    ResubmissionRequested,
    Approved,
    Rejected,
    Expired,
    Canceled,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 10] = [
        CaseStatus::Created,
        CaseStatus::InProgress,
        CaseStatus::Submitted,
        CaseStatus::Processing,
        CaseStatus::InReview,
        CaseStatus::ResubmissionRequested,
        CaseStatus::Approved,
        CaseStatus::Rejected,
        CaseStatus::Expired,
        CaseStatus::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Created => "created",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Submitted => "submitted",
            CaseStatus::Processing => "processing",
            CaseStatus::InReview => "in_review",
            CaseStatus::ResubmissionRequested => "resubmission_requested",
            CaseStatus::Approved => "approved",
            CaseStatus::Rejected => "rejected",
            CaseStatus::Expired => "expired",
            CaseStatus::Canceled => "canceled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Final statuses accept no further change except an analyst's explicit re-decision.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseStatus::Approved
                | CaseStatus::Rejected
                | CaseStatus::Expired
                | CaseStatus::Canceled
        )
    }

    /// Statuses in which the applicant may still use the hosted link to enter data.
    pub fn awaits_applicant(self) -> bool {
        matches!(
            self,
            CaseStatus::Created | CaseStatus::InProgress | CaseStatus::ResubmissionRequested
        )
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Kyc,
    Kyb,
}

impl CaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Kyc => "kyc",
            CaseKind::Kyb => "kyb",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "kyc" => Some(CaseKind::Kyc),
            "kyb" => Some(CaseKind::Kyb),
            _ => None,
        }
    }
}

/// What the checks and rules concluded for a processed case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    Rejected,
    InReview,
    ResubmissionRequested,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Approved,
        Outcome::Rejected,
        Outcome::InReview,
        Outcome::ResubmissionRequested,
    ];

    fn status(self) -> CaseStatus {
        match self {
            Outcome::Approved => CaseStatus::Approved,
            Outcome::Rejected => CaseStatus::Rejected,
            Outcome::InReview => CaseStatus::InReview,
            Outcome::ResubmissionRequested => CaseStatus::ResubmissionRequested,
        }
    }
}

/// A person's decision on a case (an analyst, or the platform through the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManualDecision {
    Approve,
    Reject,
    RequestResubmission,
}

impl ManualDecision {
    pub const ALL: [ManualDecision; 3] = [
        ManualDecision::Approve,
        ManualDecision::Reject,
        ManualDecision::RequestResubmission,
    ];

    fn status(self) -> CaseStatus {
        match self {
            ManualDecision::Approve => CaseStatus::Approved,
            ManualDecision::Reject => CaseStatus::Rejected,
            ManualDecision::RequestResubmission => CaseStatus::ResubmissionRequested,
        }
    }
}

/// Everything that can happen to a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseAction {
    /// The applicant opened the hosted link (first time, or after a resubmission request).
    OpenLink,
    /// The applicant finished entering data.
    Submit,
    /// A worker started the checks.
    StartProcessing,
    /// Checks and rules produced an outcome.
    Complete(Outcome),
    /// A person decided. From a final status this is a re-decision (approved ↔ rejected).
    Decide(ManualDecision),
    /// The link lifetime passed before submission.
    Expire,
    /// The platform withdrew the case.
    Cancel,
}

impl CaseAction {
    pub const ALL: [CaseAction; 12] = [
        CaseAction::OpenLink,
        CaseAction::Submit,
        CaseAction::StartProcessing,
        CaseAction::Complete(Outcome::Approved),
        CaseAction::Complete(Outcome::Rejected),
        CaseAction::Complete(Outcome::InReview),
        CaseAction::Complete(Outcome::ResubmissionRequested),
        CaseAction::Decide(ManualDecision::Approve),
        CaseAction::Decide(ManualDecision::Reject),
        CaseAction::Decide(ManualDecision::RequestResubmission),
        CaseAction::Expire,
        CaseAction::Cancel,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CaseAction::OpenLink => "open_link",
            CaseAction::Submit => "submit",
            CaseAction::StartProcessing => "start_processing",
            CaseAction::Complete(_) => "complete",
            CaseAction::Decide(_) => "decide",
            CaseAction::Expire => "expire",
            CaseAction::Cancel => "cancel",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a case that is {from} cannot {}", action.name().replace('_', " "))]
pub struct TransitionError {
    pub from: CaseStatus,
    pub action: CaseAction,
}

/// The case state machine: the status `action` leads to from `from`, or why it cannot.
pub fn transition(from: CaseStatus, action: CaseAction) -> Result<CaseStatus, TransitionError> {
    use CaseStatus as S;
    let refused = TransitionError { from, action };
    let to = match (from, action) {
        (S::Created | S::ResubmissionRequested, CaseAction::OpenLink) => S::InProgress,
        (S::InProgress, CaseAction::Submit) => S::Submitted,
        (S::Submitted, CaseAction::StartProcessing) => S::Processing,
        (S::Processing, CaseAction::Complete(outcome)) => outcome.status(),
        (S::Submitted | S::Processing | S::InReview, CaseAction::Decide(decision)) => {
            decision.status()
        }
        // A person may close a case that waits for the applicant's new documents without
        // them: reject it (they never came), or approve it (verified otherwise). Asking again
        // is not a change.
        (
            S::ResubmissionRequested,
            CaseAction::Decide(decision @ (ManualDecision::Approve | ManualDecision::Reject)),
        ) => decision.status(),
        // Re-deciding a final decision is allowed only between approval and rejection.
        (S::Approved, CaseAction::Decide(ManualDecision::Reject)) => S::Rejected,
        (S::Rejected, CaseAction::Decide(ManualDecision::Approve)) => S::Approved,
        (S::Created | S::InProgress, CaseAction::Expire) => S::Expired,
        (status, CaseAction::Cancel) if !status.is_final() => S::Canceled,
        _ => return Err(refused),
    };
    Ok(to)
}

/// The actions that take a case from `from` to `outcome` the way a real applicant and the
/// checks would; the sandbox replays them so simulated cases emit the same events.
pub fn path_to_outcome(
    from: CaseStatus,
    outcome: Outcome,
) -> Result<Vec<CaseAction>, TransitionError> {
    use CaseStatus as S;
    let complete = CaseAction::Complete(outcome);
    let prefix: &[CaseAction] = match from {
        S::Created | S::ResubmissionRequested => &[
            CaseAction::OpenLink,
            CaseAction::Submit,
            CaseAction::StartProcessing,
        ],
        S::InProgress => &[CaseAction::Submit, CaseAction::StartProcessing],
        S::Submitted => &[CaseAction::StartProcessing],
        S::Processing => &[],
        S::InReview => {
            let decision = match outcome {
                Outcome::Approved => ManualDecision::Approve,
                Outcome::Rejected => ManualDecision::Reject,
                Outcome::ResubmissionRequested => ManualDecision::RequestResubmission,
                Outcome::InReview => {
                    return Err(TransitionError {
                        from,
                        action: complete,
                    });
                }
            };
            return Ok(vec![CaseAction::Decide(decision)]);
        }
        S::Approved | S::Rejected | S::Expired | S::Canceled => {
            return Err(TransitionError {
                from,
                action: complete,
            });
        }
    };
    let mut actions = prefix.to_vec();
    actions.push(complete);
    Ok(actions)
}

/// A recorded decision: who or what decided, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    /// `rules`, `api`, `analyst` or `sandbox`.
    pub decided_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub decided_at: time::OffsetDateTime,
    /// For a resubmission request: the steps the applicant redoes (the rest is kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resubmission_steps: Vec<crate::flow::Step>,
    /// Every rule that fired when the rules decided, in order; the first one decided.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<crate::rules::FiredRule>,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use CaseStatus as S;

    /// The whole table, written out independently of `transition`'s match arms.
    fn expected(from: CaseStatus, action: CaseAction) -> Option<CaseStatus> {
        use CaseAction as A;
        use ManualDecision as D;
        match action {
            A::OpenLink => {
                matches!(from, S::Created | S::ResubmissionRequested).then_some(S::InProgress)
            }
            A::Submit => (from == S::InProgress).then_some(S::Submitted),
            A::StartProcessing => (from == S::Submitted).then_some(S::Processing),
            A::Complete(o) => (from == S::Processing).then_some(match o {
                Outcome::Approved => S::Approved,
                Outcome::Rejected => S::Rejected,
                Outcome::InReview => S::InReview,
                Outcome::ResubmissionRequested => S::ResubmissionRequested,
            }),
            A::Decide(d) => {
                let target = match d {
                    D::Approve => S::Approved,
                    D::Reject => S::Rejected,
                    D::RequestResubmission => S::ResubmissionRequested,
                };
                match from {
                    S::Submitted | S::Processing | S::InReview => Some(target),
                    S::ResubmissionRequested if d != D::RequestResubmission => Some(target),
                    S::Approved if d == D::Reject => Some(S::Rejected),
                    S::Rejected if d == D::Approve => Some(S::Approved),
                    _ => None,
                }
            }
            A::Expire => matches!(from, S::Created | S::InProgress).then_some(S::Expired),
            A::Cancel => (!matches!(from, S::Approved | S::Rejected | S::Expired | S::Canceled))
                .then_some(S::Canceled),
        }
    }

    #[test]
    fn every_status_and_action_matches_the_table() {
        let mut checked = 0;
        for from in CaseStatus::ALL {
            for action in CaseAction::ALL {
                let got = transition(from, action).ok();
                assert_eq!(got, expected(from, action), "{from} × {action:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 120);
    }

    #[test]
    fn final_statuses_only_allow_the_approve_reject_redecision() {
        for from in CaseStatus::ALL.into_iter().filter(|s| s.is_final()) {
            for action in CaseAction::ALL {
                if let Ok(to) = transition(from, action) {
                    assert!(matches!(
                        (from, to),
                        (S::Approved, S::Rejected) | (S::Rejected, S::Approved)
                    ));
                }
            }
        }
    }

    #[test]
    fn a_person_may_close_a_case_waiting_for_resubmission() {
        use ManualDecision as D;
        let from = S::ResubmissionRequested;
        assert_eq!(
            transition(from, CaseAction::Decide(D::Approve)),
            Ok(S::Approved)
        );
        assert_eq!(
            transition(from, CaseAction::Decide(D::Reject)),
            Ok(S::Rejected)
        );
        assert!(transition(from, CaseAction::Decide(D::RequestResubmission)).is_err());
    }

    #[test]
    fn status_names_round_trip() {
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }

    #[test]
    fn sandbox_paths_reach_every_outcome_from_every_open_status() {
        for from in CaseStatus::ALL {
            for outcome in Outcome::ALL {
                let Ok(path) = path_to_outcome(from, outcome) else {
                    assert!(
                        from.is_final() || (from == S::InReview && outcome == Outcome::InReview)
                    );
                    continue;
                };
                let end = path
                    .iter()
                    .try_fold(from, |s, a| transition(s, *a))
                    .unwrap();
                assert_eq!(end, outcome.status(), "{from} → {outcome:?}");
            }
        }
    }

    fn any_action() -> impl Strategy<Value = CaseAction> {
        proptest::sample::select(CaseAction::ALL.to_vec())
    }

    proptest! {
        /// Whatever happens, a case never leaves a final status except by re-decision, and a
        /// refused action leaves the status as it was.
        #[test]
        fn random_histories_respect_the_invariants(actions in proptest::collection::vec(any_action(), 0..40)) {
            let mut status = S::Created;
            let mut revision = 1u64;
            for action in actions {
                match transition(status, action) {
                    Ok(next) => {
                        if status.is_final() {
                            prop_assert!(matches!(action, CaseAction::Decide(_)));
                            prop_assert!(matches!(next, S::Approved | S::Rejected));
                        }
                        prop_assert_ne!(next, S::Created);
                        status = next;
                        revision += 1;
                    }
                    Err(e) => prop_assert_eq!(e.from, status),
                }
            }
            prop_assert!(revision >= 1);
        }

        /// Expired and canceled are absorbing.
        #[test]
        fn expired_and_canceled_absorb(actions in proptest::collection::vec(any_action(), 1..20)) {
            for start in [S::Expired, S::Canceled] {
                for action in &actions {
                    prop_assert!(transition(start, *action).is_err());
                }
            }
        }
    }
}
