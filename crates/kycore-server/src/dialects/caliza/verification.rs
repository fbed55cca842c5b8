//! Caliza's verification sessions: `POST /v1/beneficiaries/{id}/verification` starts the
//! beneficiary's case — KYC for an individual, KYB for a business — or hands back the one
//! still waiting for them (201 for a new session, 200 for the open one; concurrent calls
//! share one, as the services decide in one unit); `GET` shows the newest; a sandbox
//! `…/verification/approve` completes it as approved.

use axum::Json as Answer;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_domain::applicant::ApplicantType;
use kycore_domain::case::{CaseKind, Outcome};
use kycore_domain::tenancy::Environment;
use kycore_services::views::Case;
use kycore_services::{CaseApplicant, NewCaseRequest};
use serde_json::{Map, Value, json};

use super::beneficiaries::{beneficiary, newest_case, type_name};
use super::{Caliza, CalizaCaller, failure, status};
use crate::AppState;
use crate::dialects::{Failure, PathParam, utc_millis};

type Result<T> = std::result::Result<T, Failure<Caliza>>;

fn session_body(case: &Case, applicant_type: ApplicantType) -> Value {
    let status = status::session(case.status);
    json!({
        "id": case.id,
        "beneficiaryId": case.applicant_id,
        "type": type_name(applicant_type),
        "verificationType": "INTERACTIVE",
        "verificationUrl": (status == "PENDING").then_some(case.link.url.as_str()),
        "status": status,
        "createdDate": utc_millis(case.created_at),
        "lastModifiedDate": utc_millis(case.updated_at),
    })
}

/// Caliza documents the body as optional (`{"type": "INTERACTIVE"}` at most): none, or any
/// JSON object, is accepted; other modes are not offered.
fn check_body(body: &Bytes) -> Result<()> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let parsed: Map<String, Value> = serde_json::from_slice(body).map_err(|_| {
        failure(
            StatusCode::BAD_REQUEST,
            "validation.invalid_body",
            "the body must be a JSON object",
        )
    })?;
    match parsed.get("type").and_then(Value::as_str) {
        None | Some("INTERACTIVE") => Ok(()),
        Some(_) => Err(failure(
            StatusCode::BAD_REQUEST,
            "validation.invalid_enum_value",
            "type must be INTERACTIVE",
        )),
    }
}

pub async fn start(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(id, ..): PathParam<Caliza, String>,
    body: Bytes,
) -> Result<(StatusCode, Answer<Value>)> {
    check_body(&body)?;
    let applicant = beneficiary(&state, caller.scope(), &id).await?;
    let kind = match applicant.applicant_type {
        ApplicantType::Individual => CaseKind::Kyc,
        ApplicantType::Business => CaseKind::Kyb,
    };
    let request = NewCaseRequest {
        applicant: CaseApplicant::Existing(applicant.id.clone()),
        kind,
        flow_id: None,
        // The case carries the integrator's id for the beneficiary, so webhooks (which see no
        // personal data) can name it.
        external_id: applicant.external_id.clone(),
        redirect_url: None,
        metadata: Map::new(),
        link_lifetime_seconds: None,
    };
    let (case, created) = state
        .services
        .awaiting_or_new_case(&caller.context(), request)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Answer(session_body(&case, applicant.applicant_type)),
    ))
}

fn no_session() -> Failure<Caliza> {
    failure(
        StatusCode::NOT_FOUND,
        "verification.not_found",
        "The beneficiary has no verification session",
    )
}

pub async fn current(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(id, ..): PathParam<Caliza, String>,
) -> Result<Answer<Value>> {
    let applicant = beneficiary(&state, caller.scope(), &id).await?;
    let case = newest_case(&state, caller.scope(), &applicant.id)
        .await?
        .ok_or_else(no_session)?;
    Ok(Answer(session_body(&case, applicant.applicant_type)))
}

pub async fn approve_in_sandbox(
    State(state): State<AppState>,
    caller: CalizaCaller,
    PathParam(id, ..): PathParam<Caliza, String>,
) -> Result<Answer<Value>> {
    if caller.scope().environment != Environment::Sandbox {
        return Err(failure(
            StatusCode::PRECONDITION_FAILED,
            "operation.not_allowed_outside_sandbox",
            "Approving a verification is possible in the sandbox only",
        ));
    }
    let applicant = beneficiary(&state, caller.scope(), &id).await?;
    let case = newest_case(&state, caller.scope(), &applicant.id)
        .await?
        .ok_or_else(no_session)?;
    let case = state
        .services
        .complete_sandbox_case(&caller.context(), &case.id, Outcome::Approved)
        .await?;
    Ok(Answer(session_body(&case, applicant.applicant_type)))
}
