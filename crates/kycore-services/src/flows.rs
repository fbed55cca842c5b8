//! Flows: the built-in defaults every organization has, and flows an organization creates.
//! A created flow is immutable (version 1 now; edits will add versions), so a case can pin
//! the exact version it was created with.

use futures_util::future::BoxFuture;
use kycore_domain::case::CaseKind;
use kycore_domain::flow::{
    BUILTIN_FLOWS, CompanyDocument, DEFAULT_LINK_LIFETIME_SECONDS, DEFAULT_MIN_AGE, FlowDefinition,
    ScreeningSettings, Step, builtin_default, builtin_flow,
};
use kycore_domain::ids::FlowId;
use kycore_domain::rules::RuleDefinition;
use kycore_domain::tenancy::Scope;
use kycore_store::Tx;
use kycore_store::flows::{self, FlowRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::pagination::Page;
use crate::record::{AuditEntry, audit};
use crate::time_format::{now_millis, rfc3339};
use crate::{RequestContext, ServiceError, Services};

/// Built-in flows have no stored version; they are version 0.
const BUILTIN_VERSION: i64 = 0;

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFlow {
    pub name: String,
    pub kind: CaseKind,
    /// ISO 3166-1 alpha-2 codes this flow is the default for (with `is_default`).
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub is_default: bool,
    /// How long a hosted link stays valid; 24 hours when not given.
    #[serde(default)]
    pub link_lifetime_seconds: Option<u32>,
    /// The hosted flow's steps, ending with `review`; the kind's defaults when not given.
    #[serde(default)]
    pub steps: Option<Vec<Step>>,
    /// Youngest acceptable applicant (14–25); 18 when not given.
    #[serde(default)]
    pub min_age: Option<u8>,
    /// Uploads allowed per document type and side, 0 (the default) for unlimited.
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Screening and ongoing monitoring, both on when not given.
    #[serde(default)]
    pub screening: Option<ScreeningSettings>,
    /// Decision rules, tried in order, the first that fires deciding; the built-in rules
    /// when not given. Each is checked now: a rule that does not compile, names an unknown
    /// fact or does not give true/false is refused with a 422.
    #[serde(default)]
    pub rules: Option<Vec<RuleDefinition>>,
    /// KYB only: the documents the `company_documents` step asks for;
    /// `certificate-of-incorporation` and `register-extract` when not given.
    #[serde(default)]
    pub company_documents: Option<Vec<CompanyDocument>>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FlowView {
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
    pub screening: ScreeningSettings,
    /// The rules in force (the built-in ones unless the flow has its own).
    pub rules: Vec<RuleDefinition>,
    /// KYB flows: the documents the `company_documents` step asks for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub company_documents: Vec<CompanyDocument>,
    /// Whether `rules` are the flow's own.
    pub custom_rules: bool,
    /// Built-in flows exist in every organization and cannot be changed.
    pub builtin: bool,
    pub created_at: Option<String>,
}

/// The flow version a new case pins.
#[derive(Clone)]
pub(crate) struct ResolvedFlow {
    pub id: FlowId,
    pub version: i64,
    pub definition: FlowDefinition,
}

fn flow_view(
    id: &str,
    version: i64,
    definition: FlowDefinition,
    created_at: Option<String>,
) -> FlowView {
    FlowView {
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
        screening: definition.screening,
        builtin: version == BUILTIN_VERSION,
        created_at,
    }
}

fn builtin_view(id: &str, definition: FlowDefinition) -> FlowView {
    flow_view(id, BUILTIN_VERSION, definition, None)
}

fn definition_of(record: &FlowRecord) -> Result<FlowDefinition, ServiceError> {
    serde_json::from_str(&record.definition).map_err(|e| {
        ServiceError::Store(kycore_store::StoreError::Corrupt(format!(
            "flow {}: {e}",
            record.id
        )))
    })
}

fn stored_view(record: &FlowRecord) -> Result<FlowView, ServiceError> {
    let definition = definition_of(record)?;
    Ok(flow_view(
        &record.id,
        record.version,
        definition,
        Some(rfc3339(record.created_at)),
    ))
}

impl Services {
    pub async fn create_flow(
        &self,
        ctx: &RequestContext,
        input: CreateFlow,
    ) -> Result<FlowView, ServiceError> {
        let mut definition = FlowDefinition {
            name: input.name,
            kind: input.kind,
            countries: input.countries,
            is_default: input.is_default,
            link_lifetime_seconds: input
                .link_lifetime_seconds
                .unwrap_or(DEFAULT_LINK_LIFETIME_SECONDS),
            steps: input.steps,
            min_age: input.min_age.unwrap_or(DEFAULT_MIN_AGE),
            max_attempts: input.max_attempts.unwrap_or(0),
            screening: input.screening.unwrap_or_default(),
            rules: input.rules,
            company_documents: input.company_documents,
        };
        // Every problem in one answer: the flow's fields and each rule's expression.
        let mut errors = definition
            .normalize_and_validate()
            .err()
            .unwrap_or_default();
        if let Err(more) = crate::decision::validate_flow_rules(&definition) {
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
            definition: serde_json::to_string(&definition).map_err(|_| ServiceError::Crypto)?,
            created_at: now,
        };
        let view = stored_view(&record)?;
        let unit_ctx = ctx.clone();
        let created = self
            .write_idempotent(
                ctx,
                move |tx: &mut Tx| -> BoxFuture<'_, Result<FlowView, ServiceError>> {
                    Box::pin(async move {
                        flows::insert(tx.conn(), &record).await?;
                        let entry = AuditEntry {
                            action: "flow.created",
                            target_type: "flow",
                            target_id: &record.id,
                            detail: json!({}),
                        };
                        audit(tx, &unit_ctx.scope, &unit_ctx.actor, entry, now);
                        Ok(view)
                    })
                },
            )
            .await;
        self.default_flow_cache().clear();
        created
    }

    pub async fn get_flow(&self, scope: &Scope, id: &str) -> Result<FlowView, ServiceError> {
        let flow_id = FlowId::parse(id).ok_or(ServiceError::not_found("flow"))?;
        if let Some(definition) = builtin_flow(&flow_id) {
            return Ok(builtin_view(flow_id.as_str(), definition));
        }
        let record = flows::get(self.store().reader(), scope, id, None)
            .await?
            .ok_or(ServiceError::not_found("flow"))?;
        stored_view(&record)
    }

    /// The organization's flows, newest first, then the built-in ones.
    pub async fn list_flows(&self, scope: &Scope) -> Result<Page<FlowView>, ServiceError> {
        let records = flows::list(self.store().reader(), scope).await?;
        let mut data = records
            .iter()
            .map(stored_view)
            .collect::<Result<Vec<_>, _>>()?;
        data.extend(
            BUILTIN_FLOWS
                .iter()
                .map(|f| builtin_view(f.id, (f.definition)())),
        );
        Ok(Page {
            data,
            has_more: false,
            next_cursor: None,
        })
    }

    /// The flow a new case uses: the one asked for, else the organization's default for the
    /// kind and country, else its default for the kind, else the built-in default.
    pub(crate) async fn resolve_flow(
        &self,
        scope: &Scope,
        requested: Option<&str>,
        kind: CaseKind,
        country: Option<&str>,
    ) -> Result<ResolvedFlow, ServiceError> {
        if let Some(id) = requested {
            return self.resolve_requested_flow(scope, id, kind).await;
        }
        let defaults = self.default_flows(scope, kind).await?;
        let chosen = defaults
            .iter()
            .find(|f| f.definition.covers_country(country))
            .or_else(|| defaults.iter().find(|f| f.definition.countries.is_empty()));
        Ok(match chosen {
            Some(flow) => flow.clone(),
            None => {
                let (id, definition) = builtin_default(kind);
                ResolvedFlow {
                    id,
                    version: BUILTIN_VERSION,
                    definition,
                }
            }
        })
    }

    /// The organization's default flows of a kind, newest first.
    async fn default_flows(
        &self,
        scope: &Scope,
        kind: CaseKind,
    ) -> Result<Vec<ResolvedFlow>, ServiceError> {
        let key = (scope.clone(), kind.as_str());
        if let Some(cached) = self.default_flow_cache().get(&key) {
            return Ok(cached);
        }
        let records = flows::defaults(self.store().reader(), scope, kind.as_str()).await?;
        let defaults = records
            .iter()
            .map(|record| {
                Ok(ResolvedFlow {
                    id: FlowId::from_trusted(record.id.clone()),
                    version: record.version,
                    definition: definition_of(record)?,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        self.default_flow_cache().insert(key, defaults.clone());
        Ok(defaults)
    }

    async fn resolve_requested_flow(
        &self,
        scope: &Scope,
        id: &str,
        kind: CaseKind,
    ) -> Result<ResolvedFlow, ServiceError> {
        let flow_id = FlowId::parse(id).ok_or(ServiceError::not_found("flow"))?;
        let (version, definition) = match builtin_flow(&flow_id) {
            Some(definition) => (BUILTIN_VERSION, definition),
            None => {
                let record = flows::get(self.store().reader(), scope, id, None)
                    .await?
                    .ok_or(ServiceError::not_found("flow"))?;
                (record.version, definition_of(&record)?)
            }
        };
        if definition.kind != kind {
            return Err(ServiceError::invalid(
                "flow_kind_mismatch",
                format!(
                    "flow {id} is for {} cases, not {}",
                    definition.kind.as_str(),
                    kind.as_str()
                ),
            ));
        }
        Ok(ResolvedFlow {
            id: flow_id,
            version,
            definition,
        })
    }

    /// The definition a case pinned.
    pub(crate) async fn pinned_flow(
        &self,
        scope: &Scope,
        id: &str,
        version: i64,
    ) -> Result<FlowDefinition, ServiceError> {
        if let Some(definition) = FlowId::parse(id).as_ref().and_then(builtin_flow) {
            return Ok(definition);
        }
        let record = flows::get(self.store().reader(), scope, id, Some(version))
            .await?
            .ok_or(ServiceError::not_found("flow"))?;
        definition_of(&record)
    }
}
