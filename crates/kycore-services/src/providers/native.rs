//! The native provider: kycore's own offline checks (`kycore-checks`) over the identity
//! document (MRZ integrity, MRZ against the entered data, document rules), every identifier
//! the applicant's record holds, and the look-alike applicants the processing job found.

use futures_util::future::BoxFuture;
use kycore_checks::checks::{self, CaseInput, CheckResult, DocumentSubmission};
use kycore_checks::document::{
    DocumentPolicy, DocumentSide, DocumentType, DocumentVerdict, Remedy,
};
use kycore_checks::mrz::EnteredData;
use kycore_checks::reading::{self, MrzReading};
use kycore_checks::{IdentifierKind, ValidationRequest, validate_on};
use kycore_domain::check::CheckStatus;
use kycore_domain::flow::Step;
use serde_json::json;

use crate::documents::IDENTITY_DOCUMENT_TYPES;
use crate::reading::TURNED_SELFIE;

use super::{CaseFacts, CheckOutcome, Provider, ProviderError, SubmittedDocument};

pub struct NativeProvider;

impl Provider for NativeProvider {
    fn id(&self) -> &'static str {
        "native"
    }

    fn run<'a>(
        &'a self,
        facts: &'a CaseFacts,
    ) -> BoxFuture<'a, Result<Vec<CheckOutcome>, ProviderError>> {
        // Tens of microseconds of CPU: cheaper to run here than to hand to a blocking thread.
        let identifiers = identifier_requests(facts);
        let results = match identity_document(facts) {
            Some(document) => checks::run_case(&CaseInput {
                today: facts.today,
                policy: DocumentPolicy {
                    min_age: facts.min_age,
                    max_attempts: facts.max_attempts,
                },
                document,
                entered: entered_data(facts),
                record: None,
                identifiers,
            }),
            None => identifiers
                .iter()
                .map(|request| {
                    checks::identifier(request.r#type, &validate_on(request, facts.today))
                })
                .collect(),
        };
        let mut outcomes: Vec<CheckOutcome> = results.into_iter().map(outcome).collect();
        outcomes.extend(reading_checks(facts).into_iter().map(outcome));
        outcomes.push(duplicate_applicants(&facts.similar_applicants));
        Box::pin(async move { Ok(outcomes) })
    }
}

/// The type of the identity document the checks look at: that of the latest upload that
/// carries an MRZ, or else of the latest identity upload. A selfie or a proof of address
/// uploaded later is not an identity document.
pub(crate) fn identity_document_type(facts: &CaseFacts) -> Option<&str> {
    let identity =
        |d: &&SubmittedDocument| IDENTITY_DOCUMENT_TYPES.contains(&d.document_type.as_str());
    let latest = facts
        .documents
        .iter()
        .filter(identity)
        .rfind(|d| zone(d).is_some())
        .or_else(|| facts.documents.iter().rfind(identity))?;
    Some(&latest.document_type)
}

/// The identity document to check, with every side uploaded for its type and the MRZ of the
/// latest upload of it that has one.
fn identity_document(facts: &CaseFacts) -> Option<DocumentSubmission> {
    let checked = identity_document_type(facts)?;
    let document_type: DocumentType = serde_json::from_value(json!(checked)).ok()?;
    let same_type: Vec<&SubmittedDocument> = facts
        .documents
        .iter()
        .filter(|d| d.document_type == checked)
        .collect();
    let latest = same_type
        .iter()
        .rfind(|d| zone(d).is_some())
        .or(same_type.last())?;
    let sides_present = same_type
        .iter()
        .filter_map(|d| serde_json::from_value::<DocumentSide>(serde_json::json!(d.side)).ok())
        .collect();
    let attempt = same_type.iter().map(|d| d.attempt).max().unwrap_or(1);
    Some(DocumentSubmission {
        document_type,
        sides_present,
        mrz_text: zone(latest).map(str::to_owned),
        submitted_on: Some(facts.today),
        attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
        duplicate: facts.duplicate_document.clone(),
    })
}

/// A document's zone: the one the applicant typed, else the one read from its photo.
fn zone(document: &SubmittedDocument) -> Option<&str> {
    document
        .mrz
        .as_deref()
        .or_else(|| match document.reading.as_ref()?.mrz.as_ref()? {
            MrzReading::Read { text, .. } => Some(text.as_str()),
            _ => None,
        })
}

/// The checks of what the document engines read from the photos: the zone (`mrz_ocr`), a
/// North American card's barcode (`barcode`) and the selfie against the portrait
/// (`face_match`), each on the checked identity document's uploads, latest first.
fn reading_checks(facts: &CaseFacts) -> Vec<CheckResult> {
    let Some(checked) = identity_document_type(facts) else {
        return Vec::new();
    };
    let same_type: Vec<&SubmittedDocument> = facts
        .documents
        .iter()
        .rev()
        .filter(|d| d.document_type == checked)
        .collect();
    let readings = |side: Option<&'static str>| {
        same_type
            .iter()
            .filter(move |d| side.is_none_or(|side| d.side == side))
            .filter_map(|d| d.reading.as_ref())
    };
    let zones: Vec<&MrzReading> = readings(None).filter_map(|r| r.mrz.as_ref()).collect();
    let typed = same_type.iter().find_map(|d| d.mrz.as_deref());
    let mut results = vec![reading::mrz_ocr(&zones, typed, checked != "driver-license")];
    if matches!(checked, "driver-license" | "id-card") {
        let barcode = readings(Some("back")).find_map(|r| r.barcode.as_ref());
        results.push(reading::barcode(barcode, &entered_data(facts), facts.today));
    }
    let portrait = readings(Some("front")).find_map(|r| r.face.as_ref());
    let selfie_face = |turned: bool| {
        facts
            .documents
            .iter()
            .rev()
            .filter(|d| d.document_type == "selfie")
            .filter(|d| (d.subtype.as_deref() == Some(TURNED_SELFIE)) == turned)
            .find_map(|d| d.reading.as_ref()?.face.as_ref())
    };
    results.push(reading::face_match(
        portrait,
        selfie_face(false),
        selfie_face(true),
    ));
    results
}

/// What the applicant entered, in the shape the MRZ is compared with; for a document
/// without an MRZ, its typed number and expiry date, which the document rules then use.
fn entered_data(facts: &CaseFacts) -> EnteredData {
    let typed = typed_details(facts);
    let (document_number, date_of_expiry) = match typed {
        Some(details) => (
            details.document_number.clone(),
            details
                .expiry_date
                .as_deref()
                .and_then(kycore_domain::applicant::parse_date),
        ),
        None => (None, None),
    };
    let Some(p) = &facts.profile.individual else {
        return EnteredData {
            document_number,
            date_of_expiry,
            ..EnteredData::default()
        };
    };
    let given_names = match (&p.first_name, &p.middle_name) {
        (Some(first), Some(middle)) => Some(format!("{first} {middle}")),
        (first, _) => first.clone(),
    };
    EnteredData {
        surname: p.last_name.clone(),
        given_names,
        date_of_birth: p
            .date_of_birth
            .as_deref()
            .and_then(kycore_domain::applicant::parse_date),
        nationality: p.nationality.clone(),
        document_number,
        date_of_expiry,
    }
}

/// The typed details of the latest upload of the checked identity document that has some.
fn typed_details(facts: &CaseFacts) -> Option<&crate::documents::TypedDetails> {
    let checked = identity_document_type(facts)?;
    facts
        .documents
        .iter()
        .filter(|d| d.document_type == checked)
        .rev()
        .find_map(|d| d.details.as_ref())
}

/// Every identifier the applicant's record holds, with the country its scheme needs.
fn identifier_requests(facts: &CaseFacts) -> Vec<ValidationRequest> {
    let request = |kind, value: &Option<String>, country: &Option<String>| {
        value.as_ref().map(|value| ValidationRequest {
            r#type: kind,
            value: value.clone(),
            country: country.clone(),
        })
    };
    let mut requests = Vec::new();
    if let Some(p) = &facts.profile.individual {
        let country = p.nationality.clone();
        requests.extend([
            request(IdentifierKind::Email, &p.email, &None),
            request(IdentifierKind::Phone, &p.phone, &country),
            request(IdentifierKind::Country, &p.nationality, &None),
        ]);
    }
    if let Some(b) = &facts.profile.business {
        let country = b.country.clone();
        requests.extend([
            request(IdentifierKind::Lei, &b.lei, &None),
            request(IdentifierKind::Vat, &b.vat_number, &country),
            request(
                IdentifierKind::CompanyNumber,
                &b.registration_number,
                &country,
            ),
            request(IdentifierKind::Email, &b.email, &None),
            request(IdentifierKind::Phone, &b.phone, &country),
            request(IdentifierKind::Country, &b.country, &None),
        ]);
    }
    requests.into_iter().flatten().collect()
}

/// Provide's "remediate": another applicant of the environment looks like this one.
fn duplicate_applicants(similar: &[String]) -> CheckOutcome {
    let result = json!({ "applicant_ids": similar });
    let (status, explanation) = if similar.is_empty() {
        (
            CheckStatus::Passed,
            "No other applicant has the same id number, or the same name and date of birth."
                .to_owned(),
        )
    } else {
        (
            CheckStatus::NeedsReview,
            format!(
                "{} other applicant(s) have the same id number, or the same name and date of birth: {}.",
                similar.len(),
                similar.join(", ")
            ),
        )
    };
    CheckOutcome::new("duplicate_applicant", status, result, explanation)
}

/// The steps that would fix a rejected document, when the applicant can fix every reason
/// and has an upload left.
fn redo_steps(check: &CheckResult) -> Vec<Step> {
    let Ok(verdict) = serde_json::from_value::<DocumentVerdict>(check.result.clone()) else {
        return Vec::new();
    };
    let remedies: Vec<Remedy> = verdict.reasons.iter().map(|r| r.code.remedy()).collect();
    if remedies.is_empty()
        || remedies.contains(&Remedy::None)
        || verdict.attempts_remaining == Some(0)
    {
        return Vec::new();
    }
    if remedies.contains(&Remedy::CorrectDetails) {
        vec![Step::PersonalDetails, Step::IdentityDocument]
    } else {
        vec![Step::IdentityDocument]
    }
}

fn outcome(check: CheckResult) -> CheckOutcome {
    let raw = serde_json::to_value(&check).unwrap_or_default();
    let status = match check.status {
        checks::CheckStatus::Passed => CheckStatus::Passed,
        checks::CheckStatus::Failed => CheckStatus::Failed,
        checks::CheckStatus::NeedsReview => CheckStatus::NeedsReview,
        checks::CheckStatus::NotApplicable => CheckStatus::NotApplicable,
        checks::CheckStatus::NotAvailable => CheckStatus::NotAvailable,
    };
    let redo = match (check.kind, status) {
        (checks::CheckKind::DocumentRules, CheckStatus::Failed) => redo_steps(&check),
        // An unreadable zone: a sharper photo fixes it.
        (checks::CheckKind::MrzOcr, CheckStatus::Failed) => vec![Step::IdentityDocument],
        (checks::CheckKind::FaceMatch, CheckStatus::NeedsReview)
            if check.result["selfie_unusable"] == json!(true) =>
        {
            vec![Step::Selfie]
        }
        _ => Vec::new(),
    };
    CheckOutcome {
        kind: check.kind.name().to_owned(),
        redo,
        status,
        score: check.score,
        result: check.result,
        explanation: check.explanation,
        raw,
    }
}

#[cfg(test)]
mod tests {
    use kycore_domain::applicant::{ApplicantProfile, BusinessProfile};
    use kycore_domain::case::CaseKind;
    use time::macros::date;

    use super::*;

    #[tokio::test]
    async fn business_identifiers_are_checked_with_their_country() {
        let facts = CaseFacts {
            kind: CaseKind::Kyb,
            profile: ApplicantProfile {
                business: Some(BusinessProfile {
                    lei: Some("5493001KJTIIGC8Y1R12".into()),
                    vat_number: Some("DE136695978".into()),
                    country: Some("DE".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            documents: Vec::new(),
            today: date!(2026 - 11 - 21),
            environment: kycore_domain::tenancy::Environment::Live,
            min_age: 18,
            max_attempts: 0,
            similar_applicants: vec!["app_other".into()],
            duplicate_document: kycore_checks::document::DuplicateLookup::NotChecked,
        };
        let outcomes = NativeProvider.run(&facts).await.unwrap();
        let kinds: Vec<(&str, CheckStatus)> = outcomes
            .iter()
            .map(|o| (o.kind.as_str(), o.status))
            .collect();
        assert_eq!(
            kinds,
            [
                ("lei", CheckStatus::Passed),
                ("vat", CheckStatus::Failed),
                ("country", CheckStatus::Passed),
                ("duplicate_applicant", CheckStatus::NeedsReview)
            ]
        );
        assert!(outcomes.iter().all(|o| !o.explanation.is_empty()));
    }
}
