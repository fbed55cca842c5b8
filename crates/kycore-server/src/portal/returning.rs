//! What the hosted flow tells the platform when it sends the applicant back to the case's
//! `redirect_url` (whose own query is kept), as the case's flow asks: `case_id` and
//! `outcome` right after submission, or a gatherer's `info` — `success` once approved,
//! `partial` when some documents were judged and others wait for a person, `manual` when a
//! person decides or something must be redone, `back` from the link every step shows for
//! leaving before the end, and `token_expired` when the link was opened too late.

use kycore_domain::case::CaseStatus;
use kycore_domain::flow::ReturnParameters;
use kycore_services::portal::PortalCase;
use kycore_services::views::Document;

/// `url` with `pairs` appended to its query.
fn with_query(url: &str, pairs: &[(&str, &str)]) -> Option<String> {
    let mut url = url::Url::parse(url).ok()?;
    url.query_pairs_mut().extend_pairs(pairs);
    Some(url.into())
}

/// Where the applicant goes back to once the case is `status`; `None` without a
/// `redirect_url`, or while `info` waits for the checks.
pub fn return_url(portal: &PortalCase, case_id: &str, status: CaseStatus) -> Option<String> {
    let url = portal.redirect_url.as_deref()?;
    match portal.flow.return_parameters {
        ReturnParameters::CaseOutcome => {
            with_query(url, &[("case_id", case_id), ("outcome", status.as_str())])
        }
        ReturnParameters::Info => with_query(url, &[("info", gatherer_info(portal, status)?)]),
    }
}

/// The link every step shows for leaving before the end, when the flow reports `info`.
pub fn leave_url(portal: &PortalCase) -> Option<String> {
    let url = portal.redirect_url.as_deref()?;
    (portal.flow.return_parameters == ReturnParameters::Info)
        .then(|| with_query(url, &[("info", "back")]))
        .flatten()
}

/// Where an expired link of a flow reporting `info` sends its visitor.
pub fn expired_url(redirect_url: &str) -> Option<String> {
    with_query(redirect_url, &[("info", "token_expired")])
}

/// A gatherer's `info` for a case's status; nothing before the checks ran.
fn gatherer_info(portal: &PortalCase, status: CaseStatus) -> Option<&'static str> {
    match status {
        CaseStatus::Approved => Some("success"),
        CaseStatus::InReview if partly_judged(&portal.documents) => Some("partial"),
        CaseStatus::InReview | CaseStatus::Rejected | CaseStatus::ResubmissionRequested => {
            Some("manual")
        }
        _ => None,
    }
}

/// Whether the checks judged some documents and left others to a person (a proof of
/// address, which no check reads). Selfies and back sides belong to their document.
fn partly_judged(documents: &[Document]) -> bool {
    let judged = |d: &&Document| d.status != "pending";
    let own: Vec<&Document> = documents
        .iter()
        .filter(|d| d.side == "front" && d.document_type != "selfie")
        .collect();
    own.iter().any(judged) && !own.iter().all(judged)
}
