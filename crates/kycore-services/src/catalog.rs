//! The flow catalog: which flow version a new case uses, and the definition a case pinned.
//! Built-in flows exist in every organization (version 0); an organization's own flows are
//! stored and immutable, so a pinned version never changes under a case. Reads only.

use kycore_domain::case::CaseKind;
use kycore_domain::flow::{FlowDefinition, builtin_default, builtin_flow};
use kycore_domain::ids::FlowId;
use kycore_domain::tenancy::Scope;
use kycore_store::flows::{self, FlowRecord};

use crate::{ServiceError, Services};

/// Built-in flows have no stored version; they are version 0.
pub(crate) const BUILTIN_VERSION: i64 = 0;

/// The flow version a new case pins.
#[derive(Clone)]
pub(crate) struct ResolvedFlow {
    pub id: FlowId,
    pub version: i64,
    pub definition: FlowDefinition,
}

pub(crate) fn definition_of(record: &FlowRecord) -> Result<FlowDefinition, ServiceError> {
    serde_json::from_str(&record.definition)
        .map_err(|e| ServiceError::corrupt(format!("flow {}: {e}", record.id)))
}

impl Services {
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
        let cache_key = (scope.clone(), id.to_owned(), version);
        if let Some(definition) = self.pinned_flow_cache().get(&cache_key) {
            return Ok(definition);
        }
        let record = flows::get(self.store().reader(), scope, id, Some(version))
            .await?
            .ok_or_else(|| ServiceError::corrupt(format!("case pins a missing flow {id}")))?;
        let definition = definition_of(&record)?;
        self.pinned_flow_cache()
            .insert(cache_key, definition.clone());
        Ok(definition)
    }
}
