//! The sandbox provider: documented magic values that force each outcome through the real
//! path (checks, rules, decision, events), so integrators can test every branch without a
//! real document. It runs only for sandbox cases and looks at the applicant's last name (or a
//! business's legal name); see the README's sandbox table.

use futures_util::future::BoxFuture;
use kycore_domain::case::CaseKind;
use kycore_domain::check::CheckStatus;
use kycore_domain::flow::Step;
use kycore_domain::tenancy::Environment;
use serde_json::json;

use super::{CaseFacts, CheckOutcome, Provider, ProviderError};

pub struct SandboxProvider;

/// A magic value and what it forces.
struct Magic {
    value: &'static str,
    status: CheckStatus,
    /// Whether the applicant may fix it by redoing the details step.
    fixable: bool,
}

const MAGIC: [Magic; 4] = [
    Magic {
        value: "sandbox-reject",
        status: CheckStatus::Failed,
        fixable: false,
    },
    Magic {
        value: "sandbox-review",
        status: CheckStatus::NeedsReview,
        fixable: false,
    },
    Magic {
        value: "sandbox-resubmit",
        status: CheckStatus::Failed,
        fixable: true,
    },
    Magic {
        value: FACE_MISMATCH,
        status: CheckStatus::Failed,
        fixable: false,
    },
];

/// Forces a `face_match` check that finds the selfie unlike the portrait, as the real one
/// reports it, so the face mismatch rule and its facts can be tried without photos.
const FACE_MISMATCH: &str = "sandbox-face-mismatch";
/// The distance the forced mismatch reports: well past the threshold.
const FORCED_FACE_DISTANCE: f64 = 0.93;

impl Provider for SandboxProvider {
    fn id(&self) -> &'static str {
        "sandbox"
    }

    fn run<'a>(
        &'a self,
        facts: &'a CaseFacts,
    ) -> BoxFuture<'a, Result<Vec<CheckOutcome>, ProviderError>> {
        let outcome = (facts.environment == Environment::Sandbox)
            .then(|| magic_of(facts))
            .flatten()
            .map(|magic| forced(facts.kind, magic));
        Box::pin(async move { Ok(outcome.into_iter().collect()) })
    }
}

fn magic_of(facts: &CaseFacts) -> Option<&'static Magic> {
    let name = match facts.kind {
        CaseKind::Kyc => facts.profile.individual.as_ref()?.last_name.as_deref()?,
        CaseKind::Kyb => facts.profile.business.as_ref()?.legal_name.as_deref()?,
    };
    let name = name.trim().to_ascii_lowercase();
    MAGIC.iter().find(|m| m.value == name)
}

fn forced(kind: CaseKind, magic: &Magic) -> CheckOutcome {
    if magic.value == FACE_MISMATCH {
        return forced_face_mismatch();
    }
    let details_step = match kind {
        CaseKind::Kyc => Step::PersonalDetails,
        CaseKind::Kyb => Step::CompanyDetails,
    };
    let result = json!({ "magic_value": magic.value, "forced_status": magic.status });
    let explanation = format!(
        "Sandbox magic value `{}` forces this check to `{}`.",
        magic.value,
        magic.status.as_str()
    );
    let mut outcome = CheckOutcome::new("sandbox", magic.status, result, explanation);
    if magic.fixable {
        outcome.redo = vec![details_step];
    }
    outcome
}

fn forced_face_mismatch() -> CheckOutcome {
    let threshold = kycore_checks::reading::FACE_MATCH_THRESHOLD;
    let result = json!({
        "magic_value": FACE_MISMATCH,
        "distance": FORCED_FACE_DISTANCE,
        "threshold": threshold,
        "match": false,
        "liveness": { "kind": "none" },
    });
    let explanation = format!(
        "Sandbox magic value `{FACE_MISMATCH}` forces the selfie not to match the portrait (distance {FORCED_FACE_DISTANCE}, threshold {threshold})."
    );
    CheckOutcome::new("face_match", CheckStatus::Failed, result, explanation)
}
