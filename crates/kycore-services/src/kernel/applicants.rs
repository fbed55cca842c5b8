//! Applicant records: validated, sealed under the applicant's own data key (the profile is
//! personal data) with keyed hashes of the identifying fields for duplicate detection, and
//! written with their data key, event and audit entry. An update is a read-modify-write
//! refused if the applicant's revision moved.

use kycore_domain::applicant::{
    ApplicantProfile, ApplicantType, BusinessProfile, IndividualProfile, RelatedPerson,
    normalize_external_id,
};
use kycore_domain::event::EventType;
use kycore_domain::ids::ApplicantId;
use kycore_domain::tenancy::Scope;
use kycore_domain::validation::ValidationErrors;
use kycore_store::applicants::{self, ApplicantRecord};
use kycore_store::data_keys::DataKeyRecord;
use kycore_store::{Millis, Tx};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

use crate::crypto::{DataKey, Keyring};
use crate::record::{self, AuditEntry};
use crate::time_format::datetime_of;
use crate::{Principal, ServiceError};

/// A person or business to verify.
#[derive(Clone, Debug)]
pub struct NewApplicant {
    pub applicant_type: ApplicantType,
    pub external_id: Option<String>,
    pub individual: Option<IndividualProfile>,
    pub business: Option<BusinessProfile>,
    pub related_persons: Vec<RelatedPerson>,
}

/// Changes to an applicant: fields given replace the stored ones; `related_persons`, when
/// given, replaces the list.
#[derive(Clone, Debug, Default)]
pub struct ApplicantChanges {
    pub external_id: Option<String>,
    pub individual: Option<IndividualProfile>,
    pub business: Option<BusinessProfile>,
    pub related_persons: Option<Vec<RelatedPerson>>,
}

/// What writing an existing applicant needs: the keyring (for the lookup hashes) and the
/// applicant's data key (for the profile).
#[derive(Clone, Copy)]
pub(crate) struct ApplicantKeys<'a> {
    pub keyring: &'a Keyring,
    pub key: &'a DataKey,
}

/// A validated, sealed applicant ready to be written, with its profile in clear.
#[derive(Clone, Debug)]
pub(crate) struct PreparedApplicant {
    pub record: ApplicantRecord,
    pub profile: ApplicantProfile,
    /// The key its personal data is sealed under.
    pub key: DataKey,
    /// For a new applicant, that key wrapped for storage.
    new_key: Option<DataKeyRecord>,
}

impl NewApplicant {
    /// Validates and seals the applicant; nothing is written yet.
    pub(crate) fn prepare(
        self,
        keyring: &Keyring,
        scope: &Scope,
        now: Millis,
    ) -> Result<PreparedApplicant, ServiceError> {
        let mut errors = ValidationErrors::default();
        let mut external_id = self.external_id;
        normalize_external_id(&mut external_id, &mut errors, "external_id");
        let mut profile = ApplicantProfile {
            individual: self.individual,
            business: self.business,
            related_persons: self.related_persons,
        };
        if let Err(more) =
            profile.normalize_and_validate(self.applicant_type, datetime_of(now).date())
        {
            errors.extend(more);
        }
        errors.into_result()?;
        profile.assign_related_person_ids(&[]);
        let id = ApplicantId::generate();
        let (key, wrapped) = keyring.new_data_key(id.as_str())?;
        let sealed = Sealed {
            id: &id,
            applicant_type: self.applicant_type,
            external_id,
            profile: &profile,
            revision: 1,
            created_at: now,
            updated_at: now,
        };
        let record = sealed.record(keyring, &key, scope)?;
        let new_key = DataKeyRecord {
            id: id.to_string(),
            organization_id: scope.organization_id.to_string(),
            wrapped: wrapped.wrapped,
            master_key_id: wrapped.master_key_id,
            created_at: now,
        };
        Ok(PreparedApplicant {
            record,
            profile,
            key,
            new_key: Some(new_key),
        })
    }
}

/// An applicant's fields before sealing.
struct Sealed<'a> {
    id: &'a ApplicantId,
    applicant_type: ApplicantType,
    external_id: Option<String>,
    profile: &'a ApplicantProfile,
    revision: i64,
    created_at: Millis,
    updated_at: Millis,
}

impl Sealed<'_> {
    fn record(
        self,
        keyring: &Keyring,
        key: &DataKey,
        scope: &Scope,
    ) -> Result<ApplicantRecord, ServiceError> {
        let plaintext = serde_json::to_vec(self.profile)
            .map_err(|e| ServiceError::internal(format!("applicant profile: {e}")))?;
        let individual = self.profile.individual.as_ref();
        let hash = |field: &str, value: Option<String>| {
            value.map(|v| keyring.lookup_hash(scope, field, &v))
        };
        Ok(ApplicantRecord {
            id: self.id.to_string(),
            organization_id: scope.organization_id.to_string(),
            environment: scope.environment.as_str().to_owned(),
            applicant_type: self.applicant_type.as_str().to_owned(),
            external_id: self.external_id,
            profile_sealed: key.seal(self.id.as_str(), &plaintext)?,
            id_number_hash: hash(
                "id_number",
                individual
                    .and_then(|p| p.id_number.as_deref())
                    .map(compact_identifier),
            ),
            name_dob_hash: hash("name_dob", individual.and_then(name_and_birth_key)),
            email_hash: hash("email", individual.and_then(|p| p.email.clone())),
            name_tokens: Some(name_index(keyring, scope, self.profile)),
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.updated_at,
            redacted_at: None,
        })
    }
}

/// Identifiers compare without case, spaces or punctuation.
fn compact_identifier(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Accents folded, lower case, anything but letters and digits a space: "José  Álvarez"
/// and "jose alvarez" read the same.
fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Name and date of birth as one comparable key: accents folded, case and word order ignored,
/// so "José  Álvarez" and "alvarez jose" with the same birth date collide.
fn name_and_birth_key(p: &IndividualProfile) -> Option<String> {
    let dob = p.date_of_birth.as_deref()?;
    let folded = fold(&format!(
        "{} {}",
        p.first_name.as_deref()?,
        p.last_name.as_deref()?
    ));
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    words.sort_unstable();
    Some(format!("{}|{dob}", words.join(" ")))
}

/// Bytes of a word's keyed hash kept in the blind index: 96 bits, so two words of one
/// organization's applicants practically never share a token.
const TOKEN_BYTES: usize = 12;

/// The blind-index tokens of a text's words (folded as [`fold`]), each once: keyed hashes
/// of the scope, in hex. The same for what is indexed and what is searched.
pub(crate) fn search_tokens(keyring: &Keyring, scope: &Scope, text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for word in fold(text).split_whitespace() {
        let hash = keyring.lookup_hash(scope, "name_token", word);
        let token: String = hash
            .iter()
            .take(TOKEN_BYTES)
            .map(|b| format!("{b:02x}"))
            .collect();
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens
}

/// The applicant's blind index: the tokens of the names and e-mail a person would search
/// by (a person's given, middle and family names, a business's legal name), each between
/// spaces for a `LIKE '% token %'` match; empty when there is no such field.
pub(crate) fn name_index(keyring: &Keyring, scope: &Scope, profile: &ApplicantProfile) -> String {
    let mut words: Vec<&str> = Vec::new();
    if let Some(p) = &profile.individual {
        words.extend(
            [&p.first_name, &p.middle_name, &p.last_name, &p.email]
                .into_iter()
                .filter_map(|f| f.as_deref()),
        );
    }
    if let Some(b) = &profile.business {
        words.extend(
            [&b.legal_name, &b.email]
                .into_iter()
                .filter_map(|f| f.as_deref()),
        );
    }
    let tokens = search_tokens(keyring, scope, &words.join(" "));
    if tokens.is_empty() {
        return String::new();
    }
    format!(" {} ", tokens.join(" "))
}

/// The applicant's type as stored.
pub(crate) fn type_of(record: &ApplicantRecord) -> Result<ApplicantType, ServiceError> {
    ApplicantType::parse(&record.applicant_type)
        .ok_or_else(|| ServiceError::corrupt(format!("applicant type `{}`", record.applicant_type)))
}

/// The applicant's decrypted profile; empty once the applicant is erased (`key` is `None`).
pub(crate) fn open_profile(
    key: Option<&DataKey>,
    record: &ApplicantRecord,
) -> Result<ApplicantProfile, ServiceError> {
    let Some(key) = key else {
        return Ok(ApplicantProfile::default());
    };
    let plaintext = key.open(&record.id, &record.profile_sealed)?;
    serde_json::from_slice(&plaintext)
        .map_err(|e| ServiceError::corrupt(format!("applicant profile: {e}")))
}

/// Reads an applicant of the scope inside a unit.
pub(crate) async fn load(
    tx: &mut Tx,
    scope: &Scope,
    id: &str,
) -> Result<ApplicantRecord, ServiceError> {
    applicants::get(tx.conn().await?, scope, id)
        .await?
        .ok_or(ServiceError::not_found("applicant"))
}

/// Writes a prepared applicant with its event and audit entry.
pub(crate) fn insert(
    tx: &mut Tx,
    principal: &Principal,
    scope: &Scope,
    prepared: &PreparedApplicant,
    now: Millis,
) {
    let record = &prepared.record;
    if let Some(key) = &prepared.new_key {
        tx.append_data_key(key.clone());
    }
    tx.append_applicant(record.clone());
    let payload = json!({ "applicant_id": record.id, "type": record.applicant_type });
    record_change(
        tx,
        principal,
        scope,
        &record.id,
        EventType::ApplicantCreated,
        payload,
        now,
    );
}

/// Applies `changes` to the stored applicant: validated like a new one, sealed again, and
/// written only if its revision did not move since it was read here.
pub(crate) async fn update(
    tx: &mut Tx,
    keys: ApplicantKeys<'_>,
    principal: &Principal,
    scope: &Scope,
    id: &str,
    changes: ApplicantChanges,
    now: Millis,
) -> Result<PreparedApplicant, ServiceError> {
    let current = load(tx, scope, id).await?;
    let applicant_type = type_of(&current)?;
    let ApplicantKeys { keyring, key } = keys;
    let mut profile = open_profile(Some(key), &current)?;
    let known_persons = profile.related_person_ids();
    let mut external_id = current.external_id.clone();
    let mut errors = ValidationErrors::default();
    if changes.external_id.is_some() {
        external_id = changes.external_id;
        normalize_external_id(&mut external_id, &mut errors, "external_id");
    }
    if changes.individual.is_some() {
        profile.individual = changes.individual;
    }
    if changes.business.is_some() {
        profile.business = changes.business;
    }
    if let Some(persons) = changes.related_persons {
        profile.related_persons = persons;
    }
    if let Err(more) = profile.normalize_and_validate(applicant_type, datetime_of(now).date()) {
        errors.extend(more);
    }
    errors.into_result()?;
    profile.assign_related_person_ids(&known_persons);
    let sealed = Sealed {
        id: &ApplicantId::from_trusted(current.id.clone()),
        applicant_type,
        external_id,
        profile: &profile,
        revision: current.revision + 1,
        created_at: current.created_at,
        updated_at: now,
    };
    let record = sealed.record(keyring, key, scope)?;
    if !applicants::update(tx.conn().await?, &record, current.revision).await? {
        return Err(ServiceError::concurrent_change("applicant"));
    }
    let payload = json!({ "applicant_id": record.id, "revision": record.revision });
    record_change(
        tx,
        principal,
        scope,
        &record.id,
        EventType::ApplicantUpdated,
        payload,
        now,
    );
    Ok(PreparedApplicant {
        record,
        profile,
        key: key.clone(),
        new_key: None,
    })
}

/// The event and audit entry every applicant change writes.
fn record_change(
    tx: &mut Tx,
    principal: &Principal,
    scope: &Scope,
    applicant_id: &str,
    event_type: EventType,
    payload: serde_json::Value,
    now: Millis,
) {
    tx.append_event(record::event(
        scope,
        event_type,
        None,
        Some(applicant_id),
        payload,
        now,
    ));
    let entry = AuditEntry {
        action: event_type.as_str(),
        target_type: "applicant",
        target_id: applicant_id,
        case_id: None,
        detail: json!({}),
    };
    record::audit(tx, scope, principal, entry, now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_birth_key_ignores_accents_case_and_order() {
        let a = IndividualProfile {
            first_name: Some("José".into()),
            last_name: Some("Álvarez-Núñez".into()),
            date_of_birth: Some("1980-01-02".into()),
            ..Default::default()
        };
        let b = IndividualProfile {
            first_name: Some("NUNEZ alvarez".into()),
            last_name: Some("jose".into()),
            date_of_birth: Some("1980-01-02".into()),
            ..Default::default()
        };
        assert_eq!(name_and_birth_key(&a), name_and_birth_key(&b));
        assert_eq!(name_and_birth_key(&IndividualProfile::default()), None);
        assert_eq!(compact_identifier("ab-12 34"), "AB1234");
    }
}
