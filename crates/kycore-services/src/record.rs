//! Writing events and audit entries inside a unit of work, so every use case records them the
//! same way.

use kycore_domain::event::EventType;
use kycore_domain::ids::{AuditId, EventId};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::cases::CaseRecord;
use kycore_store::{Millis, Tx, audit, events, organizations};
use serde_json::Value;

use crate::Actor;

/// Appends an event about a case, taking the case's next sequence number. The caller saves
/// the case afterwards, which persists the advanced counter in the same transaction.
pub(crate) fn case_event(
    tx: &mut Tx,
    case: &mut CaseRecord,
    event_type: EventType,
    payload: Value,
    now: Millis,
) {
    case.last_event_seq += 1;
    let record = events::EventRecord {
        id: EventId::generate().to_string(),
        organization_id: case.organization_id.clone(),
        environment: case.environment.clone(),
        event_type: event_type.as_str().to_owned(),
        case_id: Some(case.id.clone()),
        applicant_id: Some(case.applicant_id.clone()),
        sequence: Some(case.last_event_seq),
        payload: payload.to_string(),
        created_at: now,
    };
    tx.append_event(record);
}

/// Appends an event about an applicant outside any case.
pub(crate) fn applicant_event(
    tx: &mut Tx,
    scope: &Scope,
    applicant_id: &str,
    event_type: EventType,
    payload: Value,
    now: Millis,
) {
    let record = events::EventRecord {
        id: EventId::generate().to_string(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().to_owned(),
        event_type: event_type.as_str().to_owned(),
        case_id: None,
        applicant_id: Some(applicant_id.to_owned()),
        sequence: None,
        payload: payload.to_string(),
        created_at: now,
    };
    tx.append_event(record);
}

/// Appends an event about the deployment rather than a case or an applicant (a failed
/// watchlist refresh) to every organization's environments, so each one's webhooks and
/// events API see it.
pub(crate) async fn deployment_event(
    tx: &mut Tx,
    event_type: EventType,
    payload: &Value,
    now: Millis,
) -> Result<(), kycore_store::StoreError> {
    let payload = payload.to_string();
    for organization_id in organizations::list_ids(tx.conn()).await? {
        for environment in Environment::ALL {
            tx.append_event(events::EventRecord {
                id: EventId::generate().to_string(),
                organization_id: organization_id.clone(),
                environment: environment.as_str().to_owned(),
                event_type: event_type.as_str().to_owned(),
                case_id: None,
                applicant_id: None,
                sequence: None,
                payload: payload.clone(),
                created_at: now,
            });
        }
    }
    Ok(())
}

/// What was done to which object, by whom.
pub(crate) struct AuditEntry<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub detail: Value,
}

pub(crate) fn audit(tx: &mut Tx, scope: &Scope, actor: &Actor, entry: AuditEntry<'_>, now: Millis) {
    let record = audit::AuditRecord {
        id: AuditId::generate().to_string(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().to_owned(),
        actor_type: actor.kind().to_owned(),
        actor_id: actor.id(),
        action: entry.action.to_owned(),
        target_type: entry.target_type.to_owned(),
        target_id: entry.target_id.to_owned(),
        detail: entry.detail.to_string(),
        created_at: now,
    };
    tx.append_audit(record);
}
