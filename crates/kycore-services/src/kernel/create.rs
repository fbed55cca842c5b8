//! New cases: validated and resolved (applicant, flow, link) before the unit of work, then
//! written with their applicant when it is new, the `case.created` event and the audit
//! entry.

use kycore_domain::applicant::{ApplicantType, normalize_external_id};
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::event::EventType;
use kycore_domain::flow::check_link_lifetime;
use kycore_domain::ids::{CaseId, LinkTokenId};
use kycore_domain::tenancy::Scope;
use kycore_domain::validation::ValidationErrors;
use kycore_store::cases::CaseRecord;
use kycore_store::{Millis, Tx, applicants};
use serde_json::{Map, Value, json};

use super::applicants::{NewApplicant, PreparedApplicant, open_profile, type_of};
use super::details::CaseDetails;
use crate::crypto::DataKey;
use crate::record::{self, AuditEntry};
use crate::{Principal, RequestContext, ServiceError, Services};

const MAX_METADATA_KEYS: usize = 50;
const MAX_METADATA_BYTES: usize = 8 * 1024;
const MAX_URL_LEN: usize = 2048;

/// Who a new case is for.
#[derive(Clone, Debug)]
pub enum CaseApplicant {
    /// An applicant of the scope (`app_…`).
    Existing(String),
    /// A new applicant, written with the case.
    New(Box<NewApplicant>),
}

/// A case to create.
#[derive(Clone, Debug)]
pub struct NewCaseRequest {
    pub applicant: CaseApplicant,
    pub kind: CaseKind,
    /// A flow id; the default flow for the kind and the applicant's country when omitted.
    pub flow_id: Option<String>,
    pub external_id: Option<String>,
    /// Where the applicant is sent after finishing (http or https).
    pub redirect_url: Option<String>,
    /// Up to 50 keys of the platform's own data, 8 KB in all.
    pub metadata: Map<String, Value>,
    /// How long the hosted link stays valid, when not the flow's own lifetime (a vendor's
    /// dialect promises its own, e.g. VOVE's 24 hours); within the flows' allowed range.
    pub link_lifetime_seconds: Option<u32>,
}

/// What a platform attached to a case, to replace: each field given replaces the stored one.
#[derive(Clone, Debug, Default)]
pub struct CaseAttachments {
    /// Where the applicant is sent after finishing; `Some(None)` removes it.
    pub redirect_url: Option<Option<String>>,
    /// The whole metadata, within the limits of a new case's.
    pub metadata: Option<Map<String, Value>>,
}

impl CaseAttachments {
    /// Normalizes and checks the attachments as a new case's are.
    pub(crate) fn validate(&mut self) -> Result<(), ServiceError> {
        let mut errors = ValidationErrors::default();
        if let Some(redirect_url) = self.redirect_url.as_mut() {
            validate_redirect_url(redirect_url, &mut errors);
        }
        if let Some(metadata) = &self.metadata {
            validate_metadata(metadata, &mut errors);
        }
        Ok(errors.into_result()?)
    }
}

/// A validated case (and its new applicant) ready to be written.
pub(crate) struct NewCase {
    pub case: CaseRecord,
    pub applicant: Option<PreparedApplicant>,
    /// The applicant's data key, which seals the case's details.
    pub key: DataKey,
}

fn validate_redirect_url(url: &mut Option<String>, errors: &mut ValidationErrors) {
    let Some(u) = url.as_mut() else { return };
    *u = u.trim().to_owned();
    let scheme_ok = u.starts_with("https://") || u.starts_with("http://");
    let has_host = u
        .split("://")
        .nth(1)
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if !scheme_ok
        || !has_host
        || u.len() > MAX_URL_LEN
        || u.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        errors.add(
            "redirect_url",
            "invalid_url",
            "an absolute http(s) URL of at most 2048 characters",
        );
    }
}

fn validate_metadata(metadata: &Map<String, Value>, errors: &mut ValidationErrors) {
    let too_big = serde_json::to_vec(metadata).map_or(true, |v| v.len() > MAX_METADATA_BYTES);
    if metadata.len() > MAX_METADATA_KEYS || too_big {
        errors.add(
            "metadata",
            "metadata_too_large",
            format!("at most {MAX_METADATA_KEYS} keys and {MAX_METADATA_BYTES} bytes"),
        );
    }
}

/// Names an inline applicant's fields after their place in the request.
fn as_inline_applicant(error: ServiceError) -> ServiceError {
    match error {
        ServiceError::Validation(errors) => ServiceError::Validation(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = format!("applicant.{}", e.field);
                    e
                })
                .collect(),
        ),
        other => other,
    }
}

impl Services {
    /// Validates a new case and resolves its applicant and flow; nothing is written yet.
    /// `webhook_url` is the case's own webhook receiver, if the platform names one.
    pub(crate) async fn prepare_case(
        &self,
        ctx: &RequestContext,
        request: NewCaseRequest,
        webhook_url: Option<String>,
        now: Millis,
    ) -> Result<NewCase, ServiceError> {
        let mut errors = ValidationErrors::default();
        let mut external_id = request.external_id;
        normalize_external_id(&mut external_id, &mut errors, "external_id");
        let mut redirect_url = request.redirect_url;
        validate_redirect_url(&mut redirect_url, &mut errors);
        let webhook_url = webhook_url.map(|url| url.trim().to_owned());
        if let Some(url) = &webhook_url {
            self.check_case_webhook_url(url, &mut errors);
        }
        validate_metadata(&request.metadata, &mut errors);
        if let Some(seconds) = request.link_lifetime_seconds {
            check_link_lifetime(seconds, &mut errors);
        }
        errors.into_result()?;

        let expected_type = match request.kind {
            CaseKind::Kyc => ApplicantType::Individual,
            CaseKind::Kyb => ApplicantType::Business,
        };
        let resolved = self
            .case_applicant(&ctx.scope, request.applicant, expected_type, now)
            .await?;
        let flow = self
            .resolve_flow(
                &ctx.scope,
                request.flow_id.as_deref(),
                request.kind,
                resolved.country.as_deref(),
            )
            .await?;
        let id = CaseId::generate().to_string();
        let details = CaseDetails {
            metadata: request.metadata,
            redirect_url,
            webhook_url,
            decision_note: None,
        };
        let case = CaseRecord {
            sealed: Some(details.seal(&resolved.key, &id)?),
            id,
            organization_id: ctx.scope.organization_id.to_string(),
            environment: ctx.scope.environment.as_str().to_owned(),
            applicant_id: resolved.id,
            kind: request.kind.as_str().to_owned(),
            flow_id: flow.id.to_string(),
            flow_version: flow.version,
            status: CaseStatus::Created.as_str().to_owned(),
            revision: 1,
            external_id,
            link_token_id: LinkTokenId::generate().to_string(),
            link_expires_at: now
                + i64::from(
                    request
                        .link_lifetime_seconds
                        .unwrap_or(flow.definition.link_lifetime_seconds),
                ) * 1000,
            link_opened_at: None,
            decision: None,
            closed_at: None,
            redacted_at: None,
            submitted_at: None,
            first_approved_by: None,
            first_approved_at: None,
            assigned_to: None,
            last_event_seq: 0,
            created_at: now,
            updated_at: now,
        };
        Ok(NewCase {
            case,
            applicant: resolved.new,
            key: resolved.key,
        })
    }

    /// The case's applicant: an existing one of the scope, or a new one (validated here,
    /// written with the case).
    async fn case_applicant(
        &self,
        scope: &Scope,
        applicant: CaseApplicant,
        expected_type: ApplicantType,
        now: Millis,
    ) -> Result<ResolvedApplicant, ServiceError> {
        let mismatch = || {
            let article = if expected_type == ApplicantType::Individual {
                "an"
            } else {
                "a"
            };
            ServiceError::invalid(
                "applicant_type_mismatch",
                format!(
                    "this kind of case needs {article} {} applicant",
                    expected_type.as_str()
                ),
            )
        };
        match applicant {
            CaseApplicant::Existing(id) => {
                let record = applicants::get(self.store().reader(), scope, &id)
                    .await?
                    .ok_or(ServiceError::not_found("applicant"))?;
                if type_of(&record)? != expected_type {
                    return Err(mismatch());
                }
                let key = self
                    .required_applicant_key(self.store().reader(), scope, &id)
                    .await?;
                let country = open_profile(Some(&key), &record)?
                    .primary_country()
                    .map(str::to_owned);
                Ok(ResolvedApplicant {
                    id,
                    country,
                    key,
                    new: None,
                })
            }
            CaseApplicant::New(applicant) => {
                if applicant.applicant_type != expected_type {
                    return Err(mismatch());
                }
                let prepared = (*applicant)
                    .prepare(self.keyring(), scope, now)
                    .map_err(as_inline_applicant)?;
                Ok(ResolvedApplicant {
                    id: prepared.record.id.clone(),
                    country: prepared.profile.primary_country().map(str::to_owned),
                    key: prepared.key.clone(),
                    new: Some(prepared),
                })
            }
        }
    }
}

/// A new case's applicant, found or prepared.
struct ResolvedApplicant {
    id: String,
    /// The country that picks the default flow.
    country: Option<String>,
    key: DataKey,
    new: Option<PreparedApplicant>,
}

/// Writes a prepared case, its applicant when new, the `case.created` event and the audit
/// entry in the caller's unit of work.
pub(crate) fn write_new_case(
    tx: &mut Tx,
    principal: &Principal,
    scope: &Scope,
    new_case: NewCase,
    now: Millis,
) -> CaseRecord {
    let NewCase {
        mut case,
        applicant,
        key: _,
    } = new_case;
    if let Some(applicant) = &applicant {
        super::applicants::insert(tx, principal, scope, applicant, now);
    }
    case.last_event_seq = 1;
    let created = json!({
        "case_id": case.id, "applicant_id": case.applicant_id, "kind": case.kind,
        "status": case.status,
    });
    tx.append_event(record::event(
        scope,
        EventType::CaseCreated,
        Some((&case.id, 1)),
        Some(&case.applicant_id),
        created,
        now,
    ));
    tx.append_case(case.clone());
    let entry = AuditEntry {
        action: "case.created",
        target_type: "case",
        target_id: &case.id,
        case_id: Some(&case.id),
        detail: json!({ "flow_id": case.flow_id, "flow_version": case.flow_version }),
    };
    record::audit(tx, scope, principal, entry, now);
    case
}
