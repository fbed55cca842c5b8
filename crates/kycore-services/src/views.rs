//! Read models: what the use cases answer with, built from stored records. Each edge (the
//! native API, a dialect, the portal, the console) maps these onto its own shapes; none of
//! them is an API schema. A stored value that does not read back is an error here, never a
//! default.

use std::collections::HashMap;

use kycore_domain::applicant::{ApplicantType, BusinessProfile, IndividualProfile, RelatedPerson};
use kycore_domain::case::{CaseKind, CaseStatus, Decision};
use kycore_domain::check::CheckStatus;
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::AnyConnection;
use kycore_store::applicants::ApplicantRecord;
use kycore_store::cases::CaseRecord;
use kycore_store::checks::{self, CheckRecord};
use kycore_store::documents::DocumentRecord;
use kycore_store::events::EventRecord;
use kycore_store::related_person_cases::{self, ChildStatus};
use kycore_store::screening_hits::{self, ScreeningHitRecord};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::crypto::DataKey;
use crate::kernel::applicants::{open_profile, type_of};
use crate::kernel::details::CaseDetails;
use crate::kernel::findings::SealedCheck;
use crate::kernel::{decision_of, status_of};
use crate::sealing::open_json;
use crate::time_format::datetime_of;
use crate::{ServiceError, Services};

/// The link an applicant opens to verify.
#[derive(Clone, Debug)]
pub struct HostedLink {
    pub url: String,
    /// The link's signed token, for platforms that embed the flow themselves.
    pub token: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct Case {
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
    /// Where the case's own webhooks go, when the platform named a receiver for it
    /// ([`Services::create_case_reporting_to`](crate::Services::create_case_reporting_to)).
    pub webhook_url: Option<String>,
    pub metadata: Map<String, Value>,
    pub link: HostedLink,
    pub decision: Option<Decision>,
    /// The checks run on the case, when the read included them.
    pub checks: Option<Vec<Check>>,
    /// Possible watchlist matches of the case's parties, when the read included them.
    pub screening_hits: Option<Vec<ScreeningHit>>,
    /// A business case's related persons' own KYC cases, when the read included them.
    pub related_cases: Option<Vec<RelatedCaseRef>>,
    /// When the case's personal data was erased, if it was.
    pub redacted_at: Option<OffsetDateTime>,
    /// When it was last submitted for checks, if it was.
    pub submitted_at: Option<OffsetDateTime>,
    /// Under four eyes: the approval waiting for a second person's.
    pub first_approval: Option<FirstApproval>,
    /// The person working on the case (a principal id), if one took it.
    pub assigned_to: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Under four eyes, the first of two approvals: who gave it (a principal id) and when.
#[derive(Clone, Debug)]
pub struct FirstApproval {
    pub by: String,
    pub at: OffsetDateTime,
}

impl Case {
    /// The case with everything that could identify a person left out, for copies that
    /// leave kycore unsealed (webhooks): its metadata, redirect URL and hosted link, the
    /// decision's note and rules' inputs, checks' results and explanations, hits' details
    /// and review notes. Ids, statuses, outcomes, scores and reason codes stay, and so does
    /// the case's own webhook receiver: the platform's server, where such a copy goes.
    pub fn without_personal_data(mut self) -> Case {
        self.metadata.clear();
        self.redirect_url = None;
        self.link.url.clear();
        self.link.token.clear();
        if let Some(decision) = &mut self.decision {
            decision.note = None;
            for rule in &mut decision.rules {
                rule.inputs.clear();
                rule.error = None;
            }
        }
        for check in self.checks.iter_mut().flatten() {
            check.result = Value::Null;
            check.explanation.clear();
        }
        for hit in self.screening_hits.iter_mut().flatten() {
            hit.detail = Value::Null;
            hit.review_note = None;
        }
        self
    }
}

#[derive(Clone, Debug)]
pub struct Applicant {
    pub id: String,
    pub applicant_type: ApplicantType,
    pub external_id: Option<String>,
    pub individual: Option<IndividualProfile>,
    pub business: Option<BusinessProfile>,
    pub related_persons: Vec<RelatedPerson>,
    pub revision: i64,
    /// When the applicant was erased, if they were.
    pub redacted_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Why the checks rejected a document: kycore's stable code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Rejection {
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Document {
    pub id: String,
    pub case_id: String,
    pub document_type: String,
    pub subtype: Option<String>,
    pub side: String,
    /// `pending` until the case's checks (or a person) judged it, then `accepted` or
    /// `rejected`.
    pub status: String,
    pub rejection_reasons: Vec<Rejection>,
    /// The n-th upload of this type and side for the case.
    pub attempt: i64,
    pub content_type: String,
    pub size_bytes: i64,
    pub has_mrz: bool,
    /// The person who gave the verdict (a principal id), when a person did, and when.
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<OffsetDateTime>,
    /// The person reviewing it now (a principal id), when one took it, and since when.
    pub review_started_by: Option<String>,
    pub review_started_at: Option<OffsetDateTime>,
    /// The held file it was made of, if it was ([`Services::add_held_document`]).
    pub held_file_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A related person's own case, as the business case lists it.
#[derive(Clone, Debug)]
pub struct RelatedCaseRef {
    pub related_person_id: String,
    pub case_id: String,
    pub status: CaseStatus,
}

#[derive(Clone, Debug)]
pub struct Check {
    pub id: String,
    pub kind: String,
    pub status: CheckStatus,
    pub score: Option<f64>,
    pub result: Value,
    pub explanation: String,
    pub provider: String,
    pub created_at: OffsetDateTime,
    /// The processing round that ran it, from 1: each submission's checks are one round.
    pub round: u32,
    /// A later round ran a check of the same kind, so this one no longer counts.
    pub superseded: bool,
}

#[derive(Clone, Debug)]
pub struct ScreeningHit {
    pub id: String,
    pub case_id: String,
    pub applicant_id: String,
    /// Who matched: `applicant`, `business` or `related_person:<id>`.
    pub subject: String,
    pub list: String,
    pub list_version: String,
    pub entity_id: String,
    pub score: f64,
    /// The entry's name, type, matched name and the explanation of the score.
    pub detail: Value,
    /// `case_checks` or `monitoring`.
    pub source: String,
    /// `open`, `true_match` or `false_match`.
    pub status: String,
    pub review_note: Option<String>,
    pub reviewed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub case_id: Option<String>,
    pub applicant_id: Option<String>,
    /// Position among the case's events, from 1.
    pub sequence: Option<i64>,
    /// Position in the deployment's commit order: later events have higher positions.
    pub position: i64,
    pub data: Value,
    pub created_at: OffsetDateTime,
}

fn json_of<T: serde::de::DeserializeOwned>(raw: &str, what: &str) -> Result<T, ServiceError> {
    serde_json::from_str(raw).map_err(|e| ServiceError::corrupt(format!("{what}: {e}")))
}

pub(crate) fn check(record: CheckRecord, key: Option<&DataKey>) -> Result<Check, ServiceError> {
    let sealed: SealedCheck =
        open_json(key, &record.id, record.sealed.as_deref(), "check result")?.unwrap_or_default();
    Ok(Check {
        status: CheckStatus::parse(&record.status)
            .ok_or_else(|| ServiceError::corrupt(format!("check status `{}`", record.status)))?,
        result: sealed.result,
        id: record.id,
        kind: record.kind,
        score: record.score,
        explanation: sealed.explanation,
        provider: record.provider,
        created_at: datetime_of(record.created_at),
        round: 1,
        superseded: false,
    })
}

/// A case's checks, oldest first, numbered by round and marked when a later round ran the
/// same kind again. A round's checks are written by one unit, at one instant, so a new
/// instant is a new round.
pub(crate) fn checks_by_round(
    records: Vec<CheckRecord>,
    key: Option<&DataKey>,
) -> Result<Vec<Check>, ServiceError> {
    let mut records = records;
    records.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let mut rounds = Vec::with_capacity(records.len());
    let mut round = 0;
    let mut last_instant = None;
    for record in &records {
        if last_instant != Some(record.created_at) {
            round += 1;
            last_instant = Some(record.created_at);
        }
        rounds.push(round);
    }
    let mut checks = records
        .into_iter()
        .zip(rounds)
        .map(|(record, round)| {
            Ok(Check {
                round,
                ..check(record, key)?
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let latest: std::collections::HashMap<String, u32> =
        checks.iter().map(|c| (c.kind.clone(), c.round)).collect();
    for check in &mut checks {
        check.superseded = latest
            .get(&check.kind)
            .is_some_and(|&last| last > check.round);
    }
    Ok(checks)
}

pub(crate) fn screening_hit(
    record: ScreeningHitRecord,
    key: Option<&DataKey>,
) -> Result<ScreeningHit, ServiceError> {
    let detail = open_json(
        key,
        &record.id,
        record.detail_sealed.as_deref(),
        "screening hit detail",
    )?;
    let review_note = open_json(
        key,
        &record.id,
        record.review_note_sealed.as_deref(),
        "review note",
    )?;
    Ok(ScreeningHit {
        detail: detail.unwrap_or_default(),
        id: record.id,
        case_id: record.case_id,
        applicant_id: record.applicant_id,
        subject: record.subject,
        list: record.list_id,
        list_version: record.list_version,
        entity_id: record.entity_id,
        score: record.score,
        source: record.source,
        status: record.status,
        review_note,
        reviewed_at: record.reviewed_at.map(datetime_of),
        created_at: datetime_of(record.created_at),
    })
}

pub(crate) fn document(
    record: &DocumentRecord,
    key: Option<&DataKey>,
) -> Result<Document, ServiceError> {
    let rejection_reasons = open_json(
        key,
        &record.id,
        record.rejection_sealed.as_deref(),
        "rejection reasons",
    )?
    .unwrap_or_default();
    Ok(Document {
        id: record.id.clone(),
        case_id: record.case_id.clone(),
        document_type: record.document_type.clone(),
        subtype: record.subtype.clone(),
        side: record.side.clone(),
        status: record.status.clone(),
        rejection_reasons,
        attempt: record.attempt,
        content_type: record.content_type.clone(),
        size_bytes: record.size_bytes,
        has_mrz: record.mrz_sealed.is_some(),
        reviewed_by: record.reviewed_by.clone(),
        reviewed_at: record.reviewed_at.map(datetime_of),
        review_started_by: record.review_started_by.clone(),
        review_started_at: record.review_started_at.map(datetime_of),
        held_file_id: record.held_file_id.clone(),
        created_at: datetime_of(record.created_at),
        updated_at: datetime_of(record.updated_at),
    })
}

pub(crate) fn event(record: EventRecord) -> Result<Event, ServiceError> {
    Ok(Event {
        data: json_of(&record.payload, "event payload")?,
        position: record
            .position
            .ok_or_else(|| ServiceError::corrupt(format!("event {} has no position", record.id)))?,
        id: record.id,
        event_type: record.event_type,
        case_id: record.case_id,
        applicant_id: record.applicant_id,
        sequence: record.sequence,
        created_at: datetime_of(record.created_at),
    })
}

impl Services {
    /// An applicant with its profile opened (empty once erased: `key` is `None`).
    pub(crate) fn applicant_view(
        &self,
        record: &ApplicantRecord,
        key: Option<&DataKey>,
    ) -> Result<Applicant, ServiceError> {
        let profile = open_profile(key, record)?;
        Ok(Applicant {
            id: record.id.clone(),
            applicant_type: type_of(record)?,
            external_id: record.external_id.clone(),
            individual: profile.individual,
            business: profile.business,
            related_persons: profile.related_persons,
            revision: record.revision,
            redacted_at: record.redacted_at.map(datetime_of),
            created_at: datetime_of(record.created_at),
            updated_at: datetime_of(record.updated_at),
        })
    }

    /// The hosted link of a case as it stands.
    pub(crate) fn hosted_link(&self, record: &CaseRecord) -> Result<HostedLink, ServiceError> {
        let token = crate::tokens::link_token(self.keyring(), record)?;
        Ok(HostedLink {
            url: self.verification_url(&token),
            token,
            expires_at: datetime_of(record.link_expires_at),
        })
    }

    /// A case without its checks and hits (lists); `key` is its applicant's data key (`None`
    /// once erased).
    pub(crate) fn case_view(
        &self,
        record: &CaseRecord,
        key: Option<&DataKey>,
    ) -> Result<Case, ServiceError> {
        let details = CaseDetails::open(key, record)?;
        Ok(Case {
            id: record.id.clone(),
            environment: Environment::parse(&record.environment).ok_or_else(|| {
                ServiceError::corrupt(format!("case environment `{}`", record.environment))
            })?,
            status: status_of(record)?,
            kind: CaseKind::parse(&record.kind)
                .ok_or_else(|| ServiceError::corrupt(format!("case kind `{}`", record.kind)))?,
            applicant_id: record.applicant_id.clone(),
            flow_id: record.flow_id.clone(),
            flow_version: record.flow_version,
            revision: record.revision,
            external_id: record.external_id.clone(),
            link: self.hosted_link(record)?,
            decision: decision_of(record)?.map(|d| details.with_note(d)),
            redirect_url: details.redirect_url,
            webhook_url: details.webhook_url,
            metadata: details.metadata,
            checks: None,
            screening_hits: None,
            related_cases: None,
            redacted_at: record.redacted_at.map(datetime_of),
            submitted_at: record.submitted_at.map(datetime_of),
            first_approval: record
                .first_approved_by
                .clone()
                .zip(record.first_approved_at)
                .map(|(by, at)| FirstApproval {
                    by,
                    at: datetime_of(at),
                }),
            assigned_to: record.assigned_to.clone(),
            created_at: datetime_of(record.created_at),
            updated_at: datetime_of(record.updated_at),
        })
    }

    /// A case with its checks and screening hits, read through `conn` — inside the unit that
    /// changed it, so the answer (and an idempotent replay of it) is the representation a
    /// later read gives.
    pub(crate) async fn full_case_view(
        &self,
        conn: &mut AnyConnection,
        record: &CaseRecord,
    ) -> Result<Case, ServiceError> {
        let scope = crate::scope::of_case(record)?;
        let mut views = self
            .full_case_views(conn, &scope, std::slice::from_ref(record))
            .await?;
        views
            .pop()
            .ok_or_else(|| ServiceError::internal("a case's view went missing"))
    }

    /// The full views of distinct cases of one scope, in their order: each table is read once
    /// for them all (one query for the checks of every case, one for the hits, …), so a batch
    /// costs the round trips of a single case.
    pub(crate) async fn full_case_views(
        &self,
        conn: &mut AnyConnection,
        scope: &Scope,
        records: &[CaseRecord],
    ) -> Result<Vec<Case>, ServiceError> {
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        let applicants = records.iter().map(|r| r.applicant_id.as_str());
        let keys = self.applicant_keys(&mut *conn, scope, applicants).await?;
        let checks = checks::for_cases(&mut *conn, scope, &ids).await?;
        let mut checks = grouped(checks, |c| &c.case_id);
        let children = related_person_cases::statuses_for_parents(&mut *conn, scope, &ids).await?;
        let mut children = grouped(children, |c| &c.parent_case_id);
        let hits = screening_hits::for_cases(&mut *conn, scope, &ids).await?;
        let mut hits = grouped(hits, |h| &h.case_id);
        records
            .iter()
            .map(|record| {
                let key = keys.of(&record.applicant_id);
                let mut view = self.case_view(record, key)?;
                let checks = checks.remove(&record.id).unwrap_or_default();
                view.checks = Some(checks_by_round(checks, key)?);
                let children = children.remove(&record.id).unwrap_or_default();
                view.related_cases = Some(related_cases(children)?);
                let hits = hits.remove(&record.id).unwrap_or_default();
                view.screening_hits = Some(
                    hits.into_iter()
                        .map(|h| screening_hit(h, key))
                        .collect::<Result<_, _>>()?,
                );
                Ok(view)
            })
            .collect()
    }
}

/// Rows by the case they belong to, each case's in the order read.
fn grouped<R>(rows: Vec<R>, case_of: impl Fn(&R) -> &String) -> HashMap<String, Vec<R>> {
    let mut groups: HashMap<String, Vec<R>> = HashMap::new();
    for row in rows {
        groups.entry(case_of(&row).clone()).or_default().push(row);
    }
    groups
}

fn related_cases(children: Vec<ChildStatus>) -> Result<Vec<RelatedCaseRef>, ServiceError> {
    children
        .into_iter()
        .map(|child| {
            Ok(RelatedCaseRef {
                status: crate::kernel::stored_status(&child.status)?,
                related_person_id: child.related_person_id,
                case_id: child.case_id,
            })
        })
        .collect()
}
