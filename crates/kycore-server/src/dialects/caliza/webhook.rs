//! Caliza's webhooks: `BENEFICIARY_APPROVED` when a beneficiary's case is approved and
//! `BENEFICIARY_FAILED` when it is rejected, in Caliza's one envelope — `operation`,
//! `resourceId` and `beneficiaryId` (the beneficiary), `createdAt` (UTC without a zone, with
//! microseconds, as Caliza writes it), `integratorId`, `message` (the rejection's reason),
//! `success`, and `data`, the beneficiary without personal data. Signed with
//! `X-Caliza-Webhook-Signature`: the base64 HMAC-SHA256 of the raw body, keyed with the
//! secret exactly as `GET …/webhook-secret` shows it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kycore_domain::case::CaseKind;
use kycore_services::webhooks::format::{
    FormatError, Message, OutgoingRequest, WebhookFormat, hmac_sha256,
};
use serde_json::{Map, json};

use super::status;
use crate::dialects::{StatusChange, status_change, zoneless_micros};

pub struct CalizaFormat;

/// The format's name, as endpoints give it.
pub const NAME: &str = "caliza";

/// The signature header's value under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> Result<String, FormatError> {
    Ok(STANDARD.encode(hmac_sha256(secret.as_bytes(), &[body])?))
}

impl WebhookFormat for CalizaFormat {
    fn name(&self) -> &'static str {
        NAME
    }

    fn requests(&self, message: &Message<'_>) -> Result<Vec<OutgoingRequest>, FormatError> {
        let Some(StatusChange { case, to, .. }) = status_change(message)? else {
            return Ok(Vec::new());
        };
        let Some((operation, success)) = status::operation(to) else {
            return Ok(Vec::new());
        };
        let kind = match case.kind {
            CaseKind::Kyc => "INDIVIDUAL",
            CaseKind::Kyb => "BUSINESS",
        };
        let integrator = message.scope.organization_id.as_str();
        let beneficiary_status = status::beneficiary(Some(to));
        let reason = (!success).then(|| {
            case.decision
                .as_ref()
                .and_then(|d| d.reason_code.clone())
                .unwrap_or_else(|| "rejected".to_owned())
        });
        let mut data = Map::new();
        data.insert("id".into(), json!(case.applicant_id));
        data.insert("integratorId".into(), json!(integrator));
        if let Some(external) = &case.external_id {
            data.insert("integratorBeneficiaryId".into(), json!(external));
        }
        data.insert("type".into(), json!(kind));
        data.insert("active".into(), json!(true));
        data.insert("kycVerified".into(), json!(success));
        data.insert("status".into(), json!(beneficiary_status));
        let payload = json!({
            "operation": operation,
            "resourceId": case.applicant_id,
            "createdAt": zoneless_micros(message.event.created_at),
            "integratorId": integrator,
            "beneficiaryId": case.applicant_id,
            "message": reason,
            "success": success,
            "data": data,
        });
        let body =
            serde_json::to_vec(&payload).map_err(|e| FormatError(format!("the payload: {e}")))?;
        let secret = message
            .secrets
            .first()
            .ok_or_else(|| FormatError("an endpoint without a secret".into()))?;
        Ok(vec![OutgoingRequest {
            headers: vec![(
                "x-caliza-webhook-signature".to_owned(),
                signature(secret, &body)?,
            )],
            body,
        }])
    }
}
