//! Rebilly's KYC request webhooks: `kyc-request-attempted` when a request's documents were
//! submitted, `kyc-request-fulfilled` when its case is approved and `kyc-request-failed` when
//! it is rejected, in Rebilly's `KycRequestWebhook` envelope — `customerId`, `kycRequestId`,
//! `eventType`, `_embedded` `{customer, kycRequest}` and `_links` (`customer`,
//! `kycRequest`). A format sees the case without its documents or metadata, so the request
//! in `_embedded` carries ids, status, revision and times only, and its status is what the
//! case's decision makes it; the links are relative to kycore's base URL.
//!
//! Rebilly documents no signature: its webhooks authenticate with headers and credentials
//! the receiver configures. kycore sends `REB-Signature: t=<unix seconds>,v1=<hex
//! HMAC-SHA256 of "{t}.{body}">` keyed with the endpoint's secret (one `v1` per secret
//! during a rotation), as the research proposes.

use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_services::views::Case;
use kycore_services::webhooks::format::{
    FormatError, Message, OutgoingRequest, WebhookFormat, hmac_sha256,
};
use serde_json::{Value, json};

use super::requests::utc_seconds;
use super::status::RequestStatus;

pub struct RebillyFormat;

/// The format's name, as endpoints give it.
pub const NAME: &str = "rebilly";

/// The signature header.
pub const SIGNATURE_HEADER: &str = "reb-signature";

/// The event a case's move to `status` sends, and the request status it stands for.
fn event_for(status: CaseStatus) -> Option<(&'static str, RequestStatus)> {
    match status {
        CaseStatus::Submitted => Some(("kyc-request-attempted", RequestStatus::PendingReview)),
        CaseStatus::Approved => Some(("kyc-request-fulfilled", RequestStatus::Fulfilled)),
        CaseStatus::Rejected => Some(("kyc-request-failed", RequestStatus::Failed)),
        _ => None,
    }
}

/// `REB-Signature`'s value for `body` at `timestamp` under each secret.
pub fn signature(secrets: &[String], timestamp: i64, body: &[u8]) -> Result<String, FormatError> {
    let stamp = timestamp.to_string();
    let mut parts = vec![format!("t={stamp}")];
    for secret in secrets {
        let mac = hmac_sha256(secret.as_bytes(), &[stamp.as_bytes(), b".", body])?;
        parts.push(format!("v1={}", hex(&mac)));
    }
    Ok(parts.join(","))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn payload(message: &Message<'_>, case: &Case, event: &str, status: RequestStatus) -> Value {
    let base = format!("/organizations/{}", message.scope.organization_id);
    let customer = case.external_id.as_deref().unwrap_or(&case.applicant_id);
    json!({
        "customerId": customer,
        "kycRequestId": case.id,
        "eventType": event,
        "_embedded": {
            "customer": {"id": customer},
            "kycRequest": {
                "id": case.id,
                "customerId": customer,
                "status": status.as_str(),
                "revision": case.revision,
                "createdTime": utc_seconds(case.created_at),
                "updatedTime": utc_seconds(case.updated_at),
            },
        },
        "_links": [
            {"rel": "customer", "href": format!("{base}/customers/{customer}")},
            {"rel": "kycRequest", "href": format!("{base}/kyc-requests/{}", case.id)},
        ],
    })
}

impl WebhookFormat for RebillyFormat {
    fn name(&self) -> &'static str {
        NAME
    }

    fn requests(&self, message: &Message<'_>) -> Result<Vec<OutgoingRequest>, FormatError> {
        let event = message.event;
        let Some(case) = message.case else {
            return Ok(Vec::new());
        };
        if event.event_type != "case.status_changed" || case.kind != CaseKind::Kyc {
            return Ok(Vec::new());
        }
        let to = event
            .data
            .get("status")
            .and_then(Value::as_str)
            .and_then(CaseStatus::parse)
            .ok_or_else(|| FormatError("a status change without a valid status".into()))?;
        let Some((name, status)) = event_for(to) else {
            return Ok(Vec::new());
        };
        let body = serde_json::to_vec(&payload(message, case, name, status))
            .map_err(|e| FormatError(format!("the payload: {e}")))?;
        let timestamp = message.attempted_at.unix_timestamp();
        Ok(vec![OutgoingRequest {
            headers: vec![(
                SIGNATURE_HEADER.to_owned(),
                signature(message.secrets, timestamp, &body)?,
            )],
            body,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_has_a_timestamp_and_one_mac_per_secret() {
        let secrets = ["a".to_owned(), "b".to_owned()];
        let value = signature(&secrets, 1_700_000_000, b"{}").unwrap();
        let parts: Vec<&str> = value.split(',').collect();
        assert_eq!(parts[0], "t=1700000000");
        assert_eq!(parts.len(), 3);
        assert!(parts[1].starts_with("v1=") && parts[1].len() == 3 + 64);
        assert_ne!(parts[1], parts[2]);
    }

    #[test]
    fn only_submission_and_decisions_are_sent() {
        assert_eq!(event_for(CaseStatus::InProgress), None);
        assert_eq!(
            event_for(CaseStatus::Approved).map(|e| e.0),
            Some("kyc-request-fulfilled")
        );
    }
}
