//! `/v1/events`: newest first, or — with `after` — the feed in commit order.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_domain::event::EventType;
use kycore_services::events::{EventCursor, EventQuery};
use kycore_services::pagination::PageRequest;
use kycore_services::views::Event;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{PageBody, parse_param, rfc3339};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Caller};

#[derive(Debug, Serialize, ToSchema)]
pub struct EventBody {
    pub id: String,
    /// e.g. `case.status_changed`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub case_id: Option<String>,
    pub applicant_id: Option<String>,
    /// Position among the case's events, from 1.
    pub sequence: Option<i64>,
    /// Position in the deployment's commit order: later events have higher positions, so
    /// `GET /v1/events?after=<position>` continues exactly where a reader stopped.
    pub position: i64,
    #[schema(value_type = Object)]
    pub data: Value,
    pub created_at: String,
}

impl From<&Event> for EventBody {
    fn from(e: &Event) -> Self {
        EventBody {
            id: e.id.clone(),
            event_type: e.event_type.clone(),
            case_id: e.case_id.clone(),
            applicant_id: e.applicant_id.clone(),
            sequence: e.sequence,
            position: e.position,
            data: e.data.clone(),
            created_at: rfc3339(e.created_at),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEvents {
    case_id: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = event_types)]
    event_type: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Newest first: an event id from the previous page.
    starting_after: Option<String>,
    /// Oldest first, in commit order: the events after this event (its id) or this
    /// position (`0` for the very first); the page's `next_cursor` is the event id to pass
    /// next. No event is ever skipped, however late it was committed.
    after: Option<String>,
}

/// The event types, as a schema: the domain's list, so a new type is documented with it.
fn event_types() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some("An event type, e.g. `case.status_changed`."))
        .enum_values(Some(EventType::ALL.iter().map(|t| t.as_str())))
        .build()
}

/// List events: newest first, or with `after` in commit order.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(ListEvents),
    responses((status = 200, body = PageBody<EventBody>),
        (status = 400, description = "`invalid_query`: both `after` and `starting_after`, or an `after` that is neither an event id nor a position"),
        (status = 404, description = "`not_found`: `after` names no event this key can see")),
    security(("api_key" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListEvents>,
) -> Result<Json<PageBody<EventBody>>, ApiError> {
    let filter = EventQuery {
        case_id: query.case_id,
        event_type: parse_param(query.event_type, "type", EventType::parse)?,
    };
    let page = match (query.after, query.starting_after) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "give `after` (commit order) or `starting_after` (newest first), not both",
            ));
        }
        (Some(after), None) => {
            state
                .services
                .events_after(caller.scope(), filter, cursor(&after)?, query.limit)
                .await?
        }
        (None, starting_after) => {
            let page = PageRequest {
                limit: query.limit,
                starting_after,
            };
            state
                .services
                .list_events(caller.scope(), filter, &page)
                .await?
        }
    };
    Ok(Json(PageBody::from(&page)))
}

/// `after`: an event id, or a position (0 or more).
fn cursor(raw: &str) -> Result<EventCursor, ApiError> {
    if raw.starts_with("evt_") {
        return Ok(EventCursor::Event(raw.to_owned()));
    }
    match raw.parse::<i64>() {
        Ok(position) if position >= 0 => Ok(EventCursor::Position(position)),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "`after` is an event id (`evt_…`) or a position, 0 or more",
        )),
    }
}

/// Get an event.
#[utoipa::path(get, path = "/v1/events/{id}", tag = "events", params(("id" = String, Path)),
    responses((status = 200, body = EventBody)), security(("api_key" = [])))]
pub async fn get_event(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EventBody>, ApiError> {
    let event = state.services.get_event(caller.scope(), &id).await?;
    Ok(Json(EventBody::from(&event)))
}
