//! VOVE's KYB cases: `POST /kyb/case` (a KYB case and the token that opens its hosted flow),
//! `GET /kyb/case/{id}` by kycore's case id or by the caller's `refId`, and `GET /kyb/case`.
//! A VOVE case is a kycore KYB case: `refId` is its `external_id` and its applicant's.

use axum::Json as Answer;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_domain::applicant::{
    Address, ApplicantType, BusinessProfile, RelatedPerson, RelatedPersonRole,
};
use kycore_domain::case::CaseKind;
use kycore_domain::tenancy::Scope;
use kycore_services::applicants::NewApplicant;
use kycore_services::cases::CaseQuery;
use kycore_services::views::{Applicant, Case, Document};
use kycore_services::{CaseApplicant, NewCaseRequest, ServiceError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::status::{VoveStatus, rejection_reason};
use super::{Failure, Vove, VoveCaller, VoveJson, VoveQuery};
use crate::AppState;
use crate::dialects::{self, Json, PageNumber, PathParam, Query, utc_millis};
use crate::error::ApiError;

/// VOVE's tokens open the hosted flow for 24 hours.
const TOKEN_LIFETIME_SECONDS: u32 = 24 * 60 * 60;
const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

type Result<T> = std::result::Result<T, Failure<Vove>>;

#[derive(Deserialize)]
pub struct CreateKybCase {
    #[serde(rename = "refId", default)]
    ref_id: Option<String>,
    #[serde(default)]
    flow: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    country_state: Option<String>,
    /// Not in VOVE's current API (its older one pre-filled the flow with it): kept as the
    /// business's name, shown to the applicant to confirm.
    #[serde(rename = "businessName", default)]
    business_name: Option<String>,
    /// Like `businessName`: what kycore knows of it pre-fills the flow, and the whole object
    /// is kept in the case's metadata.
    #[serde(rename = "formData", default)]
    form_data: Option<Map<String, Value>>,
}

#[derive(Serialize)]
pub struct Created {
    #[serde(rename = "kybCase")]
    kyb_case: CreatedCase,
    token: String,
}

#[derive(Serialize)]
struct CreatedCase {
    #[serde(rename = "_id")]
    id: String,
    #[serde(rename = "refId")]
    ref_id: Option<String>,
    status: &'static str,
    flow: String,
}

fn bad_request(message: impl Into<String>) -> Failure<Vove> {
    Failure::bad_request(message)
}

fn not_found() -> Failure<Vove> {
    Failure::new(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "KYB case not found",
    ))
}

/// A `formData` member kycore reads: a string, or absent.
fn form_text(form: Option<&Map<String, Value>>, key: &str) -> Result<Option<String>> {
    match form.and_then(|f| f.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(bad_request(format!("formData.{key} must be a string"))),
    }
}

/// The business as the request describes it, for a new applicant.
fn business_profile(body: &CreateKybCase) -> Result<BusinessProfile> {
    let form = body.form_data.as_ref();
    let city = form_text(form, "city")?;
    let line1 = form_text(form, "address")?;
    let address_country = form_text(form, "country")?;
    let address =
        (city.is_some() || line1.is_some() || address_country.is_some()).then(|| Address {
            line1,
            city,
            country: address_country.clone(),
            ..Address::default()
        });
    Ok(BusinessProfile {
        legal_name: body.business_name.clone(),
        registration_number: form_text(form, "registrationNumber")?,
        country: body.country.clone().or(address_country),
        state: body.country_state.clone(),
        address,
        ..BusinessProfile::default()
    })
}

/// The business applicant a `refId` already names, so a second case for one business (a
/// new token after the first expired) stays with it; else a new one.
async fn applicant_for(
    state: &AppState,
    scope: &Scope,
    ref_id: &str,
    body: &CreateKybCase,
) -> Result<CaseApplicant> {
    let known = dialects::known_applicant(state, scope, ApplicantType::Business, ref_id).await?;
    if let Some(applicant) = known {
        return Ok(CaseApplicant::Existing(applicant.id));
    }
    Ok(CaseApplicant::New(Box::new(NewApplicant {
        applicant_type: ApplicantType::Business,
        external_id: Some(ref_id.to_owned()),
        individual: None,
        business: Some(business_profile(body)?),
        related_persons: Vec::new(),
    })))
}

pub async fn create(
    State(state): State<AppState>,
    caller: VoveCaller,
    Json(body, ..): VoveJson<CreateKybCase>,
) -> Result<Answer<Created>> {
    let ref_id = match body.ref_id.as_deref().map(str::trim) {
        Some(ref_id) if !ref_id.is_empty() => ref_id.to_owned(),
        _ => {
            return Err(Failure::new(
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "validation_failed",
                    "refId should not be empty",
                )
                .with_errors(vec![kycore_domain::FieldError {
                    field: "refId".into(),
                    code: "required",
                    message: "should not be empty".into(),
                }]),
            ));
        }
    };
    let applicant = applicant_for(&state, caller.scope(), &ref_id, &body).await?;
    let mut metadata = Map::new();
    if let Some(form) = &body.form_data {
        metadata.insert("formData".into(), Value::Object(form.clone()));
    }
    let request = NewCaseRequest {
        applicant,
        kind: CaseKind::Kyb,
        flow_id: body.flow.clone(),
        external_id: Some(ref_id),
        redirect_url: None,
        metadata,
        link_lifetime_seconds: Some(TOKEN_LIFETIME_SECONDS),
    };
    let case = state
        .services
        .create_case(&caller.context(), request)
        .await?;
    Ok(Answer(Created {
        kyb_case: CreatedCase {
            id: case.id,
            ref_id: case.external_id,
            status: VoveStatus::from_canonical(case.status).as_str(),
            flow: case.flow_id,
        },
        token: case.link.token,
    }))
}

/// A KYB case of the caller's by kycore's id, else the newest with that `refId`.
async fn find(state: &AppState, scope: &Scope, id: &str) -> Result<Case> {
    match state.services.get_case(scope, id).await {
        Ok(case) if case.kind == CaseKind::Kyb => return Ok(case),
        Ok(_) | Err(ServiceError::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let query = CaseQuery {
        kind: Some(CaseKind::Kyb),
        external_id: Some(id.to_owned()),
        ..CaseQuery::default()
    };
    let case = dialects::newest_case(state, scope, query)
        .await?
        .ok_or_else(not_found)?;
    Ok(state.services.get_case(scope, &case.id).await?)
}

pub async fn get(
    State(state): State<AppState>,
    caller: VoveCaller,
    PathParam(id, ..): PathParam<Vove, String>,
) -> Result<Answer<Value>> {
    let scope = caller.scope();
    let case = find(&state, scope, &id).await?;
    let applicant = state
        .services
        .get_applicant(scope, &case.applicant_id)
        .await?;
    let documents = state.services.list_documents(scope, &case.id).await?;
    let flow = state.services.get_flow(scope, &case.flow_id).await?;
    let business = applicant.business.clone().unwrap_or_default();
    let mut detail = summary(&case);
    detail.extend([
        ("businessName".into(), json!(business.legal_name)),
        (
            "flow".into(),
            json!({
                "id": flow.id,
                "name": flow.name,
                "country": flow.countries.first(),
                "configuration": { "steps": flow.steps.iter().map(|s| s.as_str()).collect::<Vec<_>>() },
            }),
        ),
        ("formData".into(), form_data(&business)),
        (
            "documents".into(),
            documents.iter().map(document).collect::<Value>(),
        ),
        ("ubos".into(), ubos(&applicant, &case)),
    ]);
    Ok(Answer(Value::Object(detail)))
}

/// What both the detail and a list's items show.
fn summary(case: &Case) -> Map<String, Value> {
    let status = VoveStatus::from_canonical(case.status);
    let mut fields = Map::new();
    fields.insert("id".into(), json!(case.id));
    fields.insert("_id".into(), json!(case.id));
    fields.insert("refId".into(), json!(case.external_id));
    fields.insert("status".into(), json!(status.as_str()));
    if let Some(reason) = rejection_reason(case.status, case.decision.as_ref()) {
        fields.insert("reason".into(), json!(reason));
    }
    fields.insert("flow".into(), json!(case.flow_id));
    fields.insert("createdAt".into(), json!(utc_millis(case.created_at)));
    fields.insert("updatedAt".into(), json!(utc_millis(case.updated_at)));
    fields.insert(
        "submittedAt".into(),
        json!(case.submitted_at.map(utc_millis)),
    );
    fields
}

fn form_data(business: &BusinessProfile) -> Value {
    let address = business.address.clone().unwrap_or_default();
    json!({
        "registrationNumber": business.registration_number,
        "country": business.country,
        "city": address.city,
        "address": address.line1,
    })
}

fn document(document: &Document) -> Value {
    json!({
        "id": document.id,
        "documentType": document.document_type.to_ascii_uppercase(),
        "fileName": Value::Null,
        "uploadedAt": utc_millis(document.created_at),
        "analysis": {
            "extracted": {},
            "status": document.status.to_ascii_uppercase(),
            "rejectionReasons": document.rejection_reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
        },
    })
}

/// The business's beneficial owners, each with the status of their own KYC case.
fn ubos(applicant: &Applicant, case: &Case) -> Value {
    applicant
        .related_persons
        .iter()
        .filter(|p| p.role == RelatedPersonRole::Ubo)
        .map(|person| ubo(person, case))
        .collect()
}

fn ubo(person: &RelatedPerson, case: &Case) -> Value {
    let person_id = person.id.as_ref().map(ToString::to_string);
    let status = case
        .related_cases
        .iter()
        .flatten()
        .find(|related| Some(&related.related_person_id) == person_id.as_ref())
        .map_or(VoveStatus::NotStarted, |related| {
            VoveStatus::from_canonical(related.status)
        });
    json!({
        "refId": person_id,
        "firstName": person.first_name,
        "lastName": person.last_name,
        "email": person.email,
        "status": status.as_str(),
        "ownership": person.ownership_percent,
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<String>,
    limit: Option<String>,
    status: Option<String>,
    #[serde(rename = "refId")]
    ref_id: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: VoveCaller,
    Query(query, ..): VoveQuery<ListQuery>,
) -> Result<Answer<Value>> {
    let page = PageNumber::parse::<Vove>(
        query.page.as_deref(),
        query.limit.as_deref(),
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
    )?;
    let statuses = match query.status.as_deref() {
        None => Vec::new(),
        Some(raw) => VoveStatus::parse(raw)
            .ok_or_else(|| bad_request(format!("status must be one of {}", status_names())))?
            .canonical(),
    };
    let filter = CaseQuery {
        statuses,
        kind: Some(CaseKind::Kyb),
        external_id: query.ref_id,
        ..CaseQuery::default()
    };
    let found = state
        .services
        .list_cases_numbered(caller.scope(), filter, page.window())
        .await?;
    let data: Vec<Value> = found
        .data
        .iter()
        .map(|c| Value::Object(summary(c)))
        .collect();
    Ok(Answer(json!({
        "data": data, "total": found.total, "page": page.page, "limit": page.limit,
    })))
}

fn status_names() -> String {
    VoveStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
