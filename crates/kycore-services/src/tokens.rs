//! Signed tokens kycore hands out: hosted-link tokens and the portal's session tokens. Both
//! are JWTs (HS256) signed with a key per (organization, environment); the tenant a token
//! claims picks the key that must have signed it, so a token of one tenant never verifies
//! as another's.
//!
//! A link token names the case, its tenant, an expiry and a token id. A case remembers only
//! its current token id, so issuing a new link revokes the old one. Link tokens are
//! deterministic given the case (no issue time in the claims), so the API can hand out the
//! same link again without storing it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kycore_domain::ids::OrganizationId;
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::cases::CaseRecord;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ServiceError;
use crate::crypto::Keyring;

/// Why a token does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenError {
    Invalid,
    Expired,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct LinkClaims {
    /// The case.
    pub sub: String,
    pub org: String,
    pub env: String,
    pub jti: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
}

/// Signs `claims` with the link key of `scope`.
pub(crate) fn sign<C: Serialize>(
    keyring: &Keyring,
    scope: &Scope,
    claims: &C,
) -> Result<String, ServiceError> {
    let key = EncodingKey::from_secret(&keyring.link_key(scope));
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key)
        .map_err(|e| ServiceError::internal(format!("a token could not be signed: {e}")))
}

/// The hosted-link token of a case as it stands (its current token id and expiry).
pub(crate) fn link_token(keyring: &Keyring, case: &CaseRecord) -> Result<String, ServiceError> {
    let scope = crate::scope::of_case(case)?;
    let claims = LinkClaims {
        sub: case.id.clone(),
        org: case.organization_id.clone(),
        env: case.environment.clone(),
        jti: case.link_token_id.clone(),
        exp: case.link_expires_at.div_euclid(1000),
    };
    sign(keyring, &scope, &claims)
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
pub(crate) fn verify<C: DeserializeOwned>(
    keyring: &Keyring,
    token: &str,
    audience: Option<&str>,
) -> Result<(C, Scope), TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    match audience {
        Some(audience) => {
            validation.set_audience(&[audience]);
            validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        }
        None => validation.set_required_spec_claims(&["exp", "sub"]),
    }
    verify_with(keyring, token, validation)
}

/// Verifies a hosted link's (or, with its `audience`, a session's) signature whatever its
/// expiry: what an expired token was for (where its visitor goes back to), never a way in.
pub(crate) fn verify_ignoring_expiry<C: DeserializeOwned>(
    keyring: &Keyring,
    token: &str,
    audience: Option<&str>,
) -> Result<(C, Scope), TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    match audience {
        Some(audience) => {
            validation.set_audience(&[audience]);
            validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        }
        None => validation.set_required_spec_claims(&["exp", "sub"]),
    }
    verify_with(keyring, token, validation)
}

/// Verifies a token of `audience` that need not expire (an API token lives as long as the
/// key it was minted from; the caller checks that key).
pub(crate) fn verify_lasting<C: DeserializeOwned>(
    keyring: &Keyring,
    token: &str,
    audience: &str,
) -> Result<(C, Scope), TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["sub", "aud"]);
    verify_with(keyring, token, validation)
}

fn verify_with<C: DeserializeOwned>(
    keyring: &Keyring,
    token: &str,
    mut validation: Validation,
) -> Result<(C, Scope), TokenError> {
    let scope = claimed_scope(token).ok_or(TokenError::Invalid)?;
    validation.leeway = 0;
    let key = DecodingKey::from_secret(&keyring.link_key(&scope));
    match jsonwebtoken::decode::<C>(token, &key, &validation) {
        Ok(data) => Ok((data.claims, scope)),
        Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => Err(TokenError::Expired),
        Err(_) => Err(TokenError::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_format::now_millis;

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
            link_token_id: "lnk_1".into(),
            link_expires_at: expires_at,
            link_opened_at: None,
            decision: None,
            closed_at: None,
            redacted_at: None,
            submitted_at: None,
            first_approved_by: None,
            first_approved_at: None,
            assigned_to: None,
            sealed: None,
            last_event_seq: 1,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn verify_link(keyring: &Keyring, token: &str) -> Result<(LinkClaims, Scope), TokenError> {
        verify(keyring, token, None)
    }

    #[test]
    fn tokens_verify_and_are_deterministic() {
        let keyring = Keyring::for_tests();
        let c = case(now_millis() + 60_000);
        let token = link_token(&keyring, &c).unwrap();
        assert_eq!(token, link_token(&keyring, &c).unwrap());
        let (claims, scope) = verify_link(&keyring, &token).unwrap();
        assert_eq!(claims.sub, "case_1");
        assert_eq!(scope.environment, Environment::Sandbox);
    }

    /// Tokens that last (API tokens) and link or session tokens never pass as each other.
    #[test]
    fn audiences_keep_token_kinds_apart() {
        #[derive(Debug, Serialize, Deserialize)]
        struct Lasting {
            sub: String,
            aud: String,
            org: String,
            env: String,
        }
        let keyring = Keyring::for_tests();
        let c = case(now_millis() + 60_000);
        let scope = crate::scope::of_case(&c).unwrap();
        let link = link_token(&keyring, &c).unwrap();
        assert_eq!(
            verify_lasting::<Lasting>(&keyring, &link, "kycore:api").unwrap_err(),
            TokenError::Invalid
        );
        let lasting = Lasting {
            sub: "user:1".into(),
            aud: "kycore:api".into(),
            org: c.organization_id.clone(),
            env: c.environment.clone(),
        };
        let token = sign(&keyring, &scope, &lasting).unwrap();
        assert!(verify_lasting::<Lasting>(&keyring, &token, "kycore:api").is_ok());
        assert!(verify_lasting::<Lasting>(&keyring, &token, "session").is_err());
        assert!(verify_link(&keyring, &token).is_err());
    }

    #[test]
    fn a_case_of_an_unknown_environment_gets_no_token() {
        let keyring = Keyring::for_tests();
        let mut c = case(now_millis() + 60_000);
        c.environment = "staging".into();
        assert!(link_token(&keyring, &c).is_err());
    }

    #[test]
    fn an_expired_link_still_says_its_case_but_a_forged_one_does_not() {
        let keyring = Keyring::for_tests();
        let expired = link_token(&keyring, &case(now_millis() - 60_000)).unwrap();
        let (claims, _) = verify_ignoring_expiry::<LinkClaims>(&keyring, &expired, None).unwrap();
        assert_eq!(claims.sub, "case_1");
        let other_keyring = Keyring::for_tests();
        assert_eq!(
            verify_ignoring_expiry::<LinkClaims>(&other_keyring, &expired, None).unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let keyring = Keyring::for_tests();
        let expired = link_token(&keyring, &case(now_millis() - 60_000)).unwrap();
        assert_eq!(
            verify_link(&keyring, &expired).unwrap_err(),
            TokenError::Expired
        );

        let token = link_token(&keyring, &case(now_millis() + 60_000)).unwrap();
        let other_keyring = Keyring::for_tests();
        assert_eq!(
            verify_link(&other_keyring, &token).unwrap_err(),
            TokenError::Invalid
        );

        // Claiming the live environment changes which key must have signed it.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let payload = URL_SAFE_NO_PAD.decode(parts[1].as_bytes()).unwrap();
        let mut claims: LinkClaims = serde_json::from_slice(&payload).unwrap();
        claims.env = "live".into();
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        assert_eq!(
            verify_link(&keyring, &parts.join(".")).unwrap_err(),
            TokenError::Invalid
        );

        assert_eq!(
            verify_link(&keyring, "not-a-token").unwrap_err(),
            TokenError::Invalid
        );
        assert_eq!(verify_link(&keyring, "").unwrap_err(), TokenError::Invalid);
    }
}
