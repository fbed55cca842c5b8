//! Every check's outcome in the one shape the server stores and shows:
//! a kind, a status, an optional score, a machine-readable result and a
//! sentence for the reviewer. [`run_case`] runs all native checks of a case.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::Date;

use crate::document::{
    self, DocumentFacts, DocumentPolicy, DocumentSide, DocumentType, DocumentVerdict,
    DuplicateLookup,
};
use crate::mrz::{
    self, CheckDigitStatus, Discrepancy, DiscrepancyKind, EnteredData, MrzError, ParsedMrz,
};
use crate::validate::{IdentifierKind, ValidationOutcome, ValidationRequest, validate_on};

/// Which check produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// MRZ structure, check digits and code rules.
    MrzIntegrity,
    /// MRZ against the data the applicant entered.
    MrzMatchesEntered,
    /// MRZ against the applicant's stored record.
    MrzMatchesRecord,
    /// Document rules (expiry, age, sides, attempts, duplicates, matches).
    DocumentRules,
    /// LEI.
    Lei,
    /// IBAN.
    Iban,
    /// VAT number.
    Vat,
    /// Company number.
    CompanyNumber,
    /// US EIN.
    Ein,
    /// Phone number.
    Phone,
    /// E-mail address.
    Email,
    /// Country code.
    Country,
    /// The MRZ read from the document's photo.
    MrzOcr,
    /// A North American licence's PDF417 barcode against the entered data.
    Barcode,
    /// The selfie's face against the document's portrait.
    FaceMatch,
}

impl CheckKind {
    /// Every kind, for whoever needs the full list (the rules' facts).
    pub const ALL: [CheckKind; 15] = [
        Self::MrzIntegrity,
        Self::MrzMatchesEntered,
        Self::MrzMatchesRecord,
        Self::DocumentRules,
        Self::Lei,
        Self::Iban,
        Self::Vat,
        Self::CompanyNumber,
        Self::Ein,
        Self::Phone,
        Self::Email,
        Self::Country,
        Self::MrzOcr,
        Self::Barcode,
        Self::FaceMatch,
    ];

    /// The stored name (as serialized).
    pub fn name(self) -> &'static str {
        match self {
            Self::MrzIntegrity => "mrz_integrity",
            Self::MrzMatchesEntered => "mrz_matches_entered",
            Self::MrzMatchesRecord => "mrz_matches_record",
            Self::DocumentRules => "document_rules",
            Self::Lei => "lei",
            Self::Iban => "iban",
            Self::Vat => "vat",
            Self::CompanyNumber => "company_number",
            Self::Ein => "ein",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Country => "country",
            Self::MrzOcr => "mrz_ocr",
            Self::Barcode => "barcode",
            Self::FaceMatch => "face_match",
        }
    }
}

impl From<IdentifierKind> for CheckKind {
    fn from(kind: IdentifierKind) -> Self {
        match kind {
            IdentifierKind::Mrz => Self::MrzIntegrity,
            IdentifierKind::Lei => Self::Lei,
            IdentifierKind::Iban => Self::Iban,
            IdentifierKind::Vat => Self::Vat,
            IdentifierKind::CompanyNumber => Self::CompanyNumber,
            IdentifierKind::Ein => Self::Ein,
            IdentifierKind::Phone => Self::Phone,
            IdentifierKind::Email => Self::Email,
            IdentifierKind::Country => Self::Country,
        }
    }
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// The check passed.
    Passed,
    /// The check failed.
    Failed,
    /// The machine cannot decide; a human should look.
    NeedsReview,
    /// Nothing to check (for example no MRZ on the document).
    NotApplicable,
    /// The check could not run here (its engine or model is not installed); never a pass.
    NotAvailable,
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    /// Which check.
    pub kind: CheckKind,
    /// Its verdict.
    pub status: CheckStatus,
    /// A confidence in `0..=1` where the check has one.
    pub score: Option<f64>,
    /// Machine-readable detail.
    pub result: Value,
    /// One sentence a reviewer can read.
    pub explanation: String,
}

impl CheckResult {
    pub(crate) fn new(
        kind: CheckKind,
        status: CheckStatus,
        score: Option<f64>,
        result: Value,
        explanation: String,
    ) -> Self {
        Self {
            kind,
            status,
            score,
            result,
            explanation,
        }
    }

    /// A check that had nothing to work on.
    pub fn not_applicable(kind: CheckKind, explanation: impl Into<String>) -> Self {
        Self::new(
            kind,
            CheckStatus::NotApplicable,
            None,
            json!({}),
            explanation.into(),
        )
    }
}

/// MRZ integrity: a refuted check digit or an unparseable zone fails; other
/// rule findings (unknown code, digits in a name…) need review. The score is
/// the share of printed check digits that verify.
pub fn mrz_integrity(parsed: &Result<ParsedMrz, MrzError>) -> CheckResult {
    let kind = CheckKind::MrzIntegrity;
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let result = json!({ "error": error.to_check_error() });
            return CheckResult::new(
                kind,
                CheckStatus::Failed,
                Some(0.0),
                result,
                format!("The MRZ could not be read: {error}."),
            );
        }
    };
    let printed: Vec<CheckDigitStatus> = parsed
        .check_digits
        .iter()
        .map(|(_, status)| status)
        .filter(|status| *status != CheckDigitStatus::NotPrinted)
        .collect();
    let verified = printed
        .iter()
        .filter(|s| **s == CheckDigitStatus::Verified)
        .count();
    let score = (!printed.is_empty()).then(|| verified as f64 / printed.len() as f64);
    let result = serde_json::to_value(parsed).unwrap_or_else(|_| json!({}));
    let (status, explanation) = if parsed.is_valid() {
        let text = format!(
            "The {} MRZ is well formed and all {} printed check digits verify.",
            parsed.format.as_str(),
            printed.len()
        );
        (CheckStatus::Passed, text)
    } else if !parsed.check_digits.all_verified() {
        let text = format!(
            "{} of {} printed check digits do not verify: {}.",
            printed.len() - verified,
            printed.len(),
            issue_list(parsed)
        );
        (CheckStatus::Failed, text)
    } else {
        (
            CheckStatus::NeedsReview,
            format!("The check digits verify but: {}.", issue_list(parsed)),
        )
    };
    CheckResult::new(kind, status, score, result, explanation)
}

fn issue_list(parsed: &ParsedMrz) -> String {
    parsed
        .issues
        .iter()
        .map(|issue| issue.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Comparison of the MRZ with one data source: any mismatch fails, minor
/// differences and unreadable MRZ values need review. The score is the
/// lowest name similarity, when a name differed.
pub fn mrz_match(kind: CheckKind, discrepancies: &[Discrepancy]) -> CheckResult {
    let result = json!({ "discrepancies": discrepancies });
    let lowest_similarity = discrepancies
        .iter()
        .filter_map(|d| d.similarity)
        .reduce(f64::min);
    let has = |kind: DiscrepancyKind| discrepancies.iter().any(|d| d.kind == kind);
    let fields = || {
        discrepancies
            .iter()
            .map(|d| d.field.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (status, explanation) = if discrepancies.is_empty() {
        (
            CheckStatus::Passed,
            "Every compared field agrees with the MRZ.".to_owned(),
        )
    } else if has(DiscrepancyKind::Mismatch) {
        (
            CheckStatus::Failed,
            format!("The MRZ disagrees on: {}.", fields()),
        )
    } else {
        (
            CheckStatus::NeedsReview,
            format!("Small or unverifiable differences on: {}.", fields()),
        )
    };
    let score = if discrepancies.is_empty() {
        Some(1.0)
    } else {
        lowest_similarity
    };
    CheckResult::new(kind, status, score, result, explanation)
}

/// The document verdict as a check.
pub fn document_rules(verdict: &DocumentVerdict) -> CheckResult {
    let result = serde_json::to_value(verdict).unwrap_or_else(|_| json!({}));
    let (status, explanation) = match verdict.status {
        document::DocumentStatus::Accepted => (
            CheckStatus::Passed,
            "The document meets every document rule.".to_owned(),
        ),
        document::DocumentStatus::Rejected => {
            let reasons: Vec<&str> = verdict.reasons.iter().map(|r| r.message.as_str()).collect();
            (
                CheckStatus::Failed,
                format!("The document is rejected: {}.", reasons.join("; ")),
            )
        }
    };
    CheckResult::new(CheckKind::DocumentRules, status, None, result, explanation)
}

/// An identifier validation as a check.
pub fn identifier(kind: IdentifierKind, outcome: &ValidationOutcome) -> CheckResult {
    let result = serde_json::to_value(outcome).unwrap_or_else(|_| json!({}));
    let (status, explanation) = if outcome.valid {
        let shown = outcome.normalized.as_deref().unwrap_or_default();
        (
            CheckStatus::Passed,
            format!("{shown} is well formed and its check digits, where it has any, verify."),
        )
    } else {
        let messages: Vec<&str> = outcome.errors.iter().map(|e| e.message.as_str()).collect();
        (
            CheckStatus::Failed,
            format!("The value is not valid: {}.", messages.join("; ")),
        )
    };
    CheckResult::new(kind.into(), status, None, result, explanation)
}

/// The document part of a case, as the server knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentSubmission {
    /// Document type.
    pub document_type: DocumentType,
    /// Sides uploaded.
    pub sides_present: Vec<DocumentSide>,
    /// The MRZ text read from the document, if any.
    pub mrz_text: Option<String>,
    /// When it was submitted.
    pub submitted_on: Option<Date>,
    /// This upload's number, starting at 1.
    pub attempt: u32,
    /// The server's duplicate lookup.
    pub duplicate: DuplicateLookup,
}

/// Everything the native checks of one case need.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseInput {
    /// The date the checks are run on.
    pub today: Date,
    /// Flow settings.
    pub policy: DocumentPolicy,
    /// The identity document.
    pub document: DocumentSubmission,
    /// What the applicant typed in this flow.
    pub entered: EnteredData,
    /// The applicant's stored record, if one exists.
    pub record: Option<EnteredData>,
    /// Identifiers to validate (company number, phone, e-mail…).
    pub identifiers: Vec<ValidationRequest>,
}

/// Runs every native check of a case (no screening, no face match).
pub fn run_case(case: &CaseInput) -> Vec<CheckResult> {
    let parsed = case
        .document
        .mrz_text
        .as_deref()
        .map(|text| mrz::parse(text, case.today));
    let mut results = Vec::with_capacity(4 + case.identifiers.len());
    let mut discrepancies = Vec::new();
    match &parsed {
        Some(parsed) => {
            results.push(mrz_integrity(parsed));
            let sources = [
                (CheckKind::MrzMatchesEntered, Some(&case.entered)),
                (CheckKind::MrzMatchesRecord, case.record.as_ref()),
            ];
            for (kind, source) in sources {
                results.push(compare_with(kind, parsed, source, &mut discrepancies));
            }
        }
        None => results.push(CheckResult::not_applicable(
            CheckKind::MrzIntegrity,
            "The document has no MRZ.",
        )),
    }
    let parsed_ok = parsed.as_ref().and_then(|p| p.as_ref().ok());
    let facts = document_facts(case, parsed_ok, discrepancies);
    results.push(document_rules(&document::evaluate(&facts, &case.policy)));
    results.extend(
        case.identifiers
            .iter()
            .map(|request| identifier(request.r#type, &validate_on(request, case.today))),
    );
    results
}

/// One MRZ comparison; its discrepancies are also collected for the document rules.
fn compare_with(
    kind: CheckKind,
    parsed: &Result<ParsedMrz, MrzError>,
    source: Option<&EnteredData>,
    discrepancies: &mut Vec<Discrepancy>,
) -> CheckResult {
    let Ok(parsed) = parsed else {
        return CheckResult::not_applicable(kind, "The MRZ could not be read.");
    };
    let Some(source) = source else {
        return CheckResult::not_applicable(kind, "There is no record to compare the MRZ with.");
    };
    let found = mrz::compare(parsed, source);
    let check = mrz_match(kind, &found);
    discrepancies.extend(found);
    check
}

/// Builds the lazily initialised tables (phone metadata, the stdnum
/// registry) so that the first real case does not pay for them; call once at
/// server start. Costs tens of milliseconds, once.
pub fn warm_up() {
    let today = Date::MIN;
    for (kind, value, country) in [
        (IdentifierKind::Phone, "+442079460958", None),
        (IdentifierKind::CompanyNumber, "0", Some("FR")),
    ] {
        let request = ValidationRequest {
            r#type: kind,
            value: value.to_owned(),
            country: country.map(str::to_owned),
        };
        validate_on(&request, today);
    }
}

/// Dates come from the MRZ when it has them, otherwise from what was entered.
fn document_facts(
    case: &CaseInput,
    parsed: Option<&ParsedMrz>,
    discrepancies: Vec<Discrepancy>,
) -> DocumentFacts {
    let submission = &case.document;
    DocumentFacts {
        document_type: submission.document_type,
        sides_present: submission.sides_present.clone(),
        date_of_expiry: parsed
            .and_then(|p| p.date_of_expiry.date)
            .or(case.entered.date_of_expiry),
        date_of_birth: parsed
            .and_then(|p| p.date_of_birth.date)
            .or(case.entered.date_of_birth),
        submitted_on: submission.submitted_on,
        today: case.today,
        attempt: submission.attempt,
        duplicate: submission.duplicate.clone(),
        mrz_valid: parsed.map(|p| p.check_digits.all_verified()),
        discrepancies,
    }
}
