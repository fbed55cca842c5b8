//! The console's markup: one self-contained page per response (inline style, no scripts,
//! no external resources), laid out for a desk screen and a tablet, keyboard-first (a skip
//! link, visible focus, real buttons and links), tables with headers for screen readers.

use axum::http::StatusCode;
use axum::response::Response;
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::flow::Step;
use kycore_domain::tenancy::Environment;
use kycore_services::audit::AuditEntry;
use kycore_services::cases::{QueueRow, RiskSignals};
use kycore_services::console_users::ConsoleSession;
use kycore_services::views::{Applicant, Case, Check, Document, ScreeningHit};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:0.95rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1b1f;background:#f4f5f7}\
.skip{position:absolute;inset-inline-start:-999px}.skip:focus{inset-inline-start:.5rem;top:.5rem;background:#fff;padding:.5rem;z-index:1}\
header{background:#fff;border-bottom:1px solid #c9ccd3;padding:.5rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:.75rem;flex-wrap:wrap}\
header p{margin:0}header .site{font-weight:600}\
header form{display:inline;margin:0}\
.env{display:inline-block;font-weight:600;padding:.1rem .5rem;border-radius:4px;border:2px solid}\
.env-live{color:#8a1c00;border-color:#8a1c00}.env-sandbox{color:#1d5b2f;border-color:#1d5b2f}\
main{max-width:80rem;margin:0 auto;padding:1rem}\
h1{font-size:1.4rem;margin:.25rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}\
a{color:#0b4fbf}\
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f5b400;outline-offset:2px}\
.card{background:#fff;border:1px solid #c9ccd3;border-radius:8px;padding:1rem;margin:0 0 1rem}\
table{border-collapse:collapse;width:100%;background:#fff}\
th,td{text-align:start;padding:.4rem .5rem;border-bottom:1px solid #dfe1e6;vertical-align:top}\
th{background:#eef0f3}caption{text-align:start;font-weight:600;padding:.25rem 0}\
label{display:block;font-weight:600;margin:.75rem 0 .25rem}\
input[type=text],input[type=email],input[type=password],input[type=date],select,textarea{width:100%;max-width:28rem;font:inherit;padding:.5rem;border:2px solid #5b616e;border-radius:4px;background:#fff;color:inherit}\
button{font:inherit;font-weight:600;padding:.5rem 1rem;margin:.75rem .5rem 0 0;border:0;border-radius:4px;background:#0b4fbf;color:#fff;cursor:pointer;min-height:40px}\
.link-button{background:none;color:#0b4fbf;text-decoration:underline;padding:0;margin:0;min-height:0;font-weight:400}\
.danger{background:#a3141e}.secondary{background:#fff;color:#0b4fbf;border:2px solid #0b4fbf}\
.error{border:3px solid #b00020;background:#fff;padding:.75rem 1rem;margin:0 0 1rem;border-radius:4px;color:#8a0019;font-weight:600}\
.ok{border:3px solid #1d6b2f;background:#fff;padding:.75rem 1rem;margin:0 0 1rem;border-radius:4px;color:#1d5b2f;font-weight:600}\
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
.muted{color:#4a4f5a}\
.scan{display:block;max-width:16rem;max-height:12rem;border:1px solid #c9ccd3;border-radius:4px}\
.signals{margin:0;padding-inline-start:1rem;color:#8a1c00}\
.case-nav{display:flex;justify-content:space-between;gap:1rem;margin:0 0 .5rem}\
kbd{font:inherit;font-weight:600;border:1px solid #5b616e;border-radius:3px;padding:0 .3rem}\
.steps{border:1px solid #c9ccd3;border-radius:4px;margin:.5rem 0;padding:.25rem .75rem}\
label.check{display:block;font-weight:400;margin:.25rem 0}\
.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end}\
.decisions form{border-top:1px solid #dfe1e6;padding-top:.5rem;margin-top:.5rem}\
";

/// The console's content security policy: its own inline style by nonce, no script.
const POLICY: &str = "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Turns a page into a response with the headers every console page carries.
pub fn respond(status: StatusCode, nonce: &str, markup: Markup) -> Response {
    crate::web_pages::respond(status, nonce, POLICY, markup)
}

pub fn csrf(session: &ConsoleSession) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf_token); }
}

/// A full page: the header names the user, the organization and, always, the environment.
pub fn shell(nonce: &str, title: &str, session: Option<&ConsoleSession>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " – kycore console" }
                style nonce=(nonce) { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header {
                    p.site { "kycore console" }
                    @if let Some(session) = session {
                        nav aria-label="Console" {
                            a href="/console/cases" { "Review queue" }
                            @if session.user.role.can_administer() {
                                " · " a href="/console/webhooks" { "Webhooks" }
                            }
                        }
                        p {
                            (session.user.email) " · " (session.user.role.as_str()) " · "
                            span.muted { (session.user.organization_id) } " · "
                            @match session.scope.environment {
                                Environment::Live => span.env.env-live { "Live" },
                                Environment::Sandbox => span.env.env-sandbox { "Sandbox" },
                            }
                        }
                        form method="post" action="/console/environment" {
                            (csrf(session))
                            @match session.scope.environment {
                                Environment::Live => {
                                    input type="hidden" name="environment" value="sandbox";
                                    button.secondary #switch-environment type="submit" { "Switch to sandbox" }
                                }
                                Environment::Sandbox => {
                                    input type="hidden" name="environment" value="live";
                                    button.secondary #switch-environment type="submit" { "Switch to live" }
                                }
                            }
                        }
                        form method="post" action="/console/logout" {
                            (csrf(session))
                            button.secondary #sign-out type="submit" { "Sign out" }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

pub fn message(title: &str, message: &str) -> Markup {
    html! {
        h1 { (title) }
        div.card { p { (message) } p { a href="/console/cases" { "Back to the review queue" } } }
    }
}

pub fn login(csrf: &str, error: Option<&str>, email: &str, ask_organization: bool) -> Markup {
    html! {
        h1 { "Sign in" }
        @if let Some(error) = error {
            div.error role="alert" id="login-error" { (error) }
        }
        form.card method="post" action="/console/login" {
            input type="hidden" name="csrf" value=(csrf);
            label for="email" { "E-mail" }
            input #email type="email" name="email" value=(email) autocomplete="username" required
                aria-describedby=[error.map(|_| "login-error")];
            label for="password" { "Password" }
            input #password type="password" name="password" autocomplete="current-password" required;
            @if ask_organization {
                label for="organization" { "Organization id" }
                input #organization type="text" name="organization" required;
            }
            button #sign-in type="submit" { "Sign in" }
        }
    }
}

pub fn date(at: &OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn status_label(status: CaseStatus) -> &'static str {
    status.as_str()
}

/// The queue's filters as the form shows them again.
pub struct QueueForm<'a> {
    pub status: Option<CaseStatus>,
    pub kind: Option<CaseKind>,
    pub q: &'a str,
    pub from: &'a str,
    pub until: &'a str,
    /// Only the signed-in user's cases.
    pub mine: bool,
}

/// A queue row's risk signals in words; "—" when there are none.
fn signals(signals: &RiskSignals) -> Markup {
    let mut said: Vec<String> = Vec::new();
    if signals.open_hits > 0 {
        said.push(format!("{} open screening hit(s)", signals.open_hits));
    }
    if signals.duplicate {
        said.push("possible duplicate".to_owned());
    }
    let other_failures: Vec<&str> = signals
        .failed_checks
        .iter()
        .map(String::as_str)
        .filter(|kind| *kind != "duplicate_applicant")
        .collect();
    if !other_failures.is_empty() {
        said.push(format!("failed: {}", other_failures.join(", ")));
    }
    if signals.rejected_documents > 0 {
        said.push(format!(
            "{} document(s) rejected",
            signals.rejected_documents
        ));
    }
    html! {
        @if said.is_empty() { span.muted { "—" } } @else {
            ul.signals { @for line in &said { li { (line) } } }
        }
    }
}

pub fn queue(rows: &[QueueRow], form: &QueueForm<'_>) -> Markup {
    html! {
        h1 { "Review queue" }
        form.card.filters method="get" action="/console/cases" {
            div {
                label for="q" { "Case id or external id" }
                input #q type="text" name="q" value=(form.q);
            }
            div {
                label for="status" { "Status" }
                select #status name="status" {
                    option value="" selected[form.status.is_none()] { "In review first, then every other" }
                    @for status in CaseStatus::ALL {
                        option value=(status.as_str()) selected[form.status == Some(status)] { (status_label(status)) }
                    }
                }
            }
            div {
                label for="kind" { "Kind" }
                select #kind name="kind" {
                    option value="" selected[form.kind.is_none()] { "KYC and KYB" }
                    option value="kyc" selected[form.kind == Some(CaseKind::Kyc)] { "KYC (people)" }
                    option value="kyb" selected[form.kind == Some(CaseKind::Kyb)] { "KYB (businesses)" }
                }
            }
            div {
                label for="from" { "Created from" }
                input #from type="date" name="from" value=(form.from);
            }
            div {
                label for="until" { "Created until" }
                input #until type="date" name="until" value=(form.until);
            }
            div {
                label for="assigned" { "Assigned" }
                select #assigned name="assigned" {
                    option value="" selected[!form.mine] { "Anyone or nobody" }
                    option value="me" selected[form.mine] { "To me" }
                }
            }
            div { button type="submit" { "Filter" } }
        }
        @if rows.is_empty() {
            p.card { "No cases." }
        } @else {
            table {
                caption { (rows.len()) " cases, in review first, oldest first" }
                thead { tr { th scope="col" { "Case" } th scope="col" { "Status" } th scope="col" { "Kind" } th scope="col" { "External id" } th scope="col" { "Signals" } th scope="col" { "Assigned to" } th scope="col" { "Created" } } }
                tbody {
                    @for row in rows {
                        @let case = &row.case;
                        tr {
                            td { a href={ "/console/cases/" (case.id) } { (case.id) } }
                            td { (case.status.as_str()) }
                            td { (case.kind.as_str()) }
                            td { (case.external_id.as_deref().unwrap_or("—")) }
                            td { (signals(&row.signals)) }
                            td { (case.assigned_to.as_deref().unwrap_or("—")) }
                            td { (date(&case.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

/// Who works on the case, with the button to take it or let it go.
fn assignment(case: &Case, session: &ConsoleSession) -> Markup {
    let mine = case.assigned_to.as_deref() == Some(session.user.id.as_str());
    html! {
        form method="post" action={ "/console/cases/" (case.id) "/assignment" } {
            (csrf(session))
            p #assigned-to {
                @match &case.assigned_to {
                    Some(_) if mine => "Assigned to you.",
                    Some(other) => { "Assigned to " (other) "." },
                    None => "Assigned to nobody.",
                }
            }
            @if mine {
                button.secondary #release type="submit" name="action" value="release" { "Let it go" }
            } @else {
                button.secondary #take type="submit" name="action" value="take" { "Assign to me" }
            }
        }
    }
}

/// A document's file as the viewer shows it: an image in place, a PDF behind a link. Both
/// come from the console's own address, for a signed-in session only.
fn document_file(case: &Case, document: &Document) -> Markup {
    let href = format!("/console/cases/{}/documents/{}/file", case.id, document.id);
    let label = format!("{}, {} side", document.document_type, document.side);
    html! {
        @if document.content_type.starts_with("image/") {
            a href=(href) { img.scan src=(href) alt=(label) loading="lazy"; }
        } @else {
            a href=(href) { "Open the PDF (" (label) ")" }
        }
    }
}

pub struct CaseView {
    pub case: Case,
    pub applicant: Applicant,
    pub documents: Vec<Document>,
    pub checks: Vec<Check>,
    pub hits: Vec<ScreeningHit>,
    pub audit: Vec<AuditEntry>,
    /// The flow's steps a resubmission may ask to redo.
    pub redoable: Vec<Step>,
}

pub fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "approved" => Some("The case is approved."),
        "assigned" => Some("The case is yours."),
        "unassigned" => Some("The case is assigned to nobody."),
        "first_approval" => Some(
            "Your approval is recorded. This flow needs four eyes: a second analyst confirms it.",
        ),
        "rejected" => Some("The case is rejected."),
        "resubmission_requested" => Some("The applicant was asked to resubmit."),
        "document_reviewed" => Some("The document's review is recorded."),
        "hit_reviewed" => Some("The screening hit's review is recorded."),
        _ => None,
    }
}

/// A document's accept and reject forms (a rejection names one of the checks' reason codes).
fn document_review(case: &Case, document: &Document, session: &ConsoleSession) -> Markup {
    let action = format!(
        "/console/cases/{}/documents/{}/review",
        case.id, document.id
    );
    let id = &document.id;
    html! {
        form method="post" action=(action) {
            (csrf(session))
            input type="hidden" name="status" value="accepted";
            button.secondary id={ "accept-" (id) } type="submit" { "Accept" }
        }
        form method="post" action=(action) {
            (csrf(session))
            input type="hidden" name="status" value="rejected";
            label for={ "code-" (id) } { "Reason code" }
            input id={ "code-" (id) } type="text" name="reason_code" placeholder="e.g. outdated_address";
            label for={ "message-" (id) } { "Message" }
            input id={ "message-" (id) } type="text" name="message";
            button.danger id={ "reject-" (id) } type="submit" { "Reject" }
        }
    }
}

/// A screening hit's review form: a note and the two verdicts.
fn hit_review(case: &Case, hit: &ScreeningHit, session: &ConsoleSession) -> Markup {
    let id = &hit.id;
    html! {
        form method="post" action={ "/console/cases/" (case.id) "/screening-hits/" (id) "/review" } {
            (csrf(session))
            label for={ "hit-note-" (id) } { "Note" }
            input id={ "hit-note-" (id) } type="text" name="note";
            button.danger id={ "true-" (id) } type="submit" name="verdict" value="true_match" { "True match" }
            button.secondary id={ "false-" (id) } type="submit" name="verdict" value="false_match" { "False match" }
        }
    }
}

/// A profile's fields as label and value, in the order the profile gives them.
fn profile_rows(profile: Option<Value>) -> Vec<(String, String)> {
    let Some(Value::Object(fields)) = profile else {
        return Vec::new();
    };
    fields
        .into_iter()
        .map(|(name, value)| {
            let shown = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (name.replace('_', " "), shown)
        })
        .collect()
}

pub fn case(
    view: &CaseView,
    session: &ConsoleSession,
    done: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let case = &view.case;
    let may_decide = session.user.role.can_decide();
    let applicant = &view.applicant;
    let profile = applicant
        .individual
        .as_ref()
        .and_then(|p| serde_json::to_value(p).ok())
        .or_else(|| {
            applicant
                .business
                .as_ref()
                .and_then(|p| serde_json::to_value(p).ok())
        });
    html! {
        nav.case-nav aria-label="Queue" {
            a href="/console/cases" { "← Review queue" }
            a #next-case href={ "/console/next?after=" (case.id) } accesskey="n" { "Next case →" }
        }
        h1 { "Case " (case.id) }
        @if may_decide {
            p.muted #shortcuts {
                "Keyboard: the browser's access keys (Alt+Shift, or Ctrl+Option on a Mac) with "
                kbd { "A" } " approve, " kbd { "R" } " the rejection's reason, "
                kbd { "N" } " the next case."
            }
        }
        @if let Some(error) = error { div.error role="alert" { (error) } }
        @if let Some(done) = done { div.ok role="status" { (done) } }
        div.grid {
            section.card aria-labelledby="h-case" {
                h2 #h-case { "Case" }
                dl {
                    dt { "Status" } dd #case-status { (case.status.as_str()) }
                    dt { "Kind" } dd { (case.kind.as_str()) }
                    dt { "Flow" } dd { (case.flow_id) " v" (case.flow_version) }
                    dt { "External id" } dd { (case.external_id.as_deref().unwrap_or("—")) }
                    dt { "Created" } dd { (date(&case.created_at)) }
                    @if let Some(decision) = &case.decision {
                        dt { "Decision" } dd { (format!("{decision:?}")) }
                    }
                }
            }
            section.card aria-labelledby="h-applicant" {
                h2 #h-applicant { "Applicant" }
                dl {
                    dt { "Id" } dd { (applicant.id) }
                    dt { "Type" } dd { (applicant.applicant_type.as_str()) }
                    @for (name, value) in profile_rows(profile) {
                        dt { (name) } dd { (value) }
                    }
                }
            }
        }
        @if session.user.role.can_decide() {
            section.card.decisions aria-labelledby="h-decide" {
                h2 #h-decide { "Decide" }
                (assignment(case, session))
                @if let Some(first) = &case.first_approval {
                    p #first-approval {
                        "Approved first by " (first.by) " at " (date(&first.at))
                        ". This flow needs four eyes: a second, different analyst confirms the approval."
                    }
                }
                form method="post" action={ "/console/cases/" (case.id) "/decision" } {
                    (csrf(session))
                    input type="hidden" name="revision" value=(case.revision);
                    input type="hidden" name="decision" value="approve";
                    label for="approve-note" { "Note (optional)" }
                    input #approve-note type="text" name="note";
                    button #approve type="submit" accesskey="a" {
                        @if case.first_approval.is_some() { "Confirm the approval" } @else { "Approve" }
                    }
                }
                form method="post" action={ "/console/cases/" (case.id) "/decision" } {
                    (csrf(session))
                    input type="hidden" name="revision" value=(case.revision);
                    input type="hidden" name="decision" value="reject";
                    label for="reject-reason" { "Reason code" }
                    input #reject-reason type="text" name="reason_code" placeholder="e.g. document_forged" accesskey="r";
                    label for="reject-note" { "Note" }
                    textarea #reject-note name="note" rows="2" {}
                    button.danger #reject type="submit" { "Reject" }
                }
                form method="post" action={ "/console/cases/" (case.id) "/decision" } {
                    (csrf(session))
                    input type="hidden" name="revision" value=(case.revision);
                    input type="hidden" name="decision" value="request_resubmission";
                    fieldset.steps {
                        legend { "Steps to redo (none checked: every step)" }
                        @for step in &view.redoable {
                            label.check {
                                input type="checkbox" name={ "step_" (step.as_str()) } id={ "redo-" (step.as_str()) };
                                " " (step.as_str().replace('_', " "))
                            }
                        }
                    }
                    label for="resubmit-note" { "Note to keep with the request" }
                    input #resubmit-note type="text" name="note";
                    button.secondary #resubmit type="submit" { "Request resubmission" }
                }
            }
        }
        section.card aria-labelledby="h-documents" {
            h2 #h-documents { "Documents" }
            @if view.documents.is_empty() { p { "No documents." } } @else {
                table {
                    thead { tr { th scope="col" { "File" } th scope="col" { "Type" } th scope="col" { "Side" } th scope="col" { "Status" } th scope="col" { "Rejection reasons" } th scope="col" { "Uploaded" } @if may_decide { th scope="col" { "Review" } } } }
                    tbody { @for d in &view.documents {
                        tr {
                            td { (document_file(&view.case, d)) }
                            td { (d.document_type) @if let Some(s) = &d.subtype { " (" (s) ")" } }
                            td { (d.side) }
                            td { (d.status) @if d.reviewed_by.is_some() { " (by a person)" } }
                            td { @for r in &d.rejection_reasons { (r.code) ": " (r.message) br; } }
                            td { (date(&d.created_at)) }
                            @if may_decide { td { (document_review(&view.case, d, session)) } }
                        }
                    } }
                }
            }
        }
        section.card aria-labelledby="h-checks" {
            h2 #h-checks { "Checks" }
            @if view.checks.is_empty() { p { "No checks have run." } } @else {
                table {
                    thead { tr { th scope="col" { "Check" } th scope="col" { "Status" } th scope="col" { "Explanation" } th scope="col" { "Round" } } }
                    tbody { @for c in &view.checks {
                        tr {
                            td { (c.kind) }
                            td { (c.status.as_str()) @if c.superseded { " (superseded)" } }
                            td { (c.explanation) }
                            td { (c.round) }
                        }
                    } }
                }
            }
        }
        section.card aria-labelledby="h-hits" {
            h2 #h-hits { "Screening hits" }
            @if view.hits.is_empty() { p { "No screening hits." } } @else {
                table {
                    thead { tr { th scope="col" { "Subject" } th scope="col" { "List entry" } th scope="col" { "Score" } th scope="col" { "Status" } th scope="col" { "Why" } @if may_decide { th scope="col" { "Review" } } } }
                    tbody { @for h in &view.hits {
                        tr {
                            td { (h.subject) }
                            td { (h.list) " " (h.entity_id) @if let Some(name) = h.detail.get("name").and_then(Value::as_str) { br; (name) } }
                            td { (format!("{:.2}", h.score)) }
                            td { (h.status) }
                            td { (h.detail.get("explanation").map(|e| match e { Value::String(s) => s.clone(), other => other.to_string() }).unwrap_or_default()) }
                            @if may_decide { td { (hit_review(&view.case, h, session)) } }
                        }
                    } }
                }
            }
        }
        section.card aria-labelledby="h-timeline" {
            h2 #h-timeline { "Timeline" }
            @if view.audit.is_empty() { p { "Nothing recorded yet." } } @else {
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } } }
                    tbody { @for entry in &view.audit {
                        tr {
                            td { (date(&entry.created_at)) }
                            td { (entry.actor_type) " " (entry.actor_id.as_deref().unwrap_or("")) }
                            td { (entry.action) }
                        }
                    } }
                }
            }
        }
    }
}
