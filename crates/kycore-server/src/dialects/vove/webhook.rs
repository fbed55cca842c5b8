//! VOVE's webhooks, as Svix delivers them for VOVE: one request per change of a KYB case's
//! VOVE status away from NOT_STARTED — `kyb.case.in_progress`, `.in_review`, `.completed`,
//! `.rejected` — with `{"refId", "status", "previousStatus", "reason"?}`. Signed the Svix
//! way: `svix-id`, `svix-timestamp` and `svix-signature` (`v1,<base64 HMAC-SHA256>` of
//! `{id}.{timestamp}.{body}` under the `whsec_` secret; Standard Webhooks is the same scheme
//! with other header names). VOVE's documents do not say where the event's name travels; it
//! is sent as `svix-event-type`, leaving the documented body as it is.

use kycore_services::webhooks::format::{
    FormatError, Message, OutgoingRequest, WebhookFormat, standard_signature,
};
use serde_json::{Map, json};

use super::status::{VoveStatus, rejection_reason};
use crate::dialects::kyb_status_change;

pub struct VoveFormat;

/// The format's name, as endpoints give it.
pub const NAME: &str = "vove";

fn event_name(status: VoveStatus) -> Option<&'static str> {
    match status {
        VoveStatus::NotStarted => None,
        VoveStatus::InProgress => Some("kyb.case.in_progress"),
        VoveStatus::InReview => Some("kyb.case.in_review"),
        VoveStatus::Completed => Some("kyb.case.completed"),
        VoveStatus::Rejected => Some("kyb.case.rejected"),
    }
}

impl WebhookFormat for VoveFormat {
    fn name(&self) -> &'static str {
        NAME
    }

    fn requests(&self, message: &Message<'_>) -> Result<Vec<OutgoingRequest>, FormatError> {
        let Some((case, previous, to)) = kyb_status_change(message)? else {
            return Ok(Vec::new());
        };
        let from = VoveStatus::from_canonical(previous);
        let status = VoveStatus::from_canonical(to);
        let Some(event_name) = event_name(status).filter(|_| status != from) else {
            return Ok(Vec::new());
        };
        let mut payload = Map::new();
        payload.insert(
            "refId".into(),
            json!(case.external_id.as_deref().unwrap_or(&case.id)),
        );
        payload.insert("status".into(), json!(status.as_str()));
        payload.insert("previousStatus".into(), json!(from.as_str()));
        if let Some(reason) = rejection_reason(to, case.decision.as_ref()) {
            payload.insert("reason".into(), json!(reason));
        }
        let body =
            serde_json::to_vec(&payload).map_err(|e| FormatError(format!("the payload: {e}")))?;
        let timestamp = message.attempted_at.unix_timestamp();
        let signature = standard_signature(message.secrets, message.webhook_id, timestamp, &body)?;
        Ok(vec![OutgoingRequest {
            body,
            headers: vec![
                ("svix-id".to_owned(), message.webhook_id.to_owned()),
                ("svix-timestamp".to_owned(), timestamp.to_string()),
                ("svix-signature".to_owned(), signature),
                ("svix-event-type".to_owned(), event_name.to_owned()),
            ],
        }])
    }
}
