//! Rebilly's KYC documents, read-only for now: `GET /kyc-documents` for one request
//! (`filter=requestId:<id>`, Rebilly's `limit`/`offset` and `Pagination-*` headers) and
//! `GET /kyc-documents/{id}`. Each upload of an identity document or proof of address to a
//! request's case is one KYC document; selfies belong to the identity document they prove.

use axum::Json as Answer;
use axum::extract::State;
use axum::response::Response;
use kycore_services::ServiceError;
use serde::Deserialize;
use serde_json::Value;

use super::collection::{self, DEFAULT_LIMIT};
use super::requests::{RequestPath, find, kyc_document};
use super::settings::Problems;
use super::status::kind_of;
use super::{Rebilly, RebillyCaller, Result, invalid, not_found};
use crate::AppState;
use crate::dialects::{PathParam, Query};

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
    filter: Option<String>,
}

/// The request a listing's `filter` names: kycore lists documents by request only.
fn request_filter(filter: Option<&str>, problems: &mut Problems) -> Option<String> {
    let mut request = None;
    for clause in filter
        .unwrap_or_default()
        .split(';')
        .filter(|c| !c.is_empty())
    {
        match clause.split_once(':') {
            Some(("requestId", id)) if !id.is_empty() && !id.contains(',') => {
                request = Some(id.to_owned());
            }
            _ => problems.add("filter", format!("`{clause}`: only `requestId:<id>`")),
        }
    }
    if request.is_none() && problems.0.is_empty() {
        problems.add("filter", "`requestId:<id>` is required");
    }
    request
}

pub async fn list(
    State(state): State<AppState>,
    caller: RebillyCaller,
    Query(query, ..): Query<Rebilly, ListQuery>,
) -> Result<Response> {
    let mut problems = Problems::default();
    let limit = collection::number(
        query.limit.as_deref(),
        "limit",
        u64::from(DEFAULT_LIMIT),
        &mut problems,
    );
    let offset = collection::number(query.offset.as_deref(), "offset", 0, &mut problems);
    let request_id = request_filter(query.filter.as_deref(), &mut problems);
    let (Some(request_id), true) = (request_id, problems.0.is_empty()) else {
        return Err(invalid(problems));
    };
    let limit = u32::try_from(limit).unwrap_or(DEFAULT_LIMIT);
    let scope = caller.scope();
    // A request the caller does not have has no documents, as a filter matching nothing.
    let case = match find(&state, scope, &request_id).await {
        Ok(case) => case,
        Err(_) => return Ok(collection::page(Vec::new(), 0, limit, offset)),
    };
    let documents = state.services.list_documents(scope, &case.id).await?;
    let all: Vec<Value> = documents
        .iter()
        .filter(|d| kind_of(&d.document_type).is_some())
        .map(|d| kyc_document(&case, d))
        .collect();
    let total = all.len() as u64;
    let items = all
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .collect();
    Ok(collection::page(items, total, limit, offset))
}

pub async fn get(
    State(state): State<AppState>,
    caller: RebillyCaller,
    PathParam(path, ..): PathParam<Rebilly, RequestPath>,
) -> Result<Answer<Value>> {
    let scope = caller.scope();
    let document = match state.services.get_document(scope, &path.id).await {
        Ok(document) if kind_of(&document.document_type).is_some() => document,
        Ok(_) | Err(ServiceError::NotFound { .. }) => return Err(not_found("KYC document")),
        Err(e) => return Err(e.into()),
    };
    let case = find(&state, scope, &document.case_id)
        .await
        .map_err(|_| not_found("KYC document"))?;
    Ok(Answer(kyc_document(&case, &document)))
}
