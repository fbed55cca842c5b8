//! What a KYC request asks for beyond a kycore case: its `documents` (type, subtypes,
//! attempts, face proof), `matchLevel` and `reason`. They are validated here against
//! Rebilly's documented enums and ranges, kept in the case's metadata under
//! [`METADATA_KEY`] (kycore has no field of its own for them), and turned into the steps of
//! the hosted flow that gathers them.

use std::collections::BTreeMap;

use kycore_domain::FieldError;
use kycore_domain::flow::Step;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The case metadata key holding a request's settings.
pub const METADATA_KEY: &str = "rebillyKycRequest";

/// Rebilly's five document types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DocumentType {
    #[serde(rename = "identity-proof")]
    Identity,
    #[serde(rename = "address-proof")]
    Address,
    #[serde(rename = "funds-proof")]
    Funds,
    #[serde(rename = "purchase-proof")]
    Purchase,
    #[serde(rename = "credit-file-proof")]
    CreditFile,
}

impl DocumentType {
    const ALL: [DocumentType; 5] = [
        DocumentType::Identity,
        DocumentType::Address,
        DocumentType::Funds,
        DocumentType::Purchase,
        DocumentType::CreditFile,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::Identity => "identity-proof",
            DocumentType::Address => "address-proof",
            DocumentType::Funds => "funds-proof",
            DocumentType::Purchase => "purchase-proof",
            DocumentType::CreditFile => "credit-file-proof",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// Rebilly's document subtypes (its enum also allows `null`).
pub const SUBTYPES: &[&str] = &[
    "passport",
    "id-card",
    "driver-license",
    "birth-certificate",
    "utility-bill",
    "rental-receipt",
    "lease-agreement",
    "copy-credit-card",
    "credit-card-statement",
    "bank-statement",
    "inheritance-documentation",
    "tax-return",
    "salary-slip",
    "sale-of-assets",
    "public-health-card",
    "proof-of-age-card",
    "reverse-of-id",
    "public-service",
    "ewallet-holder-details",
    "ewallet-transaction-statement",
    "marriage-certificate",
    "firearms-license",
    "insurance-letter",
    "income-statement",
    "debtors-letter",
    "other",
];

const DEFAULT_MAX_ATTEMPTS: u32 = 3;
const MAX_ATTEMPTS_LIMIT: u64 = 100;
const DEFAULT_MATCH_LEVEL: u8 = 2;
const MAX_REASON_LEN: usize = 255;

/// One requested document, defaults applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestedDocument {
    #[serde(rename = "type")]
    pub kind: DocumentType,
    pub subtypes: Option<Vec<Option<String>>>,
    /// Uploads allowed; 0 for no limit.
    pub max_attempts: u32,
    pub face_proof_required: bool,
    pub face_liveness_required: bool,
}

/// A request's settings, as kept in the case's metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub documents: Vec<RequestedDocument>,
    pub match_level: u8,
    pub reason: Option<String>,
}

/// Collects every problem of a request body, so one answer lists them all.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            code: "invalid",
            message: message.into(),
        });
    }
}

fn boolean(item: &Map<String, Value>, key: &str, field: &str, problems: &mut Problems) -> bool {
    match item.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(value)) => *value,
        Some(_) => {
            problems.add(field, "must be a boolean");
            false
        }
    }
}

fn subtypes(
    value: Option<&Value>,
    field: &str,
    problems: &mut Problems,
) -> Option<Vec<Option<String>>> {
    let items = match value {
        None | Some(Value::Null) => return None,
        Some(Value::Array(items)) => items,
        Some(_) => {
            problems.add(field, "must be an array");
            return None;
        }
    };
    let mut kept = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::Null => kept.push(None),
            Value::String(s) if SUBTYPES.contains(&s.as_str()) => kept.push(Some(s.clone())),
            _ => problems.add(
                format!("{field}.{i}"),
                format!("must be one of: {}", SUBTYPES.join(", ")),
            ),
        }
    }
    Some(kept)
}

fn document(value: &Value, field: &str, problems: &mut Problems) -> Option<RequestedDocument> {
    let Some(item) = value.as_object() else {
        problems.add(field, "must be an object");
        return None;
    };
    let kind = match item.get("type") {
        Some(Value::String(raw)) => DocumentType::parse(raw),
        _ => None,
    };
    if kind.is_none() {
        let names: Vec<&str> = DocumentType::ALL.iter().map(|t| t.as_str()).collect();
        problems.add(
            format!("{field}.type"),
            format!("is required, one of: {}", names.join(", ")),
        );
    }
    let max_attempts = match item.get("maxAttempts") {
        None | Some(Value::Null) => Some(DEFAULT_MAX_ATTEMPTS),
        Some(value) => value
            .as_u64()
            .filter(|n| *n <= MAX_ATTEMPTS_LIMIT)
            .and_then(|n| u32::try_from(n).ok()),
    };
    if max_attempts.is_none() {
        problems.add(
            format!("{field}.maxAttempts"),
            format!("must be an integer from 0 (unlimited) to {MAX_ATTEMPTS_LIMIT}"),
        );
    }
    // Every member is checked before giving up on the item, so all its problems are named.
    let subtypes = subtypes(item.get("subtypes"), &format!("{field}.subtypes"), problems);
    let face_proof_required = boolean(
        item,
        "faceProofRequired",
        &format!("{field}.faceProofRequired"),
        problems,
    );
    let face_liveness_required = boolean(
        item,
        "faceLivenessRequired",
        &format!("{field}.faceLivenessRequired"),
        problems,
    );
    Some(RequestedDocument {
        kind: kind?,
        subtypes,
        max_attempts: max_attempts?,
        face_proof_required,
        face_liveness_required,
    })
}

/// `documents`: required, at least one, each type at most once.
pub fn documents(value: Option<&Value>, problems: &mut Problems) -> Vec<RequestedDocument> {
    let Some(Value::Array(items)) = value else {
        problems.add(
            "documents",
            "is required: an array of at least one document",
        );
        return Vec::new();
    };
    if items.is_empty() {
        problems.add("documents", "must contain at least one document");
    }
    let mut kept: Vec<RequestedDocument> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("documents.{i}");
        let Some(requested) = document(item, &field, problems) else {
            continue;
        };
        if kept.iter().any(|k| k.kind == requested.kind) {
            problems.add(format!("{field}.type"), "is requested twice");
            continue;
        }
        kept.push(requested);
    }
    kept
}

/// `matchLevel`: 1, 2 or 3, 2 when not given.
pub fn match_level(value: Option<&Value>, problems: &mut Problems) -> u8 {
    match value {
        None | Some(Value::Null) => DEFAULT_MATCH_LEVEL,
        Some(value) => match value.as_u64().and_then(|n| u8::try_from(n).ok()) {
            Some(level @ 1..=3) => level,
            _ => {
                problems.add("matchLevel", "must be 1, 2 or 3");
                DEFAULT_MATCH_LEVEL
            }
        },
    }
}

/// An optional string field of at most `max` characters.
pub fn text(
    body: &Map<String, Value>,
    key: &str,
    max: usize,
    problems: &mut Problems,
) -> Option<String> {
    match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= max => Some(s.clone()),
        Some(_) => {
            problems.add(key, format!("must be a string of at most {max} characters"));
            None
        }
    }
}

/// `reason`: free text, as Rebilly's (`registration`, `spend limit`).
pub fn reason(body: &Map<String, Value>, problems: &mut Problems) -> Option<String> {
    text(body, "reason", MAX_REASON_LEN, problems)
}

impl Settings {
    /// The settings kept in a case's metadata; none for a case made elsewhere.
    pub fn of(metadata: &Map<String, Value>) -> Option<Settings> {
        serde_json::from_value(metadata.get(METADATA_KEY)?.clone()).ok()
    }

    pub fn to_metadata(&self) -> Map<String, Value> {
        let mut metadata = Map::new();
        if let Ok(value) = serde_json::to_value(self) {
            metadata.insert(METADATA_KEY.into(), value);
        }
        metadata
    }

    /// The hosted flow's steps: the identity document (and a selfie when a face proof is
    /// required) and the proof of address, as requested. Rebilly's other types have no step
    /// in kycore's hosted flow yet.
    pub fn steps(&self) -> Vec<Step> {
        let wants = |kind| self.documents.iter().find(|d| d.kind == kind);
        let identity = wants(DocumentType::Identity);
        let mut steps = vec![Step::Consent, Step::PersonalDetails];
        if let Some(identity) = identity {
            steps.push(Step::IdentityDocument);
            if identity.face_proof_required || identity.face_liveness_required {
                steps.push(Step::Selfie);
            }
        }
        if wants(DocumentType::Address).is_some() {
            steps.push(Step::ProofOfAddress);
        }
        steps.push(Step::Review);
        steps
    }

    /// Each requested type's `maxAttempts` at the hosted flow's steps that gather it (an
    /// identity proof's selfie shares its limit); 0 is unlimited, as at Rebilly.
    pub fn step_max_attempts(&self) -> BTreeMap<Step, u32> {
        let mut limits = BTreeMap::new();
        for document in &self.documents {
            let steps: &[Step] = match document.kind {
                DocumentType::Identity => &[Step::IdentityDocument, Step::Selfie],
                DocumentType::Address => &[Step::ProofOfAddress],
                _ => &[],
            };
            for step in steps {
                limits.insert(*step, document.max_attempts);
            }
        }
        limits
    }

    /// The name of the flow gathering these settings' documents: the same settings find the
    /// same flow again.
    pub fn flow_name(&self) -> String {
        let steps: Vec<&str> = self.steps().iter().map(|s| s.as_str()).collect();
        let limits: Vec<String> = self
            .step_max_attempts()
            .iter()
            .map(|(step, limit)| format!("{} {limit}", step.as_str()))
            .collect();
        format!(
            "Rebilly KYC request: {} (max attempts: {})",
            steps.join(", "),
            limits.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_apply_and_every_problem_is_named() {
        let mut problems = Problems::default();
        let docs = documents(Some(&json!([{"type": "identity-proof"}])), &mut problems);
        assert!(problems.0.is_empty());
        assert_eq!(docs[0].max_attempts, 3);
        assert!(!docs[0].face_proof_required);

        let mut problems = Problems::default();
        documents(
            Some(&json!([
                {"type": "selfie", "maxAttempts": 101},
                {"type": "address-proof", "subtypes": ["utility-bill", "nope", null]},
                {"type": "address-proof"}
            ])),
            &mut problems,
        );
        let fields: Vec<&str> = problems.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "documents.0.type",
                "documents.0.maxAttempts",
                "documents.1.subtypes.1",
                "documents.2.type"
            ]
        );
    }

    #[test]
    fn steps_follow_the_requested_documents() {
        let mut problems = Problems::default();
        let requested = documents(
            Some(&json!([
                {"type": "identity-proof", "faceProofRequired": true, "maxAttempts": 2},
                {"type": "address-proof", "maxAttempts": 5}
            ])),
            &mut problems,
        );
        let settings = Settings {
            documents: requested,
            match_level: 2,
            reason: None,
        };
        assert_eq!(
            settings.steps(),
            [
                Step::Consent,
                Step::PersonalDetails,
                Step::IdentityDocument,
                Step::Selfie,
                Step::ProofOfAddress,
                Step::Review
            ]
        );
        assert_eq!(
            settings.step_max_attempts(),
            BTreeMap::from([
                (Step::IdentityDocument, 2),
                (Step::Selfie, 2),
                (Step::ProofOfAddress, 5)
            ])
        );
        assert_eq!(Settings::of(&settings.to_metadata()), Some(settings));
    }
}
