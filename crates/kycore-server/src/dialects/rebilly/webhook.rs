//! Rebilly's KYC webhooks. For requests: `kyc-request-attempted` when a request's documents
//! were submitted, `kyc-request-fulfilled` when its case is approved and `kyc-request-failed`
//! when it is rejected, in Rebilly's `KycRequestWebhook` envelope — `customerId`,
//! `kycRequestId`, `eventType`, `_embedded` `{customer, kycRequest}` and `_links`
//! (`customer`, `kycRequest`). For documents: `kyc-document-created` on an upload,
//! `kyc-document-accepted` and `kyc-document-rejected` on a verdict, followed by
//! `kyc-document-reviewed` when a person gave it and by `kyc-document-archived` for each
//! upload an acceptance made moot, `kyc-document-modified` when a review starts or stops and
//! `kyc-document-reviewed` when one confirms the status, in the `KycDocumentWebhook` envelope —
//! and `kyc-request-partially-fulfilled` when an acceptance leaves some of the request's
//! types accepted, not all (the types are the document steps of the case's flow) —
//! `customerId`, `kycDocumentId`, `fileId`, `eventType`, `_embedded` `{customer,
//! kycDocument}` and `_links` (`customer`, `file`, `kycDocument`).
//!
//! A format sees the case without its documents or metadata, so the request in `_embedded`
//! carries ids, status, revision and times only, and its status is what the case's decision
//! makes it; the document carries what its event says (type, status, the rejection's type,
//! the reviewer). Links are relative to kycore's base URL.
//!
//! Rebilly documents no signature: its webhooks authenticate with headers and credentials
//! the receiver configures. kycore sends `REB-Signature: t=<unix seconds>,v1=<hex
//! HMAC-SHA256 of "{t}.{body}">` keyed with the endpoint's secret (one `v1` per secret
//! during a rotation), as the research proposes.

use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::flow::Step;
use kycore_services::views::Case;
use kycore_services::webhooks::format::{
    FormatError, Message, OutgoingRequest, WebhookFormat, hmac_sha256,
};
use serde_json::{Value, json};

use super::documents::rejection_type;
use super::requests::utc_seconds;
use super::status::{RequestStatus, kind_of};

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

/// The organization's base path, which every link starts with.
fn base_path(message: &Message<'_>) -> String {
    format!("/organizations/{}", message.scope.organization_id)
}

fn customer_of(case: &Case) -> &str {
    case.external_id.as_deref().unwrap_or(&case.applicant_id)
}

fn payload(message: &Message<'_>, case: &Case, event: &str, status: RequestStatus) -> Value {
    let base = base_path(message);
    let customer = customer_of(case);
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

/// The document events a kycore document event sends: none for a file that is no KYC
/// document of its own (a selfie, a back side).
fn document_events(event_type: &str, data: &Value) -> Vec<&'static str> {
    let front = data.get("side").and_then(Value::as_str) == Some("front");
    let typed = data
        .get("type")
        .and_then(Value::as_str)
        .and_then(kind_of)
        .is_some();
    if !front || !typed {
        return Vec::new();
    }
    let by_person = data.get("reviewed_by").is_some();
    match event_type {
        "document.uploaded" => vec!["kyc-document-created"],
        "document.accepted" if by_person => vec!["kyc-document-accepted", "kyc-document-reviewed"],
        "document.accepted" => vec!["kyc-document-accepted"],
        "document.rejected" if by_person => vec!["kyc-document-rejected", "kyc-document-reviewed"],
        "document.rejected" => vec!["kyc-document-rejected"],
        "document.reviewed" => vec!["kyc-document-reviewed"],
        "document.review_started" | "document.review_stopped" => vec!["kyc-document-modified"],
        _ => Vec::new(),
    }
}

/// Who reviews or reviewed the document, as far as the event tells: nobody once a review
/// stopped.
fn reviewer<'a>(event_type: &str, data: &'a Value) -> Option<&'a Value> {
    match event_type {
        "document.review_stopped" => None,
        "document.review_started" | "document.reviewed" => data.get("by"),
        _ => data.get("reviewed_by"),
    }
}

/// The documents an accepted one archived: uploads of its type that waited for a verdict.
fn archived_by(event_type: &str, data: &Value) -> Vec<String> {
    if event_type != "document.accepted" || document_events(event_type, data).is_empty() {
        return Vec::new();
    }
    data.get("superseded")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A `KycDocumentWebhook` body about the document `id` at `status` (the event's own
/// document, or one it archived).
fn document_payload(
    message: &Message<'_>,
    case: &Case,
    event: &str,
    id: &str,
    status: &str,
) -> Value {
    let data = &message.event.data;
    let base = base_path(message);
    let customer = customer_of(case);
    let own = data.get("document_id").and_then(Value::as_str) == Some(id);
    let rejection = data
        .get("rejection_reasons")
        .and_then(Value::as_array)
        .and_then(|codes| codes.first())
        .and_then(Value::as_str)
        .filter(|_| own)
        .map(|code| json!({"type": rejection_type(code), "message": Value::Null}));
    let reviewer = reviewer(message.event.event_type.as_str(), data).filter(|_| own);
    let document_type = data.get("type").and_then(Value::as_str).and_then(kind_of);
    json!({
        "customerId": customer,
        "kycDocumentId": id,
        "fileId": id,
        "eventType": event,
        "_embedded": {
            "customer": {"id": customer},
            "kycDocument": {
                "id": id,
                "customerId": customer,
                "requestId": case.id,
                "documentType": document_type.map(|t| t.as_str()),
                "status": status,
                "rejectionReason": rejection,
                "reviewerId": reviewer,
                "updatedTime": utc_seconds(message.event.created_at),
            },
        },
        "_links": [
            {"rel": "customer", "href": format!("{base}/customers/{customer}")},
            {"rel": "file", "href": format!("{base}/files/{id}")},
            {"rel": "kycDocument", "href": format!("{base}/kyc-documents/{id}")},
        ],
    })
}

/// The requests a kycore document event sends: its own document's events, then one
/// `kyc-document-archived` for each upload an acceptance archived.
fn document_requests(
    message: &Message<'_>,
    case: &Case,
) -> Result<Vec<OutgoingRequest>, FormatError> {
    let event = message.event;
    let data = &event.data;
    let id = data
        .get("document_id")
        .and_then(Value::as_str)
        .ok_or_else(|| FormatError("a document event without its document".into()))?;
    let status = data
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("pending");
    let own = document_events(&event.event_type, data)
        .into_iter()
        .map(|name| document_payload(message, case, name, id, status));
    let archived = archived_by(&event.event_type, data)
        .into_iter()
        .map(|other| document_payload(message, case, "kyc-document-archived", &other, "archived"));
    let partial = partially_fulfilled(message).then(|| {
        payload(
            message,
            case,
            "kyc-request-partially-fulfilled",
            RequestStatus::Partial,
        )
    });
    own.chain(archived)
        .chain(partial)
        .map(|payload| signed(message, &payload))
        .collect()
}

/// Whether an acceptance left the request partially fulfilled: some of the document steps
/// its flow gathers (the requested types) have an accepted upload, not all.
fn partially_fulfilled(message: &Message<'_>) -> bool {
    let event = message.event;
    let (Some(flow), "document.accepted") = (message.flow, event.event_type.as_str()) else {
        return false;
    };
    if document_events(&event.event_type, &event.data).is_empty() {
        return false;
    }
    let accepted: Vec<Step> = event
        .data
        .get("steps_accepted")
        .cloned()
        .and_then(|steps| serde_json::from_value(steps).ok())
        .unwrap_or_default();
    let requested: Vec<Step> = flow
        .steps()
        .into_iter()
        .filter(|step| matches!(step, Step::IdentityDocument | Step::ProofOfAddress))
        .collect();
    let done = |step: &Step| accepted.contains(step);
    requested.iter().any(done) && !requested.iter().all(done)
}

/// One signed request carrying `payload`.
fn signed(message: &Message<'_>, payload: &Value) -> Result<OutgoingRequest, FormatError> {
    let body = serde_json::to_vec(payload).map_err(|e| FormatError(format!("the payload: {e}")))?;
    let timestamp = message.attempted_at.unix_timestamp();
    Ok(OutgoingRequest {
        headers: vec![(
            SIGNATURE_HEADER.to_owned(),
            signature(message.secrets, timestamp, &body)?,
        )],
        body,
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
        if case.kind != CaseKind::Kyc {
            return Ok(Vec::new());
        }
        if event.event_type.starts_with("document.") {
            return document_requests(message, case);
        }
        if event.event_type != "case.status_changed" {
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
        Ok(vec![signed(
            message,
            &payload(message, case, name, status),
        )?])
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
    fn document_events_name_uploads_verdicts_and_reviews() {
        let upload = json!({"type": "passport", "side": "front", "attempt": 1});
        assert_eq!(
            document_events("document.uploaded", &upload),
            ["kyc-document-created"]
        );
        let checked = json!({"type": "passport", "side": "front", "status": "accepted"});
        assert_eq!(
            document_events("document.accepted", &checked),
            ["kyc-document-accepted"]
        );
        let reviewed = json!({"type": "proof-of-address", "side": "front",
            "status": "rejected", "reviewed_by": "key_1"});
        assert_eq!(
            document_events("document.rejected", &reviewed),
            ["kyc-document-rejected", "kyc-document-reviewed"]
        );
        let taken = json!({"type": "passport", "side": "front", "status": "pending", "by": "u"});
        assert_eq!(
            document_events("document.review_started", &taken),
            ["kyc-document-modified"]
        );
        assert_eq!(
            document_events("document.reviewed", &taken),
            ["kyc-document-reviewed"]
        );
        let selfie = json!({"type": "selfie", "side": "front"});
        assert!(document_events("document.uploaded", &selfie).is_empty());
        let back = json!({"type": "id-card", "side": "back"});
        assert!(document_events("document.uploaded", &back).is_empty());
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
