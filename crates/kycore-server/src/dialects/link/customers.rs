//! LINK's business customers: `POST /v2/business_customer` (a business applicant, its KYB
//! case and the case's hosted link), `GET /v2/business_customer/{customer_id}` and
//! `GET /v2/business_customer`. `customer_id` is the applicant's id (`app_…`), so it stays
//! the customer's whatever becomes of one verification; what LINK shows is the applicant's
//! newest KYB case.

use axum::Json as Answer;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kycore_domain::FieldError;
use kycore_domain::applicant::{Address, ApplicantType, BusinessProfile};
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::tenancy::Scope;
use kycore_services::applicants::NewApplicant;
use kycore_services::cases::CaseQuery;
use kycore_services::views::{Applicant, Case};
use kycore_services::{CaseApplicant, IdempotencyClaim, NewCaseRequest, ServiceError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::status::LinkStatus;
use super::{Link, LinkCaller, timestamp};
use crate::AppState;
use crate::dialects::idempotency::{IdempotentJson, run_once};
use crate::dialects::{Failure, PageNumber, PathParam, Query};
use crate::error::ApiError;
use crate::extract::renderer;

/// LINK does not document how long its links last: a week, for a business to gather its
/// documents.
const LINK_LIFETIME_SECONDS: u32 = 7 * 24 * 60 * 60;
/// Where LINK's idempotency keys and stored answers are kept.
const SURFACE: &str = "link";
/// Keys of the new cases that replace expired ones (the expired case's id), so that readers
/// racing for one expired customer make one new case between them.
const RENEWAL_SURFACE: &str = "link.renewal";
const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

type Result<T> = std::result::Result<T, Failure<Link>>;

#[derive(Deserialize)]
pub struct CreateCustomer {
    #[serde(default)]
    business_name: Option<String>,
    #[serde(default)]
    business_email: Option<String>,
    #[serde(default)]
    phone_number: Option<String>,
    #[serde(default)]
    registered_address: Option<String>,
    #[serde(default)]
    registered_country: Option<String>,
}

/// The documented answer to a creation.
#[derive(Serialize)]
pub struct Created {
    status: &'static str,
    customer_id: String,
    kyb_link: String,
    verification_status: &'static str,
    link_expires_at: String,
}

impl From<&Case> for Created {
    fn from(case: &Case) -> Self {
        Created {
            status: "success",
            customer_id: case.applicant_id.clone(),
            kyb_link: case.link.url.clone(),
            verification_status: LinkStatus::from_canonical(case.status).as_str(),
            link_expires_at: timestamp(case.link.expires_at),
        }
    }
}

/// What is kept for a renewal's key: only that it was made.
#[derive(Serialize)]
struct Renewed {
    case_id: String,
}

impl From<&Case> for Renewed {
    fn from(case: &Case) -> Self {
        Renewed {
            case_id: case.id.clone(),
        }
    }
}

fn not_found() -> Failure<Link> {
    Failure::new(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Customer not found.",
    ))
}

fn field_error(field: &str, code: &'static str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code,
        message: message.into(),
    }
}

/// A required text field, trimmed; its absence is added to `errors`.
fn required(value: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match value.map(str::trim) {
        Some(text) if !text.is_empty() => Some(text.to_owned()),
        _ => {
            errors.push(field_error(field, "required", "is required"));
            None
        }
    }
}

/// LINK's alpha-3 country (`^[A-Z]{3}$`) as the alpha-2 code kycore keeps.
fn alpha2_of(alpha3: &str) -> Option<String> {
    let shaped = alpha3.len() == 3 && alpha3.bytes().all(|b| b.is_ascii_uppercase());
    shaped
        .then(|| celes::Country::from_alpha3(alpha3).ok())
        .flatten()
        .map(|country| country.alpha2.to_owned())
}

/// The alpha-3 code LINK shows for kycore's alpha-2.
fn alpha3_of(alpha2: Option<&str>) -> Option<String> {
    alpha2
        .and_then(|code| celes::Country::from_alpha2(code).ok())
        .map(|country| country.alpha3.to_owned())
}

/// The business as the request describes it, its country as kycore keeps it. The e-mail
/// address and phone number are checked by kycore's own validation of business profiles
/// (a `+` and country code required), which names them by the request's fields.
fn business_profile(body: &CreateCustomer) -> Result<BusinessProfile> {
    let mut errors = Vec::new();
    let name = required(body.business_name.as_deref(), "business_name", &mut errors);
    let email = required(
        body.business_email.as_deref(),
        "business_email",
        &mut errors,
    );
    let phone = required(body.phone_number.as_deref(), "phone_number", &mut errors);
    let address = required(
        body.registered_address.as_deref(),
        "registered_address",
        &mut errors,
    );
    let country = required(
        body.registered_country.as_deref(),
        "registered_country",
        &mut errors,
    )
    .and_then(|raw| {
        let alpha2 = alpha2_of(&raw);
        if alpha2.is_none() {
            errors.push(field_error(
                "registered_country",
                "invalid_country",
                "must be an ISO 3166-1 alpha-3 code, e.g. NGA, USA or GBR",
            ));
        }
        alpha2
    });
    if !errors.is_empty() {
        return Err(Failure::new(
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "the request has invalid fields",
            )
            .with_errors(errors),
        ));
    }
    Ok(BusinessProfile {
        legal_name: name,
        email,
        phone,
        country: country.clone(),
        address: Some(Address {
            line1: address,
            country,
            ..Address::default()
        }),
        ..BusinessProfile::default()
    })
}

/// A new business applicant with its KYB case: the hosted flow opens with what LINK was
/// given already filled in.
fn new_customer(body: &CreateCustomer) -> Result<NewCaseRequest> {
    Ok(NewCaseRequest {
        applicant: CaseApplicant::New(Box::new(NewApplicant {
            applicant_type: ApplicantType::Business,
            external_id: None,
            individual: None,
            business: Some(business_profile(body)?),
            related_persons: Vec::new(),
        })),
        kind: CaseKind::Kyb,
        flow_id: None,
        external_id: None,
        redirect_url: None,
        metadata: Map::new(),
        link_lifetime_seconds: Some(LINK_LIFETIME_SECONDS),
    })
}

pub async fn create(
    State(state): State<AppState>,
    caller: LinkCaller,
    request: IdempotentJson<Link, CreateCustomer>,
) -> Result<Response> {
    let IdempotentJson { body, key, .. } = request;
    let new_case = new_customer(&body)?;
    let services = &state.services;
    run_once::<Link, Case, Created, _, _>(
        &state,
        &caller,
        SURFACE,
        key,
        StatusCode::OK,
        move |ctx| async move { services.create_case(&ctx, new_case).await },
    )
    .await
}

/// The business applicant `id` names and its newest KYB case; another tenant's applicant, a
/// person, or a business without a KYB case is no customer.
async fn customer(state: &AppState, scope: &Scope, id: &str) -> Result<(Applicant, Case)> {
    let applicant = match state.services.get_applicant(scope, id).await {
        Ok(applicant) if applicant.applicant_type == ApplicantType::Business => applicant,
        Ok(_) | Err(ServiceError::NotFound { .. }) => return Err(not_found()),
        Err(error) => return Err(error.into()),
    };
    let case = current_case(state, scope, &applicant.id)
        .await?
        .ok_or_else(not_found)?;
    Ok((applicant, case))
}

async fn current_case(
    state: &AppState,
    scope: &Scope,
    applicant_id: &str,
) -> std::result::Result<Option<Case>, ServiceError> {
    let query = CaseQuery {
        kind: Some(CaseKind::Kyb),
        applicant_id: Some(applicant_id.to_owned()),
        ..CaseQuery::default()
    };
    crate::dialects::newest_case(state, scope, query).await
}

/// Whether the customer could still finish but its link no longer opens: a new one is due.
fn needs_new_link(case: &Case, now: OffsetDateTime) -> bool {
    case.status == CaseStatus::Expired
        || (case.status.awaits_applicant() && case.link.expires_at <= now)
}

/// The customer's case with a link that opens, as LINK promises: a case still waiting gets a
/// new link; an expired one (kycore ends a case nobody finished in time) is followed by a
/// new case for the same business.
async fn with_working_link(state: &AppState, caller: &LinkCaller, case: Case) -> Result<Case> {
    let mut case = case;
    // Twice at most: the case may change between the read and the renewal (the expiry
    // worker, another reader), and is then read again and renewed as it is now.
    for _ in 0..2 {
        if !needs_new_link(&case, OffsetDateTime::now_utc()) {
            return Ok(case);
        }
        match renew(state, caller, &case).await {
            Ok(renewed) => return Ok(renewed),
            Err(ServiceError::Conflict { .. } | ServiceError::InvalidTransition(_)) => {
                case = current_case(state, caller.scope(), &case.applicant_id)
                    .await?
                    .ok_or_else(not_found)?;
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(case)
}

async fn renew(
    state: &AppState,
    caller: &LinkCaller,
    case: &Case,
) -> std::result::Result<Case, ServiceError> {
    let services = &state.services;
    if case.status != CaseStatus::Expired {
        return services
            .reissue_link_lasting(&caller.context(), &case.id, Some(LINK_LIFETIME_SECONDS))
            .await;
    }
    let successor = NewCaseRequest {
        applicant: CaseApplicant::Existing(case.applicant_id.clone()),
        kind: CaseKind::Kyb,
        flow_id: Some(case.flow_id.clone()),
        external_id: case.external_id.clone(),
        redirect_url: case.redirect_url.clone(),
        metadata: case.metadata.clone(),
        link_lifetime_seconds: Some(LINK_LIFETIME_SECONDS),
    };
    let once = IdempotencyClaim {
        surface: RENEWAL_SURFACE,
        key: case.id.clone(),
        request_hash: case.id.as_bytes().to_vec(),
        status: StatusCode::OK.as_u16(),
        render: renderer::<Case, Renewed>(),
    };
    let ctx = caller.context().with_idempotency(Some(once));
    services.create_case(&ctx, successor).await
}

/// A customer as LINK's detail and list show it.
fn customer_fields(applicant: &Applicant, case: &Case) -> Map<String, Value> {
    let business = applicant.business.clone().unwrap_or_default();
    let address = business.address.unwrap_or_default();
    let updated_at = applicant.updated_at.max(case.updated_at);
    let mut fields = Map::new();
    for (key, value) in [
        ("customer_id", json!(applicant.id)),
        ("business_name", json!(business.legal_name)),
        ("business_email", json!(business.email)),
        ("phone_number", json!(business.phone)),
        ("registered_address", json!(address.line1)),
        (
            "registered_country",
            json!(alpha3_of(business.country.as_deref())),
        ),
        ("kyb_link", json!(case.link.url)),
        (
            "verification_status",
            json!(LinkStatus::from_canonical(case.status).as_str()),
        ),
        ("link_expires_at", json!(timestamp(case.link.expires_at))),
        ("created_at", json!(timestamp(applicant.created_at))),
        ("updated_at", json!(timestamp(updated_at))),
    ] {
        fields.insert(key.into(), value);
    }
    fields
}

pub async fn get(
    State(state): State<AppState>,
    caller: LinkCaller,
    PathParam(customer_id, ..): PathParam<Link, String>,
) -> Result<Answer<Value>> {
    let (applicant, case) = customer(&state, caller.scope(), &customer_id).await?;
    let case = with_working_link(&state, &caller, case).await?;
    let mut detail = Map::new();
    detail.insert("status".into(), json!("success"));
    detail.extend(customer_fields(&applicant, &case));
    Ok(Answer(Value::Object(detail)))
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<String>,
    limit: Option<String>,
    verification_status: Option<String>,
}

/// Customers newest first, each by its current case (links are not renewed here: reading
/// one customer does that).
pub async fn list(
    State(state): State<AppState>,
    caller: LinkCaller,
    Query(query, ..): Query<Link, ListQuery>,
) -> Result<Answer<Value>> {
    let page = PageNumber::parse::<Link>(
        query.page.as_deref(),
        query.limit.as_deref(),
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
    )?;
    let statuses = match query.verification_status.as_deref() {
        None => Vec::new(),
        Some(raw) => LinkStatus::parse(raw)
            .ok_or_else(|| {
                Failure::<Link>::bad_request(format!(
                    "verification_status must be one of {}",
                    LinkStatus::names()
                ))
            })?
            .canonical(),
    };
    let filter = CaseQuery {
        statuses,
        kind: Some(CaseKind::Kyb),
        newest_per_applicant: true,
        ..CaseQuery::default()
    };
    let scope = caller.scope();
    let found = state
        .services
        .list_cases_numbered(scope, filter, page.window())
        .await?;
    let mut data = Vec::with_capacity(found.data.len());
    for case in &found.data {
        let applicant = state
            .services
            .get_applicant(scope, &case.applicant_id)
            .await?;
        data.push(Value::Object(customer_fields(&applicant, case)));
    }
    Ok(Answer(json!({
        "status": "success",
        "data": data,
        "page": page.page,
        "limit": page.limit,
        "total": found.total,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_travel_as_alpha_3_and_are_kept_as_alpha_2() {
        assert_eq!(alpha2_of("NGA").as_deref(), Some("NG"));
        assert_eq!(alpha2_of("USA").as_deref(), Some("US"));
        for bad in ["usa", "US", "USAA", "XXX", "", "ÜSA"] {
            assert_eq!(alpha2_of(bad), None, "{bad}");
        }
        assert_eq!(alpha3_of(Some("GB")).as_deref(), Some("GBR"));
        assert_eq!(alpha3_of(None), None);
    }
}
