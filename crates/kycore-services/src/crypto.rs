//! Keys derived from the master key, and what they protect.
//!
//! - personal data is sealed with AES-256-GCM, the record's id bound as associated data so a
//!   sealed value copied onto another row does not open;
//! - equality lookups (duplicates) use HMAC-SHA256 "blind indexes" scoped to the tenant, so
//!   the database reveals neither the values nor matches across tenants;
//! - hosted-link tokens are signed with a key per (organization, environment).
//!
//! Sealed values start with a key-version byte so the master key can be rotated later
//! without rewriting every row at once.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use kycore_domain::tenancy::Scope;
use rand::RngCore;
use sha2::Sha256;

const KEY_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the master key must be 32 bytes, base64-encoded")]
    BadMasterKey,
    #[error("sealed data is damaged or was sealed under another key")]
    Unseal,
    #[error("the data could not be sealed")]
    Seal,
}

/// The root secret. Everything else is derived from it; it never leaves the process.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        MasterKey(bytes)
    }

    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let bytes = BASE64
            .decode(encoded.trim())
            .map_err(|_| CryptoError::BadMasterKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadMasterKey)?;
        Ok(MasterKey(key))
    }

    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

pub struct Keyring {
    sealing: Aes256Gcm,
    lookup: [u8; 32],
    links: [u8; 32],
    check: [u8; 32],
}

impl Keyring {
    pub fn new(master: &MasterKey) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(b"kycore"), &master.0);
        let derive = |label: &[u8]| {
            let mut out = [0u8; 32];
            // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
            let _ = hkdf.expand(label, &mut out);
            out
        };
        Keyring {
            sealing: Aes256Gcm::new(&derive(b"personal-data/v1").into()),
            lookup: derive(b"lookup-hash/v1"),
            links: derive(b"link-tokens/v1"),
            check: derive(b"key-check/v1"),
        }
    }

    /// A value that identifies the master key without revealing it: servers sharing a
    /// database compare it to learn whether they hold the same key.
    pub fn key_check(&self) -> Vec<u8> {
        let mut mac = hmac_with(&self.check);
        mac.update(b"kycore master key check");
        mac.finalize().into_bytes().to_vec()
    }

    /// Encrypts `plaintext`, bound to `context` (the owning record's id).
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        let ciphertext = self
            .sealing
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| CryptoError::Seal)?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(KEY_VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (version, rest) = sealed.split_first().ok_or(CryptoError::Unseal)?;
        if *version != KEY_VERSION || rest.len() < NONCE_LEN {
            return Err(CryptoError::Unseal);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Unseal)?;
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        self.sealing
            .decrypt(&Nonce::from(nonce), payload)
            .map_err(|_| CryptoError::Unseal)
    }

    /// A keyed hash of a normalized value, for equality lookups within one tenant scope.
    pub fn lookup_hash(&self, scope: &Scope, field: &str, normalized: &str) -> Vec<u8> {
        let mut mac = hmac_with(&self.lookup);
        for part in [
            scope.organization_id.as_str(),
            scope.environment.as_str(),
            field,
            normalized,
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().to_vec()
    }

    /// The HS256 key for hosted-link tokens of one (organization, environment).
    pub fn link_key(&self, scope: &Scope) -> [u8; 32] {
        let mut mac = hmac_with(&self.links);
        mac.update(scope.organization_id.as_str().as_bytes());
        mac.update(b"/");
        mac.update(scope.environment.as_str().as_bytes());
        mac.finalize().into_bytes().into()
    }
}

fn hmac_with(key: &[u8; 32]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length.
    <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// A random string of `len` ASCII letters and digits, for keys and secrets.
pub fn random_alphanumeric(len: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

#[cfg(test)]
mod tests {
    use kycore_domain::ids::OrganizationId;
    use kycore_domain::tenancy::Environment;

    use super::*;

    fn scope(env: Environment) -> Scope {
        Scope {
            organization_id: OrganizationId::from_trusted("org_a".into()),
            environment: env,
        }
    }

    #[test]
    fn sealed_data_opens_only_with_the_same_key_and_context() {
        let keyring = Keyring::new(&MasterKey::generate());
        let sealed = keyring.seal("app_1", b"1974-08-12").unwrap();
        assert!(!sealed.windows(10).any(|w| w == b"1974-08-12"));
        assert_eq!(keyring.open("app_1", &sealed).unwrap(), b"1974-08-12");
        assert!(keyring.open("app_2", &sealed).is_err());
        assert!(
            Keyring::new(&MasterKey::generate())
                .open("app_1", &sealed)
                .is_err()
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(keyring.open("app_1", &tampered).is_err());
        assert!(keyring.open("app_1", &[]).is_err());
    }

    #[test]
    fn lookup_hashes_are_stable_and_scoped() {
        let keyring = Keyring::new(&MasterKey::generate());
        let sandbox = scope(Environment::Sandbox);
        let a = keyring.lookup_hash(&sandbox, "id_number", "X123");
        assert_eq!(a, keyring.lookup_hash(&sandbox, "id_number", "X123"));
        assert_ne!(
            a,
            keyring.lookup_hash(&scope(Environment::Live), "id_number", "X123")
        );
        assert_ne!(a, keyring.lookup_hash(&sandbox, "email", "X123"));
        assert_ne!(
            keyring.link_key(&sandbox),
            keyring.link_key(&scope(Environment::Live))
        );
    }

    #[test]
    fn the_key_check_tells_keys_apart_without_revealing_them() {
        let key = MasterKey::generate();
        let check = Keyring::new(&key).key_check();
        assert_eq!(check, Keyring::new(&key).key_check());
        assert_ne!(check, Keyring::new(&MasterKey::generate()).key_check());
        assert!(!check.windows(8).any(|w| key.0.windows(8).any(|k| k == w)));
    }

    #[test]
    fn master_keys_round_trip_and_bad_ones_are_refused() {
        let key = MasterKey::generate();
        assert_eq!(MasterKey::from_base64(&key.to_base64()).unwrap().0, key.0);
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
        assert!(MasterKey::from_base64("not base64!").is_err());
        assert_eq!(format!("{key:?}"), "MasterKey(***)");
    }
}
