//! Portal sessions: what the applicant's browser holds once a link is opened. A session is a
//! token signed with the tenant's link key (like the link itself, but with its own audience
//! so neither passes for the other), naming the case, the link it came from and a random
//! session id. It lives as long as the link; reissuing the link ends it. The CSRF token of
//! every form is a MAC of the session id, so it needs no storage either.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use kycore_domain::tenancy::Scope;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::ServiceError;
use crate::crypto::Keyring;
use crate::tokens::{self, TokenError};

const AUDIENCE: &str = "kycore-portal";

#[derive(Debug, Serialize, Deserialize)]
struct SessionClaims {
    aud: String,
    /// The case.
    sub: String,
    org: String,
    env: String,
    /// The link token id the session was opened with.
    jti: String,
    sid: String,
    /// Expiry, Unix seconds: the link's.
    exp: i64,
}

/// A verified session. Whether its link is still the case's current one is checked against
/// the case on every use.
#[derive(Clone, Debug)]
pub struct PortalSession {
    pub case_id: String,
    pub scope: Scope,
    pub(crate) link_token_id: String,
    /// Random per opening of the link; keys the upload rate limit and the CSRF token.
    pub session_id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl PortalSession {
    pub(crate) fn new(scope: Scope, case_id: &str, link_token_id: &str, expires_at: i64) -> Self {
        let mut sid = [0u8; 16];
        rand::rng().fill_bytes(&mut sid);
        PortalSession {
            case_id: case_id.to_owned(),
            scope,
            link_token_id: link_token_id.to_owned(),
            session_id: URL_SAFE_NO_PAD.encode(sid),
            expires_at,
        }
    }

    /// The session as the cookie carries it.
    pub(crate) fn token(&self, keyring: &Keyring) -> Result<String, ServiceError> {
        let claims = SessionClaims {
            aud: AUDIENCE.to_owned(),
            sub: self.case_id.clone(),
            org: self.scope.organization_id.to_string(),
            env: self.scope.environment.as_str().to_owned(),
            jti: self.link_token_id.clone(),
            sid: self.session_id.clone(),
            exp: self.expires_at,
        };
        tokens::sign(keyring, &self.scope, &claims)
    }

    pub(crate) fn verify(keyring: &Keyring, token: &str) -> Result<Self, TokenError> {
        let (claims, scope) = tokens::verify::<SessionClaims>(keyring, token, Some(AUDIENCE))?;
        Ok(Self::of(claims, scope))
    }

    /// A session whose signature holds, whatever its expiry: what it was for, never a way in.
    pub(crate) fn verify_ignoring_expiry(
        keyring: &Keyring,
        token: &str,
    ) -> Result<Self, TokenError> {
        let (claims, scope) =
            tokens::verify_ignoring_expiry::<SessionClaims>(keyring, token, Some(AUDIENCE))?;
        Ok(Self::of(claims, scope))
    }

    fn of(claims: SessionClaims, scope: Scope) -> Self {
        PortalSession {
            case_id: claims.sub,
            scope,
            link_token_id: claims.jti,
            session_id: claims.sid,
            expires_at: claims.exp,
        }
    }

    fn csrf_mac(&self, keyring: &Keyring) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&keyring.link_key(&self.scope))
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"portal-csrf\0");
        mac.update(self.session_id.as_bytes());
        mac
    }

    /// The token every form of this session carries.
    pub(crate) fn csrf_token(&self, keyring: &Keyring) -> String {
        URL_SAFE_NO_PAD.encode(self.csrf_mac(keyring).finalize().into_bytes())
    }

    /// Whether a form's token is this session's, compared in constant time.
    pub(crate) fn csrf_matches(&self, keyring: &Keyring, presented: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(presented)
            .is_ok_and(|bytes| self.csrf_mac(keyring).verify_slice(&bytes).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_format::now_millis;
    use kycore_domain::ids::OrganizationId;
    use kycore_domain::tenancy::Environment;

    fn scope() -> Scope {
        Scope {
            organization_id: OrganizationId::from_trusted("org_1".into()),
            environment: Environment::Sandbox,
        }
    }

    fn session(expires_in_seconds: i64) -> PortalSession {
        PortalSession::new(
            scope(),
            "case_1",
            "lnk_1",
            now_millis() / 1000 + expires_in_seconds,
        )
    }

    #[test]
    fn sessions_round_trip_and_expire() {
        let keyring = Keyring::for_tests();
        let opened = session(600);
        let verified = PortalSession::verify(&keyring, &opened.token(&keyring).unwrap()).unwrap();
        assert_eq!(verified.case_id, "case_1");
        assert_eq!(verified.session_id, opened.session_id);
        assert_ne!(session(600).session_id, opened.session_id);

        let expired = session(-60).token(&keyring).unwrap();
        assert_eq!(
            PortalSession::verify(&keyring, &expired).unwrap_err(),
            TokenError::Expired
        );
        let foreign = Keyring::for_tests();
        assert_eq!(
            PortalSession::verify(&foreign, &opened.token(&keyring).unwrap()).unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn an_expired_session_still_says_its_case_but_a_link_is_no_session() {
        let keyring = Keyring::for_tests();
        let expired = session(-60).token(&keyring).unwrap();
        let read = PortalSession::verify_ignoring_expiry(&keyring, &expired).unwrap();
        assert_eq!(
            (read.case_id.as_str(), read.link_token_id.as_str()),
            ("case_1", "lnk_1")
        );
        let foreign = Keyring::for_tests();
        assert!(PortalSession::verify_ignoring_expiry(&foreign, &expired).is_err());
        let claims = serde_json::json!({"sub": "case_1", "jti": "lnk_1", "exp": 1,
            "org": "org_1", "env": "sandbox"});
        let link = tokens::sign(&keyring, &scope(), &claims).unwrap();
        assert!(PortalSession::verify_ignoring_expiry(&keyring, &link).is_err());
    }

    #[test]
    fn a_session_is_not_a_link() {
        let keyring = Keyring::for_tests();
        let token = session(600).token(&keyring).unwrap();
        let as_link = tokens::verify::<serde_json::Value>(&keyring, &token, None);
        assert_eq!(as_link.unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let keyring = Keyring::for_tests();
        let mine = session(600);
        let token = mine.csrf_token(&keyring);
        assert!(mine.csrf_matches(&keyring, &token));
        assert!(!session(600).csrf_matches(&keyring, &token));
        assert!(!mine.csrf_matches(&keyring, ""));
        assert!(!mine.csrf_matches(&keyring, "not base64!"));
    }
}
