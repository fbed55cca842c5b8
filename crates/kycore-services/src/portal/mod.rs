//! The hosted portal's use cases: a link opened into a session, where the applicant stands
//! in the case's flow, each step saved together with the progress it makes (one unit of
//! work, through the kernel), uploads, the KYC cases of a business's related persons, and
//! submission; related persons' own links e-mailed by a job (`links.rs`) and hand-offs to a
//! phone (`handoff.rs`). The pages themselves are the server crate's.
//!
//! Opening a link changes nothing (mail scanners open links too); the applicant's first step
//! moves the case to `in_progress`. Every change re-opens the case inside its unit and
//! refuses unless the case still waits for its applicant through the session's link, so a
//! replaced link or a submitted case stops an old tab from writing, and a change based on a
//! stale read fails instead of overwriting another tab's.

mod entry;
mod handoff;
mod links;
mod preview;
mod session;
mod zone;

use futures_util::future::BoxFuture;
use kycore_domain::applicant::{
    ApplicantType, BusinessProfile, IndividualProfile, RelatedPerson, RelatedPersonRole,
    normalize_country,
};
use kycore_domain::case::{CaseKind, CaseStatus, Outcome};
use kycore_domain::flow::{FlowDefinition, ReturnParameters, Step};
use kycore_domain::ids::CaseId;
use kycore_domain::progress::{IdentityDocumentChoice, Progress, UploadSlot, steps_to_do};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_domain::validation::ValidationErrors;
use kycore_store::cases::{self, CaseRecord};
use kycore_store::related_person_cases::{self, RelatedPersonCaseRecord};
use kycore_store::{Millis, Tx, applicants};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

pub use self::handoff::Handoff;
pub use self::session::PortalSession;
pub use self::zone::{ReadIdentity, ZoneRead};
use crate::branding::Branding;
use crate::intake::{NewDocument, TypedDetails};
use crate::kernel::applicants::{ApplicantChanges, NewApplicant, open_profile};
use crate::kernel::details::CaseDetails;
use crate::kernel::{self, CaseApplicant, NewCaseRequest, OpenCase};
use crate::record::AuditEntry;
use crate::time_format::{now_millis, today};
use crate::tokens::{self, LinkClaims, TokenError};
use crate::views::{Applicant, Case, Document};
use crate::{Principal, RequestContext, ServiceError, Services};

/// Why a link or session cannot be used. Each gets its own plain-language page.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid")]
    Invalid,
    #[error("this link has expired")]
    Expired,
    #[error("this link has been replaced by a newer one")]
    Revoked,
    /// The link is genuine but was opened naming another organization's or environment's
    /// publishable key.
    #[error("this link belongs to another organization or environment")]
    Foreign,
    /// Storage trouble while checking; the page says "try again later".
    #[error("the link could not be checked right now")]
    Unavailable,
}

impl From<TokenError> for LinkError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Invalid => LinkError::Invalid,
            TokenError::Expired => LinkError::Expired,
        }
    }
}

impl From<ServiceError> for LinkError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound { .. } => LinkError::Invalid,
            other => {
                tracing::warn!(error = %other, "a hosted link could not be checked");
                LinkError::Unavailable
            }
        }
    }
}

/// What the edge that opened a link says the link must belong to: links some integrations
/// build name the environment and the organization's publishable key, which must then be
/// the token's own.
#[derive(Clone, Debug, Default)]
pub struct LinkExpectation {
    pub environment: Option<Environment>,
    pub publishable_key: Option<String>,
}

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
    /// When e-mailing the person their link was last asked for, and when it last went out.
    pub email_requested_at: Option<OffsetDateTime>,
    pub email_sent_at: Option<OffsetDateTime>,
}

/// Whom a related person's case verifies, and for which business, when it is done right
/// now in the business's browser ("verify now, here").
#[derive(Clone, Debug)]
pub struct ActingFor {
    pub person_name: String,
    pub business_name: String,
    /// The business's own hosted link: back to its flow.
    pub back_url: String,
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
    pub applicant: Applicant,
    /// Where the applicant stands; after a resubmission request, with the steps it names
    /// already reopened.
    pub progress: Progress,
    /// This round's steps: the flow's, or those a resubmission asks again.
    pub to_do: Vec<Step>,
    pub documents: Vec<Document>,
    pub related_cases: Vec<RelatedCase>,
    /// Whether related persons' links can be e-mailed (`[smtp]` is configured).
    pub mail_enabled: bool,
    /// Set when this is a related person's case being verified in the business's browser.
    pub acting_for: Option<ActingFor>,
    /// The organization's look, shown on every page.
    pub branding: Branding,
    /// Why steps were reopened, when a resubmission asked for them.
    pub resubmission: Option<Resubmission>,
    /// The MRZ as read from the latest identity document photo, when one was looked at.
    pub zone: Option<ZoneRead>,
    /// Whether this deployment reads the MRZ from photos; if not, the applicant types it.
    pub reads_zones: bool,
}

/// Why a decision asked the applicant to redo steps: the rejection codes of the documents
/// that failed, and the analyst's note when a person asked.
#[derive(Clone, Debug, Default)]
pub struct Resubmission {
    pub steps: Vec<Step>,
    /// Each rejected document's type and its reasons' codes, oldest first.
    pub rejected: Vec<(String, Vec<String>)>,
    pub note: Option<String>,
}

/// Rejection codes the applicant fixes by correcting what they typed, not the document.
const DETAILS_REASONS: [&str; 4] = [
    "document_mismatch",
    "name_mismatch",
    "date_of_birth_mismatch",
    "name_and_date_of_birth_mismatch",
];

impl Resubmission {
    /// The reasons behind reopening `step`, each once: the rejections of the step's own
    /// documents, and for the personal details the identity document's mismatches.
    pub fn reasons_for(&self, step: Step) -> Vec<&str> {
        let mut reasons: Vec<&str> = Vec::new();
        for (document_type, codes) in &self.rejected {
            for code in codes {
                let applies = match step {
                    Step::PersonalDetails => DETAILS_REASONS.contains(&code.as_str()),
                    _ => step_of_document(document_type) == Some(step),
                };
                if applies && !reasons.contains(&code.as_str()) {
                    reasons.push(code);
                }
            }
        }
        reasons
    }
}

/// The step that collects a document type.
fn step_of_document(document_type: &str) -> Option<Step> {
    match document_type {
        t if crate::intake::IDENTITY_DOCUMENT_TYPES.contains(&t) => Some(Step::IdentityDocument),
        "selfie" => Some(Step::Selfie),
        "proof-of-address" => Some(Step::ProofOfAddress),
        "other" => None,
        _ => Some(Step::CompanyDocuments),
    }
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
    pub fn uploaded(&self, slot: &UploadSlot) -> Option<&Document> {
        let id = self.progress.uploads.get(&slot.key())?;
        self.documents.iter().find(|d| &d.id == id)
    }

    /// Uploads left for the slot's type and side; `None` when the flow sets no limit.
    pub fn attempts_left(&self, slot: &UploadSlot) -> Option<u32> {
        let limit = self
            .flow
            .max_attempts_at(crate::intake::collecting_step(slot.document_type));
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

/// An upload from the portal: the files of one step, by slot, with the MRZ typed for an
/// identity document that has one, or its number and expiry date for one that has none.
#[derive(Debug)]
pub struct PortalUpload {
    pub step: Step,
    /// `(document type, side, bytes)` of each file sent.
    pub files: Vec<(String, String, Vec<u8>)>,
    pub mrz: Option<String>,
    pub details: TypedDetails,
}

fn principal_of(session: &PortalSession) -> Principal {
    Principal::ApplicantSession {
        session_id: session.session_id.clone(),
    }
}

/// Inside a unit: the session's case, if it still waits for its applicant through the
/// session's link, with the applicant's round started (the first step moves it to
/// `in_progress`).
async fn open_for_change(
    tx: &mut Tx,
    session: &PortalSession,
    now: Millis,
) -> Result<OpenCase, ServiceError> {
    let mut case = kernel::open_awaiting_applicant(
        tx,
        &session.scope,
        &session.case_id,
        "takes no more changes",
    )
    .await?;
    if case.record().link_token_id != session.link_token_id {
        return Err(ServiceError::conflict(
            "link_replaced",
            "a newer link was issued for this verification",
        ));
    }
    case.start_applicant_round(tx, &principal_of(session), now)
        .await?;
    Ok(case)
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
        let Some(id) = person.id.as_ref().map(ToString::to_string) else {
            continue;
        };
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

fn verify_mode(record: &RelatedPersonCaseRecord) -> Result<VerifyMode, ServiceError> {
    VerifyMode::parse(&record.mode)
        .ok_or_else(|| ServiceError::corrupt(format!("verify mode `{}`", record.mode)))
}

/// A related person's id as a string, for comparisons.
fn person_id(person: &RelatedPerson) -> Option<&str> {
    person.id.as_ref().map(|id| id.as_str())
}

impl Services {
    /// Opens a link into a new session. Nothing about the case changes.
    pub async fn open_portal(
        &self,
        token: &str,
        expected: &LinkExpectation,
    ) -> Result<OpenedPortal, LinkError> {
        let (claims, scope) = tokens::verify::<LinkClaims>(self.keyring(), token, None)?;
        if expected
            .environment
            .is_some_and(|env| env != scope.environment)
        {
            return Err(LinkError::Foreign);
        }
        if let Some(key) = &expected.publishable_key
            && self.publishable_key_of(key, &scope).await?.is_none()
        {
            return Err(LinkError::Foreign);
        }
        let case_id = CaseId::parse(&claims.sub).ok_or(LinkError::Invalid)?;
        let case = cases::get(self.store().reader(), &scope, case_id.as_str())
            .await
            .map_err(ServiceError::from)?
            .ok_or(LinkError::Invalid)?;
        if case.link_token_id != claims.jti {
            return Err(LinkError::Revoked);
        }
        let session = PortalSession::new(scope, &case.id, &claims.jti, claims.exp);
        Ok(OpenedPortal {
            token: session.token(self.keyring())?,
            session,
        })
    }

    /// The `redirect_url` of the case an expired link was for, when the case's flow sends
    /// its visitor back with a gatherer's `info` (then also when the link expired). Nothing
    /// for a link that is not genuine or no longer the case's.
    pub async fn expired_link_redirect(&self, token: &str) -> Option<String> {
        let (claims, scope) =
            tokens::verify_ignoring_expiry::<LinkClaims>(self.keyring(), token, None).ok()?;
        self.info_redirect(&scope, &claims.sub, &claims.jti).await
    }

    /// [`Services::expired_link_redirect`] for a portal session that expired with its link
    /// while the applicant was on a page.
    pub async fn expired_session_redirect(&self, session_token: &str) -> Option<String> {
        let session = PortalSession::verify_ignoring_expiry(self.keyring(), session_token).ok()?;
        self.info_redirect(&session.scope, &session.case_id, &session.link_token_id)
            .await
    }

    /// The `redirect_url` of the case `case_id` while `link_token_id` is still its link, when
    /// the case's flow reports a gatherer's `info`.
    async fn info_redirect(
        &self,
        scope: &Scope,
        case_id: &str,
        link_token_id: &str,
    ) -> Option<String> {
        let case_id = CaseId::parse(case_id)?;
        let reader = self.store().reader();
        let case = cases::get(reader, scope, case_id.as_str()).await.ok()??;
        if case.link_token_id != link_token_id {
            return None;
        }
        let flow = self
            .pinned_flow(scope, &case.flow_id, case.flow_version)
            .await
            .ok()?;
        if flow.return_parameters != ReturnParameters::Info {
            return None;
        }
        let key = self
            .required_applicant_key(reader, scope, &case.applicant_id)
            .await
            .ok()?;
        CaseDetails::open(Some(&key), &case).ok()?.redirect_url
    }

    /// The session behind a cookie, checked against its case: a session whose link was
    /// replaced is refused like the link itself. Reads the case only.
    pub async fn portal_session(&self, session_token: &str) -> Result<PortalSession, LinkError> {
        let session = PortalSession::verify(self.keyring(), session_token)?;
        let case = cases::get(self.store().reader(), &session.scope, &session.case_id)
            .await
            .map_err(ServiceError::from)?
            .ok_or(LinkError::Invalid)?;
        if case.link_token_id != session.link_token_id {
            return Err(LinkError::Revoked);
        }
        Ok(session)
    }

    /// The case behind a session, with all a page needs.
    pub async fn portal_case(&self, session: PortalSession) -> Result<PortalCase, LinkError> {
        let case = cases::get(self.store().reader(), &session.scope, &session.case_id)
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
        let status = kernel::status_of(&case)?;
        let decision = kernel::decision_of(&case)?;
        let kind = CaseKind::parse(&case.kind)
            .ok_or_else(|| ServiceError::corrupt(format!("case kind `{}`", case.kind)))?;
        let flow = self
            .pinned_flow(scope, &case.flow_id, case.flow_version)
            .await?;
        let applicant = applicants::get(reader, scope, &case.applicant_id)
            .await?
            .ok_or_else(|| ServiceError::corrupt("a case without its applicant"))?;
        let key = self
            .required_applicant_key(reader, scope, &case.applicant_id)
            .await?;
        let details = CaseDetails::open(Some(&key), &case)?;
        let mut progress = kernel::read_progress(reader, scope, &case.id).await?;
        // The applicant sees the round a resubmission request opens before taking its first
        // step, which is when the reopening is saved.
        if status == CaseStatus::ResubmissionRequested
            && let Some(decision) = &decision
        {
            progress.reopen(&decision.resubmission_steps);
        }
        let to_do = steps_to_do(&flow, decision.as_ref());
        // One read of the documents gives both their views and what was read from them.
        let records = kycore_store::documents::for_case(reader, scope, &case.id).await?;
        let documents = records
            .iter()
            .map(|d| crate::views::document(d, Some(&key)))
            .collect::<Result<Vec<_>, _>>()?;
        let zone = zone::latest_zone(&key, &records, crate::time_format::today())?;
        let resubmission = decision
            .as_ref()
            .filter(|d| d.outcome == Outcome::ResubmissionRequested && status.awaits_applicant())
            .map(|d| Resubmission {
                steps: d.resubmission_steps.clone(),
                rejected: documents
                    .iter()
                    .filter(|doc| doc.status == "rejected")
                    .map(|doc| {
                        let codes = doc.rejection_reasons.iter().map(|r| r.code.clone());
                        (doc.document_type.clone(), codes.collect())
                    })
                    .collect(),
                note: details.decision_note.as_ref().map(|n| n.note.clone()),
            });
        let mut related_cases = Vec::new();
        for record in related_person_cases::for_parent(reader, scope, &case.id).await? {
            let child = cases::get(reader, scope, &record.case_id)
                .await?
                .ok_or_else(|| ServiceError::corrupt("a related person's case is missing"))?;
            let (email_requested_at, email_sent_at) = links::email_times(&record);
            related_cases.push(RelatedCase {
                mode: verify_mode(&record)?,
                related_person_id: record.related_person_id,
                case_id: record.case_id,
                status: kernel::status_of(&child)?,
                verification_url: self.hosted_link(&child)?.url,
                email_requested_at,
                email_sent_at,
            });
        }
        let applicant = self.applicant_view(&applicant, Some(&key))?;
        let acting_for = self.acting_for(scope, &case.id, &applicant).await?;
        Ok(PortalCase {
            csrf_token: session.csrf_token(self.keyring()),
            case_id: case.id.clone(),
            kind,
            status,
            redirect_url: details.redirect_url,
            verification_url: self.hosted_link(&case)?.url,
            applicant,
            mail_enabled: self.mail_enabled(),
            acting_for,
            documents,
            progress,
            to_do,
            flow,
            related_cases,
            branding: self.branding(scope).await?,
            resubmission,
            zone,
            reads_zones: self.readers().engines().mrz_availability()
                == kycore_vision::EngineAvailability::Available,
            session,
        })
    }

    /// For a related person's case verified "here": whom, for which business, and the way
    /// back to the business's flow.
    async fn acting_for(
        &self,
        scope: &kycore_domain::tenancy::Scope,
        case_id: &str,
        applicant: &Applicant,
    ) -> Result<Option<ActingFor>, ServiceError> {
        let reader = self.store().reader();
        let Some(record) = related_person_cases::of_child(reader, scope, case_id).await? else {
            return Ok(None);
        };
        if verify_mode(&record)? != VerifyMode::Here {
            return Ok(None);
        }
        let parent = cases::get(reader, scope, &record.parent_case_id)
            .await?
            .ok_or_else(|| ServiceError::corrupt("a related person's business case is missing"))?;
        let person = applicant.individual.clone().unwrap_or_default();
        Ok(Some(ActingFor {
            person_name: links::full_name(&person),
            business_name: self.business_name_of(scope, &parent).await?,
            back_url: self.hosted_link(&parent)?.url,
        }))
    }

    /// Whether a form's CSRF token belongs to the session.
    pub fn portal_csrf_matches(&self, session: &PortalSession, presented: &str) -> bool {
        session.csrf_matches(self.keyring(), presented)
    }

    /// One step's change of the session's case, in one unit of work: `change` receives the
    /// case opened for change (its applicant round started) and the applicant's principal;
    /// the case and its progress are saved afterwards.
    async fn portal_change<T, C>(
        &self,
        session: &PortalSession,
        change: C,
    ) -> Result<T, ServiceError>
    where
        C: for<'c> FnOnce(
                &'c mut Tx,
                &'c mut OpenCase,
                &'c Principal,
                Millis,
            ) -> BoxFuture<'c, Result<T, ServiceError>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let session = session.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<T, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let principal = principal_of(&session);
                        let mut case = open_for_change(tx, &session, now).await?;
                        let value = change(tx, &mut case, &principal, now).await?;
                        case.save(tx, now).await?;
                        Ok(value)
                    })
                },
            )
            .await
    }

    pub async fn portal_consent(&self, session: &PortalSession) -> Result<(), ServiceError> {
        self.portal_change(session, |tx, case, principal, now| {
            Box::pin(async move {
                let progress = case.progress(tx).await?;
                let first = progress.consent_at.is_none();
                progress.consent_at.get_or_insert(now);
                progress.completed.insert(Step::Consent);
                if first {
                    let entry = AuditEntry {
                        action: "portal.consent_given",
                        target_type: "case",
                        target_id: case.id(),
                        case_id: Some(case.id()),
                        detail: json!({}),
                    };
                    case.audit(tx, principal, entry, now);
                }
                Ok(())
            })
        })
        .await
    }

    /// Saves the applicant's personal details (the personal details step).
    pub async fn portal_save_individual(
        &self,
        portal: &PortalCase,
        individual: IndividualProfile,
    ) -> Result<(), ServiceError> {
        let address_required = portal.flow.steps().contains(&Step::ProofOfAddress);
        entry::individual_problems(&individual, address_required, today()).into_result()?;
        let changes = ApplicantChanges {
            individual: Some(individual),
            ..ApplicantChanges::default()
        };
        self.save_profile_step(&portal.session, Step::PersonalDetails, changes)
            .await
    }

    /// Saves the business's details (the company details step).
    pub async fn portal_save_business(
        &self,
        portal: &PortalCase,
        business: BusinessProfile,
    ) -> Result<(), ServiceError> {
        entry::business_problems(&business, today()).into_result()?;
        let changes = ApplicantChanges {
            business: Some(business),
            ..ApplicantChanges::default()
        };
        self.save_profile_step(&portal.session, Step::CompanyDetails, changes)
            .await
    }

    async fn save_profile_step(
        &self,
        session: &PortalSession,
        step: Step,
        changes: ApplicantChanges,
    ) -> Result<(), ServiceError> {
        let services = self.clone();
        self.portal_change(session, move |tx, case, principal, now| {
            Box::pin(async move {
                let key = case.applicant_key(tx, &services).await?;
                case.update_applicant(
                    tx,
                    services.applicant_keys_with(&key),
                    principal,
                    changes,
                    now,
                )
                .await?;
                case.progress(tx).await?.completed.insert(step);
                Ok(())
            })
        })
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
        self.portal_change(session, move |tx, case, _, _| {
            Box::pin(async move {
                case.progress(tx).await?.choose_identity_document(choice);
                Ok(())
            })
        })
        .await
    }

    /// The files of an upload step. Each file is checked and sealed first; then, in one unit,
    /// every file is recorded (counting against the flow's attempts) and the step is done
    /// once each of its slots has a file.
    pub async fn portal_upload(
        &self,
        portal: &PortalCase,
        upload: PortalUpload,
    ) -> Result<Vec<Document>, ServiceError> {
        let step = upload.step;
        let session = &portal.session;
        let ctx = RequestContext::new(session.scope.clone(), principal_of(session));
        let slots = portal.progress.slots(step, &portal.flow);
        let identity = portal
            .progress
            .identity_document
            .as_ref()
            .filter(|_| step == Step::IdentityDocument);
        let front_sent = upload.files.iter().any(|(_, side, _)| side == "front");
        let mrz = upload.mrz.filter(|m| !m.trim().is_empty());
        let mut details = upload.details;
        let mut errors = ValidationErrors::default();
        if upload.files.is_empty() {
            errors.add("file", "missing_file", "choose a file to upload");
        }
        // What is read off the document goes with its front.
        let (mrz_side, details_side) = match identity {
            Some(choice) if choice.document_type.has_mrz() => {
                // Where the zone is read from the photo, typing it is the fallback: checked
                // when sent, never required.
                if front_sent && (mrz.is_some() || !portal.reads_zones) {
                    entry::typed_mrz(&mut errors, mrz.as_deref(), today());
                }
                (Some("front"), None)
            }
            Some(_) => {
                if front_sent {
                    entry::typed_details(&mut errors, &mut details, today());
                }
                (None, Some("front"))
            }
            None => (None, None),
        };
        // Every file is checked even when another, or the typed data, was refused: the
        // applicant hears of every problem at once, not one per try.
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
                details: if details_side == Some(slot.side) {
                    details.clone()
                } else {
                    TypedDetails::default()
                },
                file,
                ..NewDocument::default()
            };
            match self.prepare_document(&ctx, &session.case_id, new).await {
                Ok(document) => prepared.push((slot, document)),
                Err(ServiceError::Validation(refused)) => {
                    for e in refused {
                        let field = if e.field == "file" {
                            slot.key()
                        } else {
                            e.field
                        };
                        errors.add(field, e.code, e.message);
                    }
                }
                Err(other) => return Err(other),
            }
        }
        errors.into_result()?;
        let flow = portal.flow.clone();
        self.portal_change(session, move |tx, case, principal, now| {
            Box::pin(async move {
                let mut documents = Vec::new();
                for (slot, document) in prepared {
                    let record = case.record_document(tx, principal, document, now).await?;
                    case.progress(tx).await?.record_upload(&slot, &record.id);
                    // A new upload has no rejection reasons: nothing sealed to open.
                    documents.push(crate::views::document(&record, None)?);
                }
                let progress = case.progress(tx).await?;
                if progress.missing_uploads(step, &flow).is_empty() {
                    progress.completed.insert(step);
                }
                Ok(documents)
            })
        })
        .await
    }

    /// Adds a related person to the business (the owners and directors step).
    pub async fn portal_add_related_person(
        &self,
        session: &PortalSession,
        person: RelatedPerson,
    ) -> Result<(), ServiceError> {
        self.change_related_persons(session, move |persons, _| {
            persons.push(person);
            Ok(())
        })
        .await
    }

    /// Removes a related person; one whose own verification has started stays.
    pub async fn portal_remove_related_person(
        &self,
        session: &PortalSession,
        related_person_id: &str,
    ) -> Result<(), ServiceError> {
        let removed = related_person_id.to_owned();
        self.change_related_persons(session, move |persons, started| {
            if started.iter().any(|c| c.related_person_id == removed) {
                return Err(ServiceError::conflict(
                    "verification_started",
                    "a person whose verification has started cannot be removed",
                ));
            }
            persons.retain(|p| person_id(p) != Some(removed.as_str()));
            Ok(())
        })
        .await
    }

    /// Reads the business's related persons inside the unit, lets `change` edit the list,
    /// and writes it back (refused if another change got there first). The step is to be
    /// confirmed again afterwards.
    async fn change_related_persons<F>(
        &self,
        session: &PortalSession,
        change: F,
    ) -> Result<(), ServiceError>
    where
        F: FnOnce(&mut Vec<RelatedPerson>, &[RelatedPersonCaseRecord]) -> Result<(), ServiceError>
            + Send
            + 'static,
    {
        let services = self.clone();
        self.portal_change(session, move |tx, case, principal, now| {
            Box::pin(async move {
                let scope = case.scope().clone();
                let applicant_id = case.record().applicant_id.clone();
                let applicant = kernel::applicants::load(tx, &scope, &applicant_id).await?;
                let key = case.applicant_key(tx, &services).await?;
                let mut persons = open_profile(Some(&key), &applicant)?.related_persons;
                let started =
                    related_person_cases::for_parent(tx.conn().await?, &scope, case.id()).await?;
                change(&mut persons, &started)?;
                let changes = ApplicantChanges {
                    related_persons: Some(persons),
                    ..ApplicantChanges::default()
                };
                case.update_applicant(
                    tx,
                    services.applicant_keys_with(&key),
                    principal,
                    changes,
                    now,
                )
                .await
                .map_err(as_related_person_errors)?;
                case.progress(tx)
                    .await?
                    .completed
                    .remove(&Step::RelatedPersons);
                Ok(())
            })
        })
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
            .find(|p| person_id(p) == Some(related_person_id))
            .filter(|p| is_verified_role(p.role))
            .ok_or(ServiceError::not_found("related person"))?;
        let mut metadata = Map::new();
        metadata.insert("parent_case_id".into(), Value::from(portal.case_id.clone()));
        metadata.insert("related_person_id".into(), Value::from(related_person_id));
        let request = NewCaseRequest {
            applicant: CaseApplicant::New(Box::new(NewApplicant {
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
            })),
            kind: CaseKind::Kyc,
            flow_id: None,
            external_id: None,
            redirect_url: (mode == VerifyMode::Here).then(|| portal.verification_url.clone()),
            metadata,
            link_lifetime_seconds: None,
        };
        let ctx = RequestContext::new(session.scope.clone(), principal_of(session));
        let new_case = self.prepare_case(&ctx, request, None, now_millis()).await?;
        let child_url = self.hosted_link(&new_case.case)?.url;
        let email = mode == VerifyMode::Link && self.mail_enabled() && person.email.is_some();
        let person_id = related_person_id.to_owned();
        self.portal_change(session, move |tx, case, principal, now| {
            Box::pin(async move {
                let scope = case.scope().clone();
                let child = kernel::write_new_case(tx, principal, &scope, new_case, now);
                let record = RelatedPersonCaseRecord {
                    parent_case_id: case.id().to_owned(),
                    related_person_id: person_id.clone(),
                    organization_id: scope.organization_id.to_string(),
                    environment: scope.environment.as_str().to_owned(),
                    case_id: child.id.clone(),
                    mode: mode.as_str().to_owned(),
                    created_at: now,
                    email_requested_at: None,
                    email_sent_at: None,
                };
                if !related_person_cases::insert(tx.conn().await?, &record).await? {
                    return Err(ServiceError::conflict(
                        "verification_started",
                        "this person's verification has already started",
                    ));
                }
                if email {
                    links::request_link_email(tx, &scope, &child.id, now).await?;
                }
                case.progress(tx)
                    .await?
                    .completed
                    .remove(&Step::RelatedPersons);
                Ok(RelatedCase {
                    related_person_id: person_id,
                    case_id: child.id,
                    mode,
                    status: CaseStatus::Created,
                    verification_url: child_url,
                    email_requested_at: email.then(|| crate::time_format::datetime_of(now)),
                    email_sent_at: None,
                })
            })
        })
        .await
    }

    /// Marks the related persons step done, after checking it is complete.
    pub async fn portal_finish_related_persons(
        &self,
        session: &PortalSession,
    ) -> Result<(), ServiceError> {
        let services = self.clone();
        self.portal_change(session, move |tx, case, _, _| {
            Box::pin(async move {
                let scope = case.scope().clone();
                let applicant_id = case.record().applicant_id.clone();
                let applicant = kernel::applicants::load(tx, &scope, &applicant_id).await?;
                let key = case.applicant_key(tx, &services).await?;
                let persons = open_profile(Some(&key), &applicant)?.related_persons;
                let started =
                    related_person_cases::for_parent(tx.conn().await?, &scope, case.id()).await?;
                related_persons_problems(&persons, &started).into_result()?;
                case.progress(tx)
                    .await?
                    .completed
                    .insert(Step::RelatedPersons);
                Ok(())
            })
        })
        .await
    }

    /// Submits the case once every step of the round is done.
    pub async fn portal_submit(&self, portal: &PortalCase) -> Result<Case, ServiceError> {
        let unfinished = portal.progress.unfinished(&portal.to_do);
        if !unfinished.is_empty() {
            let names: Vec<&str> = unfinished.iter().map(|s| s.as_str()).collect();
            return Err(ServiceError::invalid(
                "steps_unfinished",
                format!("finish these steps first: {}", names.join(", ")),
            ));
        }
        self.portal_change(&portal.session, |tx, case, principal, now| {
            Box::pin(async move { case.submit(tx, principal, now).await })
        })
        .await?;
        self.get_case(&portal.session.scope, &portal.case_id).await
    }
}

/// The domain names a related person's fields by their place in the list; the add form has
/// one person, so its fields go by their own names.
fn as_related_person_errors(error: ServiceError) -> ServiceError {
    match error {
        ServiceError::Validation(errors) => ServiceError::Validation(
            errors
                .into_iter()
                .map(|mut e| {
                    if let Some(field) = e
                        .field
                        .rsplit('.')
                        .next()
                        .filter(|_| e.field.starts_with("related_persons["))
                    {
                        e.field = field.to_owned();
                    }
                    e
                })
                .collect(),
        ),
        other => other,
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
            email_requested_at: None,
            email_sent_at: None,
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
