//! `credit-file-proof` (research §4.8): a credit bureau's file as proof of identity, tried
//! before anything is gathered. kycore has no bureau adapter. In the sandbox Rebilly's
//! documented `test-bureau` answers: an `accept` value (on the credit-file-proof entry of
//! `documents`) equal to the customer's first name is a `single-source` file, which fulfils
//! the request at once; anything else cannot be used (`other`), and the customer gathers the
//! other requested documents — or, when nothing else was requested, the request fails. In
//! live a credit file is refused as unavailable, never silently accepted.

use kycore_domain::case::Outcome;
use kycore_domain::tenancy::Environment;
use kycore_services::RequestContext;
use kycore_services::views::Case;
use serde_json::{Map, Value};

use super::Result;
use super::settings::{DocumentType, Problems, RequestedDocument};
use crate::AppState;

const MAX_ACCEPT_LEN: usize = 255;

/// What the bureau found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BureauDecision {
    /// The file alone proves the customer's identity.
    SingleSource,
    /// The file cannot be used for KYC.
    Other,
}

/// The test bureau: `accept` equal to the customer's first name (ignoring case and the
/// spaces around it) is a single-source file.
pub fn test_bureau(accept: Option<&str>, first_name: Option<&str>) -> BureauDecision {
    let normalize = |name: &str| name.trim().to_lowercase();
    match (accept, first_name) {
        (Some(accept), Some(first))
            if !first.trim().is_empty() && normalize(accept) == normalize(first) =>
        {
            BureauDecision::SingleSource
        }
        _ => BureauDecision::Other,
    }
}

/// The `accept` value of a credit-file-proof entry, if one was sent; in live, the entry
/// itself is refused.
pub fn accept_value(
    body: &Map<String, Value>,
    environment: Environment,
    problems: &mut Problems,
) -> Option<String> {
    let items = body.get("documents")?.as_array()?;
    let (index, item) = items.iter().enumerate().find(|(_, item)| {
        item.get("type").and_then(Value::as_str) == Some(DocumentType::CreditFile.as_str())
    })?;
    if environment == Environment::Live {
        problems.add(
            format!("documents.{index}.type"),
            "credit-file-proof is unavailable: no credit bureau is configured",
        );
        return None;
    }
    match item.get("accept") {
        None | Some(Value::Null) => None,
        Some(Value::String(accept)) if accept.chars().count() <= MAX_ACCEPT_LEN => {
            Some(accept.clone())
        }
        Some(_) => {
            problems.add(
                format!("documents.{index}.accept"),
                format!("must be a string of at most {MAX_ACCEPT_LEN} characters"),
            );
            None
        }
    }
}

/// Consults the test bureau for a request that asked for a credit file, and moves its
/// sandbox case as the bureau's answer says: approved on a single-source file, rejected when
/// the credit file was all it asked for. Returns the case as it stands.
pub async fn consult(
    state: &AppState,
    ctx: &RequestContext,
    case: Case,
    requested: &[RequestedDocument],
    accept: Option<&str>,
    first_name: Option<&str>,
) -> Result<Case> {
    if !requested.iter().any(|d| d.kind == DocumentType::CreditFile) {
        return Ok(case);
    }
    let outcome = match test_bureau(accept, first_name) {
        BureauDecision::SingleSource => Outcome::Approved,
        BureauDecision::Other if requested.len() == 1 => Outcome::Rejected,
        BureauDecision::Other => return Ok(case),
    };
    Ok(state
        .services
        .complete_sandbox_case(ctx, &case.id, outcome)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_bureau_accepts_the_customers_first_name_only() {
        assert_eq!(
            test_bureau(Some(" anna "), Some("Anna")),
            BureauDecision::SingleSource
        );
        assert_eq!(
            test_bureau(Some("Maria"), Some("Anna")),
            BureauDecision::Other
        );
        assert_eq!(test_bureau(None, Some("Anna")), BureauDecision::Other);
        assert_eq!(test_bureau(Some("Anna"), None), BureauDecision::Other);
        assert_eq!(test_bureau(Some(""), Some(" ")), BureauDecision::Other);
    }
}
