//! Decision rules: what a flow's rule is, the built-in rules, and how fired rules become a
//! decision.
//!
//! A rule is a condition (a CEL expression over the case's facts, evaluated by the checks
//! engine), an outcome and a reason code. Rules are tried in order and the first that fires
//! decides; the ones after it are still evaluated and recorded, so a reviewer sees every
//! concern. When none fires the case is approved.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::case::Outcome;
use crate::flow::Step;
use crate::validation::ValidationErrors;

const MAX_RULES: usize = 50;
const MAX_CODE_LEN: usize = 64;

/// What a fired rule asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOutcome {
    Approve,
    Review,
    /// A review whose approval needs two different people's (four eyes), whatever the
    /// flow says.
    ReviewFourEyes,
    Reject,
    RequestResubmission,
}

impl RuleOutcome {
    pub fn outcome(self) -> Outcome {
        match self {
            RuleOutcome::Approve => Outcome::Approved,
            RuleOutcome::Review | RuleOutcome::ReviewFourEyes => Outcome::InReview,
            RuleOutcome::Reject => Outcome::Rejected,
            RuleOutcome::RequestResubmission => Outcome::ResubmissionRequested,
        }
    }
}

/// One rule of a flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDefinition {
    /// `[a-z0-9_]`, unique in the flow.
    pub name: String,
    /// A CEL expression over the facts that gives true or false.
    pub when: String,
    pub outcome: RuleOutcome,
    /// Recorded as the decision's reason when this rule decides.
    pub reason_code: String,
    /// For `request_resubmission`: the steps to redo. When empty, the steps the checks found
    /// fixable (`resubmission.steps` in the facts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

fn is_code(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= MAX_CODE_LEN
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl RuleDefinition {
    /// Checks everything but the expression, which the checks engine compiles.
    pub fn normalize_and_validate(
        &mut self,
        field: &str,
        flow_steps: &[Step],
        errors: &mut ValidationErrors,
    ) {
        // Codes are taken as sent (no trimming), so the API's pattern for them is exact.
        for (key, value) in [("name", &self.name), ("reason_code", &self.reason_code)] {
            if !is_code(value) {
                errors.add(
                    format!("{field}.{key}"),
                    "invalid_format",
                    format!("lower-case letters, digits and `_`, up to {MAX_CODE_LEN}"),
                );
            }
        }
        if self.outcome != RuleOutcome::RequestResubmission && !self.steps.is_empty() {
            errors.add(
                format!("{field}.steps"),
                "steps_without_resubmission",
                "only a `request_resubmission` rule names steps",
            );
        }
        for (i, step) in self.steps.iter().enumerate() {
            if !flow_steps.contains(step) || *step == Step::Review {
                errors.add(
                    format!("{field}.steps[{i}]"),
                    "step_not_in_flow",
                    format!(
                        "`{}` is not a step the applicant can redo in this flow",
                        step.as_str()
                    ),
                );
            }
        }
    }
}

/// Checks the rule list as a whole (each rule's own fields are checked with the flow).
pub fn validate_rule_list(rules: &[RuleDefinition], errors: &mut ValidationErrors) {
    if rules.len() > MAX_RULES {
        errors.add(
            "rules",
            "too_many_rules",
            format!("at most {MAX_RULES} rules"),
        );
    }
    for (i, rule) in rules.iter().enumerate() {
        if rules[..i].iter().any(|r| r.name == rule.name) {
            errors.add(
                format!("rules[{i}].name"),
                "duplicate_rule",
                format!("another rule is named `{}`", rule.name),
            );
        }
    }
}

fn rule(name: &str, when: &str, outcome: RuleOutcome, reason_code: &str) -> RuleDefinition {
    RuleDefinition {
        name: name.to_owned(),
        when: when.to_owned(),
        outcome,
        reason_code: reason_code.to_owned(),
        steps: Vec::new(),
    }
}

/// The built-in policy, for both kinds of case: a business whose owner or director was
/// rejected is rejected, and one whose owner or director never finished goes to a person; a
/// possible sanctions match, a look-alike applicant or a selfie that does not match the
/// document's portrait goes to a person; a document whose MRZ cannot be read from its photo,
/// and whatever else the applicant can fix, is asked again; any other failed check rejects; any doubt goes to a person.
pub fn default_rules() -> Vec<RuleDefinition> {
    use RuleOutcome::*;
    vec![
        rule(
            "related_person_rejected",
            "related_persons.exists(p, p.case_status == \"rejected\")",
            Reject,
            "related_person_rejected",
        ),
        rule(
            "related_person_not_verified",
            "related_persons.exists(p, p.case_status in [\"expired\", \"canceled\"])",
            Review,
            "related_person_not_verified",
        ),
        rule(
            "screening_hit",
            "screening.open_hits > 0",
            Review,
            "screening_hit",
        ),
        rule(
            "duplicate_applicant",
            "size(duplicates.applicant_ids) > 0",
            Review,
            "duplicate_applicant",
        ),
        rule(
            "face_mismatch",
            "face.match == false",
            Review,
            "face_mismatch",
        ),
        RuleDefinition {
            steps: vec![Step::IdentityDocument],
            ..rule(
                "document_unreadable",
                "document.mrz_read == false && checks.mrz_ocr.status == \"failed\"",
                RequestResubmission,
                "document_unreadable",
            )
        },
        rule(
            "fixable_by_applicant",
            "size(resubmission.steps) > 0",
            RequestResubmission,
            "resubmission_needed",
        ),
        rule(
            "check_failed",
            "size(failed_checks) > 0",
            Reject,
            "check_failed",
        ),
        rule(
            "check_needs_review",
            "size(review_checks) > 0",
            Review,
            "check_needs_review",
        ),
    ]
}

/// One rule that fired, with the facts it read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FiredRule {
    pub name: String,
    pub outcome: RuleOutcome,
    pub reason_code: String,
    /// Each fact the rule read (dotted path) and its value.
    pub inputs: Map<String, Value>,
    /// A rule that could not be evaluated on this case (`error` says why) counts as fired
    /// with the outcome `review`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The decision the fired rules make.
#[derive(Clone, Debug, PartialEq)]
pub struct RuledDecision {
    pub outcome: Outcome,
    pub reason_code: String,
    /// For a resubmission: the steps to redo.
    pub steps: Vec<Step>,
}

/// The first fired rule decides; `fixable` are the steps the checks found the applicant
/// could redo, used by a resubmission rule that names none.
pub fn decide(fired: &[(FiredRule, &RuleDefinition)], fixable: &[Step]) -> RuledDecision {
    let Some((first, definition)) = fired.first() else {
        return RuledDecision {
            outcome: Outcome::Approved,
            reason_code: "no_rule_fired".to_owned(),
            steps: Vec::new(),
        };
    };
    let mut outcome = first.outcome.outcome();
    let mut steps = Vec::new();
    if outcome == Outcome::ResubmissionRequested {
        steps = if definition.steps.is_empty() {
            fixable.to_vec()
        } else {
            definition.steps.clone()
        };
        // Nothing to redo means nothing the applicant can do: a person decides.
        if steps.is_empty() {
            outcome = Outcome::InReview;
        }
    }
    RuledDecision {
        outcome,
        reason_code: first.reason_code.clone(),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fired(definition: &RuleDefinition) -> FiredRule {
        FiredRule {
            name: definition.name.clone(),
            outcome: definition.outcome,
            reason_code: definition.reason_code.clone(),
            inputs: Map::new(),
            error: None,
        }
    }

    #[test]
    fn the_first_fired_rule_decides_and_none_approves() {
        let rules = default_rules();
        let named = |name: &str| {
            let rule = rules
                .iter()
                .find(|r| r.name == name)
                .expect("a built-in rule");
            (fired(rule), rule)
        };
        assert_eq!(decide(&[], &[]).outcome, Outcome::Approved);
        let review = decide(
            &[named("screening_hit"), named("fixable_by_applicant")],
            &[],
        );
        assert_eq!(
            (review.outcome, review.reason_code.as_str()),
            (Outcome::InReview, "screening_hit")
        );
        let redo = decide(&[named("fixable_by_applicant")], &[Step::IdentityDocument]);
        assert_eq!(redo.outcome, Outcome::ResubmissionRequested);
        assert_eq!(redo.steps, [Step::IdentityDocument]);
        assert_eq!(
            decide(&[named("fixable_by_applicant")], &[]).outcome,
            Outcome::InReview
        );
        // An unreadable document asks for its own step again, whatever the checks offer.
        let unreadable = decide(&[named("document_unreadable")], &[]);
        assert_eq!(unreadable.outcome, Outcome::ResubmissionRequested);
        assert_eq!(unreadable.steps, [Step::IdentityDocument]);
        let mismatch = decide(&[named("face_mismatch"), named("document_unreadable")], &[]);
        assert_eq!(
            (mismatch.outcome, mismatch.reason_code.as_str()),
            (Outcome::InReview, "face_mismatch")
        );
    }

    #[test]
    fn rule_fields_are_checked() {
        let mut bad = rule("Bad Name", "true", RuleOutcome::Reject, "ok");
        bad.steps = vec![Step::Selfie, Step::Review];
        let mut errors = ValidationErrors::default();
        bad.normalize_and_validate("rules[0]", &[Step::Consent, Step::Review], &mut errors);
        let codes: Vec<_> = errors.into_vec().iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                "invalid_format",
                "steps_without_resubmission",
                "step_not_in_flow",
                "step_not_in_flow"
            ]
        );
        let mut errors = ValidationErrors::default();
        let twice = [
            rule("a", "true", RuleOutcome::Review, "a"),
            rule("a", "true", RuleOutcome::Review, "a"),
        ];
        validate_rule_list(&twice, &mut errors);
        assert_eq!(errors.into_vec()[0].code, "duplicate_rule");
    }
}
