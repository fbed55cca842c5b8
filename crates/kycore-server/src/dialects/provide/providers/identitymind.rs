//! IdentityMind: an application becomes a consumer KYC transaction. The renames are Provide's
//! (research §2.3) as its code intended them — the code itself wrote most into the wrong
//! map: `date_of_birth → dob`, `first_name last_name → man`, `email → tea`, `ssn → assn`,
//! `mobile → phn` and `pm`, `street_address → bsn`, `city → bc`, `state → bs`,
//! `postal_code → bz`, `ip → ip`, `merchant_id → m`, `affiliate_id → aflid`,
//! `merchant_application_id → merchantAid`, `authorized_by → soc`, `id_photo → scanData`,
//! `id_photo_back → backsideImageData`, `selfie → faceImageData`,
//! `source_digital_currency_addresses → sdcad`, `destination_digital_currency_addresses →
//! ddcad`, each when given; `params.params` merged in at the top.
//!
//! The request (Provide's client, `identitymind-golang`): `POST
//! {url}/im/account/consumer?graphScoreResponse=false` with HTTP Basic (the API user and
//! key). The answer's transaction id is `mtid`; a refusal's reason is `error_message`.

use serde_json::{Map, Value};

use super::{KycProvider, ProviderAccount, Submission, merge_passthrough};
use crate::dialects::provide::full_name;

pub const NAME: &str = "identitymind";

pub struct IdentityMind;

const RENAMES: [(&str, &str); 19] = [
    ("date_of_birth", "dob"),
    ("email", "tea"),
    ("ssn", "assn"),
    ("mobile", "phn"),
    ("mobile", "pm"),
    ("street_address", "bsn"),
    ("city", "bc"),
    ("state", "bs"),
    ("postal_code", "bz"),
    ("ip", "ip"),
    ("merchant_id", "m"),
    ("affiliate_id", "aflid"),
    ("merchant_application_id", "merchantAid"),
    ("authorized_by", "soc"),
    ("id_photo", "scanData"),
    ("id_photo_back", "backsideImageData"),
    ("selfie", "faceImageData"),
    ("source_digital_currency_addresses", "sdcad"),
    ("destination_digital_currency_addresses", "ddcad"),
];

fn text(params: &Map<String, Value>, key: &str) -> Option<String> {
    params.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl KycProvider for IdentityMind {
    fn name(&self) -> &'static str {
        NAME
    }

    fn payload(&self, params: &Map<String, Value>) -> Value {
        let mut payload: Map<String, Value> = RENAMES
            .iter()
            .filter_map(|(from, to)| {
                params
                    .get(*from)
                    .filter(|v| !v.is_null())
                    .map(|v| ((*to).to_owned(), v.clone()))
            })
            .collect();
        if let Some(man) = full_name(text(params, "first_name"), text(params, "last_name")) {
            payload.insert("man".to_owned(), Value::String(man));
        }
        merge_passthrough(&mut payload, params);
        Value::Object(payload)
    }

    fn path(&self) -> &'static str {
        "/im/account/consumer?graphScoreResponse=false"
    }

    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        account: &ProviderAccount,
    ) -> reqwest::RequestBuilder {
        request.basic_auth(
            account.user.as_deref().unwrap_or_default(),
            Some(&account.api_key),
        )
    }

    fn submission(&self, status: u16, answer: &Value) -> Submission {
        match answer.get("mtid").and_then(Value::as_str) {
            Some(mtid) if (200..300).contains(&status) => Submission::Accepted {
                identifier: mtid.to_owned(),
            },
            _ => Submission::Failed {
                description: answer
                    .get("error_message")
                    .and_then(Value::as_str)
                    .map_or_else(
                        || format!("identitymind answered {status} without a transaction id"),
                        str::to_owned,
                    ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn normalized_params_take_identityminds_names() {
        let params = json!({
            "first_name": "Tim",
            "last_name": "Evans",
            "date_of_birth": "1980-02-03",
            "email": "tim@example.com",
            "ssn": "123-45-6789",
            "mobile": "+15555550100",
            "street_address": "1 Main St",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62701",
            "ip": "203.0.113.7",
            "merchant_id": "m-1",
            "affiliate_id": "a-1",
            "merchant_application_id": "ma-1",
            "authorized_by": "ops",
            "id_photo": "aWQ=",
            "id_photo_back": "YmFjaw==",
            "selfie": "c2VsZg==",
            "source_digital_currency_addresses": ["0xabc"],
            "destination_digital_currency_addresses": ["0xdef"],
            "type": "kyc",
            "webhook_url": "https://url.to.my/webhook",
            "params": {"bco": "US"}
        });
        let payload = IdentityMind.payload(params.as_object().unwrap());
        assert_eq!(
            payload,
            json!({
                "dob": "1980-02-03",
                "man": "Tim Evans",
                "tea": "tim@example.com",
                "assn": "123-45-6789",
                "phn": "+15555550100",
                "pm": "+15555550100",
                "bsn": "1 Main St",
                "bc": "Springfield",
                "bs": "IL",
                "bz": "62701",
                "ip": "203.0.113.7",
                "m": "m-1",
                "aflid": "a-1",
                "merchantAid": "ma-1",
                "soc": "ops",
                "scanData": "aWQ=",
                "backsideImageData": "YmFjaw==",
                "faceImageData": "c2VsZg==",
                "sdcad": ["0xabc"],
                "ddcad": ["0xdef"],
                "bco": "US"
            })
        );
        assert_eq!(IdentityMind.payload(&Map::new()), json!({}));
    }

    #[test]
    fn the_transaction_id_or_the_error_message_is_the_outcome() {
        assert_eq!(
            IdentityMind.submission(200, &json!({"mtid": "95ed79", "state": "R"})),
            Submission::Accepted {
                identifier: "95ed79".into()
            }
        );
        assert_eq!(
            IdentityMind.submission(
                400,
                &json!({"error_message": "invalid format for US Social Security Number"})
            ),
            Submission::Failed {
                description: "invalid format for US Social Security Number".into()
            }
        );
    }
}
