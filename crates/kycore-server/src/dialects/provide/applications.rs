//! Provide's KYC applications: list (newest first, numbered pages, `X-Total-Results-Count`),
//! create, get, `PUT {"status"}`, and a user's own list. An application is a kycore case;
//! its `user_id` — a person of the Provide Application, who lives outside kycore — is the
//! case's `external_id` and its applicant's, so a second application for one user stays
//! with the same applicant. The normalized `params` go to the applicant's profile (names,
//! date of birth, e-mail, id number); the rest of what Provide shows back (`provider`,
//! `name`, the params without images) is kept in the case's sealed metadata under
//! `provide`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use kycore_domain::applicant::{ApplicantType, BusinessProfile, IndividualProfile};
use kycore_domain::case::{CaseKind, CaseStatus, ManualDecision};
use kycore_domain::ids::{ApplicantId, id_as_uuid};
use kycore_domain::tenancy::Scope;
use kycore_services::applicants::{ApplicantChanges, NewApplicant};
use kycore_services::cases::{CaseQuery, DecisionRequest};
use kycore_services::documents::NewDocument;
use kycore_services::pagination::{MAX_WINDOW_LIMIT, Window};
use kycore_services::views::{Applicant, Case, Check};
use kycore_services::{CaseApplicant, CaseAttachments, NewCaseRequest, ServiceError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;

use super::error::{INVALID_TRANSITION, reasons};
use super::providers::{self, KycProvider, Submission};
use super::representation;
use super::status::{ProvideStatus, put_allowed, put_change, remediation};
use super::{
    Bearer, Provide, ProvideCaller, Result, answer, application_id_of_case, application_uuid,
    case_id_of, full_name, not_found, refusal, uuid,
};
use crate::AppState;
use crate::dialects::{Failure, Json, PathParam, Query, bounded_number};
use crate::error::ApiError;

const DEFAULT_RPP: u32 = 25;
/// Where the Provide-specific parts of an application live in the case's metadata.
const METADATA_KEY: &str = "provide";
/// Params holding images: they become documents, never metadata.
const IMAGE_PARAMS: [&str; 4] = ["id_photo", "id_photo_back", "selfie", "selfie_video"];
/// The normalized params that are text.
const TEXT_PARAMS: [&str; 14] = [
    "affiliate_id",
    "id_number",
    "date_of_birth",
    "first_name",
    "last_name",
    "name",
    "email",
    "id_photo",
    "id_photo_back",
    "selfie",
    "selfie_video",
    "ssn",
    "type",
    "webhook_url",
];

/// A KYC application in Provide's shape, its keys in Provide's order; nulls are written.
#[derive(Serialize)]
pub struct Application {
    id: Option<String>,
    created_at: String,
    application_id: Option<String>,
    user_id: Option<String>,
    provider: String,
    identifier: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    name: Option<String>,
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_representation: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    similar_kyc_applications: Option<Vec<Application>>,
}

/// What the case's metadata keeps for Provide.
fn stored(case: &Case) -> &Map<String, Value> {
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    case.metadata
        .get(METADATA_KEY)
        .and_then(Value::as_object)
        .unwrap_or(&EMPTY)
}

fn stored_text(case: &Case, key: &str) -> Option<String> {
    stored(case)
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The user an application is for: the case's `external_id` when it is a UUID (every case
/// made here), else the applicant's id as a UUID (a case made natively without one).
fn user_id_of(case: &Case) -> Option<String> {
    case.external_id
        .as_deref()
        .and_then(uuid)
        .or_else(|| id_as_uuid(&case.applicant_id, ApplicantId::PREFIX))
}

/// Why a case ended without a decision, in Provide's `description`.
fn description(case: &Case) -> Option<String> {
    match case.status {
        CaseStatus::Expired => Some("the application expired before it was submitted".into()),
        CaseStatus::Canceled => Some("the application was canceled".into()),
        _ => None,
    }
}

/// The checks of a case in review (the only status remediation concerns); none otherwise.
async fn review_checks(state: &AppState, scope: &Scope, case: &Case) -> Result<Vec<Check>> {
    if case.status != CaseStatus::InReview {
        return Ok(Vec::new());
    }
    Ok(match &case.checks {
        Some(checks) => checks.clone(),
        None => state.services.case_checks(scope, &case.id).await?,
    })
}

/// The look-alike applicants kycore's duplicate check found for a case in review: what
/// Provide calls remediation.
fn similar_applicants(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| remediation::flags(c))
        .flat_map(|c| {
            c.result["applicant_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect()
}

async fn provide_status(state: &AppState, scope: &Scope, case: &Case) -> Result<ProvideStatus> {
    let checks = review_checks(state, scope, case).await?;
    Ok(ProvideStatus::of(
        case.status,
        checks.iter().any(remediation::flags),
    ))
}

/// What every answer shows of a case.
async fn summary(state: &AppState, scope: &Scope, case: &Case) -> Result<Application> {
    let status = provide_status(state, scope, case).await?;
    Ok(Application {
        id: application_id_of_case(&case.id),
        created_at: case.created_at.format(&Rfc3339).unwrap_or_default(),
        application_id: application_uuid(scope),
        user_id: user_id_of(case),
        provider: stored_text(case, "provider").unwrap_or_else(|| providers::DEFAULT.to_owned()),
        // Provide's provider job id, null until submitted: the provider's, when one took
        // it, else kycore's own case id.
        identifier: stored_text(case, "identifier").or_else(|| {
            (status != ProvideStatus::Pending && case.submitted_at.is_some())
                .then(|| case.id.clone())
        }),
        kind: match case.kind {
            CaseKind::Kyc => "kyc",
            CaseKind::Kyb => "kyb",
        },
        status: status.as_str(),
        name: stored_text(case, "name"),
        description: stored_text(case, "description").or_else(|| description(case)),
        params: None,
        provider_representation: None,
        similar_kyc_applications: None,
    })
}

/// The caller's case by Provide id: a user sees only their own; anything else is missing.
pub(super) async fn find(
    state: &AppState,
    caller: &ProvideCaller,
    bearer: &Bearer,
    id: &str,
) -> Result<Case> {
    let case_id = case_id_of(id).ok_or_else(not_found)?;
    let case = match state.services.get_case(caller.scope(), &case_id).await {
        Err(ServiceError::NotFound { .. }) => return Err(not_found()),
        found => found?,
    };
    match bearer {
        Bearer::User(user) if user_id_of(&case).as_ref() != Some(user) => Err(not_found()),
        _ => Ok(case),
    }
}

// ---------------------------------------------------------------------------------------
// Listing

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page: Option<String>,
    rpp: Option<String>,
}

fn number(raw: Option<&str>, name: &str, default: u32, max: u32) -> Result<u32> {
    bounded_number(raw, default, max).ok_or_else(|| {
        refusal(
            StatusCode::BAD_REQUEST,
            format!("{name} must be a number between 1 and {max}"),
        )
    })
}

async fn list_for(
    state: &AppState,
    caller: &ProvideCaller,
    query: ListQuery,
    user: Option<String>,
) -> Result<Response> {
    let rpp = number(query.rpp.as_deref(), "rpp", DEFAULT_RPP, MAX_WINDOW_LIMIT)?;
    let page = number(query.page.as_deref(), "page", 1, u32::MAX)?;
    let statuses = match query.status.as_deref() {
        None | Some("") => Vec::new(),
        Some(raw) => match ProvideStatus::parse(raw) {
            Some(status) => status.canonical(),
            // No application has a status Provide does not know.
            None => return Ok(page_answer(Vec::new(), 0)),
        },
    };
    let filter = CaseQuery {
        statuses,
        external_id: user,
        ..CaseQuery::default()
    };
    let window = Window {
        offset: u64::from(page - 1) * u64::from(rpp),
        limit: rpp,
    };
    let scope = caller.scope();
    let found = state
        .services
        .list_cases_numbered(scope, filter, window)
        .await?;
    let mut items = Vec::with_capacity(found.data.len());
    for case in &found.data {
        items.push(summary(state, scope, case).await?);
    }
    Ok(page_answer(items, found.total))
}

fn page_answer(items: Vec<Application>, total: u64) -> Response {
    let mut response = answer(StatusCode::OK, &items);
    response
        .headers_mut()
        .insert("x-total-results-count", HeaderValue::from(total));
    response
}

pub async fn list(
    State(state): State<AppState>,
    caller: ProvideCaller,
    Query(query, ..): Query<Provide, ListQuery>,
) -> Result<Response> {
    let user = match Bearer::of(&caller)? {
        Bearer::Application => None,
        Bearer::User(user) => Some(user),
    };
    list_for(&state, &caller, query, user).await
}

/// A user's own applications: for user bearers, as Provide serves it.
pub async fn of_user(
    State(state): State<AppState>,
    caller: ProvideCaller,
    PathParam(id, ..): PathParam<Provide, String>,
    Query(query, ..): Query<Provide, ListQuery>,
) -> Result<Response> {
    let Bearer::User(user) = Bearer::of(&caller)? else {
        return Err(Failure::new(super::unauthorized()));
    };
    if uuid(&id).as_ref() != Some(&user) {
        return Err(refusal(StatusCode::FORBIDDEN, "forbidden"));
    }
    list_for(&state, &caller, query, Some(user)).await
}

// ---------------------------------------------------------------------------------------
// Creation

#[derive(Deserialize)]
pub struct CreateApplication {
    #[serde(default)]
    user_id: Option<Value>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    params: Option<Map<String, Value>>,
}

/// Create's refusals: 422 `Failed to create KYC application; <reason>`, as Provide says it.
fn cannot_create(reason: impl std::fmt::Display) -> Failure<Provide> {
    refusal(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("Failed to create KYC application; {reason}"),
    )
}

/// The normalized params, checked: each known one text (or null), `params` an object.
fn checked_params(params: Option<Map<String, Value>>) -> Result<Map<String, Value>> {
    let params = params.unwrap_or_default();
    for key in TEXT_PARAMS {
        if !matches!(params.get(key), None | Some(Value::Null | Value::String(_))) {
            return Err(refusal(
                StatusCode::BAD_REQUEST,
                format!("params.{key} must be a string"),
            ));
        }
    }
    if !matches!(
        params.get("params"),
        None | Some(Value::Null | Value::Object(_))
    ) {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "params.params must be an object",
        ));
    }
    Ok(params)
}

/// A param's text, `None` when absent, null or blank.
fn text(params: &Map<String, Value>, key: &str) -> Option<String> {
    params
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn individual(params: &Map<String, Value>) -> IndividualProfile {
    IndividualProfile {
        first_name: text(params, "first_name"),
        last_name: text(params, "last_name"),
        date_of_birth: text(params, "date_of_birth"),
        email: text(params, "email"),
        id_number: text(params, "id_number").or_else(|| text(params, "ssn")),
        ..IndividualProfile::default()
    }
}

/// `params.name`, else `first_name last_name`.
fn given_name(params: &Map<String, Value>) -> Option<String> {
    text(params, "name")
        .or_else(|| full_name(text(params, "first_name"), text(params, "last_name")))
}

/// An applicant's name: a person's full name, a business's legal name.
fn name_of(applicant: &Applicant) -> Option<String> {
    match (&applicant.individual, &applicant.business) {
        (Some(person), _) => full_name(person.first_name.clone(), person.last_name.clone()),
        (None, Some(business)) => business.legal_name.clone(),
        (None, None) => None,
    }
}

/// The stored params: what was sent, less any image (those are documents).
fn kept_params(params: &Map<String, Value>) -> Map<String, Value> {
    params
        .iter()
        .filter(|(key, value)| {
            !IMAGE_PARAMS.contains(&key.as_str()) || value.as_str().is_none_or(str::is_empty)
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// Overlays what `given` says on `current`.
fn merged(current: Option<IndividualProfile>, given: IndividualProfile) -> IndividualProfile {
    let current = current.unwrap_or_default();
    IndividualProfile {
        first_name: given.first_name.or(current.first_name),
        last_name: given.last_name.or(current.last_name),
        date_of_birth: given.date_of_birth.or(current.date_of_birth),
        email: given.email.or(current.email),
        id_number: given.id_number.or(current.id_number),
        ..current
    }
}

/// The user's applicant, brought up to date with the params; a new one when the user is
/// unknown (Provide's users live outside kycore). Also the name the application takes when
/// the params give none: the applicant's own.
async fn applicant_for(
    state: &AppState,
    caller: &ProvideCaller,
    user: &str,
    kind: CaseKind,
    params: &Map<String, Value>,
) -> Result<(CaseApplicant, Option<String>)> {
    let applicant_type = match kind {
        CaseKind::Kyc => ApplicantType::Individual,
        CaseKind::Kyb => ApplicantType::Business,
    };
    let known =
        crate::dialects::known_applicant(state, caller.scope(), applicant_type, user).await?;
    let given = individual(params);
    let business = || BusinessProfile {
        legal_name: given_name(params),
        ..BusinessProfile::default()
    };
    let Some(applicant) = known else {
        let (individual, business) = match kind {
            CaseKind::Kyc => (Some(given), None),
            CaseKind::Kyb => (None, Some(business())),
        };
        let new = NewApplicant {
            applicant_type,
            external_id: Some(user.to_owned()),
            individual,
            business,
            related_persons: Vec::new(),
        };
        return Ok((CaseApplicant::New(Box::new(new)), None));
    };
    let changes = match kind {
        CaseKind::Kyc if given != IndividualProfile::default() => Some(ApplicantChanges {
            individual: Some(merged(applicant.individual.clone(), given)),
            ..ApplicantChanges::default()
        }),
        CaseKind::Kyb if given_name(params).is_some() => Some(ApplicantChanges {
            business: Some(BusinessProfile {
                legal_name: given_name(params),
                ..applicant.business.clone().unwrap_or_default()
            }),
            ..ApplicantChanges::default()
        }),
        _ => None,
    };
    let applicant = match changes {
        Some(changes) => {
            state
                .services
                .update_applicant(&caller.context(), &applicant.id, changes)
                .await?
        }
        None => applicant,
    };
    let name = name_of(&applicant);
    Ok((CaseApplicant::Existing(applicant.id), name))
}

/// The params holding images, and the document each becomes: create's params and the
/// `type` of an upload to an application's documents alike.
pub(super) const DOCUMENT_PARAMS: [(&str, &str, &str); 3] = [
    ("id_photo", "id-card", "front"),
    ("id_photo_back", "id-card", "back"),
    ("selfie", "selfie", "front"),
];

/// Base64 image data, as Provide's clients send it (optionally as a `data:` URL).
fn image_bytes(raw: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let encoded = match raw.split_once(";base64,") {
        Some((prefix, data)) if prefix.starts_with("data:") => data,
        _ => raw,
    };
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.trim_end_matches('='))
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(compact.trim_end_matches('='))
        })
        .ok()
}

/// The image param `key` (one of [`DOCUMENT_PARAMS`]) decoded and checked as kycore checks
/// any upload, before anything is written: the document it becomes. `refuse` words a
/// refusal as the route it came to does.
pub(super) async fn image_document(
    state: &AppState,
    key: &str,
    raw: &str,
    refuse: &(dyn Fn(String) -> Failure<Provide> + Sync),
) -> Result<NewDocument> {
    let Some((_, document_type, side)) = DOCUMENT_PARAMS.iter().find(|(k, ..)| *k == key) else {
        return Err(refuse(format!(
            "{key} is not one of id_photo, id_photo_back, selfie"
        )));
    };
    let file =
        image_bytes(raw).ok_or_else(|| refuse(format!("params.{key} is not base64 image data")))?;
    let upload = NewDocument {
        document_type: (*document_type).to_owned(),
        side: Some((*side).to_owned()),
        file,
        ..NewDocument::default()
    };
    state
        .services
        .check_document(upload)
        .await
        .map_err(|e| match e {
            ServiceError::Validation(errors) => refuse(format!(
                "params.{key}: {}",
                errors
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            other => other.into(),
        })
}

/// The images among the params: the documents the application's checks run on.
async fn documents_of(state: &AppState, params: &Map<String, Value>) -> Result<Vec<NewDocument>> {
    let mut documents = Vec::new();
    for (key, ..) in DOCUMENT_PARAMS {
        if let Some(raw) = text(params, key) {
            documents
                .push(image_document(state, key, &raw, &|reason| cannot_create(reason)).await?);
        }
    }
    Ok(documents)
}

/// The user an application is for: the bearer's own, else the body's `user_id`.
fn user_of(bearer: &Bearer, user_id: Option<&Value>) -> Result<String> {
    if let Bearer::User(user) = bearer {
        return Ok(user.clone());
    }
    match user_id {
        None | Some(Value::Null) => Err(cannot_create("user_id is required")),
        Some(Value::String(raw)) => {
            uuid(raw).ok_or_else(|| refusal(StatusCode::BAD_REQUEST, "user_id must be a UUID"))
        }
        Some(_) => Err(refusal(StatusCode::BAD_REQUEST, "user_id must be a UUID")),
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: ProvideCaller,
    Json(body, ..): Json<Provide, CreateApplication>,
) -> Result<Response> {
    let bearer = Bearer::of(&caller)?;
    let named = body
        .provider
        .as_deref()
        .map_or(providers::DEFAULT.to_owned(), str::to_ascii_lowercase);
    let provider = providers::named(&named)
        .ok_or_else(|| cannot_create(format!("unsupported provider {named}")))?;
    let kind = match body.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("kyc") => CaseKind::Kyc,
        Some("kyb") => CaseKind::Kyb,
        Some(_) => {
            return Err(cannot_create(
                "Unable to persist a KYC application without a type",
            ));
        }
    };
    let user = user_of(&bearer, body.user_id.as_ref())?;
    let params = checked_params(body.params)?;
    let documents = documents_of(&state, &params).await?;
    let (applicant, applicant_name) = applicant_for(&state, &caller, &user, kind, &params).await?;
    let name = given_name(&params).or(applicant_name);
    let kept = kept_params(&params);
    let mut provide = Map::new();
    provide.insert("provider".into(), json!(provider.name()));
    provide.insert("name".into(), json!(name));
    provide.insert("params".into(), Value::Object(kept.clone()));
    let request = NewCaseRequest {
        applicant,
        kind,
        flow_id: None,
        external_id: Some(user),
        redirect_url: None,
        metadata: Map::from_iter([(METADATA_KEY.to_owned(), Value::Object(provide))]),
        link_lifetime_seconds: None,
    };
    // Provide sends an application's webhooks to its own `params.webhook_url`.
    let case = state
        .services
        .create_case_reporting_to(&caller.context(), request, text(&params, "webhook_url"))
        .await
        .map_err(|e| match e {
            ServiceError::Validation(_) | ServiceError::InvalidRequest { .. } => {
                cannot_create(reasons(&ApiError::from(e)))
            }
            other => other.into(),
        })?;
    let case = dispatch(&state, &caller, case, provider, &params, documents).await?;
    let mut application = summary(&state, caller.scope(), &case).await?;
    application.params = Some(Value::Object(kept));
    Ok(answer(StatusCode::CREATED, &application))
}

/// Provide submits an application to its provider as soon as it is created. When the
/// deployment configured the provider (and the application is a person's: Provide's KYB
/// submissions go elsewhere), the params go to it and what it said is kept: its id as the
/// `identifier`, then kycore's own checks as below; or why it failed, as the `description`
/// of an application that is `failed` — a canceled case, as Provide marks one. Otherwise
/// kycore's checks alone.
async fn dispatch(
    state: &AppState,
    caller: &ProvideCaller,
    case: Case,
    provider: &dyn KycProvider,
    params: &Map<String, Value>,
    documents: Vec<NewDocument>,
) -> Result<Case> {
    let submission = match case.kind {
        CaseKind::Kyc => state.provide.submit(provider, params).await,
        CaseKind::Kyb => None,
    };
    let Some(submission) = submission else {
        return submit_with(state, caller, case, documents).await;
    };
    let (key, value, failed) = match submission {
        Submission::Accepted { identifier } => ("identifier", identifier, false),
        Submission::Failed { description } => ("description", description, true),
    };
    let mut metadata = case.metadata.clone();
    if let Some(Value::Object(provide)) = metadata.get_mut(METADATA_KEY) {
        provide.insert(key.to_owned(), Value::String(value));
    }
    let attachments = CaseAttachments {
        metadata: Some(metadata),
        ..CaseAttachments::default()
    };
    let context = caller.context();
    let case = state
        .services
        .update_case_attachments(&context, &case.id, attachments)
        .await?;
    if failed {
        return Ok(state.services.cancel_case(&context, &case.id).await?);
    }
    submit_with(state, caller, case, documents).await
}

/// kycore's own checks on the application: with images given, they become the case's
/// documents and the case is submitted for kycore's checks. Without, the application waits
/// (pending) for its applicant, through the hosted link.
async fn submit_with(
    state: &AppState,
    caller: &ProvideCaller,
    case: Case,
    documents: Vec<NewDocument>,
) -> Result<Case> {
    if documents.is_empty() {
        return Ok(case);
    }
    let context = caller.context();
    for document in documents {
        state
            .services
            .add_document(&context, &case.id, document)
            .await?;
    }
    Ok(state.services.submit_case(&context, &case.id).await?)
}

// ---------------------------------------------------------------------------------------
// One application

pub async fn get(
    State(state): State<AppState>,
    caller: ProvideCaller,
    PathParam(id, ..): PathParam<Provide, String>,
) -> Result<Response> {
    let bearer = Bearer::of(&caller)?;
    let scope = caller.scope();
    let case = find(&state, &caller, &bearer, &id).await?;
    let mut application = summary(&state, scope, &case).await?;
    application.params = stored(&case).get("params").cloned();
    let checks = match &case.checks {
        Some(checks) => checks.clone(),
        None => state.services.case_checks(scope, &case.id).await?,
    };
    application.provider_representation = representation::of(&application.provider, &case, &checks);
    if application.name.is_none() {
        application.name = applicant_name(&state, scope, &case).await?;
    }
    // Look-alike applications are the Application's to see, never a user's.
    if bearer == Bearer::Application {
        let similar = similar_applications(&state, scope, &case).await?;
        application.similar_kyc_applications = (!similar.is_empty()).then_some(similar);
    }
    Ok(answer(StatusCode::OK, &application))
}

/// The applicant's name, for a case made without one (natively).
async fn applicant_name(state: &AppState, scope: &Scope, case: &Case) -> Result<Option<String>> {
    let applicant = state
        .services
        .get_applicant(scope, &case.applicant_id)
        .await?;
    Ok(name_of(&applicant))
}

/// The newest application of each look-alike applicant.
async fn similar_applications(
    state: &AppState,
    scope: &Scope,
    case: &Case,
) -> Result<Vec<Application>> {
    let mut similar = Vec::new();
    let checks = review_checks(state, scope, case).await?;
    for applicant_id in similar_applicants(&checks) {
        let query = CaseQuery {
            applicant_id: Some(applicant_id),
            ..CaseQuery::default()
        };
        let newest = Window {
            offset: 0,
            limit: 1,
        };
        let found = state
            .services
            .list_cases_numbered(scope, query, newest)
            .await?;
        for other in &found.data {
            similar.push(summary(state, scope, other).await?);
        }
    }
    Ok(similar)
}

#[derive(Deserialize)]
pub struct UpdateApplication {
    #[serde(default)]
    status: Option<Value>,
}

fn invalid_transition(from: &str, to: &str) -> Failure<Provide> {
    Failure::new(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        INVALID_TRANSITION,
        format!("invalid status transition from {from} to {to}"),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    caller: ProvideCaller,
    PathParam(id, ..): PathParam<Provide, String>,
    Json(body, ..): Json<Provide, UpdateApplication>,
) -> Result<Response> {
    let bearer = Bearer::of(&caller)?;
    let scope = caller.scope();
    let case = find(&state, &caller, &bearer, &id).await?;
    let Some(Value::String(requested)) = body.status else {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "kyc application update must include status",
        ));
    };
    if bearer != Bearer::Application {
        return Err(refusal(
            StatusCode::FORBIDDEN,
            "unauthorized user kyc application status update",
        ));
    }
    let from = provide_status(&state, scope, &case).await?;
    let refused = || invalid_transition(from.as_str(), &requested);
    let to = ProvideStatus::parse(&requested).ok_or_else(refused)?;
    if !put_allowed(from, to) {
        return Err(refused());
    }
    let case = match put_change(case.status, to).ok_or_else(refused)? {
        None => case,
        Some(decision) => {
            decide(&state, &caller, &case.id, decision)
                .await
                .map_err(|e| match e {
                    // The case moved on meanwhile (its checks finished, say): still not a
                    // transition Provide's client may ask for from what it sees.
                    ServiceError::InvalidTransition(_) => refused(),
                    other => other.into(),
                })?
        }
    };
    Ok(answer(
        StatusCode::ACCEPTED,
        &summary(&state, scope, &case).await?,
    ))
}

async fn decide(
    state: &AppState,
    caller: &ProvideCaller,
    case_id: &str,
    decision: ManualDecision,
) -> std::result::Result<Case, ServiceError> {
    let request = DecisionRequest {
        decision,
        reason_code: None,
        note: None,
        steps: None,
        expected_revision: None,
    };
    state
        .services
        .decide_case(&caller.context(), case_id, request)
        .await
}
