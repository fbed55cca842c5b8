//! `/v1/cases`, and the case, decision, check and screening-hit shapes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_domain::case::{CaseKind, CaseStatus, Decision, ManualDecision};
use kycore_domain::rules::FiredRule;
use kycore_services::cases::{CaseQuery, DecisionRequest};
use kycore_services::pagination::PageRequest;
use kycore_services::time_format::parse_rfc3339;
use kycore_services::views::{Case, Check, ScreeningHit};
use kycore_services::{CaseApplicant, NewCaseRequest};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::applicants::{CreateApplicantBody, UpdateApplicantBody};
use super::flows::RuleOutcomeBody;
use super::{
    CaseKindBody, CaseStatusBody, CheckStatusBody, EnvironmentBody, OutcomeBody, PageBody,
    StepBody, parse_param, rfc3339, steps_in, steps_out, wire_enum,
};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

wire_enum!(
    /// A person's decision.
    ManualDecisionBody <=> ManualDecision, "snake_case" { Approve, Reject, RequestResubmission }
);

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCaseBody {
    /// An existing applicant (`app_…`); or give `applicant` inline instead.
    #[serde(default)]
    pub applicant_id: Option<String>,
    #[serde(default)]
    pub applicant: Option<CreateApplicantBody>,
    pub kind: CaseKindBody,
    /// A flow id; the default flow for the kind and the applicant's country when omitted.
    #[serde(default)]
    pub flow_id: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
    /// Where the applicant is sent after finishing (http or https).
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// Up to 50 keys of your own data, 8 KB in all.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

impl TryFrom<CreateCaseBody> for NewCaseRequest {
    type Error = ApiError;

    fn try_from(body: CreateCaseBody) -> Result<Self, ApiError> {
        let applicant = match (body.applicant_id, body.applicant) {
            (Some(id), None) => CaseApplicant::Existing(id),
            (None, Some(applicant)) => CaseApplicant::New(Box::new(applicant.into())),
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "applicant_required",
                    "give exactly one of `applicant_id` and `applicant`",
                ));
            }
        };
        Ok(NewCaseRequest {
            applicant,
            kind: body.kind.into(),
            flow_id: body.flow_id,
            external_id: body.external_id,
            redirect_url: body.redirect_url,
            metadata: body.metadata.unwrap_or_default(),
            link_lifetime_seconds: None,
        })
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideCaseBody {
    pub decision: ManualDecisionBody,
    /// Your machine-readable reason, e.g. `document_forged` (`[a-z0-9_.-]`, up to 64).
    #[serde(default)]
    #[schema(pattern = r"^[a-z0-9_.-]{1,64}$")]
    pub reason_code: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// For `request_resubmission`: the steps the applicant redoes (the rest of what they
    /// entered is kept); every data-collecting step of the flow when not given.
    #[serde(default)]
    pub steps: Option<Vec<StepBody>>,
}

impl From<DecideCaseBody> for DecisionRequest {
    fn from(body: DecideCaseBody) -> Self {
        DecisionRequest {
            decision: body.decision.into(),
            reason_code: body.reason_code,
            note: body.note,
            steps: body.steps.map(steps_in),
            expected_revision: None,
        }
    }
}

/// A rule that fired when the rules decided, with the facts it read.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiredRuleBody {
    pub name: String,
    pub outcome: RuleOutcomeBody,
    pub reason_code: String,
    /// Each fact the rule read (dotted path) and its value.
    #[schema(value_type = Object)]
    pub inputs: Map<String, Value>,
    /// Why the rule could not be evaluated on this case (it then counts as `review`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&FiredRule> for FiredRuleBody {
    fn from(rule: &FiredRule) -> Self {
        FiredRuleBody {
            name: rule.name.clone(),
            outcome: rule.outcome.into(),
            reason_code: rule.reason_code.clone(),
            inputs: rule.inputs.clone(),
            error: rule.error.clone(),
        }
    }
}

/// Who or what decided, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionBody {
    pub outcome: OutcomeBody,
    /// `rules`, `api`, `analyst` or `sandbox`.
    pub decided_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub decided_at: String,
    /// For a resubmission request: the steps the applicant redoes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resubmission_steps: Vec<StepBody>,
    /// Every rule that fired when the rules decided, in order; the first one decided.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<FiredRuleBody>,
}

impl From<&Decision> for DecisionBody {
    fn from(d: &Decision) -> Self {
        DecisionBody {
            outcome: d.outcome.into(),
            decided_by: d.decided_by.clone(),
            reason_code: d.reason_code.clone(),
            note: d.note.clone(),
            decided_at: rfc3339(d.decided_at),
            resubmission_steps: steps_out(&d.resubmission_steps),
            rules: d.rules.iter().map(Into::into).collect(),
        }
    }
}

/// A check run on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckBody {
    pub id: String,
    pub kind: String,
    pub status: CheckStatusBody,
    pub score: Option<f64>,
    /// The machine-readable result.
    #[schema(value_type = Object)]
    pub result: Value,
    /// A sentence for the reviewer.
    pub explanation: String,
    pub provider: String,
    pub created_at: String,
    /// The processing round that ran it, from 1: a resubmission's checks are a new round.
    pub round: u32,
    /// A later round ran a check of the same kind; this one is kept for the record only.
    pub superseded: bool,
}

impl From<&Check> for CheckBody {
    fn from(c: &Check) -> Self {
        CheckBody {
            id: c.id.clone(),
            kind: c.kind.clone(),
            status: c.status.into(),
            score: c.score,
            result: c.result.clone(),
            explanation: c.explanation.clone(),
            provider: c.provider.clone(),
            created_at: rfc3339(c.created_at),
            round: c.round,
            superseded: c.superseded,
        }
    }
}

/// A listed entry that may be one of the case's parties.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningHitBody {
    pub id: String,
    pub case_id: String,
    pub applicant_id: String,
    /// Who matched: `applicant`, `business` or `related_person:<id>`.
    pub subject: String,
    pub list: String,
    pub list_version: String,
    pub entity_id: String,
    pub score: f64,
    /// The entry's name, type, matched name and the explanation of the score.
    #[schema(value_type = Object)]
    pub detail: Value,
    /// `case_checks` or `monitoring`.
    pub source: String,
    /// `open`, `true_match` or `false_match`.
    pub status: String,
    pub review_note: Option<String>,
    pub reviewed_at: Option<String>,
    pub created_at: String,
}

impl From<&ScreeningHit> for ScreeningHitBody {
    fn from(h: &ScreeningHit) -> Self {
        ScreeningHitBody {
            id: h.id.clone(),
            case_id: h.case_id.clone(),
            applicant_id: h.applicant_id.clone(),
            subject: h.subject.clone(),
            list: h.list.clone(),
            list_version: h.list_version.clone(),
            entity_id: h.entity_id.clone(),
            score: h.score,
            detail: h.detail.clone(),
            source: h.source.clone(),
            status: h.status.clone(),
            review_note: h.review_note.clone(),
            reviewed_at: h.reviewed_at.map(rfc3339),
            created_at: rfc3339(h.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseBody {
    pub id: String,
    pub environment: EnvironmentBody,
    pub status: CaseStatusBody,
    pub kind: CaseKindBody,
    pub applicant_id: String,
    pub flow_id: String,
    pub flow_version: i64,
    /// Increments on every change.
    pub revision: i64,
    pub external_id: Option<String>,
    pub redirect_url: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// The hosted link to send the applicant.
    pub verification_url: String,
    /// The link's token, for embedding the flow yourself.
    pub token: String,
    /// When the link stops working.
    pub expires_at: String,
    pub decision: Option<DecisionBody>,
    /// The checks run on the case (on `GET /v1/cases/{id}` and changes, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<CheckBody>>,
    /// Possible watchlist matches for the case's parties (as `checks`); review them with
    /// `POST /v1/cases/{id}/screening-hits/{hit_id}/review`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screening_hits: Option<Vec<ScreeningHitBody>>,
    /// A business case's owners' and directors' own KYC cases (as `checks`): its decision
    /// waits until each is final.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_cases: Option<Vec<RelatedCaseBody>>,
    /// When the case's personal data was erased (`POST /v1/cases/{id}/redact` or the
    /// organization's retention policy); absent while it is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted_at: Option<String>,
    /// When the case was last submitted for checks (by the applicant's last step or
    /// `POST /v1/cases/{id}/submit`); absent before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// Under a flow's four eyes: the approval waiting for a second, different person's;
    /// absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_approval: Option<FirstApprovalBody>,
    /// Who works on the case in the console (`user_…`), if someone took it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The first of two approvals.
#[derive(Debug, Serialize, ToSchema)]
pub struct FirstApprovalBody {
    /// Who approved (`user_…`, `key_…`).
    pub approved_by: String,
    pub approved_at: String,
}

/// A related person's own case.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedCaseBody {
    pub related_person_id: String,
    pub case_id: String,
    pub status: CaseStatusBody,
}

impl From<&Case> for CaseBody {
    fn from(c: &Case) -> Self {
        CaseBody {
            id: c.id.clone(),
            environment: c.environment.into(),
            status: c.status.into(),
            kind: c.kind.into(),
            applicant_id: c.applicant_id.clone(),
            flow_id: c.flow_id.clone(),
            flow_version: c.flow_version,
            revision: c.revision,
            external_id: c.external_id.clone(),
            redirect_url: c.redirect_url.clone(),
            metadata: c.metadata.clone(),
            verification_url: c.link.url.clone(),
            token: c.link.token.clone(),
            expires_at: rfc3339(c.link.expires_at),
            decision: c.decision.as_ref().map(Into::into),
            checks: c
                .checks
                .as_ref()
                .map(|checks| checks.iter().map(Into::into).collect()),
            screening_hits: c
                .screening_hits
                .as_ref()
                .map(|hits| hits.iter().map(Into::into).collect()),
            related_cases: c.related_cases.as_ref().map(|cases| {
                cases
                    .iter()
                    .map(|r| RelatedCaseBody {
                        related_person_id: r.related_person_id.clone(),
                        case_id: r.case_id.clone(),
                        status: r.status.into(),
                    })
                    .collect()
            }),
            redacted_at: c.redacted_at.map(rfc3339),
            submitted_at: c.submitted_at.map(rfc3339),
            first_approval: c.first_approval.as_ref().map(|first| FirstApprovalBody {
                approved_by: first.by.clone(),
                approved_at: rfc3339(first.at),
            }),
            assigned_to: c.assigned_to.clone(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCases {
    #[param(value_type = Option<CaseStatusBody>)]
    status: Option<String>,
    #[param(value_type = Option<CaseKindBody>)]
    kind: Option<String>,
    external_id: Option<String>,
    applicant_id: Option<String>,
    /// RFC 3339; cases created at or after.
    #[param(format = DateTime)]
    created_after: Option<String>,
    /// RFC 3339; cases created before.
    #[param(format = DateTime)]
    created_before: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// A case id from the previous page.
    starting_after: Option<String>,
}

/// A case change's answer, as every route that changes a case sends it.
fn answer(case: &Case) -> Json<CaseBody> {
    Json(CaseBody::from(case))
}

/// Create a case and its hosted verification link.
#[utoipa::path(post, path = "/v1/cases", tag = "cases", request_body = CreateCaseBody,
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 201, body = CaseBody),
        (status = 404, description = "`not_found`: `applicant_id` or `flow_id` names nothing this key can see"),
        (status = 422, description = "`applicant_required`: not exactly one of `applicant_id` and `applicant`; \
            `applicant_type_mismatch`, `flow_kind_mismatch`: the applicant or flow does not fit `kind`")),
    security(("api_key" = [])))]
pub async fn create_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateCaseBody>,
) -> Result<(StatusCode, Json<CaseBody>), ApiError> {
    let request = NewCaseRequest::try_from(body)?;
    let ctx = caller.context::<Case, CaseBody>(StatusCode::CREATED);
    let case = state.services.create_case(&ctx, request).await?;
    Ok((StatusCode::CREATED, answer(&case)))
}

/// List cases, newest first.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(ListCases),
    responses((status = 200, body = PageBody<CaseBody>)),
    security(("api_key" = [])))]
pub async fn list_cases(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListCases>,
) -> Result<Json<PageBody<CaseBody>>, ApiError> {
    let filter = CaseQuery {
        statuses: parse_param(query.status, "status", CaseStatus::parse)?
            .into_iter()
            .collect(),
        kind: parse_param(query.kind, "kind", CaseKind::parse)?,
        external_id: query.external_id,
        applicant_id: query.applicant_id,
        created_from: parse_param(query.created_after, "created_after", parse_rfc3339)?,
        created_until: parse_param(query.created_before, "created_before", parse_rfc3339)?,
        assigned_to: None,
        newest_per_applicant: false,
        search: None,
        flow_id: None,
    };
    let page = PageRequest {
        limit: query.limit,
        starting_after: query.starting_after,
    };
    let page = state
        .services
        .list_cases(caller.scope(), filter, &page)
        .await?;
    Ok(Json(PageBody::from(&page)))
}

/// Get a case, with its checks and screening hits.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseBody)), security(("api_key" = [])))]
pub async fn get_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CaseBody>, ApiError> {
    Ok(answer(&state.services.get_case(caller.scope(), &id).await?))
}

/// Cancel a case that has not reached a final status.
#[utoipa::path(post, path = "/v1/cases/{id}/cancel", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 200, body = CaseBody), (status = 409, description = "`invalid_transition`: the case's status does not allow this; `concurrent_modification`: the case changed meanwhile, read it again")), security(("api_key" = [])))]
pub async fn cancel_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CaseBody>, ApiError> {
    let ctx = caller.context::<Case, CaseBody>(StatusCode::OK);
    Ok(answer(&state.services.cancel_case(&ctx, &id).await?))
}

/// Erase a final case's personal data: its details, metadata, what its checks and screening
/// hits say, and its document files. Status, decision, reason codes and events stay.
/// Redacting again changes nothing.
#[utoipa::path(post, path = "/v1/cases/{id}/redact", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 200, body = CaseBody), (status = 409, description = "`case_not_final`: the case is still in use, cancel or decide it first; `concurrent_modification`: the case changed meanwhile, read it again")), security(("api_key" = [])))]
pub async fn redact_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CaseBody>, ApiError> {
    let ctx = caller.context::<Case, CaseBody>(StatusCode::OK);
    Ok(answer(&state.services.redact_case(&ctx, &id).await?))
}

/// Decide a case by hand: approve, reject or request resubmission. Under a flow's
/// `four_eyes`, a first approval is recorded (`first_approval`, `case.first_approval`) and
/// the status stays; a second, different person's approval approves the case.
#[utoipa::path(post, path = "/v1/cases/{id}/decision", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    request_body = DecideCaseBody,
    responses((status = 200, body = CaseBody), (status = 409, description = "`invalid_transition`: the case's status does not allow this; `second_approver_required`: four eyes, and this person approved first; `concurrent_modification`: the case changed meanwhile, read it again")), security(("api_key" = [])))]
pub async fn decide_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecideCaseBody>,
) -> Result<Json<CaseBody>, ApiError> {
    let ctx = caller.context::<Case, CaseBody>(StatusCode::OK);
    Ok(answer(
        &state.services.decide_case(&ctx, &id, body.into()).await?,
    ))
}

/// Issue a new hosted link; the previous one stops working.
#[utoipa::path(post, path = "/v1/cases/{id}/link", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 200, body = CaseBody), (status = 409, description = "`invalid_transition`: the case's status does not allow this; `concurrent_modification`: the case changed meanwhile, read it again")), security(("api_key" = [])))]
pub async fn reissue_link(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CaseBody>, ApiError> {
    let ctx = caller.context::<Case, CaseBody>(StatusCode::OK);
    Ok(answer(&state.services.reissue_link(&ctx, &id).await?))
}

/// Submit a case whose data was collected through the API; its checks run next.
#[utoipa::path(post, path = "/v1/cases/{id}/submit", tag = "cases", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 200, body = CaseBody), (status = 409, description = "`invalid_transition`: the case's status does not allow this; `concurrent_modification`: the case changed meanwhile, read it again")), security(("api_key" = [])))]
pub async fn submit_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CaseBody>, ApiError> {
    let ctx = caller.context::<Case, CaseBody>(StatusCode::OK);
    Ok(answer(&state.services.submit_case(&ctx, &id).await?))
}

/// Set the applicant's details while the case waits for them (API-driven collection).
#[utoipa::path(put, path = "/v1/cases/{id}/details", tag = "cases", params(("id" = String, Path)),
    request_body = UpdateApplicantBody,
    responses((status = 200, body = CaseBody), (status = 409, description = "`invalid_transition`: the case's status does not allow this; `concurrent_modification`: the case changed meanwhile, read it again")), security(("api_key" = [])))]
pub async fn update_details(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateApplicantBody>,
) -> Result<Json<CaseBody>, ApiError> {
    let ctx = caller.context::<Case, CaseBody>(StatusCode::OK);
    Ok(answer(
        &state
            .services
            .update_case_details(&ctx, &id, body.into())
            .await?,
    ))
}
