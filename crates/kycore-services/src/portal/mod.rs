//! The hosted portal's use cases: a link opened into a session, where the applicant stands
//! in the case's flow, each step saved together with the progress it makes (one unit of
//! work), uploads, the KYC cases of a business's related persons, and submission. The pages
//! themselves are the server crate's.
//!
//! Every change re-reads the case inside its unit and refuses unless the case still waits
//! for its applicant through the session's link, so a replaced link or a submitted case
//! stops an old tab from writing.

mod session;

use futures_util::future::BoxFuture;
use kycore_domain::applicant::{
    ApplicantType, BusinessProfile, IndividualProfile, RelatedPerson, RelatedPersonRole,
    normalize_country,
};
use kycore_domain::case::{CaseKind, CaseStatus, Decision};
use kycore_domain::flow::{FlowDefinition, Step};
use kycore_domain::progress::{IdentityDocumentChoice, Progress, UploadSlot, steps_to_do};
use kycore_domain::tenancy::Scope;
use kycore_domain::validation::ValidationErrors;
use kycore_store::cases::{self, CaseRecord};
use kycore_store::related_person_cases::{self, RelatedPersonCaseRecord};
use kycore_store::{Millis, Tx, applicants, case_progress};
use serde_json::{Map, Value, json};

pub use self::session::PortalSession;
use crate::applicants::{ApplicantView, CreateApplicant, UpdateApplicant, open_view};
use crate::cases::{CaseView, CreateCase, load_awaiting_applicant, status_of, write_new_case};
use crate::documents::{DocumentView, NewDocument, record_document};
use crate::links::{LinkError, LinkForm, mint};
use crate::record::{AuditEntry, audit};
use crate::time_format::{datetime_of, now_millis};
use crate::{Actor, RequestContext, ServiceError, Services};

/// An opened link: the session the browser keeps from now on.
pub struct OpenedPortal {
    pub session: PortalSession,
    /// The session as the cookie carries it.
    pub token: String,
}

/// How a related person of a business verifies their identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyMode {
    /// In the same browser, right now, returning to the business's flow afterwards.
    Here,
    /// Through their own link, which the applicant passes on.
    Link,
}

impl VerifyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyMode::Here => "here",
            VerifyMode::Link => "link",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [VerifyMode::Here, VerifyMode::Link]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// A related person's own KYC case.
#[derive(Clone, Debug)]
pub struct RelatedCase {
    pub related_person_id: String,
    pub case_id: String,
    pub mode: VerifyMode,
    pub status: CaseStatus,
    pub verification_url: String,
}

/// Everything a portal page shows about its case.
#[derive(Clone, Debug)]
pub struct PortalCase {
    pub session: PortalSession,
    pub csrf_token: String,
    pub case_id: String,
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub redirect_url: Option<String>,
    /// The case's own hosted link, where a related person verified here comes back to.
    verification_url: String,
    pub flow: FlowDefinition,
    pub applicant: ApplicantView,
    pub progress: Progress,
    /// This round's steps: the flow's, or those a resubmission asks again.
    pub to_do: Vec<Step>,
    pub documents: Vec<DocumentView>,
    pub related_cases: Vec<RelatedCase>,
}

impl PortalCase {
    /// Whether the applicant can still change anything.
    pub fn is_open(&self) -> bool {
        self.status.awaits_applicant()
    }

    pub fn next_step(&self) -> Step {
        self.progress.next_step(&self.to_do)
    }

    /// The file uploaded for `slot` this round.
    pub fn uploaded(&self, slot: &UploadSlot) -> Option<&DocumentView> {
        let id = self.progress.uploads.get(&slot.key())?;
        self.documents.iter().find(|d| &d.id == id)
    }

    /// Uploads left for the slot's type and side; `None` when the flow sets no limit.
    pub fn attempts_left(&self, slot: &UploadSlot) -> Option<u32> {
        let limit = self.flow.max_attempts;
        if limit == 0 {
            return None;
        }
        let used = self
            .documents
            .iter()
            .filter(|d| d.document_type == slot.document_type && d.side == slot.side)
            .count();
        Some(limit.saturating_sub(u32::try_from(used).unwrap_or(u32::MAX)))
    }

    pub fn related_case(&self, person_id: &str) -> Option<&RelatedCase> {
        self.related_cases
            .iter()
            .find(|c| c.related_person_id == person_id)
    }
}

/// An upload from the portal: the files of one step, by side, with the MRZ typed for an
/// identity document.
#[derive(Debug)]
pub struct PortalUpload {
    pub step: Step,
    /// `(document type, side, bytes)` of each file sent.
    pub files: Vec<(String, String, Vec<u8>)>,
    pub mrz: Option<String>,
}

fn corrupt(what: &str) -> ServiceError {
    ServiceError::Store(kycore_store::StoreError::Corrupt(what.to_owned()))
}

fn parse_progress(stored: Option<String>) -> Result<Progress, ServiceError> {
    stored
        .map(|json| serde_json::from_str(&json).map_err(|_| corrupt("case progress")))
        .transpose()
        .map(Option::unwrap_or_default)
}

fn decision_of(case: &CaseRecord) -> Result<Option<Decision>, ServiceError> {
    case.decision
        .as_deref()
        .map(|d| serde_json::from_str(d).map_err(|_| corrupt("decision")))
        .transpose()
}

async fn save_progress(
    tx: &mut Tx,
    scope: &Scope,
    case_id: &str,
    progress: &Progress,
    now: Millis,
) -> Result<(), ServiceError> {
    let json = serde_json::to_string(progress).map_err(|_| corrupt("case progress"))?;
    case_progress::put(tx.conn(), scope, case_id, &json, now).await?;
    Ok(())
}

/// Inside a unit: the session's case, if it still waits for its applicant through the
/// session's link, and its progress.
async fn load_for_change(
    tx: &mut Tx,
    session: &PortalSession,
) -> Result<(CaseRecord, Progress), ServiceError> {
    let case = load_awaiting_applicant(
        tx,
        &session.scope,
        &session.case_id,
        "takes no more changes",
    )
    .await?;
    if case.link_token_id != session.link_token_id {
        return Err(ServiceError::conflict(
            "link_replaced",
            "a newer link was issued for this verification",
        ));
    }
    let stored = case_progress::get(tx.conn(), &session.scope, &case.id).await?;
    Ok((case, parse_progress(stored)?))
}

/// Called as a case reopens after a resubmission request: the steps it names are to be done
/// again, and what they uploaded no longer counts.
pub(crate) async fn reopen_resubmitted_steps(
    tx: &mut Tx,
    scope: &Scope,
    case: &CaseRecord,
    now: Millis,
) -> Result<(), ServiceError> {
    let Some(decision) = decision_of(case)? else {
        return Ok(());
    };
    let stored = case_progress::get(tx.conn(), scope, &case.id).await?;
    let mut progress = parse_progress(stored)?;
    progress.reopen(&decision.resubmission_steps);
    save_progress(tx, scope, &case.id, &progress, now).await
}

/// Names a file's validation errors after the slot it was sent for, so the page can show
/// each error beside its own file input.
fn file_errors_as(error: ServiceError, field: &str) -> ServiceError {
    match error {
        ServiceError::Validation(errors) => ServiceError::Validation(
            errors
                .into_iter()
                .map(|mut e| {
                    if e.field == "file" {
                        e.field = field.to_owned();
                    }
                    e
                })
                .collect(),
        ),
        other => other,
    }
}

fn required(errors: &mut ValidationErrors, field: &str, value: Option<&String>) {
    if value.is_none_or(|v| v.trim().is_empty()) {
        errors.add(field, "required", "required");
    }
}

fn is_verified_role(role: RelatedPersonRole) -> bool {
    matches!(role, RelatedPersonRole::Ubo | RelatedPersonRole::Director)
}

/// Why the related persons step is not done yet, if it is not.
fn related_persons_problems(
    persons: &[RelatedPerson],
    cases: &[RelatedPersonCaseRecord],
) -> ValidationErrors {
    let mut errors = ValidationErrors::default();
    if !persons.iter().any(|p| is_verified_role(p.role)) {
        errors.add(
            "related_persons",
            "owner_or_director_required",
            "add at least one beneficial owner or director",
        );
    }
    let owned: f64 = persons.iter().filter_map(|p| p.ownership_percent).sum();
    if owned > 100.0 + f64::EPSILON {
        errors.add(
            "related_persons",
            "ownership_over_100",
            "the owners' shares add up to more than 100%",
        );
    }
    for person in persons.iter().filter(|p| is_verified_role(p.role)) {
        let id = person
            .id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        if !cases.iter().any(|c| c.related_person_id == id) {
            errors.add(
                format!("related_persons.{id}"),
                "verification_not_started",
                "choose how this person verifies their identity",
            );
        }
    }
    errors
}

impl Services {
    /// Opens a link (moving its case to `in_progress` the first time) into a new session.
    pub async fn open_portal(
        &self,
        token: &str,
        form: &LinkForm,
    ) -> Result<OpenedPortal, LinkError> {
        let opened = self.open_link(token, form).await?;
        let session = PortalSession::new(
            opened.scope,
            &opened.case_id,
            &opened.token_id,
            opened.expires_at,
        );
        Ok(OpenedPortal {
            token: session.token(self.keyring()),
            session,
        })
    }

    /// The case behind a session cookie, with all a page needs. A session whose link was
    /// replaced is refused like the link itself.
    pub async fn portal_case(&self, session_token: &str) -> Result<PortalCase, LinkError> {
        let session = PortalSession::verify(self.keyring(), session_token)?;
        let reader = self.store().reader();
        let case = cases::get(reader, &session.scope, &session.case_id)
            .await
            .map_err(ServiceError::from)?
            .ok_or(LinkError::Invalid)?;
        if case.link_token_id != session.link_token_id {
            return Err(LinkError::Revoked);
        }
        Ok(self.load_portal_case(session, case).await?)
    }

    async fn load_portal_case(
        &self,
        session: PortalSession,
        case: CaseRecord,
    ) -> Result<PortalCase, ServiceError> {
        let scope = &session.scope;
        let reader = self.store().reader();
        let status = status_of(&case)?;
        let kind = CaseKind::parse(&case.kind).ok_or_else(|| corrupt("case kind"))?;
        let flow = self
            .pinned_flow(scope, &case.flow_id, case.flow_version)
            .await?;
        let applicant = applicants::get(reader, scope, &case.applicant_id)
            .await?
            .ok_or_else(|| corrupt("case without applicant"))?;
        let progress = parse_progress(case_progress::get(reader, scope, &case.id).await?)?;
        let to_do = steps_to_do(&flow, decision_of(&case)?.as_ref());
        let mut related_cases = Vec::new();
        for record in related_person_cases::for_parent(reader, scope, &case.id).await? {
            let child = cases::get(reader, scope, &record.case_id)
                .await?
                .ok_or_else(|| corrupt("related person case"))?;
            related_cases.push(RelatedCase {
                related_person_id: record.related_person_id,
                case_id: record.case_id,
                mode: VerifyMode::parse(&record.mode).ok_or_else(|| corrupt("verify mode"))?,
                status: status_of(&child)?,
                verification_url: self.verification_url(&mint(self.keyring(), &child)),
            });
        }
        Ok(PortalCase {
            csrf_token: session.csrf_token(self.keyring()),
            case_id: case.id.clone(),
            kind,
            status,
            redirect_url: case.redirect_url.clone(),
            verification_url: self.verification_url(&mint(self.keyring(), &case)),
            applicant: open_view(self.keyring(), &applicant)?,
            documents: self.list_documents(scope, &case.id).await?,
            progress,
            to_do,
            flow,
            related_cases,
            session,
        })
    }

    /// Whether a form's CSRF token belongs to the session.
    pub fn portal_csrf_matches(&self, session: &PortalSession, presented: &str) -> bool {
        session.csrf_matches(self.keyring(), presented)
    }

    pub async fn portal_consent(&self, session: &PortalSession) -> Result<(), ServiceError> {
        let session = session.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let (case, mut progress) = load_for_change(tx, &session).await?;
                        let now = now_millis();
                        if progress.consent_at.is_none() {
                            progress.consent_at = Some(now);
                            let entry = AuditEntry {
                                action: "portal.consent_given",
                                target_type: "case",
                                target_id: &case.id,
                                detail: json!({}),
                            };
                            audit(tx, &session.scope, &Actor::Applicant, entry, now);
                        }
                        progress.completed.insert(Step::Consent);
                        save_progress(tx, &session.scope, &case.id, &progress, now).await
                    })
                },
            )
            .await
    }

    /// Saves the applicant's own details (the personal details step).
    pub async fn portal_save_individual(
        &self,
        session: &PortalSession,
        individual: IndividualProfile,
    ) -> Result<(), ServiceError> {
        let mut errors = ValidationErrors::default();
        required(
            &mut errors,
            "individual.first_name",
            individual.first_name.as_ref(),
        );
        required(
            &mut errors,
            "individual.last_name",
            individual.last_name.as_ref(),
        );
        required(
            &mut errors,
            "individual.date_of_birth",
            individual.date_of_birth.as_ref(),
        );
        required(
            &mut errors,
            "individual.nationality",
            individual.nationality.as_ref(),
        );
        errors.into_result()?;
        let update = UpdateApplicant {
            individual: Some(individual),
            ..UpdateApplicant::default()
        };
        self.save_profile_step(session, Step::PersonalDetails, update)
            .await
    }

    /// Saves the business's details (the company details step).
    pub async fn portal_save_business(
        &self,
        session: &PortalSession,
        business: BusinessProfile,
    ) -> Result<(), ServiceError> {
        let mut errors = ValidationErrors::default();
        required(
            &mut errors,
            "business.legal_name",
            business.legal_name.as_ref(),
        );
        required(
            &mut errors,
            "business.registration_number",
            business.registration_number.as_ref(),
        );
        required(&mut errors, "business.country", business.country.as_ref());
        errors.into_result()?;
        let update = UpdateApplicant {
            business: Some(business),
            ..UpdateApplicant::default()
        };
        self.save_profile_step(session, Step::CompanyDetails, update)
            .await
    }

    async fn save_profile_step(
        &self,
        session: &PortalSession,
        step: Step,
        update: UpdateApplicant,
    ) -> Result<(), ServiceError> {
        let services = self.clone();
        let session = session.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let (case, mut progress) = load_for_change(tx, &session).await?;
                        let ctx = RequestContext::new(session.scope.clone(), Actor::Applicant);
                        services
                            .update_applicant_in(tx, &ctx, &case.applicant_id, update)
                            .await?;
                        progress.completed.insert(step);
                        save_progress(tx, &session.scope, &case.id, &progress, now_millis()).await
                    })
                },
            )
            .await
    }

    /// The identity document the applicant will photograph.
    pub async fn portal_choose_identity_document(
        &self,
        session: &PortalSession,
        mut choice: IdentityDocumentChoice,
    ) -> Result<(), ServiceError> {
        let Some(country) = normalize_country(&choice.country) else {
            let mut errors = ValidationErrors::default();
            errors.add(
                "country",
                "invalid_country",
                "choose the country that issued it",
            );
            return Err(errors.into());
        };
        choice.country = country;
        let session = session.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let (case, mut progress) = load_for_change(tx, &session).await?;
                        progress.choose_identity_document(choice);
                        save_progress(tx, &session.scope, &case.id, &progress, now_millis()).await
                    })
                },
            )
            .await
    }

    /// The files of an upload step. Each file is checked and sealed first; then, in one unit,
    /// every file is recorded (counting against the flow's attempts) and the step is done
    /// once each of its slots has a file.
    pub async fn portal_upload(
        &self,
        portal: &PortalCase,
        upload: PortalUpload,
    ) -> Result<Vec<DocumentView>, ServiceError> {
        let step = upload.step;
        let session = &portal.session;
        let ctx = RequestContext::new(session.scope.clone(), Actor::Applicant);
        let slots = portal.progress.slots(step, &portal.flow);
        let mrz_side = portal
            .progress
            .identity_document
            .as_ref()
            .filter(|choice| step == Step::IdentityDocument && choice.document_type.has_mrz())
            .map(|_| "front");
        let front_sent = upload.files.iter().any(|(_, side, _)| side == "front");
        let mrz = upload.mrz.filter(|m| !m.trim().is_empty());
        let mut errors = ValidationErrors::default();
        if upload.files.is_empty() {
            errors.add("file", "missing_file", "choose a file to upload");
        }
        if mrz_side.is_some() && front_sent {
            match mrz.as_deref() {
                None => errors.add(
                    "mrz",
                    "required",
                    "type the lines at the bottom of the document",
                ),
                Some(text)
                    if kycore_checks::mrz::parse(text, datetime_of(now_millis()).date())
                        .is_err() =>
                {
                    errors.add(
                        "mrz",
                        "invalid_mrz",
                        "these lines do not read as a machine-readable zone; check each character",
                    )
                }
                Some(_) => {}
            }
        }
        errors.into_result()?;
        let mut prepared = Vec::new();
        for (document_type, side, file) in upload.files {
            let slot = slots
                .iter()
                .find(|s| s.document_type == document_type && s.side == side)
                .copied()
                .ok_or_else(|| {
                    ServiceError::invalid("invalid_slot", "this step does not take that file")
                })?;
            let new = NewDocument {
                document_type,
                side: Some(side),
                mrz: (mrz_side == Some(slot.side)).then(|| mrz.clone()).flatten(),
                file,
                ..NewDocument::default()
            };
            let document = self
                .prepare_document(&ctx, &session.case_id, new)
                .await
                .map_err(|e| file_errors_as(e, &slot.key()))?;
            prepared.push((slot, document));
        }
        let session = session.clone();
        let flow = portal.flow.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Vec<DocumentView>, ServiceError>> {
                    Box::pin(async move {
                        let (case, mut progress) = load_for_change(tx, &session).await?;
                        let mut views = Vec::new();
                        for (slot, document) in prepared {
                            let view = record_document(tx, &ctx, document).await?;
                            progress.record_upload(&slot, &view.id);
                            views.push(view);
                        }
                        if progress.missing_uploads(step, &flow).is_empty() {
                            progress.completed.insert(step);
                        }
                        save_progress(tx, &session.scope, &case.id, &progress, now_millis())
                            .await?;
                        Ok(views)
                    })
                },
            )
            .await
    }

    /// Replaces the business's related persons. A person whose own verification has started
    /// stays.
    pub async fn portal_save_related_persons(
        &self,
        session: &PortalSession,
        persons: Vec<RelatedPerson>,
    ) -> Result<(), ServiceError> {
        let services = self.clone();
        let session = session.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let (case, mut progress) = load_for_change(tx, &session).await?;
                        let started =
                            related_person_cases::for_parent(tx.conn(), &session.scope, &case.id)
                                .await?;
                        let kept = |id: &str| {
                            persons
                                .iter()
                                .any(|p| p.id.as_ref().is_some_and(|pid| pid.as_str() == id))
                        };
                        if started.iter().any(|c| !kept(&c.related_person_id)) {
                            return Err(ServiceError::conflict(
                                "verification_started",
                                "a person whose verification has started cannot be removed",
                            ));
                        }
                        let ctx = RequestContext::new(session.scope.clone(), Actor::Applicant);
                        let update = UpdateApplicant {
                            related_persons: Some(persons),
                            ..UpdateApplicant::default()
                        };
                        services
                            .update_applicant_in(tx, &ctx, &case.applicant_id, update)
                            .await?;
                        progress.completed.remove(&Step::RelatedPersons);
                        save_progress(tx, &session.scope, &case.id, &progress, now_millis()).await
                    })
                },
            )
            .await
    }

    /// Starts a related person's own KYC case: to be done `here` (returning to the business's
    /// link afterwards) or through a link the applicant passes on.
    pub async fn portal_start_related_case(
        &self,
        portal: &PortalCase,
        related_person_id: &str,
        mode: VerifyMode,
    ) -> Result<RelatedCase, ServiceError> {
        let session = &portal.session;
        let person = portal
            .applicant
            .related_persons
            .iter()
            .find(|p| {
                p.id.as_ref()
                    .is_some_and(|id| id.as_str() == related_person_id)
            })
            .filter(|p| is_verified_role(p.role))
            .ok_or(ServiceError::not_found("related person"))?;
        let mut metadata = Map::new();
        metadata.insert("parent_case_id".into(), Value::from(portal.case_id.clone()));
        metadata.insert("related_person_id".into(), Value::from(related_person_id));
        let input = CreateCase {
            applicant_id: None,
            applicant: Some(CreateApplicant {
                applicant_type: ApplicantType::Individual,
                external_id: None,
                individual: Some(IndividualProfile {
                    first_name: person.first_name.clone(),
                    last_name: person.last_name.clone(),
                    date_of_birth: person.date_of_birth.clone(),
                    nationality: person.nationality.clone(),
                    email: person.email.clone(),
                    ..IndividualProfile::default()
                }),
                business: None,
                related_persons: Vec::new(),
            }),
            kind: CaseKind::Kyc,
            flow_id: None,
            external_id: None,
            redirect_url: (mode == VerifyMode::Here).then(|| portal.verification_url.clone()),
            metadata: Some(metadata),
        };
        let ctx = RequestContext::new(session.scope.clone(), Actor::Applicant);
        let now = now_millis();
        let new_case = self.prepare_case(&ctx, input, now).await?;
        let child_url = self.verification_url(&mint(self.keyring(), &new_case.case));
        let session = session.clone();
        let person_id = related_person_id.to_owned();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<RelatedCase, ServiceError>> {
                    Box::pin(async move {
                        let (case, mut progress) = load_for_change(tx, &session).await?;
                        let child = write_new_case(tx, &ctx, new_case, now).await?;
                        let record = RelatedPersonCaseRecord {
                            parent_case_id: case.id.clone(),
                            related_person_id: person_id.clone(),
                            organization_id: case.organization_id.clone(),
                            environment: case.environment.clone(),
                            case_id: child.id.clone(),
                            mode: mode.as_str().to_owned(),
                            created_at: now,
                        };
                        if !related_person_cases::insert(tx.conn(), &record).await? {
                            return Err(ServiceError::conflict(
                                "verification_started",
                                "this person's verification has already started",
                            ));
                        }
                        progress.completed.remove(&Step::RelatedPersons);
                        save_progress(tx, &session.scope, &case.id, &progress, now).await?;
                        Ok(RelatedCase {
                            related_person_id: person_id,
                            case_id: child.id,
                            mode,
                            status: CaseStatus::Created,
                            verification_url: child_url,
                        })
                    })
                },
            )
            .await
    }

    /// Marks a step done whose data was saved piecemeal (the related persons), after
    /// checking it is complete.
    pub async fn portal_finish_related_persons(
        &self,
        session: &PortalSession,
    ) -> Result<(), ServiceError> {
        let session = session.clone();
        let services = self.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let (case, mut progress) = load_for_change(tx, &session).await?;
                        let applicant =
                            applicants::get(tx.conn(), &session.scope, &case.applicant_id)
                                .await?
                                .ok_or_else(|| corrupt("case without applicant"))?;
                        let persons = open_view(services.keyring(), &applicant)?.related_persons;
                        let started =
                            related_person_cases::for_parent(tx.conn(), &session.scope, &case.id)
                                .await?;
                        related_persons_problems(&persons, &started).into_result()?;
                        progress.completed.insert(Step::RelatedPersons);
                        save_progress(tx, &session.scope, &case.id, &progress, now_millis()).await
                    })
                },
            )
            .await
    }

    /// Submits the case once every step of the round is done.
    pub async fn portal_submit(&self, portal: &PortalCase) -> Result<CaseView, ServiceError> {
        let unfinished = portal.progress.unfinished(&portal.to_do);
        if !unfinished.is_empty() {
            let names: Vec<&str> = unfinished.iter().map(|s| s.as_str()).collect();
            return Err(ServiceError::invalid(
                "steps_unfinished",
                format!("finish these steps first: {}", names.join(", ")),
            ));
        }
        let ctx = RequestContext::new(portal.session.scope.clone(), Actor::Applicant);
        self.submit_case(&ctx, &portal.case_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kycore_domain::ids::RelatedPersonId;

    fn person(id: &str, role: RelatedPersonRole, percent: Option<f64>) -> RelatedPerson {
        RelatedPerson {
            id: Some(RelatedPersonId::from_trusted(id.to_owned())),
            role,
            ownership_percent: percent,
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            date_of_birth: None,
            nationality: None,
            email: None,
        }
    }

    fn started(person_id: &str) -> RelatedPersonCaseRecord {
        RelatedPersonCaseRecord {
            parent_case_id: "case_1".into(),
            related_person_id: person_id.into(),
            organization_id: "org_1".into(),
            environment: "sandbox".into(),
            case_id: "case_2".into(),
            mode: "link".into(),
            created_at: 0,
        }
    }

    fn codes(errors: ValidationErrors) -> Vec<&'static str> {
        errors.into_vec().iter().map(|e| e.code).collect()
    }

    #[test]
    fn related_persons_need_an_owner_or_director_each_verifying() {
        assert_eq!(
            codes(related_persons_problems(&[], &[])),
            ["owner_or_director_required"]
        );
        let persons = [
            person("rp_1", RelatedPersonRole::Ubo, Some(60.0)),
            person("rp_2", RelatedPersonRole::Ubo, Some(50.0)),
            person("rp_3", RelatedPersonRole::Representative, None),
        ];
        assert_eq!(
            codes(related_persons_problems(&persons, &[started("rp_1")])),
            ["ownership_over_100", "verification_not_started"]
        );
        let persons = &persons[..1];
        assert!(related_persons_problems(persons, &[started("rp_1")]).is_empty());
    }
}
