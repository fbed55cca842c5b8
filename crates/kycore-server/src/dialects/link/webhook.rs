//! LINK's webhooks. LINK documents KYB webhooks nowhere; its only documented webhook (NGNC
//! Bridge's transactions) is `{"event": "bridge.events.<object>.<what>", "payload": {…}}`
//! POSTed with the endpoint's secret itself in `bridge-webhook-secret` (compared, not an
//! HMAC). A KYB status change is sent in that style, once per change of LINK's status:
//! `bridge.events.business_customer.kyb_status_updated` with `{customer_id,
//! verification_status, previous_status, updated_at}`. The link is not sent: a webhook
//! carries nothing that opens a business's data (read the customer for it).

use kycore_domain::case::CaseKind;
use kycore_services::webhooks::format::{FormatError, Message, OutgoingRequest, WebhookFormat};
use serde_json::json;

use super::status::LinkStatus;
use super::timestamp;
use crate::dialects::{StatusChange, status_change};

pub struct LinkFormat;

/// The format's name, as endpoints give it.
pub const NAME: &str = "link";
pub const EVENT: &str = "bridge.events.business_customer.kyb_status_updated";
pub const SECRET_HEADER: &str = "bridge-webhook-secret";

impl WebhookFormat for LinkFormat {
    fn name(&self) -> &'static str {
        NAME
    }

    fn requests(&self, message: &Message<'_>) -> Result<Vec<OutgoingRequest>, FormatError> {
        let Some(StatusChange {
            case,
            from: previous,
            to: current,
        }) = status_change(message)?
        else {
            return Ok(Vec::new());
        };
        if case.kind != CaseKind::Kyb {
            return Ok(Vec::new());
        }
        let (from, to) = (
            LinkStatus::from_canonical(previous),
            LinkStatus::from_canonical(current),
        );
        if from == to {
            return Ok(Vec::new());
        }
        // The current secret: a shared secret is one value, and the receiver compares it
        // with the one it was last given.
        let secret = message
            .secrets
            .first()
            .ok_or_else(|| FormatError("an endpoint without a secret".to_owned()))?;
        let body = json!({
            "event": EVENT,
            "payload": {
                "customer_id": case.applicant_id,
                "verification_status": to.as_str(),
                "previous_status": from.as_str(),
                "updated_at": timestamp(message.event.created_at),
            },
        });
        let body =
            serde_json::to_vec(&body).map_err(|e| FormatError(format!("the payload: {e}")))?;
        Ok(vec![OutgoingRequest {
            body,
            headers: vec![(SECRET_HEADER.to_owned(), secret.clone())],
        }])
    }
}
