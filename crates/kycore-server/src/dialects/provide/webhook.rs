//! Provide's webhooks: when an application's Provide status changes, `POST` its
//! `{"kyc_application_id", "status"}` (keys sorted, as Provide's Go map renders them) with
//! `X-Request-Signature: t=<unix seconds>,s=<hex HMAC-SHA256 of "<t>.<body>">` keyed with the
//! webhook secret, computed afresh on every attempt. Provide keeps one secret per
//! Application and sends to each application's `params.webhook_url`; in kycore the
//! organization's endpoint with `"format": "provide"` is that configuration — its secret (the
//! whole `whsec_…` string is the HMAC key) and its URL, checked when saved and at every
//! delivery like every endpoint's. During a secret rotation's overlap the header carries a
//! second `s=` by the previous secret, after the current one.

use hmac::{Hmac, Mac};
use kycore_domain::case::CaseStatus;
use kycore_services::webhooks::format::{FormatError, Message, OutgoingRequest, WebhookFormat};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::application_id_of_case;
use super::status::{ProvideStatus, remediation};

pub struct ProvideFormat;

/// The format's name, as endpoints give it.
pub const NAME: &str = "provide";

fn status_field(data: &Value, key: &str) -> Result<CaseStatus, FormatError> {
    data.get(key)
        .and_then(Value::as_str)
        .and_then(CaseStatus::parse)
        .ok_or_else(|| FormatError(format!("a status change without a valid `{key}`")))
}

/// `s=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
fn signature(secret: &str, timestamp: i64, body: &[u8]) -> Result<String, FormatError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|e| FormatError(format!("a webhook secret is unusable: {e}")))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("s={hex}"))
}

/// The `X-Request-Signature` value for `body` at `timestamp`, signed by every secret.
pub fn request_signature(
    secrets: &[String],
    timestamp: i64,
    body: &[u8],
) -> Result<String, FormatError> {
    let mut parts = vec![format!("t={timestamp}")];
    for secret in secrets {
        parts.push(signature(secret, timestamp, body)?);
    }
    Ok(parts.join(","))
}

impl WebhookFormat for ProvideFormat {
    fn name(&self) -> &'static str {
        NAME
    }

    fn requests(&self, message: &Message<'_>) -> Result<Vec<OutgoingRequest>, FormatError> {
        let event = message.event;
        let Some(case) = message.case else {
            return Ok(Vec::new());
        };
        if event.event_type != "case.status_changed" {
            return Ok(Vec::new());
        }
        let similar = case.checks.iter().flatten().any(remediation::flags);
        let to = status_field(&event.data, "status")?;
        let from = ProvideStatus::of(status_field(&event.data, "previous_status")?, false);
        let status = ProvideStatus::of(to, similar && to == case.status);
        if status == from {
            return Ok(Vec::new());
        }
        let Some(id) = application_id_of_case(&case.id) else {
            return Ok(Vec::new());
        };
        // serde_json's map is ordered by key: Provide's sorted keys.
        let payload: Map<String, Value> = Map::from_iter([
            ("kyc_application_id".to_owned(), json!(id)),
            ("status".to_owned(), json!(status.as_str())),
        ]);
        let body =
            serde_json::to_vec(&payload).map_err(|e| FormatError(format!("the payload: {e}")))?;
        let timestamp = message.attempted_at.unix_timestamp();
        let signature = request_signature(message.secrets, timestamp, &body)?;
        Ok(vec![OutgoingRequest {
            body,
            headers: vec![
                ("accept".to_owned(), "application/json".to_owned()),
                ("accept-language".to_owned(), "en-us".to_owned()),
                ("x-request-signature".to_owned(), signature),
            ],
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checked against Python's `hmac.new(b"secret", b"1700000000.{}", sha256).hexdigest()`.
    #[test]
    fn signs_the_timestamp_and_body_in_hex() {
        let header = request_signature(&["secret".to_owned()], 1_700_000_000, b"{}").unwrap();
        assert_eq!(
            header,
            "t=1700000000,s=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }
}
