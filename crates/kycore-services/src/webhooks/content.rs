//! What a claim's messages say — each delivery's event and, for a case's event, the case
//! without personal data and the flow it pinned — read for the whole claim at once, before
//! its attempts start.
//!
//! Per tenant in the claim, one query reads the events and one per table the cases they name
//! ([`Services::full_case_views`]). Read delivery by delivery, the same took half a dozen
//! round trips each, one after another: on PostgreSQL those round trips, not kycore's CPU,
//! set the delivery rate.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use kycore_domain::flow::FlowDefinition;
use kycore_domain::tenancy::Scope;
use kycore_store::cases;
use kycore_store::events::{self, EventRecord};
use kycore_store::webhooks::DeliveryRecord;

use crate::scope::parse_stored;
use crate::views::{self, Case, Event};
use crate::{ServiceError, Services};

/// A message's content: shared by the deliveries of one event to several endpoints.
pub(super) struct Content {
    pub(super) event: Event,
    /// The event's case, without personal data (shared by the case's events); `None` for an
    /// event outside a case.
    pub(super) case: Option<Arc<Case>>,
    /// The flow the event's case pinned (shared by the cases pinning it).
    pub(super) flow: Option<Arc<FlowDefinition>>,
}

/// A delivery's content, or why kycore could not read it (the attempt logs why and sends
/// nothing).
pub(super) type Loaded = Result<Arc<Content>, Arc<ServiceError>>;

impl Services {
    /// The content of each of `deliveries`, in their order. A failed read fails the
    /// deliveries of its tenant only.
    pub(super) async fn load_contents(&self, deliveries: &[DeliveryRecord]) -> Vec<Loaded> {
        let mut loaded: Vec<Option<Loaded>> = vec![None; deliveries.len()];
        for (stored_scope, indexes) in by_scope(deliveries) {
            let event_ids: Vec<&str> = indexes
                .iter()
                .map(|&i| deliveries[i].event_id.as_str())
                .collect();
            let contents = self
                .contents_of_scope(stored_scope, &event_ids)
                .await
                .map_err(Arc::new);
            for (&i, event_id) in indexes.iter().zip(event_ids) {
                loaded[i] = Some(match &contents {
                    Ok(contents) => contents.get(event_id).cloned().unwrap_or_else(|| {
                        let missing = "a webhook delivery's event is missing";
                        Err(Arc::new(ServiceError::corrupt(missing)))
                    }),
                    Err(e) => Err(Arc::clone(e)),
                });
            }
        }
        // Every index belongs to exactly one scope's group.
        let unread = || {
            Err(Arc::new(ServiceError::internal(
                "a delivery was left unread",
            )))
        };
        loaded
            .into_iter()
            .map(|l| l.unwrap_or_else(unread))
            .collect()
    }

    /// The contents of the scope's events among `event_ids`, by event id.
    async fn contents_of_scope(
        &self,
        (organization_id, environment): (&str, &str),
        event_ids: &[&str],
    ) -> Result<HashMap<String, Loaded>, ServiceError> {
        let scope = parse_stored(organization_id, environment)?;
        let mut conn = self
            .store()
            .reader()
            .acquire()
            .await
            .map_err(kycore_store::StoreError::from)?;
        let event_ids = distinct(event_ids.iter().copied());
        let records = events::get_many(&mut *conn, &scope, &event_ids).await?;
        let case_ids = distinct(records.iter().filter_map(|e| e.case_id.as_deref()));
        let cases = self.cases_of(&mut conn, &scope, &case_ids).await?;
        drop(conn);
        let flows = self.flows_of(&scope, cases.values()).await?;
        Ok(records
            .into_iter()
            .map(|record| {
                let id = record.id.clone();
                (id, content(record, &cases, &flows))
            })
            .collect())
    }

    /// The scope's cases among `ids`, in full and without personal data, by id.
    async fn cases_of(
        &self,
        conn: &mut kycore_store::AnyConnection,
        scope: &Scope,
        ids: &[&str],
    ) -> Result<HashMap<String, Arc<Case>>, ServiceError> {
        let records = cases::get_many(&mut *conn, scope, ids).await?;
        let views = self.full_case_views(conn, scope, &records).await?;
        Ok(views
            .into_iter()
            .map(|case| (case.id.clone(), Arc::new(case.without_personal_data())))
            .collect())
    }
}

/// A flow as a case pins it: its id and version.
type PinnedFlow = (String, i64);

fn pinned(case: &Case) -> PinnedFlow {
    (case.flow_id.clone(), case.flow_version)
}

impl Services {
    /// The flows `cases` pinned, each read once.
    async fn flows_of(
        &self,
        scope: &Scope,
        cases: impl Iterator<Item = &Arc<Case>>,
    ) -> Result<HashMap<PinnedFlow, Arc<FlowDefinition>>, ServiceError> {
        let mut flows = HashMap::new();
        for case in cases {
            if let Entry::Vacant(slot) = flows.entry(pinned(case)) {
                let (id, version) = slot.key();
                let definition = self.pinned_flow(scope, id, *version).await?;
                slot.insert(Arc::new(definition));
            }
        }
        Ok(flows)
    }
}

/// An event's content, with its case from `cases` and that case's flow from `flows`.
fn content(
    record: EventRecord,
    cases: &HashMap<String, Arc<Case>>,
    flows: &HashMap<PinnedFlow, Arc<FlowDefinition>>,
) -> Loaded {
    let event = views::event(record)?;
    let case = match &event.case_id {
        Some(id) => Some(
            cases
                .get(id)
                .cloned()
                .ok_or_else(|| ServiceError::not_found("case"))?,
        ),
        None => None,
    };
    let flow = case.as_deref().and_then(|c| flows.get(&pinned(c)).cloned());
    Ok(Arc::new(Content { event, case, flow }))
}

/// The deliveries' indexes grouped by their stored scope (organization id, environment), in
/// the order each scope first appears.
fn by_scope(deliveries: &[DeliveryRecord]) -> Vec<((&str, &str), Vec<usize>)> {
    let mut groups: Vec<((&str, &str), Vec<usize>)> = Vec::new();
    for (i, d) in deliveries.iter().enumerate() {
        let scope = (d.organization_id.as_str(), d.environment.as_str());
        match groups.iter_mut().find(|(s, _)| *s == scope) {
            Some((_, indexes)) => indexes.push(i),
            None => groups.push((scope, vec![i])),
        }
    }
    groups
}

/// Each id once, in first-seen order.
fn distinct<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}
