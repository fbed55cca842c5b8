//! Caliza's beneficiaries: kycore applicants whose `external_id` is the integrator's
//! `integratorBeneficiaryId`. An INDIVIDUAL (or PERSON) carries `person`, a BUSINESS carries
//! `business`; Caliza's documented field rules are checked here, as part of reading its wire
//! shape, and kycore's own validation (countries, dates, e-mail) runs behind them. A
//! beneficiary's status is what its newest case says (`status.rs`).

use axum::Json as Answer;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_domain::FieldError;
use kycore_domain::applicant::{Address, ApplicantType, BusinessProfile, IndividualProfile};
use kycore_domain::tenancy::Scope;
use kycore_services::ServiceError;
use kycore_services::applicants::{ApplicantChanges, ApplicantQuery, NewApplicant};
use kycore_services::cases::CaseQuery;
use kycore_services::pagination::Window;
use kycore_services::views::{Applicant, Case};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::integrators::required_endpoint;
use super::{Caliza, CalizaCaller, failure, status};
use crate::AppState;
use crate::dialects::{self, Failure, Json, PathParam, Query, utc_millis};
use crate::error::ApiError;

type Result<T> = std::result::Result<T, Failure<Caliza>>;

const MAX_NAME: usize = 100;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AddressBody {
    street_one: Option<String>,
    street_two: Option<String>,
    city: Option<String>,
    zipcode: Option<String>,
    state: Option<String>,
    country: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PersonBody {
    first_name: Option<String>,
    last_name: Option<String>,
    date_of_birth: Option<String>,
    citizenship: Option<String>,
    id_number: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    address: Option<AddressBody>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BusinessBody {
    legal_name: Option<String>,
    registration_number: Option<String>,
    tax_id: Option<String>,
    incorporation_country: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    website: Option<String>,
    address: Option<AddressBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BeneficiaryBody {
    integrator_beneficiary_id: Option<String>,
    #[serde(rename = "type")]
    beneficiary_type: Option<String>,
    person: Option<PersonBody>,
    business: Option<BusinessBody>,
}

/// Caliza's sentences for a body that breaks its documented rules.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: &str, message: &str) {
        self.0.push(FieldError {
            field: field.to_owned(),
            code: "invalid",
            message: message.to_owned(),
        });
    }

    fn required(&mut self, field: &str, value: Option<&String>) {
        if value.is_none_or(|v| v.trim().is_empty()) {
            self.add(field, "is required");
        }
    }

    fn at_most(&mut self, field: &str, value: Option<&String>, max: usize) {
        if value.is_some_and(|v| v.chars().count() > max) {
            self.add(field, &format!("must be at most {max} characters"));
        }
    }

    fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        Err(Failure::new(
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "the beneficiary is invalid",
            )
            .with_errors(self.0),
        ))
    }
}

/// `+` and 6 to 20 digits, as Caliza documents phone numbers.
fn is_caliza_phone(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (6..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

fn check_address(problems: &mut Problems, prefix: &str, address: Option<&AddressBody>) {
    let Some(address) = address else {
        problems.add(&format!("{prefix}.address"), "is required");
        return;
    };
    let field = |name: &str| format!("{prefix}.address.{name}");
    problems.required(&field("streetOne"), address.street_one.as_ref());
    problems.at_most(&field("streetOne"), address.street_one.as_ref(), MAX_NAME);
    problems.at_most(&field("streetTwo"), address.street_two.as_ref(), MAX_NAME);
    problems.required(&field("city"), address.city.as_ref());
    problems.required(&field("zipcode"), address.zipcode.as_ref());
    problems.required(&field("state"), address.state.as_ref());
    problems.at_most(&field("state"), address.state.as_ref(), 3);
    problems.required(&field("country"), address.country.as_ref());
}

fn check_person(problems: &mut Problems, person: Option<&PersonBody>) {
    let Some(person) = person else {
        problems.add("person", "is required for an INDIVIDUAL beneficiary");
        return;
    };
    for (name, value) in [
        ("person.firstName", &person.first_name),
        ("person.lastName", &person.last_name),
        ("person.dateOfBirth", &person.date_of_birth),
        ("person.citizenship", &person.citizenship),
        ("person.idNumber", &person.id_number),
        ("person.email", &person.email),
        ("person.phoneNumber", &person.phone_number),
    ] {
        problems.required(name, value.as_ref());
    }
    problems.at_most("person.firstName", person.first_name.as_ref(), MAX_NAME);
    problems.at_most("person.lastName", person.last_name.as_ref(), MAX_NAME);
    if person
        .phone_number
        .as_deref()
        .is_some_and(|p| !p.is_empty() && !is_caliza_phone(p))
    {
        problems.add("person.phoneNumber", "must match ^\\+\\d{6,20}$");
    }
    check_address(problems, "person", person.address.as_ref());
}

fn check_business(problems: &mut Problems, business: Option<&BusinessBody>) {
    let Some(business) = business else {
        problems.add("business", "is required for a BUSINESS beneficiary");
        return;
    };
    problems.required("business.legalName", business.legal_name.as_ref());
    problems.at_most("business.legalName", business.legal_name.as_ref(), 300);
    problems.required(
        "business.incorporationCountry",
        business.incorporation_country.as_ref(),
    );
    if business
        .phone_number
        .as_deref()
        .is_some_and(|p| !is_caliza_phone(p))
    {
        problems.add("business.phoneNumber", "must match ^\\+\\d{6,20}$");
    }
}

fn address(body: Option<&AddressBody>) -> Option<Address> {
    body.map(|a| Address {
        line1: a.street_one.clone(),
        line2: a.street_two.clone(),
        city: a.city.clone(),
        postal_code: a.zipcode.clone(),
        state: a.state.clone(),
        country: a.country.clone(),
    })
}

fn individual(person: &PersonBody) -> IndividualProfile {
    IndividualProfile {
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        date_of_birth: person.date_of_birth.clone(),
        nationality: person.citizenship.clone(),
        email: person.email.clone(),
        phone: person.phone_number.clone(),
        id_number: person.id_number.clone(),
        address: address(person.address.as_ref()),
        ..IndividualProfile::default()
    }
}

fn business(body: &BusinessBody) -> BusinessProfile {
    BusinessProfile {
        legal_name: body.legal_name.clone(),
        registration_number: body.registration_number.clone(),
        country: body.incorporation_country.clone(),
        tax_id: body.tax_id.clone(),
        website: body.website.clone(),
        email: body.email.clone(),
        phone: body.phone_number.clone(),
        address: address(body.address.as_ref()),
        ..BusinessProfile::default()
    }
}

/// Caliza's name of a beneficiary type, or `None` for one it does not know.
fn applicant_type(name: &str) -> Option<ApplicantType> {
    match name {
        "INDIVIDUAL" | "PERSON" => Some(ApplicantType::Individual),
        "BUSINESS" => Some(ApplicantType::Business),
        _ => None,
    }
}

pub(super) fn type_name(applicant_type: ApplicantType) -> &'static str {
    match applicant_type {
        ApplicantType::Individual => "INDIVIDUAL",
        ApplicantType::Business => "BUSINESS",
    }
}

/// Checks a create or update body; the profile it describes.
fn read_body(body: &BeneficiaryBody, creating: bool) -> Result<(ApplicantType, Profiles)> {
    let mut problems = Problems::default();
    if creating {
        problems.required(
            "integratorBeneficiaryId",
            body.integrator_beneficiary_id.as_ref(),
        );
    }
    let kind = match body.beneficiary_type.as_deref() {
        None => {
            problems.add("type", "is required");
            None
        }
        Some(name) => {
            let kind = applicant_type(name);
            if kind.is_none() {
                problems.add("type", "must be INDIVIDUAL or BUSINESS");
            }
            kind
        }
    };
    match kind {
        Some(ApplicantType::Individual) => check_person(&mut problems, body.person.as_ref()),
        Some(ApplicantType::Business) => check_business(&mut problems, body.business.as_ref()),
        None => {}
    }
    problems.into_result()?;
    let kind = kind.ok_or_else(|| {
        Failure::new(ApiError::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "type is required",
        ))
    })?;
    let profiles = Profiles {
        individual: body
            .person
            .as_ref()
            .filter(|_| kind == ApplicantType::Individual)
            .map(individual),
        business: body
            .business
            .as_ref()
            .filter(|_| kind == ApplicantType::Business)
            .map(business),
    };
    Ok((kind, profiles))
}

struct Profiles {
    individual: Option<IndividualProfile>,
    business: Option<BusinessProfile>,
}

/// kycore's field names in a refusal, as Caliza's body names them.
fn caliza_fields(error: ServiceError) -> Failure<Caliza> {
    let mut error = ApiError::from(error);
    for field in &mut error.errors {
        field.field = field
            .field
            .replace("individual.nationality", "person.citizenship")
            .replace("individual.", "person.")
            .replace("business.country", "business.incorporationCountry")
            .replace(".line1", ".streetOne")
            .replace(".line2", ".streetTwo")
            .replace(".postal_code", ".zipcode");
    }
    Failure::new(error)
}

fn beneficiary_missing(error: ServiceError) -> Failure<Caliza> {
    match error {
        ServiceError::NotFound { .. } => failure(
            StatusCode::NOT_FOUND,
            "beneficiary.not_found",
            "Beneficiary not found",
        ),
        other => other.into(),
    }
}

/// The beneficiary's newest case, if any.
pub(super) async fn newest_case(
    state: &AppState,
    scope: &Scope,
    applicant_id: &str,
) -> Result<Option<Case>> {
    let query = CaseQuery {
        applicant_id: Some(applicant_id.to_owned()),
        ..CaseQuery::default()
    };
    Ok(dialects::newest_case(state, scope, query).await?)
}

/// A beneficiary of the caller's; another's or a missing one is Caliza's 404.
pub(super) async fn beneficiary(state: &AppState, scope: &Scope, id: &str) -> Result<Applicant> {
    state
        .services
        .get_applicant(scope, id)
        .await
        .map_err(beneficiary_missing)
}

fn address_body(address: Option<&Address>) -> Value {
    address.map_or(Value::Null, |a| {
        json!({
            "streetOne": a.line1, "streetTwo": a.line2, "city": a.city,
            "zipcode": a.postal_code, "state": a.state, "country": a.country,
        })
    })
}

/// The beneficiary as Caliza shows it, with its personal data when `with_profile`.
fn beneficiary_body(
    scope: &Scope,
    applicant: &Applicant,
    newest: Option<&Case>,
    with_profile: bool,
) -> Value {
    let status = status::beneficiary(newest.map(|c| c.status));
    let mut body = Map::new();
    body.insert("id".into(), json!(applicant.id));
    body.insert("integratorId".into(), json!(scope.organization_id.as_str()));
    body.insert(
        "integratorBeneficiaryId".into(),
        json!(applicant.external_id),
    );
    body.insert("type".into(), json!(type_name(applicant.applicant_type)));
    body.insert("active".into(), json!(true));
    body.insert("kycVerified".into(), json!(status == "APPROVED"));
    body.insert("status".into(), json!(status));
    body.insert(
        "createdDate".into(),
        json!(utc_millis(applicant.created_at)),
    );
    if with_profile {
        if let Some(person) = &applicant.individual {
            body.insert(
                "person".into(),
                json!({
                    "firstName": person.first_name, "lastName": person.last_name,
                    "dateOfBirth": person.date_of_birth, "citizenship": person.nationality,
                    "idNumber": person.id_number, "email": person.email,
                    "phoneNumber": person.phone, "address": address_body(person.address.as_ref()),
                }),
            );
        }
        if let Some(business) = &applicant.business {
            body.insert(
                "business".into(),
                json!({
                    "legalName": business.legal_name,
                    "registrationNumber": business.registration_number,
                    "taxId": business.tax_id,
                    "incorporationCountry": business.country,
                    "email": business.email, "phoneNumber": business.phone,
                    "website": business.website,
                    "address": address_body(business.address.as_ref()),
                }),
            );
        }
    }
    Value::Object(body)
}

pub async fn create(
    State(state): State<AppState>,
    caller: CalizaCaller,
    Json(body, ..): Json<Caliza, BeneficiaryBody>,
) -> Result<(StatusCode, Answer<Value>)> {
    let scope = caller.scope();
    required_endpoint(&state, scope).await?;
    let (kind, profiles) = read_body(&body, true)?;
    let external_id = body.integrator_beneficiary_id.unwrap_or_default();
    let taken = ApplicantQuery {
        applicant_type: None,
        external_id: Some(external_id.clone()),
    };
    let count_only = Window {
        offset: 0,
        limit: 0,
    };
    if state
        .services
        .list_applicants_numbered(scope, taken, count_only)
        .await?
        .total
        > 0
    {
        return Err(failure(
            StatusCode::CONFLICT,
            "beneficiary.conflict",
            "A beneficiary with this integratorBeneficiaryId already exists",
        ));
    }
    let new = NewApplicant {
        applicant_type: kind,
        external_id: Some(external_id),
        individual: profiles.individual,
        business: profiles.business,
        related_persons: Vec::new(),
    };
    let applicant = state
        .services
        .create_applicant(&caller.context(), new)
        .await
        .map_err(caliza_fields)?;
    Ok((
        StatusCode::CREATED,
        Answer(beneficiary_body(scope, &applicant, None, false)),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(id, ..): PathParam<Caliza, String>,
) -> Result<Answer<Value>> {
    let scope = caller.scope();
    let applicant = beneficiary(&state, scope, &id).await?;
    let newest = newest_case(&state, scope, &applicant.id).await?;
    Ok(Answer(beneficiary_body(
        scope,
        &applicant,
        newest.as_ref(),
        true,
    )))
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<u32>,
    size: Option<u32>,
}

const DEFAULT_SIZE: u32 = 20;
const MAX_SIZE: u32 = 100;

pub async fn list(
    State(state): State<AppState>,
    caller: CalizaCaller,
    Query(query, ..): Query<Caliza, ListQuery>,
) -> Result<Answer<Value>> {
    let scope = caller.scope();
    let page = query.page.unwrap_or(0);
    let size = query.size.unwrap_or(DEFAULT_SIZE);
    if !(1..=MAX_SIZE).contains(&size) {
        return Err(failure(
            StatusCode::BAD_REQUEST,
            "validation.invalid_page",
            "size must be between 1 and 100",
        ));
    }
    let window = Window {
        offset: u64::from(page) * u64::from(size),
        limit: size,
    };
    let found = state
        .services
        .list_applicants_numbered(scope, ApplicantQuery::default(), window)
        .await?;
    let mut content = Vec::with_capacity(found.data.len());
    for applicant in &found.data {
        let newest = newest_case(&state, scope, &applicant.id).await?;
        content.push(beneficiary_body(scope, applicant, newest.as_ref(), false));
    }
    Ok(Answer(json!({
        "content": content,
        "page": page,
        "size": size,
        "totalElements": found.total,
        "totalPages": found.total.div_ceil(u64::from(size)),
    })))
}

pub async fn update(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(id, ..): PathParam<Caliza, String>,
    Json(body, ..): Json<Caliza, BeneficiaryBody>,
) -> Result<Answer<Value>> {
    let scope = caller.scope();
    let applicant = beneficiary(&state, scope, &id).await?;
    let newest = newest_case(&state, scope, &applicant.id).await?;
    let pending = status::beneficiary(newest.as_ref().map(|c| c.status)) == "PENDING"
        && newest
            .as_ref()
            .is_none_or(|c| status::session(c.status) == "PENDING" || c.status.is_final());
    if !pending {
        return Err(failure(
            StatusCode::PRECONDITION_FAILED,
            "beneficiary.operation_not_permitted",
            "A beneficiary can be changed only while it is PENDING",
        ));
    }
    let (kind, profiles) = read_body(&body, false)?;
    if kind != applicant.applicant_type {
        return Err(failure(
            StatusCode::BAD_REQUEST,
            "validation.invalid_enum_value",
            "a beneficiary's type cannot change",
        ));
    }
    let changes = ApplicantChanges {
        individual: profiles.individual,
        business: profiles.business,
        ..ApplicantChanges::default()
    };
    let updated = state
        .services
        .update_applicant(&caller.context(), &applicant.id, changes)
        .await
        .map_err(caliza_fields)?;
    Ok(Answer(beneficiary_body(
        scope,
        &updated,
        newest.as_ref(),
        true,
    )))
}
