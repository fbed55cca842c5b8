//! What the hosted forms refuse as the applicant sends them: required answers, and every
//! identifier through the same validators the case's checks run later (`kycore-checks`), so
//! a mistyped check digit is corrected on the spot instead of becoming a resubmission or a
//! rejection after submission. Each problem is named after its form field.

use kycore_checks::codes::ErrorCode;
use kycore_checks::{IdentifierKind, ValidationRequest, validate_on};
use kycore_domain::applicant::{Address, BusinessProfile, IndividualProfile, parse_date};
use kycore_domain::validation::ValidationErrors;
use time::Date;

use crate::intake::TypedDetails;

/// A required answer: present and not blank.
pub(super) fn required(errors: &mut ValidationErrors, field: &str, value: Option<&String>) {
    if value.is_none_or(|v| v.trim().is_empty()) {
        errors.add(field, "required", "required");
    }
}

/// The problems the checks' validator finds in `value`, if it was given. A scheme kycore
/// does not implement for the country is no problem of the applicant's.
pub(super) fn identifier(
    errors: &mut ValidationErrors,
    field: &str,
    kind: IdentifierKind,
    value: Option<&String>,
    country: Option<&String>,
    today: Date,
) {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return;
    };
    let request = ValidationRequest {
        r#type: kind,
        value: value.clone(),
        country: country.cloned(),
    };
    let outcome = validate_on(&request, today);
    let applicants_problems = outcome.errors.into_iter().filter(|e| {
        !matches!(
            e.code,
            ErrorCode::UnsupportedCountry | ErrorCode::MissingCountry
        )
    });
    for error in applicants_problems {
        errors.add(field, error.code.as_str(), error.message);
    }
}

/// Typed MRZ lines, required: lines that do not read as an MRZ at all are `invalid_mrz`;
/// lines that do are held to every check digit and field rule the MRZ checks apply later.
pub(super) fn typed_mrz(errors: &mut ValidationErrors, text: Option<&str>, today: Date) {
    let Some(text) = text else {
        errors.add(
            "mrz",
            "required",
            "type the lines at the bottom of the document",
        );
        return;
    };
    if kycore_checks::mrz::parse(text, today).is_err() {
        errors.add(
            "mrz",
            "invalid_mrz",
            "these lines do not read as a machine-readable zone; check each character",
        );
        return;
    }
    identifier(
        errors,
        "mrz",
        IdentifierKind::Mrz,
        Some(&text.to_owned()),
        None,
        today,
    );
}

/// The number and expiry date of a document without an MRZ, both required; a document
/// that has expired is refused now rather than after submission.
pub(super) fn typed_details(
    errors: &mut ValidationErrors,
    details: &mut TypedDetails,
    today: Date,
) {
    details.validate("", errors);
    required(errors, "document_number", details.document_number.as_ref());
    required(errors, "expiry_date", details.expiry_date.as_ref());
    let expiry = details.expiry_date.as_deref().and_then(parse_date);
    if expiry.is_some_and(|expiry| expiry < today) {
        errors.add(
            "expiry_date",
            "document_expired",
            "the document has expired",
        );
    }
}

/// A postal address with the parts a letter needs: street, town and country.
fn address(errors: &mut ValidationErrors, prefix: &str, address: Option<&Address>) {
    let empty = Address::default();
    let address = address.unwrap_or(&empty);
    required(errors, &format!("{prefix}.line1"), address.line1.as_ref());
    required(errors, &format!("{prefix}.city"), address.city.as_ref());
    required(
        errors,
        &format!("{prefix}.country"),
        address.country.as_ref(),
    );
}

/// A website the applicant can be found at: a full `http(s)://` address with a host name.
fn website(errors: &mut ValidationErrors, field: &str, value: Option<&String>) {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return;
    };
    let has_host = url::Url::parse(value.trim()).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|host| host.contains('.'))
    });
    if !has_host {
        errors.add(
            field,
            "invalid_website",
            "a full web address starting with https://",
        );
    }
}

/// The personal details step; the address is required when the flow asks for a proof of it.
pub(super) fn individual_problems(
    individual: &IndividualProfile,
    address_required: bool,
    today: Date,
) -> ValidationErrors {
    let mut errors = ValidationErrors::default();
    let p = individual;
    required(&mut errors, "individual.first_name", p.first_name.as_ref());
    required(&mut errors, "individual.last_name", p.last_name.as_ref());
    required(
        &mut errors,
        "individual.date_of_birth",
        p.date_of_birth.as_ref(),
    );
    required(
        &mut errors,
        "individual.nationality",
        p.nationality.as_ref(),
    );
    if address_required {
        address(&mut errors, "individual.address", p.address.as_ref());
    }
    let country = p.nationality.as_ref();
    identifier(
        &mut errors,
        "individual.email",
        IdentifierKind::Email,
        p.email.as_ref(),
        None,
        today,
    );
    identifier(
        &mut errors,
        "individual.phone",
        IdentifierKind::Phone,
        p.phone.as_ref(),
        country,
        today,
    );
    errors
}

/// The company details step: name, registration and registered address are required, and
/// every identifier given must validate for the country of incorporation.
pub(super) fn business_problems(business: &BusinessProfile, today: Date) -> ValidationErrors {
    let mut errors = ValidationErrors::default();
    let b = business;
    required(&mut errors, "business.legal_name", b.legal_name.as_ref());
    required(
        &mut errors,
        "business.registration_number",
        b.registration_number.as_ref(),
    );
    required(&mut errors, "business.country", b.country.as_ref());
    address(&mut errors, "business.address", b.address.as_ref());
    let country = b.country.as_ref();
    let identifiers = [
        (
            "business.registration_number",
            IdentifierKind::CompanyNumber,
            b.registration_number.as_ref(),
        ),
        ("business.lei", IdentifierKind::Lei, b.lei.as_ref()),
        (
            "business.vat_number",
            IdentifierKind::Vat,
            b.vat_number.as_ref(),
        ),
        ("business.email", IdentifierKind::Email, b.email.as_ref()),
        ("business.phone", IdentifierKind::Phone, b.phone.as_ref()),
    ];
    for (field, kind, value) in identifiers {
        identifier(&mut errors, field, kind, value, country, today);
    }
    website(&mut errors, "business.website", b.website.as_ref());
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::from_calendar_date(2026, time::Month::December, 6).unwrap()
    }

    fn codes(errors: ValidationErrors) -> Vec<(String, &'static str)> {
        errors
            .into_vec()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn business() -> BusinessProfile {
        BusinessProfile {
            legal_name: Some("Nordic Widgets AB".into()),
            registration_number: Some("556000-1231".into()),
            country: Some("SE".into()),
            address: Some(Address {
                line1: Some("Kungsgatan 2".into()),
                city: Some("Stockholm".into()),
                country: Some("SE".into()),
                ..Address::default()
            }),
            ..BusinessProfile::default()
        }
    }

    #[test]
    fn a_complete_business_passes() {
        let mut b = business();
        b.lei = Some("5493001KJTIIGC8Y1R12".into());
        b.website = Some("https://widgets.example".into());
        assert_eq!(codes(business_problems(&b, today())), []);
    }

    #[test]
    fn mistyped_identifiers_and_a_missing_address_are_refused_by_field() {
        let mut b = business();
        b.registration_number = Some("556000-1234".into());
        b.lei = Some("5493001KJTIIGC8Y1R13".into());
        b.vat_number = Some("SE556000123402".into());
        b.website = Some("widgets.example".into());
        b.address = None;
        let found = codes(business_problems(&b, today()));
        for expected in [
            ("business.registration_number", "invalid_check_digit"),
            ("business.lei", "invalid_check_digit"),
            ("business.website", "invalid_website"),
            ("business.address.line1", "required"),
            ("business.address.city", "required"),
            ("business.address.country", "required"),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1)),
                "{expected:?} in {found:?}"
            );
        }
        assert!(
            found
                .iter()
                .any(|(field, _)| field == "business.vat_number"),
            "{found:?}"
        );
    }

    #[test]
    fn an_unsupported_scheme_is_not_the_applicants_problem() {
        let mut b = business();
        b.country = Some("AQ".into());
        b.registration_number = Some("12345".into());
        let found = codes(business_problems(&b, today()));
        assert!(
            !found
                .iter()
                .any(|(field, _)| field == "business.registration_number"),
            "{found:?}"
        );
    }

    #[test]
    fn a_persons_address_is_required_only_when_the_flow_asks_for_its_proof() {
        let person = IndividualProfile {
            first_name: Some("Lars".into()),
            last_name: Some("Nilsson".into()),
            date_of_birth: Some("1980-01-01".into()),
            nationality: Some("SE".into()),
            email: Some("lars@".into()),
            ..IndividualProfile::default()
        };
        assert_eq!(
            codes(individual_problems(&person, false, today())),
            [("individual.email".to_owned(), "invalid_format")]
        );
        let with_address = codes(individual_problems(&person, true, today()));
        assert!(with_address.contains(&("individual.address.line1".to_owned(), "required")));
    }
}
