//! The native provider: kycore's own offline checks (`kycore-checks`) over what the applicant
//! and the platform entered. Identity documents join when documents can be submitted.

use futures_util::future::BoxFuture;
use kycore_checks::checks::{self, CheckResult};
use kycore_checks::{IdentifierKind, ValidationRequest, validate_on};
use kycore_domain::check::CheckStatus;

use super::{CaseFacts, CheckOutcome, Provider, ProviderError};

pub struct NativeProvider;

impl Provider for NativeProvider {
    fn id(&self) -> &'static str {
        "native"
    }

    fn run<'a>(
        &'a self,
        facts: &'a CaseFacts,
    ) -> BoxFuture<'a, Result<Vec<CheckOutcome>, ProviderError>> {
        // Microseconds of CPU: cheaper to run here than to hand to a blocking thread.
        let outcomes = identifier_requests(facts)
            .iter()
            .map(|request| {
                outcome(checks::identifier(
                    request.r#type,
                    &validate_on(request, facts.today),
                ))
            })
            .collect();
        Box::pin(async move { Ok(outcomes) })
    }
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

fn outcome(check: CheckResult) -> CheckOutcome {
    let raw = serde_json::to_value(&check).unwrap_or_default();
    let kind = raw
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("unknown")
        .to_owned();
    let status = match check.status {
        checks::CheckStatus::Passed => CheckStatus::Passed,
        checks::CheckStatus::Failed => CheckStatus::Failed,
        checks::CheckStatus::NeedsReview => CheckStatus::NeedsReview,
        checks::CheckStatus::NotApplicable => CheckStatus::NotApplicable,
    };
    CheckOutcome {
        kind,
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
            today: date!(2026 - 11 - 21),
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
                ("country", CheckStatus::Passed)
            ]
        );
        assert!(outcomes.iter().all(|o| !o.explanation.is_empty()));
    }
}
