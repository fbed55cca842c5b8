//! Related persons' own links, e-mailed to them. Asking for the e-mail (choosing "their own
//! link", or "send again") records the request and queues an `email_related_link` job in
//! the same unit; the job reads the person's sealed e-mail address, builds the case's hosted
//! link as it stands, sends it through the configured SMTP server outside any unit, and then
//! records that it went out (the time on the related person's row, an audit entry naming
//! ids only). A crash before the send leaves the job to be claimed again; one after it, at
//! worst, sends the link twice.

use futures_util::future::BoxFuture;
use kycore_domain::applicant::IndividualProfile;
use kycore_domain::tenancy::Scope;
use kycore_store::cases::{self, CaseRecord};
use kycore_store::jobs;
use kycore_store::related_person_cases::{self, EmailMoment, RelatedPersonCaseRecord};
use kycore_store::{Millis, Tx, applicants};
use serde_json::json;
use time::macros::format_description;

use super::{PortalCase, VerifyMode};
use crate::context::SystemComponent;
use crate::jobs::Job;
use crate::kernel::{self, applicants::open_profile};
use crate::mail::Mail;
use crate::record::{self, AuditEntry};
use crate::time_format::{datetime_of, now_millis};
use crate::{Principal, ServiceError, Services};

/// Asking again within this long after the last request is refused, so the button cannot
/// be used to flood someone's inbox.
const RESEND_AFTER_MILLIS: Millis = 60_000;

/// Inside a unit: notes the request and queues the job that e-mails `case_id` its link.
pub(super) async fn request_link_email(
    tx: &mut Tx,
    scope: &Scope,
    case_id: &str,
    now: Millis,
) -> Result<(), ServiceError> {
    related_person_cases::note_email(
        tx.conn().await?,
        scope,
        case_id,
        EmailMoment::Requested,
        now,
    )
    .await?;
    let job = Job::EmailRelatedLink {
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().to_owned(),
        case_id: case_id.to_owned(),
    };
    jobs::enqueue(tx.conn().await?, &job.record(now)?).await?;
    Ok(())
}

pub(super) fn full_name(person: &IndividualProfile) -> String {
    [person.first_name.as_deref(), person.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The e-mail a related person gets. Plain text, so every mail client shows the link as
/// sent, and without their personal details beyond their name.
fn link_mail(to: String, person: &str, business: &str, url: &str, expires: &str) -> Mail {
    let greeting = if person.is_empty() {
        "Hello,".to_owned()
    } else {
        format!("Hello {person},")
    };
    Mail {
        to,
        subject: format!("Verify your identity for {business}"),
        body: format!(
            "{greeting}\n\n\
             {business} has named you as an owner or director, and asks you to verify your \
             identity. It takes a few minutes: you will need an identity document and your \
             phone's camera.\n\n\
             Open your own link to start:\n\n{url}\n\n\
             The link works until {expires}. If you did not expect this e-mail, you can \
             ignore it.\n"
        ),
    }
}

impl Services {
    /// Whether related persons' links can be e-mailed here (`[smtp]` is configured).
    pub fn mail_enabled(&self) -> bool {
        self.mailer().is_some()
    }

    /// E-mails a related person their own link again (or for the first time, if it was not
    /// sent when the link was made).
    pub async fn portal_email_related_link(
        &self,
        portal: &PortalCase,
        related_person_id: &str,
    ) -> Result<(), ServiceError> {
        if !self.mail_enabled() {
            return Err(ServiceError::conflict(
                "email_not_configured",
                "e-mail is not set up here",
            ));
        }
        let related = portal
            .related_case(related_person_id)
            .filter(|c| c.mode == VerifyMode::Link && c.status.awaits_applicant())
            .ok_or(ServiceError::not_found("related person's link"))?;
        let has_email = portal
            .applicant
            .related_persons
            .iter()
            .find(|p| {
                p.id.as_ref()
                    .is_some_and(|id| id.as_str() == related_person_id)
            })
            .is_some_and(|p| p.email.is_some());
        if !has_email {
            return Err(ServiceError::conflict(
                "email_unknown",
                "no e-mail address is known for this person",
            ));
        }
        let child_id = related.case_id.clone();
        self.portal_change(&portal.session, move |tx, case, _, now| {
            Box::pin(async move {
                let scope = case.scope().clone();
                let record = related_person_cases::of_child(tx.conn().await?, &scope, &child_id)
                    .await?
                    .ok_or(ServiceError::not_found("related person's link"))?;
                let recently = record
                    .email_requested_at
                    .is_some_and(|at| now - at < RESEND_AFTER_MILLIS);
                if recently {
                    return Err(ServiceError::conflict(
                        "email_recently_sent",
                        "the link was e-mailed a moment ago",
                    ));
                }
                request_link_email(tx, &scope, &child_id, now).await
            })
        })
        .await
    }

    /// The `email_related_link` job: sends a related person's case its hosted link. A case
    /// that no longer waits for its applicant, or whose person has no e-mail address, gets
    /// nothing (and the job is done).
    pub(crate) async fn email_related_link(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<(), ServiceError> {
        let mailer = self.mailer().ok_or_else(|| {
            ServiceError::unavailable("email_not_configured", "[smtp] is not configured")
        })?;
        let reader = self.store().reader();
        let child = cases::get(reader, scope, case_id)
            .await?
            .ok_or(ServiceError::not_found("case"))?;
        if !kernel::status_of(&child)?.awaits_applicant() || child.redacted_at.is_some() {
            return Ok(());
        }
        let record = related_person_cases::of_child(reader, scope, case_id)
            .await?
            .ok_or_else(|| ServiceError::corrupt("an e-mailed link without its related person"))?;
        let person = self
            .individual_of(scope, &child.applicant_id)
            .await?
            .unwrap_or_default();
        let Some(email) = person.email.clone() else {
            tracing::info!(
                case_id,
                "a related person's link was not e-mailed: no address"
            );
            return Ok(());
        };
        let parent = cases::get(reader, scope, &record.parent_case_id)
            .await?
            .ok_or_else(|| ServiceError::corrupt("a related person's business case is missing"))?;
        let business = self.business_name_of(scope, &parent).await?;
        let link = self.hosted_link(&child)?;
        let expires = link
            .expires_at
            .format(format_description!(
                "[day padding:none] [month repr:long] [year]"
            ))
            .map_err(|e| ServiceError::internal(format!("a date could not be written: {e}")))?;
        let mail = link_mail(email, &full_name(&person), &business, &link.url, &expires);
        mailer.send(mail).await?;
        self.record_link_emailed(scope.clone(), record).await
    }

    /// The individual profile of an applicant of the scope, opened with their key.
    async fn individual_of(
        &self,
        scope: &Scope,
        applicant_id: &str,
    ) -> Result<Option<IndividualProfile>, ServiceError> {
        let reader = self.store().reader();
        let applicant = applicants::get(reader, scope, applicant_id)
            .await?
            .ok_or_else(|| ServiceError::corrupt("a case without its applicant"))?;
        let key = self
            .required_applicant_key(reader, scope, applicant_id)
            .await?;
        Ok(open_profile(Some(&key), &applicant)?.individual)
    }

    /// The legal name of the business `case` verifies, or a neutral stand-in.
    pub(super) async fn business_name_of(
        &self,
        scope: &Scope,
        case: &CaseRecord,
    ) -> Result<String, ServiceError> {
        let reader = self.store().reader();
        let applicant = applicants::get(reader, scope, &case.applicant_id)
            .await?
            .ok_or_else(|| ServiceError::corrupt("a case without its applicant"))?;
        let key = self
            .required_applicant_key(reader, scope, &case.applicant_id)
            .await?;
        Ok(open_profile(Some(&key), &applicant)?
            .business
            .and_then(|b| b.legal_name)
            .unwrap_or_else(|| "the business".to_owned()))
    }

    /// Records that the link went out: the time beside the related person, and an audit
    /// entry of ids only.
    async fn record_link_emailed(
        &self,
        scope: Scope,
        record: RelatedPersonCaseRecord,
    ) -> Result<(), ServiceError> {
        self.store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let conn = tx.conn().await?;
                        related_person_cases::note_email(
                            conn,
                            &scope,
                            &record.case_id,
                            EmailMoment::Sent,
                            now,
                        )
                        .await?;
                        let entry = AuditEntry {
                            action: "portal.link_emailed",
                            target_type: "case",
                            target_id: &record.case_id,
                            case_id: Some(&record.case_id),
                            detail: json!({
                                "parent_case_id": record.parent_case_id,
                                "related_person_id": record.related_person_id,
                            }),
                        };
                        let principal = Principal::System(SystemComponent::Mail);
                        record::audit(tx, &scope, &principal, entry, now);
                        Ok(())
                    })
                },
            )
            .await
    }
}

/// When a related person's link was asked to be e-mailed and when it went out.
pub(super) fn email_times(
    record: &RelatedPersonCaseRecord,
) -> (Option<time::OffsetDateTime>, Option<time::OffsetDateTime>) {
    (
        record.email_requested_at.map(datetime_of),
        record.email_sent_at.map(datetime_of),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_carries_the_link_and_names_the_business() {
        let mail = link_mail(
            "lars@example.com".into(),
            "Lars Nilsson",
            "Nordic Widgets AB",
            "https://kyc.example/verify/abc",
            "20 December 2026",
        );
        assert_eq!(mail.subject, "Verify your identity for Nordic Widgets AB");
        assert!(mail.body.starts_with("Hello Lars Nilsson,"));
        assert!(mail.body.contains("\nhttps://kyc.example/verify/abc\n"));
    }
}
