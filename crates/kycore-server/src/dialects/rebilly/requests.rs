//! Rebilly's KYC requests: `POST`, `GET`, `PATCH`/`PUT` and `DELETE /kyc-requests/{id}` and
//! `GET /kyc-requests`. A KYC request is a kycore KYC case: `customerId` is its `external_id`
//! and its applicant's (an unknown customer becomes a new applicant, as a Rebilly customer
//! would already exist), the gatherer is its hosted link, `expirationTime` the link's expiry,
//! and its hosted flow is one asking exactly the requested documents (`settings.rs`). A
//! deleted request is a canceled case, which this dialect no longer shows.

use axum::Json as Answer;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kycore_domain::applicant::ApplicantType;
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::flow::{LINK_LIFETIME_RANGE, ReturnParameters};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_services::applicants::NewApplicant;
use kycore_services::flows::NewFlow;
use kycore_services::views::{Case, Document};
use kycore_services::{CaseApplicant, CaseAttachments, NewCaseRequest, RequestContext};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::collection::{self, ListParams};
use super::credit_file;
use super::documents::{Gathered, Uploads};
use super::settings::{self, Problems, RequestedDocument, Settings};
use super::status::{self, RequestStatus};
use super::{Rebilly, RebillyCaller, Result, invalid, not_found};
use crate::AppState;
use crate::dialects::{Json, PathParam, Query, utc_millis};

/// Rebilly's gatherer links expire an hour after the request unless it says otherwise.
const DEFAULT_LIFETIME_SECONDS: i64 = 60 * 60;
const MAX_CUSTOMER_ID_LEN: usize = 50;
const MAX_REDIRECT_URL_LEN: usize = 2048;

type Body = Json<Rebilly, Map<String, Value>>;

/// The request's id in a route's path (the organization's, when given, is the caller's).
#[derive(Deserialize)]
pub struct RequestPath {
    pub id: String,
}

#[derive(Deserialize, Default)]
pub struct ExpandQuery {
    expand: Option<String>,
}

/// Whether `expand` asks for the request's documents.
fn expands_documents(expand: Option<&str>) -> bool {
    expand.is_some_and(|e| e.split(',').any(|part| part.trim() == "documents"))
}

/// The base every Rebilly URL of the caller's organization starts with.
fn base_url(state: &AppState, scope: &Scope) -> String {
    format!(
        "{}/organizations/{}",
        state.services.config().public_url,
        scope.organization_id
    )
}

/// A request's `customerId`: required, Rebilly's id length.
fn customer_id(body: &Map<String, Value>, problems: &mut Problems) -> Option<String> {
    match body.get("customerId") {
        Some(Value::String(id)) if !id.trim().is_empty() && id.len() <= MAX_CUSTOMER_ID_LEN => {
            Some(id.trim().to_owned())
        }
        _ => {
            problems.add(
                "customerId",
                format!("is required: a string of 1 to {MAX_CUSTOMER_ID_LEN} characters"),
            );
            None
        }
    }
}

/// `expirationTime` as the hosted link's lifetime in seconds from now; an hour when not
/// given. Whether it is in kycore's allowed range the services decide.
fn lifetime(body: &Map<String, Value>, problems: &mut Problems) -> Option<u32> {
    let seconds = match body.get("expirationTime") {
        None | Some(Value::Null) => DEFAULT_LIFETIME_SECONDS,
        Some(Value::String(raw)) => match OffsetDateTime::parse(raw, &Rfc3339) {
            Ok(at) => (at - OffsetDateTime::now_utc()).whole_seconds(),
            Err(_) => {
                problems.add("expirationTime", "must be a date-time (RFC 3339)");
                return None;
            }
        },
        Some(_) => {
            problems.add("expirationTime", "must be a date-time (RFC 3339)");
            return None;
        }
    };
    // Checked here too, not only by the services: a refused request must not leave behind
    // the flow created for it.
    match u32::try_from(seconds) {
        Ok(seconds) if LINK_LIFETIME_RANGE.contains(&seconds) => Some(seconds),
        _ => {
            problems.add(
                "expirationTime",
                "must be between five minutes and ninety days ahead",
            );
            None
        }
    }
}

/// `redirectUrl`: an absolute http(s) URL. The services check it fully; the obvious refusal
/// comes before the request's flow is created.
fn redirect_url(body: &Map<String, Value>, problems: &mut Problems) -> Option<String> {
    let url = settings::text(body, "redirectUrl", MAX_REDIRECT_URL_LEN, problems)?;
    let web = url.starts_with("https://") || url.starts_with("http://");
    if !web || url.chars().any(char::is_whitespace) {
        problems.add("redirectUrl", "must be an absolute http(s) URL");
        return None;
    }
    Some(url)
}

/// What a create (or a replacement) asks for, every problem named at once.
struct Creation {
    customer_id: String,
    settings: Settings,
    redirect_url: Option<String>,
    lifetime_seconds: u32,
    /// The credit-file-proof entry's `accept`, for the sandbox's test bureau.
    credit_file_accept: Option<String>,
}

fn creation(body: &Map<String, Value>, environment: Environment) -> Result<Creation> {
    let mut problems = Problems::default();
    let customer_id = customer_id(body, &mut problems);
    let documents = settings::documents(body.get("documents"), &mut problems);
    let credit_file_accept = credit_file::accept_value(body, environment, &mut problems);
    let match_level = settings::match_level(body.get("matchLevel"), &mut problems);
    let reason = settings::reason(body, &mut problems);
    let redirect_url = redirect_url(body, &mut problems);
    let lifetime_seconds = lifetime(body, &mut problems);
    match (customer_id, lifetime_seconds) {
        (Some(customer_id), Some(lifetime_seconds)) if problems.0.is_empty() => Ok(Creation {
            customer_id,
            settings: Settings {
                documents,
                match_level,
                reason,
            },
            redirect_url,
            lifetime_seconds,
            credit_file_accept,
        }),
        _ => Err(invalid(problems)),
    }
}

/// The individual applicant a `customerId` names, with their first name when known, else a
/// new one.
async fn applicant_for(
    state: &AppState,
    scope: &Scope,
    customer_id: &str,
) -> Result<(CaseApplicant, Option<String>)> {
    let known =
        crate::dialects::known_applicant(state, scope, ApplicantType::Individual, customer_id)
            .await?;
    if let Some(applicant) = known {
        let first_name = applicant.individual.and_then(|i| i.first_name);
        return Ok((CaseApplicant::Existing(applicant.id), first_name));
    }
    let new = CaseApplicant::New(Box::new(NewApplicant {
        applicant_type: ApplicantType::Individual,
        external_id: Some(customer_id.to_owned()),
        individual: None,
        business: None,
        related_persons: Vec::new(),
    }));
    Ok((new, None))
}

/// The organization's flow gathering exactly these settings' documents: found by its name,
/// else created once (a flow is immutable, so one per distinct set of steps serves every
/// request asking for it).
async fn flow_for(state: &AppState, ctx: &RequestContext, settings: &Settings) -> Result<String> {
    let name = settings.flow_name();
    let flows = state.services.list_flows(&ctx.scope).await?;
    if let Some(flow) = flows
        .iter()
        .find(|f| !f.builtin && f.kind == CaseKind::Kyc && f.name == name)
    {
        return Ok(flow.id.clone());
    }
    let flow = NewFlow {
        name,
        kind: CaseKind::Kyc,
        countries: Vec::new(),
        is_default: false,
        link_lifetime_seconds: None,
        steps: Some(settings.steps()),
        min_age: None,
        max_attempts: None,
        step_max_attempts: settings.step_max_attempts(),
        screening: None,
        rules: None,
        company_documents: None,
        return_parameters: ReturnParameters::Info,
        four_eyes: false,
    };
    Ok(state.services.create_flow(ctx, flow).await?.id)
}

pub async fn create(
    State(state): State<AppState>,
    caller: RebillyCaller,
    Json(body, ..): Body,
) -> Result<Response> {
    let wanted = creation(&body, caller.scope().environment)?;
    let ctx = caller.context();
    let (applicant, first_name) =
        applicant_for(&state, caller.scope(), &wanted.customer_id).await?;
    let flow_id = flow_for(&state, &ctx, &wanted.settings).await?;
    let request = NewCaseRequest {
        applicant,
        kind: CaseKind::Kyc,
        flow_id: Some(flow_id),
        external_id: Some(wanted.customer_id),
        redirect_url: wanted.redirect_url,
        metadata: wanted.settings.to_metadata(),
        link_lifetime_seconds: Some(wanted.lifetime_seconds),
    };
    let case = state.services.create_case(&ctx, request).await?;
    let case = credit_file::consult(
        &state,
        &ctx,
        case,
        &wanted.settings.documents,
        wanted.credit_file_accept.as_deref(),
        first_name.as_deref(),
    )
    .await?;
    let base = base_url(&state, caller.scope());
    let body = representation(&base, &case, &[], None);
    let location = format!("{base}/kyc-requests/{}", case.id);
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    Ok((StatusCode::CREATED, headers, Answer(body)).into_response())
}

/// A request of the caller's: a KYC case not deleted (canceled).
pub async fn find(state: &AppState, scope: &Scope, id: &str) -> Result<Case> {
    let case = match state.services.get_case(scope, id).await {
        Ok(case) => case,
        Err(kycore_services::ServiceError::NotFound { .. }) => {
            return Err(not_found("KYC request"));
        }
        Err(e) => return Err(e.into()),
    };
    if case.kind != CaseKind::Kyc || case.status == CaseStatus::Canceled {
        return Err(not_found("KYC request"));
    }
    Ok(case)
}

pub async fn get(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
    Query(query, ..): Query<Rebilly, ExpandQuery>,
) -> Result<Answer<Value>> {
    let gathered = Gathered::read(&state, &caller, &path.id).await?;
    let embedded =
        expands_documents(query.expand.as_deref()).then(|| gathered.uploads().kyc_documents());
    Ok(Answer(representation(
        &base_url(&state, caller.scope()),
        &gathered.case,
        &gathered.documents,
        embedded,
    )))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
) -> Result<StatusCode> {
    let case = find(&state, caller.scope(), &path.id).await?;
    state
        .services
        .cancel_case(&caller.context(), &case.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The members of a request only kycore sets.
const READ_ONLY: &[&str] = &[
    "id",
    "customerId",
    "status",
    "revision",
    "createdTime",
    "updatedTime",
];

/// What an update changes: the case's attachments, and a new gatherer link's lifetime.
#[derive(Default)]
struct Changes {
    attachments: CaseAttachments,
    lifetime_seconds: Option<u32>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.attachments.redirect_url.is_none()
            && self.attachments.metadata.is_none()
            && self.lifetime_seconds.is_none()
    }
}

/// What an update asks to change, checked against the request as it stands: read-only
/// members that differ are refused, as are `documents` (the hosted flow is fixed once the
/// request is made); `matchLevel`, `reason`, `redirectUrl` and `expirationTime` (a new
/// gatherer link lasting until then) change. Members it does not know are ignored, as on
/// creation.
fn changes(case: &Case, current: &Value, body: &Map<String, Value>) -> Result<Changes> {
    let mut problems = Problems::default();
    let before = settings_of(case);
    let mut settings = before.clone();
    let mut changes = Changes::default();
    let attachments = &mut changes.attachments;
    for (key, value) in body {
        let unchanged = current.get(key) == Some(value);
        match key.as_str() {
            key if READ_ONLY.contains(&key) && !unchanged => problems.add(key, "is read-only"),
            "documents" if settings::documents(Some(value), &mut problems) != before.documents => {
                problems.add("documents", "cannot be changed once requested");
            }
            "expirationTime" if !unchanged && !case.status.awaits_applicant() => {
                problems.add(
                    "expirationTime",
                    "cannot change once the request stopped gathering",
                );
            }
            "expirationTime" if !unchanged => {
                changes.lifetime_seconds = lifetime(body, &mut problems)
            }
            "matchLevel" => {
                settings.match_level = settings::match_level(Some(value), &mut problems)
            }
            "reason" => settings.reason = settings::reason(body, &mut problems),
            "redirectUrl" if !unchanged => {
                attachments.redirect_url = Some(redirect_url(body, &mut problems));
            }
            _ => {}
        }
    }
    if !problems.0.is_empty() {
        return Err(invalid(problems));
    }
    if settings != before {
        let mut metadata = case.metadata.clone();
        metadata.extend(settings.to_metadata());
        changes.attachments.metadata = Some(metadata);
    }
    Ok(changes)
}

/// `PATCH` and `PUT` (Rebilly's older API replaced with `PUT`; both change what is given).
pub async fn update(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
    Json(body, ..): Body,
) -> Result<Answer<Value>> {
    let scope = caller.scope();
    let mut case = find(&state, scope, &path.id).await?;
    let documents = state.services.list_documents(scope, &case.id).await?;
    let base = base_url(&state, scope);
    let current = representation(&base, &case, &documents, None);
    let changes = changes(&case, &current, &body)?;
    if changes.is_empty() {
        return Ok(Answer(current));
    }
    let ctx = caller.context();
    let Changes {
        attachments,
        lifetime_seconds,
    } = changes;
    if attachments.redirect_url.is_some() || attachments.metadata.is_some() {
        case = state
            .services
            .update_case_attachments(&ctx, &case.id, attachments)
            .await?;
    }
    if let Some(seconds) = lifetime_seconds {
        case = state
            .services
            .reissue_link_lasting(&ctx, &case.id, Some(seconds))
            .await?;
    }
    Ok(Answer(representation(&base, &case, &documents, None)))
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
    filter: Option<String>,
    sort: Option<String>,
    expand: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: RebillyCaller,
    Query(query, ..): Query<Rebilly, ListQuery>,
) -> Result<Response> {
    let params = ListParams::parse(
        query.limit.as_deref(),
        query.offset.as_deref(),
        query.filter.as_deref(),
        query.sort.as_deref(),
    )
    .map_err(invalid)?;
    let scope = caller.scope();
    let listed = collection::list(&state, scope, &params).await?;
    let base = base_url(&state, scope);
    let expand = expands_documents(query.expand.as_deref());
    let mut items = Vec::with_capacity(listed.items.len());
    for (case, documents) in &listed.items {
        let embedded = if expand {
            let checks = state.services.case_checks(scope, &case.id).await?;
            let uploads = Uploads {
                case,
                documents,
                checks: &checks,
            };
            Some(uploads.kyc_documents())
        } else {
            None
        };
        items.push(representation(&base, case, documents, embedded));
    }
    Ok(collection::page(
        items,
        listed.total,
        params.limit,
        params.offset,
    ))
}

/// The request's settings; for a case made through another API, an identity proof.
pub fn settings_of(case: &Case) -> Settings {
    Settings::of(&case.metadata).unwrap_or_else(|| Settings {
        documents: vec![RequestedDocument {
            kind: settings::DocumentType::Identity,
            subtypes: None,
            max_attempts: 0,
            face_proof_required: false,
            face_liveness_required: false,
        }],
        match_level: 2,
        reason: None,
    })
}

/// The request's status, derived from its case and documents.
pub fn request_status(case: &Case, documents: &[Document]) -> RequestStatus {
    let requested = settings_of(case).documents;
    status::derive(case.status, &requested, &status::uploads(documents))
}

/// A KYC request as Rebilly shows it, with its KYC documents embedded when they are given.
fn representation(
    base: &str,
    case: &Case,
    documents: &[Document],
    embedded: Option<Vec<Value>>,
) -> Value {
    let settings = settings_of(case);
    let status = request_status(case, documents);
    let self_href = format!("{base}/kyc-requests/{}", case.id);
    let mut links = vec![json!({"rel": "self", "href": self_href})];
    if case.status.awaits_applicant() {
        for rel in ["kycGatherer", "gatherer"] {
            links.push(json!({"rel": rel, "href": case.link.url}));
        }
    }
    if documents
        .iter()
        .any(|d| status::kind_of(&d.document_type).is_some())
    {
        let href = format!("{base}/kyc-documents?filter=requestId:{}", case.id);
        for rel in ["kycDocuments", "documents"] {
            links.push(json!({"rel": rel, "href": href}));
        }
    }
    let mut body = json!({
        "id": case.id,
        "customerId": case.external_id.as_deref().unwrap_or(&case.applicant_id),
        "documents": settings.documents,
        "status": status.as_str(),
        "redirectUrl": case.redirect_url,
        "reason": settings.reason,
        "matchLevel": settings.match_level,
        "revision": case.revision,
        "expirationTime": utc_seconds(case.link.expires_at),
        "createdTime": utc_seconds(case.created_at),
        "updatedTime": utc_seconds(case.updated_at),
        "_links": links,
    });
    if let Some(embedded) = embedded {
        body["_embedded"] = json!({ "documents": embedded });
    }
    body
}

/// Rebilly's time format: UTC in whole seconds, `2024-01-15T10:30:00Z`.
pub fn utc_seconds(at: OffsetDateTime) -> String {
    let millis = utc_millis(at);
    // `2024-01-15T10:30:00.123Z` → `2024-01-15T10:30:00Z`.
    format!("{}Z", millis.get(..19).unwrap_or(&millis))
}
