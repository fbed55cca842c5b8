//! `kycore_checks::rules`: the flows' decision rules (CEL), compiled and evaluated.
//!
//! Input: the rule's source text, then optionally (after a 0x1E separator) a JSON facts
//! object to evaluate it on; without one (or when it is not a JSON object) the facts are
//! a case's, shaped as the README's "facts object" table says.
//!
//! Beyond "no panic":
//! - `compile` refuses an empty rule or one over `MAX_EXPRESSION_BYTES` with `Length`;
//! - compiling and evaluating are deterministic;
//! - every input an evaluation reports is a path under one of the facts' top-level names;
//! - `validate` accepts exactly the rules that compile and give true or false on the sample.
//!
//! Known open issue (being fixed in the product): some short rules take very long to
//! evaluate. Run this target with a small `-max_len` and a `-timeout`, and report the
//! slow inputs libFuzzer saves rather than working around them here.
#![no_main]

use std::sync::OnceLock;

use kycore_checks::rules::{self, Facts, MAX_EXPRESSION_BYTES, RuleError};
use kycore_fuzz::{fields, text};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// A case's facts with every key present, as the decision service builds them.
fn case_facts() -> &'static Value {
    static FACTS: OnceLock<Value> = OnceLock::new();
    FACTS.get_or_init(|| {
        json!({
            "case": {"kind": "kyc", "environment": "sandbox", "flow_id": "flw_1"},
            "applicant": {"type": "individual", "country": "SE", "nationality": "SE",
                          "age": 41, "related_persons": 0},
            "documents": [{"type": "passport", "side": "front", "attempt": 1, "has_mrz": true}],
            "document": {"status": "rejected", "reasons": ["document_expired"], "attempts_left": -1},
            "checks": {"mrz_integrity": {"status": "passed", "score": 1.0},
                       "lei": {"status": "not_run", "score": null},
                       "screening": {"status": "needs_review", "score": 0.82}},
            "failed_checks": ["document_rules"],
            "review_checks": ["screening"],
            "screening": {"open_hits": 1, "max_score": 0.82, "lists": ["us_ofac_sdn"]},
            "duplicates": {"applicant_ids": []},
            "resubmission": {"steps": ["identity_document"]},
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let parts = fields(data);
    let source = text(parts[0]);
    let own_facts = parts
        .get(1)
        .and_then(|raw| serde_json::from_slice::<Value>(raw).ok())
        .filter(Value::is_object);
    let facts_json = own_facts.as_ref().unwrap_or_else(|| case_facts());
    let names = rules::fact_names(facts_json);

    let compiled = rules::compile(&source, &names);
    if source.trim().is_empty() || source.len() > MAX_EXPRESSION_BYTES {
        assert!(matches!(compiled, Err(RuleError::Length)), "{source:?}");
    }
    let again = rules::compile(&source, &names);
    assert_eq!(
        compiled.as_ref().err(),
        again.as_ref().err(),
        "compile is not deterministic"
    );

    let validated = rules::validate(&source, facts_json);
    let (Ok(rule), Ok(facts)) = (compiled, Facts::new(facts_json)) else {
        assert!(validated.is_err(), "validate accepted what compile refused");
        return;
    };
    let evaluation = rule.evaluate(&facts);
    assert_eq!(
        evaluation,
        rule.evaluate(&facts),
        "evaluate is not deterministic"
    );
    assert_eq!(
        evaluation.is_ok(),
        validated.is_ok(),
        "validate disagrees with compile + evaluate: {evaluation:?}"
    );
    if let Ok(evaluation) = evaluation {
        for path in evaluation.inputs.keys() {
            let root = path.split('.').next().unwrap_or_default();
            assert!(names.contains(&root), "{path} is not under a fact");
        }
    }
});
