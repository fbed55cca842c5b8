//! A KYC document's `documentMatches` and `parsedData` (research §4.7): Rebilly's
//! `{version, score, checkList[{name, failed, score, reason}], data}` built from kycore's
//! checks of the identity document — the MRZ read and its check digits (`parsedData`), and
//! the document held against the applicant's data and the document rules (`documentMatches`:
//! names, date of birth, expiry, minimal age, tampering, the decision).
//!
//! Checks belong to a case, not to one upload: an upload's checks are the first round run
//! after it was uploaded. Only identity documents are analyzed, as at Rebilly; other types,
//! and uploads not analyzed yet, have `null` for both.

use kycore_services::views::{Check, Document};
use serde_json::{Map, Value, json};

/// The representation's version, as Rebilly's current documents give it.
const VERSION: &str = "2.0";

/// The round of checks that analyzed `document`: the first one run after its upload.
fn round_of<'a>(document: &Document, checks: &'a [Check]) -> Vec<&'a Check> {
    let round = checks
        .iter()
        .filter(|c| c.created_at >= document.created_at)
        .map(|c| c.round)
        .min();
    checks.iter().filter(|c| Some(c.round) == round).collect()
}

/// One `checkList` entry: a passed check scores 100, a failed one 0.
fn item(name: &str, failed: bool, reason: Option<String>) -> Value {
    json!({
        "name": name,
        "failed": failed,
        "score": if failed { 0 } else { 100 },
        "reason": reason,
    })
}

/// The share of the list's checks that passed, 0–100.
fn score(list: &[Value]) -> u64 {
    let passed = list
        .iter()
        .filter(|i| i["failed"] == Value::Bool(false))
        .count();
    (passed * 100).checked_div(list.len()).unwrap_or(0) as u64
}

fn representation(list: Vec<Value>, data: Map<String, Value>) -> Value {
    json!({
        "version": VERSION,
        "score": score(&list),
        "checkList": list,
        "data": data,
    })
}

/// What the MRZ said, in Rebilly's `data` keys.
fn parsed_fields(mrz: &Value, document: &Document) -> Map<String, Value> {
    let date = |field: &str| mrz[field]["date"].clone();
    let sex = match mrz["sex"].as_str() {
        Some("male") => json!("M"),
        Some("female") => json!("F"),
        Some(_) => json!("X"),
        None => Value::Null,
    };
    let mut data = Map::new();
    data.insert("isIdentityDocument".into(), json!(true));
    data.insert("containsImage".into(), json!(true));
    data.insert("documentSubtype".into(), json!(document.document_type));
    data.insert("firstName".into(), mrz["given_names"].clone());
    data.insert("lastName".into(), mrz["surname"].clone());
    data.insert("dateOfBirth".into(), date("date_of_birth"));
    data.insert("expirationDate".into(), date("date_of_expiry"));
    data.insert("documentNumber".into(), mrz["document_number"].clone());
    data.insert("nationality".into(), mrz["nationality"]["code"].clone());
    data.insert(
        "issuanceCountry".into(),
        mrz["issuing_state"]["code"].clone(),
    );
    data.insert("sex".into(), sex);
    data
}

/// The check of `kind` in the round, if it ran.
fn find<'a>(round: &[&'a Check], kind: &str) -> Option<&'a Check> {
    round.iter().copied().find(|c| c.kind == kind)
}

/// The document rules' reason codes.
fn reason_codes(rules: Option<&Check>) -> Vec<String> {
    rules
        .and_then(|c| c.result["reasons"].as_array())
        .map(|reasons| {
            reasons
                .iter()
                .filter_map(|r| r["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The entered value that differs from the MRZ's `field`, if one does.
fn discrepancy(matched: Option<&Check>, field: &str) -> Option<String> {
    let found = matched?.result["discrepancies"]
        .as_array()?
        .iter()
        .find(|d| d["field"] == field)?;
    Some(format!(
        "`{}` on the document, `{}` entered ({})",
        found["mrz_value"].as_str().unwrap_or_default(),
        found["entered_value"].as_str().unwrap_or_default(),
        found["kind"].as_str().unwrap_or_default().replace('_', " ")
    ))
}

/// `(documentMatches, parsedData)` of an identity document, once its checks ran.
pub fn of(document: &Document, checks: &[Check]) -> Option<(Value, Value)> {
    let round = round_of(document, checks);
    let integrity = find(&round, "mrz_integrity");
    let rules = find(&round, "document_rules");
    if integrity.is_none() && rules.is_none() {
        return None;
    }
    let mrz = integrity.map_or(Value::Null, |c| c.result.clone());
    let mut data = parsed_fields(&mrz, document);
    let checksum_valid = integrity.map(|c| c.status.as_str() == "passed");
    data.insert("mrzChecksumValid".into(), json!(checksum_valid));

    let mut parsed_list = Vec::new();
    if let Some(integrity) = integrity {
        let failed = checksum_valid != Some(true);
        let reason = failed.then(|| integrity.explanation.clone());
        parsed_list.push(item("mrzChecksum", failed, reason));
    }
    let parsed = representation(parsed_list, data.clone());

    let codes = reason_codes(rules);
    let has = |code: &str| codes.iter().any(|c| c == code);
    let matched = find(&round, "mrz_matches_entered");
    let mut list = vec![item("isIdentityDocument", false, None)];
    for (name, field) in [
        ("firstName", "given_names"),
        ("lastName", "surname"),
        ("dateOfBirth", "date_of_birth"),
    ] {
        let reason = discrepancy(matched, field);
        list.push(item(name, reason.is_some(), reason));
    }
    let expired = has("document_expired") || has("document_expired_after_submission");
    list.push(item(
        "expirationDate",
        expired,
        expired.then(|| "the document has expired".to_owned()),
    ));
    let underage = has("underage");
    data.insert("hasMinimalAge".into(), json!(!underage));
    list.push(item(
        "hasMinimalAge",
        underage,
        underage.then(|| "younger than the flow's minimum age".to_owned()),
    ));
    let tampered = has("document_tampered");
    data.insert("isTampered".into(), json!(tampered));
    list.push(item(
        "isTampered",
        tampered,
        tampered.then(|| "signs of alteration".to_owned()),
    ));
    if let Some(rules) = rules {
        let failed = rules.status.as_str() != "passed";
        list.push(item(
            "decision",
            failed,
            failed.then(|| rules.explanation.clone()),
        ));
    }
    Some((representation(list, data), parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_is_the_share_of_checks_passed() {
        let list = [item("a", false, None), item("b", true, None)];
        assert_eq!(score(&list), 50);
        assert_eq!(score(&[]), 0);
    }
}
