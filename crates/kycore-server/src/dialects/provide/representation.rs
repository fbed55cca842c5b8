//! `provider_representation`: the result of kycore's own checks on an application, in the
//! shape of the provider it was sent to, so clients that parse Vouched's job or
//! IdentityMind's transaction keep working. Shown once the application was submitted.
//! Only statuses, scores and kycore's sentences go in: never another applicant's data.

use kycore_domain::case::{CaseStatus, Decision};
use kycore_domain::check::CheckStatus;
use kycore_services::views::{Case, Check};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::status::remediation;

/// The representation for `provider`, or `None` before the application was submitted.
pub fn of(provider: &str, case: &Case, checks: &[Check]) -> Option<Value> {
    let submitted = case.submitted_at?;
    let current: Vec<&Check> = checks.iter().filter(|c| !c.superseded).collect();
    match provider {
        "identitymind" => Some(identitymind(case, &current)),
        _ => Some(vouched(case, &current, submitted)),
    }
}

fn decided(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Approved | CaseStatus::Rejected | CaseStatus::InReview
    )
}

/// What a failing check says, without naming anyone (the duplicate check lists applicants).
fn message(check: &Check) -> String {
    if check.kind == remediation::DUPLICATE_CHECK {
        "The applicant is similar to another application".to_owned()
    } else {
        check.explanation.clone()
    }
}

fn failing(check: &Check) -> bool {
    matches!(check.status, CheckStatus::Failed | CheckStatus::NeedsReview)
}

/// Vouched's error type for a kycore check kind.
fn vouched_error_type(kind: &str) -> &'static str {
    match kind {
        "document" | "mrz" | "document_authenticity" => "InvalidIdPhotoError",
        "selfie" | "liveness" => "InvalidUserPhotoError",
        "face_match" => "FaceMatchError",
        "name_match" => "NameMatchError",
        "birth_date_match" => "BirthDateMatchError",
        remediation::DUPLICATE_CHECK => "DuplicateError",
        _ => "VerificationError",
    }
}

/// A Vouched job (`GET /api/jobs`), without its `request` as Provide strips it.
fn vouched(case: &Case, checks: &[&Check], submitted: time::OffsetDateTime) -> Value {
    let errors: Vec<Value> = checks
        .iter()
        .filter(|c| failing(c))
        .map(|c| {
            json!({
                "message": message(c),
                "suggestion": Value::Null,
                "type": vouched_error_type(&c.kind),
            })
        })
        .collect();
    let score = |kinds: &[&str]| {
        checks
            .iter()
            .find(|c| kinds.contains(&c.kind.as_str()))
            .and_then(|c| c.score)
    };
    json!({
        "errors": errors,
        "id": case.id,
        "result": {
            "confidences": {
                "backId": Value::Null,
                "faceMatch": score(&["face_match"]),
                "id": score(&["document", "mrz"]),
                "idMatch": score(&["name_match"]),
                "selfie": score(&["selfie", "liveness"]),
            },
            "country": Value::Null,
            "dob": Value::Null,
            "errors": Value::Null,
            "firstName": Value::Null,
            "id": Value::Null,
            "lastName": Value::Null,
            "state": Value::Null,
            "success": case.status == CaseStatus::Approved,
            "type": Value::Null,
        },
        "status": if decided(case.status) { "completed" } else { "active" },
        "submitted": submitted.format(&Rfc3339).unwrap_or_default(),
    })
}

/// IdentityMind's state letter and result code for a case.
fn identitymind_state(status: CaseStatus) -> (&'static str, &'static str) {
    match status {
        CaseStatus::Approved => ("A", "ACCEPT"),
        CaseStatus::Rejected => ("D", "DENY"),
        _ => ("R", "MANUAL_REVIEW"),
    }
}

/// The rule that decided, as IdentityMind reports its fired rule.
fn reported_rule(decision: Option<&Decision>, result_code: &str) -> Value {
    let fired = decision.and_then(|d| d.rules.first());
    let reason = decision.and_then(|d| d.reason_code.clone());
    json!({
        "description": fired.map(|r| r.reason_code.clone()).or(reason.clone()),
        "details": reason,
        "name": fired.map(|r| r.name.clone()),
        "resultCode": result_code,
        "ruleId": Value::Null,
        "testResults": [],
    })
}

/// An IdentityMind KYC transaction (`GET /im/account/consumer/{id}`).
fn identitymind(case: &Case, checks: &[&Check]) -> Value {
    let (state, result_code) = identitymind_state(case.status);
    let test = |c: &&Check| {
        json!({
            "details": (c.status == CheckStatus::Passed).to_string(),
            "test": c.kind,
        })
    };
    json!({
        "ednaScoreCard": {
            "er": {
                "profile": "DEFAULT",
                "reportedRule": reported_rule(case.decision.as_ref(), result_code),
            },
            "etr": checks.iter().map(test).collect::<Vec<_>>(),
            "sc": checks.iter().filter(|c| failing(c)).map(test).collect::<Vec<_>>(),
        },
        "mtid": case.id,
        "rcd": "",
        "state": state,
        "tid": case.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identitymind_states_follow_the_decision() {
        assert_eq!(identitymind_state(CaseStatus::Approved).0, "A");
        assert_eq!(identitymind_state(CaseStatus::Rejected).0, "D");
        assert_eq!(identitymind_state(CaseStatus::InReview).0, "R");
        assert_eq!(vouched_error_type("duplicate_applicant"), "DuplicateError");
    }
}
