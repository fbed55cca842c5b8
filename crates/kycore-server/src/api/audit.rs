//! `/v1/audit`: a tenant's audit trail in chain order, one case's with `case_id`, each entry
//! with its place in the organization's hash chain, so a platform can keep its own copy.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_services::audit::AuditEntry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{PageBody, rfc3339};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Caller};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryBody {
    pub id: String,
    /// Place in the organization's chain, from 1. The chain is the organization's (both
    /// environments, every case), so one case's entries skip numbers.
    pub seq: i64,
    /// Who acted: `secret_key`, `applicant_session`, `system`…
    pub actor_type: String,
    pub actor_id: Option<String>,
    /// e.g. `case.created`, `document.uploaded`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub case_id: Option<String>,
    /// Ids, statuses and codes; never personal data.
    #[schema(value_type = Object)]
    pub detail: Value,
    pub created_at: String,
    /// The hash of the entry before it in the chain (hex; zeros before the first).
    pub prev_hash: String,
    /// HMAC-SHA256 of the entry and `prev_hash` under a key only the deployment holds (hex).
    pub hash: String,
}

impl From<&AuditEntry> for AuditEntryBody {
    fn from(e: &AuditEntry) -> Self {
        AuditEntryBody {
            id: e.id.clone(),
            seq: e.seq,
            actor_type: e.actor_type.clone(),
            actor_id: e.actor_id.clone(),
            action: e.action.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            case_id: e.case_id.clone(),
            detail: e.detail.clone(),
            created_at: rfc3339(e.created_at),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAudit {
    /// Only this case's entries (the case, its documents, its screening hits).
    case_id: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The entries after this `seq` (the previous page's `next_cursor`).
    after: Option<String>,
}

/// List audit entries, oldest first, in chain order.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(ListAudit),
    responses((status = 200, body = PageBody<AuditEntryBody>),
        (status = 400, description = "`invalid_query`: an `after` that is not a sequence number; `invalid_limit`")),
    security(("api_key" = [])))]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListAudit>,
) -> Result<Json<PageBody<AuditEntryBody>>, ApiError> {
    let after = query
        .after
        .map(|raw| match raw.parse::<i64>() {
            Ok(seq) if seq >= 0 => Ok(seq),
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "`after` is a sequence number, 0 or more",
            )),
        })
        .transpose()?;
    let page = state
        .services
        .audit_trail(caller.scope(), query.case_id, after, query.limit)
        .await?;
    Ok(Json(PageBody::from(&page)))
}
