//! Vouched: an application becomes a verification job. Provide's code (`providers/vouched.go`
//! `MarshalKYCApplication`) sends `{"type": params.type, "callbackURL": params.webhook_url,
//! "params": {…}}`, the job's params renamed from Provide's: `date_of_birth → dob`,
//! `first_name → firstName`, `last_name → lastName` (always, null when not given) and
//! `id_photo → idPhoto`, `id_photo_back → idPhotoBack`, `selfie → userPhoto` (when given),
//! with `params.params` merged into the job's params.
//!
//! The request (Provide's client, `vouched-golang`, and Vouched's REST API): `POST
//! {url}/api/jobs` with the private key in `X-Api-Key`. The answer's job id is
//! `data.job.id`; a refusal's reason is `errors[0].message` (research §2.3).

use serde_json::{Map, Value, json};

use super::{KycProvider, ProviderAccount, Submission, merge_passthrough};

pub const NAME: &str = "vouched";

pub struct Vouched;

/// Renames written whether given or not, as Provide's code writes them.
const ALWAYS: [(&str, &str); 3] = [
    ("date_of_birth", "dob"),
    ("first_name", "firstName"),
    ("last_name", "lastName"),
];

/// Renames written only when given.
const WHEN_GIVEN: [(&str, &str); 3] = [
    ("id_photo", "idPhoto"),
    ("id_photo_back", "idPhotoBack"),
    ("selfie", "userPhoto"),
];

fn given(params: &Map<String, Value>, key: &str) -> Value {
    params.get(key).cloned().unwrap_or(Value::Null)
}

impl KycProvider for Vouched {
    fn name(&self) -> &'static str {
        NAME
    }

    fn payload(&self, params: &Map<String, Value>) -> Value {
        let mut job: Map<String, Value> = ALWAYS
            .iter()
            .map(|(from, to)| ((*to).to_owned(), given(params, from)))
            .collect();
        for (from, to) in WHEN_GIVEN {
            if let Some(value) = params.get(from) {
                job.insert(to.to_owned(), value.clone());
            }
        }
        merge_passthrough(&mut job, params);
        json!({
            "params": job,
            "type": given(params, "type"),
            "callbackURL": given(params, "webhook_url"),
        })
    }

    fn path(&self) -> &'static str {
        "/api/jobs"
    }

    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        account: &ProviderAccount,
    ) -> reqwest::RequestBuilder {
        request.header("X-Api-Key", &account.api_key)
    }

    fn submission(&self, status: u16, answer: &Value) -> Submission {
        if let Some(message) = answer.pointer("/errors/0/message").and_then(Value::as_str) {
            return Submission::Failed {
                description: message.to_owned(),
            };
        }
        match answer.pointer("/data/job/id").and_then(Value::as_str) {
            Some(id) if (200..300).contains(&status) => Submission::Accepted {
                identifier: id.to_owned(),
            },
            _ => Submission::Failed {
                description: format!("vouched answered {status} without a job id"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    /// The seed's create example, as Vouched receives it.
    #[test]
    fn the_seed_params_become_a_vouched_job() {
        let seed = params(json!({
            "type": "id-verification",
            "webhook_url": "https://url.to.my/webhook",
            "date_of_birth": "1988-10-01",
            "first_name": "John",
            "last_name": "Smith",
            "id_photo": "aWQ=",
            "id_photo_back": "YmFjaw==",
            "selfie": "c2VsZg==",
            "email": "john@example.com",
            "params": {"idPhoto": "b3ZlcnJpZGU=", "properties": [{"name": "ref", "value": "7"}]}
        }));
        assert_eq!(
            Vouched.payload(&seed),
            json!({
                "type": "id-verification",
                "callbackURL": "https://url.to.my/webhook",
                "params": {
                    "dob": "1988-10-01",
                    "firstName": "John",
                    "lastName": "Smith",
                    "idPhoto": "b3ZlcnJpZGU=",
                    "idPhotoBack": "YmFjaw==",
                    "userPhoto": "c2VsZg==",
                    "properties": [{"name": "ref", "value": "7"}]
                }
            })
        );
        assert_eq!(
            Vouched.payload(&Map::new()),
            json!({"type": null, "callbackURL": null,
                   "params": {"dob": null, "firstName": null, "lastName": null}})
        );
    }

    #[test]
    fn the_job_id_or_the_first_error_is_the_outcome() {
        let accepted = json!({"data": {"job": {"id": "OsccQPWf"}}, "errors": []});
        assert_eq!(
            Vouched.submission(200, &accepted),
            Submission::Accepted {
                identifier: "OsccQPWf".into()
            }
        );
        let refused =
            json!({"errors": [{"type": "InvalidRequestError", "message": "Invalid dob"}]});
        assert_eq!(
            Vouched.submission(400, &refused),
            Submission::Failed {
                description: "Invalid dob".into()
            }
        );
        assert!(matches!(
            Vouched.submission(502, &Value::Null),
            Submission::Failed { .. }
        ));
    }
}
