//! Screening the parties of a case: the applicant, or the business and each of its related
//! persons. Used by a case's checks and by ongoing monitoring.
//!
//! Sandbox cases are also screened against a tiny built-in list of fictional parties (see
//! the README's sandbox table), so integrators can produce a hit without real list files.

use std::sync::{Arc, OnceLock};

use kycore_domain::applicant::ApplicantProfile;
use kycore_domain::case::CaseKind;
use kycore_domain::tenancy::Environment;
use kycore_screening::{
    Entity, EntityType, Hit, ListSource, LoadedList, NameKind, NameQuality, PartialDate, Query,
    Screener,
};
use sha2::{Digest, Sha256};

use super::blocking;
use crate::views::Applicant;
use crate::{ServiceError, Services};

/// The built-in sandbox list's id.
pub const SANDBOX_LIST: &str = "kycore_sandbox";
/// Hits kept per screened party.
const HITS_PER_SUBJECT: usize = 10;

/// One party to screen.
#[derive(Clone, Debug)]
pub(crate) struct Subject {
    /// `applicant`, `business` or `related_person:<id or position>`.
    pub key: String,
    pub query: Query,
}

/// A hit on one party, with what identifies the listed entry's content.
#[derive(Clone, Debug)]
pub(crate) struct FoundHit {
    pub subject: String,
    pub hit: Hit,
    /// Changes when the listed entry's content does.
    pub fingerprint: String,
    pub list_version: String,
}

/// What kycore screens for the party `subject` (`applicant`, `business`,
/// `related_person:<id>`) of a case of `kind`: the name, birth date and countries of its
/// query, for a reviewer to set beside a hit. `None` when the applicant has no such party
/// (any more).
pub fn screened_query(kind: CaseKind, applicant: &Applicant, subject: &str) -> Option<Query> {
    let profile = ApplicantProfile {
        individual: applicant.individual.clone(),
        business: applicant.business.clone(),
        related_persons: applicant.related_persons.clone(),
    };
    subjects_of(kind, &profile)
        .into_iter()
        .find(|s| s.key == subject)
        .map(|s| s.query)
}

/// The parties of a case of `kind`, skipping those without a name.
pub(crate) fn subjects_of(kind: CaseKind, profile: &ApplicantProfile) -> Vec<Subject> {
    let mut subjects = Vec::new();
    let person = |first: &Option<String>, middle: Option<&String>, last: &Option<String>| {
        let parts: Vec<&str> = [first.as_ref(), middle, last.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    let query = |name: String, entity_type, dob: Option<&String>, countries: Vec<String>| Query {
        name,
        entity_type: Some(entity_type),
        date_of_birth: dob.and_then(|d| PartialDate::parse(d)),
        countries,
        ..Query::default()
    };
    match kind {
        CaseKind::Kyc => {
            if let Some(p) = &profile.individual
                && let Some(name) = person(&p.first_name, p.middle_name.as_ref(), &p.last_name)
            {
                let countries = p.nationality.iter().cloned().collect();
                subjects.push(Subject {
                    key: "applicant".into(),
                    query: query(
                        name,
                        EntityType::Person,
                        p.date_of_birth.as_ref(),
                        countries,
                    ),
                });
            }
        }
        CaseKind::Kyb => {
            if let Some(b) = &profile.business
                && let Some(name) = &b.legal_name
            {
                let countries = b.country.iter().cloned().collect();
                subjects.push(Subject {
                    key: "business".into(),
                    query: query(name.clone(), EntityType::Organization, None, countries),
                });
            }
            for (i, r) in profile.related_persons.iter().enumerate() {
                let Some(name) = person(&r.first_name, None, &r.last_name) else {
                    continue;
                };
                let id =
                    r.id.as_ref()
                        .map_or_else(|| i.to_string(), ToString::to_string);
                let countries = r.nationality.iter().cloned().collect();
                subjects.push(Subject {
                    key: format!("related_person:{id}"),
                    query: query(
                        name,
                        EntityType::Person,
                        r.date_of_birth.as_ref(),
                        countries,
                    ),
                });
            }
        }
    }
    subjects
}

impl Services {
    /// Screens `subjects` against the served lists (and, for sandbox, the sandbox list), on
    /// the blocking pool. `None` when there is nothing to screen against.
    pub(crate) async fn screen_subjects(
        &self,
        environment: Environment,
        subjects: Vec<Subject>,
    ) -> Result<Option<(Vec<FoundHit>, Vec<String>)>, ServiceError> {
        let mut screeners: Vec<Arc<Screener>> = self.screener().into_iter().collect();
        if environment == Environment::Sandbox {
            screeners.push(sandbox_screener());
        }
        if screeners.is_empty() {
            return Ok(None);
        }
        blocking(move || Some(screen_all(&screeners, &subjects))).await
    }
}

/// Every subject against every screener; also returns the list ids screened against.
pub(super) fn screen_all(
    screeners: &[Arc<Screener>],
    subjects: &[Subject],
) -> (Vec<FoundHit>, Vec<String>) {
    let lists = screeners
        .iter()
        .flat_map(|s| s.lists().iter().map(|l| l.list_id.clone()))
        .collect();
    let mut found = Vec::new();
    for subject in subjects {
        let mut query = subject.query.clone();
        query.limit = Some(HITS_PER_SUBJECT);
        for screener in screeners {
            // A name the engine refuses (no letters, too long) cannot match anything listed.
            let Ok(hits) = screener.search(&query) else {
                continue;
            };
            found.extend(hits.into_iter().map(|hit| FoundHit {
                subject: subject.key.clone(),
                fingerprint: fingerprint(screener.entities().get(hit.entity_index)),
                list_version: list_version(screener, &hit.list),
                hit,
            }));
        }
    }
    (found, lists)
}

/// Changes whenever anything about the listed entry changes, so a remembered false match is
/// reported again once the entry is edited.
fn fingerprint(entity: Option<&Entity>) -> String {
    // An entry that cannot be described gets a fingerprint no earlier review can share.
    let bytes = entity.map_or_else(
        || crate::crypto::random_alphanumeric(32).into_bytes(),
        |e| serde_json::to_vec(e).unwrap_or_else(|_| format!("{e:?}").into_bytes()),
    );
    Sha256::digest(&bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn list_version(screener: &Screener, list_id: &str) -> String {
    screener
        .lists()
        .iter()
        .find(|l| l.list_id == list_id)
        .and_then(|l| l.version.clone())
        .unwrap_or_default()
}

/// The sandbox list: fictional parties that exist only to produce hits in the sandbox.
pub(super) fn sandbox_screener() -> Arc<Screener> {
    static SCREENER: OnceLock<Arc<Screener>> = OnceLock::new();
    Arc::clone(SCREENER.get_or_init(|| {
        let mut person = Entity::new("sandbox-person-1", EntityType::Person);
        person.add_name("Viktor Sandboxov", NameKind::Primary, NameQuality::Strong);
        person.add_birth_date(PartialDate::year(1970));
        person.programs.push("SANDBOX".into());
        let mut company = Entity::new("sandbox-company-1", EntityType::Organization);
        company.add_name(
            "Sandbox Sanctioned Trading LLC",
            NameKind::Primary,
            NameQuality::Strong,
        );
        company.programs.push("SANDBOX".into());
        let list = LoadedList {
            source: ListSource::new(SANDBOX_LIST, Some("1".into()), "built-in"),
            entities: vec![person, company],
        };
        Arc::new(Screener::new(vec![list]))
    }))
}
