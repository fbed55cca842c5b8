//! Cases, as a platform drives them: creation (for an existing or a new applicant), reads,
//! details and submission for platforms that collect data themselves, and every change a
//! platform or the sandbox asks for — cancel, manual decision, sandbox completion, a new
//! hosted link — plus expiry. Every change goes through the case kernel.

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use kycore_domain::case::{
    CaseAction, CaseKind, CaseStatus, Decision, ManualDecision, Outcome, path_to_outcome,
    transition,
};
use kycore_domain::check::CheckStatus;
use kycore_domain::flow::{Step, check_link_lifetime};
use kycore_domain::rules::RuleOutcome;
use kycore_domain::tenancy::{Environment, Scope};
use kycore_domain::validation::ValidationErrors;
use kycore_store::applicants;
use kycore_store::cases::{self, CaseFilter, CaseSearch};
use kycore_store::{Millis, Tx};
use serde_json::json;

use crate::crypto::Keyring;
use crate::kernel::applicants::ApplicantChanges;
use crate::kernel::{self, CaseApplicant, CaseAttachments, NewCaseRequest, OpenCase};
use crate::pagination::{Numbered, Page, PageRequest, Window};
use crate::record::{self, AuditEntry};
use crate::time_format::{datetime_of, now_millis};
use crate::views::Case;
use crate::{RequestContext, ServiceError, Services, SystemComponent};

const MAX_NOTE_LEN: usize = 2000;

/// A person's decision on a case (an analyst, or the platform through an API).
#[derive(Clone, Debug)]
pub struct DecisionRequest {
    pub decision: ManualDecision,
    /// The platform's machine-readable reason, e.g. `document_forged` (`[a-z0-9_.-]`, up to
    /// 64).
    pub reason_code: Option<String>,
    pub note: Option<String>,
    /// For `request_resubmission`: the steps the applicant redoes (the rest of what they
    /// entered is kept); every data-collecting step of the flow when not given.
    pub steps: Option<Vec<Step>>,
    /// The revision the person saw (the console's page): when the case has changed since,
    /// nothing is written and the decision fails with `stale_revision`.
    pub expected_revision: Option<i64>,
}

/// Which cases the review queue shows; a filter left empty does not narrow it.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    pub status: Option<CaseStatus>,
    pub kind: Option<CaseKind>,
    /// Only cases pinned to this flow.
    pub flow_id: Option<String>,
    /// The platform's own id of the case, or words of the applicant's name or e-mail (found
    /// through the applicants' blind index, every word needed).
    pub search: Option<String>,
    pub created_from: Option<Millis>,
    pub created_until: Option<Millis>,
    /// Only the cases assigned to this principal id.
    pub assigned_to: Option<String>,
}

/// What a queue row shows besides the case: the signals that call for a closer look.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskSignals {
    /// Screening hits nobody has reviewed yet.
    pub open_hits: usize,
    /// Checks of the latest round that failed, by kind.
    pub failed_checks: Vec<String>,
    /// The latest duplicate check found another applicant with the same document or data.
    pub duplicate: bool,
    /// Documents rejected (by the checks or a person).
    pub rejected_documents: usize,
}

/// A row of the review queue.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub case: Case,
    pub signals: RiskSignals,
}

/// Which cases a listing shows.
#[derive(Clone, Debug, Default)]
pub struct CaseQuery {
    /// Any of these statuses; every status when empty.
    pub statuses: Vec<CaseStatus>,
    pub kind: Option<CaseKind>,
    pub flow_id: Option<String>,
    pub external_id: Option<String>,
    pub applicant_id: Option<String>,
    pub created_from: Option<Millis>,
    pub created_until: Option<Millis>,
    /// Only cases assigned to this principal id.
    pub assigned_to: Option<String>,
    /// Only each applicant's newest case of its kind (for listings of applicants by their
    /// current case).
    pub newest_per_applicant: bool,
    /// A search box's text: the case's external id, or words of the applicant's name or
    /// e-mail (every word needed), found through the applicants' blind index.
    pub search: Option<String>,
}

/// The store's filter for a listing; a search's words become blind-index tokens of the scope.
fn case_filter(keyring: &Keyring, scope: &Scope, query: CaseQuery, limit: i64) -> CaseFilter {
    let search = query.search.map(|text| CaseSearch {
        name_tokens: kernel::applicants::search_tokens(keyring, scope, &text),
        external_id: text,
    });
    CaseFilter {
        statuses: query
            .statuses
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        kind: query.kind.map(|k| k.as_str().to_owned()),
        flow_id: query.flow_id,
        external_id: query.external_id,
        search,
        applicant_id: query.applicant_id,
        created_from: query.created_from,
        created_until: query.created_until,
        assigned_to: query.assigned_to,
        newest_per_applicant: query.newest_per_applicant,
        before_id: None,
        limit,
    }
}

fn validate_decision(input: &mut DecisionRequest) -> Result<(), ServiceError> {
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
        // The limit counts the note as sent, as the API's schema states it.
        let too_long = note.chars().count() > MAX_NOTE_LEN;
        *note = note.trim().to_owned();
        if too_long {
            errors.add(
                "note",
                "too_long",
                format!("at most {MAX_NOTE_LEN} characters"),
            );
        }
    }
    Ok(errors.into_result()?)
}

/// What a sandbox completion's decision is called, e.g. `sandbox_approved`.
fn sandbox_reason(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Approved => "sandbox_approved",
        Outcome::Rejected => "sandbox_rejected",
        Outcome::InReview => "sandbox_in_review",
        Outcome::ResubmissionRequested => "sandbox_resubmission_requested",
    }
}

/// The statuses in which a case waits for its applicant.
const AWAITING_APPLICANT: [CaseStatus; 3] = [
    CaseStatus::Created,
    CaseStatus::InProgress,
    CaseStatus::ResubmissionRequested,
];

/// How long a case the applicant started stays open after its link expired: a new link
/// (`POST /v1/cases/{id}/link`) resumes it where they stopped; then it expires.
pub const STARTED_CASE_GRACE: Millis = 7 * 24 * 60 * 60 * 1000;

impl Services {
    pub async fn create_case(
        &self,
        ctx: &RequestContext,
        request: NewCaseRequest,
    ) -> Result<Case, ServiceError> {
        self.create_case_reporting_to(ctx, request, None).await
    }

    /// A new case whose webhooks go to `webhook_url` — for the endpoints whose format
    /// addresses a case's own receiver (a vendor's API that names one per request, as
    /// Provide's `params.webhook_url` does) — instead of the endpoint's URL. The URL's form
    /// is checked now, its addresses at every delivery, like an endpoint's.
    pub async fn create_case_reporting_to(
        &self,
        ctx: &RequestContext,
        request: NewCaseRequest,
        webhook_url: Option<String>,
    ) -> Result<Case, ServiceError> {
        let now = now_millis();
        let new_case = self.prepare_case(ctx, request, webhook_url, now).await?;
        let services = self.clone();
        let unit_ctx = ctx.clone();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<Case, ServiceError>> {
                Box::pin(async move {
                    let key = new_case.key.clone();
                    let case = kernel::write_new_case(
                        tx,
                        &unit_ctx.principal,
                        &unit_ctx.scope,
                        new_case,
                        now,
                    );
                    // A new case has none of what a full view lists: the same shape, empty.
                    let mut view = services.case_view(&case, Some(&key))?;
                    view.checks = Some(Vec::new());
                    view.screening_hits = Some(Vec::new());
                    view.related_cases = Some(Vec::new());
                    Ok(view)
                })
            },
        )
        .await
    }

    /// The applicant's newest case that still awaits them (created, in progress, or asked to
    /// resubmit), else a new one from `request`: for APIs whose "start a verification" hands
    /// back the open session instead of starting a second. The check and the creation are
    /// one unit under a lock on the applicant, so concurrent calls share one case. The flag
    /// says whether the case is new.
    pub async fn awaiting_or_new_case(
        &self,
        ctx: &RequestContext,
        request: NewCaseRequest,
    ) -> Result<(Case, bool), ServiceError> {
        let CaseApplicant::Existing(applicant_id) = request.applicant.clone() else {
            return Err(ServiceError::internal(
                "awaiting_or_new_case needs an existing applicant",
            ));
        };
        let now = now_millis();
        let new_case = self.prepare_case(ctx, request, None, now).await?;
        let services = self.clone();
        let ctx = ctx.clone();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(Case, bool), ServiceError>> {
                    Box::pin(async move {
                        let backend = tx.backend();
                        applicants::lock(tx.conn().await?, backend, &ctx.scope, &applicant_id)
                            .await?;
                        let awaiting = CaseFilter {
                            applicant_id: Some(applicant_id),
                            statuses: AWAITING_APPLICANT
                                .iter()
                                .map(|s| s.as_str().to_owned())
                                .collect(),
                            limit: 1,
                            ..CaseFilter::default()
                        };
                        let key = new_case.key.clone();
                        let open = cases::list(tx.conn().await?, &ctx.scope, &awaiting).await?;
                        if let Some(record) = open.into_iter().next() {
                            return Ok((services.case_view(&record, Some(&key))?, false));
                        }
                        let case =
                            kernel::write_new_case(tx, &ctx.principal, &ctx.scope, new_case, now);
                        Ok((services.case_view(&case, Some(&key))?, true))
                    })
                },
            )
            .await
    }

    pub async fn get_case(&self, scope: &Scope, id: &str) -> Result<Case, ServiceError> {
        let mut conn = self
            .store()
            .reader()
            .acquire()
            .await
            .map_err(kycore_store::StoreError::from)?;
        let record = cases::get(&mut *conn, scope, id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        self.full_case_view(&mut conn, &record).await
    }

    pub async fn list_cases(
        &self,
        scope: &Scope,
        query: CaseQuery,
        page: &PageRequest,
    ) -> Result<Page<Case>, ServiceError> {
        let limit = page.fetch_limit()?;
        let filter = CaseFilter {
            before_id: page.starting_after.clone(),
            ..case_filter(self.keyring(), scope, query, limit)
        };
        let rows = cases::list(self.store().reader(), scope, &filter).await?;
        let keys = self
            .applicant_keys(
                self.store().reader(),
                scope,
                rows.iter().map(|c| c.applicant_id.as_str()),
            )
            .await?;
        Page::from_rows(
            rows,
            limit,
            |c| c.id.clone(),
            |c| self.case_view(&c, keys.of(&c.applicant_id)),
        )
    }

    /// Cases by position, newest first, with how many the query selects: for the vendors'
    /// dialects, which number their pages.
    pub async fn list_cases_numbered(
        &self,
        scope: &Scope,
        query: CaseQuery,
        window: Window,
    ) -> Result<Numbered<Case>, ServiceError> {
        let (limit, offset) = window.bounds()?;
        let filter = case_filter(self.keyring(), scope, query, limit);
        let reader = self.store().reader();
        let total = cases::count(reader, scope, &filter).await?;
        let rows = if limit == 0 {
            Vec::new()
        } else {
            cases::list_window(reader, scope, &filter, offset).await?
        };
        let keys = self
            .applicant_keys(reader, scope, rows.iter().map(|c| c.applicant_id.as_str()))
            .await?;
        let data = rows
            .iter()
            .map(|c| self.case_view(c, keys.of(&c.applicant_id)))
            .collect::<Result<_, _>>()?;
        Numbered::counted(data, total)
    }

    /// The console's review queue with each row's risk signals (see [`Self::queue_cases`]).
    pub async fn review_queue(
        &self,
        scope: &Scope,
        filter: QueueFilter,
        limit: u32,
    ) -> Result<Vec<QueueRow>, ServiceError> {
        let queue = self.queue_cases(scope, filter, limit).await?;
        let mut signals = self.risk_signals(scope, &queue).await?;
        Ok(queue
            .into_iter()
            .map(|case| QueueRow {
                signals: signals.remove(&case.id).unwrap_or_default(),
                case,
            })
            .collect())
    }

    /// The review queue's cases in its order: waiting for a person (`in_review`) first, then
    /// the rest, each group oldest first; only those the filter selects. At most `limit`.
    pub async fn queue_cases(
        &self,
        scope: &Scope,
        filter: QueueFilter,
        limit: u32,
    ) -> Result<Vec<Case>, ServiceError> {
        let groups: Vec<Vec<CaseStatus>> = match filter.status {
            Some(status) => vec![vec![status]],
            None => vec![
                vec![CaseStatus::InReview],
                CaseStatus::ALL
                    .into_iter()
                    .filter(|s| *s != CaseStatus::InReview)
                    .collect(),
            ],
        };
        let mut queue = Vec::new();
        for statuses in groups {
            let room = limit.saturating_sub(u32::try_from(queue.len()).unwrap_or(u32::MAX));
            if room == 0 {
                break;
            }
            let query = || CaseQuery {
                statuses: statuses.clone(),
                kind: filter.kind,
                flow_id: filter.flow_id.clone(),
                search: filter.search.clone(),
                created_from: filter.created_from,
                created_until: filter.created_until,
                assigned_to: filter.assigned_to.clone(),
                ..CaseQuery::default()
            };
            // Listings are newest first: the oldest `room` cases are the last window.
            let total = self
                .list_cases_numbered(
                    scope,
                    query(),
                    Window {
                        offset: 0,
                        limit: 0,
                    },
                )
                .await?
                .total;
            let offset = total.saturating_sub(u64::from(room));
            let mut oldest = self
                .list_cases_numbered(
                    scope,
                    query(),
                    Window {
                        offset,
                        limit: room,
                    },
                )
                .await?
                .data;
            oldest.reverse();
            queue.extend(oldest);
        }
        Ok(queue)
    }

    /// Each case's risk signals, read for all of them at once.
    async fn risk_signals(
        &self,
        scope: &Scope,
        cases: &[Case],
    ) -> Result<HashMap<String, RiskSignals>, ServiceError> {
        let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        let reader = self.store().reader();
        let mut signals: HashMap<String, RiskSignals> = HashMap::new();
        // Oldest first: a later check of a kind replaces an earlier round's.
        let mut latest: HashMap<(String, String), String> = HashMap::new();
        for check in kycore_store::checks::for_cases(reader, scope, &ids).await? {
            latest.insert((check.case_id, check.kind), check.status);
        }
        for ((case_id, kind), status) in latest {
            let entry = signals.entry(case_id).or_default();
            if status == CheckStatus::Failed.as_str() {
                entry.duplicate |= kind == "duplicate_applicant";
                entry.failed_checks.push(kind);
            }
        }
        for hit in kycore_store::screening_hits::for_cases(reader, scope, &ids).await? {
            if hit.status == "open" {
                signals.entry(hit.case_id).or_default().open_hits += 1;
            }
        }
        for document in kycore_store::documents::for_cases(reader, scope, &ids).await? {
            if document.status == "rejected" {
                signals
                    .entry(document.case_id)
                    .or_default()
                    .rejected_documents += 1;
            }
        }
        for entry in signals.values_mut() {
            entry.failed_checks.sort();
        }
        Ok(signals)
    }

    pub async fn cancel_case(&self, ctx: &RequestContext, id: &str) -> Result<Case, ServiceError> {
        self.change_case(ctx, id, |_| Ok(vec![(CaseAction::Cancel, None)]))
            .await
    }

    /// A person's decision. Re-deciding a final decision (approved ↔ rejected) is allowed and
    /// audited as such.
    pub async fn decide_case(
        &self,
        ctx: &RequestContext,
        id: &str,
        mut input: DecisionRequest,
    ) -> Result<Case, ServiceError> {
        validate_decision(&mut input)?;
        let resubmission_steps = match input.decision {
            ManualDecision::RequestResubmission => {
                self.steps_to_redo(&ctx.scope, id, input.steps.take())
                    .await?
            }
            ManualDecision::Approve | ManualDecision::Reject => Vec::new(),
        };
        let decided_by = match ctx.principal {
            crate::Principal::ConsoleUser { .. } => "analyst",
            _ => "api",
        };
        let four_eyes = input.decision == ManualDecision::Approve
            && self.needs_four_eyes(&ctx.scope, id).await?;
        let services = self.clone();
        self.case_unit(ctx, id, move |tx, ctx, case, now| {
            Box::pin(async move {
                if let Some(seen) = input.expected_revision
                    && case.record().revision != seen
                {
                    return Err(ServiceError::conflict(
                        "stale_revision",
                        "the case changed after this page was shown; look at it again before deciding",
                    ));
                }
                if four_eyes && !case.four_eyes_approval(tx, &ctx.principal, now)? {
                    return Ok(());
                }
                if input.decision != ManualDecision::Approve {
                    case.forget_first_approval();
                }
                let outcome = match input.decision {
                    ManualDecision::Approve => Outcome::Approved,
                    ManualDecision::Reject => Outcome::Rejected,
                    ManualDecision::RequestResubmission => Outcome::ResubmissionRequested,
                };
                let decision = Decision {
                    outcome,
                    decided_by: decided_by.into(),
                    reason_code: input.reason_code,
                    note: None,
                    decided_at: datetime_of(now),
                    resubmission_steps,
                    rules: Vec::new(),
                };
                let decided_at = decision.decided_at;
                let action = CaseAction::Decide(input.decision);
                case.apply(tx, &ctx.principal, action, Some(decision), now)?;
                // The note may name the applicant: sealed under their key, not in the decision.
                if let Some(note) = input.note {
                    let key = case.applicant_key(tx, &services).await?;
                    case.set_decision_note(&key, decided_at, note)?;
                }
                Ok(())
            })
        })
        .await
    }

    /// The case goes to the person asking (`take`) or to nobody: who works on it, so two
    /// analysts do not review it at once. Taking a case someone else holds takes it over.
    pub async fn assign_case(
        &self,
        ctx: &RequestContext,
        id: &str,
        take: bool,
    ) -> Result<Case, ServiceError> {
        self.case_unit(ctx, id, move |tx, ctx, case, now| {
            Box::pin(async move {
                let assignee = take.then(|| ctx.principal.id());
                case.assign(tx, &ctx.principal, assignee, now);
                Ok(())
            })
        })
        .await
    }

    /// Whether an approval needs four eyes: the flow the case pinned asks for it, or a rule
    /// that fired when the rules decided the case's current decision did (`review_four_eyes`).
    async fn needs_four_eyes(&self, scope: &Scope, id: &str) -> Result<bool, ServiceError> {
        let case = cases::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        let fired_four_eyes = kernel::decision_of(&case)?.is_some_and(|decision| {
            decision
                .rules
                .iter()
                .any(|rule| rule.outcome == RuleOutcome::ReviewFourEyes)
        });
        if fired_four_eyes {
            return Ok(true);
        }
        let flow = self
            .pinned_flow(scope, &case.flow_id, case.flow_version)
            .await?;
        Ok(flow.four_eyes)
    }

    /// Drives a sandbox case to `outcome` through the same transitions, events and audit as a
    /// real applicant and real checks would.
    pub async fn complete_sandbox_case(
        &self,
        ctx: &RequestContext,
        id: &str,
        outcome: Outcome,
    ) -> Result<Case, ServiceError> {
        if ctx.scope.environment != Environment::Sandbox {
            return Err(ServiceError::not_found("case"));
        }
        let resubmission_steps = match outcome {
            Outcome::ResubmissionRequested => self.steps_to_redo(&ctx.scope, id, None).await?,
            _ => Vec::new(),
        };
        let now = now_millis();
        self.change_case(ctx, id, move |status| {
            let actions = path_to_outcome(status, outcome)?;
            let decision = Decision {
                outcome,
                decided_by: "sandbox".into(),
                reason_code: Some(sandbox_reason(outcome).to_owned()),
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
    pub async fn reissue_link(&self, ctx: &RequestContext, id: &str) -> Result<Case, ServiceError> {
        self.reissue_link_lasting(ctx, id, None).await
    }

    /// [`Services::reissue_link`] with the new link's lifetime, when not the flow's own (a
    /// vendor's dialect promises its own, as at creation); within the flows' allowed range.
    pub async fn reissue_link_lasting(
        &self,
        ctx: &RequestContext,
        id: &str,
        lifetime_seconds: Option<u32>,
    ) -> Result<Case, ServiceError> {
        let mut errors = ValidationErrors::default();
        if let Some(seconds) = lifetime_seconds {
            check_link_lifetime(seconds, &mut errors);
        }
        errors.into_result()?;
        let current = cases::get(self.store().reader(), &ctx.scope, id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        let seconds = match lifetime_seconds {
            Some(seconds) => seconds,
            None => {
                self.pinned_flow(&ctx.scope, &current.flow_id, current.flow_version)
                    .await?
                    .link_lifetime_seconds
            }
        };
        let lifetime = i64::from(seconds) * 1000;
        self.case_unit(ctx, id, move |tx, ctx, case, now| {
            Box::pin(async move {
                case.ensure_awaiting_applicant("has no use for a new link")?;
                case.reissue_link(tx, &ctx.principal, lifetime, now);
                Ok(())
            })
        })
        .await
    }

    /// Replaces what the platform attached to a case — its redirect URL, its metadata — at
    /// any status, so a platform keeps its own bookkeeping on a case; validated as at
    /// creation. The case's revision moves, as on every change.
    pub async fn update_case_attachments(
        &self,
        ctx: &RequestContext,
        id: &str,
        mut attachments: CaseAttachments,
    ) -> Result<Case, ServiceError> {
        attachments.validate()?;
        let services = self.clone();
        self.case_unit(ctx, id, move |tx, ctx, case, now| {
            Box::pin(async move {
                let key = case.applicant_key(tx, &services).await?;
                case.set_attachments(&key, attachments)?;
                let entry = AuditEntry {
                    action: "case.attachments_updated",
                    target_type: "case",
                    target_id: case.id(),
                    case_id: Some(case.id()),
                    detail: json!({}),
                };
                record::audit(tx, case.scope(), &ctx.principal, entry, now);
                Ok(())
            })
        })
        .await
    }

    /// The applicant's entered data, for platforms that collect it themselves. Allowed while
    /// the case waits for its applicant; the same validation as an applicant update.
    pub async fn update_case_details(
        &self,
        ctx: &RequestContext,
        id: &str,
        details: ApplicantChanges,
    ) -> Result<Case, ServiceError> {
        let services = self.clone();
        self.case_unit(ctx, id, move |tx, ctx, case, now| {
            Box::pin(async move {
                case.ensure_awaiting_applicant("no longer takes details")?;
                let key = case.applicant_key(tx, &services).await?;
                case.update_applicant(
                    tx,
                    services.applicant_keys_with(&key),
                    &ctx.principal,
                    details,
                    now,
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// The applicant has finished (through the platform's own UI): the case is submitted and
    /// its checks are queued.
    pub async fn submit_case(&self, ctx: &RequestContext, id: &str) -> Result<Case, ServiceError> {
        self.case_unit(ctx, id, |tx, ctx, case, now| {
            Box::pin(async move { case.submit(tx, &ctx.principal, now).await })
        })
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

    /// Applies the actions `plan` chooses for the case's current status.
    async fn change_case<P>(
        &self,
        ctx: &RequestContext,
        id: &str,
        plan: P,
    ) -> Result<Case, ServiceError>
    where
        P: FnOnce(CaseStatus) -> Result<Vec<(CaseAction, Option<Decision>)>, ServiceError>
            + Send
            + 'static,
    {
        self.case_unit(ctx, id, move |tx, ctx, case, now| {
            Box::pin(async move {
                for (action, decision) in plan(case.status()?)? {
                    case.apply(tx, &ctx.principal, action, decision, now)?;
                }
                Ok(())
            })
        })
        .await
    }

    /// One unit of work on one case: opens it, lets `change` change it through the kernel,
    /// saves it, and answers with the case as a later read would show it (stored with the
    /// change when the request carried an `Idempotency-Key`).
    async fn case_unit<C>(
        &self,
        ctx: &RequestContext,
        id: &str,
        change: C,
    ) -> Result<Case, ServiceError>
    where
        C: for<'c> FnOnce(
                &'c mut Tx,
                &'c RequestContext,
                &'c mut OpenCase,
                Millis,
            ) -> BoxFuture<'c, Result<(), ServiceError>>
            + Send
            + 'static,
    {
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let id = id.to_owned();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<Case, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = kernel::open(tx, &unit_ctx.scope, &id).await?;
                    change(tx, &unit_ctx, &mut case, now).await?;
                    let saved = case.save(tx, now).await?;
                    services.full_case_view(tx.conn().await?, &saved).await
                })
            },
        )
        .await
    }

    /// Expires every case whose link lifetime passed before submission — a started one only
    /// [`STARTED_CASE_GRACE`] later — up to `limit`; returns how many were due.
    pub(crate) async fn expire_due_cases(&self, limit: i64) -> Result<usize, ServiceError> {
        let now = now_millis();
        let due =
            cases::due_for_expiry(self.store().reader(), now, now - STARTED_CASE_GRACE, limit)
                .await?;
        for case in &due {
            let scope = crate::scope::of_case(case)?;
            self.expire_case(scope, case.id.clone()).await?;
        }
        Ok(due.len())
    }

    async fn expire_case(&self, scope: Scope, id: String) -> Result<(), ServiceError> {
        let ctx = RequestContext::system(scope, SystemComponent::Expiry);
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let mut case = kernel::open(tx, &ctx.scope, &id).await?;
                        // Re-checked inside the unit: a new link or a submission may have come first.
                        let status = case.status()?;
                        let expirable = transition(status, CaseAction::Expire).is_ok();
                        let grace = match status {
                            CaseStatus::InProgress => STARTED_CASE_GRACE,
                            _ => 0,
                        };
                        if case.record().link_expires_at + grace <= now && expirable {
                            case.apply(tx, &ctx.principal, CaseAction::Expire, None, now)?;
                        }
                        case.save(tx, now).await?;
                        Ok(())
                    })
                },
            )
            .await
    }
}
