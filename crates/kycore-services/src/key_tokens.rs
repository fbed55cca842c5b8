//! Tokens minted from a secret key: bearer credentials some vendor dialects hand to their
//! clients in place of the key (a JWT whose subject the caller chooses, e.g. which of its
//! users it stands for). A token is an HS256 JWT under its tenant's token key with its own
//! audience, so neither a hosted-link nor a portal-session token passes as one, nor one as
//! them. It names the key it was minted from and is refused as soon as that key is revoked;
//! it does not expire on its own, like the key. Nothing is stored: the subject travels in the
//! token, and the principal acting with it is [`Principal::KeyToken`].

use kycore_domain::ids::{ApiKeyId, OrganizationId};
use kycore_domain::tenancy::Scope;
use kycore_store::api_keys;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{Authenticated, KeyKind};
use crate::time_format::now_millis;
use crate::tokens::{self, TokenError};
use crate::{Principal, ServiceError, Services};

/// The audience of API tokens: what tells them from every other token kycore signs.
const AUDIENCE: &str = "kycore:api";
/// Longest subject accepted.
const MAX_SUBJECT_LEN: usize = 200;

#[derive(Debug, Serialize, Deserialize)]
struct ApiTokenClaims {
    sub: String,
    aud: String,
    org: String,
    env: String,
    /// The secret key it was minted from.
    key: String,
    jti: String,
    iat: i64,
}

/// A freshly minted token.
#[derive(Clone, Debug, Serialize)]
pub struct MintedToken {
    /// The token's id (a UUID), as audit entries name it after its key.
    pub id: String,
    pub token: String,
    pub subject: String,
}

/// A token's caller: who it acts as and the subject it was minted for.
#[derive(Clone, Debug)]
pub struct TokenHolder {
    pub authenticated: Authenticated,
    pub subject: String,
}

fn invalid() -> ServiceError {
    ServiceError::Unauthenticated {
        code: "invalid_token",
        message: "the token is not valid".into(),
    }
}

fn validate_subject(subject: &str) -> Result<(), ServiceError> {
    let fits = !subject.is_empty()
        && subject.len() <= MAX_SUBJECT_LEN
        && subject.chars().all(|c| c.is_ascii_graphic());
    if fits {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "invalid_subject",
            format!("a token's subject is 1 to {MAX_SUBJECT_LEN} printable ASCII characters"),
        ))
    }
}

impl Services {
    /// Mints a token for `subject` from the secret key `minter` authenticated with. Only a
    /// secret key mints: a token cannot mint another.
    pub fn mint_key_token(
        &self,
        minter: &Authenticated,
        subject: &str,
    ) -> Result<MintedToken, ServiceError> {
        let Principal::SecretKey(key_id) = &minter.principal else {
            return Err(ServiceError::Unauthenticated {
                code: "secret_key_required",
                message: "tokens are minted with a secret key".into(),
            });
        };
        validate_subject(subject)?;
        let id = uuid::Uuid::new_v4().to_string();
        let claims = ApiTokenClaims {
            sub: subject.to_owned(),
            aud: AUDIENCE.to_owned(),
            org: minter.scope.organization_id.to_string(),
            env: minter.scope.environment.as_str().to_owned(),
            key: key_id.to_string(),
            jti: id.clone(),
            iat: now_millis().div_euclid(1000),
        };
        let token = tokens::sign(self.keyring(), &minter.scope, &claims)?;
        Ok(MintedToken {
            id,
            token,
            subject: subject.to_owned(),
        })
    }

    /// The holder of a minted token, while the key it was minted from is a live secret key
    /// of the token's tenant.
    pub async fn authenticate_key_token(&self, token: &str) -> Result<TokenHolder, ServiceError> {
        let (claims, scope) =
            tokens::verify_lasting::<ApiTokenClaims>(self.keyring(), token, AUDIENCE).map_err(
                |e| match e {
                    TokenError::Invalid | TokenError::Expired => invalid(),
                },
            )?;
        let key_id = self.live_key_of(&claims.key, &scope).await?;
        Ok(TokenHolder {
            authenticated: Authenticated {
                principal: Principal::KeyToken {
                    key_id,
                    token_id: claims.jti,
                },
                scope,
            },
            subject: claims.sub,
        })
    }

    /// `key_id` when it names a live secret key of `scope`. Cached like keys themselves, and
    /// the cache is cleared when this process revokes a key.
    async fn live_key_of(&self, key_id: &str, scope: &Scope) -> Result<ApiKeyId, ServiceError> {
        let cache_key = Sha256::digest(format!("token-key:{key_id}")).to_vec();
        let cached = self.key_cache().get(&cache_key);
        let live = match cached {
            Some(live) => live,
            None => {
                let record = api_keys::find(self.store().reader(), key_id)
                    .await?
                    .filter(|r| r.kind == KeyKind::Secret.as_str() && r.revoked_at.is_none())
                    .ok_or_else(invalid)?;
                let live = Authenticated {
                    principal: Principal::SecretKey(ApiKeyId::from_trusted(record.id)),
                    scope: Scope {
                        organization_id: OrganizationId::from_trusted(record.organization_id),
                        environment: kycore_domain::tenancy::Environment::parse(
                            &record.environment,
                        )
                        .ok_or_else(|| ServiceError::corrupt("an API key's environment"))?,
                    },
                };
                self.key_cache().insert(cache_key, live.clone());
                live
            }
        };
        match live.principal {
            Principal::SecretKey(id) if live.scope == *scope => Ok(id),
            _ => Err(invalid()),
        }
    }
}
