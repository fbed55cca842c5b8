//! Case processing: submission, then the checks and the decision.
//!
//! Submitting moves the case to `submitted` and enqueues `process_case` in the same unit of
//! work. The job moves the case to `processing` (one unit), runs every provider outside any
//! transaction (they may call out), then records the checks, their `check.completed` events
//! and the rules' decision in a final unit. Each step re-reads the case and does nothing if it
//! has moved on, so a job that ran twice after a crash changes nothing twice.

use futures_util::future::BoxFuture;
use kycore_domain::case::{CaseAction, CaseKind, CaseStatus, Decision};
use kycore_domain::check::default_outcome;
use kycore_domain::event::EventType;
use kycore_domain::ids::{CheckId, JobId};
use kycore_domain::tenancy::Scope;
use kycore_store::checks::{self, CheckRecord};
use kycore_store::{Millis, Tx, cases, jobs};
use serde::Serialize;
use serde_json::json;

use crate::applicants::{UpdateApplicant, profile_of};
use crate::cases::{CaseView, apply_action, load, load_awaiting_applicant, status_of};
use crate::providers::native::NativeProvider;
use crate::providers::{CaseFacts, CheckOutcome, Provider};
use crate::record::case_event;
use crate::time_format::{datetime_of, now_millis, rfc3339};
use crate::worker::Job;
use crate::{RequestContext, ServiceError, Services};

/// A stored check, as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CheckView {
    pub id: String,
    pub kind: String,
    pub status: kycore_domain::check::CheckStatus,
    pub score: Option<f64>,
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
    pub explanation: String,
    pub provider: String,
    pub created_at: String,
}

pub(crate) fn check_view(record: CheckRecord) -> CheckView {
    CheckView {
        id: record.id,
        kind: record.kind,
        status: kycore_domain::check::CheckStatus::parse(&record.status)
            .unwrap_or(kycore_domain::check::CheckStatus::NeedsReview),
        score: record.score,
        result: serde_json::from_str(&record.result).unwrap_or_default(),
        explanation: record.explanation,
        provider: record.provider,
        created_at: rfc3339(record.created_at),
    }
}

fn check_record(
    case: &cases::CaseRecord,
    provider: &str,
    outcome: CheckOutcome,
    now: Millis,
) -> CheckRecord {
    CheckRecord {
        id: CheckId::generate().to_string(),
        organization_id: case.organization_id.clone(),
        environment: case.environment.clone(),
        case_id: case.id.clone(),
        kind: outcome.kind,
        status: outcome.status.as_str().to_owned(),
        score: outcome.score,
        result: outcome.result.to_string(),
        explanation: outcome.explanation,
        provider: provider.to_owned(),
        raw: outcome.raw.to_string(),
        created_at: now,
    }
}

impl Services {
    /// The applicant has finished: the case is submitted and its processing queued.
    pub async fn submit_case(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<CaseView, ServiceError> {
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let id = id.to_owned();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<CaseView, ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = load(tx, &unit_ctx.scope, &id).await?;
                    // An API-driven case may be submitted without the hosted link ever opening.
                    if matches!(
                        status_of(&case)?,
                        CaseStatus::Created | CaseStatus::ResubmissionRequested
                    ) {
                        apply_action(tx, &unit_ctx, &mut case, CaseAction::OpenLink, None, now)
                            .await?;
                    }
                    apply_action(tx, &unit_ctx, &mut case, CaseAction::Submit, None, now).await?;
                    let job = Job::ProcessCase {
                        organization_id: case.organization_id.clone(),
                        environment: case.environment.clone(),
                        case_id: case.id.clone(),
                    };
                    jobs::enqueue(tx.conn(), &job.record(JobId::generate(), now)).await?;
                    services.full_case_view(tx, &case).await
                })
            },
        )
        .await
    }

    /// The applicant's entered data, for platforms that collect it themselves. Allowed while
    /// the case waits for its applicant; the same validation as an applicant update.
    pub async fn update_case_details(
        &self,
        ctx: &RequestContext,
        id: &str,
        details: UpdateApplicant,
    ) -> Result<CaseView, ServiceError> {
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let id = id.to_owned();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<CaseView, ServiceError>> {
                Box::pin(async move {
                    let case = load_awaiting_applicant(
                        tx,
                        &unit_ctx.scope,
                        &id,
                        "no longer takes details",
                    )
                    .await?;
                    services
                        .update_applicant_in(tx, &unit_ctx, &case.applicant_id, details)
                        .await?;
                    services.full_case_view(tx, &case).await
                })
            },
        )
        .await
    }

    /// The checks of a case, oldest first.
    pub async fn case_checks(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<Vec<CheckView>, ServiceError> {
        let records = checks::for_case(self.store().reader(), scope, case_id).await?;
        Ok(records.into_iter().map(check_view).collect())
    }

    /// The `process_case` job: checks, then the decision.
    pub(crate) async fn process_case(&self, scope: &Scope, id: &str) -> Result<(), ServiceError> {
        let ctx = RequestContext::new(scope.clone(), crate::Actor::System);
        let Some(case) = self.start_processing(&ctx, id).await? else {
            return Ok(());
        };
        let kind = CaseKind::parse(&case.kind).unwrap_or(CaseKind::Kyc);
        let facts = CaseFacts {
            kind,
            profile: profile_of(self, scope, &case.applicant_id).await?,
            documents: self.submitted_documents(scope, &case.id).await?,
            today: datetime_of(now_millis()).date(),
        };
        let mut outcomes = Vec::new();
        for provider in self.providers() {
            let found = provider
                .run(&facts)
                .await
                .map_err(|e| ServiceError::invalid("provider_failed", e.to_string()))?;
            outcomes.extend(found.into_iter().map(|o| (provider.id(), o)));
        }
        self.record_checks_and_decide(ctx, id.to_owned(), outcomes)
            .await
    }

    fn providers(&self) -> [&dyn Provider; 1] {
        [&NativeProvider]
    }

    /// Moves a submitted case to `processing`; returns the case if it is (now) processing.
    async fn start_processing(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<Option<cases::CaseRecord>, ServiceError> {
        let ctx = ctx.clone();
        let id = id.to_owned();
        self.store()
            .write(move |tx: &mut Tx| -> BoxFuture<'_, Result<Option<cases::CaseRecord>, ServiceError>> {
                Box::pin(async move {
                    let mut case = load(tx, &ctx.scope, &id).await?;
                    match status_of(&case)? {
                        CaseStatus::Submitted => {
                            apply_action(tx, &ctx, &mut case, CaseAction::StartProcessing, None, now_millis()).await?;
                            Ok(Some(case))
                        }
                        CaseStatus::Processing => Ok(Some(case)),
                        _ => Ok(None),
                    }
                })
            })
            .await
    }

    async fn record_checks_and_decide(
        &self,
        ctx: RequestContext,
        id: String,
        outcomes: Vec<(&'static str, CheckOutcome)>,
    ) -> Result<(), ServiceError> {
        self.store()
            .write(move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = load(tx, &ctx.scope, &id).await?;
                    if status_of(&case)? != CaseStatus::Processing {
                        return Ok(());
                    }
                    let (outcome, reason) =
                        default_outcome(outcomes.iter().map(|(_, o)| (o.kind.as_str(), o.status)));
                    for (provider, check) in outcomes {
                        let record = check_record(&case, provider, check, now);
                        let payload = json!({
                            "case_id": case.id, "check_id": record.id, "kind": record.kind, "status": record.status,
                        });
                        case_event(tx, &mut case, EventType::CheckCompleted, payload, now);
                        tx.append_check(record);
                    }
                    let decision = Decision {
                        outcome,
                        decided_by: "rules".into(),
                        reason_code: Some(reason),
                        note: None,
                        decided_at: datetime_of(now),
                    };
                    apply_action(tx, &ctx, &mut case, CaseAction::Complete(outcome), Some(decision), now).await
                })
            })
            .await
    }
}
