//! The events API: the outbox, read back. Events are thin (ids and statuses).

use kycore_domain::event::EventType;
use kycore_domain::tenancy::Scope;
use kycore_store::events::{self, EventFilter, EventRecord};
use serde::Serialize;
use serde_json::Value;

use crate::pagination::{Page, PageRequest};
use crate::time_format::rfc3339;
use crate::{ServiceError, Services};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub case_id: Option<String>,
    pub applicant_id: Option<String>,
    /// Position among the case's events, from 1.
    pub sequence: Option<i64>,
    #[schema(value_type = Object)]
    pub data: Value,
    pub created_at: String,
}

fn view(record: EventRecord) -> Result<EventView, ServiceError> {
    let data = serde_json::from_str(&record.payload).map_err(|_| {
        ServiceError::Store(kycore_store::StoreError::Corrupt("event payload".into()))
    })?;
    Ok(EventView {
        id: record.id,
        event_type: record.event_type,
        case_id: record.case_id,
        applicant_id: record.applicant_id,
        sequence: record.sequence,
        data,
        created_at: rfc3339(record.created_at),
    })
}

impl Services {
    pub async fn list_events(
        &self,
        scope: &Scope,
        case_id: Option<String>,
        event_type: Option<EventType>,
        page: &PageRequest,
    ) -> Result<Page<EventView>, ServiceError> {
        let limit = page.fetch_limit()?;
        let filter = EventFilter {
            case_id,
            event_type: event_type.map(|t| t.as_str().to_owned()),
            before_id: page.starting_after.clone(),
            limit,
        };
        let rows = events::list(self.store().reader(), scope, &filter).await?;
        Page::from_rows(rows, limit, |e| e.id.clone(), view)
    }

    pub async fn get_event(&self, scope: &Scope, id: &str) -> Result<EventView, ServiceError> {
        let record = events::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("event"))?;
        view(record)
    }
}
