//! The events API: the outbox, read back, newest first or in commit order after a position.
//! Events are thin (ids and statuses).

use kycore_domain::event::EventType;
use kycore_domain::tenancy::Scope;
use kycore_store::events::{self, EventFilter};

use crate::pagination::{Page, PageRequest};
use crate::views::{self, Event};
use crate::{ServiceError, Services};

/// Where the commit-order feed continues: after an event, or after a position (0 for the
/// beginning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventCursor {
    Event(String),
    Position(i64),
}

/// Which events a listing shows.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    pub case_id: Option<String>,
    pub event_type: Option<EventType>,
}

impl Services {
    /// Events, newest first (`starting_after` an event id).
    pub async fn list_events(
        &self,
        scope: &Scope,
        query: EventQuery,
        page: &PageRequest,
    ) -> Result<Page<Event>, ServiceError> {
        let limit = page.fetch_limit()?;
        let filter = EventFilter {
            case_id: query.case_id,
            event_type: query.event_type.map(|t| t.as_str().to_owned()),
            before_id: page.starting_after.clone(),
            limit,
        };
        let rows = events::list(self.store().reader(), scope, &filter).await?;
        Page::from_rows(rows, limit, |e| e.id.clone(), views::event)
    }

    /// Events committed after `cursor`, oldest first: a feed that never misses an event,
    /// however late another writer committed it. The page's cursor is its last event's id.
    pub async fn events_after(
        &self,
        scope: &Scope,
        query: EventQuery,
        cursor: EventCursor,
        limit: Option<i64>,
    ) -> Result<Page<Event>, ServiceError> {
        let position = match cursor {
            EventCursor::Position(position) => position,
            EventCursor::Event(id) => self.get_event(scope, &id).await?.position,
        };
        let limit = PageRequest {
            limit,
            starting_after: None,
        }
        .fetch_limit()?;
        let filter = EventFilter {
            case_id: query.case_id,
            event_type: query.event_type.map(|t| t.as_str().to_owned()),
            before_id: None,
            limit,
        };
        let rows = events::after(self.store().reader(), scope, &filter, position).await?;
        let events = rows
            .into_iter()
            .map(views::event)
            .collect::<Result<Vec<_>, _>>()?;
        Page::from_rows(events, limit, |e| e.id.clone(), Ok)
    }

    pub async fn get_event(&self, scope: &Scope, id: &str) -> Result<Event, ServiceError> {
        let record = events::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("event"))?;
        views::event(record)
    }
}
