//! The decision of a processed case: the facts object the flow's rules read, the rules'
//! evaluation, and the sample facts a flow's rules are validated against when it is created.
//!
//! The facts object is an API: its keys and shapes are documented in the README ("Rules and
//! facts"), every key is always present (an unknown value is `null`), and every known check
//! kind appears under `checks` (`not_run` when it did not run), so a rule never stumbles on a
//! missing key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use kycore_checks::checks::CheckKind;
use kycore_checks::rules::{self, CompiledRule};
use kycore_domain::applicant::{ApplicantProfile, RelatedPersonRole, parse_date};
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::check::CheckStatus;
use kycore_domain::flow::{FlowDefinition, Step};
use kycore_domain::rules::{FiredRule, RuleDefinition, RuleOutcome, RuledDecision, decide};
use kycore_domain::tenancy::Environment;
use kycore_domain::validation::ValidationErrors;
use serde_json::{Map, Value, json};
use time::Date;

use crate::providers::{CheckOutcome, SubmittedDocument};

/// Check kinds kycore itself produces beyond the checks engine's.
const SERVICE_CHECK_KINDS: [&str; 3] = ["duplicate_applicant", "screening", "sandbox"];
/// Compiled rules kept; past this the cache starts over (flows are few, rules short).
const RULE_CACHE_LIMIT: usize = 1000;

/// What the screening of a case found, as the rules see it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ScreeningSummary {
    pub open_hits: usize,
    pub max_score: f64,
    pub lists: Vec<String>,
}

/// A business's related person as the rules see it, with the status of their own KYC case
/// (`None` when none was started).
#[derive(Clone, Debug)]
pub(crate) struct RelatedPersonFact {
    pub id: Option<String>,
    pub role: RelatedPersonRole,
    pub case_id: Option<String>,
    pub case_status: Option<CaseStatus>,
}

/// Everything a case's facts are built from.
pub(crate) struct FactsInput<'a> {
    pub kind: CaseKind,
    pub environment: Environment,
    pub flow_id: &'a str,
    pub flow_steps: &'a [Step],
    pub profile: &'a ApplicantProfile,
    pub today: Date,
    pub documents: &'a [SubmittedDocument],
    pub checks: &'a [CheckOutcome],
    pub screening: &'a ScreeningSummary,
    pub similar_applicants: &'a [String],
    pub related_persons: &'a [RelatedPersonFact],
}

/// The facts object the rules read.
pub(crate) fn facts(input: &FactsInput<'_>) -> Value {
    json!({
        "case": {
            "kind": input.kind.as_str(),
            "environment": input.environment.as_str(),
            "flow_id": input.flow_id,
        },
        "applicant": applicant_facts(input.profile, input.today),
        "documents": input.documents.iter().map(|d| json!({
            "type": d.document_type, "side": d.side, "attempt": d.attempt, "has_mrz": d.mrz.is_some(),
        })).collect::<Vec<_>>(),
        "document": document_facts(input.checks),
        "face": face_facts(input.checks),
        "liveness": { "kind": last_check(input.checks, CheckKind::FaceMatch)
            .and_then(|c| c.result["liveness"]["kind"].as_str())
            .unwrap_or("none") },
        "checks": check_facts(input.checks),
        "failed_checks": kinds_with(input.checks, CheckStatus::Failed),
        "review_checks": kinds_with(input.checks, CheckStatus::NeedsReview),
        "screening": {
            "open_hits": input.screening.open_hits,
            "max_score": input.screening.max_score,
            "lists": input.screening.lists,
        },
        "duplicates": { "applicant_ids": input.similar_applicants },
        "resubmission": { "steps": fixable_steps(input.checks, input.flow_steps) },
        "related_persons": input.related_persons.iter().map(|p| json!({
            "id": p.id, "role": p.role, "case_id": p.case_id,
            "case_status": p.case_status.map(CaseStatus::as_str),
        })).collect::<Vec<_>>(),
    })
}

fn applicant_facts(profile: &ApplicantProfile, today: Date) -> Value {
    if let Some(b) = &profile.business {
        return json!({
            "type": "business",
            "country": b.country,
            "nationality": null,
            "age": null,
            "related_persons": profile.related_persons.len(),
        });
    }
    let p = profile.individual.as_ref();
    let country = p.and_then(|p| {
        p.address
            .as_ref()
            .and_then(|a| a.country.clone())
            .or_else(|| p.nationality.clone())
    });
    let age = p
        .and_then(|p| p.date_of_birth.as_deref())
        .and_then(parse_date)
        .map(|dob| completed_years(dob, today));
    json!({
        "type": "individual",
        "country": country,
        "nationality": p.and_then(|p| p.nationality.clone()),
        "age": age,
        "related_persons": profile.related_persons.len(),
    })
}

fn completed_years(born: Date, today: Date) -> i32 {
    let had_birthday = (today.month(), today.day()) >= (born.month(), born.day());
    today.year() - born.year() - i32::from(!had_birthday)
}

/// The identity document's verdict, from the document rules check.
fn document_facts(checks: &[CheckOutcome]) -> Value {
    let zone = last_check(checks, CheckKind::MrzOcr);
    let mrz_read = zone.map_or(Value::Null, |c| c.result["read"].clone());
    let mrz_confidence = zone.map_or(Value::Null, |c| c.result["confidence"].clone());
    let Some(check) = checks
        .iter()
        .find(|c| c.kind == CheckKind::DocumentRules.name())
    else {
        return json!({
            "status": "none", "reasons": [], "attempts_left": -1,
            "mrz_read": mrz_read, "mrz_confidence": mrz_confidence,
        });
    };
    let status = match check.status {
        CheckStatus::Passed => "accepted",
        CheckStatus::Failed => "rejected",
        CheckStatus::NeedsReview | CheckStatus::NotApplicable | CheckStatus::NotAvailable => "none",
    };
    let reasons: Vec<&Value> = check
        .result
        .get("reasons")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(|r| r.get("code")).collect())
        .unwrap_or_default();
    let attempts_left = check
        .result
        .get("attempts_remaining")
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    json!({
        "status": status, "reasons": reasons, "attempts_left": attempts_left,
        "mrz_read": mrz_read, "mrz_confidence": mrz_confidence,
    })
}

/// The selfie against the portrait: the distance and the match, `null` when not compared.
fn face_facts(checks: &[CheckOutcome]) -> Value {
    let face = last_check(checks, CheckKind::FaceMatch);
    json!({
        "distance": face.map_or(Value::Null, |c| c.result["distance"].clone()),
        "match": face.map_or(Value::Null, |c| c.result["match"].clone()),
    })
}

/// The last outcome of a kind: a later provider's (the sandbox's) wins, as in `checks`.
fn last_check(checks: &[CheckOutcome], kind: CheckKind) -> Option<&CheckOutcome> {
    checks.iter().rfind(|c| c.kind == kind.name())
}

/// Every known check kind, with its status and score (the last run of that kind wins).
fn check_facts(checks: &[CheckOutcome]) -> Value {
    let mut map: Map<String, Value> = known_check_kinds()
        .map(|kind| {
            (
                kind.to_owned(),
                json!({ "status": "not_run", "score": null }),
            )
        })
        .collect();
    for check in checks {
        map.insert(
            check.kind.clone(),
            json!({ "status": check.status.as_str(), "score": check.score }),
        );
    }
    Value::Object(map)
}

fn known_check_kinds() -> impl Iterator<Item = &'static str> {
    CheckKind::ALL
        .into_iter()
        .map(CheckKind::name)
        .chain(SERVICE_CHECK_KINDS)
}

fn kinds_with(checks: &[CheckOutcome], status: CheckStatus) -> Vec<&str> {
    checks
        .iter()
        .filter(|c| c.status == status)
        .map(|c| c.kind.as_str())
        .collect()
}

/// The flow's steps that some check says redoing would fix, in the flow's order.
fn fixable_steps(checks: &[CheckOutcome], flow_steps: &[Step]) -> Vec<Step> {
    flow_steps
        .iter()
        .copied()
        .filter(|step| checks.iter().any(|c| c.redo.contains(step)))
        .collect()
}

/// A facts object with every key, for checking a rule before any case exists.
fn sample_facts() -> Value {
    let checks: Vec<CheckOutcome> = known_check_kinds()
        .map(|kind| CheckOutcome {
            score: Some(1.0),
            ..CheckOutcome::new(kind, CheckStatus::Passed, json!({}), String::new())
        })
        .collect();
    let mut sample = facts(&FactsInput {
        kind: CaseKind::Kyc,
        environment: Environment::Sandbox,
        flow_id: "flow_sample",
        flow_steps: &[],
        profile: &ApplicantProfile::default(),
        today: Date::MIN,
        documents: &[SubmittedDocument {
            document_type: "passport".into(),
            side: "front".into(),
            subtype: None,
            attempt: 1,
            mrz: None,
            details: None,
            reading: None,
        }],
        checks: &checks,
        screening: &ScreeningSummary {
            open_hits: 1,
            max_score: 0.9,
            lists: vec!["us_ofac_sdn".into()],
        },
        similar_applicants: &["app_sample".to_owned()],
        related_persons: &[RelatedPersonFact {
            id: Some("rp_sample".into()),
            role: RelatedPersonRole::Ubo,
            case_id: Some("case_sample".into()),
            case_status: Some(CaseStatus::Approved),
        }],
    });
    // Typed like a real case's values, so a type error in a rule shows now.
    sample["applicant"] = json!({
        "type": "individual", "country": "GB", "nationality": "GB", "age": 30, "related_persons": 0,
    });
    sample["document"] = json!({
        "status": "rejected", "reasons": ["document_expired"], "attempts_left": 2,
        "mrz_read": true, "mrz_confidence": 0.9,
    });
    sample["face"] = json!({ "distance": 0.45, "match": true });
    sample["liveness"] = json!({ "kind": "heuristic" });
    sample["resubmission"] = json!({ "steps": ["identity_document"] });
    sample
}

/// Compiles a flow's own rules against the sample facts; each broken one is a field error.
pub(crate) fn validate_flow_rules(definition: &FlowDefinition) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let sample = sample_facts();
    for (i, rule) in definition.rules.iter().flatten().enumerate() {
        if let Err(e) = rules::validate(&rule.when, &sample) {
            errors.add(format!("rules[{i}].when"), e.code(), e.to_string());
        }
    }
    errors.into_result()
}

/// Compiled rules by expression, so a case does not re-parse its flow's rules.
#[derive(Default)]
pub(crate) struct RuleCache(Mutex<HashMap<String, Arc<CompiledRule>>>);

impl RuleCache {
    fn compiled(&self, expression: &str, facts: &Value) -> Result<Arc<CompiledRule>, String> {
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(rule) = cache.get(expression) {
            return Ok(Arc::clone(rule));
        }
        let names = rules::fact_names(facts);
        let rule = Arc::new(rules::compile(expression, &names).map_err(|e| e.to_string())?);
        if cache.len() >= RULE_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(expression.to_owned(), Arc::clone(&rule));
        Ok(rule)
    }

    /// Runs every rule over `facts`; returns the decision and every rule that fired. A rule
    /// that cannot be evaluated counts as fired with `review`, its error recorded.
    pub(crate) fn decide(
        &self,
        rules: &[RuleDefinition],
        facts: &Value,
    ) -> (RuledDecision, Vec<FiredRule>) {
        let mut fired: Vec<(FiredRule, &RuleDefinition)> = Vec::new();
        let converted = rules::Facts::new(facts).map_err(|e| e.to_string());
        for rule in rules {
            let evaluation = converted
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|converted| {
                    self.compiled(&rule.when, facts).and_then(|compiled| {
                        compiled.evaluate(converted).map_err(|e| e.to_string())
                    })
                });
            let record = |outcome, inputs, error| FiredRule {
                name: rule.name.clone(),
                outcome,
                reason_code: rule.reason_code.clone(),
                inputs,
                error,
            };
            match evaluation {
                Ok(e) if e.fired => {
                    fired.push((
                        record(rule.outcome, e.inputs.into_iter().collect(), None),
                        rule,
                    ));
                }
                Ok(_) => {}
                Err(error) => {
                    fired.push((record(RuleOutcome::Review, Map::new(), Some(error)), rule));
                }
            }
        }
        let fixable: Vec<Step> = facts["resubmission"]["steps"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .filter_map(|s| serde_json::from_value(s.clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        let decision = decide(&fired, &fixable);
        (decision, fired.into_iter().map(|(f, _)| f).collect())
    }
}

#[cfg(test)]
mod tests {
    use kycore_domain::rules::default_rules;

    use super::*;

    #[test]
    fn the_default_rules_are_valid_on_the_sample() {
        let sample = sample_facts();
        for rule in default_rules() {
            rules::validate(&rule.when, &sample).unwrap();
        }
    }

    #[test]
    fn a_rule_that_errors_at_run_time_sends_the_case_to_review() {
        let rule = RuleDefinition {
            name: "age".into(),
            when: "applicant.age < 18".into(),
            outcome: RuleOutcome::Reject,
            reason_code: "underage".into(),
            steps: Vec::new(),
        };
        let mut facts = sample_facts();
        facts["applicant"]["age"] = Value::Null;
        let (decision, fired) = RuleCache::default().decide(&[rule], &facts);
        assert_eq!(decision.outcome, kycore_domain::case::Outcome::InReview);
        assert!(fired[0].error.is_some());
    }

    #[test]
    fn the_document_fact_names_the_rejection_codes_of_the_document_rules() {
        let check = CheckOutcome::new(
            CheckKind::DocumentRules.name(),
            CheckStatus::Failed,
            json!({
                "status": "rejected",
                "reasons": [
                    {"code": "document_expired", "message": "expired"},
                    {"code": "underage", "message": "too young"},
                ],
                "attempts_remaining": 1,
            }),
            "rejected".into(),
        );
        let zone = CheckOutcome::new(
            CheckKind::MrzOcr.name(),
            CheckStatus::Passed,
            json!({ "read": true, "confidence": 0.87 }),
            "read".into(),
        );
        assert_eq!(
            document_facts(&[check, zone]),
            json!({
                "status": "rejected", "reasons": ["document_expired", "underage"],
                "attempts_left": 1, "mrz_read": true, "mrz_confidence": 0.87,
            })
        );
    }

    #[test]
    fn the_face_facts_come_from_the_last_face_match() {
        let face = |distance: f64, matched: bool| {
            CheckOutcome::new(
                CheckKind::FaceMatch.name(),
                CheckStatus::Passed,
                json!({ "distance": distance, "match": matched, "liveness": { "kind": "heuristic" } }),
                String::new(),
            )
        };
        assert_eq!(
            face_facts(&[face(0.4, true), face(0.93, false)]),
            json!({ "distance": 0.93, "match": false })
        );
        assert_eq!(face_facts(&[]), json!({ "distance": null, "match": null }));
    }
}
