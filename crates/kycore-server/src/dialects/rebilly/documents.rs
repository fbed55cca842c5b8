//! Rebilly's KYC documents: `GET /kyc-documents` (filtered on `requestId`, `customerId`,
//! `documentType`, `status` and `createdTime`, sorted on `createdTime`, with Rebilly's
//! `limit`/`offset` and `Pagination-*` headers), `GET /kyc-documents/{id}`, and a
//! person's review, `POST /kyc-documents/{id}/acceptance` and `/rejection` (research §4.7).
//!
//! Each upload of an identity document or proof of address to a request's case is one KYC
//! document; a card's back side and the selfie belong to it. A review is kycore's document
//! review; what it means for the request is Rebilly's rule: once every requested type is
//! accepted the request is fulfilled, and a rejection sends the customer back to the
//! gatherer while the type has attempts left, else fails the request. A case waiting for a
//! person (`in_review`) is decided accordingly; at any other status only the document
//! changes. A pending upload of a type already accepted is `archived`, as Rebilly archives
//! superseded documents.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use axum::Json as Answer;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kycore_checks::document::RejectionCode;
use kycore_domain::case::{CaseKind, CaseStatus, ManualDecision};
use kycore_domain::flow::Step;
use kycore_domain::tenancy::Scope;
use kycore_services::ServiceError;
use kycore_services::cases::{CaseQuery, DecisionRequest};
use kycore_services::documents::{DocumentQuery, DocumentReview, ReviewMark};
use kycore_services::pagination::{MAX_WINDOW_LIMIT, Window};
use kycore_services::views::{Case, Check, Document};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::collection::{self, DEFAULT_LIMIT};
use super::requests::{RequestPath, find, settings_of, utc_seconds};
use super::settings::{DocumentType, Problems, SUBTYPES};
use super::status::{self, RequestStatus, kind_of};
use super::{Rebilly, RebillyCaller, Result, invalid, matches, not_found};
use crate::AppState;
use crate::dialects::{Json, PathParam, Query};

/// kycore's document rejection codes and Rebilly's `rejectionReason.type`, one to one.
const REJECTION_TYPES: [(RejectionCode, &str); 19] = [
    (RejectionCode::DocumentUnreadable, "document-unreadable"),
    (RejectionCode::DocumentExpired, "document-expired"),
    (
        RejectionCode::DocumentExpiredAfterSubmission,
        "document-was-valid-but-expired",
    ),
    (RejectionCode::DocumentMismatch, "document-not-matching"),
    (RejectionCode::DocumentDuplicate, "document-duplicate"),
    (RejectionCode::DocumentInvalid, "document-invalid"),
    (RejectionCode::DocumentNotOpen, "document-not-open"),
    (RejectionCode::Underage, "underage-person"),
    (RejectionCode::ThirdPartyDocument, "third-party-or-mismatch"),
    (RejectionCode::ExpiryDateMissing, "expiration-date-missing"),
    (RejectionCode::IssueDateMissing, "issue-date-missing"),
    (RejectionCode::SubtypeMissing, "subtype-missing"),
    (RejectionCode::DateOfBirthMismatch, "dob-mismatch"),
    (RejectionCode::NameMismatch, "name-mismatch"),
    (
        RejectionCode::NameAndDateOfBirthMismatch,
        "name-and-dob-mismatch",
    ),
    (RejectionCode::InformationMissing, "critical-info-missing"),
    (RejectionCode::OutdatedAddress, "old-address-on-id"),
    (RejectionCode::DocumentTampered, "tampered-document"),
    (RejectionCode::Other, "other"),
];

/// The longest rejection message Rebilly takes.
const MAX_MESSAGE_LEN: usize = 255;

/// Rebilly's name of a kycore rejection code (as the documents' views give it).
pub fn rejection_type(code: &str) -> &'static str {
    let parsed = serde_json::from_value::<RejectionCode>(json!(code)).ok();
    REJECTION_TYPES
        .iter()
        .find(|(known, _)| Some(*known) == parsed)
        .map_or("other", |(_, name)| name)
}

/// The kycore rejection code of a Rebilly `rejectionReason.type`.
fn rejection_code(name: &str) -> Option<RejectionCode> {
    REJECTION_TYPES
        .iter()
        .find(|(_, known)| *known == name)
        .map(|(code, _)| *code)
}

/// The upload's status as Rebilly names it.
fn document_status(case: &Case, document: &Document, all: &[Document]) -> &'static str {
    let kind = kind_of(&document.document_type);
    let superseded = || {
        all.iter().any(|other| {
            other.id != document.id
                && other.side == "front"
                && other.status == "accepted"
                && kind_of(&other.document_type) == kind
        })
    };
    match document.status.as_str() {
        "accepted" => "accepted",
        "rejected" => "rejected",
        _ if superseded() => "archived",
        _ if matches!(case.status, CaseStatus::Submitted | CaseStatus::Processing) => "in-progress",
        _ => "pending",
    }
}

/// The files of an upload: its front, the back side of the same attempt, and the selfie
/// proving an identity document.
fn file_ids(document: &Document, all: &[Document]) -> Vec<String> {
    let identity = kind_of(&document.document_type) == Some(DocumentType::Identity);
    let belongs = |other: &&Document| {
        let back = other.side == "back"
            && other.document_type == document.document_type
            && other.attempt == document.attempt;
        back || (identity && other.document_type == "selfie" && other.attempt == document.attempt)
    };
    // A file the merchant uploaded is named by its own id; a gathered upload by the upload's.
    let file_id = |d: &Document| d.held_file_id.clone().unwrap_or_else(|| d.id.clone());
    std::iter::once(file_id(document))
        .chain(all.iter().filter(belongs).map(file_id))
        .collect()
}

/// A document's modifications: its upload, its verdict, a person's review of it. (A review
/// started and stopped leaves no trace to count; the revision never goes back.)
fn revision(document: &Document) -> u32 {
    1 + u32::from(document.status != "pending") + u32::from(document.reviewed_by.is_some())
}

/// What a request knows of its uploads: everything one document's representation needs.
pub struct Uploads<'a> {
    pub case: &'a Case,
    pub documents: &'a [Document],
    pub checks: &'a [Check],
}

impl Uploads<'_> {
    /// The request's KYC documents: its uploads of a Rebilly type, front sides only.
    pub fn kyc_documents(&self) -> Vec<Value> {
        self.documents
            .iter()
            .filter(|d| d.side == "front" && kind_of(&d.document_type).is_some())
            .map(|d| self.kyc_document(d))
            .collect()
    }

    /// One upload as a Rebilly KYC document.
    pub fn kyc_document(&self, document: &Document) -> Value {
        let case = self.case;
        let kind = kind_of(&document.document_type).map(DocumentType::as_str);
        let subtype = match document.document_type.as_str() {
            "passport" | "id-card" | "driver-license" => Some(document.document_type.as_str()),
            "residence-permit" => Some("other"),
            _ => document.subtype.as_deref().filter(|s| SUBTYPES.contains(s)),
        };
        let rejection = document
            .rejection_reasons
            .first()
            .map(|r| json!({"type": rejection_type(&r.code), "message": r.message}));
        let analyzed =
            kind == Some(DocumentType::Identity.as_str()) && document.status != "pending";
        let (matches, parsed) = analyzed
            .then(|| matches::of(document, self.checks))
            .flatten()
            .unzip();
        let settings = settings_of(case);
        let customer = case.external_id.as_deref().unwrap_or(&case.applicant_id);
        json!({
            "id": document.id,
            "fileIds": file_ids(document, self.documents),
            "documentType": kind,
            "documentSubtype": subtype,
            "status": document_status(case, document, self.documents),
            "rejectionReason": rejection,
            "requestId": case.id,
            "customerId": customer,
            "reviewerId": document.review_started_by.as_ref().or(document.reviewed_by.as_ref()),
            "reviewerName": Value::Null,
            "reviewStartTime": document.review_started_at.map(utc_seconds),
            "reviewTime": document.reviewed_at.map(utc_seconds),
            "processedTime": (document.status != "pending").then(|| utc_seconds(document.updated_at)),
            "notes": Value::Null,
            "tags": [],
            "reason": settings.reason,
            "matchLevel": settings.match_level,
            "revision": revision(document),
            "settings": Value::Null,
            "documentMatches": matches,
            "parsedData": parsed,
            "createdTime": utc_seconds(document.created_at),
            "updatedTime": utc_seconds(document.updated_at),
            "_links": [{"rel": "self", "href": format!("/kyc-documents/{}", document.id)}],
        })
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
    filter: Option<String>,
    sort: Option<String>,
}

/// The statuses a KYC document shows (research §4.7).
const DOCUMENT_STATUSES: [&str; 5] = ["pending", "in-progress", "accepted", "rejected", "archived"];

/// A listing's parameters, validated: `filter` on `requestId`, `customerId`, `documentType`,
/// `status` and `createdTime`, `sort` on `createdTime`.
#[derive(Debug, Default, PartialEq)]
struct ListParams {
    limit: u32,
    offset: u64,
    request_ids: Vec<String>,
    customer_id: Option<String>,
    kinds: Vec<DocumentType>,
    statuses: Vec<&'static str>,
    created_from: Option<i64>,
    created_until: Option<i64>,
    ascending: bool,
}

impl ListParams {
    fn parse(query: &ListQuery) -> std::result::Result<Self, Problems> {
        let mut problems = Problems::default();
        let limit = collection::number(
            query.limit.as_deref(),
            "limit",
            u64::from(DEFAULT_LIMIT),
            &mut problems,
        );
        let mut params = ListParams {
            limit: u32::try_from(limit).unwrap_or(DEFAULT_LIMIT),
            offset: collection::number(query.offset.as_deref(), "offset", 0, &mut problems),
            ascending: collection::ascending(query.sort.as_deref(), &mut problems),
            ..ListParams::default()
        };
        collection::each_clause(
            query.filter.as_deref(),
            &mut problems,
            |field, values, problems| {
                params.filter(field, values, problems);
            },
        );
        if problems.0.is_empty() {
            Ok(params)
        } else {
            Err(problems)
        }
    }

    fn filter(&mut self, field: &str, values: &str, problems: &mut Problems) {
        let listed = || values.split(',').filter(|v| !v.is_empty());
        match field {
            "requestId" => self.request_ids.extend(listed().map(str::to_owned)),
            "customerId" if !values.is_empty() && !values.contains(',') => {
                self.customer_id = Some(values.to_owned());
            }
            "documentType" => {
                for value in listed() {
                    match DocumentType::parse(value) {
                        Some(kind) => self.kinds.push(kind),
                        None => problems.add("filter", format!("`{value}` is not a document type")),
                    }
                }
            }
            "status" => {
                for value in listed() {
                    match DOCUMENT_STATUSES.iter().find(|s| **s == value) {
                        Some(status) => self.statuses.push(status),
                        None => problems.add("filter", format!("`{value}` is not a status")),
                    }
                }
            }
            "createdTime" => {
                (self.created_from, self.created_until) =
                    collection::created_range(values, problems);
            }
            _ => problems.add(
                "filter",
                format!(
                    "`{field}` cannot be filtered on (requestId, customerId, documentType, \
                     status or createdTime)"
                ),
            ),
        }
    }

    /// The store's statuses the shown ones can come from: `pending`, `in-progress` and
    /// `archived` are pending uploads told apart by their request.
    fn stored_statuses(&self) -> Vec<String> {
        let mut stored: Vec<String> = self
            .statuses
            .iter()
            .map(|s| match *s {
                "accepted" | "rejected" => (*s).to_owned(),
                _ => "pending".to_owned(),
            })
            .collect();
        stored.sort();
        stored.dedup();
        stored
    }

    /// The kycore types of the requested Rebilly types (every type kycore gathers when none
    /// is named); `None` when the types named are none kycore gathers.
    fn kycore_types(&self) -> Option<Vec<String>> {
        let kinds = if self.kinds.is_empty() {
            &[DocumentType::Identity, DocumentType::Address][..]
        } else {
            &self.kinds[..]
        };
        let types: Vec<String> = kinds
            .iter()
            .flat_map(|kind| status::kycore_types(*kind))
            .map(|t| (*t).to_owned())
            .collect();
        (!types.is_empty()).then_some(types)
    }
}

/// The cases a listing may show documents of: the requests named, narrowed to the
/// customer's when one is named; `None` when no case is named at all.
async fn named_cases(
    state: &AppState,
    scope: &Scope,
    params: &ListParams,
) -> Result<Option<Vec<String>>> {
    let Some(customer) = &params.customer_id else {
        return Ok((!params.request_ids.is_empty()).then(|| params.request_ids.clone()));
    };
    let query = CaseQuery {
        kind: Some(CaseKind::Kyc),
        external_id: Some(customer.clone()),
        ..CaseQuery::default()
    };
    let every = Window {
        offset: 0,
        limit: MAX_WINDOW_LIMIT,
    };
    let customers = state
        .services
        .list_cases_numbered(scope, query, every)
        .await?;
    Ok(Some(
        customers
            .data
            .into_iter()
            .map(|case| case.id)
            .filter(|id| params.request_ids.is_empty() || params.request_ids.contains(id))
            .collect(),
    ))
}

/// A request's case with its documents and checks.
pub struct Gathered {
    pub case: Case,
    pub documents: Vec<Document>,
    pub checks: Vec<Check>,
}

impl Gathered {
    pub async fn read(state: &AppState, caller: &RebillyCaller, request_id: &str) -> Result<Self> {
        let scope = caller.scope();
        let case = find(state, scope, request_id).await?;
        let documents = state.services.list_documents(scope, &case.id).await?;
        let checks = state.services.case_checks(scope, &case.id).await?;
        Ok(Gathered {
            case,
            documents,
            checks,
        })
    }

    pub fn uploads(&self) -> Uploads<'_> {
        Uploads {
            case: &self.case,
            documents: &self.documents,
            checks: &self.checks,
        }
    }

    /// The document `id` of this request, as Rebilly shows it.
    pub fn kyc_document(&self, id: &str) -> Result<Value> {
        let document = self
            .documents
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| not_found("KYC document"))?;
        Ok(self.uploads().kyc_document(document))
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: RebillyCaller,
    Query(query, ..): Query<Rebilly, ListQuery>,
) -> Result<Response> {
    let params = ListParams::parse(&query).map_err(invalid)?;
    let scope = caller.scope();
    let empty = || collection::page(Vec::new(), 0, params.limit, params.offset);
    let Some(types) = params.kycore_types() else {
        return Ok(empty());
    };
    let case_ids = named_cases(&state, scope, &params).await?;
    if case_ids.as_ref().is_some_and(Vec::is_empty) {
        return Ok(empty());
    }
    let query = DocumentQuery {
        case_ids: case_ids.unwrap_or_default(),
        types,
        statuses: params.stored_statuses(),
        side: Some("front".to_owned()),
        case_kind: Some(CaseKind::Kyc),
        created_from: params.created_from,
        created_until: params.created_until,
    };
    let (items, total) = if params.statuses.is_empty() {
        listed_page(&state, &caller, &params, query).await?
    } else {
        listed_by_status(&state, &caller, &params, query).await?
    };
    Ok(collection::page(items, total, params.limit, params.offset))
}

/// A page cut by the store, oldest or newest first.
async fn listed_page(
    state: &AppState,
    caller: &RebillyCaller,
    params: &ListParams,
    query: DocumentQuery,
) -> Result<(Vec<Value>, u64)> {
    let services = &state.services;
    let total = if params.ascending {
        let counted = Window {
            offset: 0,
            limit: 0,
        };
        let scope = caller.scope();
        services
            .list_scope_documents(scope, query.clone(), counted)
            .await?
            .total
    } else {
        0
    };
    let window = collection::window(params.limit, params.offset, params.ascending, total);
    let found = services
        .list_scope_documents(caller.scope(), query, window)
        .await?;
    let mut items = shown(state, caller, &found.data).await?;
    if params.ascending {
        items.reverse();
    }
    Ok((items, found.total))
}

/// A status filter: the shown status of the newest [`MAX_WINDOW_LIMIT`] candidates, the page
/// cut from those that match.
async fn listed_by_status(
    state: &AppState,
    caller: &RebillyCaller,
    params: &ListParams,
    query: DocumentQuery,
) -> Result<(Vec<Value>, u64)> {
    let newest = Window {
        offset: 0,
        limit: MAX_WINDOW_LIMIT,
    };
    let found = state
        .services
        .list_scope_documents(caller.scope(), query, newest)
        .await?;
    let matching: Vec<Value> = shown(state, caller, &found.data)
        .await?
        .into_iter()
        .filter(|item| {
            let status = item.get("status").and_then(Value::as_str);
            params.statuses.iter().any(|s| Some(*s) == status)
        })
        .collect();
    Ok(collection::cut_page(
        matching,
        params.ascending,
        params.offset,
        params.limit,
    ))
}

/// Documents as Rebilly shows them, in the order given; each request is read once.
async fn shown(
    state: &AppState,
    caller: &RebillyCaller,
    documents: &[Document],
) -> Result<Vec<Value>> {
    let mut requests: HashMap<&str, Gathered> = HashMap::new();
    let mut items = Vec::with_capacity(documents.len());
    for document in documents {
        let request = match requests.entry(document.case_id.as_str()) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                new.insert(Gathered::read(state, caller, &document.case_id).await?)
            }
        };
        items.push(request.kyc_document(&document.id)?);
    }
    Ok(items)
}

/// The request of a KYC document of the caller's: the same answer for a foreign id, a
/// missing one, and an upload that is no KYC document (a selfie, a back side).
pub async fn request_of(state: &AppState, caller: &RebillyCaller, id: &str) -> Result<Gathered> {
    let document = match state.services.get_document(caller.scope(), id).await {
        Ok(d) if d.side == "front" && kind_of(&d.document_type).is_some() => d,
        Ok(_) | Err(ServiceError::NotFound { .. }) => return Err(not_found("KYC document")),
        Err(e) => return Err(e.into()),
    };
    Gathered::read(state, caller, &document.case_id)
        .await
        .map_err(|_| not_found("KYC document"))
}

pub async fn get(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
) -> Result<Answer<Value>> {
    let gathered = request_of(&state, &caller, &path.id).await?;
    Ok(Answer(gathered.kyc_document(&path.id)?))
}

/// `POST /kyc-documents/{id}/acceptance`: 201 with the document accepted.
pub async fn accept(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
) -> Result<Response> {
    review(&state, &caller, &path.id, DocumentReview::Accept).await
}

/// `POST /kyc-documents/{id}/rejection` with `{"type", "message"?}`: 201 with the document
/// rejected.
pub async fn reject(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
    Json(body, ..): Json<Rebilly, Map<String, Value>>,
) -> Result<Response> {
    let rejection = rejection_of(&body)?;
    review(&state, &caller, &path.id, rejection).await
}

/// `POST /kyc-documents/{id}/review`: 201 with the review time and reviewer set, the status
/// as it was.
pub async fn confirm_review(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
) -> Result<Response> {
    mark(&state, &caller, &path.id, ReviewMark::Confirm).await
}

/// `POST /kyc-documents/{id}/start-review`: 201 with `reviewStartTime` and the reviewer set.
pub async fn start_review(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
) -> Result<Response> {
    mark(&state, &caller, &path.id, ReviewMark::Start).await
}

/// `POST /kyc-documents/{id}/stop-review`: 201 with `reviewStartTime` and the reviewer
/// cleared.
pub async fn stop_review(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
) -> Result<Response> {
    mark(&state, &caller, &path.id, ReviewMark::Stop).await
}

async fn mark(
    state: &AppState,
    caller: &RebillyCaller,
    id: &str,
    mark: ReviewMark,
) -> Result<Response> {
    let gathered = request_of(state, caller, id).await?;
    let document = state
        .services
        .mark_document_review(&caller.context(), &gathered.case.id, id, mark)
        .await?;
    let marked = Gathered {
        documents: gathered
            .documents
            .into_iter()
            .map(|d| {
                if d.id == document.id {
                    document.clone()
                } else {
                    d
                }
            })
            .collect(),
        ..gathered
    };
    let body = marked.kyc_document(id)?;
    Ok((StatusCode::CREATED, Answer(body)).into_response())
}

/// A rejection's body: a documented `type`, an optional message of at most 255 characters.
fn rejection_of(body: &Map<String, Value>) -> Result<DocumentReview> {
    let mut problems = Problems::default();
    let code = match body.get("type") {
        Some(Value::String(name)) => rejection_code(name),
        _ => None,
    };
    if code.is_none() {
        let names: Vec<&str> = REJECTION_TYPES.iter().map(|(_, name)| *name).collect();
        problems.add("type", format!("is required, one of: {}", names.join(", ")));
    }
    let message = super::settings::text(body, "message", MAX_MESSAGE_LEN, &mut problems);
    match code {
        Some(code) if problems.0.is_empty() => Ok(DocumentReview::Reject {
            code,
            message: message.unwrap_or_else(|| rejection_type_message(code)),
        }),
        _ => Err(invalid(problems)),
    }
}

/// The message of a rejection sent without one: its type in words.
fn rejection_type_message(code: RejectionCode) -> String {
    let name = REJECTION_TYPES
        .iter()
        .find(|(known, _)| *known == code)
        .map_or("other", |(_, name)| name);
    format!("Rejected: {}", name.replace('-', " "))
}

async fn review(
    state: &AppState,
    caller: &RebillyCaller,
    id: &str,
    review: DocumentReview,
) -> Result<Response> {
    let gathered = request_of(state, caller, id).await?;
    let ctx = caller.context();
    let rejected_type = matches!(review, DocumentReview::Reject { .. })
        .then(|| gathered.documents.iter().find(|d| d.id == id))
        .flatten()
        .and_then(|d| kind_of(&d.document_type));
    state
        .services
        .review_document(&ctx, &gathered.case.id, id, review)
        .await?;
    let mut reviewed = Gathered::read(state, caller, &gathered.case.id).await?;
    let decision = match follow_up(&reviewed, rejected_type) {
        Some(decision) => within_flow(state, caller.scope(), &reviewed.case, decision).await?,
        None => None,
    };
    if let Some(decision) = decision {
        reviewed.case = state
            .services
            .decide_case(&ctx, &reviewed.case.id, decision)
            .await?;
    }
    let body = reviewed.kyc_document(id)?;
    Ok((StatusCode::CREATED, Answer(body)).into_response())
}

/// What a review means for a request whose case waits for a person: fulfilled once every
/// requested type is accepted; after a rejection, back to the gatherer for that type while
/// it has attempts left, else failed. Nothing for a case at any other status.
fn follow_up(gathered: &Gathered, rejected: Option<DocumentType>) -> Option<DecisionRequest> {
    if gathered.case.status != CaseStatus::InReview {
        return None;
    }
    let requested = settings_of(&gathered.case).documents;
    let uploads = status::uploads(&gathered.documents);
    let derived = status::derive(CaseStatus::InProgress, &requested, &uploads);
    let decision = |decision, reason: Option<&str>, steps| DecisionRequest {
        decision,
        reason_code: reason.map(str::to_owned),
        note: None,
        steps,
        expected_revision: None,
    };
    let accepted_all = requested.iter().all(|r| {
        uploads
            .iter()
            .any(|u| u.kind == r.kind && u.review == status::Review::Accepted)
    });
    match (rejected, derived) {
        (None, _) if accepted_all => Some(decision(ManualDecision::Approve, None, None)),
        (Some(_), RequestStatus::Failed) => Some(decision(
            ManualDecision::Reject,
            Some("max_attempts_exhausted"),
            None,
        )),
        (Some(kind), _) => Some(decision(
            ManualDecision::RequestResubmission,
            Some("document_rejected"),
            Some(redo_steps(&gathered.case, kind)),
        )),
        (None, _) => None,
    }
}

/// A resubmission asks only for steps the case's flow has (a case made through another API
/// may not gather a proof of address): with none left, the case stays with its person.
async fn within_flow(
    state: &AppState,
    scope: &Scope,
    case: &Case,
    mut decision: DecisionRequest,
) -> Result<Option<DecisionRequest>> {
    let Some(steps) = decision.steps.as_mut() else {
        return Ok(Some(decision));
    };
    let flow = state.services.get_flow(scope, &case.flow_id).await?;
    steps.retain(|step| flow.steps.contains(step));
    Ok((!steps.is_empty()).then_some(decision))
}

/// The hosted flow's steps that gather `kind` again.
fn redo_steps(case: &Case, kind: DocumentType) -> Vec<Step> {
    let wanted = settings_of(case);
    let requested = wanted.documents.iter().find(|d| d.kind == kind);
    match kind {
        DocumentType::Identity => {
            let mut steps = vec![Step::IdentityDocument];
            if requested.is_some_and(|d| d.face_proof_required || d.face_liveness_required) {
                steps.push(Step::Selfie);
            }
            steps
        }
        _ => vec![Step::ProofOfAddress],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rejection_type_maps_both_ways() {
        for (code, name) in REJECTION_TYPES {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(rejection_type(wire.as_str().unwrap()), name);
            assert_eq!(rejection_code(name), Some(code));
        }
        assert_eq!(rejection_type("something_new"), "other");
        assert_eq!(rejection_code("nope"), None);
    }
}
