//! `/v1/flows`, and the flow, rule and screening-settings shapes.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_domain::flow::{CompanyDocument, ReturnParameters, ScreeningSettings};
use kycore_domain::rules::{RuleDefinition, RuleOutcome};
use kycore_services::flows::{Flow, NewFlow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CaseKindBody, PageBody, StepBody, rfc3339, steps_in, steps_out, wire_enum};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Caller};

wire_enum!(
    /// What a fired rule asks for.
    RuleOutcomeBody <=> RuleOutcome, "snake_case" { Approve, Review, ReviewFourEyes, Reject, RequestResubmission }
);

wire_enum!(
    /// A document a business uploads; the name is also its document type.
    CompanyDocumentBody <=> CompanyDocument, "kebab-case" {
        CertificateOfIncorporation, RegisterExtract, CompanyProofOfAddress,
        ArticlesOfAssociation, ShareholderRegister,
    }
);

fn yes() -> bool {
    true
}

/// Sanctions and PEP screening for the flow's cases.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningSettingsBody {
    /// Screen the applicant, the business and its related persons during the checks.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Re-screen approved applicants whenever a watchlist gets a new version.
    #[serde(default = "yes")]
    pub monitoring: bool,
}

impl From<ScreeningSettingsBody> for ScreeningSettings {
    fn from(s: ScreeningSettingsBody) -> Self {
        ScreeningSettings {
            enabled: s.enabled,
            monitoring: s.monitoring,
        }
    }
}

impl From<ScreeningSettings> for ScreeningSettingsBody {
    fn from(s: ScreeningSettings) -> Self {
        ScreeningSettingsBody {
            enabled: s.enabled,
            monitoring: s.monitoring,
        }
    }
}

/// One rule of a flow.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    /// `[a-z0-9_]`, unique in the flow.
    #[schema(pattern = r"^[a-z0-9_]{1,64}$")]
    pub name: String,
    /// A CEL expression over the facts that gives true or false.
    pub when: String,
    /// `review_four_eyes` is a review whose approval then needs two different people's,
    /// whatever the flow's `four_eyes` says.
    pub outcome: RuleOutcomeBody,
    /// Recorded as the decision's reason when this rule decides.
    #[schema(pattern = r"^[a-z0-9_]{1,64}$")]
    pub reason_code: String,
    /// For `request_resubmission`: the steps to redo. When empty, the steps the checks found
    /// fixable (`resubmission.steps` in the facts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepBody>,
}

impl From<RuleBody> for RuleDefinition {
    fn from(r: RuleBody) -> Self {
        RuleDefinition {
            name: r.name,
            when: r.when,
            outcome: r.outcome.into(),
            reason_code: r.reason_code,
            steps: steps_in(r.steps),
        }
    }
}

impl From<&RuleDefinition> for RuleBody {
    fn from(r: &RuleDefinition) -> Self {
        RuleBody {
            name: r.name.clone(),
            when: r.when.clone(),
            outcome: r.outcome.into(),
            reason_code: r.reason_code.clone(),
            steps: steps_out(&r.steps),
        }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFlowBody {
    /// Not only spaces.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: CaseKindBody,
    /// ISO 3166-1 alpha-2 codes this flow is the default for (with `is_default`).
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub is_default: bool,
    /// How long a hosted link stays valid; 24 hours when not given.
    #[serde(default)]
    #[schema(minimum = 300, maximum = 7776000)]
    pub link_lifetime_seconds: Option<u32>,
    /// The hosted flow's steps, ending with `review`; the kind's defaults when not given.
    #[serde(default)]
    pub steps: Option<Vec<StepBody>>,
    /// Youngest acceptable applicant (14–25); 18 when not given.
    #[serde(default)]
    #[schema(minimum = 14, maximum = 25)]
    pub min_age: Option<u8>,
    /// Uploads allowed per document type and side, 0 (the default) for unlimited.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub max_attempts: Option<u32>,
    /// Screening and ongoing monitoring, both on when not given.
    #[serde(default)]
    pub screening: Option<ScreeningSettingsBody>,
    /// Decision rules, tried in order, the first that fires deciding; the built-in rules
    /// when not given. Each is checked now: a rule that does not compile, names an unknown
    /// fact or does not give true/false is refused with a 422.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub rules: Option<Vec<RuleBody>>,
    /// KYB only: the documents the `company_documents` step asks for;
    /// `certificate-of-incorporation` and `register-extract` when not given.
    #[serde(default)]
    #[schema(min_items = 1)]
    pub company_documents: Option<Vec<CompanyDocumentBody>>,
    /// Four eyes: a person's approval waits for a second, different person's before the
    /// case is approved. Off when not given.
    #[serde(default)]
    pub four_eyes: bool,
}

impl From<CreateFlowBody> for NewFlow {
    fn from(body: CreateFlowBody) -> Self {
        NewFlow {
            return_parameters: ReturnParameters::CaseOutcome,
            four_eyes: body.four_eyes,
            step_max_attempts: Default::default(),
            name: body.name,
            kind: body.kind.into(),
            countries: body.countries,
            is_default: body.is_default,
            link_lifetime_seconds: body.link_lifetime_seconds,
            steps: body.steps.map(steps_in),
            min_age: body.min_age,
            max_attempts: body.max_attempts,
            screening: body.screening.map(Into::into),
            rules: body
                .rules
                .map(|rules| rules.into_iter().map(Into::into).collect()),
            company_documents: body
                .company_documents
                .map(|documents| documents.into_iter().map(Into::into).collect()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlowBody {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub kind: CaseKindBody,
    pub countries: Vec<String>,
    pub is_default: bool,
    pub link_lifetime_seconds: u32,
    pub steps: Vec<StepBody>,
    pub min_age: u8,
    pub max_attempts: u32,
    /// Uploads allowed at an upload step (`identity_document`, `selfie`,
    /// `proof_of_address`, `company_documents`), overriding `max_attempts` there; set by the
    /// vendor dialects' flows (Rebilly's per-type `maxAttempts`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub step_max_attempts: BTreeMap<String, u32>,
    /// What the hosted flow appends to a case's `redirect_url`: `case_outcome` (`case_id`
    /// and `outcome`) or `info` (a gatherer's `info=success|partial|manual|back|token_expired`,
    /// as Rebilly's flows ask).
    #[schema(pattern = "^(case_outcome|info)$")]
    pub return_parameters: String,
    /// Whether a person's approval waits for a second, different person's.
    pub four_eyes: bool,
    pub screening: ScreeningSettingsBody,
    /// The rules in force (the built-in ones unless the flow has its own).
    pub rules: Vec<RuleBody>,
    /// KYB flows: the documents the `company_documents` step asks for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub company_documents: Vec<CompanyDocumentBody>,
    /// Whether `rules` are the flow's own.
    pub custom_rules: bool,
    /// Built-in flows exist in every organization and cannot be changed.
    pub builtin: bool,
    pub created_at: Option<String>,
}

impl From<&Flow> for FlowBody {
    fn from(f: &Flow) -> Self {
        FlowBody {
            id: f.id.clone(),
            version: f.version,
            name: f.name.clone(),
            kind: f.kind.into(),
            countries: f.countries.clone(),
            is_default: f.is_default,
            link_lifetime_seconds: f.link_lifetime_seconds,
            steps: steps_out(&f.steps),
            min_age: f.min_age,
            max_attempts: f.max_attempts,
            step_max_attempts: f
                .step_max_attempts
                .iter()
                .map(|(step, limit)| (step.as_str().to_owned(), *limit))
                .collect(),
            return_parameters: match f.return_parameters {
                ReturnParameters::CaseOutcome => "case_outcome",
                ReturnParameters::Info => "info",
            }
            .to_owned(),
            four_eyes: f.four_eyes,
            screening: f.screening.into(),
            rules: f.rules.iter().map(Into::into).collect(),
            company_documents: f
                .company_documents
                .iter()
                .copied()
                .map(Into::into)
                .collect(),
            custom_rules: f.custom_rules,
            builtin: f.builtin,
            created_at: f.created_at.map(rfc3339),
        }
    }
}

/// Create a flow.
#[utoipa::path(post, path = "/v1/flows", tag = "flows", request_body = CreateFlowBody,
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 201, body = FlowBody)),
    security(("api_key" = [])))]
pub async fn create_flow(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateFlowBody>,
) -> Result<(StatusCode, Json<FlowBody>), ApiError> {
    let ctx = caller.context::<Flow, FlowBody>(StatusCode::CREATED);
    let flow = state.services.create_flow(&ctx, body.into()).await?;
    Ok((StatusCode::CREATED, Json(FlowBody::from(&flow))))
}

/// List flows: yours, then the built-in defaults.
#[utoipa::path(get, path = "/v1/flows", tag = "flows",
    responses((status = 200, body = PageBody<FlowBody>)), security(("api_key" = [])))]
pub async fn list_flows(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PageBody<FlowBody>>, ApiError> {
    let flows = state.services.list_flows(caller.scope()).await?;
    Ok(Json(PageBody {
        data: flows.iter().map(FlowBody::from).collect(),
        has_more: false,
        next_cursor: None,
    }))
}

/// Get a flow.
#[utoipa::path(get, path = "/v1/flows/{id}", tag = "flows", params(("id" = String, Path)),
    responses((status = 200, body = FlowBody)), security(("api_key" = [])))]
pub async fn get_flow(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<FlowBody>, ApiError> {
    let flow = state.services.get_flow(caller.scope(), &id).await?;
    Ok(Json(FlowBody::from(&flow)))
}
