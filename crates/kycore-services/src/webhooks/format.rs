//! The format layer: how one event becomes the requests an endpoint receives. A format (the
//! native Standard Webhooks one, later each vendor's dialect) is one [`WebhookFormat`]: it
//! gets a [`Message`] — the event, the case without personal data, the endpoint's secrets,
//! the delivery's stable id and this attempt's time — and returns zero or more
//! [`OutgoingRequest`]s with body and headers, signed, to the endpoint's URL or the case's
//! own receiver ([`WebhookFormat::destination`]). It never reaches storage or the network;
//! delivery does both, the same way for every format.
//!
//! Formats are wire shapes, so they live with the HTTP edge (`kycore-server`), which installs
//! them once ([`crate::Services::install_webhook_formats`]). The Standard Webhooks signature
//! is here because several formats share it (Svix's scheme is the same with other headers).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use kycore_domain::flow::FlowDefinition;
use kycore_domain::tenancy::Scope;
use sha2::Sha256;
use time::OffsetDateTime;

use crate::views::{Case, Event};

/// What a format renders: one event owed to one endpoint, at one attempt.
#[derive(Debug)]
pub struct Message<'a> {
    /// The delivery's id (`msg_…`): the same across retries and redeliveries of this event
    /// to this endpoint, so receivers deduplicate on it.
    pub webhook_id: &'a str,
    /// The tenant the event belongs to (some vendors name the account in the payload).
    pub scope: &'a Scope,
    pub event: &'a Event,
    /// For an event about a case: the case as it is now, its personal data left out
    /// ([`Case::without_personal_data`]).
    pub case: Option<&'a Case>,
    /// For an event about a case: the flow the case pinned (its steps say what it gathers).
    pub flow: Option<&'a FlowDefinition>,
    /// The endpoint's signing secrets (`whsec_…`), the current one first; during a rotation's
    /// overlap the previous one too, and every request carries a signature by each.
    pub secrets: &'a [String],
    /// This attempt's time: it changes on every retry.
    pub attempted_at: OffsetDateTime,
}

/// One HTTP POST to the endpoint's URL.
#[derive(Clone, Debug)]
pub struct OutgoingRequest {
    pub body: Vec<u8>,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
}

/// Why a format could not render a message: our fault (a secret that does not decode, a
/// value that does not serialize), recorded on the attempt.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

/// A payload and signature scheme.
pub trait WebhookFormat: Send + Sync {
    /// The name endpoints give as their `format`.
    fn name(&self) -> &'static str;

    /// The requests the endpoint receives for `message`; none when the format has nothing
    /// to say about this event (the delivery then counts as done).
    fn requests(&self, message: &Message<'_>) -> Result<Vec<OutgoingRequest>, FormatError>;

    /// Where the requests go instead of the endpoint's URL: for a vendor whose API names a
    /// receiver per case (Provide's `params.webhook_url`), the case's own
    /// ([`Case::webhook_url`]). The endpoint's URL unless a format says otherwise; the
    /// endpoint's secrets sign either way, and delivery checks the address the same way.
    fn destination(&self, _message: &Message<'_>) -> Option<String> {
        None
    }
}

/// The installed formats by name.
#[derive(Clone, Default)]
pub struct Formats(BTreeMap<&'static str, Arc<dyn WebhookFormat>>);

impl Formats {
    pub fn new(formats: impl IntoIterator<Item = Arc<dyn WebhookFormat>>) -> Self {
        Formats(formats.into_iter().map(|f| (f.name(), f)).collect())
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn WebhookFormat>> {
        self.0.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.keys().copied()
    }
}

impl std::fmt::Debug for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// HMAC-SHA256 of the concatenated `parts` under `key`: the MAC every vendor's webhook
/// signature is made of, whatever it signs and however it encodes the result.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, FormatError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| FormatError(format!("a webhook secret is unusable: {e}")))?;
    for part in parts {
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().to_vec())
}

/// The Standard Webhooks `webhook-signature` value: `v1,<base64 HMAC-SHA256>` of
/// `{id}.{timestamp}.{body}` under each secret (its base64 after `whsec_`), space-separated.
pub fn standard_signature(
    secrets: &[String],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, FormatError> {
    let mut signatures = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let key = secret
            .strip_prefix(super::SECRET_PREFIX)
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .ok_or_else(|| FormatError("a webhook secret does not decode".to_owned()))?;
        let timestamp = timestamp.to_string();
        let mac = hmac_sha256(
            &key,
            &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
        )?;
        signatures.push(format!("v1,{}", STANDARD.encode(mac)));
    }
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks specification's repository.
    #[test]
    fn signs_the_specifications_test_vector() {
        let signature = standard_signature(
            &["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned()],
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            br#"{"email":"test@example.com","username":"test_user"}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn signs_with_every_secret_in_order() {
        let secrets = [
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned(),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        ];
        let both = standard_signature(&secrets, "msg_1", 1, b"{}").unwrap();
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[0],
            standard_signature(&secrets[..1], "msg_1", 1, b"{}").unwrap()
        );
        assert!(standard_signature(&["nope".to_owned()], "msg_1", 1, b"{}").is_err());
    }
}
