//! A console user's optional second factor: time-based one-time codes (RFC 6238 TOTP, the
//! `totp-rs` crate: SHA-1, six digits, 30-second steps, as every authenticator app reads
//! them).
//!
//! Setting it up stores a fresh random secret sealed under the organization's key and shows
//! it once (base32 and an `otpauth://` URI for a QR code); it is asked for at sign-in only
//! once a code from it has been confirmed. A code is accepted for the step before, the step
//! of and the step after now (clocks drift), and never for a step at or before the last one
//! accepted, so an overheard code cannot be replayed. An admin (or the command line) removes
//! a lost second factor; every change is audited.

use kycore_domain::ids::OrganizationId;
use kycore_store::Millis;
use kycore_store::console_users::{self, UserRecord};
use rand::RngCore;
use totp_rs::{Algorithm, TOTP};

use crate::console_users::{ConsoleSession, user_audit, user_scope};
use crate::time_format::now_millis;
use crate::{Principal, ServiceError, Services, SystemComponent};

/// Seconds per code.
const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
/// 160 bits, the size RFC 4226 recommends for HMAC-SHA-1.
const SECRET_BYTES: usize = 20;
const ISSUER: &str = "kycore";

/// A second factor being set up: shown once, to be added to an authenticator app.
#[derive(Clone, Debug)]
pub struct SecondFactorSetup {
    /// The secret in base32, for typing into an app.
    pub secret_base32: String,
    /// `otpauth://totp/…`, for a QR code.
    pub uri: String,
}

fn totp(secret: Vec<u8>) -> Result<TOTP, ServiceError> {
    // Skew 0: `accepted_step` tries the neighbouring steps itself, to know which matched.
    TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS, secret)
        .map_err(|e| ServiceError::internal(format!("a TOTP secret: {e}")))
}

/// The step `code` is right for (now, or one step either side), if it is later than
/// `last_step`.
fn accepted_step(totp: &TOTP, code: &str, now: Millis, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now_step = u64::try_from(now / 1000).ok()? / STEP_SECONDS;
    (now_step.saturating_sub(1)..=now_step + 1)
        .filter_map(|step| Some((step, i64::try_from(step).ok()?)))
        .filter(|(_, step)| last_step.is_none_or(|last| *step > last))
        .find(|(step, _)| totp.check(&code, step * STEP_SECONDS))
        .map(|(_, step)| step)
}

/// The context a user's secret is sealed for: it opens for that user only.
fn seal_context(user_id: &str) -> String {
    format!("console-totp:{user_id}")
}

impl Services {
    /// The user's TOTP, when a secret is stored (confirmed or not).
    async fn stored_totp(&self, record: &UserRecord) -> Result<Option<TOTP>, ServiceError> {
        let Some(sealed) = &record.totp_secret_sealed else {
            return Ok(None);
        };
        let key = self
            .organization_key(&user_scope(&record.organization_id))
            .await?;
        let secret = key.open(&seal_context(&record.id), sealed)?;
        totp(secret).map(Some)
    }

    /// At sign-in, for a user with a confirmed second factor: the step `code` proves, or
    /// `None` when it is wrong, old or already used.
    pub(crate) async fn second_factor_step(
        &self,
        record: &UserRecord,
        code: &str,
        now: Millis,
    ) -> Result<Option<i64>, ServiceError> {
        let Some(totp) = self.stored_totp(record).await? else {
            return Ok(None);
        };
        Ok(accepted_step(&totp, code, now, record.totp_last_step))
    }

    /// Starts setting up the signed-in user's second factor with a new secret (replacing one
    /// not yet confirmed); refused when one is already in use.
    pub async fn start_second_factor(
        &self,
        session: &ConsoleSession,
    ) -> Result<SecondFactorSetup, ServiceError> {
        let record = self.session_user_record(session).await?;
        if record.totp_enabled_at.is_some() {
            return Err(ServiceError::conflict(
                "second_factor_in_use",
                "a second factor is already in use; an admin removes it before a new one",
            ));
        }
        let mut secret = vec![0u8; SECRET_BYTES];
        rand::rng().fill_bytes(&mut secret);
        let key = self
            .organization_key(&user_scope(&record.organization_id))
            .await?;
        let sealed = key.seal(&seal_context(&record.id), &secret)?;
        let setup = setup_of(totp(secret)?, &record.email)?;
        let (org, id, now) = (record.organization_id, record.id, now_millis());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn().await?;
                    console_users::set_totp_secret(conn, &org, &id, Some(sealed), now).await?;
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(setup)
    }

    /// The second factor the signed-in user started to set up and has not confirmed yet, to
    /// show again (a code typed wrong); `None` when none is pending.
    pub async fn pending_second_factor(
        &self,
        session: &ConsoleSession,
    ) -> Result<Option<SecondFactorSetup>, ServiceError> {
        let record = self.session_user_record(session).await?;
        if record.totp_enabled_at.is_some() {
            return Ok(None);
        }
        match self.stored_totp(&record).await? {
            Some(totp) => setup_of(totp, &record.email).map(Some),
            None => Ok(None),
        }
    }

    /// Confirms the second factor being set up with a code from it; from then on sign-in asks
    /// for a code. Audited as `console_user.second_factor_enabled`.
    pub async fn confirm_second_factor(
        &self,
        session: &ConsoleSession,
        code: &str,
    ) -> Result<(), ServiceError> {
        let record = self.session_user_record(session).await?;
        if record.totp_enabled_at.is_some() {
            return Err(ServiceError::conflict(
                "second_factor_in_use",
                "the second factor is already confirmed",
            ));
        }
        let Some(totp) = self.stored_totp(&record).await? else {
            return Err(ServiceError::conflict(
                "second_factor_not_started",
                "set up a second factor first",
            ));
        };
        let now = now_millis();
        let step = accepted_step(&totp, code, now, None).ok_or_else(|| {
            ServiceError::invalid(
                "wrong_code",
                "the code is not right: enter the six digits your app shows now",
            )
        })?;
        let (org, id) = (record.organization_id, record.id);
        let actor = session.principal();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    console_users::enable_totp(tx.conn().await?, &id, step, now).await?;
                    user_audit(
                        tx,
                        &org,
                        &actor,
                        "console_user.second_factor_enabled",
                        &id,
                        now,
                    );
                    Ok::<_, ServiceError>(())
                })
            })
            .await
    }

    /// Removes a user's second factor (a lost phone); an operator at the command line asks.
    pub async fn remove_second_factor(
        &self,
        organization_id: &OrganizationId,
        user: &str,
    ) -> Result<(), ServiceError> {
        let operator = Principal::System(SystemComponent::Operator);
        self.remove_second_factor_by(&operator, organization_id, user)
            .await
    }

    /// Removes a user's second factor (a lost phone), `actor` (an admin or the operator)
    /// audited as asking; the user signs in with the password alone until they set up another.
    pub async fn remove_second_factor_by(
        &self,
        actor: &Principal,
        organization_id: &OrganizationId,
        user: &str,
    ) -> Result<(), ServiceError> {
        let record = self.console_user_record(organization_id, user).await?;
        let (org, id, now) = (record.organization_id, record.id, now_millis());
        let actor = actor.clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    console_users::set_totp_secret(tx.conn().await?, &org, &id, None, now).await?;
                    user_audit(
                        tx,
                        &org,
                        &actor,
                        "console_user.second_factor_removed",
                        &id,
                        now,
                    );
                    Ok::<_, ServiceError>(())
                })
            })
            .await
    }
}

/// What an authenticator app needs: the secret in base32 and the `otpauth://` URI naming the
/// issuer and the account.
fn setup_of(totp: TOTP, email: &str) -> Result<SecondFactorSetup, ServiceError> {
    let secret_base32 = totp.get_secret_base32();
    let mut uri = url::Url::parse("otpauth://totp/")
        .map_err(|e| ServiceError::internal(format!("the otpauth URI: {e}")))?;
    uri.set_path(&format!("{ISSUER}:{email}"));
    uri.query_pairs_mut()
        .append_pair("secret", &secret_base32)
        .append_pair("issuer", ISSUER)
        .append_pair("algorithm", "SHA1")
        .append_pair("digits", &DIGITS.to_string())
        .append_pair("period", &STEP_SECONDS.to_string());
    Ok(SecondFactorSetup {
        secret_base32,
        uri: uri.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 test secret and its published 8-digit values, cut to our six digits.
    #[test]
    fn codes_are_the_rfc_values_and_a_step_is_accepted_once() {
        let totp = totp(b"12345678901234567890".to_vec()).unwrap();
        // RFC 6238, appendix B: T = 59 s gives 94287082, T = 1111111109 s gives 07081804.
        assert_eq!(totp.generate(59), "287082");
        assert_eq!(totp.generate(1_111_111_109), "081804");
        let now = 1_111_111_109_000;
        let step = accepted_step(&totp, "081804", now, None).unwrap();
        assert_eq!(step, 1_111_111_109 / 30);
        assert_eq!(accepted_step(&totp, "081 804", now, None), Some(step));
        assert_eq!(
            accepted_step(&totp, "081804", now, Some(step)),
            None,
            "replayed"
        );
        // The neighbouring steps are accepted; two steps away is not.
        assert!(accepted_step(&totp, "081804", now + 30_000, None).is_some());
        assert_eq!(accepted_step(&totp, "081804", now + 60_000, None), None);
        assert_eq!(accepted_step(&totp, "12345", now, None), None);
        assert_eq!(accepted_step(&totp, "abcdef", now, None), None);
    }

    #[test]
    fn the_setup_uri_names_the_issuer_and_account() {
        let totp = totp(vec![7u8; SECRET_BYTES]).unwrap();
        let setup = setup_of(totp, "ana+ops@example.com").unwrap();
        assert!(
            setup
                .uri
                .starts_with("otpauth://totp/kycore:ana+ops@example.com?secret=")
        );
        assert!(
            setup
                .uri
                .contains(&format!("secret={}", setup.secret_base32))
        );
        assert_eq!(setup.secret_base32.len(), 32);
    }
}
