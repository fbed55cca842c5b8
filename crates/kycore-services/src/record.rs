//! Event and audit rows, built the same way wherever they are written: events of a case by
//! the kernel, of an applicant by the kernel's applicant writes, of the deployment by the
//! watchlist refresh.

use kycore_domain::event::EventType;
use kycore_domain::ids::{AuditId, EventId};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::{Millis, StoreError, Tx, audit, events, organizations};
use serde_json::Value;

use crate::Principal;

/// An event row of `scope`; `case` is the case and the event's sequence among its events.
/// Its id is generated now, as it is appended: events of one commit are numbered in id
/// order.
pub(crate) fn event(
    scope: &Scope,
    event_type: EventType,
    case: Option<(&str, i64)>,
    applicant_id: Option<&str>,
    payload: Value,
    now: Millis,
) -> events::EventRecord {
    events::EventRecord {
        id: EventId::generate().to_string(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().to_owned(),
        event_type: event_type.as_str().to_owned(),
        case_id: case.map(|(id, _)| id.to_owned()),
        applicant_id: applicant_id.map(str::to_owned),
        sequence: case.map(|(_, sequence)| sequence),
        payload: payload.to_string(),
        created_at: now,
        position: None,
    }
}

/// Appends an event about the deployment rather than a case or an applicant (a failed
/// watchlist refresh) to every organization's environments, so each one's webhooks and
/// events API see it.
pub(crate) async fn deployment_event(
    tx: &mut Tx,
    event_type: EventType,
    payload: &Value,
    now: Millis,
) -> Result<(), StoreError> {
    for organization_id in organizations::list_ids(tx.conn().await?).await? {
        for environment in Environment::ALL {
            let scope = Scope {
                organization_id: kycore_domain::ids::OrganizationId::from_trusted(
                    organization_id.clone(),
                ),
                environment,
            };
            tx.append_event(event(&scope, event_type, None, None, payload.clone(), now));
        }
    }
    Ok(())
}

/// What was done to which object.
pub(crate) struct AuditEntry<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    /// The case the entry belongs to: the case itself or one of its documents, hits…
    pub case_id: Option<&'a str>,
    /// Ids, statuses and codes only: never personal data.
    pub detail: Value,
}

/// Appends an audit entry naming the principal who acted. Its place in the organization's
/// chain is given when its batch commits.
pub(crate) fn audit(
    tx: &mut Tx,
    scope: &Scope,
    principal: &Principal,
    entry: AuditEntry<'_>,
    now: Millis,
) {
    tx.append_audit(audit::AuditRecord {
        id: AuditId::generate().to_string(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().to_owned(),
        actor_type: principal.kind().to_owned(),
        actor_id: Some(principal.id()),
        action: entry.action.to_owned(),
        target_type: entry.target_type.to_owned(),
        target_id: entry.target_id.to_owned(),
        detail: entry.detail.to_string(),
        created_at: now,
        case_id: entry.case_id.map(str::to_owned),
        seq: None,
        prev_hash: None,
        hash: None,
    });
}
