//! Continuing on a phone: a session hands its case over to another device through a
//! single-use token that lives ten minutes, shown as a QR code of a hand-off URL (never the
//! hosted link itself). Opening it starts a new session for the same case under the same
//! rules as opening the link: a replaced link or an expired one refuses. Only the token's
//! SHA-256 is stored, so the table cannot be used to take over a case.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;
use kycore_store::portal_handoffs::{self, HandoffRecord};
use kycore_store::{Millis, Tx, cases};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{LinkError, OpenedPortal, PortalSession};
use crate::time_format::now_millis;
use crate::{ServiceError, Services};

/// How long a hand-off may wait to be opened.
const HANDOFF_MILLIS: Millis = 10 * 60 * 1000;
/// Expired hand-offs are kept this long (to say "expired" rather than "invalid"), then
/// pruned.
const KEEP_EXPIRED_MILLIS: Millis = 24 * 3600 * 1000;
/// Hand-offs of one case that may wait to be opened at the same time, so a session cannot
/// fill the table.
const MAX_OPEN_HANDOFFS: i64 = 5;
/// 32 random bytes, base64url without padding.
const TOKEN_CHARS: usize = 43;

/// A hand-off to show as a QR code: the URL that opens it.
#[derive(Clone, Debug)]
pub struct Handoff {
    pub url: String,
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Services {
    /// A new hand-off of the session's case to another device; refused while the case has
    /// [`MAX_OPEN_HANDOFFS`] unopened ones.
    pub async fn portal_handoff(&self, session: &PortalSession) -> Result<Handoff, ServiceError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let now = now_millis();
        let record = HandoffRecord {
            token_hash: token_hash(&token),
            organization_id: session.scope.organization_id.to_string(),
            environment: session.scope.environment.as_str().to_owned(),
            case_id: session.case_id.clone(),
            link_token_id: session.link_token_id.clone(),
            expires_at: now + HANDOFF_MILLIS,
            used_at: None,
            created_at: now,
        };
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let conn = tx.conn().await?;
                        let open = portal_handoffs::count_open(conn, &record.case_id, now).await?;
                        if open >= MAX_OPEN_HANDOFFS {
                            return Err(ServiceError::conflict(
                                "too_many_handoffs",
                                "too many codes to continue on a phone are waiting to be used",
                            ));
                        }
                        Ok(portal_handoffs::insert(tx.conn().await?, &record).await?)
                    })
                },
            )
            .await?;
        Ok(Handoff {
            url: format!("{}/handoff/{token}", self.config().public_url),
        })
    }

    /// Opens a hand-off into a new session, using it up. Nothing about the case changes.
    pub async fn open_handoff(&self, token: &str) -> Result<OpenedPortal, LinkError> {
        if !well_formed(token) {
            return Err(LinkError::Invalid);
        }
        let hash = token_hash(token);
        let now = now_millis();
        let taken = self
            .store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Option<HandoffRecord>, ServiceError>> {
                    Box::pin(async move {
                        Ok(portal_handoffs::take(tx.conn().await?, &hash, now).await?)
                    })
                },
            )
            .await?
            .ok_or(LinkError::Invalid)?;
        if taken.expires_at <= now {
            return Err(LinkError::Expired);
        }
        let scope = crate::scope::parse_stored(&taken.organization_id, &taken.environment)?;
        let case = cases::get(self.store().reader(), &scope, &taken.case_id)
            .await
            .map_err(ServiceError::from)?
            .ok_or(LinkError::Invalid)?;
        if case.link_token_id != taken.link_token_id {
            return Err(LinkError::Revoked);
        }
        if case.link_expires_at <= now {
            return Err(LinkError::Expired);
        }
        let session = PortalSession::new(
            scope,
            &case.id,
            &case.link_token_id,
            case.link_expires_at.div_euclid(1000),
        );
        Ok(OpenedPortal {
            token: session.token(self.keyring())?,
            session,
        })
    }

    /// Forgets hand-offs that expired a day ago or more.
    pub(crate) async fn prune_handoffs(&self) -> Result<u64, ServiceError> {
        let before = now_millis() - KEEP_EXPIRED_MILLIS;
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<u64, ServiceError>> {
                    Box::pin(
                        async move { Ok(portal_handoffs::prune(tx.conn().await?, before).await?) },
                    )
                },
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        let token = URL_SAFE_NO_PAD.encode([7u8; 32]);
        assert!(well_formed(&token));
        assert!(!well_formed(&token[1..]));
        assert!(!well_formed(&format!("{}.", &token[1..])));
        assert_eq!(token_hash(&token).len(), 64);
        assert_ne!(token_hash(&token), token_hash(&token.to_uppercase()));
    }
}
