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
use kycore_services::flows::Flow;
use kycore_services::screening::ListEntry;
use kycore_services::views::{Applicant, Case, Check, Document, Event, ScreeningHit};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::case_detail;
use crate::i18n::{Catalog, Texts};

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
th{background:#eef0f3}td.id{overflow-wrap:anywhere;min-width:7rem}caption{text-align:start;font-weight:600;padding:.25rem 0}\
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
svg{display:block;width:14rem;height:14rem;margin:.5rem 0}\
kbd{font:inherit;font-weight:600;border:1px solid #5b616e;border-radius:3px;padding:0 .3rem}\
.steps{border:1px solid #c9ccd3;border-radius:4px;margin:.5rem 0;padding:.25rem .75rem}\
label.check{display:block;font-weight:400;margin:.25rem 0}\
.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end}\
.decisions form{border-top:1px solid #dfe1e6;padding-top:.5rem;margin-top:.5rem}\
.hit{border-top:1px solid #dfe1e6;padding-top:.5rem;margin-top:.5rem}h3{font-size:1rem;margin:.5rem 0}h4{font-size:.95rem;margin:.5rem 0 .25rem}\
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
pub fn shell(
    nonce: &str,
    t: Texts,
    title: &str,
    session: Option<&ConsoleSession>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (t.with("page-title", &[("title", title.to_owned().into())])) }
                style nonce=(nonce) { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { (t.get("skip")) }
                header {
                    p.site { (t.get("site")) }
                    (language_switch(t))
                    @if let Some(session) = session {
                        nav aria-label=(t.get("nav-label")) {
                            a href="/console/cases" { (t.get("nav-queue")) }
                            " · " a href="/console/account" { (t.get("nav-account")) }
                            @if session.user.role.can_administer() {
                                " · " a href="/console/webhooks" { (t.get("nav-webhooks")) }
                                " · " a href="/console/keys" { (t.get("nav-keys")) }
                                " · " a href="/console/users" { (t.get("nav-users")) }
                                " · " a href="/console/flows" { (t.get("nav-flows")) }
                                " · " a href="/console/watchlists" { (t.get("nav-watchlists")) }
                            }
                        }
                        p {
                            (session.user.email) " · " (session.user.role.as_str()) " · "
                            span.muted { (session.user.organization_id) } " · "
                            @match session.scope.environment {
                                Environment::Live => span.env.env-live { (t.get("env-live")) },
                                Environment::Sandbox => span.env.env-sandbox { (t.get("env-sandbox")) },
                            }
                        }
                        form method="post" action="/console/environment" {
                            (csrf(session))
                            @match session.scope.environment {
                                Environment::Live => {
                                    input type="hidden" name="environment" value="sandbox";
                                    button.secondary #switch-environment type="submit" { (t.get("switch-to-sandbox")) }
                                }
                                Environment::Sandbox => {
                                    input type="hidden" name="environment" value="live";
                                    button.secondary #switch-environment type="submit" { (t.get("switch-to-live")) }
                                }
                            }
                        }
                        form method="post" action="/console/logout" {
                            (csrf(session))
                            button.secondary #sign-out type="submit" { (t.get("sign-out")) }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

/// Links to the console's languages; the one shown is marked as the current page.
fn language_switch(t: Texts) -> Markup {
    html! {
        nav aria-label=(t.get("switch-language")) {
            @for (i, lang) in Catalog::Console.languages().iter().enumerate() {
                @if i > 0 { " · " }
                @let name = Texts::console(*lang).get("language-name");
                @if *lang == t.lang {
                    span aria-current="page" lang=(lang.code()) { (name) }
                } @else {
                    a href={ "?lang=" (lang.code()) } lang=(lang.code()) hreflang=(lang.code()) { (name) }
                }
            }
        }
    }
}

pub fn message(t: Texts, title: &str, message: &str) -> Markup {
    html! {
        h1 { (title) }
        div.card { p { (message) } p { a href="/console/cases" { (t.get("back-to-queue")) } } }
    }
}

pub fn login(
    t: Texts,
    csrf: &str,
    error: Option<&str>,
    email: &str,
    ask_organization: bool,
) -> Markup {
    html! {
        h1 { (t.get("sign-in")) }
        @if let Some(error) = error {
            div.error role="alert" id="login-error" { (error) }
        }
        form.card method="post" action="/console/login" {
            input type="hidden" name="csrf" value=(csrf);
            label for="email" { (t.get("email")) }
            input #email type="email" name="email" value=(email) autocomplete="username" required
                aria-describedby=[error.map(|_| "login-error")];
            label for="password" { (t.get("password")) }
            input #password type="password" name="password" autocomplete="current-password" required;
            @if ask_organization {
                label for="organization" { (t.get("organization-id")) }
                input #organization type="text" name="organization" required;
            }
            label for="code" { (t.get("login-code")) }
            input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]*" maxlength="8" aria-describedby="code-hint";
            p.muted #code-hint { (t.get("login-code-hint")) }
            button #sign-in type="submit" { (t.get("sign-in")) }
        }
    }
}

pub fn date(at: &OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The queue's filters as the form shows them again.
pub struct QueueForm<'a> {
    pub status: Option<CaseStatus>,
    pub kind: Option<CaseKind>,
    /// The flow filtered by (empty: every flow), and the flows to pick from.
    pub flow: &'a str,
    pub flows: &'a [Flow],
    pub q: &'a str,
    pub from: &'a str,
    pub until: &'a str,
    /// Only the signed-in user's cases.
    pub mine: bool,
}

/// A queue row's risk signals in words; "—" when there are none.
fn signals(t: Texts, signals: &RiskSignals) -> Markup {
    let mut said: Vec<String> = Vec::new();
    if signals.open_hits > 0 {
        said.push(t.with("signal-open-hits", &[("count", signals.open_hits.into())]));
    }
    if signals.duplicate {
        said.push(t.get("signal-duplicate"));
    }
    let other_failures: Vec<&str> = signals
        .failed_checks
        .iter()
        .map(String::as_str)
        .filter(|kind| *kind != "duplicate_applicant")
        .collect();
    if !other_failures.is_empty() {
        let checks = other_failures.join(", ");
        said.push(t.with("signal-failed", &[("checks", checks.into())]));
    }
    if signals.rejected_documents > 0 {
        let count = signals.rejected_documents;
        said.push(t.with("signal-rejected-documents", &[("count", count.into())]));
    }
    html! {
        @if said.is_empty() { span.muted { (t.get("none")) } } @else {
            ul.signals { @for line in &said { li { (line) } } }
        }
    }
}

pub fn queue(t: Texts, rows: &[QueueRow], form: &QueueForm<'_>) -> Markup {
    html! {
        h1 { (t.get("queue-title")) }
        form.card.filters method="get" action="/console/cases" {
            div {
                label for="q" { (t.get("queue-search")) }
                input #q type="text" name="q" value=(form.q);
            }
            div {
                label for="status" { (t.get("queue-status")) }
                select #status name="status" {
                    option value="" selected[form.status.is_none()] { (t.get("queue-status-any")) }
                    @for status in CaseStatus::ALL {
                        option value=(status.as_str()) selected[form.status == Some(status)] { (status.as_str()) }
                    }
                }
            }
            div {
                label for="kind" { (t.get("queue-kind")) }
                select #kind name="kind" {
                    option value="" selected[form.kind.is_none()] { (t.get("queue-kind-any")) }
                    option value="kyc" selected[form.kind == Some(CaseKind::Kyc)] { (t.get("queue-kind-kyc")) }
                    option value="kyb" selected[form.kind == Some(CaseKind::Kyb)] { (t.get("queue-kind-kyb")) }
                }
            }
            div {
                label for="flow" { (t.get("case-flow")) }
                select #flow name="flow" {
                    option value="" selected[form.flow.is_empty()] { (t.get("queue-flow-any")) }
                    @for flow in form.flows {
                        option value=(flow.id) selected[form.flow == flow.id] { (flow.name) }
                    }
                }
            }
            div {
                label for="from" { (t.get("queue-from")) }
                input #from type="date" name="from" value=(form.from);
            }
            div {
                label for="until" { (t.get("queue-until")) }
                input #until type="date" name="until" value=(form.until);
            }
            div {
                label for="assigned" { (t.get("queue-assigned")) }
                select #assigned name="assigned" {
                    option value="" selected[!form.mine] { (t.get("queue-assigned-any")) }
                    option value="me" selected[form.mine] { (t.get("queue-assigned-me")) }
                }
            }
            div { button #filter type="submit" { (t.get("queue-filter")) } }
        }
        @if rows.is_empty() {
            p.card { (t.get("queue-empty")) }
        } @else {
            table {
                caption { (t.with("queue-caption", &[("count", rows.len().into())])) }
                thead { tr { th scope="col" { (t.get("col-case")) } th scope="col" { (t.get("col-status")) } th scope="col" { (t.get("col-kind")) } th scope="col" { (t.get("col-external-id")) } th scope="col" { (t.get("col-signals")) } th scope="col" { (t.get("col-assigned")) } th scope="col" { (t.get("col-created")) } } }
                tbody {
                    @for row in rows {
                        @let case = &row.case;
                        tr {
                            td.id { a href={ "/console/cases/" (case.id) } { (case.id) } }
                            td { (case.status.as_str()) }
                            td { (case.kind.as_str()) }
                            td { (case.external_id.as_deref().unwrap_or("—")) }
                            td { (signals(t, &row.signals)) }
                            td { (case.assigned_to.as_deref().unwrap_or("—")) }
                            td.id { (date(&case.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

/// Who works on the case, with the button to take it or let it go.
fn assignment(t: Texts, case: &Case, session: &ConsoleSession) -> Markup {
    let mine = case.assigned_to.as_deref() == Some(session.user.id.as_str());
    html! {
        form method="post" action={ "/console/cases/" (case.id) "/assignment" } {
            (csrf(session))
            p #assigned-to {
                @match &case.assigned_to {
                    Some(_) if mine => (t.get("assigned-to-you")),
                    Some(other) => (t.with("assigned-to-other", &[("who", other.clone().into())])),
                    None => (t.get("assigned-to-nobody")),
                }
            }
            @if mine {
                button.secondary #release type="submit" name="action" value="release" { (t.get("assignment-release")) }
            } @else {
                button.secondary #take type="submit" name="action" value="take" { (t.get("assignment-take")) }
            }
        }
    }
}

/// A document's file as the viewer shows it: an image in place, a PDF behind a link. Both
/// come from the console's own address, for a signed-in session only.
fn document_file(t: Texts, case: &Case, document: &Document) -> Markup {
    let href = format!("/console/cases/{}/documents/{}/file", case.id, document.id);
    let label = t.with(
        "document-label",
        &[
            ("type", document.document_type.clone().into()),
            ("side", document.side.clone().into()),
        ],
    );
    html! {
        @if document.content_type.starts_with("image/") {
            a href=(href) { img.scan src=(href) alt=(label) loading="lazy"; }
        } @else {
            a href=(href) { (t.with("document-open-pdf", &[("label", label.into())])) }
        }
    }
}

/// A line of the case's timeline: an audit entry (someone did something) or an event
/// (something happened) that no audit entry of the same moment already tells.
pub struct TimelineEntry {
    pub at: OffsetDateTime,
    /// The actor, for an audit entry.
    pub who: Option<String>,
    pub what: String,
}

/// The case's audit entries and events as one timeline, newest first.
pub fn timeline(audit: Vec<AuditEntry>, events: Vec<Event>) -> Vec<TimelineEntry> {
    let told = |event: &Event| {
        audit
            .iter()
            .any(|a| a.action == event.event_type && a.created_at == event.created_at)
    };
    let mut lines: Vec<TimelineEntry> = events
        .iter()
        .filter(|e| !told(e))
        .map(|e| TimelineEntry {
            at: e.created_at,
            who: None,
            what: e.event_type.clone(),
        })
        .collect();
    lines.extend(audit.into_iter().map(|a| TimelineEntry {
        at: a.created_at,
        who: Some(format!(
            "{} {}",
            a.actor_type,
            a.actor_id.as_deref().unwrap_or("")
        )),
        what: a.action,
    }));
    lines.sort_by_key(|line| std::cmp::Reverse(line.at));
    lines
}

pub struct CaseView {
    pub case: Case,
    pub applicant: Applicant,
    pub documents: Vec<Document>,
    pub checks: Vec<Check>,
    /// Each hit with its entry as the lists served now hold it.
    pub hits: Vec<(ScreeningHit, Option<ListEntry>)>,
    /// What happened and who did what, newest first.
    pub timeline: Vec<TimelineEntry>,
    /// The flow's steps a resubmission may ask to redo.
    pub redoable: Vec<Step>,
}

/// The message id saying what a change of the case did (`?done=` after it).
pub fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "approved" => "done-approved",
        "assigned" => "done-assigned",
        "unassigned" => "done-unassigned",
        "first_approval" => "done-first_approval",
        "rejected" => "done-rejected",
        "resubmission_requested" => "done-resubmission_requested",
        "document_reviewed" => "done-document_reviewed",
        "hit_reviewed" => "done-hit_reviewed",
        _ => return None,
    })
}

/// A document's accept and reject forms (a rejection names one of the checks' reason codes).
fn document_review(t: Texts, case: &Case, document: &Document, session: &ConsoleSession) -> Markup {
    let action = format!(
        "/console/cases/{}/documents/{}/review",
        case.id, document.id
    );
    let id = &document.id;
    html! {
        form method="post" action=(action) {
            (csrf(session))
            input type="hidden" name="status" value="accepted";
            button.secondary id={ "accept-" (id) } type="submit" { (t.get("document-accept")) }
        }
        form method="post" action=(action) {
            (csrf(session))
            input type="hidden" name="status" value="rejected";
            label for={ "code-" (id) } { (t.get("reject-reason")) }
            input id={ "code-" (id) } type="text" name="reason_code" placeholder=(t.get("document-reason-example"));
            label for={ "message-" (id) } { (t.get("document-message")) }
            input id={ "message-" (id) } type="text" name="message";
            button.danger id={ "reject-" (id) } type="submit" { (t.get("reject")) }
        }
    }
}

/// A profile's fields as label and value, in the order the profile gives them; a field the
/// catalog names (`profile-<field>`) in its words, another as its API name.
fn profile_rows(t: Texts, profile: Option<Value>) -> Vec<(String, String)> {
    let Some(Value::Object(fields)) = profile else {
        return Vec::new();
    };
    fields
        .into_iter()
        .map(|(name, value)| {
            let shown = match value {
                Value::String(s) => s,
                // An address: its parts in the order given, as one line.
                Value::Object(parts) => parts
                    .values()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            let label_id = format!("profile-{name}");
            let label = if t.has(&label_id) {
                t.get(&label_id)
            } else {
                name.replace('_', " ")
            };
            (label, shown)
        })
        .collect()
}

pub fn case(
    t: Texts,
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
        nav.case-nav aria-label=(t.get("case-nav")) {
            a href="/console/cases" { (t.get("case-back")) }
            a #next-case href={ "/console/next?after=" (case.id) } accesskey="n" { (t.get("case-next")) }
        }
        h1 { (t.with("case-title", &[("id", case.id.clone().into())])) }
        @if may_decide {
            p.muted #shortcuts {
                (t.get("case-shortcuts")) " "
                kbd { "A" } " " (t.get("case-shortcut-approve")) " " kbd { "R" } " " (t.get("case-shortcut-reason")) " "
                kbd { "N" } " " (t.get("case-shortcut-next"))
            }
        }
        @if let Some(error) = error { div.error role="alert" { (error) } }
        @if let Some(done) = done { div.ok role="status" { (done) } }
        div.grid {
            section.card aria-labelledby="h-case" {
                h2 #h-case { (t.get("case-section")) }
                dl {
                    dt { (t.get("col-status")) } dd #case-status { (case.status.as_str()) }
                    dt { (t.get("col-kind")) } dd { (case.kind.as_str()) }
                    dt { (t.get("case-flow")) } dd { (case.flow_id) " v" (case.flow_version) }
                    dt { (t.get("col-external-id")) } dd { (case.external_id.as_deref().unwrap_or("—")) }
                    dt { (t.get("col-created")) } dd { (date(&case.created_at)) }
                }
            }
            section.card aria-labelledby="h-applicant" {
                h2 #h-applicant { (t.get("applicant-section")) }
                dl {
                    dt { (t.get("applicant-id")) } dd { (applicant.id) }
                    dt { (t.get("applicant-type")) } dd { (applicant.applicant_type.as_str()) }
                    @for (name, value) in profile_rows(t, profile) {
                        dt { (name) } dd { (value) }
                    }
                }
            }
        }
        @if let Some(decision) = &case.decision { (case_detail::decision(t, decision)) }
        (case_detail::related_persons(t, case, applicant))
        @if session.user.role.can_decide() {
            section.card.decisions aria-labelledby="h-decide" {
                h2 #h-decide { (t.get("decide-section")) }
                (assignment(t, case, session))
                @if let Some(first) = &case.first_approval {
                    p #first-approval {
                        (t.with("first-approval", &[("who", first.by.clone().into()), ("at", date(&first.at).into())]))
                    }
                }
                form method="post" action={ "/console/cases/" (case.id) "/decision" } {
                    (csrf(session))
                    input type="hidden" name="revision" value=(case.revision);
                    input type="hidden" name="decision" value="approve";
                    label for="approve-note" { (t.get("approve-note")) }
                    input #approve-note type="text" name="note";
                    button #approve type="submit" accesskey="a" {
                        @if case.first_approval.is_some() { (t.get("approve-confirm")) } @else { (t.get("approve")) }
                    }
                }
                form method="post" action={ "/console/cases/" (case.id) "/decision" } {
                    (csrf(session))
                    input type="hidden" name="revision" value=(case.revision);
                    input type="hidden" name="decision" value="reject";
                    label for="reject-reason" { (t.get("reject-reason")) }
                    input #reject-reason type="text" name="reason_code" placeholder=(t.get("reject-reason-example")) accesskey="r";
                    label for="reject-note" { (t.get("reject-note")) }
                    textarea #reject-note name="note" rows="2" {}
                    button.danger #reject type="submit" { (t.get("reject")) }
                }
                form method="post" action={ "/console/cases/" (case.id) "/decision" } {
                    (csrf(session))
                    input type="hidden" name="revision" value=(case.revision);
                    input type="hidden" name="decision" value="request_resubmission";
                    fieldset.steps {
                        legend { (t.get("resubmit-steps")) }
                        @for step in &view.redoable {
                            label.check {
                                input type="checkbox" name={ "step_" (step.as_str()) } id={ "redo-" (step.as_str()) };
                                " " (step.as_str().replace('_', " "))
                            }
                        }
                    }
                    label for="resubmit-note" { (t.get("resubmit-note")) }
                    input #resubmit-note type="text" name="note";
                    button.secondary #resubmit type="submit" { (t.get("resubmit")) }
                }
            }
        }
        section.card aria-labelledby="h-documents" {
            h2 #h-documents { (t.get("documents-section")) }
            @if view.documents.is_empty() { p { (t.get("documents-none")) } } @else {
                table {
                    thead { tr { th scope="col" { (t.get("col-file")) } th scope="col" { (t.get("col-type")) } th scope="col" { (t.get("col-side")) } th scope="col" { (t.get("col-status")) } th scope="col" { (t.get("col-rejection-reasons")) } th scope="col" { (t.get("col-uploaded")) } @if may_decide { th scope="col" { (t.get("col-review")) } } } }
                    tbody { @for d in &view.documents {
                        tr {
                            td { (document_file(t, &view.case, d)) }
                            td { (d.document_type) @if let Some(s) = &d.subtype { " (" (s) ")" } }
                            td { (d.side) }
                            td { (d.status) @if d.reviewed_by.is_some() { " " (t.get("document-by-person")) } }
                            td { @for r in &d.rejection_reasons { (r.code) ": " (r.message) br; } }
                            td { (date(&d.created_at)) }
                            @if may_decide { td { (document_review(t, &view.case, d, session)) } }
                        }
                    } }
                }
            }
        }
        section.card aria-labelledby="h-checks" {
            h2 #h-checks { (t.get("checks-section")) }
            @if view.checks.is_empty() { p { (t.get("checks-none")) } } @else {
                table {
                    thead { tr { th scope="col" { (t.get("col-check")) } th scope="col" { (t.get("col-status")) } th scope="col" { (t.get("col-explanation")) } th scope="col" { (t.get("col-round")) } } }
                    tbody { @for c in &view.checks {
                        tr {
                            td { (c.kind) }
                            td { (c.status.as_str()) @if c.superseded { " " (t.get("check-superseded")) } }
                            td { (c.explanation) }
                            td { (c.round) }
                        }
                    } }
                }
            }
        }
        (case_detail::hits(t, case, applicant, &view.hits, session))
        section.card aria-labelledby="h-timeline" {
            h2 #h-timeline { (t.get("timeline-section")) }
            @if view.timeline.is_empty() { p { (t.get("timeline-none")) } } @else {
                table {
                    thead { tr { th scope="col" { (t.get("col-when")) } th scope="col" { (t.get("col-who")) } th scope="col" { (t.get("col-what")) } } }
                    tbody { @for line in &view.timeline {
                        tr {
                            td { (date(&line.at)) }
                            td { (line.who.as_deref().unwrap_or("—")) }
                            td { (line.what) }
                        }
                    } }
                }
            }
        }
    }
}
