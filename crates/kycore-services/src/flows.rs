//! Flows: the verification templates an organization creates, and the built-in defaults
//! every organization has. A created flow is immutable (version 1 now; edits will add
//! versions), so a case can pin the exact version it was created with (`catalog.rs`).

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use kycore_domain::case::CaseKind;
use kycore_domain::flow::{
    BUILTIN_FLOWS, CompanyDocument, DEFAULT_LINK_LIFETIME_SECONDS, DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MIN_AGE, FlowDefinition, ReturnParameters, ScreeningSettings, Step, builtin_flow,
};
use kycore_domain::ids::FlowId;
use kycore_domain::rules::RuleDefinition;
use kycore_domain::tenancy::Scope;
use kycore_store::Tx;
use kycore_store::flows::{self, FlowRecord};
use serde_json::json;
use time::OffsetDateTime;

use crate::catalog::{BUILTIN_VERSION, definition_of};
use crate::record::{AuditEntry, audit};
use crate::time_format::{datetime_of, now_millis};
use crate::{RequestContext, ServiceError, Services};

/// A flow to create.
#[derive(Clone, Debug)]
pub struct NewFlow {
    pub name: String,
    pub kind: CaseKind,
    /// ISO 3166-1 alpha-2 codes this flow is the default for (with `is_default`).
    pub countries: Vec<String>,
    pub is_default: bool,
    /// How long a hosted link stays valid; 24 hours when not given.
    pub link_lifetime_seconds: Option<u32>,
    /// The hosted flow's steps, ending with `review`; the kind's defaults when not given.
    pub steps: Option<Vec<Step>>,
    /// Youngest acceptable applicant (14–25); 18 when not given.
    pub min_age: Option<u8>,
    /// Uploads allowed per document type and side, 0 (the default) for unlimited.
    pub max_attempts: Option<u32>,
    /// Uploads allowed at an upload step, overriding `max_attempts` there.
    pub step_max_attempts: BTreeMap<Step, u32>,
    /// Screening and ongoing monitoring, both on when not given.
    pub screening: Option<ScreeningSettings>,
    /// Decision rules, tried in order, the first that fires deciding; the built-in rules
    /// when not given.
    pub rules: Option<Vec<RuleDefinition>>,
    /// KYB only: the documents the `company_documents` step asks for.
    pub company_documents: Option<Vec<CompanyDocument>>,
    /// What the hosted flow appends to a case's `redirect_url`; `case_id` and `outcome` by
    /// default.
    pub return_parameters: ReturnParameters,
    /// Whether an approval needs a second, different person's.
    pub four_eyes: bool,
}

/// A flow as it stands.
#[derive(Clone, Debug)]
pub struct Flow {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub kind: CaseKind,
    pub countries: Vec<String>,
    pub is_default: bool,
    pub link_lifetime_seconds: u32,
    pub steps: Vec<Step>,
    pub min_age: u8,
    pub max_attempts: u32,
    /// Uploads allowed at an upload step, overriding `max_attempts` there.
    pub step_max_attempts: BTreeMap<Step, u32>,
    /// What the hosted flow appends to a case's `redirect_url`.
    pub return_parameters: ReturnParameters,
    /// Whether an approval needs a second, different person's.
    pub four_eyes: bool,
    pub screening: ScreeningSettings,
    /// The rules in force (the built-in ones unless the flow has its own).
    pub rules: Vec<RuleDefinition>,
    /// KYB flows: the documents the `company_documents` step asks for.
    pub company_documents: Vec<CompanyDocument>,
    /// Whether `rules` are the flow's own.
    pub custom_rules: bool,
    /// Built-in flows exist in every organization and cannot be changed.
    pub builtin: bool,
    pub created_at: Option<OffsetDateTime>,
}

fn flow(
    id: &str,
    version: i64,
    definition: FlowDefinition,
    created_at: Option<OffsetDateTime>,
) -> Flow {
    Flow {
        id: id.to_owned(),
        version,
        steps: definition.steps(),
        rules: definition.rules(),
        company_documents: match definition.kind {
            CaseKind::Kyb => definition.company_documents(),
            CaseKind::Kyc => Vec::new(),
        },
        custom_rules: definition.rules.is_some(),
        name: definition.name,
        kind: definition.kind,
        countries: definition.countries,
        is_default: definition.is_default,
        link_lifetime_seconds: definition.link_lifetime_seconds,
        min_age: definition.min_age,
        max_attempts: definition.max_attempts,
        step_max_attempts: definition.step_max_attempts,
        return_parameters: definition.return_parameters,
        four_eyes: definition.four_eyes,
        screening: definition.screening,
        builtin: version == BUILTIN_VERSION,
        created_at,
    }
}

fn builtin(id: &str, definition: FlowDefinition) -> Flow {
    flow(id, BUILTIN_VERSION, definition, None)
}

fn stored(record: &FlowRecord) -> Result<Flow, ServiceError> {
    let definition = definition_of(record)?;
    Ok(flow(
        &record.id,
        record.version,
        definition,
        Some(datetime_of(record.created_at)),
    ))
}

impl Services {
    pub async fn create_flow(
        &self,
        ctx: &RequestContext,
        input: NewFlow,
    ) -> Result<Flow, ServiceError> {
        let mut definition = FlowDefinition {
            return_parameters: input.return_parameters,
            four_eyes: input.four_eyes,
            name: input.name,
            kind: input.kind,
            countries: input.countries,
            is_default: input.is_default,
            link_lifetime_seconds: input
                .link_lifetime_seconds
                .unwrap_or(DEFAULT_LINK_LIFETIME_SECONDS),
            steps: input.steps,
            min_age: input.min_age.unwrap_or(DEFAULT_MIN_AGE),
            max_attempts: input.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
            step_max_attempts: input.step_max_attempts,
            screening: input.screening.unwrap_or_default(),
            rules: input.rules,
            company_documents: input.company_documents,
        };
        // Every problem in one answer: the flow's fields and each rule's expression.
        let mut errors = definition
            .normalize_and_validate()
            .err()
            .unwrap_or_default();
        // Compiling and trying the rules is CPU work, bounded but not free: off the reactor.
        let (definition, checked) = crate::blocking(move || {
            let checked = crate::decision::validate_flow_rules(&definition);
            (definition, checked)
        })
        .await?;
        if let Err(more) = checked {
            errors.extend(more);
        }
        errors.into_result()?;
        let now = now_millis();
        let record = FlowRecord {
            id: FlowId::generate().to_string(),
            version: 1,
            organization_id: ctx.scope.organization_id.to_string(),
            environment: ctx.scope.environment.as_str().to_owned(),
            kind: definition.kind.as_str().to_owned(),
            is_default: i64::from(definition.is_default),
            definition: serde_json::to_string(&definition)
                .map_err(|e| ServiceError::internal(format!("flow definition: {e}")))?,
            created_at: now,
        };
        let view = stored(&record)?;
        let unit_ctx = ctx.clone();
        let created = self
            .write_idempotent(
                ctx,
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Flow, ServiceError>> {
                    Box::pin(async move {
                        flows::insert(tx.conn().await?, &record).await?;
                        let entry = AuditEntry {
                            action: "flow.created",
                            target_type: "flow",
                            target_id: &record.id,
                            case_id: None,
                            detail: json!({}),
                        };
                        audit(tx, &unit_ctx.scope, &unit_ctx.principal, entry, now);
                        Ok(view)
                    })
                },
            )
            .await;
        self.default_flow_cache().clear();
        created
    }

    pub async fn get_flow(&self, scope: &Scope, id: &str) -> Result<Flow, ServiceError> {
        let flow_id = FlowId::parse(id).ok_or(ServiceError::not_found("flow"))?;
        if let Some(definition) = builtin_flow(&flow_id) {
            return Ok(builtin(flow_id.as_str(), definition));
        }
        let record = flows::get(self.store().reader(), scope, id, None)
            .await?
            .ok_or(ServiceError::not_found("flow"))?;
        stored(&record)
    }

    /// The organization's flows, newest first, then the built-in ones.
    pub async fn list_flows(&self, scope: &Scope) -> Result<Vec<Flow>, ServiceError> {
        let records = flows::list(self.store().reader(), scope).await?;
        let mut all = records.iter().map(stored).collect::<Result<Vec<_>, _>>()?;
        all.extend(
            BUILTIN_FLOWS
                .iter()
                .map(|f| builtin(f.id, (f.definition)())),
        );
        Ok(all)
    }
}
