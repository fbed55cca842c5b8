//! Hosted links: a signed token (JWT, HS256, one key per organization and environment) that
//! names the case, its tenant, an expiry and a token id. A case remembers only its current
//! token id, so issuing a new link revokes the old one.
//!
//! Tokens are deterministic given the case (no issue time in the claims), so the API can hand
//! out the same link again without storing it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kycore_domain::case::{CaseAction, CaseStatus};
use kycore_domain::ids::{CaseId, OrganizationId};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::Tx;
use kycore_store::cases::{self, CaseRecord};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cases::apply_action;
use crate::crypto::Keyring;
use crate::portal::reopen_resubmitted_steps;
use crate::time_format::now_millis;
use crate::{Actor, RequestContext, ServiceError, Services};

#[derive(Debug, Serialize, Deserialize)]
struct LinkClaims {
    /// The case.
    sub: String,
    org: String,
    env: String,
    jti: String,
    /// Expiry, Unix seconds.
    exp: i64,
}

/// Why a link cannot be used. Each gets its own plain-language page.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid")]
    Invalid,
    #[error("this link has expired")]
    Expired,
    #[error("this link has been replaced by a newer one")]
    Revoked,
    /// The link is genuine but was opened with another organization's or environment's
    /// publishable key (the VOVE form of the link names one).
    #[error("this link belongs to another organization or environment")]
    Foreign,
    #[error(transparent)]
    Unavailable(#[from] UnavailableError),
}

/// Storage trouble while checking a link; the page says "try again later".
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("the link could not be checked right now")]
pub struct UnavailableError;

impl From<ServiceError> for LinkError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound { .. } => LinkError::Invalid,
            _ => LinkError::Unavailable(UnavailableError),
        }
    }
}

/// A link that checked out, and the case it opened.
#[derive(Clone, Debug)]
pub struct OpenedLink {
    pub case_id: String,
    pub scope: Scope,
    pub status: CaseStatus,
    pub redirect_url: Option<String>,
    /// The link's token id and expiry (Unix seconds), which a portal session inherits.
    pub token_id: String,
    pub expires_at: i64,
}

/// How a link was opened: the plain `/verify/{token}`, or the VOVE form, which also names
/// the environment and the organization's publishable key.
#[derive(Clone, Debug, Default)]
pub struct LinkForm {
    pub environment: Option<Environment>,
    pub publishable_key: Option<String>,
}

pub(crate) fn mint(keyring: &Keyring, case: &CaseRecord) -> String {
    let scope = scope_of_case(case);
    let claims = LinkClaims {
        sub: case.id.clone(),
        org: case.organization_id.clone(),
        env: case.environment.clone(),
        jti: case.link_token_id.clone(),
        exp: case.link_expires_at.div_euclid(1000),
    };
    let key = EncodingKey::from_secret(&keyring.link_key(&scope));
    // HS256 signing of a serializable struct has no failure mode but a broken crypto backend.
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap_or_default()
}

pub(crate) fn scope_of_case(case: &CaseRecord) -> Scope {
    stored_scope(&case.organization_id, &case.environment)
}

/// The scope of a row read from the store, whose tenant columns the store itself wrote.
pub(crate) fn stored_scope(organization_id: &str, environment: &str) -> Scope {
    Scope {
        organization_id: OrganizationId::from_trusted(organization_id.to_owned()),
        environment: Environment::parse(environment).unwrap_or(Environment::Sandbox),
    }
}

/// The tenant a signed token claims, read without trusting it to learn which key verifies
/// the signature.
#[derive(Deserialize)]
struct ClaimedTenant {
    org: String,
    env: String,
}

fn claimed_scope(token: &str) -> Option<Scope> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claimed: ClaimedTenant = serde_json::from_slice(&bytes).ok()?;
    Some(Scope {
        organization_id: OrganizationId::parse(&claimed.org)?,
        environment: Environment::parse(&claimed.env)?,
    })
}

/// Verifies a token signed with its tenant's link key: a hosted link (no audience) or a
/// portal session (`audience`). A token with an audience never passes as one without, so a
/// session cannot be replayed as a link nor a link as a session.
pub(crate) fn verify_signed<C: DeserializeOwned>(
    keyring: &Keyring,
    token: &str,
    audience: Option<&str>,
) -> Result<(C, Scope), LinkError> {
    let scope = claimed_scope(token).ok_or(LinkError::Invalid)?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    match audience {
        Some(audience) => {
            validation.set_audience(&[audience]);
            validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        }
        None => validation.set_required_spec_claims(&["exp", "sub"]),
    }
    let key = DecodingKey::from_secret(&keyring.link_key(&scope));
    match jsonwebtoken::decode::<C>(token, &key, &validation) {
        Ok(data) => Ok((data.claims, scope)),
        Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => Err(LinkError::Expired),
        Err(_) => Err(LinkError::Invalid),
    }
}

fn verify(keyring: &Keyring, token: &str) -> Result<(LinkClaims, Scope), LinkError> {
    verify_signed(keyring, token, None)
}

impl Services {
    pub fn verification_url(&self, token: &str) -> String {
        format!("{}/verify/{token}", self.config().public_url)
    }

    /// Checks a hosted-link token and, the first time (or after a resubmission request),
    /// moves its case to `in_progress`. The environment and publishable key, when the link
    /// states them (the VOVE form does), must be the token's.
    pub async fn open_link(&self, token: &str, form: &LinkForm) -> Result<OpenedLink, LinkError> {
        let (claims, scope) = verify(self.keyring(), token)?;
        if form.environment.is_some_and(|env| env != scope.environment) {
            return Err(LinkError::Foreign);
        }
        if let Some(key) = &form.publishable_key
            && !self.publishable_key_matches(key, &scope).await?
        {
            return Err(LinkError::Foreign);
        }
        let case_id = CaseId::parse(&claims.sub).ok_or(LinkError::Invalid)?;
        let case = cases::get(self.store().reader(), &scope, case_id.as_str())
            .await
            .map_err(ServiceError::from)?
            .ok_or(LinkError::Invalid)?;
        if case.link_token_id != claims.jti {
            return Err(LinkError::Revoked);
        }
        let status = CaseStatus::parse(&case.status).ok_or(LinkError::Invalid)?;
        let status = if matches!(
            status,
            CaseStatus::Created | CaseStatus::ResubmissionRequested
        ) {
            self.mark_link_opened(&scope, case_id.as_str(), &claims.jti)
                .await?
        } else {
            status
        };
        Ok(OpenedLink {
            case_id: case.id,
            scope,
            status,
            redirect_url: case.redirect_url,
            token_id: claims.jti,
            expires_at: claims.exp,
        })
    }

    async fn mark_link_opened(
        &self,
        scope: &Scope,
        case_id: &str,
        token_id: &str,
    ) -> Result<CaseStatus, LinkError> {
        let ctx = RequestContext::new(scope.clone(), Actor::Applicant);
        let case_id = case_id.to_owned();
        let token_id = token_id.to_owned();
        let status = self
            .store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<CaseStatus, ServiceError>> {
                    Box::pin(async move {
                        let mut case = cases::get(tx.conn(), &ctx.scope, &case_id)
                            .await?
                            .ok_or(ServiceError::not_found("case"))?;
                        let current = CaseStatus::parse(&case.status)
                            .ok_or(ServiceError::not_found("case"))?;
                        // A concurrent open may have got here first; opening is then a no-op.
                        if case.link_token_id != token_id
                            || !matches!(
                                current,
                                CaseStatus::Created | CaseStatus::ResubmissionRequested
                            )
                        {
                            return Ok(current);
                        }
                        let now = now_millis();
                        apply_action(tx, &ctx, &mut case, CaseAction::OpenLink, None, now).await?;
                        if current == CaseStatus::ResubmissionRequested {
                            reopen_resubmitted_steps(tx, &ctx.scope, &case, now).await?;
                        }
                        Ok(CaseStatus::parse(&case.status).unwrap_or(current))
                    })
                },
            )
            .await?;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;

    fn case(expires_at: i64) -> CaseRecord {
        CaseRecord {
            id: "case_1".into(),
            organization_id: "org_1".into(),
            environment: "sandbox".into(),
            applicant_id: "app_1".into(),
            kind: "kyc".into(),
            flow_id: "flow_kyc_default".into(),
            flow_version: 0,
            status: "created".into(),
            revision: 1,
            external_id: None,
            redirect_url: None,
            metadata: "{}".into(),
            link_token_id: "lnk_1".into(),
            link_expires_at: expires_at,
            link_opened_at: None,
            decision: None,
            last_event_seq: 1,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn tokens_verify_and_are_deterministic() {
        let keyring = Keyring::new(&MasterKey::generate());
        let c = case(now_millis() + 60_000);
        let token = mint(&keyring, &c);
        assert_eq!(token, mint(&keyring, &c));
        let (claims, scope) = verify(&keyring, &token).unwrap();
        assert_eq!(claims.sub, "case_1");
        assert_eq!(scope.environment, Environment::Sandbox);
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let keyring = Keyring::new(&MasterKey::generate());
        let expired = mint(&keyring, &case(now_millis() - 60_000));
        assert_eq!(verify(&keyring, &expired).unwrap_err(), LinkError::Expired);

        let token = mint(&keyring, &case(now_millis() + 60_000));
        let other_keyring = Keyring::new(&MasterKey::generate());
        assert_eq!(
            verify(&other_keyring, &token).unwrap_err(),
            LinkError::Invalid
        );

        // Claiming the live environment changes which key must have signed it.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let payload = URL_SAFE_NO_PAD.decode(parts[1].as_bytes()).unwrap();
        let mut claims: LinkClaims = serde_json::from_slice(&payload).unwrap();
        claims.env = "live".into();
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        assert_eq!(
            verify(&keyring, &parts.join(".")).unwrap_err(),
            LinkError::Invalid
        );

        assert_eq!(
            verify(&keyring, "not-a-token").unwrap_err(),
            LinkError::Invalid
        );
        assert_eq!(verify(&keyring, "").unwrap_err(), LinkError::Invalid);
    }
}
