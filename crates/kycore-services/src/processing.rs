//! Case processing: the `process_case` job that runs a submitted case's checks and decides
//! it.
//!
//! The job moves the case to `processing` (one unit); then, outside any transaction
//! (providers may call out), it gathers the applicant, documents and duplicate lookups, runs
//! every provider and the screening, and evaluates the flow's rules; a final unit records the
//! checks, screening hits, document verdicts and the decision through the kernel. Each step
//! re-reads the case and does nothing if it has moved on, so a job that ran twice after a
//! crash changes nothing twice.

use futures_util::future::BoxFuture;
use kycore_checks::document::DuplicateLookup;
use kycore_checks::reading::DocumentReading;
use kycore_domain::applicant::ApplicantProfile;
use kycore_domain::case::{CaseAction, CaseKind, CaseStatus, Decision};
use kycore_domain::check::CheckStatus;
use kycore_domain::event::EventType;
use kycore_domain::flow::FlowDefinition;
use kycore_domain::tenancy::Scope;
use kycore_store::cases::CaseRecord;
use kycore_store::documents::{self, DocumentHash, DocumentRecord};
use kycore_store::related_person_cases;
use kycore_store::{AnyPool, Tx, checks};
use serde_json::json;

use crate::crypto::DataKey;
use crate::decision::{self, FactsInput, RelatedPersonFact, RuleCache};
use crate::documents::TypedDetails;
use crate::intake::{details_context, reading_context};
use crate::kernel::{self, DocumentVerdict};
use crate::providers::native::{NativeProvider, identity_document_type};
use crate::providers::sandbox::SandboxProvider;
use crate::providers::{CaseFacts, CheckOutcome, Provider, SubmittedDocument};
use crate::screening::{CaseScreening, FoundHit};
use crate::sealing::open_json;
use crate::time_format::{datetime_of, now_millis, today};
use crate::views::{self, Check};
use crate::{RequestContext, ServiceError, Services, SystemComponent};

/// Look-alike applicants reported per case.
const MAX_SIMILAR_APPLICANTS: i64 = 10;

impl Services {
    /// The checks of a case, oldest first, by round.
    pub async fn case_checks(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<Vec<Check>, ServiceError> {
        let key = self.case_key(scope, case_id).await?;
        let reader = self.store().reader();
        let records = checks::for_case(reader, scope, case_id).await?;
        views::checks_by_round(records, key.as_ref())
    }

    /// The `process_case` job: gather what the checks need, run the providers and the
    /// screening, evaluate the flow's rules, then record it all in one unit.
    pub(crate) async fn process_case(&self, scope: &Scope, id: &str) -> Result<(), ServiceError> {
        let ctx = RequestContext::system(scope.clone(), SystemComponent::Processing);
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
                .map_err(|e| ServiceError::unavailable("provider_unavailable", e.to_string()))?;
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
        // The rules run on the blocking pool: their cost is bounded when a flow is created,
        // and even the costliest allowed rule must not hold up other requests.
        let services = self.clone();
        let round = crate::blocking(move || {
            decide_round(
                &case,
                &gathered,
                outcomes,
                screening,
                &services.inner.rule_cache,
            )
        })
        .await?;
        self.record_round(ctx, id.to_owned(), round).await
    }

    fn providers(&self) -> [&dyn Provider; 2] {
        [&NativeProvider, &SandboxProvider]
    }

    /// Reads what the checks look at: the flow, the applicant, the documents, and the
    /// duplicate lookups.
    async fn gather(&self, scope: &Scope, case: &CaseRecord) -> Result<Gathered, ServiceError> {
        let reader = self.store().reader();
        let flow = self
            .pinned_flow(scope, &case.flow_id, case.flow_version)
            .await?;
        let applicant = kycore_store::applicants::get(reader, scope, &case.applicant_id)
            .await?
            .ok_or(ServiceError::not_found("applicant"))?;
        let key = self
            .required_applicant_key(reader, scope, &applicant.id)
            .await?;
        let similar_applicants = kycore_store::applicants::similar(
            reader,
            scope,
            &applicant.id,
            applicant.id_number_hash.as_deref(),
            applicant.name_dob_hash.as_deref(),
            MAX_SIMILAR_APPLICANTS,
        )
        .await?;
        let records = documents::for_case(reader, scope, &case.id).await?;
        let documents = submitted_documents(&key, &records)?;
        let duplicate_document = self
            .duplicate_document(scope, &applicant.id, &records)
            .await?;
        let profile = kernel::applicants::open_profile(Some(&key), &applicant)?;
        let related_persons = related_person_facts(reader, scope, &case.id, &profile).await?;
        let facts = CaseFacts {
            kind: CaseKind::parse(&case.kind)
                .ok_or_else(|| ServiceError::corrupt(format!("case kind `{}`", case.kind)))?,
            environment: scope.environment,
            profile,
            documents,
            today: today(),
            min_age: flow.min_age,
            max_attempts: flow.max_attempts,
            similar_applicants,
            duplicate_document,
        };
        Ok(Gathered {
            flow,
            facts,
            records,
            key,
            related_persons,
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

    /// Moves a submitted case to `processing`; returns the case if it is (now) processing
    /// and waits for nothing. A business case whose related persons' cases are not all final
    /// waits (`case.awaiting_related_persons`, once): the last of them to become final runs
    /// this job again.
    async fn start_processing(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<Option<CaseRecord>, ServiceError> {
        let ctx = ctx.clone();
        let id = id.to_owned();
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Option<CaseRecord>, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let mut case = kernel::open(tx, &ctx.scope, &id).await?;
                        let status = case.status()?;
                        if !matches!(status, CaseStatus::Submitted | CaseStatus::Processing) {
                            return Ok(None);
                        }
                        let pending = undecided_related_cases(tx, &ctx.scope, &id).await?;
                        if status == CaseStatus::Submitted {
                            case.apply(tx, &ctx.principal, CaseAction::StartProcessing, None, now)?;
                            if !pending.is_empty() {
                                let payload = json!({ "case_id": id, "case_ids": pending });
                                case.emit(tx, EventType::CaseAwaitingRelatedPersons, payload, now);
                            }
                        }
                        let case = case.save(tx, now).await?;
                        Ok(pending.is_empty().then_some(case))
                    })
                },
            )
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
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let mut case = kernel::open(tx, &ctx.scope, &id).await?;
                        if case.status()? != CaseStatus::Processing {
                            return Ok(());
                        }
                        let key = &round.key;
                        for (provider, check) in round.outcomes {
                            case.record_check(tx, key, provider, check, now)?;
                        }
                        case.record_hits(tx, key, &round.hits, "case_checks", now)
                            .await?;
                        for verdict in &round.verdicts {
                            case.record_verdict(tx, key, verdict, now).await?;
                        }
                        let outcome = round.decision.outcome;
                        case.apply(
                            tx,
                            &ctx.principal,
                            CaseAction::Complete(outcome),
                            Some(round.decision),
                            now,
                        )?;
                        case.save(tx, now).await?;
                        Ok(())
                    })
                },
            )
            .await
    }
}

/// The cases of a business's related persons that are not final yet, read inside a unit.
async fn undecided_related_cases(
    tx: &mut Tx,
    scope: &Scope,
    case_id: &str,
) -> Result<Vec<String>, ServiceError> {
    let mut undecided = Vec::new();
    for child in related_person_cases::statuses_for_parent(tx.conn().await?, scope, case_id).await?
    {
        if !kernel::stored_status(&child.status)?.is_final() {
            undecided.push(child.case_id);
        }
    }
    Ok(undecided)
}

/// Each related person of a business with the status of their own case, for the rules.
async fn related_person_facts(
    reader: &AnyPool,
    scope: &Scope,
    case_id: &str,
    profile: &ApplicantProfile,
) -> Result<Vec<RelatedPersonFact>, ServiceError> {
    let started = related_person_cases::statuses_for_parent(reader, scope, case_id).await?;
    profile
        .related_persons
        .iter()
        .map(|person| {
            let id = person.id.as_ref().map(ToString::to_string);
            let child = started
                .iter()
                .find(|c| id.as_deref() == Some(c.related_person_id.as_str()));
            Ok(RelatedPersonFact {
                id,
                role: person.role,
                case_id: child.map(|c| c.case_id.clone()),
                case_status: child
                    .map(|c| kernel::stored_status(&c.status))
                    .transpose()?,
            })
        })
        .collect()
}

/// Each document as the checks see it (its MRZ and typed details opened).
fn submitted_documents(
    key: &DataKey,
    records: &[DocumentRecord],
) -> Result<Vec<SubmittedDocument>, ServiceError> {
    records
        .iter()
        .map(|d| {
            let mrz = d
                .mrz_sealed
                .as_ref()
                .map(|sealed| key.open(&d.id, sealed))
                .transpose()?
                .map(|bytes| {
                    String::from_utf8(bytes)
                        .map_err(|_| ServiceError::corrupt("a document's MRZ is not UTF-8"))
                })
                .transpose()?;
            let details: Option<TypedDetails> = open_json(
                Some(key),
                &details_context(&d.id),
                d.details_sealed.as_deref(),
                "a document's details",
            )?;
            let reading: Option<DocumentReading> = open_json(
                Some(key),
                &reading_context(&d.id),
                d.reading_sealed.as_deref(),
                "a document's reading",
            )?;
            Ok(SubmittedDocument {
                document_type: d.document_type.clone(),
                side: d.side.clone(),
                subtype: d.subtype.clone(),
                attempt: d.attempt,
                mrz,
                details,
                reading,
            })
        })
        .collect()
}

/// What the job read before running the checks.
struct Gathered {
    flow: FlowDefinition,
    facts: CaseFacts,
    records: Vec<DocumentRecord>,
    /// The applicant's data key, which seals what the round finds.
    key: DataKey,
    related_persons: Vec<RelatedPersonFact>,
}

/// Everything a round of processing writes.
struct Round {
    key: DataKey,
    outcomes: Vec<(&'static str, CheckOutcome)>,
    hits: Vec<FoundHit>,
    verdicts: Vec<DocumentVerdict>,
    decision: Decision,
}

/// Evaluates the flow's rules over the round's facts (pure: no I/O).
fn decide_round(
    case: &CaseRecord,
    gathered: &Gathered,
    outcomes: Vec<(&'static str, CheckOutcome)>,
    screening: Option<CaseScreening>,
    rules: &RuleCache,
) -> Round {
    let facts = &gathered.facts;
    let checks: Vec<CheckOutcome> = outcomes.iter().map(|(_, o)| o.clone()).collect();
    let (hits, summary) = match screening {
        Some(screened) => (screened.hits, screened.summary),
        None => (Vec::new(), decision::ScreeningSummary::default()),
    };
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
        related_persons: &gathered.related_persons,
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
        key: gathered.key.clone(),
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
) -> Vec<DocumentVerdict> {
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
    let reasons: Vec<serde_json::Value> = check
        .result
        .get("reasons")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    records
        .iter()
        .filter(|d| d.status == "pending" && d.document_type == checked_type)
        .map(|d| DocumentVerdict {
            document_id: d.id.clone(),
            document_type: d.document_type.clone(),
            side: d.side.clone(),
            accepted,
            reasons: if accepted {
                Vec::new()
            } else {
                reasons.clone()
            },
            reviewed_by: None,
        })
        .collect()
}
