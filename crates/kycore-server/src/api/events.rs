//! `/v1/events`.

use axum::Json;
use axum::extract::{Path, State};
use kycore_domain::event::EventType;
use kycore_services::events::EventView;
use kycore_services::pagination::{Page, PageRequest};
use serde::Deserialize;

use super::parse_param;
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, Caller};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEvents {
    case_id: Option<String>,
    /// e.g. `case.status_changed`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    event_type: Option<String>,
    /// 1–100, default 20.
    limit: Option<i64>,
    /// An event id from the previous page.
    starting_after: Option<String>,
}

/// List events, newest first.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(ListEvents),
    responses((status = 200, body = Page<EventView>), (status = "4XX", body = Problem)), security(("api_key" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListEvents>,
) -> Result<Json<Page<EventView>>, ApiError> {
    let event_type = parse_param(query.event_type, "type", EventType::parse)?;
    let page = PageRequest {
        limit: query.limit,
        starting_after: query.starting_after,
    };
    Ok(Json(
        state
            .services
            .list_events(caller.scope(), query.case_id, event_type, &page)
            .await?,
    ))
}

/// Get an event.
#[utoipa::path(get, path = "/v1/events/{id}", tag = "events", params(("id" = String, Path)),
    responses((status = 200, body = EventView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_event(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<EventView>, ApiError> {
    Ok(Json(state.services.get_event(caller.scope(), &id).await?))
}
