//! Applicants: create, read, list and update. Profiles are sealed at rest; keyed hashes of the
//! identifying fields are kept for duplicate detection.

use futures_util::future::BoxFuture;
use kycore_domain::applicant::{
    ApplicantProfile, ApplicantType, BusinessProfile, IndividualProfile, RelatedPerson,
    normalize_external_id,
};
use kycore_domain::event::EventType;
use kycore_domain::ids::ApplicantId;
use kycore_domain::tenancy::Scope;
use kycore_domain::validation::ValidationErrors;
use kycore_store::applicants::{self, ApplicantFilter, ApplicantRecord};
use kycore_store::{Millis, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

use crate::crypto::Keyring;
use crate::pagination::{Page, PageRequest};
use crate::record::{AuditEntry, applicant_event, audit};
use crate::time_format::{now_millis, rfc3339};
use crate::{RequestContext, ServiceError, Services};

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplicant {
    #[serde(rename = "type")]
    pub applicant_type: ApplicantType,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub individual: Option<IndividualProfile>,
    #[serde(default)]
    pub business: Option<BusinessProfile>,
    #[serde(default)]
    pub related_persons: Vec<RelatedPerson>,
}

/// Fields given replace the stored ones; `related_persons`, when given, replaces the list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApplicant {
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub individual: Option<IndividualProfile>,
    #[serde(default)]
    pub business: Option<BusinessProfile>,
    #[serde(default)]
    pub related_persons: Option<Vec<RelatedPerson>>,
}

#[derive(Clone, Debug, Default)]
pub struct ApplicantQuery {
    pub applicant_type: Option<ApplicantType>,
    pub external_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicantView {
    pub id: String,
    #[serde(rename = "type")]
    pub applicant_type: ApplicantType,
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub individual: Option<IndividualProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessProfile>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_persons: Vec<RelatedPerson>,
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A validated applicant ready to be written.
pub(crate) struct PreparedApplicant {
    pub record: ApplicantRecord,
    pub view: ApplicantView,
}

impl CreateApplicant {
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
        let today = crate::time_format::datetime_of(now).date();
        let profile_errors = profile
            .normalize_and_validate(self.applicant_type, today)
            .err();
        merge(&mut errors, profile_errors);
        errors.into_result()?;
        profile.assign_related_person_ids(&[]);
        let id = ApplicantId::generate();
        let record = seal(
            keyring,
            scope,
            &id,
            self.applicant_type,
            external_id,
            &profile,
            1,
            now,
            now,
        )?;
        let view = view_of(&record, profile);
        Ok(PreparedApplicant { record, view })
    }
}

fn merge(into: &mut ValidationErrors, more: Option<ValidationErrors>) {
    if let Some(more) = more {
        into.extend(more);
    }
}

#[allow(clippy::too_many_arguments)]
fn seal(
    keyring: &Keyring,
    scope: &Scope,
    id: &ApplicantId,
    applicant_type: ApplicantType,
    external_id: Option<String>,
    profile: &ApplicantProfile,
    revision: i64,
    created_at: Millis,
    updated_at: Millis,
) -> Result<ApplicantRecord, ServiceError> {
    let plaintext = serde_json::to_vec(profile).map_err(|_| ServiceError::Crypto)?;
    let individual = profile.individual.as_ref();
    let hash =
        |field: &str, value: Option<String>| value.map(|v| keyring.lookup_hash(scope, field, &v));
    Ok(ApplicantRecord {
        id: id.to_string(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().to_owned(),
        applicant_type: applicant_type.as_str().to_owned(),
        external_id,
        profile_sealed: keyring.seal(id.as_str(), &plaintext),
        id_number_hash: hash(
            "id_number",
            individual
                .and_then(|p| p.id_number.as_deref())
                .map(compact_identifier),
        ),
        name_dob_hash: hash("name_dob", individual.and_then(name_and_birth_key)),
        email_hash: hash("email", individual.and_then(|p| p.email.clone())),
        revision,
        created_at,
        updated_at,
    })
}

/// Identifiers compare without case, spaces or punctuation.
fn compact_identifier(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Name and date of birth as one comparable key: accents folded, case and word order ignored,
/// so "José  Álvarez" and "alvarez jose" with the same birth date collide.
fn name_and_birth_key(p: &IndividualProfile) -> Option<String> {
    let dob = p.date_of_birth.as_deref()?;
    let full = format!("{} {}", p.first_name.as_deref()?, p.last_name.as_deref()?);
    let folded: String = full
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    words.sort_unstable();
    Some(format!("{}|{dob}", words.join(" ")))
}

fn view_of(record: &ApplicantRecord, profile: ApplicantProfile) -> ApplicantView {
    ApplicantView {
        id: record.id.clone(),
        applicant_type: ApplicantType::parse(&record.applicant_type)
            .unwrap_or(ApplicantType::Individual),
        external_id: record.external_id.clone(),
        individual: profile.individual,
        business: profile.business,
        related_persons: profile.related_persons,
        revision: record.revision,
        created_at: rfc3339(record.created_at),
        updated_at: rfc3339(record.updated_at),
    }
}

fn unseal(keyring: &Keyring, record: &ApplicantRecord) -> Result<ApplicantProfile, ServiceError> {
    let plaintext = keyring
        .open(&record.id, &record.profile_sealed)
        .map_err(|_| ServiceError::Crypto)?;
    serde_json::from_slice(&plaintext).map_err(|_| ServiceError::Crypto)
}

/// The applicant's decrypted profile, for checks.
pub(crate) fn open_profile(
    keyring: &Keyring,
    record: &ApplicantRecord,
) -> Result<ApplicantProfile, ServiceError> {
    unseal(keyring, record)
}

pub(crate) fn open_view(
    keyring: &Keyring,
    record: &ApplicantRecord,
) -> Result<ApplicantView, ServiceError> {
    Ok(view_of(record, unseal(keyring, record)?))
}

/// Writes a prepared applicant with its event and audit entry.
pub(crate) async fn insert_in(
    tx: &mut Tx,
    ctx: &RequestContext,
    prepared: &PreparedApplicant,
    now: Millis,
) -> Result<(), ServiceError> {
    let record = &prepared.record;
    tx.append_applicant(record.clone());
    let payload = json!({ "applicant_id": record.id, "type": record.applicant_type });
    record_change(
        tx,
        ctx,
        &record.id,
        EventType::ApplicantCreated,
        payload,
        now,
    )
    .await
}

/// The event and audit entry every applicant change writes.
async fn record_change(
    tx: &mut Tx,
    ctx: &RequestContext,
    applicant_id: &str,
    event_type: EventType,
    payload: serde_json::Value,
    now: Millis,
) -> Result<(), ServiceError> {
    applicant_event(tx, &ctx.scope, applicant_id, event_type, payload, now);
    let entry = AuditEntry {
        action: event_type.as_str(),
        target_type: "applicant",
        target_id: applicant_id,
        detail: json!({}),
    };
    audit(tx, &ctx.scope, &ctx.actor, entry, now);
    Ok(())
}

impl Services {
    pub async fn create_applicant(
        &self,
        ctx: &RequestContext,
        input: CreateApplicant,
    ) -> Result<ApplicantView, ServiceError> {
        let now = now_millis();
        let prepared = input.prepare(self.keyring(), &ctx.scope, now)?;
        let unit_ctx = ctx.clone();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<ApplicantView, ServiceError>> {
                Box::pin(async move {
                    insert_in(tx, &unit_ctx, &prepared, now).await?;
                    Ok(prepared.view)
                })
            },
        )
        .await
    }

    pub async fn get_applicant(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<ApplicantView, ServiceError> {
        let record = applicants::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("applicant"))?;
        open_view(self.keyring(), &record)
    }

    pub async fn list_applicants(
        &self,
        scope: &Scope,
        query: ApplicantQuery,
        page: &PageRequest,
    ) -> Result<Page<ApplicantView>, ServiceError> {
        let limit = page.fetch_limit()?;
        let filter = ApplicantFilter {
            external_id: query.external_id,
            applicant_type: query.applicant_type.map(|t| t.as_str().to_owned()),
            before_id: page.starting_after.clone(),
            limit,
        };
        let rows = applicants::list(self.store().reader(), scope, &filter).await?;
        Page::from_rows(
            rows,
            limit,
            |r| r.id.clone(),
            |r| open_view(self.keyring(), &r),
        )
    }

    pub async fn update_applicant(
        &self,
        ctx: &RequestContext,
        id: &str,
        input: UpdateApplicant,
    ) -> Result<ApplicantView, ServiceError> {
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let id = id.to_owned();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<ApplicantView, ServiceError>> {
                Box::pin(async move {
                    services
                        .update_applicant_in(tx, &unit_ctx, &id, input)
                        .await
                })
            },
        )
        .await
    }

    pub(crate) async fn update_applicant_in(
        &self,
        tx: &mut Tx,
        ctx: &RequestContext,
        id: &str,
        input: UpdateApplicant,
    ) -> Result<ApplicantView, ServiceError> {
        let now = now_millis();
        let current = applicants::get(tx.conn(), &ctx.scope, id)
            .await?
            .ok_or(ServiceError::not_found("applicant"))?;
        let applicant_type =
            ApplicantType::parse(&current.applicant_type).ok_or(ServiceError::Crypto)?;
        let mut profile = unseal(self.keyring(), &current)?;
        let known_persons = profile.related_person_ids();
        let mut external_id = current.external_id.clone();
        let mut errors = ValidationErrors::default();
        if input.external_id.is_some() {
            external_id = input.external_id;
            normalize_external_id(&mut external_id, &mut errors, "external_id");
        }
        if input.individual.is_some() {
            profile.individual = input.individual;
        }
        if input.business.is_some() {
            profile.business = input.business;
        }
        if let Some(persons) = input.related_persons {
            profile.related_persons = persons;
        }
        let today = crate::time_format::datetime_of(now).date();
        merge(
            &mut errors,
            profile.normalize_and_validate(applicant_type, today).err(),
        );
        errors.into_result()?;
        profile.assign_related_person_ids(&known_persons);
        let applicant_id = ApplicantId::from_trusted(current.id.clone());
        let record = seal(
            self.keyring(),
            &ctx.scope,
            &applicant_id,
            applicant_type,
            external_id,
            &profile,
            current.revision + 1,
            current.created_at,
            now,
        )?;
        if !applicants::update(tx.conn(), &record, current.revision).await? {
            return Err(ServiceError::concurrent_change("applicant"));
        }
        let payload = json!({ "applicant_id": record.id, "revision": record.revision });
        record_change(
            tx,
            ctx,
            &record.id,
            EventType::ApplicantUpdated,
            payload,
            now,
        )
        .await?;
        Ok(view_of(&record, profile))
    }
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
