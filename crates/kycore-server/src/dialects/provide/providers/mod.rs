//! Provider dispatch: Provide's API gateway hands each application to the third-party
//! provider it names (`vouched`, the default, or `identitymind`). Each provider is one
//! [`KycProvider`] — one type per provider behind one trait, as hyperswitch's connectors
//! are — which owns everything provider-specific: how Provide's normalized params become the
//! provider's payload (the field renames of Provide's own server code), where and with
//! which credentials a real adapter sends it, and what the provider's answer says.
//!
//! kycore's own checks run on every application, whatever its provider. A provider's real
//! API is called only when the deployment configured its URL and credentials
//! ([`ProviderAccounts`]); none is by default. [`Outbound`] sends, outside any unit of work,
//! and reports a [`Submission`]; recording it is the applications' (`applications.rs`).

pub mod identitymind;
pub mod vouched;

use std::time::Duration;

use serde_json::{Map, Value};

/// Where a provider's real API is reached, and with what.
#[derive(Clone, Debug)]
pub struct ProviderAccount {
    /// The API's base URL, e.g. `https://verify.vouched.id`; the provider's path follows.
    pub url: String,
    /// The API user, for a provider that authenticates with HTTP Basic (IdentityMind).
    pub user: Option<String>,
    pub api_key: String,
}

/// The providers the deployment sends applications to; none by default.
#[derive(Clone, Debug, Default)]
pub struct ProviderAccounts {
    pub vouched: Option<ProviderAccount>,
    pub identitymind: Option<ProviderAccount>,
}

/// What a provider said of an application sent to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submission {
    /// Taken: the provider's id for it (Provide's `identifier`).
    Accepted { identifier: String },
    /// Refused or not reached: why, as Provide's `description` says it.
    Failed { description: String },
}

/// One third-party provider as Provide dispatches to it.
pub trait KycProvider: Send + Sync {
    /// Provide's name for it, as an application's `provider` gives it.
    fn name(&self) -> &'static str;

    /// The payload the provider receives for Provide's normalized `params`: Provide's field
    /// renames, with the nested `params.params` merged in unchanged.
    fn payload(&self, params: &Map<String, Value>) -> Value;

    /// Where the payload is POSTed, after the account's base URL.
    fn path(&self) -> &'static str;

    /// The request, with the account's credentials as the provider takes them.
    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        account: &ProviderAccount,
    ) -> reqwest::RequestBuilder;

    /// What the provider's answer says: its HTTP status and its body (`Null` when the body
    /// is not JSON).
    fn submission(&self, status: u16, answer: &Value) -> Submission;
}

/// The provider an application gets when it names none: Provide's latest default.
pub const DEFAULT: &str = vouched::NAME;

static PROVIDERS: [&dyn KycProvider; 2] = [&vouched::Vouched, &identitymind::IdentityMind];

/// The provider Provide calls `name`, if it is one.
pub fn named(name: &str) -> Option<&'static dyn KycProvider> {
    PROVIDERS.into_iter().find(|p| p.name() == name)
}

/// Merges the nested `params.params` into `payload`, unchanged: Provide passes it through
/// to the provider, over what the renames wrote.
fn merge_passthrough(payload: &mut Map<String, Value>, params: &Map<String, Value>) {
    if let Some(Value::Object(nested)) = params.get("params") {
        payload.extend(nested.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

/// How long a provider may take to answer.
const TIMEOUT: Duration = Duration::from_secs(15);
/// The most of a provider's answer read: a job id or an error message is far less.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// The deployment's providers and the client that calls them.
pub struct Outbound {
    accounts: ProviderAccounts,
    /// `None` only if the TLS backend could not start; every submission then fails.
    client: Option<reqwest::Client>,
}

impl Outbound {
    pub fn new(accounts: ProviderAccounts) -> Outbound {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("kycore/", env!("CARGO_PKG_VERSION")))
            .build()
            .inspect_err(|e| tracing::error!(error = %e, "the providers' HTTP client"))
            .ok();
        Outbound { accounts, client }
    }

    fn account(&self, provider: &str) -> Option<&ProviderAccount> {
        match provider {
            vouched::NAME => self.accounts.vouched.as_ref(),
            identitymind::NAME => self.accounts.identitymind.as_ref(),
            _ => None,
        }
    }

    /// Sends an application's params to its provider when the deployment configured that
    /// provider; `None` when it did not (kycore's own checks alone decide).
    pub async fn submit(
        &self,
        provider: &dyn KycProvider,
        params: &Map<String, Value>,
    ) -> Option<Submission> {
        let account = self.account(provider.name())?;
        Some(
            self.send(provider, account, &provider.payload(params))
                .await,
        )
    }

    async fn send(
        &self,
        provider: &dyn KycProvider,
        account: &ProviderAccount,
        payload: &Value,
    ) -> Submission {
        let unreachable = |why: &str| Submission::Failed {
            description: format!("{} could not be reached: {why}", provider.name()),
        };
        let Some(client) = &self.client else {
            return unreachable("kycore's HTTP client did not start");
        };
        let url = format!("{}{}", account.url.trim_end_matches('/'), provider.path());
        let request = provider.authorize(client.post(url).json(payload), account);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => return unreachable("it did not answer in time"),
            Err(_) => return unreachable("the connection failed"),
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(_) => return unreachable("its answer broke off"),
            }
        }
        let answer = serde_json::from_slice(&body).unwrap_or(Value::Null);
        provider.submission(status, &answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_found_by_provides_names() {
        assert_eq!(named("vouched").map(|p| p.name()), Some("vouched"));
        assert_eq!(
            named("identitymind").map(|p| p.name()),
            Some("identitymind")
        );
        assert!(named("acme").is_none());
        assert!(named(DEFAULT).is_some());
    }
}
