//! Provide's webhooks: when an application's Provide status changes, `POST` its
//! `{"kyc_application_id", "status"}` (keys sorted, as Provide's Go map renders them) with
//! `X-Request-Signature: t=<unix seconds>,s=<hex HMAC-SHA256 of "<t>.<body>">` keyed with the
//! webhook secret, computed afresh on every attempt (delivery renders each attempt anew).
//!
//! Provide keeps one webhook secret per Application and sends to each application's own
//! `params.webhook_url`, only when both exist. In kycore the organization's endpoint with
//! `"format": "provide"` is that secret (the whole `whsec_…` string is the HMAC key): an
//! application created with a `webhook_url` is a case with its own receiver
//! (`Services::create_case_reporting_to`), and this format addresses its requests there
//! ([`WebhookFormat::destination`]); a case without one (made natively, or through another
//! dialect) goes to the endpoint's own URL. Delivery — retries, the SSRF guard, the log —
//! is the webhook worker's, as for every format. During a secret rotation's overlap the
//! header carries a second `s=` by the previous secret, after the current one.

use kycore_services::webhooks::format::{
    FormatError, Message, OutgoingRequest, WebhookFormat, hmac_sha256,
};
use serde_json::{Map, Value, json};

use super::application_id_of_case;
use super::status::{ProvideStatus, remediation};
use crate::dialects::{StatusChange, status_change};

pub struct ProvideFormat;

/// The format's name, as endpoints give it.
pub const NAME: &str = "provide";

/// `s=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
fn signature(secret: &str, timestamp: &str, body: &[u8]) -> Result<String, FormatError> {
    let mac = hmac_sha256(secret.as_bytes(), &[timestamp.as_bytes(), b".", body])?;
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("s={hex}"))
}

/// The `X-Request-Signature` value for `body` at `timestamp`, signed by every secret.
pub fn request_signature(
    secrets: &[String],
    timestamp: i64,
    body: &[u8],
) -> Result<String, FormatError> {
    let timestamp = timestamp.to_string();
    let mut parts = vec![format!("t={timestamp}")];
    for secret in secrets {
        parts.push(signature(secret, &timestamp, body)?);
    }
    Ok(parts.join(","))
}

impl WebhookFormat for ProvideFormat {
    fn name(&self) -> &'static str {
        NAME
    }

    fn requests(&self, message: &Message<'_>) -> Result<Vec<OutgoingRequest>, FormatError> {
        let Some(StatusChange { case, from, to }) = status_change(message)? else {
            return Ok(Vec::new());
        };
        // Remediation is read from the case's checks as they are now, so only the change
        // that led to the case's current status can show it.
        let similar = case.checks.iter().flatten().any(remediation::flags);
        let status = ProvideStatus::of(to, similar && to == case.status);
        if status == ProvideStatus::of(from, false) {
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
                ("accept-encoding".to_owned(), "gzip, deflate".to_owned()),
                ("accept-language".to_owned(), "en-us".to_owned()),
                ("x-request-signature".to_owned(), signature),
            ],
        }])
    }

    /// The application's own `params.webhook_url`, when it was given one.
    fn destination(&self, message: &Message<'_>) -> Option<String> {
        message.case?.webhook_url.clone()
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
