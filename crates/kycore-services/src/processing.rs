//! Case processing: submission, then the checks and the decision.
//!
//! Submitting moves the case to `submitted` and enqueues `process_case` in the same unit of
//! work. The job moves the case to `processing` (one unit); then, outside any transaction
//! (providers may call out), it gathers the applicant, documents and duplicate lookups, runs
//! every provider and the screening, and evaluates the flow's rules; a final unit records the
//! checks, screening hits, document verdicts and the decision with their events. Each step
//! re-reads the case and does nothing if it has moved on, so a job that ran twice after a
//! crash changes nothing twice.

use futures_util::future::BoxFuture;
use kycore_checks::document::DuplicateLookup;
use kycore_domain::case::{CaseAction, CaseKind, CaseStatus, Decision};
use kycore_domain::check::CheckStatus;
use kycore_domain::event::EventType;
use kycore_domain::flow::FlowDefinition;
use kycore_domain::ids::{CheckId, JobId};
use kycore_domain::tenancy::Scope;
use kycore_store::checks::{self, CheckRecord};
use kycore_store::documents::{self, DocumentHash, DocumentRecord};
use kycore_store::{Millis, Tx, cases, jobs};
use serde::Serialize;
use serde_json::json;

use crate::applicants::UpdateApplicant;
use crate::cases::{CaseView, apply_action, load, load_awaiting_applicant, status_of};
use crate::decision::{self, FactsInput, RuleCache};
use crate::providers::native::{NativeProvider, identity_document_type};
use crate::providers::sandbox::SandboxProvider;
use crate::providers::{CaseFacts, CheckOutcome, Provider};
use crate::record::case_event;
use crate::screening::{CaseScreening, FoundHit, record_hits};
use crate::time_format::{datetime_of, now_millis, rfc3339};
use crate::worker::Job;
use crate::{RequestContext, ServiceError, Services};

/// Look-alike applicants reported per case.
const MAX_SIMILAR_APPLICANTS: i64 = 10;

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

    /// The `process_case` job: gather what the checks need, run the providers and the
    /// screening, evaluate the flow's rules, then record it all in one unit.
    pub(crate) async fn process_case(&self, scope: &Scope, id: &str) -> Result<(), ServiceError> {
        let ctx = RequestContext::new(scope.clone(), crate::Actor::System);
        let Some(case) = self.start_processing(&ctx, id).await? else {
            return Ok(());
        };
        let gathered = self.gather(scope, &case).await?;
        let facts = &gathered.facts;
        let mut outcomes = Vec::new();
        for provider in self.providers() {
            let found = provider
                .run(facts)
                .await
                .map_err(|e| ServiceError::invalid("provider_failed", e.to_string()))?;
            outcomes.extend(found.into_iter().map(|o| (provider.id(), o)));
        }
        let screening = if gathered.flow.screening.enabled {
            Some(self.screen_case(&case, facts).await?)
        } else {
            None
        };
        if let Some(screened) = &screening {
            outcomes.push(("native", screened.outcome.clone()));
        }
        let round = decide_round(
            &case,
            &gathered,
            outcomes,
            screening,
            &self.inner.rule_cache,
        );
        self.record_round(ctx, id.to_owned(), round).await
    }

    fn providers(&self) -> [&dyn Provider; 2] {
        [&NativeProvider, &SandboxProvider]
    }

    /// Reads what the checks look at: the flow, the applicant, the documents, and the
    /// duplicate lookups.
    async fn gather(
        &self,
        scope: &Scope,
        case: &cases::CaseRecord,
    ) -> Result<Gathered, ServiceError> {
        let reader = self.store().reader();
        let flow = self
            .pinned_flow(scope, &case.flow_id, case.flow_version)
            .await?;
        let applicant = kycore_store::applicants::get(reader, scope, &case.applicant_id)
            .await?
            .ok_or(ServiceError::not_found("applicant"))?;
        let similar_applicants = kycore_store::applicants::similar(
            reader,
            scope,
            &applicant.id,
            applicant.id_number_hash.as_deref(),
            applicant.name_dob_hash.as_deref(),
            MAX_SIMILAR_APPLICANTS,
        )
        .await?;
        let (records, documents) = self.submitted_documents(scope, &case.id).await?;
        let duplicate_document = self
            .duplicate_document(scope, &applicant.id, &records)
            .await?;
        let facts = CaseFacts {
            kind: CaseKind::parse(&case.kind).unwrap_or(CaseKind::Kyc),
            environment: scope.environment,
            profile: crate::applicants::open_profile(self.keyring(), &applicant)?,
            documents,
            today: datetime_of(now_millis()).date(),
            min_age: flow.min_age,
            max_attempts: flow.max_attempts,
            similar_applicants,
            duplicate_document,
        };
        Ok(Gathered {
            flow,
            facts,
            records,
        })
    }

    /// Another applicant who submitted one of these documents (same number, or same file).
    async fn duplicate_document(
        &self,
        scope: &Scope,
        applicant_id: &str,
        records: &[DocumentRecord],
    ) -> Result<DuplicateLookup, ServiceError> {
        let reader = self.store().reader();
        for record in records {
            if let Some(hash) = &record.document_number_hash
                && let Some(other) = documents::other_applicant_with(
                    reader,
                    scope,
                    applicant_id,
                    DocumentHash::DocumentNumber,
                    hash,
                )
                .await?
            {
                return Ok(DuplicateLookup::SameDocumentNumber {
                    other_applicant: other,
                });
            }
            if let Some(other) = documents::other_applicant_with(
                reader,
                scope,
                applicant_id,
                DocumentHash::File,
                &record.file_hash,
            )
            .await?
            {
                return Ok(DuplicateLookup::SameFileHash {
                    other_applicant: other,
                });
            }
        }
        Ok(DuplicateLookup::NoneFound)
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

    /// Writes a round: its checks, hits, document verdicts and the decision, with their
    /// events; nothing if the case has moved on (a job that ran twice).
    async fn record_round(
        &self,
        ctx: RequestContext,
        id: String,
        round: Round,
    ) -> Result<(), ServiceError> {
        self.store()
            .write(move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                Box::pin(async move {
                    let now = now_millis();
                    let mut case = load(tx, &ctx.scope, &id).await?;
                    if status_of(&case)? != CaseStatus::Processing {
                        return Ok(());
                    }
                    for (provider, check) in round.outcomes {
                        let record = check_record(&case, provider, check, now);
                        let payload = json!({
                            "case_id": case.id, "check_id": record.id, "kind": record.kind, "status": record.status,
                        });
                        case_event(tx, &mut case, EventType::CheckCompleted, payload, now);
                        tx.append_check(record);
                    }
                    record_hits(tx, &mut case, &round.hits, "case_checks", now).await?;
                    for verdict in &round.verdicts {
                        record_verdict(tx, &ctx.scope, &mut case, verdict, now).await?;
                    }
                    let outcome = round.decision.outcome;
                    apply_action(tx, &ctx, &mut case, CaseAction::Complete(outcome), Some(round.decision), now).await
                })
            })
            .await
    }
}

/// What the job read before running the checks.
struct Gathered {
    flow: FlowDefinition,
    facts: CaseFacts,
    records: Vec<DocumentRecord>,
}

/// Everything a round of processing writes.
struct Round {
    outcomes: Vec<(&'static str, CheckOutcome)>,
    hits: Vec<FoundHit>,
    verdicts: Vec<DocumentVerdictUpdate>,
    decision: Decision,
}

/// A document's status once the checks ran.
struct DocumentVerdictUpdate {
    document_id: String,
    document_type: String,
    side: String,
    accepted: bool,
    /// JSON array of `{type, message}`.
    reasons: serde_json::Value,
}

/// Evaluates the flow's rules over the round's facts (pure: no I/O).
fn decide_round(
    case: &cases::CaseRecord,
    gathered: &Gathered,
    outcomes: Vec<(&'static str, CheckOutcome)>,
    screening: Option<CaseScreening>,
    rules: &RuleCache,
) -> Round {
    let facts = &gathered.facts;
    let checks: Vec<CheckOutcome> = outcomes.iter().map(|(_, o)| o.clone()).collect();
    let (hits, summary) = screening.map(|s| (s.hits, s.summary)).unwrap_or_default();
    let steps = gathered.flow.steps();
    let rule_facts = decision::facts(&FactsInput {
        kind: facts.kind,
        environment: facts.environment,
        flow_id: &case.flow_id,
        flow_steps: &steps,
        profile: &facts.profile,
        today: facts.today,
        documents: &facts.documents,
        checks: &checks,
        screening: &summary,
        similar_applicants: &facts.similar_applicants,
    });
    let (ruled, fired) = rules.decide(&gathered.flow.rules(), &rule_facts);
    let decision = Decision {
        outcome: ruled.outcome,
        decided_by: "rules".into(),
        reason_code: Some(ruled.reason_code),
        note: None,
        decided_at: datetime_of(now_millis()),
        resubmission_steps: ruled.steps,
        rules: fired,
    };
    Round {
        verdicts: document_verdicts(facts, &gathered.records, &checks),
        outcomes,
        hits,
        decision,
    }
}

/// The document rules' verdict, for the pending uploads of the identity document checked.
fn document_verdicts(
    facts: &CaseFacts,
    records: &[DocumentRecord],
    checks: &[CheckOutcome],
) -> Vec<DocumentVerdictUpdate> {
    let Some(check) = checks
        .iter()
        .find(|c| c.kind == kycore_checks::checks::CheckKind::DocumentRules.name())
    else {
        return Vec::new();
    };
    let Some(checked_type) = identity_document_type(facts) else {
        return Vec::new();
    };
    let accepted = check.status == CheckStatus::Passed;
    let reasons = check.result.get("reasons").cloned().unwrap_or(json!([]));
    records
        .iter()
        .filter(|d| d.status == "pending" && d.document_type == checked_type)
        .map(|d| DocumentVerdictUpdate {
            document_id: d.id.clone(),
            document_type: d.document_type.clone(),
            side: d.side.clone(),
            accepted,
            reasons: reasons.clone(),
        })
        .collect()
}

/// Sets a document's status and writes `document.accepted` or `document.rejected`.
async fn record_verdict(
    tx: &mut Tx,
    scope: &Scope,
    case: &mut cases::CaseRecord,
    verdict: &DocumentVerdictUpdate,
    now: Millis,
) -> Result<(), ServiceError> {
    let (status, event, reasons) = if verdict.accepted {
        ("accepted", EventType::DocumentAccepted, None)
    } else {
        (
            "rejected",
            EventType::DocumentRejected,
            Some(verdict.reasons.to_string()),
        )
    };
    documents::set_verdict(
        tx.conn(),
        scope,
        &verdict.document_id,
        status,
        reasons.as_deref(),
        now,
    )
    .await?;
    let reason_types: Vec<&serde_json::Value> = verdict
        .reasons
        .as_array()
        .map(|r| r.iter().filter_map(|r| r.get("type")).collect())
        .unwrap_or_default();
    let payload = json!({
        "case_id": case.id, "document_id": verdict.document_id, "type": verdict.document_type,
        "side": verdict.side, "status": status, "rejection_reasons": if verdict.accepted { vec![] } else { reason_types },
    });
    case_event(tx, case, event, payload, now);
    Ok(())
}
