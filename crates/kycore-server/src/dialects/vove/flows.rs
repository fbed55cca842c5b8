//! VOVE's KYB flows: `GET /kyb/flows` and `GET /kyb/flows/default`, the caller's KYB flows
//! (built-in and its own) as `{"id", "country", "default"}` items, one per country a flow is
//! for (`country` null for a flow for every country).

use axum::Json as Answer;
use axum::extract::State;
use kycore_domain::case::CaseKind;
use kycore_services::flows::Flow;
use serde_json::{Value, json};

use super::{Failure, Vove, VoveCaller};
use crate::AppState;

async fn kyb_flows(state: &AppState, caller: &VoveCaller) -> Result<Vec<Flow>, Failure<Vove>> {
    let flows = state.services.list_flows(caller.scope()).await?;
    Ok(flows
        .into_iter()
        .filter(|f| f.kind == CaseKind::Kyb)
        .collect())
}

fn items(flows: &[Flow]) -> Value {
    flows
        .iter()
        .flat_map(|flow| {
            let countries: Vec<Option<&str>> = if flow.countries.is_empty() {
                vec![None]
            } else {
                flow.countries.iter().map(|c| Some(c.as_str())).collect()
            };
            countries.into_iter().map(move |country| {
                json!({ "id": flow.id, "name": flow.name, "country": country, "default": flow.is_default })
            })
        })
        .collect()
}

pub async fn all(
    State(state): State<AppState>,
    caller: VoveCaller,
) -> Result<Answer<Value>, Failure<Vove>> {
    Ok(Answer(items(&kyb_flows(&state, &caller).await?)))
}

pub async fn defaults(
    State(state): State<AppState>,
    caller: VoveCaller,
) -> Result<Answer<Value>, Failure<Vove>> {
    let flows: Vec<Flow> = kyb_flows(&state, &caller)
        .await?
        .into_iter()
        .filter(|f| f.is_default)
        .collect();
    Ok(Answer(items(&flows)))
}
