//! Applicants: the person or business being verified, and its related persons.
//!
//! Profiles keep the shape the API receives (strings), and `normalize_and_validate` turns a
//! received profile into its canonical form (trimmed, upper-case country codes, ISO dates)
//! while collecting every problem with a stable code. Keeping one shape avoids a parallel set
//! of "validated" types that would have to be kept in sync field by field.

use serde::{Deserialize, Serialize};
use time::{Date, macros::format_description};

use crate::ids::RelatedPersonId;
use crate::validation::{ValidationErrors, join_path};

const MAX_NAME_LEN: usize = 200;
const MAX_TEXT_LEN: usize = 500;
const MAX_EXTERNAL_ID_LEN: usize = 200;
const MAX_RELATED_PERSONS: usize = 50;
/// No living applicant was born before this; earlier dates are typos.
const EARLIEST_BIRTH_YEAR: i32 = 1900;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantType {
    Individual,
    Business,
}

impl ApplicantType {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantType::Individual => "individual",
            ApplicantType::Business => "business",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "individual" => Some(ApplicantType::Individual),
            "business" => Some(ApplicantType::Business),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndividualProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// E.164, e.g. `+46701234567`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// National identity or tax number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    /// ISO 3166-1 alpha-2 country of incorporation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lei: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelatedPersonRole {
    Ubo,
    Director,
    Representative,
    Signatory,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelatedPerson {
    /// Assigned by kycore. Send it back in an update to keep the person's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RelatedPersonId>,
    pub role: RelatedPersonRole,
    /// 0–100; meaningful for `ubo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Everything personal about an applicant: sealed as one unit at rest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicantProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual: Option<IndividualProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessProfile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_persons: Vec<RelatedPerson>,
}

impl ApplicantProfile {
    /// Canonicalises the profile in place and reports every problem. `today` bounds dates of
    /// birth; it is passed in so the rule stays deterministic.
    pub fn normalize_and_validate(
        &mut self,
        applicant_type: ApplicantType,
        today: Date,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        match applicant_type {
            ApplicantType::Individual => {
                if self.business.is_some() {
                    errors.add(
                        "business",
                        "field_not_allowed",
                        "only business applicants have a business profile",
                    );
                }
                if !self.related_persons.is_empty() {
                    errors.add(
                        "related_persons",
                        "field_not_allowed",
                        "only business applicants have related persons",
                    );
                }
            }
            ApplicantType::Business => {
                if self.individual.is_some() {
                    errors.add(
                        "individual",
                        "field_not_allowed",
                        "business applicants have a business profile",
                    );
                }
            }
        }
        if let Some(individual) = &mut self.individual {
            individual.normalize(&mut errors, "individual", today);
        }
        if let Some(business) = &mut self.business {
            business.normalize(&mut errors, "business");
        }
        if self.related_persons.len() > MAX_RELATED_PERSONS {
            errors.add(
                "related_persons",
                "too_many",
                format!("at most {MAX_RELATED_PERSONS} related persons"),
            );
        }
        for (i, person) in self.related_persons.iter_mut().enumerate() {
            person.normalize(&mut errors, &format!("related_persons[{i}]"), today);
        }
        errors.into_result()
    }

    /// Gives every related person an id. An id is kept only if it names one of `known`
    /// (the persons the applicant already had), so a caller cannot choose ids.
    pub fn assign_related_person_ids(&mut self, known: &[RelatedPersonId]) {
        for person in &mut self.related_persons {
            if !person.id.as_ref().is_some_and(|id| known.contains(id)) {
                person.id = Some(RelatedPersonId::generate());
            }
        }
    }

    pub fn related_person_ids(&self) -> Vec<RelatedPersonId> {
        self.related_persons
            .iter()
            .filter_map(|p| p.id.clone())
            .collect()
    }

    /// The country that selects a default flow: nationality, else address, else incorporation.
    pub fn primary_country(&self) -> Option<&str> {
        let individual = self.individual.as_ref().and_then(|p| {
            p.nationality
                .as_deref()
                .or_else(|| p.address.as_ref().and_then(|a| a.country.as_deref()))
        });
        let business = self.business.as_ref().and_then(|b| b.country.as_deref());
        individual.or(business)
    }
}

impl IndividualProfile {
    fn normalize(&mut self, errors: &mut ValidationErrors, path: &str, today: Date) {
        name_field(&mut self.first_name, errors, path, "first_name");
        name_field(&mut self.middle_name, errors, path, "middle_name");
        name_field(&mut self.last_name, errors, path, "last_name");
        birth_date_field(&mut self.date_of_birth, errors, path, today);
        country_field(&mut self.nationality, errors, path, "nationality");
        email_field(&mut self.email, errors, path);
        phone_field(&mut self.phone, errors, path);
        text_field(&mut self.id_number, errors, path, "id_number", 64);
        if let Some(address) = &mut self.address {
            address.normalize(errors, &join_path(path, "address"));
        }
    }
}

impl BusinessProfile {
    fn normalize(&mut self, errors: &mut ValidationErrors, path: &str) {
        name_field(&mut self.legal_name, errors, path, "legal_name");
        text_field(
            &mut self.registration_number,
            errors,
            path,
            "registration_number",
            64,
        );
        country_field(&mut self.country, errors, path, "country");
        text_field(&mut self.state, errors, path, "state", MAX_NAME_LEN);
        identifier_field(&mut self.lei, errors, path, "lei");
        identifier_field(&mut self.vat_number, errors, path, "vat_number");
        text_field(&mut self.tax_id, errors, path, "tax_id", 64);
        text_field(&mut self.website, errors, path, "website", MAX_TEXT_LEN);
        email_field(&mut self.email, errors, path);
        phone_field(&mut self.phone, errors, path);
        if let Some(address) = &mut self.address {
            address.normalize(errors, &join_path(path, "address"));
        }
    }
}

impl Address {
    fn normalize(&mut self, errors: &mut ValidationErrors, path: &str) {
        for (value, field) in [
            (&mut self.line1, "line1"),
            (&mut self.line2, "line2"),
            (&mut self.city, "city"),
            (&mut self.postal_code, "postal_code"),
            (&mut self.state, "state"),
        ] {
            text_field(value, errors, path, field, MAX_NAME_LEN);
        }
        country_field(&mut self.country, errors, path, "country");
    }
}

impl RelatedPerson {
    fn normalize(&mut self, errors: &mut ValidationErrors, path: &str, today: Date) {
        name_field(&mut self.first_name, errors, path, "first_name");
        name_field(&mut self.last_name, errors, path, "last_name");
        birth_date_field(&mut self.date_of_birth, errors, path, today);
        country_field(&mut self.nationality, errors, path, "nationality");
        email_field(&mut self.email, errors, path);
        if let Some(percent) = self.ownership_percent
            && !(0.0..=100.0).contains(&percent)
        {
            errors.add(
                join_path(path, "ownership_percent"),
                "out_of_range",
                "must be between 0 and 100",
            );
        }
    }
}

/// Validates a platform reference (`external_id`): trimmed, at most 200 characters.
pub fn normalize_external_id(
    value: &mut Option<String>,
    errors: &mut ValidationErrors,
    field: &str,
) {
    text_field(value, errors, "", field, MAX_EXTERNAL_ID_LEN);
}

/// Trims the value and turns an empty string into "not given".
fn trimmed(value: &mut Option<String>) -> Option<&mut String> {
    if let Some(v) = value.as_mut() {
        let t = v.trim();
        if t.len() != v.len() {
            *v = t.to_owned();
        }
    }
    if value.as_deref().is_some_and(str::is_empty) {
        *value = None;
    }
    value.as_mut()
}

fn text_field(
    value: &mut Option<String>,
    errors: &mut ValidationErrors,
    path: &str,
    field: &str,
    max: usize,
) {
    // The limit counts the value as sent, surrounding spaces included, as the API's schema
    // states it; a value that only fits once trimmed is refused.
    if value.as_deref().is_some_and(|v| v.chars().count() > max) {
        errors.add(
            join_path(path, field),
            "too_long",
            format!("at most {max} characters"),
        );
        return;
    }
    let Some(v) = trimmed(value) else { return };
    if v.chars().any(char::is_control) {
        errors.add(
            join_path(path, field),
            "invalid_characters",
            "control characters are not allowed",
        );
    }
}

fn name_field(value: &mut Option<String>, errors: &mut ValidationErrors, path: &str, field: &str) {
    text_field(value, errors, path, field, MAX_NAME_LEN);
}

/// Identifiers are compared without spacing or case, so they are stored that way.
fn identifier_field(
    value: &mut Option<String>,
    errors: &mut ValidationErrors,
    path: &str,
    field: &str,
) {
    let Some(v) = trimmed(value) else { return };
    let compact: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .collect::<String>()
        .to_uppercase();
    if compact.len() > 64 || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.add(
            join_path(path, field),
            "invalid_format",
            "letters and digits only, at most 64",
        );
    }
    *v = compact;
}

fn country_field(
    value: &mut Option<String>,
    errors: &mut ValidationErrors,
    path: &str,
    field: &str,
) {
    let Some(v) = trimmed(value) else { return };
    match normalize_country(v) {
        Some(code) => *v = code,
        None => errors.add(
            join_path(path, field),
            "invalid_country",
            format!("`{v}` is not an ISO 3166-1 alpha-2 country code"),
        ),
    }
}

/// The canonical upper-case alpha-2 code, if `raw` is one.
pub fn normalize_country(raw: &str) -> Option<String> {
    let upper = raw.trim().to_ascii_uppercase();
    (upper.len() == 2 && celes::Country::from_alpha2(&upper).is_ok()).then_some(upper)
}

fn birth_date_field(
    value: &mut Option<String>,
    errors: &mut ValidationErrors,
    path: &str,
    today: Date,
) {
    let Some(v) = trimmed(value) else { return };
    let field = join_path(path, "date_of_birth");
    match parse_date(v) {
        None => errors.add(
            field,
            "invalid_date",
            "expected a calendar date as YYYY-MM-DD",
        ),
        Some(date) if date > today => {
            errors.add(field, "invalid_date", "date of birth is in the future")
        }
        Some(date) if date.year() < EARLIEST_BIRTH_YEAR => errors.add(
            field,
            "invalid_date",
            format!("date of birth before {EARLIEST_BIRTH_YEAR}"),
        ),
        Some(_) => {}
    }
}

/// Parses a strict `YYYY-MM-DD` calendar date.
pub fn parse_date(raw: &str) -> Option<Date> {
    Date::parse(raw, format_description!("[year]-[month]-[day]")).ok()
}

fn email_field(value: &mut Option<String>, errors: &mut ValidationErrors, path: &str) {
    let Some(v) = trimmed(value) else { return };
    let plausible = v.len() <= 254
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && v.matches('@').count() == 1;
    if plausible {
        *v = v.to_lowercase();
    } else {
        errors.add(
            join_path(path, "email"),
            "invalid_email",
            "not an e-mail address",
        );
    }
}

/// Accepts common human spellings (`+46 70-123 45 67`) and stores E.164 (`+46701234567`).
fn phone_field(value: &mut Option<String>, errors: &mut ValidationErrors, path: &str) {
    let Some(v) = trimmed(value) else { return };
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    let only_separators = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if v.starts_with('+') && only_separators && (6..=15).contains(&digits.len()) {
        *v = format!("+{digits}");
    } else {
        errors.add(
            join_path(path, "phone"),
            "invalid_phone",
            "expected an international number starting with +",
        );
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 21);

    fn individual(p: IndividualProfile) -> ApplicantProfile {
        ApplicantProfile {
            individual: Some(p),
            ..Default::default()
        }
    }

    #[test]
    fn normalizes_countries_phones_emails_and_identifiers() {
        let mut profile = individual(IndividualProfile {
            first_name: Some("  Ada ".into()),
            nationality: Some("se".into()),
            email: Some("Ada@Example.COM".into()),
            phone: Some("+46 70-123 45 67".into()),
            date_of_birth: Some("1974-08-12".into()),
            ..Default::default()
        });
        profile
            .normalize_and_validate(ApplicantType::Individual, TODAY)
            .unwrap();
        let p = profile.individual.unwrap();
        assert_eq!(p.first_name.as_deref(), Some("Ada"));
        assert_eq!(p.nationality.as_deref(), Some("SE"));
        assert_eq!(p.email.as_deref(), Some("ada@example.com"));
        assert_eq!(p.phone.as_deref(), Some("+46701234567"));
    }

    #[test]
    fn reports_every_bad_field_with_its_code() {
        let mut profile = individual(IndividualProfile {
            nationality: Some("XX".into()),
            date_of_birth: Some("1974-02-30".into()),
            email: Some("nope".into()),
            phone: Some("12345".into()),
            address: Some(Address {
                country: Some("Sweden".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        let errors = profile
            .normalize_and_validate(ApplicantType::Individual, TODAY)
            .unwrap_err()
            .into_vec();
        let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("individual.date_of_birth", "invalid_date"),
                ("individual.nationality", "invalid_country"),
                ("individual.email", "invalid_email"),
                ("individual.phone", "invalid_phone"),
                ("individual.address.country", "invalid_country"),
            ]
        );
    }

    #[test]
    fn birth_dates_in_the_future_or_before_1900_are_refused() {
        for dob in ["2027-01-01", "1899-12-31", "12/08/1974"] {
            let mut profile = individual(IndividualProfile {
                date_of_birth: Some(dob.into()),
                ..Default::default()
            });
            assert!(
                profile
                    .normalize_and_validate(ApplicantType::Individual, TODAY)
                    .is_err(),
                "{dob}"
            );
        }
    }

    #[test]
    fn profile_must_match_the_applicant_type() {
        let mut profile = ApplicantProfile {
            business: Some(BusinessProfile::default()),
            ..Default::default()
        };
        let errors = profile
            .normalize_and_validate(ApplicantType::Individual, TODAY)
            .unwrap_err();
        assert_eq!(errors.as_slice()[0].code, "field_not_allowed");
    }

    #[test]
    fn ownership_must_be_a_percentage() {
        let mut profile = ApplicantProfile {
            business: Some(BusinessProfile::default()),
            related_persons: vec![RelatedPerson {
                id: None,
                role: RelatedPersonRole::Ubo,
                ownership_percent: Some(120.0),
                first_name: None,
                last_name: None,
                date_of_birth: None,
                nationality: None,
                email: None,
            }],
            ..Default::default()
        };
        let errors = profile
            .normalize_and_validate(ApplicantType::Business, TODAY)
            .unwrap_err();
        assert_eq!(
            errors.as_slice()[0].field,
            "related_persons[0].ownership_percent"
        );
    }

    #[test]
    fn primary_country_prefers_nationality_then_address() {
        let profile = individual(IndividualProfile {
            address: Some(Address {
                country: Some("DE".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(profile.primary_country(), Some("DE"));
    }
}
