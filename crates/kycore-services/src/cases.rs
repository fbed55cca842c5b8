//! Cases: creation (with an existing or inline applicant), reads, and every status change —
//! cancel, manual decision, sandbox completion, link reissue, expiry. Status changes all pass
//! through [`apply_action`], which asks the domain state machine, bumps the revision and
//! writes the events and audit entry in the caller's unit of work.

use futures_util::future::BoxFuture;
use kycore_domain::applicant::{ApplicantType, normalize_external_id};
use kycore_domain::case::{
    CaseAction, CaseKind, CaseStatus, Decision, ManualDecision, Outcome, path_to_outcome,
    transition,
};
use kycore_domain::event::EventType;
use kycore_domain::flow::Step;
use kycore_domain::ids::{CaseId, LinkTokenId};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_domain::validation::ValidationErrors;
use kycore_store::cases::{self, CaseFilter, CaseRecord};
use kycore_store::{Millis, Tx, applicants};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::applicants::{CreateApplicant, PreparedApplicant, insert_in, open_view};
use crate::links::mint;
use crate::pagination::{Page, PageRequest};
use crate::record::{AuditEntry, audit, case_event};
use crate::time_format::{datetime_of, now_millis, rfc3339};
use crate::{RequestContext, ServiceError, Services};

const MAX_METADATA_KEYS: usize = 50;
const MAX_METADATA_BYTES: usize = 8 * 1024;
const MAX_URL_LEN: usize = 2048;
const MAX_NOTE_LEN: usize = 2000;

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    /// An existing applicant (`app_…`); or give `applicant` inline instead.
    #[serde(default)]
    pub applicant_id: Option<String>,
    #[serde(default)]
    pub applicant: Option<CreateApplicant>,
    pub kind: CaseKind,
    /// A flow id; the default flow for the kind and the applicant's country when omitted.
    #[serde(default)]
    pub flow_id: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    /// Where the applicant is sent after finishing (http or https).
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// Up to 50 keys of your own data, 8 KB in all.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideCase {
    pub decision: ManualDecision,
    /// Your machine-readable reason, e.g. `document_forged` (`[a-z0-9_.-]`, up to 64).
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// For `request_resubmission`: the steps the applicant redoes (the rest of what they
    /// entered is kept); every data-collecting step of the flow when not given.
    #[serde(default)]
    pub steps: Option<Vec<Step>>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteSandboxCase {
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: String,
    pub environment: Environment,
    pub status: CaseStatus,
    pub kind: CaseKind,
    pub applicant_id: String,
    pub flow_id: String,
    pub flow_version: i64,
    /// Increments on every change.
    pub revision: i64,
    pub external_id: Option<String>,
    pub redirect_url: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// The hosted link to send the applicant.
    pub verification_url: String,
    /// The link's token, for embedding the flow yourself.
    pub token: String,
    /// When the link stops working.
    pub expires_at: String,
    pub decision: Option<Decision>,
    /// The checks run on the case (on `GET /v1/cases/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<crate::processing::CheckView>>,
    /// Possible watchlist matches found for the case's parties (on `GET /v1/cases/{id}`
    /// only); review them with `POST /v1/cases/{id}/screening-hits/{hit_id}/review`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screening_hits: Option<Vec<crate::screening::ScreeningHitView>>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Default)]
pub struct CaseQuery {
    pub status: Option<CaseStatus>,
    pub kind: Option<CaseKind>,
    pub external_id: Option<String>,
    pub applicant_id: Option<String>,
    pub created_from: Option<Millis>,
    pub created_until: Option<Millis>,
}

fn corrupt(what: &str) -> ServiceError {
    ServiceError::Store(kycore_store::StoreError::Corrupt(what.to_owned()))
}

pub(crate) fn status_of(case: &CaseRecord) -> Result<CaseStatus, ServiceError> {
    CaseStatus::parse(&case.status).ok_or_else(|| corrupt("case status"))
}

/// Moves `case` through `action`: the state machine decides, the revision increments, and a
/// `case.status_changed` (plus `case.decided` when a decision is given) and an audit entry are
/// written. The case row is saved only if nobody changed it since it was read.
pub(crate) async fn apply_action(
    tx: &mut Tx,
    ctx: &RequestContext,
    case: &mut CaseRecord,
    action: CaseAction,
    decision: Option<Decision>,
    now: Millis,
) -> Result<(), ServiceError> {
    let from = status_of(case)?;
    let to = transition(from, action)?;
    let expected_revision = case.revision;
    case.status = to.as_str().to_owned();
    case.revision += 1;
    case.updated_at = now;
    if action == CaseAction::OpenLink {
        case.link_opened_at.get_or_insert(now);
    }
    let changed = json!({
        "case_id": case.id, "previous_status": from, "status": to, "revision": case.revision,
    });
    case_event(tx, case, EventType::CaseStatusChanged, changed, now);
    if let Some(decision) = decision {
        let decided = json!({
            "case_id": case.id, "outcome": decision.outcome, "decided_by": decision.decided_by,
            "reason_code": decision.reason_code,
        });
        case.decision = Some(serde_json::to_string(&decision).map_err(|_| corrupt("decision"))?);
        case_event(tx, case, EventType::CaseDecided, decided, now);
    }
    if !cases::update(tx.conn(), case, expected_revision).await? {
        return Err(ServiceError::concurrent_change("case"));
    }
    let action_name = format!("case.{}", action.name());
    let entry = AuditEntry {
        action: &action_name,
        target_type: "case",
        target_id: &case.id,
        detail: json!({ "from": from, "to": to }),
    };
    audit(tx, &ctx.scope, &ctx.actor, entry, now);
    Ok(())
}

/// Loads a case that still waits for its applicant (new details, documents, a new link);
/// any other status is a 409 naming it.
pub(crate) async fn load_awaiting_applicant(
    tx: &mut Tx,
    scope: &Scope,
    id: &str,
    refused: &str,
) -> Result<CaseRecord, ServiceError> {
    let case = load(tx, scope, id).await?;
    if !status_of(&case)?.awaits_applicant() {
        return Err(ServiceError::conflict(
            "case_not_awaiting_applicant",
            format!("a case that is {} {refused}", case.status),
        ));
    }
    Ok(case)
}

/// Saves a case whose only change is what its events advanced (the sequence counter): the
/// revision still increments, so a concurrent change is detected.
pub(crate) async fn save_unchanged_status(
    tx: &mut Tx,
    case: &mut CaseRecord,
    now: Millis,
) -> Result<(), ServiceError> {
    let expected = case.revision;
    case.revision += 1;
    case.updated_at = now;
    if !cases::update(tx.conn(), case, expected).await? {
        return Err(ServiceError::concurrent_change("case"));
    }
    Ok(())
}

/// A validated case (and its inline applicant) ready to be written.
pub(crate) struct NewCase {
    pub case: CaseRecord,
    pub applicant: Option<PreparedApplicant>,
}

/// Writes a prepared case, its applicant when new, the `case.created` event and the audit
/// entry in the caller's unit of work.
pub(crate) async fn write_new_case(
    tx: &mut Tx,
    ctx: &RequestContext,
    new_case: NewCase,
    now: Millis,
) -> Result<CaseRecord, ServiceError> {
    let NewCase {
        mut case,
        applicant,
    } = new_case;
    if let Some(applicant) = &applicant {
        insert_in(tx, ctx, applicant, now).await?;
    }
    let created = json!({
        "case_id": case.id, "applicant_id": case.applicant_id, "kind": case.kind, "status": case.status,
    });
    case_event(tx, &mut case, EventType::CaseCreated, created, now);
    tx.append_case(case.clone());
    let entry = AuditEntry {
        action: "case.created",
        target_type: "case",
        target_id: &case.id,
        detail: json!({ "flow_id": case.flow_id, "flow_version": case.flow_version }),
    };
    audit(tx, &ctx.scope, &ctx.actor, entry, now);
    Ok(case)
}

/// Loads a case of the scope inside a unit of work.
pub(crate) async fn load(tx: &mut Tx, scope: &Scope, id: &str) -> Result<CaseRecord, ServiceError> {
    cases::get(tx.conn(), scope, id)
        .await?
        .ok_or(ServiceError::not_found("case"))
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
    let size = serde_json::to_vec(metadata)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if metadata.len() > MAX_METADATA_KEYS || size > MAX_METADATA_BYTES {
        errors.add(
            "metadata",
            "metadata_too_large",
            format!("at most {MAX_METADATA_KEYS} keys and {MAX_METADATA_BYTES} bytes"),
        );
    }
}

fn validate_decision(input: &mut DecideCase) -> Result<(), ServiceError> {
    let mut errors = ValidationErrors::default();
    if let Some(code) = &input.reason_code {
        let ok = !code.is_empty()
            && code.len() <= 64
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
        if !ok {
            errors.add(
                "reason_code",
                "invalid_format",
                "lower-case letters, digits, `_`, `.` or `-`, up to 64",
            );
        }
    }
    if let Some(note) = input.note.as_mut() {
        *note = note.trim().to_owned();
        if note.chars().count() > MAX_NOTE_LEN {
            errors.add(
                "note",
                "too_long",
                format!("at most {MAX_NOTE_LEN} characters"),
            );
        }
    }
    Ok(errors.into_result()?)
}

impl Services {
    pub(crate) fn case_view(&self, case: &CaseRecord) -> Result<CaseView, ServiceError> {
        let token = mint(self.keyring(), case);
        Ok(CaseView {
            id: case.id.clone(),
            environment: Environment::parse(&case.environment)
                .ok_or_else(|| corrupt("case environment"))?,
            status: status_of(case)?,
            kind: CaseKind::parse(&case.kind).ok_or_else(|| corrupt("case kind"))?,
            applicant_id: case.applicant_id.clone(),
            flow_id: case.flow_id.clone(),
            flow_version: case.flow_version,
            revision: case.revision,
            external_id: case.external_id.clone(),
            redirect_url: case.redirect_url.clone(),
            metadata: serde_json::from_str(&case.metadata).map_err(|_| corrupt("case metadata"))?,
            verification_url: self.verification_url(&token),
            token,
            expires_at: rfc3339(case.link_expires_at),
            decision: case
                .decision
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| corrupt("decision"))?,
            checks: None,
            screening_hits: None,
            created_at: rfc3339(case.created_at),
            updated_at: rfc3339(case.updated_at),
        })
    }

    /// A just-created case: it has no checks yet.
    fn new_case_view(&self, case: &CaseRecord) -> Result<CaseView, ServiceError> {
        let mut view = self.case_view(case)?;
        view.checks = Some(Vec::new());
        view.screening_hits = Some(Vec::new());
        Ok(view)
    }

    /// A case with its checks, read inside the unit that changed it, so the answer (and an
    /// idempotent replay of it) is the same representation `GET /v1/cases/{id}` gives.
    pub(crate) async fn full_case_view(
        &self,
        tx: &mut Tx,
        case: &CaseRecord,
    ) -> Result<CaseView, ServiceError> {
        let mut view = self.case_view(case)?;
        let scope = crate::links::scope_of_case(case);
        let records = kycore_store::checks::for_case(tx.conn(), &scope, &case.id).await?;
        view.checks = Some(
            records
                .into_iter()
                .map(crate::processing::check_view)
                .collect(),
        );
        let hits = kycore_store::screening_hits::list(
            tx.conn(),
            &scope,
            kycore_store::screening_hits::HitsOf::Case(&case.id),
        )
        .await?;
        view.screening_hits = Some(hits.into_iter().map(crate::screening::hit_view).collect());
        Ok(view)
    }

    pub async fn create_case(
        &self,
        ctx: &RequestContext,
        input: CreateCase,
    ) -> Result<CaseView, ServiceError> {
        let now = now_millis();
        let new_case = self.prepare_case(ctx, input, now).await?;
        let services = self.clone();
        let unit_ctx = ctx.clone();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<CaseView, ServiceError>> {
                Box::pin(async move {
                    let case = write_new_case(tx, &unit_ctx, new_case, now).await?;
                    services.new_case_view(&case)
                })
            },
        )
        .await
    }

    /// Validates a new case and resolves its applicant and flow; nothing is written yet.
    pub(crate) async fn prepare_case(
        &self,
        ctx: &RequestContext,
        input: CreateCase,
        now: Millis,
    ) -> Result<NewCase, ServiceError> {
        let mut errors = ValidationErrors::default();
        let mut external_id = input.external_id;
        normalize_external_id(&mut external_id, &mut errors, "external_id");
        let mut redirect_url = input.redirect_url;
        validate_redirect_url(&mut redirect_url, &mut errors);
        let metadata = input.metadata.unwrap_or_default();
        validate_metadata(&metadata, &mut errors);
        errors.into_result()?;

        let expected_type = match input.kind {
            CaseKind::Kyc => ApplicantType::Individual,
            CaseKind::Kyb => ApplicantType::Business,
        };
        let (applicant_id, country, new_applicant) = self
            .case_applicant(ctx, input.applicant_id, input.applicant, expected_type, now)
            .await?;
        let flow = self
            .resolve_flow(
                &ctx.scope,
                input.flow_id.as_deref(),
                input.kind,
                country.as_deref(),
            )
            .await?;

        let case = CaseRecord {
            id: CaseId::generate().to_string(),
            organization_id: ctx.scope.organization_id.to_string(),
            environment: ctx.scope.environment.as_str().to_owned(),
            applicant_id,
            kind: input.kind.as_str().to_owned(),
            flow_id: flow.id.to_string(),
            flow_version: flow.version,
            status: CaseStatus::Created.as_str().to_owned(),
            revision: 1,
            external_id,
            redirect_url,
            metadata: Value::Object(metadata).to_string(),
            link_token_id: LinkTokenId::generate().to_string(),
            link_expires_at: now + i64::from(flow.definition.link_lifetime_seconds) * 1000,
            link_opened_at: None,
            decision: None,
            last_event_seq: 0,
            created_at: now,
            updated_at: now,
        };
        Ok(NewCase {
            case,
            applicant: new_applicant,
        })
    }

    /// The case's applicant: an existing one of the scope, or one given inline (validated
    /// here, written with the case). Also returns the country that picks the default flow.
    async fn case_applicant(
        &self,
        ctx: &RequestContext,
        applicant_id: Option<String>,
        inline: Option<CreateApplicant>,
        expected_type: ApplicantType,
        now: Millis,
    ) -> Result<(String, Option<String>, Option<PreparedApplicant>), ServiceError> {
        let mismatch = || {
            ServiceError::invalid(
                "applicant_type_mismatch",
                format!(
                    "this kind of case needs a{} {} applicant",
                    if expected_type == ApplicantType::Individual {
                        "n"
                    } else {
                        ""
                    },
                    expected_type.as_str()
                ),
            )
        };
        match (applicant_id, inline) {
            (Some(id), None) => {
                let record = applicants::get(self.store().reader(), &ctx.scope, &id)
                    .await?
                    .ok_or(ServiceError::not_found("applicant"))?;
                let view = open_view(self.keyring(), &record)?;
                if view.applicant_type != expected_type {
                    return Err(mismatch());
                }
                let country = primary_country(&view);
                Ok((id, country, None))
            }
            (None, Some(applicant)) => {
                if applicant.applicant_type != expected_type {
                    return Err(mismatch());
                }
                let prepared = applicant
                    .prepare(self.keyring(), &ctx.scope, now)
                    .map_err(|e| match e {
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
                    })?;
                let country = primary_country(&prepared.view);
                Ok((prepared.record.id.clone(), country, Some(prepared)))
            }
            _ => Err(ServiceError::invalid(
                "applicant_required",
                "give exactly one of `applicant_id` and `applicant`",
            )),
        }
    }

    pub async fn get_case(&self, scope: &Scope, id: &str) -> Result<CaseView, ServiceError> {
        let case = cases::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        let mut view = self.case_view(&case)?;
        view.checks = Some(self.case_checks(scope, id).await?);
        view.screening_hits = Some(self.case_screening_hits(scope, id).await?);
        Ok(view)
    }

    pub async fn list_cases(
        &self,
        scope: &Scope,
        query: CaseQuery,
        page: &PageRequest,
    ) -> Result<Page<CaseView>, ServiceError> {
        let limit = page.fetch_limit()?;
        let filter = CaseFilter {
            status: query.status.map(|s| s.as_str().to_owned()),
            kind: query.kind.map(|k| k.as_str().to_owned()),
            external_id: query.external_id,
            applicant_id: query.applicant_id,
            created_from: query.created_from,
            created_until: query.created_until,
            before_id: page.starting_after.clone(),
            limit,
        };
        let rows = cases::list(self.store().reader(), scope, &filter).await?;
        Page::from_rows(rows, limit, |c| c.id.clone(), |c| self.case_view(&c))
    }

    pub async fn cancel_case(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<CaseView, ServiceError> {
        self.change_case(ctx, id, |_| Ok(vec![(CaseAction::Cancel, None)]))
            .await
    }

    /// A person's decision through the API. Re-deciding a final decision (approved ↔
    /// rejected) is allowed and audited as such.
    pub async fn decide_case(
        &self,
        ctx: &RequestContext,
        id: &str,
        mut input: DecideCase,
    ) -> Result<CaseView, ServiceError> {
        validate_decision(&mut input)?;
        let resubmission_steps = match input.decision {
            ManualDecision::RequestResubmission => {
                self.steps_to_redo(&ctx.scope, id, input.steps.take())
                    .await?
            }
            ManualDecision::Approve | ManualDecision::Reject => Vec::new(),
        };
        let now = now_millis();
        self.change_case(ctx, id, move |_| {
            let outcome = match input.decision {
                ManualDecision::Approve => Outcome::Approved,
                ManualDecision::Reject => Outcome::Rejected,
                ManualDecision::RequestResubmission => Outcome::ResubmissionRequested,
            };
            let decision = Decision {
                outcome,
                decided_by: "api".into(),
                reason_code: input.reason_code,
                note: input.note,
                decided_at: datetime_of(now),
                resubmission_steps,
                rules: Vec::new(),
            };
            Ok(vec![(CaseAction::Decide(input.decision), Some(decision))])
        })
        .await
    }

    /// Drives a sandbox case to `outcome` through the same transitions, events and audit as a
    /// real applicant and real checks would.
    pub async fn complete_sandbox_case(
        &self,
        ctx: &RequestContext,
        id: &str,
        input: CompleteSandboxCase,
    ) -> Result<CaseView, ServiceError> {
        if ctx.scope.environment != Environment::Sandbox {
            return Err(ServiceError::not_found("case"));
        }
        let resubmission_steps = match input.outcome {
            Outcome::ResubmissionRequested => self.steps_to_redo(&ctx.scope, id, None).await?,
            _ => Vec::new(),
        };
        let now = now_millis();
        self.change_case(ctx, id, move |status| {
            let actions = path_to_outcome(status, input.outcome)?;
            let decision = Decision {
                outcome: input.outcome,
                decided_by: "sandbox".into(),
                reason_code: Some(format!(
                    "sandbox_{}",
                    serde_json::to_value(input.outcome)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                )),
                note: None,
                decided_at: datetime_of(now),
                resubmission_steps,
                rules: Vec::new(),
            };
            let last = actions.len().saturating_sub(1);
            Ok(actions
                .into_iter()
                .enumerate()
                .map(|(i, action)| (action, (i == last).then(|| decision.clone())))
                .collect())
        })
        .await
    }

    /// Issues a new hosted link for a case still waiting for its applicant; the previous link
    /// stops working.
    pub async fn reissue_link(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<CaseView, ServiceError> {
        let current = cases::get(self.store().reader(), &ctx.scope, id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        let flow = self
            .pinned_flow(&ctx.scope, &current.flow_id, current.flow_version)
            .await?;
        let lifetime = i64::from(flow.link_lifetime_seconds) * 1000;
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let id = id.to_owned();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<CaseView, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = load_awaiting_applicant(
                        tx,
                        &unit_ctx.scope,
                        &id,
                        "has no use for a new link",
                    )
                    .await?;
                    let expected_revision = case.revision;
                    case.link_token_id = LinkTokenId::generate().to_string();
                    case.link_expires_at = now + lifetime;
                    case.revision += 1;
                    case.updated_at = now;
                    if !cases::update(tx.conn(), &case, expected_revision).await? {
                        return Err(ServiceError::concurrent_change("case"));
                    }
                    let entry = AuditEntry {
                        action: "case.link_reissued",
                        target_type: "case",
                        target_id: &case.id,
                        detail: json!({}),
                    };
                    audit(tx, &unit_ctx.scope, &unit_ctx.actor, entry, now);
                    services.full_case_view(tx, &case).await
                })
            },
        )
        .await
    }

    /// The steps a resubmission request asks again: those given (each must be a data step of
    /// the case's flow), or all of them.
    async fn steps_to_redo(
        &self,
        scope: &Scope,
        id: &str,
        requested: Option<Vec<Step>>,
    ) -> Result<Vec<Step>, ServiceError> {
        let case = cases::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        let redoable = self
            .pinned_flow(scope, &case.flow_id, case.flow_version)
            .await?
            .data_steps();
        let Some(steps) = requested else {
            return Ok(redoable);
        };
        let mut errors = ValidationErrors::default();
        if steps.is_empty() {
            errors.add("steps", "empty", "name at least one step to redo");
        }
        for (i, step) in steps.iter().enumerate() {
            if !redoable.contains(step) {
                errors.add(
                    format!("steps[{i}]"),
                    "step_not_in_flow",
                    format!("`{}` is not a data step of this case's flow", step.as_str()),
                );
            }
        }
        errors.into_result()?;
        Ok(steps)
    }

    /// Applies the actions `plan` chooses for the case's current status, in one unit of work.
    async fn change_case<P>(
        &self,
        ctx: &RequestContext,
        id: &str,
        plan: P,
    ) -> Result<CaseView, ServiceError>
    where
        P: FnOnce(CaseStatus) -> Result<Vec<(CaseAction, Option<Decision>)>, ServiceError>
            + Send
            + 'static,
    {
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let id = id.to_owned();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<CaseView, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = load(tx, &unit_ctx.scope, &id).await?;
                    for (action, decision) in plan(status_of(&case)?)? {
                        apply_action(tx, &unit_ctx, &mut case, action, decision, now).await?;
                    }
                    services.full_case_view(tx, &case).await
                })
            },
        )
        .await
    }

    /// Expires every case whose link lifetime passed before submission, up to `limit`;
    /// returns how many were due.
    pub(crate) async fn expire_due_cases(&self, limit: i64) -> Result<usize, ServiceError> {
        let due = cases::due_for_expiry(self.store().reader(), now_millis(), limit).await?;
        for case in &due {
            self.expire_case(&crate::links::scope_of_case(case), &case.id)
                .await?;
        }
        Ok(due.len())
    }

    async fn expire_case(&self, scope: &Scope, id: &str) -> Result<(), ServiceError> {
        let ctx = RequestContext::new(scope.clone(), crate::Actor::System);
        let id = id.to_owned();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let mut case = load(tx, &ctx.scope, &id).await?;
                        // Re-checked inside the unit: a new link or a submission may have come first.
                        let expirable = transition(status_of(&case)?, CaseAction::Expire).is_ok();
                        if case.link_expires_at <= now && expirable {
                            apply_action(tx, &ctx, &mut case, CaseAction::Expire, None, now)
                                .await?;
                        }
                        Ok(())
                    })
                },
            )
            .await
    }
}

fn primary_country(view: &crate::applicants::ApplicantView) -> Option<String> {
    let profile = kycore_domain::applicant::ApplicantProfile {
        individual: view.individual.clone(),
        business: view.business.clone(),
        related_persons: Vec::new(),
    };
    profile.primary_country().map(str::to_owned)
}
