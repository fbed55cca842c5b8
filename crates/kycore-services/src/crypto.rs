//! Keys and what they protect.
//!
//! The master key (configured, never stored) only wraps other keys:
//! - a random **root secret**, stored wrapped in the deployment row, from which the keys that
//!   must outlive a master-key rotation derive: hosted-link token keys per (organization,
//!   environment) and the HMAC-SHA256 "blind index" key for equality lookups (duplicates),
//!   scoped to the tenant so the database reveals neither values nor matches across tenants,
//!   and the per-organization keys of the audit chain (`audit.rs`), so that someone holding
//!   only the database cannot recompute a chain they edited;
//! - a random **data key** per organization and per applicant (the `data_keys` table). Personal
//!   data is sealed with AES-256-GCM under its owner's data key, the record's id bound as
//!   associated data so a sealed value copied onto another row does not open. Deleting an
//!   applicant's data key erases everything sealed under it, wherever copies lie.
//!
//! Rotating the master key re-wraps the root secret and the data keys and nothing else. While
//! a rotation is under way a server holds the new key and the previous one: it unwraps with
//! whichever wrapped a key (each wrapped key names its master key by fingerprint) and wraps
//! with the new one.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use kycore_domain::tenancy::Scope;
use rand::RngCore;
use sha2::Sha256;

/// The first byte of a value sealed under a data key; a later format gets another.
const SEALED_FORMAT: u8 = 2;
/// The first byte of a key wrapped by a master key.
const WRAPPED_FORMAT: u8 = 1;
const NONCE_LEN: usize = 12;
/// What the root secret is wrapped with as associated data.
const ROOT_LABEL: &str = "kycore root secret";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the master key must be 32 bytes, base64-encoded")]
    BadMasterKey,
    #[error("sealed data is damaged or was sealed under another key")]
    Unseal,
    #[error("the data could not be sealed")]
    Seal,
    #[error("a key is wrapped by master key {0}, which this server does not hold")]
    UnknownMasterKey(String),
}

/// A 256-bit secret that never leaves the process unwrapped.
pub type Secret = [u8; 32];

/// The root of the key hierarchy: configured, never stored by kycore's database.
#[derive(Clone)]
pub struct MasterKey(Secret);

impl MasterKey {
    pub fn generate() -> Self {
        MasterKey(random_secret())
    }

    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let bytes = BASE64
            .decode(encoded.trim())
            .map_err(|_| CryptoError::BadMasterKey)?;
        let key: Secret = bytes.try_into().map_err(|_| CryptoError::BadMasterKey)?;
        Ok(MasterKey(key))
    }

    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// A fingerprint that names the key in the database without revealing it.
    pub fn id(&self) -> String {
        let mut mac = hmac_with(&derive(&self.0, b"master-key-id/v1"));
        mac.update(b"kycore master key id");
        let digest = mac.finalize().into_bytes();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    fn wrapping_cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&derive(&self.0, b"key-wrapping/v1").into())
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

/// A key sealed under a master key, and which master key that was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedKey {
    pub wrapped: Vec<u8>,
    pub master_key_id: String,
}

/// The master keys a server holds: the current one wraps; during a rotation the previous one
/// still unwraps what it wrapped.
#[derive(Clone, Debug)]
pub struct MasterKeys {
    current: MasterKey,
    previous: Option<MasterKey>,
}

impl MasterKeys {
    pub fn new(current: MasterKey, previous: Option<MasterKey>) -> Self {
        // The same key given twice is one key.
        let previous = previous.filter(|p| p.0 != current.0);
        MasterKeys { current, previous }
    }

    pub fn current_id(&self) -> String {
        self.current.id()
    }

    pub fn previous_id(&self) -> Option<String> {
        self.previous.as_ref().map(MasterKey::id)
    }

    /// Seals `secret` under the current master key, bound to `owner`.
    pub fn wrap(&self, owner: &str, secret: &Secret) -> Result<WrappedKey, CryptoError> {
        Ok(WrappedKey {
            wrapped: seal_with(
                &self.current.wrapping_cipher(),
                WRAPPED_FORMAT,
                owner,
                secret,
            )?,
            master_key_id: self.current.id(),
        })
    }

    /// Opens a key wrapped by whichever master key this server holds that wrapped it.
    pub fn unwrap(&self, owner: &str, key: &WrappedKey) -> Result<Secret, CryptoError> {
        let master = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|m| m.id() == key.master_key_id)
            .ok_or_else(|| CryptoError::UnknownMasterKey(key.master_key_id.clone()))?;
        let opened = open_with(
            &master.wrapping_cipher(),
            WRAPPED_FORMAT,
            owner,
            &key.wrapped,
        )?;
        opened.try_into().map_err(|_| CryptoError::Unseal)
    }

    /// Wraps the deployment's root secret.
    pub fn wrap_root(&self, root: &Secret) -> Result<WrappedKey, CryptoError> {
        self.wrap(ROOT_LABEL, root)
    }

    pub fn unwrap_root(&self, root: &WrappedKey) -> Result<Secret, CryptoError> {
        self.unwrap(ROOT_LABEL, root)
    }
}

/// One owner's data key, unwrapped: seals and opens that owner's personal data.
#[derive(Clone)]
pub struct DataKey(Aes256Gcm);

impl DataKey {
    fn from_secret(secret: &Secret) -> Self {
        DataKey(Aes256Gcm::new(secret.into()))
    }

    /// Encrypts `plaintext`, bound to `context` (the owning record's id).
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.0, SEALED_FORMAT, context, plaintext)
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.0, SEALED_FORMAT, context, sealed)
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(***)")
    }
}

/// The keys of a running server: its master keys and what derives from the root secret.
pub struct Keyring {
    masters: MasterKeys,
    lookup: Secret,
    links: Secret,
    audit: AuditKeys,
}

impl Keyring {
    pub fn new(masters: MasterKeys, root: &Secret) -> Self {
        Keyring {
            masters,
            lookup: derive(root, b"lookup-hash/v1"),
            links: derive(root, b"link-tokens/v1"),
            audit: AuditKeys(derive(root, b"audit-chain/v1")),
        }
    }

    pub fn masters(&self) -> &MasterKeys {
        &self.masters
    }

    /// A fresh data key for `owner`, and that key wrapped for storage.
    pub fn new_data_key(&self, owner: &str) -> Result<(DataKey, WrappedKey), CryptoError> {
        let secret = random_secret();
        Ok((
            DataKey::from_secret(&secret),
            self.masters.wrap(owner, &secret)?,
        ))
    }

    /// `owner`'s stored data key, unwrapped.
    pub fn open_data_key(&self, owner: &str, key: &WrappedKey) -> Result<DataKey, CryptoError> {
        Ok(DataKey::from_secret(&self.masters.unwrap(owner, key)?))
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
    pub fn link_key(&self, scope: &Scope) -> Secret {
        let mut mac = hmac_with(&self.links);
        mac.update(scope.organization_id.as_str().as_bytes());
        mac.update(b"/");
        mac.update(scope.environment.as_str().as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The keys of the audit chain.
    pub fn audit_keys(&self) -> &AuditKeys {
        &self.audit
    }

    /// A keyring over a fresh root secret, for tests of what derives from it.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Self {
        Keyring::new(
            MasterKeys::new(MasterKey::generate(), None),
            &random_secret(),
        )
    }
}

/// The audit chain's keys, one per organization, derived from the root secret: a chain
/// survives a master-key rotation, and an organization's key tells nothing of another's.
#[derive(Clone)]
pub struct AuditKeys(Secret);

impl AuditKeys {
    /// A MAC keyed for `organization_id`'s chain, ready for the entry's bytes.
    pub fn mac_for(&self, organization_id: &str) -> Hmac<Sha256> {
        let mut mac = hmac_with(&self.0);
        mac.update(organization_id.as_bytes());
        let key: Secret = mac.finalize().into_bytes().into();
        hmac_with(&key)
    }
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKeys(***)")
    }
}

/// A new random secret: a root secret or a data key.
pub fn random_secret() -> Secret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

fn derive(secret: &Secret, label: &[u8]) -> Secret {
    let hkdf = Hkdf::<Sha256>::new(Some(b"kycore"), secret);
    let mut out = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
    let _ = hkdf.expand(label, &mut out);
    out
}

/// `[format][nonce][ciphertext and tag]`, `context` authenticated alongside.
fn seal_with(
    cipher: &Aes256Gcm,
    format: u8,
    context: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let payload = Payload {
        msg: plaintext,
        aad: context.as_bytes(),
    };
    let ciphertext = cipher
        .encrypt(&Nonce::from(nonce), payload)
        .map_err(|_| CryptoError::Seal)?;
    let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    sealed.push(format);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

fn open_with(
    cipher: &Aes256Gcm,
    format: u8,
    context: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (found, rest) = sealed.split_first().ok_or(CryptoError::Unseal)?;
    if *found != format || rest.len() < NONCE_LEN {
        return Err(CryptoError::Unseal);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Unseal)?;
    let payload = Payload {
        msg: ciphertext,
        aad: context.as_bytes(),
    };
    cipher
        .decrypt(&Nonce::from(nonce), payload)
        .map_err(|_| CryptoError::Unseal)
}

fn hmac_with(key: &Secret) -> Hmac<Sha256> {
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
        let keyring = Keyring::for_tests();
        let (key, _) = keyring.new_data_key("app_1").unwrap();
        let sealed = key.seal("app_1", b"1974-08-12").unwrap();
        assert!(!sealed.windows(10).any(|w| w == b"1974-08-12"));
        assert_eq!(key.open("app_1", &sealed).unwrap(), b"1974-08-12");
        assert!(key.open("app_2", &sealed).is_err());
        let (other, _) = keyring.new_data_key("app_1").unwrap();
        assert!(other.open("app_1", &sealed).is_err());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key.open("app_1", &tampered).is_err());
        assert!(key.open("app_1", &[]).is_err());
    }

    #[test]
    fn data_keys_unwrap_for_their_owner_under_the_master_that_wrapped_them() {
        let old = MasterKey::generate();
        let new = MasterKey::generate();
        let before = Keyring::new(MasterKeys::new(old.clone(), None), &random_secret());
        let (key, wrapped) = before.new_data_key("app_1").unwrap();
        assert_eq!(wrapped.master_key_id, old.id());
        let sealed = key.seal("doc", b"X1234567").unwrap();

        // During a rotation the previous key still opens, and new keys are wrapped by the new.
        let rotating = MasterKeys::new(new.clone(), Some(old.clone()));
        let secret = rotating.unwrap("app_1", &wrapped).unwrap();
        assert_eq!(
            DataKey::from_secret(&secret).open("doc", &sealed).unwrap(),
            b"X1234567"
        );
        let rewrapped = rotating.wrap("app_1", &secret).unwrap();
        assert_eq!(rewrapped.master_key_id, new.id());
        assert!(rotating.unwrap("app_2", &rewrapped).is_err());

        // Without the previous key, what it wrapped is named, not silently unreadable.
        let after = MasterKeys::new(new, None);
        assert!(after.unwrap("app_1", &rewrapped).is_ok());
        assert!(matches!(
            after.unwrap("app_1", &wrapped),
            Err(CryptoError::UnknownMasterKey(id)) if id == old.id()
        ));
    }

    #[test]
    fn lookup_hashes_are_stable_and_scoped() {
        let keyring = Keyring::for_tests();
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
    fn derived_keys_survive_a_master_key_rotation() {
        let root = random_secret();
        let before = Keyring::new(MasterKeys::new(MasterKey::generate(), None), &root);
        let after = Keyring::new(MasterKeys::new(MasterKey::generate(), None), &root);
        let sandbox = scope(Environment::Sandbox);
        assert_eq!(
            before.lookup_hash(&sandbox, "email", "a@b.c"),
            after.lookup_hash(&sandbox, "email", "a@b.c")
        );
        assert_eq!(before.link_key(&sandbox), after.link_key(&sandbox));
    }

    #[test]
    fn master_key_ids_tell_keys_apart_without_revealing_them() {
        let key = MasterKey::generate();
        assert_eq!(key.id(), key.id());
        assert_eq!(key.id().len(), 16);
        assert_ne!(key.id(), MasterKey::generate().id());
        assert!(!key.to_base64().contains(&key.id()));
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
