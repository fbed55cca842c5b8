//! The case page's explaining sections: the decision with the rules that fired and the facts
//! each read, a business's related persons with their own cases, and each screening hit
//! beside the list entry it matched and the engine's account of how.

use kycore_domain::applicant::RelatedPerson;
use kycore_domain::case::Decision;
use kycore_services::console_users::ConsoleSession;
use kycore_services::screening::{ListEntry, screened_query};
use kycore_services::views::{Applicant, Case, ScreeningHit};
use maud::{Markup, html};
use serde_json::Value;

use super::pages::{csrf, date};
use crate::i18n::Texts;

/// A JSON value as a person reads it: strings bare, the rest as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

/// A value of the domain's vocabulary as its API spells it (`in_review`, `ubo`).
fn word(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .map(|v| plain(&v))
        .unwrap_or_default()
}

/// The case's decision: who or what made it, why, and every rule that fired with the facts
/// it read.
pub fn decision(t: Texts, decision: &Decision) -> Markup {
    html! {
        section.card aria-labelledby="h-decision" {
            h2 #h-decision { (t.get("decision-section")) }
            dl {
                dt { (t.get("decision-outcome")) } dd #decision-outcome { (word(decision.outcome)) }
                dt { (t.get("decision-by")) } dd { (decision.decided_by) }
                dt { (t.get("decision-reason")) } dd { (decision.reason_code.as_deref().unwrap_or("—")) }
                dt { (t.get("decision-at")) } dd { (date(&decision.decided_at)) }
                @if !decision.resubmission_steps.is_empty() {
                    dt { (t.get("decision-steps")) }
                    dd { (decision.resubmission_steps.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")) }
                }
            }
            @if !decision.rules.is_empty() {
                table #fired-rules {
                    caption { (t.get("rules-caption")) }
                    thead { tr { th scope="col" { (t.get("col-rule")) } th scope="col" { (t.get("col-asks-for")) } th scope="col" { (t.get("decision-reason")) } th scope="col" { (t.get("col-facts")) } } }
                    tbody { @for rule in &decision.rules {
                        tr {
                            td { (rule.name) }
                            td { (word(rule.outcome)) }
                            td { (rule.reason_code) }
                            td {
                                @if let Some(error) = &rule.error { (t.with("rule-error", &[("error", error.clone().into())])) br; }
                                @for (fact, value) in &rule.inputs { code { (fact) } " = " (plain(value)) br; }
                            }
                        }
                    } }
                }
            }
        }
    }
}

fn person_name(t: Texts, person: &RelatedPerson) -> String {
    let parts: Vec<&str> = [&person.first_name, &person.last_name]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    if parts.is_empty() {
        t.get("related-no-name")
    } else {
        parts.join(" ")
    }
}

/// A business's related persons, each linked to the KYC case kycore opened for them.
pub fn related_persons(t: Texts, case: &Case, applicant: &Applicant) -> Markup {
    let cases = case.related_cases.as_deref().unwrap_or_default();
    html! {
        @if !applicant.related_persons.is_empty() {
            section.card aria-labelledby="h-related" {
                h2 #h-related { (t.get("related-section")) }
                table {
                    thead { tr { th scope="col" { (t.get("col-name")) } th scope="col" { (t.get("col-role")) } th scope="col" { (t.get("col-ownership")) } th scope="col" { (t.get("col-born")) } th scope="col" { (t.get("col-nationality")) } th scope="col" { (t.get("col-their-case")) } } }
                    tbody { @for person in &applicant.related_persons {
                        @let id = person.id.as_ref().map(ToString::to_string);
                        @let own = cases.iter().find(|c| Some(&c.related_person_id) == id.as_ref());
                        tr {
                            td { (person_name(t, person)) }
                            td { (word(person.role)) }
                            td { @if let Some(p) = person.ownership_percent { (p) " %" } @else { "—" } }
                            td { (person.date_of_birth.as_deref().unwrap_or("—")) }
                            td { (person.nationality.as_deref().unwrap_or("—")) }
                            td {
                                @match own {
                                    Some(child) => { a href={ "/console/cases/" (child.case_id) } { (child.case_id) } " (" (child.status.as_str()) ")" },
                                    None => span.muted { (t.get("related-no-case")) },
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

/// What kycore screened for a hit's subject: the party's query, as the screening builds it.
fn screened(t: Texts, case: &Case, applicant: &Applicant, subject: &str) -> Vec<(String, String)> {
    let Some(query) = screened_query(case.kind, applicant, subject) else {
        return Vec::new();
    };
    let mut rows = vec![(t.get("field-name"), query.name)];
    if let Some(born) = query.date_of_birth {
        rows.push((t.get("field-born"), born.to_string()));
    }
    if !query.countries.is_empty() {
        rows.push((t.get("field-countries"), query.countries.join(", ")));
    }
    rows
}

/// The listed entry as the lists served now hold it.
fn listed(t: Texts, hit: &ScreeningHit, entry: Option<&ListEntry>) -> Markup {
    let Some(entry) = entry else {
        let args = [
            ("entity", hit.entity_id.clone().into()),
            ("version", hit.list_version.clone().into()),
        ];
        return html! { p.muted { (t.with("hit-gone", &args)) } };
    };
    let join = |items: Vec<String>| {
        if items.is_empty() {
            "—".to_owned()
        } else {
            items.join("; ")
        }
    };
    html! {
        dl {
            dt { (t.get("field-names")) } dd { (join(entry.names.iter().map(|n| n.full.clone()).collect())) }
            dt { (t.get("field-born")) } dd { (join(entry.birth_dates.iter().map(ToString::to_string).collect())) }
            dt { (t.get("field-countries")) } dd { (join(entry.countries.iter().map(|c| format!("{} ({:?})", c.code, c.role).to_lowercase()).collect())) }
            dt { (t.get("field-programs")) } dd { (join(entry.programs.clone())) }
            @if let Some(sublist) = &entry.sublist { dt { (t.get("field-source")) } dd { (sublist) } }
        }
    }
}

/// The engine's account of the score: which words matched how, which did not, and what the
/// birth date, country and type did.
fn explanation(t: Texts, detail: &Value) -> Markup {
    let explanation = detail.get("explanation").unwrap_or(&Value::Null);
    let list = |key: &str| -> Vec<Value> {
        explanation
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let words =
        |key: &str| -> String { list(key).iter().map(plain).collect::<Vec<_>>().join(", ") };
    let field = |item: &Value, key: &str| item.get(key).map(plain).unwrap_or_default();
    html! {
        ul {
            @for m in list("token_matches") {
                li {
                    (field(&m, "query")) " ↔ " (field(&m, "list")) ": " (field(&m, "kind"))
                    @if let Some(script) = m.get("script") { " (" (plain(script)) ")" }
                    @if let Some(similarity) = m.get("similarity").and_then(Value::as_f64) { ", " (format!("{similarity:.2}")) }
                }
            }
            @let query_only = words("unmatched_query_tokens");
            @if !query_only.is_empty() { li { (t.with("hit-only-screened", &[("words", query_only.clone().into())])) } }
            @let list_only = words("unmatched_list_tokens");
            @if !list_only.is_empty() { li { (t.with("hit-only-listed", &[("words", list_only.clone().into())])) } }
            @for q in list("qualifiers") {
                li { (field(&q, "qualifier").replace('_', " ")) " " (field(&q, "verdict")) ": " (field(&q, "detail")) }
            }
        }
    }
}

fn hit_review(t: Texts, case: &Case, hit: &ScreeningHit, session: &ConsoleSession) -> Markup {
    let id = &hit.id;
    html! {
        form method="post" action={ "/console/cases/" (case.id) "/screening-hits/" (id) "/review" } {
            (csrf(session))
            label for={ "hit-note-" (id) } { (t.get("hit-note")) }
            input id={ "hit-note-" (id) } type="text" name="note";
            button.danger id={ "true-" (id) } type="submit" name="verdict" value="true_match" { (t.get("hit-true")) }
            button.secondary id={ "false-" (id) } type="submit" name="verdict" value="false_match" { (t.get("hit-false")) }
        }
    }
}

fn heading(t: Texts, hit: &ScreeningHit) -> String {
    t.with(
        "hit-heading",
        &[
            ("list", hit.list.clone().into()),
            ("entity", hit.entity_id.clone().into()),
            ("score", format!("{:.2}", hit.score).into()),
            ("status", hit.status.clone().into()),
        ],
    )
}

/// Each hit as a card: the screened party and the listed entry side by side, the engine's
/// explanation under them, and (for those who decide) the review form.
pub fn hits(
    t: Texts,
    case: &Case,
    applicant: &Applicant,
    hits: &[(ScreeningHit, Option<ListEntry>)],
    session: &ConsoleSession,
) -> Markup {
    let may_decide = session.user.role.can_decide();
    html! {
        section.card aria-labelledby="h-hits" {
            h2 #h-hits { (t.get("hits-section")) }
            @if hits.is_empty() { p { (t.get("hits-none")) } }
            @for (hit, entry) in hits {
                article.hit aria-labelledby={ "hit-" (hit.id) } {
                    h3 id={ "hit-" (hit.id) } { (heading(t, hit)) }
                    div.grid {
                        div {
                            h4 { (t.with("hit-screened", &[("subject", hit.subject.clone().into())])) }
                            dl { @for (label, value) in screened(t, case, applicant, &hit.subject) { dt { (label) } dd { (value) } } }
                        }
                        div {
                            h4 { (t.get("hit-listed")) }
                            dl {
                                dt { (t.get("hit-matched-name")) } dd { (hit.detail.get("matched_name").map(plain).unwrap_or_default()) }
                            }
                            (listed(t, hit, entry.as_ref()))
                        }
                    }
                    h4 { (t.get("hit-how")) }
                    (explanation(t, &hit.detail))
                    @if let Some(note) = &hit.review_note { p { (t.with("hit-review-note", &[("note", note.clone().into())])) } }
                    @if may_decide { (hit_review(t, case, hit, session)) }
                }
            }
        }
    }
}
