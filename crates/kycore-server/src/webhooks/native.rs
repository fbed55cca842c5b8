//! The native format: Standard Webhooks. Headers `webhook-id` (the delivery's id, the same
//! across retries), `webhook-timestamp` (this attempt, Unix seconds) and `webhook-signature`
//! (`v1,<base64 HMAC-SHA256>` per signing secret, space-separated); body
//! `{"type", "timestamp", "data"}`, `data` being the event as `GET /v1/events/{id}` has it
//! (its own fields flattened in) and, for an event about a case, the case as
//! `GET /v1/cases/{id}` shows it without personal data.

use kycore_services::webhooks::format::{
    FormatError, Message, OutgoingRequest, WebhookFormat, standard_signature,
};
use serde_json::{Map, Value, json};

use crate::api::cases::CaseBody;
use crate::api::rfc3339;

pub struct Native;

/// Keys of a case's wire shape that can identify a person or open the applicant's flow; the
/// services blank their values already, the shape leaves them out.
const CASE_PERSONAL: &[&str] = &["metadata", "redirect_url", "verification_url", "token"];
const DECISION_PERSONAL: &[&str] = &["note"];
const RULE_PERSONAL: &[&str] = &["inputs", "error"];
const CHECK_PERSONAL: &[&str] = &["result", "explanation"];
const HIT_PERSONAL: &[&str] = &["detail", "review_note"];

fn remove(value: &mut Value, keys: &[&str]) {
    if let Value::Object(map) = value {
        for key in keys {
            map.remove(*key);
        }
    }
}

fn each(value: &mut Value, list: &str, keys: &[&str]) {
    if let Some(Value::Array(items)) = value.get_mut(list) {
        for item in items {
            remove(item, keys);
        }
    }
}

/// The case's wire shape without its personal fields.
fn case_without_personal_data(case: &CaseBody) -> Result<Value, FormatError> {
    let mut value =
        serde_json::to_value(case).map_err(|e| FormatError(format!("the case: {e}")))?;
    remove(&mut value, CASE_PERSONAL);
    if let Some(decision) = value.get_mut("decision") {
        remove(decision, DECISION_PERSONAL);
        each(decision, "rules", RULE_PERSONAL);
    }
    each(&mut value, "checks", CHECK_PERSONAL);
    each(&mut value, "screening_hits", HIT_PERSONAL);
    Ok(value)
}

impl WebhookFormat for Native {
    fn name(&self) -> &'static str {
        kycore_services::webhooks::NATIVE_FORMAT
    }

    fn requests(&self, message: &Message<'_>) -> Result<Vec<OutgoingRequest>, FormatError> {
        let event = message.event;
        let mut data = match &event.data {
            Value::Object(fields) => fields.clone(),
            _ => Map::new(),
        };
        data.insert("id".to_owned(), json!(event.id));
        data.insert("case_id".to_owned(), json!(event.case_id));
        data.insert("applicant_id".to_owned(), json!(event.applicant_id));
        data.insert("sequence".to_owned(), json!(event.sequence));
        data.insert("position".to_owned(), json!(event.position));
        if let Some(case) = message.case {
            data.insert(
                "case".to_owned(),
                case_without_personal_data(&CaseBody::from(case))?,
            );
        }
        let body = serde_json::to_vec(&json!({
            "type": event.event_type,
            "timestamp": rfc3339(event.created_at),
            "data": data,
        }))
        .map_err(|e| FormatError(format!("the payload: {e}")))?;
        let timestamp = message.attempted_at.unix_timestamp();
        let signature = standard_signature(message.secrets, message.webhook_id, timestamp, &body)?;
        Ok(vec![OutgoingRequest {
            body,
            headers: vec![
                ("webhook-id".to_owned(), message.webhook_id.to_owned()),
                ("webhook-timestamp".to_owned(), timestamp.to_string()),
                ("webhook-signature".to_owned(), signature),
            ],
        }])
    }
}
