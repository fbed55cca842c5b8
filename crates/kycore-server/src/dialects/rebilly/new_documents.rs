//! KYC documents a merchant creates itself from files it uploaded (`files.rs`):
//! `POST /kyc-documents` `{fileIds, documentType, documentSubtype?, customerId, requestId?}`
//! → 201 with the document and its `Location`, and `PUT /kyc-documents/{id}`, which changes
//! nothing kycore keeps and answers the document.
//!
//! A kycore document belongs to a case, so a KYC document belongs to a request: the one
//! `requestId` names, else the customer's newest request still gathering. Each file becomes
//! one upload through the native intake (checked, sealed, counted against `maxAttempts`):
//! the file tagged `id-back` the back side of an identity card, the one tagged `face-proof`
//! a selfie, the other the front.

use axum::Json as Answer;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_services::cases::CaseQuery;
use kycore_services::documents::NewDocument;
use kycore_services::views::Case;
use serde_json::{Map, Value};

use super::documents::Gathered;
use super::requests::{RequestPath, find};
use super::settings::{DocumentType, Problems, SUBTYPES};
use super::{Rebilly, RebillyCaller, Result, invalid};
use crate::AppState;
use crate::dialects::{Json, PathParam, newest_case};

/// The most files one KYC document names: a front, a back and a face proof.
const MAX_FILES: usize = 3;
/// The identity subtypes kycore's intake knows, which are its document types.
const IDENTITY_SUBTYPES: [&str; 3] = ["passport", "id-card", "driver-license"];

/// A `POST /kyc-documents` body, validated.
struct NewKycDocument {
    file_ids: Vec<String>,
    document_type: DocumentType,
    subtype: Option<String>,
    customer_id: String,
    request_id: Option<String>,
}

fn string_field(body: &Map<String, Value>, key: &str, problems: &mut Problems) -> Option<String> {
    match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 50 => Some(s.clone()),
        Some(_) => {
            problems.add(key, "must be a string of 1 to 50 characters");
            None
        }
    }
}

impl NewKycDocument {
    fn parse(body: &Map<String, Value>) -> std::result::Result<Self, Problems> {
        let mut problems = Problems::default();
        let file_ids: Vec<String> = match body.get("fileIds") {
            Some(Value::Array(ids)) if (1..=MAX_FILES).contains(&ids.len()) => ids
                .iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        if file_ids.is_empty() || body["fileIds"].as_array().map(Vec::len) != Some(file_ids.len()) {
            problems.add("fileIds", "is required: 1 to 3 file ids");
        }
        let document_type = match body.get("documentType").and_then(Value::as_str) {
            Some(raw) => match DocumentType::parse(raw) {
                Some(kind @ (DocumentType::Identity | DocumentType::Address)) => Some(kind),
                Some(_) => {
                    problems.add(
                        "documentType",
                        "kycore takes identity-proof and address-proof documents",
                    );
                    None
                }
                None => {
                    problems.add("documentType", "is not a document type");
                    None
                }
            },
            None => {
                problems.add("documentType", "is required");
                None
            }
        };
        let subtype = string_field(body, "documentSubtype", &mut problems);
        if subtype.as_deref().is_some_and(|s| !SUBTYPES.contains(&s)) {
            problems.add("documentSubtype", "is not a document subtype");
        }
        let identity_subtype = subtype
            .as_deref()
            .is_some_and(|s| IDENTITY_SUBTYPES.contains(&s));
        if document_type == Some(DocumentType::Identity) && !identity_subtype {
            problems.add(
                "documentSubtype",
                "an identity-proof needs its subtype: passport, id-card or driver-license",
            );
        }
        let customer_id = string_field(body, "customerId", &mut problems);
        if customer_id.is_none() {
            problems.add("customerId", "is required");
        }
        let request_id = string_field(body, "requestId", &mut problems);
        match (document_type, customer_id, problems.0.is_empty()) {
            (Some(document_type), Some(customer_id), true) => Ok(NewKycDocument {
                file_ids,
                document_type,
                subtype,
                customer_id,
                request_id,
            }),
            _ => Err(problems),
        }
    }

    /// kycore's document type of the front side.
    fn kycore_type(&self) -> String {
        match self.document_type {
            DocumentType::Identity => self.subtype.clone().unwrap_or_default(),
            _ => "proof-of-address".to_owned(),
        }
    }
}

fn invalid_field(field: &str, message: &str) -> super::Failure<Rebilly> {
    let mut problems = Problems::default();
    problems.add(field, message);
    invalid(problems)
}

/// The request a new document goes to.
async fn request_for(
    state: &AppState,
    caller: &RebillyCaller,
    new: &NewKycDocument,
) -> Result<Case> {
    let scope = caller.scope();
    let case = match &new.request_id {
        Some(id) => find(state, scope, id)
            .await
            .map_err(|_| invalid_field("requestId", "no such KYC request"))?,
        None => {
            let query = CaseQuery {
                kind: Some(CaseKind::Kyc),
                external_id: Some(new.customer_id.clone()),
                statuses: vec![CaseStatus::Created, CaseStatus::InProgress],
                ..CaseQuery::default()
            };
            newest_case(state, scope, query).await?.ok_or_else(|| {
                invalid_field(
                    "requestId",
                    "the customer has no KYC request gathering documents",
                )
            })?
        }
    };
    if case.external_id.as_deref() != Some(new.customer_id.as_str()) {
        return Err(invalid_field("customerId", "is not the request's customer"));
    }
    Ok(case)
}

/// The upload each file makes: its kycore type and side, by its tags.
async fn uploads_of(
    state: &AppState,
    caller: &RebillyCaller,
    new: &NewKycDocument,
) -> Result<Vec<(String, NewDocument)>> {
    let mut uploads = Vec::with_capacity(new.file_ids.len());
    for (i, id) in new.file_ids.iter().enumerate() {
        let held = state
            .services
            .get_held_file(caller.scope(), id)
            .await
            .map_err(|_| invalid_field(&format!("fileIds.{i}"), "no such file"))?;
        let tagged = |tag: &str| held.tags.iter().any(|t| t == tag);
        let identity = new.document_type == DocumentType::Identity;
        let (document_type, side) = if identity && tagged("face-proof") {
            ("selfie".to_owned(), "front")
        } else if identity && tagged("id-back") {
            (new.kycore_type(), "back")
        } else {
            (new.kycore_type(), "front")
        };
        let upload = NewDocument {
            document_type,
            subtype: new.subtype.clone(),
            side: Some(side.to_owned()),
            ..NewDocument::default()
        };
        uploads.push((id.clone(), upload));
    }
    let fronts = uploads
        .iter()
        .filter(|(_, u)| u.side.as_deref() == Some("front") && u.document_type != "selfie")
        .count();
    if fronts != 1 {
        return Err(invalid_field(
            "fileIds",
            "one file is the document's front (tag the others id-back or face-proof)",
        ));
    }
    // The front first: it is the KYC document the others belong to.
    uploads.sort_by_key(|(_, u)| {
        (
            u.document_type == "selfie",
            u.side.as_deref() != Some("front"),
        )
    });
    Ok(uploads)
}

/// `POST /kyc-documents`.
pub async fn create(
    State(state): State<AppState>,
    caller: RebillyCaller,
    Json(body, ..): Json<Rebilly, Map<String, Value>>,
) -> Result<Response> {
    let new = NewKycDocument::parse(&body).map_err(invalid)?;
    let case = request_for(&state, &caller, &new).await?;
    let uploads = uploads_of(&state, &caller, &new).await?;
    let ctx = caller.context();
    let mut front = None;
    for (file_id, upload) in uploads {
        let document = state
            .services
            .add_held_document(&ctx, &case.id, &file_id, upload)
            .await?;
        front.get_or_insert(document.id);
    }
    let front = front.ok_or_else(|| invalid_field("fileIds", "is required"))?;
    let gathered = Gathered::read(&state, &caller, &case.id).await?;
    let body = gathered.kyc_document(&front)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/kyc-documents/{front}"))],
        Answer(body),
    )
        .into_response())
}

/// `PUT /kyc-documents/{id}`: a document's files and type are fixed once uploaded (a new
/// upload is a new document), so a body changing them is a 422; the fields kycore does not
/// keep (`notes`, `tags`, `reason`) are ignored. 200 with the document.
pub async fn update(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
    Json(body, ..): Json<Rebilly, Map<String, Value>>,
) -> Result<Answer<Value>> {
    let gathered = super::documents::request_of(&state, &caller, &path.id).await?;
    let current = gathered.kyc_document(&path.id)?;
    let mut problems = Problems::default();
    let fixed = [
        "fileIds",
        "documentType",
        "documentSubtype",
        "customerId",
        "requestId",
        "status",
    ];
    for field in fixed {
        let changed = match (body.get(field), current.get(field)) {
            (None, _) => false,
            (Some(Value::Array(sent)), Some(Value::Array(kept))) => !same_members(sent, kept),
            (Some(sent), kept) => Some(sent) != kept,
        };
        if changed {
            problems.add(field, "cannot be changed: upload a new document instead");
        }
    }
    if !problems.0.is_empty() {
        return Err(invalid(problems));
    }
    Ok(Answer(current))
}

/// Whether two lists hold the same values, in any order (a document's files).
fn same_members(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().all(|v| b.contains(v))
}
